//! The fetch layer: the only code that knows HTTP. Typed calls for every documented endpoint,
//! authentication with refresh rotation, a quota shared by all requests of a company, retries
//! with backoff, pagination. Nothing here knows DuckDB.
//!
//! A call flows `endpoints`/`paginate` (typed calls; `links`, `encode` build URLs) →
//! `transport` (in-flight limit, `quota` slot over `window`, `auth` token, send,
//! `retry::classify`, `envelope`) → back as a model from `models`. `client` holds the state
//! all of a company's requests share.

mod auth;
mod client;
mod encode;
mod endpoints;
mod envelope;
mod error;
pub mod lenient;
mod links;
pub mod models;
mod paginate;
mod quota;
pub mod retry;
mod transport;
mod window;

pub use client::{Client, ClientOptions};
pub use encode::path_segment;
pub use endpoints::{EmployeeFilters, InviteOutcome, Positions, SuccessorFilters};
pub use error::FetchError;
pub use links::rebase_link;
pub use paginate::{EmployeePage, ScanSummary};
pub use quota::{QuotaSnapshot, RateHeaders, parse_reset};
pub use transport::FetchStats;
