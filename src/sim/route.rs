//! Which documented endpoint a request is for: method and raw path in, [`Endpoint`] out, and
//! the name it is counted under. Invariant: only documented paths (with their trailing slash)
//! and methods match; the identifier segment is percent-decoded exactly once.

use axum::http::{Method, StatusCode};
use percent_encoding::percent_decode_str;

use super::envelope::ApiError;
use super::handlers::Query;

/// A documented endpoint, with its decoded path identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    Refresh,
    Employees,
    Employee(String),
    Invite,
    Successors,
    Successor(String),
    BenchStrength,
}

impl Endpoint {
    /// Matches method and raw path. Paths must end with `/`, as every documented one does;
    /// without it the answer is the 404 envelope (no redirect).
    pub fn route(method: &Method, path: &str) -> Result<Endpoint, ApiError> {
        let not_found = || {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("No endpoint at {path}"),
            )
        };
        let rest = path
            .strip_prefix("/api/v1/")
            .and_then(|r| r.strip_suffix('/'))
            .ok_or_else(not_found)?;
        // The identifier is one percent-encoded segment: `%2F` inside it is a slash of the
        // identifier, not a path separator.
        let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        let segments: Vec<&str> = rest.split('/').collect();
        let (endpoint, allowed) = match segments.as_slice() {
            ["token"] => (Endpoint::Token, Method::POST),
            ["token", "refresh"] => (Endpoint::Refresh, Method::POST),
            ["employees"] => (Endpoint::Employees, Method::GET),
            ["employees", id] if !id.is_empty() => (Endpoint::Employee(decode(id)), Method::GET),
            ["invite-to-hrwise"] => (Endpoint::Invite, Method::POST),
            ["successors"] => (Endpoint::Successors, Method::GET),
            ["successors", id] if !id.is_empty() => (Endpoint::Successor(decode(id)), Method::GET),
            ["bench-strength"] => (Endpoint::BenchStrength, Method::GET),
            _ => return Err(not_found()),
        };
        if *method != allowed {
            return Err(ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                format!("Method {method} not allowed; use {allowed}"),
            ));
        }
        Ok(endpoint)
    }

    /// The name requests are counted under.
    pub fn kind(&self, q: &Query) -> &'static str {
        match self {
            Endpoint::Token => "token",
            Endpoint::Refresh => "refresh",
            Endpoint::Employees => "employees_list",
            Endpoint::Employee(_) => match q.get("query") {
                Some("trainings") => "employee_trainings",
                Some("tasks") => "employee_tasks",
                Some("mentorships") => "employee_mentorships",
                Some("skill_gaps") => "employee_skill_gaps",
                Some("progress") => "employee_progress",
                _ => "employee_detail",
            },
            Endpoint::Invite => "invite",
            Endpoint::Successors => "successors_list",
            Endpoint::Successor(_) => "successor_detail",
            Endpoint::BenchStrength => "bench_strength",
        }
    }

    pub fn is_token_call(&self) -> bool {
        matches!(self, Endpoint::Token | Endpoint::Refresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_decode_identifiers_and_require_trailing_slashes() {
        let get = Method::GET;
        assert_eq!(
            Endpoint::route(&get, "/api/v1/employees/").ok(),
            Some(Endpoint::Employees)
        );
        assert_eq!(
            Endpoint::route(&get, "/api/v1/employees/ENG%2F0002/").ok(),
            Some(Endpoint::Employee("ENG/0002".into()))
        );
        assert_eq!(
            Endpoint::route(&get, "/api/v1/successors/a+b%40x.example/").ok(),
            Some(Endpoint::Successor("a+b@x.example".into()))
        );
        assert_eq!(
            Endpoint::route(&get, "/api/v1/employees/%C3%89MP-1-%C3%BC/").ok(),
            Some(Endpoint::Employee("ÉMP-1-ü".into()))
        );
        assert_eq!(
            Endpoint::route(&get, "/api/v1/employees").map_err(|e| e.status),
            Err(StatusCode::NOT_FOUND)
        );
        assert_eq!(
            Endpoint::route(&get, "/api/v1/token/").map_err(|e| e.status),
            Err(StatusCode::METHOD_NOT_ALLOWED)
        );
        assert_eq!(
            Endpoint::route(&get, "/api/v1/employees/a/b/").map_err(|e| e.status),
            Err(StatusCode::NOT_FOUND)
        );
        assert_eq!(
            Endpoint::route(&Method::POST, "/api/v1/token/refresh/").ok(),
            Some(Endpoint::Refresh)
        );
    }
}
