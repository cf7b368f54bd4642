//! `hrwise-sync healthcheck`: GET the daemon's `/healthz` over plain TCP and exit 0 if it
//! answers 200, 1 otherwise (also for a bad configuration: Docker reserves exit code 2).
//! For container `HEALTHCHECK`s, where the image has no curl.

use std::time::Duration;

use anyhow::anyhow;

use super::{CliError, CliResult};
use crate::config::{Config, ConfigError};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The URL to check. Default: `/healthz` on the configured `listen` address (0.0.0.0 is
    /// reached through 127.0.0.1).
    #[arg(long)]
    url: Option<String>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 5)]
    timeout_secs: u64,
}

pub fn run(args: Args, load: impl FnOnce() -> Result<Config, ConfigError>) -> CliResult {
    let url = match args.url {
        Some(url) => url,
        None => {
            let config = load().map_err(|e| CliError::Failed(e.into()))?;
            let mut addr = config.listen.ok_or_else(|| {
                CliError::Failed(anyhow!("listen is off: there is no /healthz to check"))
            })?;
            if addr.ip().is_unspecified() {
                addr.set_ip(if addr.is_ipv4() {
                    [127, 0, 0, 1].into()
                } else {
                    std::net::Ipv6Addr::LOCALHOST.into()
                });
            }
            format!("http://{addr}/healthz")
        }
    };
    match crate::observe::probe::get(&url, Duration::from_secs(args.timeout_secs)) {
        Ok(200) => {
            println!("healthy: {url} answered 200");
            Ok(())
        }
        Ok(code) => Err(CliError::Failed(anyhow!(
            "unhealthy: {url} answered {code}"
        ))),
        Err(e) => Err(CliError::Failed(anyhow!("unhealthy: {e}"))),
    }
}
