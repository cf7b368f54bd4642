//! One integration-test binary: each module is a scenario family, run against the real
//! simulator over loopback and real DuckDB files in temp directories.

mod daemon;
mod demo;
mod fetch;
mod sim;
mod support;
mod sync;
