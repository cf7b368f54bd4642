//! The retry decision as pure functions, in the style of reqwest-retry: an answer (status,
//! content type, body) or a transport failure is classified once, here, as usable, transient,
//! rate-limited or fatal. Invariant: nothing else in the fetch layer decides what is retried.

use std::time::{Duration, SystemTime};

use backon::ExponentialBuilder;

/// What to do about one answer that cannot be used as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retryable {
    /// Worth another attempt after a backoff; the reason is a short key for logs and counters
    /// (`http_500`, `non_json_body`, `timeout`, ...).
    Transient(String),
    /// A 429: every request waits `after` (from `Retry-After`, when the server sent one).
    RateLimited(Option<Duration>),
    /// Retrying will not help (a 4xx other than 408/429, a redirect, an error envelope).
    Fatal,
}

/// Classifies one HTTP answer. `None` means usable: a 2xx whose body is JSON. The envelope's
/// `success` flag is read later, by the decoder: an error envelope is fatal, not transient.
pub fn classify(
    status: u16,
    content_type: Option<&str>,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Option<Retryable> {
    match status {
        429 => Some(Retryable::RateLimited(retry_after)),
        408 | 500..=599 => Some(Retryable::Transient(format!("http_{status}"))),
        200..=299 if is_json(body) => None,
        // A proxy's HTML page or a truncated body on a 2xx: the API did not really answer.
        200..=299 => Some(Retryable::Transient(
            if content_type.is_some_and(|c| c.contains("html")) {
                "html_body"
            } else {
                "non_json_body"
            }
            .into(),
        )),
        _ => Some(Retryable::Fatal),
    }
}

/// How a request failed before an answer arrived, as reqwest reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    Timeout,
    Connect,
    /// The connection broke while sending or reading the body.
    Interrupted,
    /// The request could not even be built (a bug or bad configuration).
    Builder,
}

impl TransportFailure {
    pub fn of(e: &reqwest::Error) -> Self {
        if e.is_timeout() {
            TransportFailure::Timeout
        } else if e.is_connect() {
            TransportFailure::Connect
        } else if e.is_builder() {
            TransportFailure::Builder
        } else {
            TransportFailure::Interrupted
        }
    }
}

/// Classifies a failure before any answer: everything but a request we could not build is
/// worth another attempt.
pub fn classify_transport(f: TransportFailure) -> Retryable {
    match f {
        TransportFailure::Timeout => Retryable::Transient("timeout".into()),
        TransportFailure::Connect => Retryable::Transient("connect".into()),
        TransportFailure::Interrupted => Retryable::Transient("connection_reset".into()),
        TransportFailure::Builder => Retryable::Fatal,
    }
}

/// True when `body` is one JSON value (checked without building it).
fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
}

/// `Retry-After` as delay-seconds (`120`, also `1.5`) or an HTTP date; a date in the past is no
/// wait at all; anything else is `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e7)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The exponential backoff with jitter used for transient failures: delays grow from `base` by
/// a factor of 2 up to `max`, each plus a random share of itself, `max_retries` times.
///
/// backon is built without its `std` feature, which would otherwise seed its jitter with one
/// fixed number: every request would back off in lockstep. Each call therefore gets its own
/// seed.
pub fn backoff(base: Duration, max: Duration, max_retries: u32) -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(base)
        .with_max_delay(max.max(base))
        .with_factor(2.0)
        .with_jitter()
        .with_jitter_seed(random_seed())
        .with_max_times(max_retries as usize)
}

/// A fresh random number from the standard library's per-process hash keys.
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use backon::BackoffBuilder;

    fn t(reason: &str) -> Option<Retryable> {
        Some(Retryable::Transient(reason.into()))
    }

    #[test]
    fn server_errors_and_408_are_transient() {
        assert_eq!(
            classify(500, Some("application/json"), None, b"{}"),
            t("http_500")
        );
        assert_eq!(
            classify(503, Some("text/html"), None, b"<html>"),
            t("http_503")
        );
        assert_eq!(classify(502, None, None, b""), t("http_502"));
        assert_eq!(classify(408, None, None, b""), t("http_408"));
    }

    #[test]
    fn html_or_garbage_on_success_is_transient() {
        assert_eq!(
            classify(200, Some("text/html"), None, b"<html>oops</html>"),
            t("html_body")
        );
        assert_eq!(
            classify(200, None, None, b"{\"success\": tr"),
            t("non_json_body")
        );
        assert_eq!(
            classify(200, Some("application/json"), None, b""),
            t("non_json_body")
        );
    }

    #[test]
    fn json_success_is_usable_even_with_an_error_envelope() {
        assert_eq!(
            classify(200, Some("application/json"), None, b"{\"success\":true}"),
            None
        );
        // The decoder turns `success: false` into an API error; it is not worth a retry.
        assert_eq!(classify(200, None, None, b"{\"success\":false}"), None);
        assert_eq!(classify(201, None, None, b"[]"), None);
    }

    #[test]
    fn client_errors_are_fatal_and_429_is_rate_limited() {
        for status in [400, 401, 403, 404, 405, 301, 302] {
            assert_eq!(
                classify(status, None, None, b"{}"),
                Some(Retryable::Fatal),
                "{status}"
            );
        }
        let after = Some(Duration::from_secs(3));
        assert_eq!(
            classify(429, None, after, b"<html>"),
            Some(Retryable::RateLimited(after))
        );
        assert_eq!(
            classify(429, None, None, b"{}"),
            Some(Retryable::RateLimited(None))
        );
    }

    #[test]
    fn transport_failures_are_transient_except_builder() {
        assert_eq!(
            classify_transport(TransportFailure::Timeout),
            t("timeout").unwrap()
        );
        assert_eq!(
            classify_transport(TransportFailure::Connect),
            t("connect").unwrap()
        );
        assert_eq!(
            classify_transport(TransportFailure::Interrupted),
            t("connection_reset").unwrap()
        );
        assert_eq!(
            classify_transport(TransportFailure::Builder),
            Retryable::Fatal
        );
    }

    #[test]
    fn retry_after_in_seconds_and_as_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 1.5 ", now),
            Some(Duration::from_millis(1500))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn backoff_is_bounded_grows_and_stops() {
        let base = Duration::from_millis(100);
        let delays: Vec<Duration> = backoff(base, Duration::from_millis(400), 5)
            .build()
            .collect();
        assert_eq!(delays.len(), 5);
        for (i, d) in delays.iter().enumerate() {
            let nominal = (base * 2u32.pow(i as u32)).min(Duration::from_millis(400));
            assert!(
                *d >= nominal && *d <= nominal * 2,
                "delay {i}: {d:?} vs {nominal:?}"
            );
        }
        // Jitter differs between calls (a fixed seed would make every request retry together).
        let runs: std::collections::BTreeSet<Vec<Duration>> = (0..5)
            .map(|_| backoff(base, base * 4, 3).build().collect())
            .collect();
        assert!(runs.len() > 1, "jitter is not random: {runs:?}");
    }
}
