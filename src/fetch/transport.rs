//! One API call from start to usable answer: a slot of the in-flight limit and of the quota,
//! the access token, the send, the classification of the answer, then 429 pauses (not counted
//! as retries), one token renewal on a 401, and backoff on transient failures. Invariant: every
//! request of the company passes here, so the quota, the counters and the logs see them all.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use backon::Retryable as _;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde_json::Value;
use url::Url;

use super::auth::Token;
use super::client::Client;
use super::encode::target;
use super::envelope::{self, Envelope};
use super::error::{FetchError, excerpt, scrub};
use super::retry::{self, Retryable, TransportFailure};

/// 429s one call may meet before it gives up (they are waited out, not counted as retries;
/// this only stops a server that never lets us through).
const MAX_RATE_LIMITED: u32 = 50;

/// What the fetcher did, for the sync summary, `status` and metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchStats {
    /// Requests sent, by endpoint (the simulator's names: `employees_list`, `token`, ...).
    pub requests_by_endpoint: BTreeMap<String, u64>,
    /// Answers received, by HTTP status.
    pub responses_by_status: BTreeMap<u16, u64>,
    /// Answers received, by endpoint and HTTP status.
    pub responses_by_endpoint_status: BTreeMap<(String, u16), u64>,
    /// 429 answers.
    pub rate_limited: u64,
    /// Attempts repeated after a transient failure.
    pub retries: u64,
    /// Retries by reason (`http_500`, `html_body`, `timeout`, ...).
    pub retries_by_reason: BTreeMap<String, u64>,
    /// Successful exchanges of the API key for tokens.
    pub token_exchanges: u64,
    /// Successful token refreshes.
    pub token_refreshes: u64,
    /// Time requests spent waiting for quota.
    pub waited: Duration,
}

impl FetchStats {
    /// Requests sent, all endpoints.
    pub fn requests(&self) -> u64 {
        self.requests_by_endpoint.values().sum()
    }
}

/// One request to make.
#[derive(Clone)]
pub(crate) struct Call {
    /// The endpoint's name, as the simulator counts it.
    pub endpoint: &'static str,
    pub method: Method,
    pub url: Url,
    pub body: Option<Value>,
    /// Needs the access token.
    pub auth: bool,
    /// A token call: its answer is never quoted.
    pub secret: bool,
    /// Transient failures are retried (not for a refresh: its token may already be spent).
    pub retry: bool,
}

/// The body of a token call holds the API key or a refresh token: never printed.
impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body: &dyn std::fmt::Debug = match (&self.body, self.secret) {
            (Some(_), true) => &"***",
            (b, _) => b,
        };
        f.debug_struct("Call")
            .field("endpoint", &self.endpoint)
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("body", body)
            .finish()
    }
}

/// A usable answer: its status and the envelope's `data`.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub data: Value,
}

enum Failure {
    Transient { reason: String, detail: String },
    Fatal(FetchError),
}

enum Answer {
    Reply(Reply),
    RateLimited {
        after: Option<Duration>,
        headers: HeaderMap,
    },
    Unauthorized(FetchError),
    Transient {
        reason: String,
        detail: String,
    },
    Fatal(FetchError),
}

impl Client {
    /// Makes `call`, retrying as the module doc says.
    pub(crate) async fn call(&self, call: &Call) -> Result<Reply, FetchError> {
        let body = match &call.body {
            Some(b) => Some(serde_json::to_vec(b).map_err(|e| FetchError::Invalid {
                message: format!("{}: cannot encode the request body: {e}", call.endpoint),
            })?),
            None => None,
        };
        let attempts = AtomicU32::new(0);
        let renewed = AtomicBool::new(false);
        let opts = &self.inner.opts;
        let max_retries = if call.retry { opts.max_retries } else { 0 };
        let backoff = retry::backoff(opts.retry_base_delay, opts.retry_max_delay, max_retries);
        let result = (|| self.attempt(call, body.as_deref(), &attempts, &renewed))
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(|f| matches!(f, Failure::Transient { .. }))
            .notify(|f, delay| {
                if let Failure::Transient { reason, detail } = f {
                    let attempt = attempts.load(Ordering::Relaxed);
                    tracing::warn!(
                        endpoint = call.endpoint,
                        attempt,
                        reason = reason.as_str(),
                        delay_ms = delay.as_millis() as u64,
                        detail = detail.as_str(),
                        "transient failure; retrying"
                    );
                    let mut s = self.stats_mut();
                    s.retries += 1;
                    *s.retries_by_reason.entry(reason.clone()).or_default() += 1;
                }
            })
            .await;
        match result {
            Ok(r) => Ok(r),
            Err(Failure::Fatal(e)) => Err(e),
            Err(Failure::Transient { detail, .. }) => Err(FetchError::Transient {
                endpoint: call.endpoint.into(),
                target: target(call.method.as_str(), &call.url),
                attempts: attempts.load(Ordering::Relaxed),
                last: detail,
            }),
        }
    }

    /// One attempt as backon sees it: 429s are waited out and a 401 renews the token once,
    /// inside, so that only transient failures reach the backoff.
    async fn attempt(
        &self,
        call: &Call,
        body: Option<&[u8]>,
        attempts: &AtomicU32,
        renewed: &AtomicBool,
    ) -> Result<Reply, Failure> {
        let mut limited = 0;
        loop {
            let sem = &self.inner.in_flight;
            let mut permit = sem.acquire().await.expect("the semaphore is never closed");
            let token = match call.auth {
                false => None,
                true => match self.inner.auth.try_token() {
                    Some(t) => Some(t),
                    // A renewal needs an in-flight slot of its own: never wait for it holding one.
                    None => {
                        drop(permit);
                        let t = self.inner.auth.token(self).await.map_err(Failure::Fatal)?;
                        permit = sem.acquire().await.expect("the semaphore is never closed");
                        Some(t)
                    }
                },
            };
            attempts.fetch_add(1, Ordering::Relaxed);
            match self.send_once(call, body, permit, token.as_ref()).await {
                Answer::Reply(r) => return Ok(r),
                Answer::RateLimited { after, headers } => {
                    limited += 1;
                    let pause = self.inner.quota.rate_limited(after, &headers);
                    self.stats_mut().rate_limited += 1;
                    tracing::warn!(
                        endpoint = call.endpoint,
                        pause_ms = pause.as_millis() as u64,
                        "rate limited (429); every request pauses"
                    );
                    if limited >= MAX_RATE_LIMITED {
                        return Err(Failure::Fatal(FetchError::Transient {
                            endpoint: call.endpoint.into(),
                            target: target(call.method.as_str(), &call.url),
                            attempts: attempts.load(Ordering::Relaxed),
                            last: format!("HTTP 429 {limited} times in a row"),
                        }));
                    }
                }
                Answer::Unauthorized(err) => {
                    if token.is_none() {
                        return Err(Failure::Fatal(err));
                    }
                    // `send_once` marked the token refused; the next turn gets a new one.
                    if renewed.swap(true, Ordering::Relaxed) {
                        return Err(Failure::Fatal(FetchError::Auth {
                            message: format!("a freshly issued access token was refused: {err}"),
                        }));
                    }
                }
                Answer::Transient { reason, detail } => {
                    return Err(Failure::Transient { reason, detail });
                }
                Answer::Fatal(e) => return Err(Failure::Fatal(e)),
            }
        }
    }

    /// Sends once, holding an in-flight `permit` and a quota slot, and classifies the answer.
    async fn send_once(
        &self,
        call: &Call,
        body: Option<&[u8]>,
        permit: tokio::sync::SemaphorePermit<'_>,
        token: Option<&Token>,
    ) -> Answer {
        let slot = self.inner.quota.acquire().await;
        *self
            .stats_mut()
            .requests_by_endpoint
            .entry(call.endpoint.into())
            .or_default() += 1;
        let mut req = self
            .inner
            .http
            .request(call.method.clone(), call.url.clone())
            .header(ACCEPT, "application/json");
        if let Some(t) = token {
            req = req.bearer_auth(t.access.expose());
        }
        if let Some(b) = body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(b.to_vec());
        }
        let sent = std::time::Instant::now();
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                slot.finish(None);
                return self.transport_failure(call, &e);
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await;
        slot.finish(Some(&headers));
        if let (401, Some(t)) = (status, token) {
            // Before the in-flight permit frees: whoever takes it must not send this token again.
            self.inner.auth.reject(t.generation);
        }
        drop(permit);
        tracing::debug!(
            endpoint = call.endpoint,
            status,
            elapsed_ms = sent.elapsed().as_millis() as u64,
            "answer"
        );
        {
            let mut stats = self.stats_mut();
            *stats.responses_by_status.entry(status).or_default() += 1;
            *stats
                .responses_by_endpoint_status
                .entry((call.endpoint.to_string(), status))
                .or_default() += 1;
        }
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => return self.transport_failure(call, &e),
        };
        let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
        match retry::classify(status, content_type, retry_after, &bytes) {
            None => self.decode(call, status, &bytes),
            Some(Retryable::Transient(reason)) => Answer::Transient {
                detail: format!(
                    "HTTP {status} ({}): {}",
                    content_type.unwrap_or("no content type"),
                    self.quote(call, &bytes)
                ),
                reason,
            },
            Some(Retryable::RateLimited(after)) => Answer::RateLimited { after, headers },
            Some(Retryable::Fatal) => {
                let err = self.api_error(call, status, &headers, &bytes);
                if status == 401 {
                    Answer::Unauthorized(err)
                } else {
                    Answer::Fatal(err)
                }
            }
        }
    }

    fn transport_failure(&self, call: &Call, e: &reqwest::Error) -> Answer {
        let kind = TransportFailure::of(e);
        let detail = scrub(e.to_string(), self.inner.opts.api_key.expose());
        let detail = match std::error::Error::source(e) {
            Some(src) => format!("{detail}: {src}"),
            None => detail,
        };
        match retry::classify_transport(kind) {
            Retryable::Transient(reason) => Answer::Transient { reason, detail },
            _ => Answer::Fatal(FetchError::Config {
                message: format!("{}: cannot build the request: {detail}", call.endpoint),
            }),
        }
    }

    /// A 2xx JSON answer: its envelope's data, or the error it carries.
    fn decode(&self, call: &Call, status: u16, bytes: &[u8]) -> Answer {
        let v: Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                return Answer::Transient {
                    reason: "non_json_body".into(),
                    detail: e.to_string(),
                };
            }
        };
        match envelope::open(v) {
            Envelope::Data(data) => Answer::Reply(Reply { status, data }),
            Envelope::Error { code, message } => Answer::Fatal(FetchError::Api {
                endpoint: call.endpoint.into(),
                target: target(call.method.as_str(), &call.url),
                status,
                code,
                message: scrub(message, self.inner.opts.api_key.expose()),
            }),
        }
    }

    /// The typed error of a fatal answer, from its envelope when it has one.
    fn api_error(&self, call: &Call, status: u16, headers: &HeaderMap, bytes: &[u8]) -> FetchError {
        let parsed = serde_json::from_slice::<Value>(bytes).ok();
        let (code, mut message) = parsed
            .as_ref()
            .and_then(envelope::error_of)
            .unwrap_or_else(|| (format!("HTTP_{status}"), self.quote(call, bytes)));
        if (300..400).contains(&status) {
            let to = headers
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("?");
            message = format!("redirected to {to}; check base_url");
        }
        FetchError::Api {
            endpoint: call.endpoint.into(),
            target: target(call.method.as_str(), &call.url),
            status,
            code,
            message: scrub(message, self.inner.opts.api_key.expose()),
        }
    }

    /// A short excerpt of a body for messages, withheld for token calls.
    fn quote(&self, call: &Call, bytes: &[u8]) -> String {
        if call.secret {
            "(withheld: token response)".into()
        } else {
            scrub(excerpt(bytes, 160), self.inner.opts.api_key.expose())
        }
    }

    pub(crate) fn stats_mut(&self) -> std::sync::MutexGuard<'_, FetchStats> {
        self.inner.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn count_renewal(&self, exchange: bool) {
        let mut s = self.stats_mut();
        if exchange {
            s.token_exchanges += 1;
        } else {
            s.token_refreshes += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_call_never_prints_its_body() {
        let mut call = Call {
            endpoint: "token",
            method: Method::POST,
            url: Url::parse("http://127.0.0.1:1/api/v1/token/").unwrap(),
            body: Some(serde_json::json!({"api_key": "hrw_secret_key"})),
            auth: false,
            secret: true,
            retry: true,
        };
        let shown = format!("{call:?}");
        assert!(
            !shown.contains("hrw_secret_key") && shown.contains("***"),
            "{shown}"
        );
        call.secret = false;
        assert!(format!("{call:?}").contains("hrw_secret_key"));
    }
}
