//! The fetch layer: the only code that knows HTTP. Typed calls for every documented endpoint,
//! authentication with refresh rotation, a quota shared by all requests of a company, retries
//! with backoff, pagination. Nothing here knows DuckDB.

pub mod lenient;
pub mod models;
