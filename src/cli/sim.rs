//! `hrwise-sync sim` (to be written).

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> super::CliResult {
    super::not_yet("sim")
}
