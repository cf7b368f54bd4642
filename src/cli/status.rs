//! `hrwise-sync status` (to be written).

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _config: crate::config::Config) -> super::CliResult {
    super::not_yet("status")
}
