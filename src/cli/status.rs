//! `hrwise-sync status`: the last runs with their outcome and rows per table (from the
//! warehouse's published copy, read-only), and the daemon's live facts (running or not, what
//! it is doing, quota, next due) from its status file. Invariant: never opens the daemon's
//! working file, so it answers while `run` runs; never fails because either source is missing.

use std::fmt::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::config::Config;
use crate::observe::status_file::{self, StatusFile};
use crate::schedule::History;

#[derive(Debug, clap::Args)]
pub struct Args {}

/// One row of `sync_runs`, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub id: i64,
    pub mode: String,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: String,
    pub requests: u64,
    pub error: Option<String>,
}

/// What the warehouse says.
#[derive(Debug, Clone, PartialEq)]
pub enum Warehouse {
    /// No file yet: nothing has been synced.
    Missing,
    /// There is a file, but it could not be read (the reason).
    Unreadable(String),
    /// Tables: name, rows present, rows marked deleted.
    Present {
        runs: Vec<RunRow>,
        tables: Vec<(String, u64, u64)>,
    },
}

pub fn run(_args: Args, config: Config) -> super::CliResult {
    let now = Utc::now();
    let daemon = status_file::read(&config.status_file);
    let warehouse = read_warehouse(&config.database);
    print!("{}", render(&config, &warehouse, &daemon, now));
    Ok(())
}

/// How many runs `status` lists.
const RUNS_SHOWN: usize = 10;

fn read_warehouse(path: &Path) -> Warehouse {
    if !path.exists() {
        return Warehouse::Missing;
    }
    match crate::warehouse::read_status(path, RUNS_SHOWN) {
        Ok(w) => Warehouse::Present {
            runs: w
                .runs
                .into_iter()
                .map(|r| RunRow {
                    id: r.id,
                    mode: r.mode,
                    started_at: Some(r.started_at.and_utc()),
                    finished_at: r.finished_at.map(|t| t.and_utc()),
                    status: r.status,
                    requests: r.requests.max(0) as u64,
                    error: r.error.or(r.message),
                })
                .collect(),
            tables: w
                .tables
                .into_iter()
                .map(|(t, live, deleted)| (t, live.max(0) as u64, deleted.max(0) as u64))
                .collect(),
        },
        Err(e) => Warehouse::Unreadable(e.to_string()),
    }
}

/// The whole report, as text.
pub fn render(
    config: &Config,
    warehouse: &Warehouse,
    daemon: &Result<Option<StatusFile>, String>,
    now: DateTime<Utc>,
) -> String {
    let tz: Tz = config.timetable.incremental.tz();
    let when = |t: DateTime<Utc>| fmt_time(t, tz);
    let mut out = String::new();
    let mut line = |label: &str, text: String| {
        let _ = writeln!(out, "{label:<12} {text}");
    };
    line(
        "warehouse",
        match warehouse {
            Warehouse::Missing => format!(
                "{}: none yet (no sync has run; start `hrwise-sync run` or `hrwise-sync sync`)",
                config.database.display()
            ),
            Warehouse::Unreadable(why) => {
                format!("{}: cannot read it: {why}", config.database.display())
            }
            Warehouse::Present { .. } => config.database.display().to_string(),
        },
    );

    let live = match daemon {
        Ok(Some(s)) if s.daemon_alive(now) => Some(s),
        _ => None,
    };
    line(
        "daemon",
        match (daemon, live) {
            (Err(problem), _) => format!("unknown ({problem})"),
            (Ok(None), _) => "not running (no status file)".into(),
            (_, Some(s)) => {
                let mut text = format!(
                    "running (pid {}, since {}): {}",
                    s.pid,
                    when(s.daemon_started_at),
                    s.phase.as_str()
                );
                if let Some(run) = &s.current {
                    let _ = write!(
                        text,
                        ", {} sync since {}, {} requests so far",
                        run.mode,
                        when(run.started_at),
                        run.requests
                    );
                    let _ = write!(
                        text,
                        " ({}: {} employees listed, children of {}/{} employees fetched)",
                        run.step, run.employees_listed, run.done, run.planned
                    );
                }
                text
            }
            (Ok(Some(s)), None) if s.phase == crate::observe::live::Phase::Stopped => {
                format!("not running (stopped at {})", when(s.updated_at))
            }
            (Ok(Some(s)), None) => format!(
                "not running (pid {} last seen at {}: it was killed or crashed)",
                s.pid,
                when(s.updated_at)
            ),
        },
    );
    if let Some(s) = live.filter(|s| s.phase == crate::observe::live::Phase::WaitingForQuota) {
        let q = s.quota.clone().unwrap_or_default();
        let until = s
            .current
            .as_ref()
            .and_then(|c| c.waiting_until)
            .or(q.paused_until)
            .or(q.window_resets_at);
        line(
            "",
            format!(
                "the sync is waiting for quota until {}",
                until.map_or("?".into(), when)
            ),
        );
    }

    line(
        "next run",
        next_run(config, live, daemon, warehouse, now, tz),
    );
    line(
        "quota",
        match daemon {
            Ok(Some(s)) => match &s.quota {
                Some(q) => {
                    let mut text = format!(
                        "{} used, {} left of {} in the current window",
                        q.used_in_window, q.remaining, q.limit
                    );
                    if let Some(r) = q.window_resets_at {
                        let _ = write!(text, " (resets {})", when(r));
                    }
                    if live.is_none() {
                        let _ = write!(text, ", as of {}", when(s.updated_at));
                    }
                    text
                }
                None => "not known yet (the daemon has not talked to the API)".into(),
            },
            _ => format!(
                "unknown while the daemon is not running (limit {} per {} s)",
                config.rate_limit_requests,
                config.rate_limit_window.as_secs()
            ),
        },
    );
    if let Ok(Some(s)) = daemon {
        if let Some(last) = &s.last_finished {
            let mut text = format!(
                "{} {} at {}, {} requests",
                last.mode,
                last.status,
                when(last.finished_at),
                last.requests
            );
            if let Some(m) = &last.message {
                let _ = write!(text, ": {m}");
            }
            line("last sync", text);
        }
        if s.ready || live.is_some() {
            line(
                "ready",
                format!(
                    "{} ({})",
                    if s.ready { "yes" } else { "no" },
                    s.ready_reason
                ),
            );
        }
    }

    if let Warehouse::Present { runs, tables } = warehouse {
        out.push_str("\nlast runs\n");
        if runs.is_empty() {
            out.push_str("  none\n");
        } else {
            let _ = writeln!(
                out,
                "  {:>6}  {:<11}  {:<11}  {:<20}  {:<20}  {:>8}  error or note",
                "id", "mode", "status", "started", "finished", "requests"
            );
            for r in runs {
                let t = |t: Option<DateTime<Utc>>| {
                    t.map_or("-".into(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                };
                let error = r.error.as_deref().unwrap_or("");
                let _ = writeln!(
                    out,
                    "  {:>6}  {:<11}  {:<11}  {:<20}  {:<20}  {:>8}  {error}",
                    r.id,
                    r.mode,
                    r.status,
                    t(r.started_at),
                    t(r.finished_at),
                    r.requests
                );
            }
        }
        out.push_str("\nrows per table\n");
        let _ = writeln!(out, "  {:<24} {:>12} {:>12}", "table", "present", "deleted");
        for (table, rows, deleted) in tables {
            let _ = writeln!(out, "  {table:<24} {rows:>12} {deleted:>12}");
        }
    }
    out
}

fn next_run(
    config: &Config,
    live: Option<&StatusFile>,
    daemon: &Result<Option<StatusFile>, String>,
    warehouse: &Warehouse,
    now: DateTime<Utc>,
    tz: Tz,
) -> String {
    let timetable = &config.timetable;
    if let Some(s) = live {
        return match &s.next_due {
            Some(d) if s.current.is_some() && d.at <= now => {
                format!("{} sync right after the current one (coalesced)", d.mode)
            }
            Some(d) => format!("{} ({} sync)", fmt_time(d.at, tz), d.mode),
            None => "none: the schedule never fires again".into(),
        };
    }
    let previous = daemon.as_ref().ok().and_then(|s| s.as_ref());
    // Without a daemon's status file, the runs recorded in the warehouse tell the same story
    // (a `sync` or `demo` run by hand counts as much as one of the daemon's).
    let runs: &[RunRow] = match warehouse {
        Warehouse::Present { runs, .. } => runs,
        _ => &[],
    };
    let last_success_of = |full: bool| {
        runs.iter()
            .filter(|r| r.status == "succeeded" && (!full || r.mode == "full"))
            .filter_map(|r| r.finished_at)
            .max()
    };
    let history = History {
        last_success: previous
            .and_then(|s| s.last_success_at)
            .or_else(|| last_success_of(false)),
        last_full_success: previous
            .and_then(|s| s.last_full_success_at)
            .or_else(|| last_success_of(true)),
        unfinished: None,
    };
    match (timetable.catch_up(&history, now), timetable.next_after(now)) {
        (Some((mode, why)), _) => format!(
            "at once when `hrwise-sync run` starts ({} sync: {why})",
            mode.as_str()
        ),
        (None, Some(d)) => format!(
            "{} ({} sync) if `hrwise-sync run` is running by then",
            fmt_time(d.at, tz),
            d.mode.as_str()
        ),
        (None, None) => "none: the schedule never fires again".into(),
    }
}

/// `2025-01-01 12:00:00 UTC`, plus the local time when the schedule has a zone.
fn fmt_time(t: DateTime<Utc>, tz: Tz) -> String {
    let utc = t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    if tz == Tz::UTC {
        utc
    } else {
        format!("{utc} ({})", t.with_timezone(&tz).format("%H:%M %Z"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::load_from(
            None,
            [(
                "HRWISE_DATABASE".to_string(),
                "/nowhere/hr.duckdb".to_string(),
            )],
        )
        .unwrap()
    }

    #[test]
    fn no_warehouse_and_no_daemon_is_a_clear_answer() {
        let text = render(&config(), &Warehouse::Missing, &Ok(None), Utc::now());
        assert!(text.contains("none yet (no sync has run"), "{text}");
        assert!(text.contains("not running (no status file)"), "{text}");
        assert!(
            text.contains("at once when `hrwise-sync run` starts"),
            "{text}"
        );
    }

    #[test]
    fn runs_and_tables_are_listed() {
        let w = Warehouse::Present {
            runs: vec![RunRow {
                id: 3,
                mode: "full".into(),
                started_at: Some("2025-01-01T12:00:00Z".parse().unwrap()),
                finished_at: None,
                status: "running".into(),
                requests: 42,
                error: None,
            }],
            tables: vec![("employees".into(), 1234, 5)],
        };
        let text = render(&config(), &w, &Ok(None), Utc::now());
        assert!(text.contains("2025-01-01 12:00:00"), "{text}");
        assert!(text.contains("employees"), "{text}");
        assert!(text.contains("1234"), "{text}");
    }
}
