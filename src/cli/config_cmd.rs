//! `hrwise-sync config check`: validate the configuration and print it, secrets masked.

use crate::config::{Config, ConfigError};

#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print the effective values (secrets masked).
    Check,
}

pub fn run(cmd: ConfigCommand, load: impl FnOnce() -> Result<Config, ConfigError>) -> super::CliResult {
    match cmd {
        ConfigCommand::Check => {
            let c = load()?;
            println!("{c:#?}");
            Ok(())
        }
    }
}
