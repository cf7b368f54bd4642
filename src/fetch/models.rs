//! Typed views of the API's payloads, as the API document describes them. Every record keeps
//! its raw JSON (`raw`) beside the typed fields, so a field this code does not know yet is never
//! lost; every field but an id is optional and tolerant (see `lenient`). A record that still
//! cannot be read becomes a [`Rejected`] with its payload and the reason, never a failed page.

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;

use super::lenient::{opt_bool, opt_f64, opt_i64, opt_string, opt_string_list, req_i64};

/// A record type of the API that keeps its raw payload.
pub trait Record: DeserializeOwned {
    /// What the record is, for error messages and the rejected-records table.
    const ENTITY: &'static str;
    fn set_raw(&mut self, raw: Value);

    /// Reads one record; on failure, the error carries the payload and the reason.
    fn from_value(raw: Value) -> Result<Self, Rejected> {
        match serde_json::from_value::<Self>(raw.clone()) {
            Ok(mut r) => {
                r.set_raw(raw);
                Ok(r)
            }
            Err(e) => Err(Rejected {
                entity: Self::ENTITY,
                raw,
                reason: e.to_string(),
            }),
        }
    }
}

/// A record the API sent that could not be read, kept with its payload and the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejected {
    pub entity: &'static str,
    pub raw: Value,
    pub reason: String,
}

/// The records of one response that could be read, and the ones that could not.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub records: Vec<T>,
    pub rejected: Vec<Rejected>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed {
            records: Vec::new(),
            rejected: Vec::new(),
        }
    }
}

impl<T: Record> Parsed<T> {
    /// Reads each element of a JSON array on its own; a non-array is one rejected payload.
    pub fn from_array(v: Value) -> Self {
        let mut out = Parsed::default();
        match v {
            Value::Array(items) => {
                for item in items {
                    match T::from_value(item) {
                        Ok(r) => out.records.push(r),
                        Err(rej) => out.rejected.push(rej),
                    }
                }
            }
            Value::Null => {}
            other => out.rejected.push(Rejected {
                entity: T::ENTITY,
                raw: other,
                reason: "expected a JSON array of records".into(),
            }),
        }
        out
    }
}

macro_rules! record {
    ($t:ty, $name:literal) => {
        impl Record for $t {
            const ENTITY: &'static str = $name;
            fn set_raw(&mut self, raw: Value) {
                self.raw = raw;
            }
        }
    };
}

/// `company` in the token response.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Company {
    #[serde(deserialize_with = "req_i64")]
    pub id: i64,
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
}

/// An employee's department: an object `{id, name}` in the document; a bare name is accepted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Department {
    pub id: Option<i64>,
    pub name: Option<String>,
}

impl<'de> Deserialize<'de> for Department {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match Value::deserialize(d)? {
            Value::Null => Ok(Department::default()),
            Value::String(name) => Ok(Department {
                id: None,
                name: Some(name),
            }),
            Value::Number(n) => Ok(Department {
                id: n.as_i64(),
                name: None,
            }),
            Value::Object(m) => Ok(Department {
                id: super::lenient::value_to_i64(m.get("id")).map_err(D::Error::custom)?,
                name: match m.get("name") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(other) => Some(other.to_string()),
                },
            }),
            other => Err(D::Error::custom(format!(
                "expected a department, got {other}"
            ))),
        }
    }
}

/// One employee, as the list and the detail endpoints send it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Employee {
    #[serde(deserialize_with = "req_i64")]
    pub id: i64,
    #[serde(default, deserialize_with = "opt_string")]
    pub employee_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub company: Option<i64>,
    #[serde(default)]
    pub department: Option<Department>,
    #[serde(default, deserialize_with = "opt_string")]
    pub position: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub position_start_date: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub hire_date: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub education: Option<String>,
    #[serde(default, deserialize_with = "opt_string_list")]
    pub certifications: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub no_of_trainings: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub gender: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub recruitment_channel: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub age: Option<i64>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub previous_year_rating: Option<f64>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub length_of_service: Option<f64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub awards_won: Option<i64>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub avg_training_score: Option<f64>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub performance_score: Option<f64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub attrition_risk_score: Option<f64>,
    #[serde(default)]
    pub extra_data: Option<Value>,
    #[serde(default, deserialize_with = "opt_string")]
    pub last_analyzed: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub is_high_performer: Option<bool>,
    #[serde(default, deserialize_with = "opt_string")]
    pub high_performer_date: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub onboarded: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub is_active: Option<bool>,
    #[serde(default, deserialize_with = "opt_string")]
    pub seniority_level: Option<String>,
    #[serde(default)]
    pub evaluation_history: Option<Value>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub current_progress_score: Option<f64>,
    #[serde(default, deserialize_with = "opt_string_list")]
    pub skill_gaps: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub role_fit_score: Option<f64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub created: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub modified: Option<String>,
    #[serde(skip)]
    pub raw: Value,
}
record!(Employee, "employee");

/// `?query=trainings`: one training of an employee. It does not name the employee's id: the
/// caller knows whose list it asked for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Training {
    #[serde(deserialize_with = "req_i64")]
    pub id: i64,
    #[serde(default, deserialize_with = "opt_string")]
    pub employee_name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub skill_name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub course_name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub start_date: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub completion_date: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub provider: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub rating: Option<f64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub feedback: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub evidence: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub department: Option<String>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub manager_rating: Option<f64>,
    #[serde(skip)]
    pub raw: Value,
}
record!(Training, "training");

/// `?query=tasks`: one task of an employee.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Task {
    #[serde(deserialize_with = "req_i64")]
    pub id: i64,
    #[serde(default, deserialize_with = "opt_string")]
    pub employee_name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub department: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub source: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub project_name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub scope: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub rating: Option<f64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub feedback: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub evidence: Option<String>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub manager_rating: Option<f64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub external_id: Option<String>,
    #[serde(skip)]
    pub raw: Value,
}
record!(Task, "task");

/// `?query=mentorships`: one mentorship of an employee.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Mentorship {
    #[serde(deserialize_with = "req_i64")]
    pub id: i64,
    #[serde(default, deserialize_with = "opt_string")]
    pub employee_name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub mentor_name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub area_of_support: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub feedback: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub evidence: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub department: Option<String>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub rating: Option<f64>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub manager_rating: Option<f64>,
    #[serde(skip)]
    pub raw: Value,
}
record!(Mentorship, "mentorship");

/// `current_role_holder` of a position in `/successors/` and in a successor's detail.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RoleHolder {
    #[serde(default, deserialize_with = "opt_i64")]
    pub id: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub department: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub position: Option<String>,
}

/// `progress_status` of a successor.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProgressStatus {
    #[serde(default, deserialize_with = "opt_string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub predicted_readiness: Option<String>,
}

/// One successor record: an element of a position's `successors`, or the successor detail
/// (which adds `notes` and `current_role_holder`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Successor {
    #[serde(deserialize_with = "req_i64")]
    pub id: i64,
    #[serde(default, deserialize_with = "opt_string")]
    pub employee_name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub current_position: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub department: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub role_to_succeed: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub expected_readiness: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub predecessor_name: Option<String>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub fit_score_display: Option<f64>,
    #[serde(default, deserialize_with = "opt_string_list")]
    pub initial_gaps: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_string_list")]
    pub updated_gaps: Option<Vec<String>>,
    #[serde(default)]
    pub progress_status: Option<ProgressStatus>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub initial_fit: Option<f64>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub updated_fit: Option<f64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub employee: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub notes: Option<String>,
    #[serde(default)]
    pub current_role_holder: Option<RoleHolder>,
    #[serde(skip)]
    pub raw: Value,
}
record!(Successor, "successor");

/// One element of `/successors/`: a position, its holder, its successors and its BSI.
/// Successors are read one by one, so one bad successor does not hide its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub current_role_holder: Option<RoleHolder>,
    pub successors: Parsed<Successor>,
    pub bench_strength: Option<f64>,
    pub raw: Value,
}

impl Position {
    /// Reads one position; fails only when the element is not an object or its holder or
    /// BSI cannot be read.
    pub fn from_value(raw: Value) -> Result<Self, Rejected> {
        let reject = |reason: String| Rejected {
            entity: "position",
            raw: raw.clone(),
            reason,
        };
        let Value::Object(map) = &raw else {
            return Err(reject("expected a JSON object".into()));
        };
        let current_role_holder = match map.get("current_role_holder") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                serde_json::from_value::<RoleHolder>(v.clone())
                    .map_err(|e| reject(format!("current_role_holder: {e}")))?,
            ),
        };
        let bench_strength = super::lenient::value_to_f64(map.get("bench_strength"))
            .map_err(|e| reject(format!("bench_strength: {e}")))?;
        let successors = Parsed::from_array(map.get("successors").cloned().unwrap_or(Value::Null));
        Ok(Position {
            current_role_holder,
            successors,
            bench_strength,
            raw,
        })
    }
}

/// One row of `/bench-strength/`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BenchStrength {
    #[serde(default, deserialize_with = "opt_string")]
    pub role: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub current_holder: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub department: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub total_successors: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub ready_now_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub less_6_months_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub six_12_months_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub twelve_24_months_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub more_24_months_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub internal_percentage: Option<f64>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub external_percentage: Option<f64>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub bench_strength_index: Option<f64>,
    #[serde(skip)]
    pub raw: Value,
}
record!(BenchStrength, "bench_strength");

/// The body of `POST /api/v1/invite-to-hrwise/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteRequest {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub department_name: String,
    pub position: String,
}

/// The `data` of a successful invite.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InviteResponse {
    #[serde(default, deserialize_with = "opt_string")]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    pub employee_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub user_created: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub employee_created: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub invitation_sent: Option<bool>,
    #[serde(skip)]
    pub raw: Value,
}
record!(InviteResponse, "invite");

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documented_employee_example_parses_and_keeps_unknown_fields() {
        let raw = json!({
            "id": 123, "employee_id": "EMP001", "full_name": "John Doe",
            "department": {"id": 5, "name": "Engineering"}, "role_fit_score": "90",
            "performance_score": "92.30", "certifications": ["AWS Certified"],
            "is_active": true, "phone": null, "brand_new_field": {"x": 1}
        });
        let e = Employee::from_value(raw.clone()).unwrap();
        assert_eq!(e.role_fit_score, Some(90.0));
        assert_eq!(e.performance_score, Some(92.3));
        assert_eq!(e.department.unwrap().name.as_deref(), Some("Engineering"));
        assert_eq!(e.phone, None);
        assert_eq!(e.raw["brand_new_field"], json!({"x": 1}));
    }

    #[test]
    fn one_bad_record_is_rejected_with_reason_not_the_page() {
        let p: Parsed<Training> = Parsed::from_array(json!([
            {"id": 1, "rating": "5"},
            {"id": "not-a-number"},
            {"id": 3, "rating": null}
        ]));
        assert_eq!(
            p.records.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(p.rejected.len(), 1);
        assert!(
            p.rejected[0].reason.contains("integer"),
            "{}",
            p.rejected[0].reason
        );
        assert_eq!(p.rejected[0].raw, json!({"id": "not-a-number"}));
    }

    #[test]
    fn position_with_one_bad_successor_keeps_the_others() {
        let pos = Position::from_value(json!({
            "current_role_holder": {"id": 123, "full_name": "John Doe"},
            "successors": [{"id": 1, "fit_score_display": "85"}, {"no_id": true}],
            "bench_strength": "82.5"
        }))
        .unwrap();
        assert_eq!(pos.bench_strength, Some(82.5));
        assert_eq!(pos.successors.records[0].fit_score_display, Some(85.0));
        assert_eq!(pos.successors.rejected.len(), 1);
    }
}
