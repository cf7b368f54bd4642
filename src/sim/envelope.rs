//! The document's response envelope: `{"success":true,"data":…}` and
//! `{"success":false,"error":{"code","message",…}}`. Every JSON answer under `/api/v1/` is
//! built here, so no handler can get the envelope wrong.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

/// A documented error: status, `code`, `message`, and extra fields such as `provided` or
/// `detail` that sit beside them in `error`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub extra: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            extra: Map::new(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// Adds a field beside `code` and `message`.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }

    pub fn body(&self) -> Value {
        let mut error = Map::new();
        error.insert("code".into(), json!(self.code));
        error.insert("message".into(), json!(self.message));
        error.extend(self.extra.clone());
        json!({"success": false, "error": error})
    }
}

pub fn ok(data: Value) -> Value {
    json!({"success": true, "data": data})
}

/// What a handler answers: a status and the `data`, or a documented error.
pub type Answer = Result<(StatusCode, Value), ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_extra_fields_beside_code_and_message() {
        let e = ApiError::bad_request("INVALID_QUERY_PARAMETER", "bad").with("provided", "x");
        assert_eq!(
            e.body(),
            json!({"success": false, "error": {"code": "INVALID_QUERY_PARAMETER", "message": "bad", "provided": "x"}})
        );
        assert_eq!(ok(json!(1)), json!({"success": true, "data": 1}));
    }
}
