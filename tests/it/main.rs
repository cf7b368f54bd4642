//! One integration-test binary: each module is a scenario family, run against the real
//! simulator over loopback and real DuckDB files in temp directories.

mod daemon;
mod fetch;
mod sim;
mod support;
