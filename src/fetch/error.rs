//! What can go wrong talking to the API, typed so callers can branch on it (fatal for one
//! request, retries exhausted, credentials refused). Invariant: no message ever contains the API
//! key or a token; token responses are never quoted, and server text is scrubbed of the key.

/// A failed API call. Each message is one line naming the endpoint and the request.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The API answered with an error that retrying will not fix (a 4xx, or an envelope with
    /// `success: false`).
    #[error("{endpoint} ({target}): HTTP {status} {code}: {message}")]
    Api {
        /// The endpoint's name (`employee_detail`, `employees_list`, ...).
        endpoint: String,
        /// Method, path and query of the request (never a secret).
        target: String,
        status: u16,
        /// The envelope's `error.code`, or `HTTP_<status>` when the body had none.
        code: String,
        message: String,
    },
    /// Every attempt failed with a transient error (5xx, timeouts, resets, non-JSON bodies).
    #[error("{endpoint} ({target}): gave up after {attempts} attempts; last: {last}")]
    Transient {
        endpoint: String,
        target: String,
        attempts: u32,
        last: String,
    },
    /// The API key or a fresh token was refused: nothing will work until the key is fixed.
    #[error("authentication: {message}")]
    Auth { message: String },
    /// The API answered 2xx with JSON, but not in a shape this client can read.
    #[error("{endpoint}: cannot read the response: {reason} (body starts: {excerpt})")]
    Decode {
        endpoint: String,
        reason: String,
        excerpt: String,
    },
    /// The client was configured wrongly (bad base URL, no API key, zero limits).
    #[error("fetch configuration: {message}")]
    Config { message: String },
    /// A caller passed something that cannot be sent (an empty or `..` identifier).
    #[error("invalid input: {message}")]
    Invalid { message: String },
}

impl FetchError {
    /// True for a 404 (`EMPLOYEE_NOT_FOUND`, `SUCCESSOR_NOT_FOUND`, a page out of range).
    pub fn is_not_found(&self) -> bool {
        matches!(self, FetchError::Api { status: 404, .. })
    }

    /// The HTTP status, when the API answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The envelope's error code, when the API sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            FetchError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// True when retrying later (another sync) may succeed: transient failures only.
    pub fn is_transient(&self) -> bool {
        matches!(self, FetchError::Transient { .. })
    }
}

/// At most `max` characters of a body, on one line, for error messages.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > max {
        out.push('…');
    }
    if out.is_empty() {
        "(empty)".into()
    } else {
        out
    }
}

/// Replaces every occurrence of `secret` in `text` with `***` (a server that echoes the key
/// back must not make us print it).
pub(crate) fn scrub(text: String, secret: &str) -> String {
    if secret.len() >= 4 && text.contains(secret) {
        text.replace(secret, "***")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_one_short_line() {
        let e = excerpt(b"<html>\n<body>\tBad   gateway</body></html>", 20);
        assert_eq!(e, "<html> <body> Bad…");
        assert_eq!(excerpt(b"", 10), "(empty)");
    }

    #[test]
    fn scrub_hides_an_echoed_key() {
        assert_eq!(
            scrub("bad key hrw_abc123 given".into(), "hrw_abc123"),
            "bad key *** given"
        );
        assert_eq!(scrub("nothing".into(), "hrw_abc123"), "nothing");
    }

    #[test]
    fn api_error_message_names_endpoint_and_code() {
        let e = FetchError::Api {
            endpoint: "employee_detail".into(),
            target: "GET /api/v1/employees/EMP999/".into(),
            status: 404,
            code: "EMPLOYEE_NOT_FOUND".into(),
            message: "No employee found with identifier: EMP999".into(),
        };
        assert!(e.is_not_found());
        assert_eq!(
            e.to_string(),
            "employee_detail (GET /api/v1/employees/EMP999/): HTTP 404 EMPLOYEE_NOT_FOUND: \
             No employee found with identifier: EMP999"
        );
    }
}
