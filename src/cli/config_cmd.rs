//! `hrwise-sync config check`: validate the configuration and print the effective values as
//! `key = value` lines (valid TOML), each with where it came from. Invariant: secrets print as
//! `***`; the listing covers every key in `config::KEYS` (a test checks).

use std::fmt::Write;

use chrono::Utc;

use crate::config::{Config, ConfigError, KEYS, LogFormat, Origin};

#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print the effective values (secrets masked).
    Check,
}

pub fn run(
    cmd: ConfigCommand,
    load: impl FnOnce() -> Result<Config, ConfigError>,
) -> super::CliResult {
    match cmd {
        ConfigCommand::Check => {
            let c = load()?;
            print!("{}", render(&c));
            Ok(())
        }
    }
}

fn quote(s: &str) -> String {
    // TOML basic strings accept JSON string escapes.
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// One `key = value` line per key, with a comment saying where the value came from.
pub fn render(c: &Config) -> String {
    let path = |p: &std::path::Path| quote(&p.display().to_string());
    let value = |key: &str| -> Option<String> {
        Some(match key {
            "api_key" => quote(&c.api_key.as_ref()?.to_string()),
            "api_key_file" => path(c.api_key_file.as_deref()?),
            "base_url" => quote(c.base_url.as_str()),
            "database" => path(&c.database),
            "schedule" => quote(&c.schedule),
            "full_sync_schedule" => quote(c.full_sync_schedule.as_deref()?),
            "timezone" => quote(&c.timezone),
            "listen" => quote(&c.listen.map_or("off".into(), |a| a.to_string())),
            "ready_max_age_secs" => c.ready_max_age?.as_secs().to_string(),
            "status_file" => path(&c.status_file),
            "rate_limit_requests" => c.rate_limit_requests.to_string(),
            "rate_limit_window_secs" => c.rate_limit_window.as_secs().to_string(),
            "max_in_flight" => c.max_in_flight.to_string(),
            "request_timeout_secs" => c.request_timeout.as_secs().to_string(),
            "max_retries" => c.max_retries.to_string(),
            "page_size" => c.page_size.to_string(),
            "children_max_age_days" => format!("{}", c.children_max_age.as_secs_f64() / 86_400.0),
            "sweep_max_share" => c.sweep_max_share.to_string(),
            "shutdown_timeout_secs" => c.shutdown_timeout.as_secs().to_string(),
            "log_format" => quote(match c.log_format {
                LogFormat::Text => "text",
                LogFormat::Json => "json",
            }),
            "log_level" => quote(&c.log_level),
            _ => return None,
        })
    };
    let mut out = String::from("# effective configuration (secrets masked)\n");
    for key in KEYS {
        let origin = match c.origin(key) {
            Origin::Default => "default".to_string(),
            Origin::File => "file".to_string(),
            Origin::Env(var) => format!("env {var}"),
        };
        let _ = match value(key) {
            Some(v) => writeln!(out, "{key} = {v}  # {origin}"),
            None if *key == "ready_max_age_secs" => {
                writeln!(
                    out,
                    "# {key}: unset (two scheduled runs after the last success, plus 60 s)"
                )
            }
            None => writeln!(out, "# {key}: unset"),
        };
    }
    let now = Utc::now();
    let mut next = |label: &str, s: &crate::schedule::CronSchedule| {
        let times: Vec<String> = s
            .upcoming(now, 3)
            .iter()
            .map(|t| {
                t.with_timezone(&s.tz())
                    .format("%Y-%m-%d %H:%M:%S %Z")
                    .to_string()
            })
            .collect();
        let _ = writeln!(out, "# next {label} syncs: {}", times.join(", "));
    };
    next("scheduled", &c.timetable.incremental);
    if let Some(full) = &c.timetable.full {
        next("full", full);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_listed_and_the_key_is_masked() {
        let c = Config::load_from(
            None,
            [
                ("HRWISE_API_KEY", "hrw_supersecret"),
                ("HRWISE_FULL_SYNC_SCHEDULE", "30 2 * * *"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        )
        .unwrap();
        let text = render(&c);
        assert!(!text.contains("supersecret"), "{text}");
        assert!(
            text.contains("api_key = \"***\"  # env HRWISE_API_KEY"),
            "{text}"
        );
        assert!(
            text.contains("schedule = \"0 * * * *\"  # default"),
            "{text}"
        );
        for key in KEYS {
            assert!(
                text.contains(&format!("{key} =")) || text.contains(&format!("# {key}:")),
                "{key}: {text}"
            );
        }
        assert!(text.contains("# next full syncs:"), "{text}");
    }
}
