//! The daemon's loop: sleep until the next fire (or until cancelled), run one sync, repeat.
//! Invariant: syncs are strictly sequential, by construction (one task awaits each sync in
//! turn); fires that pass during a sync leave at most one pending sync behind.
//!
//! The clock and the sync are injected ([`Clock`], [`Runner`]) so the loop is tested with
//! tokio's paused clock and a fake sync, without sockets.

use std::future::Future;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::timetable::{Due, History, Timetable};
use crate::sync::SyncMode;

/// Sleeps are cut into steps of at most this, so a wall clock that jumps (NTP, suspend) is
/// noticed within a minute.
const MAX_SLEEP_STEP: std::time::Duration = std::time::Duration::from_secs(60);

/// Wall-clock time, as the schedule sees it.
pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Wall-clock time that advances with tokio's clock, so `tokio::time::pause` drives it (tests).
pub struct TokioClock {
    wall: DateTime<Utc>,
    start: tokio::time::Instant,
}

impl TokioClock {
    pub fn starting_at(wall: DateTime<Utc>) -> TokioClock {
        TokioClock {
            wall,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = tokio::time::Instant::now() - self.start;
        self.wall + chrono::Duration::from_std(elapsed).unwrap_or(chrono::Duration::MAX)
    }
}

/// Why a sync starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Its scheduled time came.
    Schedule,
    /// Due at start: missed while the daemon was down, or an interrupted run to resume.
    CatchUp,
    /// One or more fires passed while the previous sync ran.
    Coalesced,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch_up",
            Trigger::Coalesced => "coalesced",
        }
    }
}

/// What the loop drives: one sync at a time, and a hook to publish what is due next.
pub trait Runner {
    /// Runs one sync to its end; on cancellation it returns once the sync has stopped.
    fn run_sync(
        &self,
        mode: SyncMode,
        trigger: Trigger,
        cancel: CancellationToken,
    ) -> impl Future<Output = ()>;

    /// The next scheduled sync (`None`: the schedule never fires again), published for
    /// `status` and `/metrics`.
    fn next_due(&self, due: Option<Due>);
}

/// Runs syncs on `timetable` until `cancel` fires, then returns once the sync in flight (if
/// any) has returned.
pub async fn run_loop(
    timetable: &Timetable,
    history: History,
    clock: &impl Clock,
    runner: &impl Runner,
    cancel: CancellationToken,
) {
    let mut cursor = clock.now();
    let mut pending = timetable.catch_up(&history, cursor).map(|(mode, reason)| {
        tracing::info!(mode = mode.as_str(), reason, "a sync is due at once");
        (mode, Trigger::CatchUp)
    });
    while !cancel.is_cancelled() {
        let (mode, trigger) = match pending.take() {
            Some(p) => p,
            None => {
                let due = timetable.next_after(cursor);
                runner.next_due(due);
                let Some(due) = due else {
                    tracing::warn!("the schedule never fires again; waiting for a signal");
                    cancel.cancelled().await;
                    break;
                };
                if !sleep_until(clock, due.at, &cancel).await {
                    break;
                }
                cursor = due.at;
                (due.mode, Trigger::Schedule)
            }
        };
        let started = clock.now().max(cursor);
        runner.run_sync(mode, trigger, cancel.clone()).await;
        let finished = clock.now();
        if let Some(mode) = timetable.fired_in(started, finished) {
            tracing::info!(
                mode = mode.as_str(),
                "a scheduled time passed during the sync: one more is due"
            );
            pending = Some((mode, Trigger::Coalesced));
        }
        cursor = finished.max(started);
    }
}

/// Sleeps until the wall clock reaches `at`; `false` if cancelled first.
async fn sleep_until(clock: &impl Clock, at: DateTime<Utc>, cancel: &CancellationToken) -> bool {
    loop {
        let left = at - clock.now();
        let Ok(left) = left.to_std() else {
            return !cancel.is_cancelled();
        };
        if left.is_zero() {
            return !cancel.is_cancelled();
        }
        tokio::select! {
            _ = tokio::time::sleep(left.min(MAX_SLEEP_STEP)) => {}
            _ = cancel.cancelled() => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::time::Duration;

    use chrono_tz::Tz;

    use super::*;
    use crate::schedule::CronSchedule;

    /// When a fake sync started and ended, its mode and what triggered it.
    type FakeRun = (DateTime<Utc>, DateTime<Utc>, SyncMode, Trigger);

    /// A fake sync: takes `took` of tokio time and records when it ran.
    struct Fake<'a> {
        clock: &'a TokioClock,
        took: Duration,
        runs: RefCell<Vec<FakeRun>>,
        stop_after: usize,
        stop: CancellationToken,
    }

    impl Runner for Fake<'_> {
        async fn run_sync(&self, mode: SyncMode, trigger: Trigger, cancel: CancellationToken) {
            let start = self.clock.now();
            tokio::select! {
                _ = tokio::time::sleep(self.took) => {}
                _ = cancel.cancelled() => {}
            }
            let mut runs = self.runs.borrow_mut();
            runs.push((start, self.clock.now(), mode, trigger));
            if runs.len() >= self.stop_after {
                self.stop.cancel();
            }
        }
        fn next_due(&self, _due: Option<Due>) {}
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn every(expr: &str) -> Timetable {
        Timetable {
            incremental: CronSchedule::parse(expr, Tz::UTC).unwrap(),
            full: None,
        }
    }

    fn recent(now: &str) -> History {
        History {
            last_success: Some(utc(now)),
            ..Default::default()
        }
    }

    async fn drive(
        t: &Timetable,
        history: History,
        took: Duration,
        n: usize,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>, SyncMode, Trigger)> {
        let clock = TokioClock::starting_at(utc("2025-01-01T00:00:00.500Z"));
        let stop = CancellationToken::new();
        let fake = Fake {
            clock: &clock,
            took,
            runs: RefCell::default(),
            stop_after: n,
            stop: stop.clone(),
        };
        run_loop(t, history, &clock, &fake, stop).await;
        fake.runs.into_inner()
    }

    #[tokio::test(start_paused = true)]
    async fn syncs_run_on_schedule_one_at_a_time() {
        let runs = drive(
            &every("*/2 * * * * *"),
            recent("2025-01-01T00:00:00Z"),
            Duration::from_millis(300),
            3,
        )
        .await;
        let starts: Vec<_> = runs.iter().map(|r| r.0).collect();
        assert_eq!(
            starts,
            [
                utc("2025-01-01T00:00:02Z"),
                utc("2025-01-01T00:00:04Z"),
                utc("2025-01-01T00:00:06Z")
            ]
        );
        assert!(runs.iter().all(|r| r.3 == Trigger::Schedule));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_sync_is_followed_by_one_coalesced_sync_not_a_backlog() {
        // Each sync takes 7 s against a 2 s schedule: three fires pass during each.
        let runs = drive(
            &every("*/2 * * * * *"),
            recent("2025-01-01T00:00:00Z"),
            Duration::from_secs(7),
            3,
        )
        .await;
        for pair in runs.windows(2) {
            assert!(pair[1].0 >= pair[0].1, "overlap: {pair:?}");
        }
        assert_eq!(runs[0].0, utc("2025-01-01T00:00:02Z"));
        assert_eq!(
            runs[1].0, runs[0].1,
            "the coalesced sync starts when the slow one ends"
        );
        assert_eq!(runs[1].3, Trigger::Coalesced);
        assert_eq!(runs[2].3, Trigger::Coalesced);
    }

    #[tokio::test(start_paused = true)]
    async fn missed_runs_are_caught_up_once_on_start() {
        let runs = drive(
            &every("0 * * * *"),
            recent("2024-12-31T20:00:05Z"),
            Duration::from_secs(5),
            2,
        )
        .await;
        assert_eq!(runs[0].3, Trigger::CatchUp);
        assert_eq!(runs[0].0, utc("2025-01-01T00:00:00.500Z"));
        assert_eq!(
            runs[1].0,
            utc("2025-01-01T01:00:00Z"),
            "then the schedule, no replay"
        );
        assert_eq!(runs[1].3, Trigger::Schedule);
    }

    #[tokio::test(start_paused = true)]
    async fn cancelling_while_idle_returns_at_once() {
        let clock = TokioClock::starting_at(utc("2025-01-01T00:00:00Z"));
        let stop = CancellationToken::new();
        let fake = Fake {
            clock: &clock,
            took: Duration::ZERO,
            runs: RefCell::default(),
            stop_after: 99,
            stop: stop.clone(),
        };
        let t = every("0 0 * * *");
        let cancel = stop.clone();
        let (_, ()) = tokio::join!(
            run_loop(&t, recent("2025-01-01T00:00:00Z"), &clock, &fake, stop),
            async move {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                cancel.cancel();
            }
        );
        assert!(fake.runs.borrow().is_empty());
        assert_eq!(clock.now(), utc("2025-01-01T01:00:00Z"));
    }
}
