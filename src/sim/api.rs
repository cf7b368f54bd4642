//! The `/api/v1/` pipeline every request goes through, in this order: route, latency,
//! authenticate, fault dice, rate limit, handler, count, headers.
//! Invariant: every response under `/api/v1/` is counted once and carries the
//! `X-RateLimit-*` headers; only admitted requests (and never faults or 401s) spend quota.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::{Claims, TokenError};
use super::envelope::{Answer, ApiError, ok};
use super::handlers::{self, Query, invalid_refresh};
use super::limit::Decision;
use super::route::Endpoint;
use super::state::{Fault, Outcome, ResetStyle, Shared};

/// Who a request is, once its credentials check out.
struct Caller {
    company: usize,
    refresh: Option<Claims>,
}

/// A refused request, and the company it named, if any (for counting).
struct Refused {
    company: Option<usize>,
    error: ApiError,
}

fn body_field(body: &[u8], key: &str) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get(key)?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn authenticate(
    sim: &Shared,
    ep: &Endpoint,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Caller, Refused> {
    let refuse = |company, error| Refused { company, error };
    match ep {
        Endpoint::Token => {
            let Some(key) = body_field(body, "api_key") else {
                let e =
                    ApiError::bad_request("MISSING_API_KEY", "API key is required in request body");
                return Err(refuse(None, e));
            };
            let company = sim.index_by_key(&key).ok_or_else(|| {
                let e = ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "INVALID_API_KEY",
                    "The provided API key is invalid or expired",
                );
                refuse(None, e)
            })?;
            Ok(Caller {
                company,
                refresh: None,
            })
        }
        Endpoint::Refresh => {
            let Some(token) = body_field(body, "refresh") else {
                let e = ApiError::bad_request("VALIDATION_ERROR", "Refresh token is required");
                return Err(refuse(None, e));
            };
            let named = sim
                .tokens
                .company_of(&token)
                .and_then(|id| sim.index_of(id));
            let claims = sim
                .tokens
                .verify(&token, "refresh")
                .map_err(|_| refuse(named, invalid_refresh()))?;
            let company = sim
                .index_of(claims.company_id)
                .ok_or_else(|| refuse(None, invalid_refresh()))?;
            Ok(Caller {
                company,
                refresh: Some(claims),
            })
        }
        _ => {
            let failed = |company, message: &str| {
                refuse(
                    company,
                    ApiError::new(StatusCode::UNAUTHORIZED, "AUTHENTICATION_FAILED", message),
                )
            };
            let Some(value) = headers.get(header::AUTHORIZATION) else {
                return Err(failed(None, "Authentication credentials were not provided"));
            };
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, t)| t.trim())
                .ok_or_else(|| failed(None, "Authorization header must be 'Bearer <token>'"))?;
            let named = sim.tokens.company_of(token).and_then(|id| sim.index_of(id));
            let claims = sim.tokens.verify(token, "access").map_err(|e| {
                let message = match e {
                    TokenError::Expired => "Token is invalid or expired",
                    TokenError::Revoked => "Token has been revoked",
                    _ => "Given token not valid for any token type",
                };
                failed(named, message)
            })?;
            let company = sim
                .index_of(claims.company_id)
                .ok_or_else(|| failed(None, "Unknown company"))?;
            Ok(Caller {
                company,
                refresh: None,
            })
        }
    }
}

/// Where `next`/`previous` links point: the override set by a test, else the request's Host,
/// else the server's own base URL.
fn origin(sim: &Shared, headers: &HeaderMap) -> String {
    if let Some(h) = super::read(&sim.settings.link_host).clone() {
        return h.trim_end_matches('/').to_string();
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| format!("http://{h}"))
        .unwrap_or_else(|| sim.base_url.clone())
}

fn dispatch(
    sim: &Shared,
    ep: &Endpoint,
    caller: &Caller,
    q: &Query,
    headers: &HeaderMap,
    body: &[u8],
) -> Answer {
    let company = &sim.companies[caller.company];
    match ep {
        Endpoint::Token => handlers::token(sim, company),
        Endpoint::Refresh => match &caller.refresh {
            Some(claims) => handlers::refresh(sim, claims),
            None => Err(invalid_refresh()),
        },
        Endpoint::Employees => handlers::employees(company, q, &origin(sim, headers)),
        Endpoint::Employee(id) => handlers::employee(company, id, q),
        Endpoint::Invite => handlers::invite(sim, caller.company, body),
        Endpoint::Successors => handlers::successors(company, q),
        Endpoint::Successor(id) => handlers::successor(company, id),
        Endpoint::BenchStrength => handlers::bench_strength(company, q),
    }
}

const PROXY_500: &str = "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The single handler behind every `/api/v1/` path.
pub async fn serve(
    State(sim): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !uri.path().starts_with("/api/v1/") {
        return outside();
    }
    let q = Query::parse(uri.query());
    let route = Endpoint::route(&method, uri.path());
    let kind = route.as_ref().map_or("not_found", |e| e.kind(&q));
    let latency = sim.settings.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let caller = route
        .as_ref()
        .map_err(|e| Refused {
            company: None,
            error: e.clone(),
        })
        .and_then(|ep| authenticate(&sim, ep, &headers, &body));
    let company = match &caller {
        Ok(c) => Some(c.company),
        Err(r) => r.company,
    };
    let company_id = company.map_or(0, |i| sim.companies[i].info.id);
    let now = Instant::now();
    let peek = || {
        company
            .and_then(|i| sim.limiter.peek(i, now))
            .unwrap_or_else(|| sim.limiter.fresh())
    };

    if let Some(fault) = sim.roll_fault() {
        sim.record(company_id, kind, 500, Outcome::Fault);
        let (content_type, bytes) = match fault {
            Fault::Html => ("text/html", Bytes::from_static(PROXY_500.as_bytes())),
            Fault::Json => {
                let e = ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL_SERVER_ERROR",
                    "Something went wrong on our end",
                );
                ("application/json", Bytes::from(e.body().to_string()))
            }
        };
        return respond(
            &sim,
            StatusCode::INTERNAL_SERVER_ERROR,
            content_type,
            bytes,
            peek(),
            false,
        );
    }

    let (caller, ep) = match (caller, route) {
        (Ok(c), Ok(ep)) => (c, ep),
        (Err(r), _) => {
            sim.record(company_id, kind, r.error.status.as_u16(), Outcome::Served);
            return json_response(&sim, r.error.status, &r.error.body(), peek(), false);
        }
        (Ok(_), Err(e)) => return json_response(&sim, e.status, &e.body(), peek(), false),
    };

    let charged = !ep.is_token_call() || sim.settings.count_token_calls();
    let decision = if charged {
        sim.limiter.take(caller.company, now)
    } else {
        sim.limiter.peek(caller.company, now)
    };
    let decision = decision.unwrap_or_else(|| sim.limiter.fresh());
    if !decision.allowed {
        sim.record(company_id, kind, 429, Outcome::RateLimited);
        let retry = retry_after(decision.reset_in);
        let e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMIT_EXCEEDED",
            format!(
                "Rate limit of {} requests exceeded; retry in {retry} seconds",
                decision.limit
            ),
        )
        .with("retry_after", retry);
        return json_response(
            &sim,
            StatusCode::TOO_MANY_REQUESTS,
            &e.body(),
            decision,
            true,
        );
    }

    let (status, body) = match dispatch(&sim, &ep, &caller, &q, &headers, &body) {
        Ok((status, data)) => (status, ok(data)),
        Err(e) => (e.status, e.body()),
    };
    sim.record(company_id, kind, status.as_u16(), Outcome::Served);
    json_response(&sim, status, &body, decision, false)
}

/// Whole seconds until `reset_in` has passed, at least 1.
fn retry_after(reset_in: Duration) -> u64 {
    (reset_in.as_secs_f64().ceil() as u64).max(1)
}

fn json_response(
    sim: &Shared,
    status: StatusCode,
    body: &Value,
    d: Decision,
    retry: bool,
) -> Response {
    respond(
        sim,
        status,
        "application/json",
        Bytes::from(body.to_string()),
        d,
        retry,
    )
}

fn respond(
    sim: &Shared,
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
    d: Decision,
    retry: bool,
) -> Response {
    let reset = match sim.settings.reset_style() {
        ResetStyle::SecondsFromNow => d.reset_in.as_secs_f64().ceil() as u64,
        ResetStyle::EpochSeconds => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            (now + d.reset_in).as_secs_f64().ceil() as u64
        }
    };
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert("x-ratelimit-limit", HeaderValue::from(d.limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(d.remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
    if retry {
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from(retry_after(d.reset_in)),
        );
    }
    r
}

/// Anything outside `/api/v1/` and `/_sim/`: a plain 404 envelope, not counted.
pub fn outside() -> Response {
    let body = json!({"success": false, "error": {"code": "NOT_FOUND", "message": "Not found"}});
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = StatusCode::NOT_FOUND;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after(Duration::from_millis(1)), 1);
        assert_eq!(retry_after(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after(Duration::ZERO), 1);
    }
}
