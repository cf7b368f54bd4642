//! One sync: plan → fetch → transform → load, checkpointed as it goes so that a sync killed at
//! any point resumes without paying again for what was stored. The daemon (`schedule`) and the
//! `sync` / `demo` commands drive a long-lived [`Syncer`], which keeps the token and the quota
//! across syncs.

use std::collections::BTreeMap;
use std::time::Duration;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::config::Config;

mod engine;
mod progress;

pub use progress::{Progress, ProgressSnapshot};

/// Incremental (children only where needed) or full (everything again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    Incremental,
    Full,
}

impl SyncMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncMode::Incremental => "incremental",
            SyncMode::Full => "full",
        }
    }
}

/// What to sync and how long the sync may wait for quota.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    pub mode: SyncMode,
    /// Stop cleanly (committing what was fetched) instead of waiting longer than this for quota.
    pub max_wait: Option<Duration>,
}

/// How a sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Succeeded,
    Failed,
    /// Stopped by a signal; the next sync resumes it.
    Interrupted,
    /// Stopped by `max_wait`; the next sync resumes it.
    Incomplete,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Incomplete => "incomplete",
        }
    }
}

/// Rows changed in one table by one sync.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowCounts {
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
}

/// The result of one sync.
#[derive(Debug, Clone)]
pub struct SyncOutcome {
    pub run_id: i64,
    pub mode: SyncMode,
    pub status: RunStatus,
    /// Requests sent by this sync (token calls and retries included).
    pub requests: u64,
    pub rows: BTreeMap<String, RowCounts>,
    pub rejected: u64,
    /// Employees whose children are still to be fetched (non-zero after `Incomplete`).
    pub remaining: u64,
    pub duration: Duration,
    pub message: Option<String>,
}

/// Why a sync could not run at all, or failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
    #[error("warehouse: {0}")]
    Warehouse(Box<crate::warehouse::WarehouseError>),
    #[error("{0}")]
    Other(String),
}

impl SyncError {
    pub(crate) fn warehouse(e: crate::warehouse::WarehouseError) -> Self {
        SyncError::Warehouse(Box::new(e))
    }
}

/// A long-lived syncer for one company: owns the API client (token, quota) across syncs, so a
/// daemon reuses its token and keeps counting its quota between syncs.
pub struct Syncer {
    config: Config,
    client: crate::fetch::Client,
    progress: Arc<Progress>,
    /// Redraw a progress line on a terminal (the `sync` command) rather than log lines.
    pub terminal_progress: bool,
}

impl Syncer {
    /// Builds the client. The send times of requests made within the current window by an
    /// earlier process (kept in the warehouse) seed the quota, so a restart never spends it
    /// twice.
    pub fn new(config: &Config) -> Result<Syncer, SyncError> {
        config.require_api_key()?;
        let mut opts = crate::fetch::ClientOptions::from_config(config)?;
        opts.prior_requests = prior_requests(config);
        let client = crate::fetch::Client::new(opts)?;
        Ok(Syncer {
            config: config.clone(),
            client,
            progress: Arc::default(),
            terminal_progress: false,
        })
    }

    /// The API client (its `stats()` and `quota()` feed metrics and status).
    pub fn client(&self) -> &crate::fetch::Client {
        &self.client
    }

    /// The sync in progress, if any.
    pub fn progress(&self) -> ProgressSnapshot {
        self.progress.snapshot()
    }

    /// Runs one sync; returns when it succeeded, failed, was cancelled (`Interrupted`, after
    /// committing what was fetched) or would wait longer than `max_wait` (`Incomplete`).
    /// `Err` only when it could not start or could not record its outcome.
    pub async fn sync(
        &self,
        req: SyncRequest,
        cancel: CancellationToken,
    ) -> Result<SyncOutcome, SyncError> {
        engine::run(self, req, cancel).await
    }

    /// The sweep's share, from the schedule's period and the quota.
    fn sweep_policy(&self) -> crate::plan::SweepPolicy {
        let c = &self.config;
        let period = schedule_period(&c.schedule, &c.timezone).unwrap_or(Duration::from_secs(3600));
        let per_period =
            c.rate_limit_requests as f64 * period.as_secs_f64() / c.rate_limit_window.as_secs_f64();
        crate::plan::SweepPolicy {
            max_age: c.children_max_age,
            period,
            budget_requests: (per_period * c.sweep_max_share).floor() as u64,
            requests_per_employee: 3,
        }
    }
}

/// Request send times of the current window recorded by an earlier process.
fn prior_requests(config: &Config) -> Vec<std::time::SystemTime> {
    let since = chrono::Utc::now().naive_utc()
        - chrono::Duration::from_std(config.rate_limit_window).unwrap_or_default();
    let work = crate::warehouse::work_path(&config.database);
    if !work.exists() {
        return Vec::new();
    }
    match crate::warehouse::Warehouse::open(&config.database)
        .and_then(|w| w.load_quota_log_all(since))
    {
        Ok(times) => times.into_iter().map(|t| t.and_utc().into()).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the quota log; assuming no earlier requests");
            Vec::new()
        }
    }
}

/// The time between the next two occurrences of cron `expr` in time zone `tz`: the period the
/// staleness sweep plans for.
fn schedule_period(expr: &str, tz: &str) -> Option<Duration> {
    let schedule = crate::schedule::CronSchedule::parse(expr, tz.parse().ok()?).ok()?;
    let next = schedule.upcoming(chrono::Utc::now(), 2);
    (*next.get(1)? - *next.first()?).to_std().ok()
}
