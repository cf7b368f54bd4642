//! The command line: one file per command behind a closed enum. Commands return
//! [`CliError`], whose kind is the exit code: 0 success, 1 the work failed, 2 bad usage or
//! configuration. `anyhow` lives only here, at the edge.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigError};

mod config_cmd;
mod demo;
mod healthcheck;
mod invite;
mod run;
mod sim;
mod status;
mod sync;

#[derive(Debug, Parser)]
#[command(
    name = "hrwise-sync",
    version,
    about = "Mirror HRwise into a DuckDB warehouse"
)]
pub struct Cli {
    /// The configuration file (TOML). Environment variables HRWISE_* override it.
    #[arg(long, global = true, env = "HRWISE_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the built-in simulator, sync it into a local file and show what is there.
    Demo(demo::Args),
    /// One sync against the configured API now, then exit.
    Sync(sync::Args),
    /// The daemon: sync on `schedule` until SIGTERM or SIGINT.
    Run(run::Args),
    /// Serve the HRwise API simulator.
    Sim(sim::Args),
    /// The last runs, rows per table, quota, the next scheduled run.
    Status(status::Args),
    /// Invite one person (flags) or many (--csv FILE) to HRwise.
    Invite(invite::Args),
    /// Configuration tools.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Check the daemon's /healthz (exit 0 healthy, 1 not): for container health checks.
    Healthcheck(healthcheck::Args),
}

/// How a command failed, which decides the exit code.
#[derive(Debug)]
pub enum CliError {
    /// Bad usage or configuration: exit 2.
    Usage(anyhow::Error),
    /// The work failed: exit 1.
    Failed(anyhow::Error),
}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> Self {
        CliError::Usage(e.into())
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::Failed(e)
    }
}

pub type CliResult = Result<(), CliError>;

/// Parses the arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run_cli(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
        Err(CliError::Failed(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run_cli(cli: Cli) -> CliResult {
    let config_path = cli.config.clone();
    let load = || Config::load(config_path.as_deref());
    // Logging is set up once the configuration is known (its errors are plain stderr lines).
    let logged = |c: Config| {
        crate::observe::logging::init(c.log_format, &c.log_level);
        c
    };
    if matches!(cli.command, Command::Demo(_) | Command::Sim(_)) {
        crate::observe::logging::init(crate::config::LogFormat::Text, "info");
    }
    match cli.command {
        Command::Demo(a) => demo::run(a),
        Command::Sync(a) => sync::run(a, logged(load()?)),
        Command::Run(a) => run::run(a, logged(load()?)),
        Command::Sim(a) => sim::run(a),
        Command::Status(a) => status::run(a, load()?),
        Command::Invite(a) => invite::run(a, logged(load()?)),
        Command::Config(c) => config_cmd::run(c, load),
        Command::Healthcheck(a) => healthcheck::run(a, load),
    }
}

/// A multi-threaded tokio runtime for the commands that need one.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(anyhow::anyhow!("cannot start the async runtime: {e}")))
}
