//! The daemon's timetable: the incremental schedule and the optional full one, and the pure
//! decisions made from them (what is due next, what fired during a run, what to catch up on
//! start, when the last success counts as stale). No clocks, no I/O: every answer is a
//! function of the instants passed in.

use chrono::{DateTime, Duration, Utc};

use super::cron::CronSchedule;
use crate::sync::SyncMode;

/// Both schedules of the daemon, in the configured time zone.
#[derive(Debug, Clone)]
pub struct Timetable {
    pub incremental: CronSchedule,
    pub full: Option<CronSchedule>,
}

/// The next scheduled sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub at: DateTime<Utc>,
    pub mode: SyncMode,
}

/// What the warehouse (or the last status file) says about earlier syncs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    /// When the last successful sync of any mode finished.
    pub last_success: Option<DateTime<Utc>>,
    /// When the last successful full sync finished.
    pub last_full_success: Option<DateTime<Utc>>,
    /// The mode of the last run if it was interrupted or stopped incomplete: it is resumed.
    pub unfinished: Option<SyncMode>,
}

/// How long after the second missed fire `/readyz` still says ready: a sync takes time.
pub const READY_SLACK: Duration = Duration::seconds(60);

impl Timetable {
    /// The earliest fire of either schedule after `after`; a full sync wins a tie (it does what
    /// the incremental one would).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<Due> {
        let inc = self.incremental.next_after(after).map(|at| Due {
            at,
            mode: SyncMode::Incremental,
        });
        let full = self
            .full
            .as_ref()
            .and_then(|f| f.next_after(after))
            .map(|at| Due {
                at,
                mode: SyncMode::Full,
            });
        match (inc, full) {
            (Some(i), Some(f)) => Some(if f.at <= i.at { f } else { i }),
            (i, f) => i.or(f),
        }
    }

    /// Whether anything fired in `(from, to]`, and which mode that asks for: this is how
    /// triggers that come during a run are coalesced into at most one pending sync.
    pub fn fired_in(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<SyncMode> {
        let full_fired = self
            .full
            .as_ref()
            .and_then(|f| f.next_after(from))
            .is_some_and(|t| t <= to);
        if full_fired {
            return Some(SyncMode::Full);
        }
        self.incremental
            .next_after(from)
            .is_some_and(|t| t <= to)
            .then_some(SyncMode::Incremental)
    }

    /// What is due at once on start, and why: an unfinished run is resumed; the first sync
    /// ever is a full one; otherwise, if a scheduled time passed since the last success (it is
    /// older than one period), one sync catches up, however many fires were missed. A missed
    /// full sync makes it a full one.
    pub fn catch_up(
        &self,
        history: &History,
        now: DateTime<Utc>,
    ) -> Option<(SyncMode, &'static str)> {
        let missed = |last: Option<DateTime<Utc>>, schedule: &CronSchedule| match last {
            None => true,
            Some(t) => schedule.next_after(t).is_some_and(|due| due <= now),
        };
        if history.last_success.is_none() {
            // It fetches everything anyway, and only a full sync is resumed where it stopped.
            return Some(match history.unfinished {
                Some(_) => (
                    SyncMode::Full,
                    "the first sync was interrupted: resuming it",
                ),
                None => (SyncMode::Full, "no successful sync yet: a full first sync"),
            });
        }
        if let Some(full) = &self.full
            && missed(history.last_full_success, full)
        {
            return Some((SyncMode::Full, "a scheduled full sync was missed"));
        }
        if let Some(mode) = history.unfinished {
            return Some((mode, "the last sync was interrupted: resuming it"));
        }
        missed(history.last_success, &self.incremental).then_some((
            SyncMode::Incremental,
            "the last successful sync is older than one period",
        ))
    }

    /// When a success at `last_success` stops counting as recent for `/readyz`: two scheduled
    /// syncs later, plus [`READY_SLACK`]. `None` if the schedule never fires again.
    pub fn stale_at(&self, last_success: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let first = self.incremental.next_after(last_success)?;
        let second = self.incremental.next_after(first)?;
        Some(second + READY_SLACK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Tz;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn table(inc: &str, full: Option<&str>) -> Timetable {
        Timetable {
            incremental: CronSchedule::parse(inc, Tz::UTC).unwrap(),
            full: full.map(|f| CronSchedule::parse(f, Tz::UTC).unwrap()),
        }
    }

    #[test]
    fn full_wins_a_tie_and_the_earliest_wins_otherwise() {
        let t = table("0 * * * *", Some("0 2 * * *"));
        let due = t.next_after(utc("2025-01-01T01:30:00Z")).unwrap();
        assert_eq!(
            due,
            Due {
                at: utc("2025-01-01T02:00:00Z"),
                mode: SyncMode::Full
            }
        );
        let due = t.next_after(utc("2025-01-01T02:30:00Z")).unwrap();
        assert_eq!(
            due,
            Due {
                at: utc("2025-01-01T03:00:00Z"),
                mode: SyncMode::Incremental
            }
        );
    }

    #[test]
    fn fires_during_a_run_coalesce_into_one_and_full_absorbs_incremental() {
        let t = table("*/10 * * * *", Some("0 2 * * *"));
        // Five incremental fires during a 50-minute run: one pending sync, not five.
        assert_eq!(
            t.fired_in(utc("2025-01-01T00:00:00Z"), utc("2025-01-01T00:50:00Z")),
            Some(SyncMode::Incremental)
        );
        assert_eq!(
            t.fired_in(utc("2025-01-01T01:55:00Z"), utc("2025-01-01T02:20:00Z")),
            Some(SyncMode::Full)
        );
        assert_eq!(
            t.fired_in(utc("2025-01-01T00:00:00Z"), utc("2025-01-01T00:09:59Z")),
            None
        );
    }

    #[test]
    fn catch_up_once_when_older_than_one_period() {
        let t = table("0 * * * *", None);
        let now = utc("2025-01-01T12:10:00Z");
        let h = |last: &str| History {
            last_success: Some(utc(last)),
            ..Default::default()
        };
        assert_eq!(t.catch_up(&h("2025-01-01T12:00:05Z"), now), None);
        assert_eq!(
            t.catch_up(&h("2025-01-01T11:00:05Z"), now).map(|c| c.0),
            Some(SyncMode::Incremental)
        );
        // Down for a week: still one sync, not 168.
        assert_eq!(
            t.catch_up(&h("2024-12-25T11:00:05Z"), now).map(|c| c.0),
            Some(SyncMode::Incremental)
        );
        assert_eq!(
            t.catch_up(&History::default(), now).map(|c| c.0),
            Some(SyncMode::Full)
        );
    }

    #[test]
    fn catch_up_resumes_an_interrupted_run_and_a_missed_full_one() {
        let t = table("0 * * * *", Some("0 3 * * *"));
        let now = utc("2025-01-02T12:10:00Z");
        let recent = History {
            last_success: Some(utc("2025-01-02T12:00:05Z")),
            last_full_success: Some(utc("2025-01-02T03:00:05Z")),
            unfinished: None,
        };
        assert_eq!(t.catch_up(&recent, now), None);
        let interrupted = History {
            unfinished: Some(SyncMode::Incremental),
            ..recent
        };
        assert_eq!(
            t.catch_up(&interrupted, now).map(|c| c.0),
            Some(SyncMode::Incremental)
        );
        let missed_full = History {
            last_full_success: Some(utc("2025-01-01T03:00:05Z")),
            ..recent
        };
        assert_eq!(
            t.catch_up(&missed_full, now).map(|c| c.0),
            Some(SyncMode::Full)
        );
    }

    #[test]
    fn a_success_goes_stale_two_fires_later_plus_slack() {
        let t = table("0 * * * *", None);
        assert_eq!(
            t.stale_at(utc("2025-01-01T12:00:30Z")),
            Some(utc("2025-01-01T14:01:00Z"))
        );
    }
}
