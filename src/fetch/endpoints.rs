//! The typed calls of the documented endpoints (employee detail and its `?query=` forms,
//! invite, successors, bench strength) and their filters and outcomes. Invariant: each call
//! returns models; one unreadable record is reported beside the others, never fatal to them.

use reqwest::Method;
use serde_json::Value;

use super::client::Client;
use super::encode::{endpoint_url, path_segment};
use super::envelope::{member, string_list};
use super::error::{FetchError, excerpt};
use super::models::{
    BenchStrength, Employee, InviteRequest, InviteResponse, Mentorship, Parsed, Position, Record,
    Rejected, Successor, Task, Training,
};
use super::transport::Call;

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

impl Client {
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
