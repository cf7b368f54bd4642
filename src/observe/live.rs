//! The daemon's live state: what it is doing, what the API client has counted, how the last
//! syncs ended. One value behind a mutex, written by the daemon loop and read by `/metrics`,
//! `/readyz` and the status-file writer. Invariant: readers get a consistent snapshot; nothing
//! here blocks on I/O while holding the lock.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::schedule::daemon::Trigger;
use crate::schedule::{Due, History, Timetable};
use crate::sync::{RowCounts, RunStatus, SyncError, SyncMode, SyncOutcome};

/// The API client's counters since the daemon started: the fetch layer's plain counters
/// (no HTTP in them), shown as they are.
pub use crate::fetch::FetchStats as ApiStats;

/// The quota as the client sees it (a copy of the fetch layer's `QuotaSnapshot`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaView {
    /// Requests allowed per window.
    pub limit: u64,
    pub used_in_window: u64,
    pub remaining: u64,
    pub window_resets_at: Option<DateTime<Utc>>,
    /// Set while the client waits (a 429's `Retry-After`, or the server's reset time).
    pub paused_until: Option<DateTime<Utc>>,
    /// What the server's `X-RateLimit-Remaining` said last.
    pub server_remaining: Option<u64>,
}

impl QuotaView {
    /// Whether a request sent now would have to wait for quota.
    pub fn blocks_at(&self, now: DateTime<Utc>) -> bool {
        self.paused_until.is_some_and(|p| p > now)
            || (self.remaining == 0 && self.window_resets_at.is_some_and(|r| r > now))
    }
}

/// What the daemon is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Idle,
    Syncing,
    WaitingForQuota,
    Stopping,
    Stopped,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Syncing => "syncing",
            Phase::WaitingForQuota => "waiting for quota",
            Phase::Stopping => "stopping",
            Phase::Stopped => "stopped",
        }
    }
}

/// The sync in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentRun {
    pub mode: String,
    pub trigger: String,
    pub started_at: DateTime<Utc>,
    /// Requests sent by this sync so far.
    pub requests: u64,
    #[serde(skip)]
    pub requests_before: u64,
    /// The engine's step (`listing`, `children`, ...), as it names it.
    pub step: String,
    pub employees_listed: u64,
    /// Employees whose children are planned / done in this sync.
    pub planned: u64,
    pub done: u64,
    /// Set while the engine waits for the rate-limit window to reopen.
    pub waiting_until: Option<DateTime<Utc>>,
}

/// The engine's progress, copied (see `sync::ProgressSnapshot`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepProgress {
    pub step: String,
    pub employees_listed: u64,
    pub planned: u64,
    pub done: u64,
    pub waiting_until: Option<DateTime<Utc>>,
}

/// One sampling of the client and the engine.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub api: ApiStats,
    pub quota: Option<QuotaView>,
    pub progress: Option<StepProgress>,
}

/// How the last sync ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinishedRun {
    pub run_id: Option<i64>,
    pub mode: String,
    /// `succeeded`, `failed`, `interrupted` or `incomplete`.
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub requests: u64,
    pub rejected: u64,
    pub remaining: u64,
    pub message: Option<String>,
}

/// The daemon's state. Counters are since the daemon started.
#[derive(Debug, Clone)]
pub struct LiveState {
    pub pid: u32,
    pub started_at: DateTime<Utc>,
    pub stopping: bool,
    pub stopped: bool,
    pub listen: Option<SocketAddr>,
    pub current: Option<CurrentRun>,
    pub next_due: Option<Due>,
    pub api: ApiStats,
    pub quota: Option<QuotaView>,
    pub last_finished: Option<FinishedRun>,
    /// Includes successes before the daemon started (from the warehouse or status file).
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_full_success_at: Option<DateTime<Utc>>,
    pub syncs_by_status: BTreeMap<&'static str, u64>,
    pub rows: BTreeMap<String, RowCounts>,
    pub rejected: u64,
    pub duration_total: Duration,
    pub last_duration: Option<Duration>,
}

/// The `/readyz` answer: ready or not, and why, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub ready: bool,
    pub reason: String,
}

impl LiveState {
    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        match (&self.current, self.stopped, self.stopping) {
            (_, true, _) => Phase::Stopped,
            (_, _, true) => Phase::Stopping,
            (Some(run), ..)
                if run.waiting_until.is_some_and(|w| w > now)
                    || self.quota.as_ref().is_some_and(|q| q.blocks_at(now)) =>
            {
                Phase::WaitingForQuota
            }
            (Some(_), ..) => Phase::Syncing,
            (None, ..) => Phase::Idle,
        }
    }

    pub fn begin(&mut self, mode: SyncMode, trigger: Trigger, now: DateTime<Utc>) {
        let before = self.api.requests();
        self.current = Some(CurrentRun {
            mode: mode.as_str().into(),
            trigger: trigger.as_str().into(),
            started_at: now,
            requests: 0,
            requests_before: before,
            step: "starting".into(),
            employees_listed: 0,
            planned: 0,
            done: 0,
            waiting_until: None,
        });
    }

    /// Takes a fresh copy of the client's counters and quota, and the engine's progress.
    pub fn sample(&mut self, sample: Sample) {
        if let Some(run) = &mut self.current {
            run.requests = sample.api.requests().saturating_sub(run.requests_before);
            if let Some(p) = sample.progress {
                run.step = p.step;
                run.employees_listed = p.employees_listed;
                run.planned = p.planned;
                run.done = p.done;
                run.waiting_until = p.waiting_until;
            }
        }
        self.api = sample.api;
        self.quota = sample.quota;
    }

    /// Records the end of the sync in flight.
    pub fn finish(&mut self, result: &Result<SyncOutcome, SyncError>, now: DateTime<Utc>) {
        let current = self.current.take();
        let started_at = current.as_ref().map_or(now, |c| c.started_at);
        let finished = match result {
            Ok(o) => {
                for (table, counts) in &o.rows {
                    let sum = self.rows.entry(table.clone()).or_default();
                    sum.inserted += counts.inserted;
                    sum.updated += counts.updated;
                    sum.deleted += counts.deleted;
                }
                self.rejected += o.rejected;
                self.duration_total += o.duration;
                self.last_duration = Some(o.duration);
                FinishedRun {
                    run_id: Some(o.run_id),
                    mode: o.mode.as_str().into(),
                    status: o.status.as_str().into(),
                    started_at,
                    finished_at: now,
                    requests: o.requests,
                    rejected: o.rejected,
                    remaining: o.remaining,
                    message: o.message.clone(),
                }
            }
            Err(e) => {
                let took = (now - started_at).to_std().unwrap_or_default();
                self.duration_total += took;
                self.last_duration = Some(took);
                FinishedRun {
                    run_id: None,
                    mode: current
                        .as_ref()
                        .map_or("incremental".into(), |c| c.mode.clone()),
                    status: RunStatus::Failed.as_str().into(),
                    started_at,
                    finished_at: now,
                    requests: current.as_ref().map_or(0, |c| c.requests),
                    rejected: 0,
                    remaining: 0,
                    message: Some(e.to_string()),
                }
            }
        };
        let status = match result {
            Ok(o) => o.status,
            Err(_) => RunStatus::Failed,
        };
        *self.syncs_by_status.entry(status.as_str()).or_default() += 1;
        if status == RunStatus::Succeeded {
            self.last_success_at = Some(now);
            if finished.mode == SyncMode::Full.as_str() {
                self.last_full_success_at = Some(now);
            }
        }
        self.last_finished = Some(finished);
    }

    /// `/readyz`: not ready after a failed sync until a good one; ready while the last
    /// success is recent (`max_age`, or two scheduled runs plus slack); ready while the first
    /// sync since start is pending or running, unless one already failed.
    pub fn readiness(
        &self,
        now: DateTime<Utc>,
        timetable: &Timetable,
        max_age: Option<Duration>,
    ) -> Readiness {
        let answer = |ready, reason: String| Readiness { ready, reason };
        if let Some(last) = self
            .last_finished
            .as_ref()
            .filter(|l| l.status == RunStatus::Failed.as_str())
        {
            let why = last.message.as_deref().unwrap_or("no reason given");
            return answer(
                false,
                format!("the last sync failed at {}: {why}", secs(last.finished_at)),
            );
        }
        let stale_at = |t: DateTime<Utc>| match max_age {
            Some(age) => chrono::Duration::from_std(age).ok().map(|a| t + a),
            None => timetable.stale_at(t),
        };
        if let Some(t) = self.last_success_at
            && stale_at(t).is_none_or(|s| now <= s)
        {
            return answer(true, format!("the last sync succeeded at {}", secs(t)));
        }
        if self.last_finished.is_none() {
            return answer(
                true,
                "the first sync since start is pending or running".into(),
            );
        }
        match self.last_success_at {
            Some(t) => answer(
                false,
                format!("the last successful sync, at {}, is too old", secs(t)),
            ),
            None => answer(false, "no sync has succeeded yet".into()),
        }
    }
}

/// `2025-01-01T12:00:00Z`: enough precision for people and for logs.
fn secs(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The shared handle: the state, and a signal for whoever writes it out.
#[derive(Clone)]
pub struct Live {
    state: Arc<Mutex<LiveState>>,
    changed: Arc<Notify>,
    timetable: Arc<Timetable>,
    ready_max_age: Option<Duration>,
}

impl Live {
    pub fn new(
        timetable: Timetable,
        ready_max_age: Option<Duration>,
        history: &History,
        now: DateTime<Utc>,
    ) -> Live {
        let state = LiveState {
            pid: std::process::id(),
            started_at: now,
            stopping: false,
            stopped: false,
            listen: None,
            current: None,
            next_due: None,
            api: ApiStats::default(),
            quota: None,
            last_finished: None,
            last_success_at: history.last_success,
            last_full_success_at: history.last_full_success,
            syncs_by_status: BTreeMap::new(),
            rows: BTreeMap::new(),
            rejected: 0,
            duration_total: Duration::ZERO,
            last_duration: None,
        };
        Live {
            state: Arc::new(Mutex::new(state)),
            changed: Arc::new(Notify::new()),
            timetable: Arc::new(timetable),
            ready_max_age,
        }
    }

    /// Changes the state and wakes the status-file writer.
    pub fn update<T>(&self, f: impl FnOnce(&mut LiveState) -> T) -> T {
        let out = f(&mut self.lock());
        self.changed.notify_one();
        out
    }

    pub fn snapshot(&self) -> LiveState {
        self.lock().clone()
    }

    pub fn readiness(&self, now: DateTime<Utc>) -> Readiness {
        self.lock()
            .readiness(now, &self.timetable, self.ready_max_age)
    }

    pub fn timetable(&self) -> &Timetable {
        &self.timetable
    }

    /// Resolves after the next [`Live::update`] (or at once if one came since the last wait).
    pub async fn changed(&self) {
        self.changed.notified().await
    }

    fn lock(&self) -> MutexGuard<'_, LiveState> {
        // A panic while holding the lock leaves plain data behind: keep serving it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::CronSchedule;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn live(last_success: Option<&str>) -> LiveState {
        let t = Timetable {
            incremental: CronSchedule::parse("0 * * * *", chrono_tz::Tz::UTC).unwrap(),
            full: None,
        };
        let h = History {
            last_success: last_success.map(utc),
            ..Default::default()
        };
        Live::new(t, None, &h, utc("2025-01-01T12:00:00Z")).snapshot()
    }

    fn outcome(status: RunStatus) -> SyncOutcome {
        SyncOutcome {
            run_id: 7,
            mode: SyncMode::Incremental,
            status,
            requests: 12,
            rows: BTreeMap::from([(
                "employees".to_string(),
                RowCounts {
                    inserted: 3,
                    updated: 1,
                    deleted: 0,
                },
            )]),
            rejected: 2,
            remaining: 0,
            duration: Duration::from_secs(4),
            message: None,
        }
    }

    fn ready(s: &LiveState, now: &str) -> bool {
        let t = Timetable {
            incremental: CronSchedule::parse("0 * * * *", chrono_tz::Tz::UTC).unwrap(),
            full: None,
        };
        s.readiness(utc(now), &t, None).ready
    }

    #[test]
    fn ready_while_the_first_sync_runs_then_by_outcome() {
        let mut s = live(None);
        assert!(ready(&s, "2025-01-01T12:00:01Z"));
        s.begin(
            SyncMode::Incremental,
            Trigger::CatchUp,
            utc("2025-01-01T12:00:01Z"),
        );
        assert!(ready(&s, "2025-01-01T12:00:02Z"));
        s.finish(
            &Err(SyncError::Other("HTTP 500".into())),
            utc("2025-01-01T12:00:03Z"),
        );
        let r = s.readiness(utc("2025-01-01T12:00:04Z"), &live_table(), None);
        assert!(!r.ready && r.reason.contains("HTTP 500"), "{r:?}");
        s.begin(
            SyncMode::Incremental,
            Trigger::Schedule,
            utc("2025-01-01T13:00:00Z"),
        );
        s.finish(
            &Ok(outcome(RunStatus::Succeeded)),
            utc("2025-01-01T13:00:05Z"),
        );
        assert!(ready(&s, "2025-01-01T13:00:06Z"));
        assert!(ready(&s, "2025-01-01T15:00:59Z"), "two fires plus slack");
        assert!(!ready(&s, "2025-01-01T15:01:01Z"), "stale");
        assert_eq!(s.syncs_by_status.get("failed"), Some(&1));
        assert_eq!(s.rows["employees"].inserted, 3);
    }

    fn live_table() -> Timetable {
        Timetable {
            incremental: CronSchedule::parse("0 * * * *", chrono_tz::Tz::UTC).unwrap(),
            full: None,
        }
    }

    #[test]
    fn a_sync_waiting_for_quota_shows_in_the_phase() {
        let mut s = live(Some("2025-01-01T11:00:00Z"));
        s.begin(
            SyncMode::Full,
            Trigger::Schedule,
            utc("2025-01-01T12:00:00Z"),
        );
        let quota = QuotaView {
            limit: 10,
            used_in_window: 10,
            remaining: 0,
            window_resets_at: Some(utc("2025-01-01T13:00:00Z")),
            ..Default::default()
        };
        let api = ApiStats {
            requests_by_endpoint: BTreeMap::from([("employees".into(), 10)]),
            ..Default::default()
        };
        s.sample(Sample {
            api,
            quota: Some(quota),
            progress: None,
        });
        assert_eq!(s.phase(utc("2025-01-01T12:30:00Z")), Phase::WaitingForQuota);
        assert_eq!(s.phase(utc("2025-01-01T13:00:01Z")), Phase::Syncing);
        assert_eq!(s.current.as_ref().unwrap().requests, 10);
    }
}
