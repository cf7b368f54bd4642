//! The simulator: a second, independent reading of the HRwise API document, served over HTTP
//! on loopback for tests, `demo` and `hrwise-sync sim`. It shares no types with the client
//! (`crate::fetch`, `crate::transform`, `crate::warehouse`), so a misreading of the document
//! cannot hide in both. Start it with [`Sim::start`]; drive it with [`SimControl`] (or the
//! `/_sim/` admin routes, see [`admin`]).
//!
//! # Choices where the document is silent (see `api/AMBIGUITIES.md`)
//!
//! - **Rate limit.** Per company, a fixed window that opens at the company's first counted
//!   request and lasts `rate_window`. Counted: every authenticated, admitted `/api/v1/`
//!   request, token exchanges and refreshes included (`set_count_token_calls(false)` stops
//!   counting those). Not counted: 429s, injected faults, and refused credentials (401, and the
//!   400 of a missing API key). `set_rate_limit` closes all open windows.
//! - **Headers.** Every `/api/v1/` response carries `X-RateLimit-Limit`,
//!   `X-RateLimit-Remaining` (after this request) and `X-RateLimit-Reset`: Unix seconds at
//!   which the window closes, rounded up (`set_reset_header_style(SecondsFromNow)` for the
//!   other reading). A response naming no company reports the full limit and a full window.
//!   A 429 carries `Retry-After` (whole seconds, at least 1) and the envelope with code
//!   `RATE_LIMIT_EXCEEDED` and `retry_after`.
//! - **Pagination.** Employees are listed by ascending id. `page_size` defaults to 50; larger
//!   than 100 is clamped to 100; not a positive integer falls back to 50 (as Django REST
//!   framework does). `total_pages` is `max(1, ceil(count / page_size))`: an empty result is one
//!   empty page. A `page` that is not a positive integer or exceeds `total_pages` is answered
//!   404, code `INVALID_PAGE`, with `provided` and `total_pages`. `next`/`previous` are
//!   absolute: the origin set by `set_link_host`, else `http://` + the request's Host, else the
//!   base URL; the request's other parameters are kept, `page_size` is the effective size, keys
//!   are sorted, and a link to page 1 has no `page` parameter (both as DRF does).
//! - **Filters.** Booleans take `true`/`false`/`1`/`0` (any case), anything else is 400
//!   `INVALID_QUERY_PARAMETER` with `provided`; an empty value is no filter. `at_risk=true` means
//!   `attrition_risk_score > 70` (a null score is not at risk); `at_risk=false` is no filter.
//!   `department` is the exact name, case-insensitive; an unknown one gives an empty result.
//! - **Identifiers.** The path segment is percent-decoded (`%2F` is part of the identifier).
//!   Employees: an all-digit identifier is tried as the integer id first, then as
//!   `employee_id`, then as the email (case-insensitive). Successors: successor id, employee
//!   id, `employee_id`, email; "the first active one" is the lowest record id. `?query=` is
//!   validated before the lookup.
//! - **Paths.** Trailing slashes are required; without one the answer is the 404 envelope
//!   `NOT_FOUND` (no redirect). A wrong method gets 405 `METHOD_NOT_ALLOWED`.
//! - **Tokens.** HS256 with a key derived from the seed, so a restarted simulator with the same
//!   seed still accepts old tokens (its refresh blacklist, in memory, is lost). Claims:
//!   `token_type`, `exp` (rounded up to a whole second), `iat`, `jti`, `company_id`,
//!   `generation`. An access token stays valid after a refresh. 401 `AUTHENTICATION_FAILED` for
//!   a missing, malformed, badly signed, expired or revoked token or a refresh token used as one.
//!   Refresh: no `refresh` field is 400 `VALIDATION_ERROR`; expired, used, revoked or wrong-type
//!   tokens are 401 `INVALID_REFRESH_TOKEN`. Token: no `api_key` (or no JSON) is 400
//!   `MISSING_API_KEY`.
//! - **Companies.** `company.id` in the token response (and [`SimCompany::id`]) is 123, 456,
//!   789, …; the employees' `company` field is 1, 2, 3, …: the document's examples show they can
//!   differ. Ids of employees, departments, trainings, tasks, mentorships and successors come
//!   from server-wide sequences, as in one database, so they are unique across companies.
//! - **Invite.** Checks in order: required fields (`Email is required`, `First name is
//!   required`, `Last name is required`, `Department name is required`, `Position is
//!   required`), email format (`VALIDATION_ERROR`), department (case-insensitive; 400
//!   `DEPARTMENT_NOT_FOUND` with `detail`), email of another company (400
//!   `EMAIL_ALREADY_REGISTERED`). An existing email of the same company (case-insensitive) is
//!   updated (name, department, position, `modified` bumped) and answered 200 with
//!   `user_created`/`employee_created` false (`set_invite_update_status(201)` for the other
//!   reading); a new one is created and answered 201.
//! - **Succession.** A position is a role held by one employee; `/successors/` groups and
//!   `/bench-strength/` rows are ordered by position, records by id. Positions without any
//!   successor record are left out of both. `department` filters by the holder's department;
//!   a record's own `department` is the successor's. `readiness_level` filters the records
//!   shown (positions left with none are dropped) but never the BSI; an invalid level is 400
//!   `INVALID_QUERY_PARAMETER` with `provided`.
//! - **Change.** Deleting an employee deletes their trainings, tasks, mentorships and successor
//!   records, and the positions they hold with those positions' records. Children can change
//!   with or without a bump of the employee's `modified`; `no_of_trainings` is recounted only
//!   with a bump. A bump sets `modified` to now, or one second past the old value if that is
//!   not later, so it always moves forward.
//! - **Faults.** Rolled per `/api/v1/` request after routing and authentication, before the
//!   rate limit: half an nginx-style HTML page (`text/html`), half the envelope with code
//!   `INTERNAL_SERVER_ERROR`. Faults are counted (`faults`, status 500) but spend no quota.
//!   The n-th roll depends only on the seed. Latency is added before anything else.
//! - **Counting.** [`SimCounts`] per company id; id 0 collects requests that name no company.
//! - **Data.** Generated data is a pure function of the seed (splitmix64, [`rng`]) and dated on
//!   or before 2025-06-30T00:00:00Z; changes made later use the wall clock.
//!
//! # Bench strength index
//!
//! For a position with successor records s = 1..n (means are over the records):
//! - R = mean readiness weight: `ready_now` 1.0, `<6_months` 0.8, `6-12_months` 0.6,
//!   `12-24_months` 0.4, `>24_months` 0.2;
//! - U = mean of 1 / (number of positions the successor's employee is named for);
//! - A = mean of 1 − `attrition_risk_score` / 100 (an unknown score counts as 50);
//! - F = mean of max(0, 1 − age_days / 365), the age of the record's last assessment measured
//!   from 2025-06-30T00:00:00Z (records assessed later count as fresh), so the index does not
//!   drift with the wall clock;
//! - D = 1 − |2p − 1|, p = the share of successors in the holder's department (1 for an even
//!   mix, 0 when all are internal or all external);
//!
//! BSI = 100 · (0.35 R + 0.20 U + 0.20 A + 0.10 F + 0.15 D), rounded to one decimal.
//! `internal_percentage` = round(100 p) + "%", `external_percentage` = 100 − that.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use serde::Serialize;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub mod admin;
pub mod api;
pub mod auth;
pub mod bsi;
pub mod control;
pub mod envelope;
pub mod generate;
pub mod handlers;
pub mod jwt;
pub mod limit;
pub mod model;
pub mod mutate;
pub mod names;
pub mod render;
pub mod rng;
pub mod route;
pub mod state;
pub mod succession;

pub use control::SimControl;
pub use state::{ResetStyle, SimCounts};

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Number of companies, each with its own API key and data.
    pub companies: usize,
    /// Employees generated per company.
    pub employees: usize,
    /// Seed of all generated data, keys and fault dice.
    pub seed: u64,
    /// Requests per window per company.
    pub rate_limit: u32,
    /// Length of the rate-limit window.
    pub rate_window: Duration,
    /// Lifetime of access tokens.
    pub access_ttl: Duration,
    /// Lifetime of refresh tokens.
    pub refresh_ttl: Duration,
    /// Fraction (0.0-1.0) of `/api/v1/` requests answered with an injected 500.
    pub fault_rate: f64,
    /// Delay added to every `/api/v1/` request.
    pub latency: Duration,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            companies: 2,
            employees: 200,
            seed: 42,
            rate_limit: 1000,
            rate_window: Duration::from_secs(3600),
            access_ttl: Duration::from_secs(24 * 3600),
            refresh_ttl: Duration::from_secs(7 * 24 * 3600),
            fault_rate: 0.0,
            latency: Duration::ZERO,
            port: 0,
        }
    }
}

/// A company the simulator serves: its id as the token response gives it, and its API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimCompany {
    pub id: i64,
    pub name: String,
    pub api_key: String,
}

/// A running simulator. It stops when dropped or on [`Sim::shutdown`].
pub struct Sim {
    addr: SocketAddr,
    control: SimControl,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sim {
    /// Generates the data and serves it on `127.0.0.1:opts.port`.
    pub async fn start(opts: SimOptions) -> std::io::Result<Sim> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        // Generating tens of thousands of employees takes a moment: keep it off the reactor.
        let shared = tokio::task::spawn_blocking(move || state::Shared::new(&opts, base_url))
            .await
            .map_err(std::io::Error::other)?;
        let shared = Arc::new(shared);
        let app = Router::new()
            .nest("/_sim", admin::router())
            .fallback(api::serve)
            .with_state(Arc::clone(&shared));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(error = %e, "simulator server stopped with an error");
            }
        });
        Ok(Sim {
            addr,
            control: SimControl { shared },
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn companies(&self) -> Vec<SimCompany> {
        self.control.companies()
    }

    pub fn control(&self) -> SimControl {
        self.control.clone()
    }

    /// Stops accepting connections and waits (up to 5 s) for requests in flight.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim").field("addr", &self.addr).finish()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Locks, carrying on after a panic elsewhere: the simulator's data stays usable for the
/// remaining requests of a test rather than failing every one of them.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn write<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
