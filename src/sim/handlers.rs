//! The documented endpoints' behaviour once a request is authenticated and admitted: query
//! validation, lookups, pagination, invite. Invariant: a handler sees exactly one company's
//! data (the one its caller was authenticated as) and answers with `data` or an [`ApiError`].

use axum::http::StatusCode;
use serde_json::{Value, json};
use url::form_urlencoded;

use super::auth::Claims;
use super::envelope::{Answer, ApiError};
use super::model::{CompanyData, Readiness};
use super::state::{CompanyCell, Shared};
use super::{read, render, write};

/// The request's query string, decoded, in order.
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        Query(
            raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        )
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first non-empty value of `key` (an empty filter is no filter, as in django-filter).
    fn filter(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.filter(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(Some(false)),
            Some(v) => Err(ApiError::bad_request(
                "INVALID_QUERY_PARAMETER",
                format!("{key} must be true or false"),
            )
            .with("provided", v)),
        }
    }
}

pub const DEFAULT_PAGE_SIZE: usize = 50;
pub const MAX_PAGE_SIZE: usize = 100;

pub fn token(sim: &Shared, company: &CompanyCell) -> Answer {
    let pair = sim.tokens.issue(company.info.id);
    Ok((
        StatusCode::OK,
        json!({
            "access": pair.access,
            "refresh": pair.refresh,
            "token_type": "Bearer",
            "expires_in": pair.access_ttl.as_secs(),
            "company": {"id": company.info.id, "name": company.info.name},
        }),
    ))
}

pub fn refresh(sim: &Shared, claims: &Claims) -> Answer {
    sim.tokens
        .consume_refresh(claims)
        .map_err(|_| invalid_refresh())?;
    let pair = sim.tokens.issue(claims.company_id);
    Ok((
        StatusCode::OK,
        json!({"access": pair.access, "refresh": pair.refresh, "expires_in": pair.access_ttl.as_secs()}),
    ))
}

pub fn invalid_refresh() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "INVALID_REFRESH_TOKEN",
        "Token is invalid or expired",
    )
}

/// `GET /api/v1/employees/`: filters, then a page of the employees sorted by id. `origin`
/// is what `next`/`previous` links start with.
pub fn employees(company: &CompanyCell, q: &Query, origin: &str) -> Answer {
    let is_active = q.boolean("is_active")?;
    let high = q.boolean("is_high_performer")?;
    // The document lists only `true` for at_risk; `false` is read as "no filter".
    let at_risk = q.boolean("at_risk")? == Some(true);
    let page_size = match q.get("page_size").and_then(|s| s.parse::<usize>().ok()) {
        Some(n) if n >= 1 => n.min(MAX_PAGE_SIZE),
        _ => DEFAULT_PAGE_SIZE,
    };
    let d = read(&company.data);
    let dept = q
        .filter("department")
        .map(|name| d.department_by_name(name).map(|x| x.id));
    let matching: Vec<_> = d
        .employees
        .values()
        .filter(|e| is_active.is_none_or(|a| e.is_active == a))
        .filter(|e| high.is_none_or(|h| e.is_high_performer == h))
        .filter(|e| !at_risk || e.attrition_risk_score.is_some_and(|s| s > 70.0))
        .filter(|e| dept.is_none_or(|want| want == Some(e.department)))
        .collect();
    let count = matching.len();
    // As Django's paginator: an empty result still has one (empty) page.
    let total_pages = count.div_ceil(page_size).max(1);
    let page = match q.get("page") {
        None => 1,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=total_pages).contains(n))
            .ok_or_else(|| {
                ApiError::new(StatusCode::NOT_FOUND, "INVALID_PAGE", "Invalid page.")
                    .with("provided", p)
                    .with("total_pages", total_pages)
            })?,
    };
    let results: Vec<Value> = matching
        .iter()
        .skip((page - 1) * page_size)
        .take(page_size)
        .map(|e| render::employee(&d, e))
        .collect();
    let link = |target: usize| page_link(origin, q, target, page_size);
    Ok((
        StatusCode::OK,
        json!({
            "count": count,
            "next": (page < total_pages).then(|| link(page + 1)),
            "previous": (page > 1).then(|| link(page - 1)),
            "page": page,
            "page_size": page_size,
            "total_pages": total_pages,
            "results": results,
        }),
    ))
}

/// An absolute link to another page: the request's other parameters kept, `page_size` set to
/// the effective size, keys sorted (as Django REST framework does), and no `page` for page 1.
fn page_link(origin: &str, q: &Query, page: usize, page_size: usize) -> String {
    let mut pairs: Vec<(String, String)> =
        q.0.iter()
            .filter(|(k, _)| k != "page" && k != "page_size")
            .cloned()
            .collect();
    if page > 1 {
        pairs.push(("page".into(), page.to_string()));
    }
    pairs.push(("page_size".into(), page_size.to_string()));
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let qs = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{origin}/api/v1/employees/?{qs}")
}

const QUERIES: &str = "skill_gaps, progress, trainings, tasks, mentorships";

/// `GET /api/v1/employees/{identifier}/` with the optional `?query=`.
pub fn employee(company: &CompanyCell, identifier: &str, q: &Query) -> Answer {
    let which = q.get("query");
    if let Some(w) = which
        && !QUERIES.split(", ").any(|x| x == w)
    {
        return Err(ApiError::bad_request(
            "INVALID_QUERY_PARAMETER",
            format!("Query must be one of: {QUERIES}"),
        )
        .with("provided", w));
    }
    let d = read(&company.data);
    let e = d.find_employee(identifier).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "EMPLOYEE_NOT_FOUND",
            format!("No employee found with identifier: {identifier}"),
        )
    })?;
    let data = match which {
        Some("skill_gaps") => json!({"skill_gaps": e.skill_gaps}),
        Some("progress") => json!({"progress_score": e.current_progress_score}),
        Some("trainings") => json!({"trainings": render::trainings(&d, e)}),
        Some("tasks") => json!({"tasks": render::tasks(&d, e)}),
        Some("mentorships") => json!({"mentorships": render::mentorships(&d, e)}),
        _ => render::employee(&d, e),
    };
    Ok((StatusCode::OK, data))
}

fn required<'a>(body: &'a Value, key: &str, label: &str) -> Result<&'a str, ApiError> {
    body.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("VALIDATION_ERROR", format!("{label} is required")))
}

/// A plain shape check: one `@`, something before it, a dotted domain after, no spaces.
fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

/// `POST /api/v1/invite-to-hrwise/`: create (201) or update (200 by default, switchable).
pub fn invite(sim: &Shared, index: usize, body: &[u8]) -> Answer {
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let email = required(&body, "email", "Email")?;
    let first = required(&body, "first_name", "First name")?;
    let last = required(&body, "last_name", "Last name")?;
    let department = required(&body, "department_name", "Department name")?;
    let position = required(&body, "position", "Position")?;
    if !valid_email(email) {
        return Err(ApiError::bad_request(
            "VALIDATION_ERROR",
            "Invalid email format",
        ));
    }
    let _serial = super::lock(&sim.invite_lock);
    let company = &sim.companies[index];
    let dept = read(&company.data)
        .department_by_name(department)
        .map(|d| d.id);
    let Some(dept) = dept else {
        return Err(ApiError::bad_request(
            "DEPARTMENT_NOT_FOUND",
            format!("Department '{department}' does not exist in your company"),
        )
        .with("detail", "Please create the department first"));
    };
    let elsewhere = sim
        .companies
        .iter()
        .enumerate()
        .any(|(i, c)| i != index && read(&c.data).has_email(email));
    if elsewhere {
        return Err(ApiError::bad_request(
            "EMAIL_ALREADY_REGISTERED",
            "A user with this email already exists in another company",
        ));
    }
    let now = super::now_secs();
    let mut d = write(&company.data);
    let full_name = format!("{first} {last}");
    if let Some(id) = d.id_by_email(email)
        && let Some(e) = d.employees.get_mut(&id)
    {
        e.full_name = full_name;
        e.department = dept;
        e.position = position.to_string();
        e.bump(now);
        let status =
            StatusCode::from_u16(sim.settings.invite_update_status()).unwrap_or(StatusCode::OK);
        return Ok((
            status,
            invited(
                id,
                &e.email,
                false,
                "Employee updated and invitation sent successfully",
            ),
        ));
    }
    let id = super::generate::take(&sim.ids.employee);
    let e = super::mutate::invited_employee(id, email, full_name, dept, position, now);
    d.insert_employee(e);
    Ok((
        StatusCode::CREATED,
        invited(
            id,
            email,
            true,
            "Employee created and invitation sent successfully",
        ),
    ))
}

fn invited(id: i64, email: &str, created: bool, message: &str) -> Value {
    json!({
        "message": message,
        "employee_id": id,
        "email": email,
        "user_created": created,
        "employee_created": created,
        "invitation_sent": true,
    })
}

/// `GET /api/v1/successors/`.
pub fn successors(company: &CompanyCell, q: &Query) -> Answer {
    let readiness = match q.filter("readiness_level") {
        None => None,
        Some(v) => Some(Readiness::parse(v).ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_QUERY_PARAMETER",
                "readiness_level must be one of: ready_now, <6_months, 6-12_months, 12-24_months, >24_months",
            )
            .with("provided", v)
        })?),
    };
    let d = read(&company.data);
    let groups = render::successor_groups(&d, q.filter("department"), readiness);
    Ok((StatusCode::OK, Value::Array(groups)))
}

/// `GET /api/v1/successors/{identifier}/`.
pub fn successor(company: &CompanyCell, identifier: &str) -> Answer {
    let d: std::sync::RwLockReadGuard<'_, CompanyData> = read(&company.data);
    d.find_successor(identifier)
        .and_then(|s| render::successor_detail(&d, s))
        .map(|v| (StatusCode::OK, v))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "SUCCESSOR_NOT_FOUND",
                format!("No active successor found with identifier: {identifier}"),
            )
        })
}

/// `GET /api/v1/bench-strength/`.
pub fn bench_strength(company: &CompanyCell, q: &Query) -> Answer {
    let d = read(&company.data);
    Ok((
        StatusCode::OK,
        Value::Array(render::bench_rows(&d, q.filter("department"))),
    ))
}
