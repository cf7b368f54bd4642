//! hrwise-sync mirrors the HRwise REST API into a DuckDB warehouse that keeps history.
//!
//! Data flows one way, and the modules are named after its stages:
//! `schedule` (when) → `plan` (what to ask for) → `fetch` (HTTP, quota) → `transform` (pure)
//! → `warehouse` (DuckDB, history, views). `sync` runs one pass of that pipeline; `sim` is an
//! independent twin of the API for tests and `demo`; `cli` is the command line's glue.
//! See ARCHITECTURE.md for the code map and the invariants.

pub mod cli;
pub mod config;
pub mod fetch;
pub mod observe;
pub mod plan;
pub mod schedule;
pub mod secret;
pub mod sim;
pub mod sync;
pub mod transform;
pub mod warehouse;
