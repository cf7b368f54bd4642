//! The API client of one company: a typed call for every documented endpoint, sharing one
//! HTTP connection pool, one token, one quota and one in-flight limit among all its clones.
//! Invariant: callers never see HTTP, only models and [`FetchError`]s.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use url::Url;

use super::auth::{Auth, Grant};
use super::encode::{endpoint_url, path_segment};
use super::envelope::{member, string_list};
use super::error::{FetchError, excerpt};
use super::models::{
    BenchStrength, Company, Employee, InviteRequest, InviteResponse, Mentorship, Parsed, Position,
    Record, Rejected, Successor, Task, Training,
};
use super::quota::{Quota, QuotaSnapshot};
use super::transport::{Call, FetchStats, Reply};
use crate::secret::Secret;

/// How the client talks to the API: where, with which key, and within which limits.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub base_url: Url,
    pub api_key: Secret,
    /// Requests allowed per `rate_limit_window` (the hard budget).
    pub rate_limit_requests: u32,
    pub rate_limit_window: Duration,
    /// Requests in flight at once, all calls together.
    pub max_in_flight: usize,
    /// Time allowed for one request, answer body included.
    pub request_timeout: Duration,
    /// Retries of one request after transient failures (429s are not counted).
    pub max_retries: u32,
    /// The first backoff delay (default 500 ms); it doubles up to `retry_max_delay`.
    pub retry_base_delay: Duration,
    /// The longest backoff delay (default 30 s).
    pub retry_max_delay: Duration,
    /// Employees per list page.
    pub page_size: u32,
    /// Renew the access token this long before it expires (default 5 min), at most half its
    /// lifetime.
    pub renew_margin: Duration,
    /// Requests already sent in the current window by an earlier process (from
    /// [`Client::request_times`]), so a restart does not burst past the window.
    pub prior_requests: Vec<SystemTime>,
}

impl ClientOptions {
    /// The options of the validated configuration, with the documented defaults for the rest.
    pub fn from_config(c: &crate::config::Config) -> Result<Self, FetchError> {
        let api_key = c.require_api_key().map_err(|e| FetchError::Config {
            message: e.to_string(),
        })?;
        Ok(ClientOptions {
            base_url: c.base_url.clone(),
            api_key: api_key.clone(),
            rate_limit_requests: c.rate_limit_requests,
            rate_limit_window: c.rate_limit_window,
            max_in_flight: c.max_in_flight,
            request_timeout: c.request_timeout,
            max_retries: c.max_retries,
            retry_base_delay: Duration::from_millis(500),
            retry_max_delay: Duration::from_secs(30),
            page_size: c.page_size,
            renew_margin: Duration::from_secs(300),
            prior_requests: Vec::new(),
        })
    }
}

/// Filters of `GET /api/v1/employees/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmployeeFilters {
    pub is_active: Option<bool>,
    /// Department name (the API compares case-insensitively).
    pub department: Option<String>,
    pub is_high_performer: Option<bool>,
    /// Only employees with an attrition risk above 70.
    pub at_risk: Option<bool>,
}

impl EmployeeFilters {
    /// The query pairs, in a fixed order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        if let Some(b) = self.is_active {
            v.push(("is_active", b.to_string()));
        }
        if let Some(d) = &self.department {
            v.push(("department", d.clone()));
        }
        if let Some(b) = self.is_high_performer {
            v.push(("is_high_performer", b.to_string()));
        }
        if let Some(b) = self.at_risk {
            v.push(("at_risk", b.to_string()));
        }
        v
    }
}

/// Filters of `GET /api/v1/successors/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SuccessorFilters {
    pub department: Option<String>,
    /// `ready_now`, `<6_months`, `6-12_months`, `12-24_months` or `>24_months`.
    pub readiness_level: Option<String>,
}

/// The positions of `/successors/`, and the elements that could not be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Positions {
    pub positions: Vec<Position>,
    pub rejected: Vec<Rejected>,
}

/// A successful invite: the API's answer and its status (201 created; 200 or 201 updated).
#[derive(Debug, Clone, PartialEq)]
pub struct InviteOutcome {
    pub response: InviteResponse,
    pub status: u16,
}

impl InviteOutcome {
    /// Whether the employee was created (else updated): the answer's `employee_created`,
    /// else the status.
    pub fn created(&self) -> bool {
        self.response.employee_created.unwrap_or(self.status == 201)
    }
}

/// The shared API client of one company. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub http: reqwest::Client,
    pub opts: ClientOptions,
    pub quota: Quota,
    pub auth: Auth,
    pub in_flight: Semaphore,
    pub stats: Mutex<FetchStats>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.opts.base_url.as_str())
            .finish()
    }
}

impl Client {
    pub fn new(opts: ClientOptions) -> Result<Client, FetchError> {
        let bad = |m: &str| Err(FetchError::Config { message: m.into() });
        if !matches!(opts.base_url.scheme(), "http" | "https") || opts.base_url.host().is_none() {
            return bad("base_url must be an http(s) URL with a host");
        }
        if opts.api_key.is_empty() {
            return bad("the API key is empty");
        }
        if opts.rate_limit_requests == 0 || opts.rate_limit_window.is_zero() {
            return bad("rate_limit_requests and rate_limit_window must be greater than 0");
        }
        if opts.max_in_flight == 0 || opts.request_timeout.is_zero() {
            return bad("max_in_flight and request_timeout must be greater than 0");
        }
        if !(1..=1000).contains(&opts.page_size) {
            return bad("page_size must be between 1 and 1000");
        }
        let http = reqwest::Client::builder()
            .timeout(opts.request_timeout)
            .connect_timeout(opts.request_timeout.min(Duration::from_secs(10)))
            // Every path ends in `/`, so a redirect means a wrong base URL; following one
            // would turn an invite POST into a GET.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("hrwise-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::Config {
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        let quota = Quota::new(
            opts.rate_limit_requests,
            opts.rate_limit_window,
            &opts.prior_requests,
        );
        let auth = Auth::new(opts.api_key.clone(), opts.renew_margin);
        let in_flight = Semaphore::new(opts.max_in_flight);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                opts,
                quota,
                auth,
                in_flight,
                stats: Mutex::default(),
            }),
        })
    }

    pub fn options(&self) -> &ClientOptions {
        &self.inner.opts
    }

    /// The company of the token response (exchanging the API key first if needed).
    pub async fn company(&self) -> Result<Company, FetchError> {
        self.inner.auth.company(self).await
    }

    pub(crate) async fn exchange_key(&self, key: &Secret) -> Result<Grant, FetchError> {
        let call = self.token_call(
            "token",
            "/api/v1/token/",
            json!({ "api_key": key.expose() }),
            true,
        );
        self.grant(&call).await
    }

    pub(crate) async fn refresh_tokens(&self, refresh: &Secret) -> Result<Grant, FetchError> {
        let call = self.token_call(
            "refresh",
            "/api/v1/token/refresh/",
            json!({ "refresh": refresh.expose() }),
            false,
        );
        self.grant(&call).await
    }

    fn token_call(&self, endpoint: &'static str, path: &str, body: Value, retry: bool) -> Call {
        Call {
            endpoint,
            method: Method::POST,
            url: endpoint_url(&self.inner.opts.base_url, path),
            body: Some(body),
            auth: false,
            secret: true,
            retry,
        }
    }

    async fn grant(&self, call: &Call) -> Result<Grant, FetchError> {
        let reply = self.call(call).await?;
        Grant::from_data(&reply.data).map_err(|reason| FetchError::Decode {
            endpoint: call.endpoint.into(),
            reason,
            excerpt: "(withheld: token response)".into(),
        })
    }

    /// A GET of `path` (encoded, under the base URL) with `query`.
    pub(crate) async fn get(
        &self,
        endpoint: &'static str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Reply, FetchError> {
        let mut url = endpoint_url(&self.inner.opts.base_url, path);
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        self.get_url(endpoint, url).await
    }

    pub(crate) async fn get_url(
        &self,
        endpoint: &'static str,
        url: Url,
    ) -> Result<Reply, FetchError> {
        let call = Call {
            endpoint,
            method: Method::GET,
            url,
            body: None,
            auth: true,
            secret: false,
            retry: true,
        };
        self.call(&call).await
    }

    async fn employee_query(
        &self,
        ident: &str,
        query: &str,
        endpoint: &'static str,
    ) -> Result<Value, FetchError> {
        let path = format!("/api/v1/employees/{}/", path_segment(ident)?);
        Ok(self
            .get(endpoint, &path, &[("query", query.to_string())])
            .await?
            .data)
    }

    /// `GET /api/v1/employees/{identifier}/`: id, `employee_id` or email.
    pub async fn employee(&self, ident: &str) -> Result<Employee, FetchError> {
        let path = format!("/api/v1/employees/{}/", path_segment(ident)?);
        let data = self.get("employee_detail", &path, &[]).await?.data;
        one_record(data, "employee_detail")
    }

    /// `?query=skill_gaps`.
    pub async fn skill_gaps(&self, ident: &str) -> Result<Vec<String>, FetchError> {
        let data = self
            .employee_query(ident, "skill_gaps", "employee_skill_gaps")
            .await?;
        string_list(&data, "skill_gaps")
            .map_err(|reason| decode_error("employee_skill_gaps", reason, &data))
    }

    /// `?query=progress`: `progress_score`, which may be null.
    pub async fn progress(&self, ident: &str) -> Result<Option<f64>, FetchError> {
        let data = self
            .employee_query(ident, "progress", "employee_progress")
            .await?;
        let v = match &data {
            Value::Object(m) => m.get("progress_score"),
            other => Some(other),
        };
        super::lenient::value_to_f64(v)
            .map_err(|reason| decode_error("employee_progress", reason, &data))
    }

    /// `?query=trainings`.
    pub async fn trainings(&self, ident: &str) -> Result<Parsed<Training>, FetchError> {
        let data = self
            .employee_query(ident, "trainings", "employee_trainings")
            .await?;
        Ok(Parsed::from_array(member(data, "trainings")))
    }

    /// `?query=tasks`.
    pub async fn tasks(&self, ident: &str) -> Result<Parsed<Task>, FetchError> {
        let data = self
            .employee_query(ident, "tasks", "employee_tasks")
            .await?;
        Ok(Parsed::from_array(member(data, "tasks")))
    }

    /// `?query=mentorships`.
    pub async fn mentorships(&self, ident: &str) -> Result<Parsed<Mentorship>, FetchError> {
        let data = self
            .employee_query(ident, "mentorships", "employee_mentorships")
            .await?;
        Ok(Parsed::from_array(member(data, "mentorships")))
    }

    /// `POST /api/v1/invite-to-hrwise/`. An invite creates or updates, so retrying one after a
    /// transient failure is safe (at worst a second invitation email).
    pub async fn invite(&self, req: &InviteRequest) -> Result<InviteOutcome, FetchError> {
        let body = serde_json::to_value(req).map_err(|e| FetchError::Invalid {
            message: format!("invite: cannot encode: {e}"),
        })?;
        let call = Call {
            endpoint: "invite",
            method: Method::POST,
            url: endpoint_url(&self.inner.opts.base_url, "/api/v1/invite-to-hrwise/"),
            body: Some(body),
            auth: true,
            secret: false,
            retry: true,
        };
        let reply = self.call(&call).await?;
        let response = one_record::<InviteResponse>(reply.data, "invite")?;
        Ok(InviteOutcome {
            response,
            status: reply.status,
        })
    }

    /// `GET /api/v1/successors/`: positions, each read on its own.
    pub async fn successors(&self, filters: &SuccessorFilters) -> Result<Positions, FetchError> {
        let mut q = Vec::new();
        if let Some(d) = &filters.department {
            q.push(("department", d.clone()));
        }
        if let Some(r) = &filters.readiness_level {
            q.push(("readiness_level", r.clone()));
        }
        let data = self
            .get("successors_list", "/api/v1/successors/", &q)
            .await?
            .data;
        let mut out = Positions::default();
        match member(data, "results") {
            Value::Array(items) => {
                for item in items {
                    match Position::from_value(item) {
                        Ok(p) => out.positions.push(p),
                        Err(r) => out.rejected.push(r),
                    }
                }
            }
            Value::Null => {}
            other => {
                return Err(decode_error(
                    "successors_list",
                    "expected a list of positions".into(),
                    &other,
                ));
            }
        }
        Ok(out)
    }

    /// `GET /api/v1/successors/{identifier}/`.
    pub async fn successor(&self, ident: &str) -> Result<Successor, FetchError> {
        let path = format!("/api/v1/successors/{}/", path_segment(ident)?);
        let data = self.get("successor_detail", &path, &[]).await?.data;
        one_record(data, "successor_detail")
    }

    /// `GET /api/v1/bench-strength/`.
    pub async fn bench_strength(
        &self,
        department: Option<&str>,
    ) -> Result<Parsed<BenchStrength>, FetchError> {
        let q: Vec<(&str, String)> = department
            .map(|d| ("department", d.to_string()))
            .into_iter()
            .collect();
        let data = self
            .get("bench_strength", "/api/v1/bench-strength/", &q)
            .await?
            .data;
        Ok(Parsed::from_array(member(data, "results")))
    }

    /// The budget now: used, left, when the next slot frees, any pause.
    pub fn quota(&self) -> QuotaSnapshot {
        self.inner.quota.snapshot()
    }

    /// What this client has done so far.
    pub fn stats(&self) -> FetchStats {
        let mut s = self.stats_mut().clone();
        s.waited = self.inner.quota.waited();
        s
    }

    /// The sends within the current window, to persist and pass back as `prior_requests`
    /// after a restart.
    pub fn request_times(&self) -> Vec<SystemTime> {
        self.inner.quota.request_times()
    }

    /// How long `requests` more requests take under the budget (no latency assumed), for
    /// ETAs and `--max-wait`.
    pub fn estimate_wait(&self, requests: u64) -> Duration {
        self.inner.quota.estimate_wait(requests)
    }
}

/// One record of a detail endpoint, or a decode error quoting it.
fn one_record<T: Record>(data: Value, endpoint: &str) -> Result<T, FetchError> {
    T::from_value(data).map_err(|r| decode_error(endpoint, r.reason, &r.raw))
}

fn decode_error(endpoint: &str, reason: String, raw: &Value) -> FetchError {
    FetchError::Decode {
        endpoint: endpoint.into(),
        reason,
        excerpt: excerpt(raw.to_string().as_bytes(), 160),
    }
}
