//! The fetch layer: the only code that knows HTTP. Typed calls for every documented endpoint,
//! authentication with refresh rotation, a quota shared by all requests of a company, retries
//! with backoff, pagination. Nothing here knows DuckDB.
//!
//! A call flows `client` (typed endpoint) → `transport` (in-flight limit, `quota` slot,
//! `auth` token, send, `retry::classify`, `envelope`) → back as a model from `models`.

mod auth;
mod client;
mod encode;
mod envelope;
mod error;
pub mod lenient;
pub mod models;
mod paginate;
mod quota;
pub mod retry;
mod transport;
mod window;

pub use client::{
    Client, ClientOptions, EmployeeFilters, InviteOutcome, Positions, SuccessorFilters,
};
pub use encode::path_segment;
pub use error::FetchError;
pub use paginate::{EmployeePage, ScanSummary, rebase_link};
pub use quota::{QuotaSnapshot, RateHeaders, parse_reset};
pub use transport::FetchStats;
