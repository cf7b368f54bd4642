//! `hrwise-sync sim`: serves the HRwise API simulator until SIGINT or SIGTERM. The first
//! stdout line is exactly `listening on http://127.0.0.1:PORT` (scripts wait for it), then one
//! line per company with its id, API key and name.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;

use super::CliError;
use crate::sim::{Sim, SimOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Employees generated per company.
    #[arg(long, default_value_t = 500)]
    pub employees: usize,
    /// Seed of the generated data and API keys (same seed, same data and keys).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Requests allowed per window per company.
    #[arg(long, default_value_t = 1000)]
    pub rate_limit: u32,
    /// Length of the rate-limit window, in seconds.
    #[arg(long, default_value_t = 3600.0)]
    pub rate_window_secs: f64,
    /// Fraction (0.0-1.0) of API requests answered with an injected 500.
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Number of companies (one API key each).
    #[arg(long, default_value_t = 2)]
    pub companies: usize,
    /// Delay added to every API request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, default_value_t = 86_400)]
    pub access_ttl_secs: u64,
    /// Lifetime of refresh tokens, in seconds.
    #[arg(long, default_value_t = 7 * 86_400)]
    pub refresh_ttl_secs: u64,
    /// Apply a few random changes to every company this often, in seconds (0: never).
    #[arg(long, default_value_t = 0.0)]
    pub churn_every_secs: f64,
}

fn usage(msg: String) -> CliError {
    CliError::Usage(anyhow::anyhow!(msg))
}

fn seconds(name: &str, v: f64) -> Result<Duration, CliError> {
    Duration::try_from_secs_f64(v).map_err(|_| {
        usage(format!(
            "--{name} must be a non-negative number of seconds, got {v}"
        ))
    })
}

impl Args {
    fn options(&self) -> Result<SimOptions, CliError> {
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return Err(usage(format!(
                "--fault-rate must be between 0 and 1, got {}",
                self.fault_rate
            )));
        }
        if self.companies == 0 {
            return Err(usage("--companies must be at least 1".into()));
        }
        let rate_window = seconds("rate-window-secs", self.rate_window_secs)?;
        if rate_window.is_zero() {
            return Err(usage("--rate-window-secs must be more than 0".into()));
        }
        Ok(SimOptions {
            companies: self.companies,
            employees: self.employees,
            seed: self.seed,
            rate_limit: self.rate_limit,
            rate_window,
            access_ttl: Duration::from_secs(self.access_ttl_secs),
            refresh_ttl: Duration::from_secs(self.refresh_ttl_secs),
            fault_rate: self.fault_rate,
            latency: Duration::from_millis(self.latency_ms),
            port: self.port,
        })
    }
}

pub fn run(args: Args) -> super::CliResult {
    let opts = args.options()?;
    let churn_every = seconds("churn-every-secs", args.churn_every_secs)?;
    let rt = super::runtime()?;
    rt.block_on(async move {
        let port = opts.port;
        let sim = Sim::start(opts)
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", sim.base_url())?;
        for c in sim.companies() {
            writeln!(
                out,
                "company id={} api_key={} name={}",
                c.id, c.api_key, c.name
            )?;
        }
        out.flush()?;
        drop(out);
        let churn = (!churn_every.is_zero()).then(|| {
            let control = sim.control();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(churn_every);
                tick.tick().await;
                for round in 0u64.. {
                    tick.tick().await;
                    for c in control.companies() {
                        for line in control.churn(c.id, round, 3) {
                            eprintln!("churn company={} {line}", c.id);
                        }
                    }
                }
            })
        });
        wait_for_signal().await?;
        if let Some(task) = churn {
            task.abort();
        }
        sim.shutdown().await;
        Ok::<(), anyhow::Error>(())
    })?;
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn wait_for_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("cannot listen for SIGINT")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("cannot listen for Ctrl-C")?;
    Ok(())
}
