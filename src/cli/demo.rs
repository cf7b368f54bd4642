//! `hrwise-sync demo`: the first thing a new user runs. Starts the built-in simulator on a
//! free loopback port, runs a full sync into a local file, and shows what is there and what
//! to try next. Needs no API key and no network.

use std::path::PathBuf;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{CliError, CliResult};
use crate::config::RawConfig;
use crate::secret::Secret;
use crate::sim::{Sim, SimOptions};
use crate::sync::{SyncMode, SyncRequest, Syncer};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The warehouse file to create (or update).
    #[arg(long, value_name = "PATH", default_value = "hrwise-demo.duckdb")]
    pub database: PathBuf,
    /// Employees in the simulated company.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub employees: usize,
    /// The simulator's seed (the same seed gives the same company).
    #[arg(long, value_name = "N", default_value_t = 42)]
    pub seed: u64,
}

/// The demo's simulator allows this many requests per hour, so the demo shows the data, not
/// an hour's wait; the real API allows 1000.
const DEMO_RATE_LIMIT: u32 = 1_000_000;

pub fn run(args: Args) -> CliResult {
    if args.employees == 0 {
        return Err(CliError::Usage(anyhow::anyhow!(
            "--employees: must be at least 1"
        )));
    }
    let rt = super::runtime()?;
    rt.block_on(async {
        let sim = Sim::start(SimOptions {
            employees: args.employees,
            seed: args.seed,
            rate_limit: DEMO_RATE_LIMIT,
            rate_window: Duration::from_secs(3600),
            ..SimOptions::default()
        })
        .await
        .map_err(|e| CliError::Failed(anyhow::anyhow!("cannot start the simulator: {e}")))?;
        let company = sim.companies().into_iter().next().ok_or_else(|| {
            CliError::Failed(anyhow::anyhow!("the simulator has no company"))
        })?;
        println!("simulator: {} ({} employees) at {}", company.name, args.employees, sim.base_url());
        let config = RawConfig {
            api_key: Some(Secret::new(company.api_key.clone())),
            base_url: Some(sim.base_url()),
            database: Some(args.database.clone()),
            rate_limit_requests: Some(DEMO_RATE_LIMIT),
            listen: Some("off".into()),
            ..RawConfig::default()
        }
        .validate()?;
        let mut syncer = Syncer::new(&config).map_err(super::sync::sync_error)?;
        syncer.terminal_progress = true;
        // A new file gets a full sync; an existing one shows what an incremental sync costs.
        let mode = if args.database.exists() { SyncMode::Incremental } else { SyncMode::Full };
        let outcome = syncer
            .sync(SyncRequest { mode, max_wait: None }, CancellationToken::new())
            .await
            .map_err(super::sync::sync_error)?;
        super::sync::print_outcome(&outcome);
        let bsi = crate::warehouse::read_bsi_latest(&args.database)
            .map_err(|e| CliError::Failed(anyhow::anyhow!("{e}")))?;
        println!("\nbench strength by role (weakest first):");
        for r in bsi.iter().take(15) {
            println!(
                "  {:>5}  {:<9}  {} ({}, {})",
                r.bench_strength_index.map_or("-".into(), |b| format!("{b:.1}")),
                r.band.as_deref().unwrap_or("-"),
                r.role.as_deref().unwrap_or("?"),
                r.current_holder.as_deref().unwrap_or("no holder"),
                r.department.as_deref().unwrap_or("-"),
            );
        }
        if bsi.len() > 15 {
            println!("  ... and {} more positions", bsi.len() - 15);
        }
        let db = args.database.display();
        println!(
            "\nThe warehouse is {db}. Try:\n  duckdb -readonly {db} \"SELECT * FROM bsi_latest ORDER BY bench_strength_index LIMIT 10\"\n  duckdb -readonly {db} \"SELECT department_name, count(*) FROM employees WHERE deleted_at IS NULL GROUP BY ALL ORDER BY 2 DESC\"\n  python3 -c \"import duckdb; print(duckdb.connect('{db}', read_only=True).sql('SELECT * FROM sync_runs'))\"\nRun the demo again to see an incremental sync: the list is read, and only what changed is fetched."
        );
        sim.shutdown().await;
        Ok(())
    })
}
