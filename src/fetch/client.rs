//! The API client of one company: its options, and the state all its clones share (one HTTP
//! connection pool, one token, one quota, one in-flight limit, one set of counters). The typed
//! endpoint calls live in `endpoints` and `paginate`. Invariant: callers never see HTTP, only
//! models and [`FetchError`]s.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use url::Url;

use super::auth::{Auth, Grant};
use super::encode::endpoint_url;
use super::error::FetchError;
use super::models::Company;
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
