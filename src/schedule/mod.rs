//! Scheduling: when the daemon syncs. `cron` turns an expression and a time zone into instants
//! (DST-correct), `timetable` makes the pure decisions (next due, coalescing, catch-up,
//! staleness), `daemon` is the sequential loop that sleeps and runs one sync at a time.
//! Invariant: never two syncs at once; nothing here knows HTTP or DuckDB.

mod cron;
pub mod daemon;
mod timetable;

pub use cron::CronSchedule;
pub use timetable::{Due, History, READY_SLACK, Timetable};

/// Checks a cron expression: 5 fields, or 6 with seconds first.
pub fn validate_cron(expr: &str) -> Result<(), String> {
    CronSchedule::parse(expr, chrono_tz::Tz::UTC).map(|_| ())
}
