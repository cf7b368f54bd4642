//! `hrwise-sync run`: the daemon. Binds the listener, starts the status-file writer, then runs
//! the sequential schedule loop until SIGTERM/SIGINT. Invariants: one sync at a time; the
//! first signal cancels the sync in flight, which commits and returns `Interrupted`, and the
//! process exits 0 within `shutdown_timeout` (1 if the sync did not stop in time); a second
//! signal exits at once with code 130.

use std::time::Duration;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::{CliError, CliResult};
use crate::config::Config;
use crate::observe::live::{Live, Phase, QuotaView, Sample, StepProgress};
use crate::observe::{http, status_file};
use crate::schedule::daemon::{Runner, SystemClock, Trigger, run_loop};
use crate::schedule::{Due, History};
use crate::sync::{RunStatus, SyncError, SyncMode, SyncRequest, Syncer};

/// The exit code after a second signal (128 + SIGINT, as shells report an interrupted job).
pub const EXIT_SECOND_SIGNAL: i32 = 130;
/// How often the sync in flight is sampled for `status` and `/metrics`.
const SAMPLE_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, config: Config) -> CliResult {
    let syncer = Syncer::new(&config).map_err(|e| match e {
        SyncError::Config(c) => CliError::from(c),
        other => CliError::Failed(anyhow!("cannot start the sync engine: {other}")),
    })?;
    let rt = super::runtime()?;
    let result = rt.block_on(daemon(&config, &syncer));
    // A sync abandoned after the shutdown timeout may hold blocking threads: do not wait.
    rt.shutdown_timeout(Duration::from_millis(500));
    result
}

async fn daemon(config: &Config, syncer: &Syncer) -> CliResult {
    let previous = status_file::read(&config.status_file).unwrap_or_else(|problem| {
        warn!(problem, "ignoring the previous status file");
        None
    });
    if let Some(p) = previous
        .as_ref()
        .filter(|p| p.pid != std::process::id() && p.daemon_alive(Utc::now()))
    {
        return Err(CliError::Failed(anyhow!(
            "another `hrwise-sync run` (pid {}) is running on {} (see {})",
            p.pid,
            config.database.display(),
            config.status_file.display()
        )));
    }
    let history = history(config, previous.as_ref());
    let live = Live::new(
        config.timetable.clone(),
        config.ready_max_age,
        &history,
        Utc::now(),
    );

    let stop_io = CancellationToken::new();
    let server = match config.listen {
        Some(addr) => {
            let listener = http::bind(addr)
                .await
                .map_err(|e| CliError::Failed(anyhow!("listen: cannot bind {addr}: {e}")))?;
            let bound = listener.local_addr().ok();
            live.update(|s| s.listen = bound);
            info!(addr = %bound.map_or(addr, |a| a), "serving /healthz, /readyz, /metrics");
            Some(tokio::spawn(http::serve(
                listener,
                live.clone(),
                stop_io.clone(),
            )))
        }
        None => None,
    };
    let writer = tokio::spawn(status_file::keep_written(
        live.clone(),
        config.status_file.clone(),
        stop_io.clone(),
    ));

    let cancel = CancellationToken::new();
    spawn_signal_handler(cancel.clone())?;
    info!(
        schedule = %config.schedule,
        full_sync_schedule = config.full_sync_schedule.as_deref().unwrap_or("none"),
        timezone = %config.timezone,
        database = %config.database.display(),
        status_file = %config.status_file.display(),
        "daemon started"
    );

    let runner = SyncRunner {
        syncer,
        live: &live,
    };
    let outcome = tokio::select! {
        () = run_loop(&config.timetable, history, &SystemClock, &runner, cancel.clone()) => Ok(()),
        () = async {
            cancel.cancelled().await;
            live.update(|s| s.stopping = true);
            tokio::time::sleep(config.shutdown_timeout).await;
        } => {
            let secs = config.shutdown_timeout.as_secs();
            error!(timeout_secs = secs, "the sync in flight did not stop in time: abandoning it");
            Err(CliError::Failed(anyhow!(
                "the sync in flight did not stop within {secs} s (shutdown_timeout_secs); the next start resumes from its last checkpoint"
            )))
        }
    };

    stop_io.cancel();
    live.update(|s| s.stopped = true);
    if let Err(error) = status_file::write(
        &config.status_file,
        &status_file::StatusFile::from_live(&live, Utc::now()),
    ) {
        warn!(%error, "cannot write the final status file");
    }
    let _ = writer.await;
    if let Some(server) = server
        && let Ok(Err(error)) = server.await
    {
        warn!(%error, "the HTTP listener failed");
    }
    if outcome.is_ok() {
        info!("daemon stopped");
    }
    outcome
}

/// What earlier runs say, for the catch-up decision: the warehouse's `sync_runs` (which also
/// has manual `sync` runs) and the previous daemon's status file (which knows whether it died
/// mid-sync); the later of each date wins.
fn history(config: &Config, previous: Option<&status_file::StatusFile>) -> History {
    let mode = |m: &str| {
        if m == SyncMode::Full.as_str() {
            SyncMode::Full
        } else {
            SyncMode::Incremental
        }
    };
    let unfinished_status = [
        RunStatus::Interrupted.as_str(),
        RunStatus::Incomplete.as_str(),
    ];
    let mut h = History::default();
    if let Some(p) = previous {
        h.last_success = p.last_success_at;
        h.last_full_success = p.last_full_success_at;
        h.unfinished = match (&p.current, &p.last_finished) {
            // It died mid-sync (killed, crashed): resume.
            (Some(run), _) => Some(mode(&run.mode)),
            (None, Some(last)) if unfinished_status.contains(&last.status.as_str()) => {
                Some(mode(&last.mode))
            }
            _ => None,
        };
    }
    if !config.database.exists() {
        return h;
    }
    match crate::warehouse::read_status(&config.database, 200) {
        Ok(w) => {
            let succeeded = || {
                w.runs
                    .iter()
                    .filter(|r| r.status == RunStatus::Succeeded.as_str())
            };
            let finished = |r: &crate::warehouse::RunSummary| r.finished_at.map(|t| t.and_utc());
            h.last_success = h.last_success.max(succeeded().filter_map(finished).max());
            let full = succeeded()
                .filter(|r| r.mode == SyncMode::Full.as_str())
                .filter_map(finished)
                .max();
            h.last_full_success = h.last_full_success.max(full);
            if let Some(latest) = w
                .runs
                .first()
                .filter(|r| unfinished_status.contains(&r.status.as_str()))
            {
                h.unfinished = h.unfinished.or(Some(mode(&latest.mode)));
            }
        }
        Err(error) => {
            warn!(%error, "cannot read the last runs from the warehouse; relying on the status file")
        }
    }
    h
}

/// First SIGTERM/SIGINT: cancel (the sync commits and returns). Second: exit at once.
fn spawn_signal_handler(cancel: CancellationToken) -> Result<(), CliError> {
    use tokio::signal::unix::{SignalKind, signal};
    let install =
        |kind| signal(kind).map_err(|e| CliError::Failed(anyhow!("cannot handle signals: {e}")));
    let mut term = install(SignalKind::terminate())?;
    let mut int = install(SignalKind::interrupt())?;
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        info!(
            signal = name,
            "stopping: the sync in flight commits what it fetched; a second signal exits at once"
        );
        cancel.cancel();
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        error!(
            signal = name,
            code = EXIT_SECOND_SIGNAL,
            "second signal: exiting at once"
        );
        std::process::exit(EXIT_SECOND_SIGNAL);
    });
    Ok(())
}

/// Drives the real sync engine and reports into the live state.
struct SyncRunner<'a> {
    syncer: &'a Syncer,
    live: &'a Live,
}

impl SyncRunner<'_> {
    fn sample(&self) {
        let sample = sample(self.syncer);
        let now = Utc::now();
        let (was, is) = self.live.update(|s| {
            let was = s.phase(now);
            s.sample(sample);
            (was, s.phase(now))
        });
        if was != is && is == Phase::WaitingForQuota {
            let s = self.live.snapshot();
            let quota = s.quota.unwrap_or_default();
            let until = s
                .current
                .and_then(|c| c.waiting_until)
                .or(quota.paused_until)
                .or(quota.window_resets_at);
            info!(until = ?until.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)), used = quota.used_in_window, limit = quota.limit, "waiting for quota");
        }
    }
}

impl Runner for SyncRunner<'_> {
    async fn run_sync(&self, mode: SyncMode, trigger: Trigger, cancel: CancellationToken) {
        self.sample();
        let now = Utc::now();
        // What is due after this sync: a fire that comes while it runs is coalesced.
        let next = self.live.timetable().next_after(now);
        self.live.update(|s| {
            s.begin(mode, trigger, now);
            s.next_due = next;
        });
        info!(
            mode = mode.as_str(),
            trigger = trigger.as_str(),
            "sync started"
        );
        let sync = self.syncer.sync(
            SyncRequest {
                mode,
                max_wait: None,
            },
            cancel,
        );
        tokio::pin!(sync);
        let mut tick = tokio::time::interval(SAMPLE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let result = loop {
            tokio::select! {
                result = &mut sync => break result,
                _ = tick.tick() => self.sample(),
            }
        };
        self.sample();
        match &result {
            Ok(o) => {
                let inserted: u64 = o.rows.values().map(|c| c.inserted).sum();
                let updated: u64 = o.rows.values().map(|c| c.updated).sum();
                let deleted: u64 = o.rows.values().map(|c| c.deleted).sum();
                // Not `message`: tracing reserves that field name for the event's text.
                let note = o.message.as_deref();
                let (run_id, mode, status) = (o.run_id, o.mode.as_str(), o.status.as_str());
                let (requests, duration_secs) = (o.requests, o.duration.as_secs_f64());
                if o.status == RunStatus::Failed {
                    warn!(
                        run_id,
                        mode, status, requests, duration_secs, note, "sync failed"
                    );
                } else {
                    let (rejected, remaining) = (o.rejected, o.remaining);
                    info!(
                        run_id,
                        mode,
                        status,
                        requests,
                        duration_secs,
                        inserted,
                        updated,
                        deleted,
                        rejected,
                        remaining,
                        note,
                        "sync finished"
                    );
                }
            }
            Err(error) => warn!(mode = mode.as_str(), %error, "sync failed"),
        }
        self.live.update(|s| s.finish(&result, Utc::now()));
    }

    fn next_due(&self, due: Option<Due>) {
        if let Some(d) = due {
            info!(at = %d.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), mode = d.mode.as_str(), "next sync scheduled");
        }
        self.live.update(|s| s.next_due = due);
    }
}

/// The client's counters and quota and the engine's progress, copied for the live state.
fn sample(syncer: &Syncer) -> Sample {
    let stats = syncer.client().stats();
    let quota = syncer.client().quota();
    let progress = syncer.progress();
    let utc = |t: std::time::SystemTime| DateTime::<Utc>::from(t);
    Sample {
        api: stats,
        quota: Some(QuotaView {
            limit: quota.limit.into(),
            used_in_window: quota.used_in_window.into(),
            remaining: quota.remaining.into(),
            window_resets_at: quota.window_resets_at.map(utc),
            paused_until: quota.paused_until.map(utc),
            server_remaining: quota.server_remaining.map(u64::from),
        }),
        progress: progress.running.then(|| StepProgress {
            step: progress.phase.to_string(),
            employees_listed: progress.employees_listed,
            planned: progress.planned,
            done: progress.done,
            waiting_until: progress.waiting_until.map(utc),
        }),
    }
}
