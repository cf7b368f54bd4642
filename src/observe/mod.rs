//! Observability of the daemon: the live state (`live`), its outputs (`metrics`, the HTTP
//! listener in `http`, the `status_file` read by `hrwise-sync status`), logging setup, and the
//! `probe` behind `hrwise-sync healthcheck`. Invariant: observing never slows or blocks a sync;
//! the sync engine knows nothing of this module.

pub mod http;
pub mod live;
pub mod logging;
pub mod metrics;
pub mod probe;
pub mod status_file;
