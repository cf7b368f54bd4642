//! The simulator's own records of one company (employees with their trainings, tasks and
//! mentorships; departments; succession positions and successor records).
//! Invariant: the lookup indexes (`employee_id`, lower-cased email) always match `employees`;
//! only the methods here insert or remove employees.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde_json::Value;

/// The five documented readiness levels, in order from soonest to latest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Readiness {
    ReadyNow,
    Under6,
    From6To12,
    From12To24,
    Over24,
}

impl Readiness {
    pub const ALL: [Readiness; 5] = [
        Readiness::ReadyNow,
        Readiness::Under6,
        Readiness::From6To12,
        Readiness::From12To24,
        Readiness::Over24,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Readiness::ReadyNow => "ready_now",
            Readiness::Under6 => "<6_months",
            Readiness::From6To12 => "6-12_months",
            Readiness::From12To24 => "12-24_months",
            Readiness::Over24 => ">24_months",
        }
    }

    pub fn parse(s: &str) -> Option<Readiness> {
        Readiness::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub struct Department {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Training {
    pub id: i64,
    pub skill_name: String,
    pub course_name: String,
    pub start_date: NaiveDate,
    pub completion_date: Option<NaiveDate>,
    pub provider: String,
    pub status: String,
    pub rating: Option<i64>,
    pub feedback: Option<String>,
    pub evidence: Option<String>,
    pub manager_rating: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub id: i64,
    pub source: String,
    pub project_name: String,
    pub scope: String,
    pub status: String,
    pub rating: Option<i64>,
    pub feedback: Option<String>,
    pub evidence: Option<String>,
    pub manager_rating: Option<i64>,
    pub external_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Mentorship {
    pub id: i64,
    pub mentor_name: String,
    pub area_of_support: String,
    pub status: String,
    pub feedback: Option<String>,
    pub evidence: Option<String>,
    pub rating: Option<i64>,
    pub manager_rating: Option<i64>,
}

/// One employee; timestamps are epoch seconds (UTC), rendered as `YYYY-MM-DDTHH:MM:SSZ`.
#[derive(Debug, Clone)]
pub struct Employee {
    pub id: i64,
    pub employee_id: String,
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub department: i64,
    pub position: String,
    pub position_start_date: NaiveDate,
    pub hire_date: NaiveDate,
    pub education: Option<String>,
    pub certifications: Vec<String>,
    pub no_of_trainings: i64,
    pub gender: Option<String>,
    pub recruitment_channel: Option<String>,
    pub age: Option<i64>,
    pub previous_year_rating: Option<f64>,
    pub length_of_service: Option<f64>,
    pub awards_won: i64,
    pub avg_training_score: Option<f64>,
    pub performance_score: Option<f64>,
    pub status: Option<String>,
    pub attrition_risk_score: Option<f64>,
    pub extra_data: Value,
    pub last_analyzed: Option<i64>,
    pub is_high_performer: bool,
    pub high_performer_date: Option<i64>,
    pub onboarded: bool,
    pub is_active: bool,
    pub seniority_level: Option<String>,
    pub evaluation_history: Value,
    pub current_progress_score: Option<f64>,
    pub skill_gaps: Vec<String>,
    pub role_fit_score: Option<String>,
    pub created: i64,
    pub modified: i64,
    pub trainings: Vec<Training>,
    pub tasks: Vec<Task>,
    pub mentorships: Vec<Mentorship>,
}

impl Employee {
    /// Moves `modified` forward: to `now`, or one second past the old value if the clock has
    /// not moved on, so an incremental reader always sees the change.
    pub fn bump(&mut self, now: i64) {
        self.modified = now.max(self.modified + 1);
    }
}

/// A role in the succession plan, held by one employee.
#[derive(Debug, Clone)]
pub struct Position {
    pub id: i64,
    pub role: String,
    pub holder: i64,
}

/// One successor record: an employee named as a successor for a position.
#[derive(Debug, Clone)]
pub struct Successor {
    pub id: i64,
    pub employee: i64,
    pub position: i64,
    pub readiness: Readiness,
    pub initial_fit: u32,
    pub updated_fit: u32,
    pub initial_gaps: Vec<String>,
    pub updated_gaps: Vec<String>,
    pub progress: &'static str,
    pub predicted_readiness: Option<Readiness>,
    pub notes: Option<String>,
    /// When the record was last assessed (not served; feeds the BSI's data freshness).
    pub updated: i64,
}

/// Everything one company owns.
#[derive(Debug, Clone, Default)]
pub struct CompanyData {
    /// The number employees carry in their `company` field.
    pub company_ref: i64,
    /// The e-mail domain of generated and added employees.
    pub domain: String,
    pub departments: Vec<Department>,
    pub employees: BTreeMap<i64, Employee>,
    pub positions: BTreeMap<i64, Position>,
    pub successors: BTreeMap<i64, Successor>,
    by_employee_id: HashMap<String, i64>,
    by_email: HashMap<String, i64>,
}

impl CompanyData {
    pub fn new(company_ref: i64, domain: &str, departments: Vec<Department>) -> Self {
        CompanyData {
            company_ref,
            domain: domain.to_string(),
            departments,
            ..CompanyData::default()
        }
    }

    pub fn department_name(&self, id: i64) -> &str {
        self.departments
            .iter()
            .find(|d| d.id == id)
            .map_or("", |d| d.name.as_str())
    }

    /// Case-insensitive department lookup, as the document's filters describe.
    pub fn department_by_name(&self, name: &str) -> Option<&Department> {
        let wanted = name.to_lowercase();
        self.departments
            .iter()
            .find(|d| d.name.to_lowercase() == wanted)
    }

    pub fn insert_employee(&mut self, e: Employee) {
        self.by_employee_id.insert(e.employee_id.clone(), e.id);
        self.by_email.insert(e.email.to_lowercase(), e.id);
        self.employees.insert(e.id, e);
    }

    pub fn has_email(&self, email: &str) -> bool {
        self.by_email.contains_key(&email.to_lowercase())
    }

    pub fn id_by_email(&self, email: &str) -> Option<i64> {
        self.by_email.get(&email.to_lowercase()).copied()
    }

    /// Removes an employee and everything that hangs off them: their successor records, and
    /// the positions they hold together with those positions' successor records.
    pub fn remove_employee(&mut self, id: i64) -> Option<Employee> {
        let e = self.employees.remove(&id)?;
        self.by_employee_id.remove(&e.employee_id);
        self.by_email.remove(&e.email.to_lowercase());
        let held: Vec<i64> = self
            .positions
            .values()
            .filter(|p| p.holder == id)
            .map(|p| p.id)
            .collect();
        for p in &held {
            self.positions.remove(p);
        }
        self.successors
            .retain(|_, s| s.employee != id && !held.contains(&s.position));
        Some(e)
    }

    /// Resolves a detail identifier: an all-digit identifier is tried as the integer id
    /// first, then as an `employee_id`; anything else as an `employee_id`, then as an email
    /// (case-insensitive).
    pub fn find_employee(&self, identifier: &str) -> Option<&Employee> {
        if let Some(id) = as_id(identifier)
            && let Some(e) = self.employees.get(&id)
        {
            return Some(e);
        }
        let id = self
            .by_employee_id
            .get(identifier)
            .or_else(|| self.by_email.get(&identifier.to_lowercase()))?;
        self.employees.get(id)
    }

    /// Resolves a successor identifier: successor id, then employee id, `employee_id`, email;
    /// for an employee with several records "the first active one" is the lowest record id.
    pub fn find_successor(&self, identifier: &str) -> Option<&Successor> {
        let id = as_id(identifier);
        if let Some(s) = id.and_then(|id| self.successors.get(&id)) {
            return Some(s);
        }
        let first_of = |emp: i64| self.successors.values().find(|s| s.employee == emp);
        if let Some(s) = id.and_then(first_of) {
            return Some(s);
        }
        let emp = self
            .by_employee_id
            .get(identifier)
            .or_else(|| self.by_email.get(&identifier.to_lowercase()))?;
        first_of(*emp)
    }
}

/// An identifier made only of ASCII digits, read as an integer id.
fn as_id(identifier: &str) -> Option<i64> {
    if identifier.is_empty() || !identifier.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    identifier.parse().ok()
}
