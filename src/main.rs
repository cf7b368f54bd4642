//! The `hrwise-sync` binary: parse the command line, run the command, map the outcome to an
//! exit code (0 success, 1 the work failed, 2 bad usage or configuration).

fn main() -> std::process::ExitCode {
    hrwise_sync::cli::main()
}
