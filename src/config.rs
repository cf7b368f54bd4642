//! Configuration: a TOML file, then `HRWISE_*` environment variables, which win. Raw input
//! (`RawConfig`, serde) is validated once into [`Config`]; every error names the key and the
//! problem on one line, and secrets are wrapped so nothing prints them (not even a value that
//! failed to parse).

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use config::Source;
use serde::Deserialize;
use url::Url;

use crate::schedule::{CronSchedule, Timetable};
use crate::secret::Secret;

/// Every key of the configuration file, as written by the operator. Field docs are the user
/// docs: `config/hrwise-sync.example.toml` repeats them with the defaults (a test checks that
/// every key is there).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// The company's API key (`hrw_...`). Prefer `api_key_file`.
    pub api_key: Option<Secret>,
    /// A file holding the API key (Docker secrets, systemd credentials); surrounding white
    /// space is ignored.
    pub api_key_file: Option<PathBuf>,
    /// The API's base URL. Default `https://api.hrwise.ai`.
    pub base_url: Option<String>,
    /// The warehouse file analysts open. Default `hrwise.duckdb`.
    pub database: Option<PathBuf>,
    /// When `run` syncs: cron with 5 fields, or 6 with seconds first. Default hourly
    /// (`0 * * * *`).
    pub schedule: Option<String>,
    /// When `run` makes a full sync instead (optional, cron like `schedule`).
    pub full_sync_schedule: Option<String>,
    /// The time zone of both schedules (IANA name, e.g. `Europe/Berlin`). Default `UTC`.
    pub timezone: Option<String>,
    /// Where `run` serves `/healthz`, `/readyz`, `/metrics`; `off` disables it.
    /// Default `127.0.0.1:9464`.
    pub listen: Option<String>,
    /// How old the last successful sync may be, in seconds, before `/readyz` answers 503.
    /// Default: two scheduled runs after it, plus 60 s.
    pub ready_max_age_secs: Option<u64>,
    /// The file where `run` publishes its live state for `status`. Default: the database
    /// path with `.status.json` appended.
    pub status_file: Option<PathBuf>,
    /// Requests the API allows per window. Default 1000.
    pub rate_limit_requests: Option<u32>,
    /// The rate-limit window, in seconds. Default 3600.
    pub rate_limit_window_secs: Option<u64>,
    /// Requests in flight at once. Default 8.
    pub max_in_flight: Option<usize>,
    /// Time allowed for one request, in seconds. Default 30.
    pub request_timeout_secs: Option<u64>,
    /// Retries of one request after a transient failure. Default 6.
    pub max_retries: Option<u32>,
    /// Employees per list page (the API allows 100 at most). Default 100.
    pub page_size: Option<u32>,
    /// The longest an employee's trainings, tasks and mentorships may go without being
    /// fetched again, in days. Default 7.
    pub children_max_age_days: Option<f64>,
    /// The share (0 to 1) of one window's quota that the staleness sweep may spend per sync,
    /// leaving the rest to the company's other API users. Default 0.5.
    pub sweep_max_share: Option<f64>,
    /// How long a stopping daemon waits for the sync in flight to commit and stop, in
    /// seconds. Default 10.
    pub shutdown_timeout_secs: Option<u64>,
    /// `text` (default) or `json` (one JSON object per line).
    pub log_format: Option<String>,
    /// The log filter (`info`, `hrwise_sync=debug`, ...). Default `info`; `RUST_LOG` wins.
    pub log_level: Option<String>,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where a key's effective value came from (shown by `config check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    File,
    /// The environment variable's name.
    Env(String),
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub api_key: Option<Secret>,
    /// Where the key was read from, if from a file.
    pub api_key_file: Option<PathBuf>,
    pub base_url: Url,
    pub database: PathBuf,
    pub schedule: String,
    pub full_sync_schedule: Option<String>,
    pub timezone: String,
    /// Both schedules, parsed, in `timezone`.
    pub timetable: Timetable,
    pub listen: Option<SocketAddr>,
    /// `None`: two scheduled runs plus slack (see `schedule::Timetable::stale_at`).
    pub ready_max_age: Option<Duration>,
    pub status_file: PathBuf,
    pub rate_limit_requests: u32,
    pub rate_limit_window: Duration,
    pub max_in_flight: usize,
    pub request_timeout: Duration,
    pub max_retries: u32,
    pub page_size: u32,
    pub children_max_age: Duration,
    pub sweep_max_share: f64,
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
    pub log_level: String,
    /// Where each key that is set came from; keys absent here have their default.
    pub origins: BTreeMap<String, Origin>,
}

/// A configuration problem: which key, and what is wrong with it. Displays on one line.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {key}: {problem}")]
pub struct ConfigError {
    pub key: String,
    pub problem: String,
}

fn bad(key: &str, problem: impl Into<String>) -> ConfigError {
    let problem: String = problem.into();
    // One line on stderr, always: TOML errors come with a multi-line excerpt of the file,
    // which is dropped (it may quote a secret: `api_key = hrw_...` without quotes).
    let excerpt = |l: &str| {
        l.starts_with('|')
            || l.split_once('|')
                .is_some_and(|(n, _)| n.trim().parse::<u32>().is_ok())
    };
    let problem = problem
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty() && !excerpt(l));
    ConfigError {
        key: key.to_string(),
        problem: problem.collect::<Vec<_>>().join("; "),
    }
}

pub const DEFAULT_BASE_URL: &str = "https://api.hrwise.ai";
pub const DEFAULT_SCHEDULE: &str = "0 * * * *";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9464";
/// Keys of the file, which are also the names of their environment variables (`HRWISE_` +
/// upper case).
pub const KEYS: &[&str] = &[
    "api_key",
    "api_key_file",
    "base_url",
    "database",
    "schedule",
    "full_sync_schedule",
    "timezone",
    "listen",
    "ready_max_age_secs",
    "status_file",
    "rate_limit_requests",
    "rate_limit_window_secs",
    "max_in_flight",
    "request_timeout_secs",
    "max_retries",
    "page_size",
    "children_max_age_days",
    "sweep_max_share",
    "shutdown_timeout_secs",
    "log_format",
    "log_level",
];
/// Keys whose values are never echoed, not even in a parse error.
const SECRET_KEYS: &[&str] = &["api_key"];
/// `HRWISE_*` variables that are not configuration keys.
const NON_KEY_VARS: &[&str] = &["HRWISE_CONFIG"];

impl Config {
    /// Reads the file (if any) and the process environment, and validates the result.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_from(path, std::env::vars())
    }

    /// As [`Config::load`], with the environment given (tests).
    pub fn load_from(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut builder = config::Config::builder();
        let mut origins = BTreeMap::new();
        if let Some(path) = path {
            if !path.is_file() {
                return Err(bad("--config", format!("{}: no such file", path.display())));
            }
            let file = config::File::from(path)
                .format(config::FileFormat::Toml)
                .required(true);
            let keys = file
                .collect()
                .map_err(|e| from_config_error(e, Some(path)))?;
            for secret in SECRET_KEYS {
                // `config` would quietly turn `api_key = 123` into "123".
                if keys
                    .get(*secret)
                    .is_some_and(|v| !matches!(v.kind, config::ValueKind::String(_)))
                {
                    return Err(bad(
                        secret,
                        format!("must be a string in quotes (in {})", path.display()),
                    ));
                }
            }
            origins.extend(keys.into_keys().map(|k| (k, Origin::File)));
            builder = builder.add_source(file);
        }
        // The environment is filtered by hand: `config`'s own prefix splitting mis-reads keys
        // with underscores, and an `HRWISE_` typo must be an error, not silently ignored.
        let mut vars = HashMap::new();
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("HRWISE_") else {
                continue;
            };
            if NON_KEY_VARS.contains(&name.as_str()) {
                continue;
            }
            let key = rest.to_ascii_lowercase();
            if !KEYS.contains(&key.as_str()) {
                return Err(bad(
                    &name,
                    "unknown environment variable (not a configuration key)",
                ));
            }
            origins.insert(key.clone(), Origin::Env(name));
            vars.insert(key, value);
        }
        builder = builder.add_source(config::Environment::default().source(Some(vars)));
        let raw: RawConfig = builder
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| from_config_error(e, path))?;
        let mut config = raw.validate()?;
        config.origins = origins;
        Ok(config)
    }
}

fn from_config_error(e: config::ConfigError, path: Option<&Path>) -> ConfigError {
    let text = e.to_string();
    let file = path
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "environment".into());
    // "unknown field `x`, expected one of ..." → name the key first.
    if let Some(rest) = text.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        return bad(key, format!("unknown key (in {file})"));
    }
    if let Some(idx) = text.find(" for key `") {
        let key = text[idx + 10..].split('`').next().unwrap_or("?");
        if SECRET_KEYS.contains(&key) {
            return bad(key, format!("must be a string (in {file})"));
        }
        return bad(key, format!("{} (in {file})", &text[..idx]));
    }
    // A TOML syntax error quotes the offending line ("2 | listen = "): name its key.
    let quoted_key = text.lines().find_map(|l| {
        let (number, rest) = l.trim_start().split_once('|')?;
        number.trim().parse::<u32>().ok()?;
        let key = rest.split('=').next()?.trim();
        (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then_some(key)
    });
    match quoted_key {
        Some(key) => bad(key, format!("{text} (in {file})")),
        None => bad(&file, text),
    }
}

impl RawConfig {
    /// Checks every key once, resolving defaults and the key file.
    pub fn validate(self) -> Result<Config, ConfigError> {
        let (api_key, key_name) = match (self.api_key, &self.api_key_file) {
            (Some(_), Some(_)) => {
                return Err(bad(
                    "api_key_file",
                    "set either api_key or api_key_file, not both",
                ));
            }
            (Some(k), None) => (Some(k), "api_key"),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    bad(
                        "api_key_file",
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                (Some(Secret::new(text.trim())), "api_key_file")
            }
            (None, None) => (None, "api_key"),
        };
        if let Some(k) = &api_key {
            if k.expose().trim().is_empty() {
                return Err(bad(key_name, "the key is empty"));
            }
            if k.expose()
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(bad(key_name, "the key contains white space"));
            }
        }
        let base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let base_url =
            Url::parse(base).map_err(|e| bad("base_url", format!("{base:?} is not a URL: {e}")))?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.host().is_none() {
            return Err(bad("base_url", format!("{base:?} is not an http(s) URL")));
        }
        let database = self
            .database
            .unwrap_or_else(|| PathBuf::from("hrwise.duckdb"));
        if database.as_os_str().is_empty() {
            return Err(bad("database", "is empty"));
        }
        let timezone = self.timezone.unwrap_or_else(|| "UTC".into());
        let tz: chrono_tz::Tz = timezone
            .parse()
            .map_err(|_| bad("timezone", format!("{timezone:?} is not an IANA time zone")))?;
        let schedule = self
            .schedule
            .unwrap_or_else(|| DEFAULT_SCHEDULE.to_string());
        let incremental = CronSchedule::parse(&schedule, tz).map_err(|p| bad("schedule", p))?;
        let full = match &self.full_sync_schedule {
            Some(s) => Some(CronSchedule::parse(s, tz).map_err(|p| bad("full_sync_schedule", p))?),
            None => None,
        };
        let listen = match self.listen.as_deref().map(str::trim) {
            None => Some(DEFAULT_LISTEN.parse().expect("the default address parses")),
            Some("off" | "") => None,
            Some(s) => Some(s.parse().map_err(|_| {
                bad(
                    "listen",
                    format!("{s:?} is not an address like 127.0.0.1:9464 (or off)"),
                )
            })?),
        };
        let positive = |key: &str, v: u64| -> Result<u64, ConfigError> {
            if v == 0 {
                Err(bad(key, "must be greater than 0"))
            } else {
                Ok(v)
            }
        };
        let ready_max_age_secs = match self.ready_max_age_secs {
            Some(v) => Some(positive("ready_max_age_secs", v)?),
            None => None,
        };
        let status_file = self.status_file.unwrap_or_else(|| {
            let mut name = database.clone().into_os_string();
            name.push(".status.json");
            PathBuf::from(name)
        });
        if status_file.as_os_str().is_empty() {
            return Err(bad("status_file", "is empty"));
        }
        let rate_limit_requests = positive(
            "rate_limit_requests",
            self.rate_limit_requests.unwrap_or(1000).into(),
        )? as u32;
        let rate_limit_window_secs = positive(
            "rate_limit_window_secs",
            self.rate_limit_window_secs.unwrap_or(3600),
        )?;
        let max_in_flight = positive("max_in_flight", self.max_in_flight.unwrap_or(8) as u64)?;
        let request_timeout_secs = positive(
            "request_timeout_secs",
            self.request_timeout_secs.unwrap_or(30),
        )?;
        let page_size = self.page_size.unwrap_or(100);
        if !(1..=100).contains(&page_size) {
            return Err(bad(
                "page_size",
                "must be between 1 and 100 (the API's maximum)",
            ));
        }
        let days = self.children_max_age_days.unwrap_or(7.0);
        if !(days.is_finite() && days > 0.0) {
            return Err(bad(
                "children_max_age_days",
                "must be a positive number of days",
            ));
        }
        let sweep_max_share = self.sweep_max_share.unwrap_or(0.5);
        if !(0.0..=1.0).contains(&sweep_max_share) {
            return Err(bad("sweep_max_share", "must be between 0 and 1"));
        }
        let shutdown_timeout_secs = positive(
            "shutdown_timeout_secs",
            self.shutdown_timeout_secs.unwrap_or(10),
        )?;
        let log_format = match self.log_format.as_deref().unwrap_or("text") {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => return Err(bad("log_format", format!("{other:?} is not text or json"))),
        };
        let log_level = self.log_level.unwrap_or_else(|| "info".into());
        tracing_subscriber::EnvFilter::try_new(&log_level).map_err(|e| {
            bad(
                "log_level",
                format!("{log_level:?} is not a log filter: {e}"),
            )
        })?;
        Ok(Config {
            api_key,
            api_key_file: self.api_key_file,
            base_url,
            database,
            schedule,
            full_sync_schedule: self.full_sync_schedule,
            timezone,
            timetable: Timetable { incremental, full },
            listen,
            ready_max_age: ready_max_age_secs.map(Duration::from_secs),
            status_file,
            rate_limit_requests,
            rate_limit_window: Duration::from_secs(rate_limit_window_secs),
            max_in_flight: max_in_flight as usize,
            request_timeout: Duration::from_secs(request_timeout_secs),
            max_retries: self.max_retries.unwrap_or(6),
            page_size,
            children_max_age: Duration::from_secs_f64(days * 86_400.0),
            sweep_max_share,
            shutdown_timeout: Duration::from_secs(shutdown_timeout_secs),
            log_format,
            log_level,
            origins: BTreeMap::new(),
        })
    }
}

impl Config {
    /// The key, or the error every command that talks to the API gives without one.
    pub fn require_api_key(&self) -> Result<&Secret, ConfigError> {
        self.api_key.as_ref().ok_or_else(|| {
            bad(
                "api_key",
                "not set (set api_key, api_key_file or HRWISE_API_KEY)",
            )
        })
    }

    /// Where `key`'s value came from.
    pub fn origin(&self, key: &str) -> Origin {
        self.origins.get(key).cloned().unwrap_or(Origin::Default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn environment_wins_and_underscored_keys_are_read() {
        let c = Config::load_from(
            None,
            env(&[
                ("HRWISE_RATE_LIMIT_REQUESTS", "50"),
                ("HRWISE_API_KEY", "hrw_x"),
            ]),
        )
        .unwrap();
        assert_eq!(c.rate_limit_requests, 50);
        assert_eq!(c.api_key.as_ref().unwrap().expose(), "hrw_x");
        assert_eq!(c.origin("api_key"), Origin::Env("HRWISE_API_KEY".into()));
        assert_eq!(c.origin("page_size"), Origin::Default);
    }

    #[test]
    fn a_secret_made_of_digits_stays_a_string() {
        let c = Config::load_from(None, env(&[("HRWISE_API_KEY", "00123")])).unwrap();
        assert_eq!(c.api_key.unwrap().expose(), "00123");
    }

    #[test]
    fn errors_name_the_key() {
        for (vars, key) in [
            (vec![("HRWISE_BASE_URL", "not a url")], "base_url"),
            (
                vec![("HRWISE_RATE_LIMIT_REQUESTS", "0")],
                "rate_limit_requests",
            ),
            (vec![("HRWISE_PAGE_SIZE", "500")], "page_size"),
            (vec![("HRWISE_LISTEN", "nowhere")], "listen"),
            (vec![("HRWISE_TIMEZONE", "Mars/Olympus")], "timezone"),
            (
                vec![("HRWISE_API_KEY_FILE", "/nonexistent/key")],
                "api_key_file",
            ),
            (vec![("HRWISE_BOGUS", "1")], "HRWISE_BOGUS"),
            (
                vec![("HRWISE_RATE_LIMIT_REQUESTS", "many")],
                "rate_limit_requests",
            ),
            (vec![("HRWISE_SCHEDULE", "0 0 30 2 *")], "schedule"),
            (
                vec![("HRWISE_FULL_SYNC_SCHEDULE", "nightly")],
                "full_sync_schedule",
            ),
            (
                vec![("HRWISE_SHUTDOWN_TIMEOUT_SECS", "0")],
                "shutdown_timeout_secs",
            ),
            (
                vec![("HRWISE_READY_MAX_AGE_SECS", "-5")],
                "ready_max_age_secs",
            ),
            (vec![("HRWISE_LOG_LEVEL", "info,[")], "log_level"),
            (vec![("HRWISE_LOG_FORMAT", "xml")], "log_format"),
        ] {
            let err = Config::load_from(None, env(&vars)).unwrap_err();
            assert_eq!(err.key, key, "{err}");
            assert!(!err.to_string().contains('\n'), "{err}");
        }
    }

    #[test]
    fn the_status_file_sits_next_to_the_database() {
        let c = Config::load_from(None, env(&[("HRWISE_DATABASE", "/data/hr.duckdb")])).unwrap();
        assert_eq!(c.status_file, PathBuf::from("/data/hr.duckdb.status.json"));
        assert_eq!(c.listen, Some(DEFAULT_LISTEN.parse().unwrap()));
        let off = Config::load_from(None, env(&[("HRWISE_LISTEN", "off")])).unwrap();
        assert_eq!(off.listen, None);
    }

    #[test]
    fn a_secret_that_fails_to_parse_is_not_echoed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "api_key = 123456789\n").unwrap();
        let err = Config::load_from(Some(&path), env(&[])).unwrap_err();
        assert_eq!(err.key, "api_key");
        assert!(!err.to_string().contains("123456789"), "{err}");
    }

    #[test]
    fn an_unquoted_secret_in_a_syntax_error_is_not_echoed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "api_key = hrw_unquoted_secret\n").unwrap();
        let err = Config::load_from(Some(&path), env(&[])).unwrap_err();
        assert_eq!(err.key, "api_key", "{err}");
        assert!(!err.to_string().contains("unquoted_secret"), "{err}");
    }

    #[test]
    fn a_toml_syntax_error_is_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "schedule = \"0 * * * *\"\nlisten = \n").unwrap();
        let err = Config::load_from(Some(&path), env(&[])).unwrap_err();
        assert!(!err.to_string().contains('\n'), "{err}");
        assert_eq!(err.key, "listen", "{err}");
    }

    #[test]
    fn the_example_file_is_valid_and_documents_every_key() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/hrwise-sync.example.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        Config::load_from(Some(&path), env(&[])).unwrap();
        for key in KEYS {
            assert!(
                text.lines().any(|l| l
                    .trim_start_matches(['#', ' '])
                    .starts_with(&format!("{key} ="))),
                "{key} is not documented in {}",
                path.display()
            );
        }
        // Every key, uncommented, is a key RawConfig knows (deny_unknown_fields).
        let all: String = KEYS
            .iter()
            .filter(|k| **k != "api_key")
            .map(|k| {
                let line = text
                    .lines()
                    .find(|l| {
                        l.trim_start_matches(['#', ' '])
                            .starts_with(&format!("{k} ="))
                    })
                    .unwrap();
                format!("{}\n", line.trim_start_matches(['#', ' ']))
            })
            .collect();
        let raw: Result<RawConfig, _> = toml_like(&all);
        assert!(raw.is_ok(), "{:?}", raw.err());
    }

    /// Parses TOML text into a RawConfig through the `config` crate (no direct toml dep).
    fn toml_like(text: &str) -> Result<RawConfig, config::ConfigError> {
        config::Config::builder()
            .add_source(config::File::from_str(text, config::FileFormat::Toml))
            .build()?
            .try_deserialize()
    }
}
