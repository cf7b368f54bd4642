//! `hrwise-sync sync [--full] [--max-wait DURATION]`: one sync now, with a progress line on
//! a terminal. Ctrl-C stops it cleanly (what was fetched is kept; the next sync resumes);
//! a second Ctrl-C exits at once.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{CliError, CliResult};
use crate::config::Config;
use crate::sync::{RunStatus, SyncMode, SyncOutcome, SyncRequest, Syncer};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Fetch every employee's trainings, tasks and mentorships again, not only what changed.
    #[arg(long)]
    pub full: bool,
    /// Stop cleanly, keeping what was fetched, instead of waiting longer than this for the
    /// rate-limit window to reopen (e.g. `90s`, `10m`, `1h30m`).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub max_wait: Option<Duration>,
}

pub fn run(args: Args, config: Config) -> CliResult {
    let rt = super::runtime()?;
    rt.block_on(async {
        let mut syncer = Syncer::new(&config).map_err(sync_error)?;
        syncer.terminal_progress = true;
        let cancel = CancellationToken::new();
        tokio::spawn(stop_on_signal(cancel.clone()));
        let mode = if args.full {
            SyncMode::Full
        } else {
            SyncMode::Incremental
        };
        let outcome = syncer
            .sync(
                SyncRequest {
                    mode,
                    max_wait: args.max_wait,
                },
                cancel,
            )
            .await
            .map_err(sync_error)?;
        print_outcome(&outcome);
        match outcome.status {
            RunStatus::Failed => Err(CliError::Failed(anyhow::anyhow!(
                "sync {} failed: {}",
                outcome.run_id,
                outcome.message.unwrap_or_default()
            ))),
            _ => Ok(()),
        }
    })
}

/// Configuration problems found only when the client is built are usage errors (exit 2).
pub(super) fn sync_error(e: crate::sync::SyncError) -> CliError {
    use crate::fetch::FetchError;
    use crate::sync::SyncError;
    match e {
        SyncError::Config(_) | SyncError::Fetch(FetchError::Config { .. }) => {
            CliError::Usage(anyhow::anyhow!("{e}"))
        }
        e => CliError::Failed(anyhow::anyhow!("sync failed: {e}")),
    }
}

/// First signal: cancel (the sync commits and stops). Second: exit at once.
async fn stop_on_signal(cancel: CancellationToken) {
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!("\nstopping: committing what was fetched (Ctrl-C again to quit at once)");
        cancel.cancel();
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(130);
        }
    }
}

/// The summary a person reads after a sync.
pub(super) fn print_outcome(o: &SyncOutcome) {
    println!(
        "sync {} ({}) {} in {:.1}s: {} requests",
        o.run_id,
        o.mode.as_str(),
        o.status.as_str(),
        o.duration.as_secs_f64(),
        o.requests
    );
    for (table, c) in &o.rows {
        println!(
            "  {table:<24} {:>7} inserted {:>7} updated {:>7} deleted",
            c.inserted, c.updated, c.deleted
        );
    }
    if o.rejected > 0 {
        println!(
            "  {} records could not be read: see the rejected_records table",
            o.rejected
        );
    }
    if let Some(m) = &o.message {
        println!("  {m}");
    }
}
