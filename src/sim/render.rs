//! The JSON shapes the document shows, built from the simulator's records. Invariant: every
//! documented field is present (null where unknown), numbers the document shows as strings are
//! strings, and the snapshot is built from these same functions, so it is "what the API serves".

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use super::bsi::{self, SuccessorFactors};
use super::generate::AS_OF;
use super::model::{
    CompanyData, Employee, Mentorship, Position, Readiness, Successor, Task, Training,
};

/// `YYYY-MM-DDTHH:MM:SSZ`, the document's timestamp form.
pub fn timestamp(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// An employee as the list and the detail endpoints show it.
pub fn employee(d: &CompanyData, e: &Employee) -> Value {
    json!({
        "id": e.id,
        "employee_id": e.employee_id,
        "full_name": e.full_name,
        "email": e.email,
        "phone": e.phone,
        "company": d.company_ref,
        "department": {"id": e.department, "name": d.department_name(e.department)},
        "position": e.position,
        "position_start_date": date(e.position_start_date),
        "hire_date": date(e.hire_date),
        "education": e.education,
        "certifications": e.certifications,
        "no_of_trainings": e.no_of_trainings,
        "gender": e.gender,
        "recruitment_channel": e.recruitment_channel,
        "age": e.age,
        "previous_year_rating": e.previous_year_rating,
        "length_of_service": e.length_of_service,
        "awards_won": e.awards_won,
        "avg_training_score": e.avg_training_score,
        "performance_score": e.performance_score,
        "status": e.status,
        "attrition_risk_score": e.attrition_risk_score,
        "extra_data": e.extra_data,
        "last_analyzed": e.last_analyzed.map(timestamp),
        "is_high_performer": e.is_high_performer,
        "high_performer_date": e.high_performer_date.map(timestamp),
        "onboarded": e.onboarded,
        "is_active": e.is_active,
        "seniority_level": e.seniority_level,
        "evaluation_history": e.evaluation_history,
        "current_progress_score": e.current_progress_score,
        "skill_gaps": e.skill_gaps,
        "role_fit_score": e.role_fit_score,
        "created": timestamp(e.created),
        "modified": timestamp(e.modified),
    })
}

pub fn trainings(d: &CompanyData, e: &Employee) -> Value {
    let dept = d.department_name(e.department);
    e.trainings
        .iter()
        .map(|t: &Training| {
            json!({
                "id": t.id,
                "employee_name": e.full_name,
                "skill_name": t.skill_name,
                "course_name": t.course_name,
                "start_date": date(t.start_date),
                "completion_date": t.completion_date.map(date),
                "provider": t.provider,
                "status": t.status,
                "rating": t.rating,
                "feedback": t.feedback,
                "evidence": t.evidence,
                "department": dept,
                "manager_rating": t.manager_rating,
            })
        })
        .collect()
}

pub fn tasks(d: &CompanyData, e: &Employee) -> Value {
    let dept = d.department_name(e.department);
    e.tasks
        .iter()
        .map(|t: &Task| {
            json!({
                "id": t.id,
                "employee_name": e.full_name,
                "department": dept,
                "source": t.source,
                "project_name": t.project_name,
                "scope": t.scope,
                "status": t.status,
                "rating": t.rating,
                "feedback": t.feedback,
                "evidence": t.evidence,
                "manager_rating": t.manager_rating,
                "external_id": t.external_id,
            })
        })
        .collect()
}

pub fn mentorships(d: &CompanyData, e: &Employee) -> Value {
    let dept = d.department_name(e.department);
    e.mentorships
        .iter()
        .map(|m: &Mentorship| {
            json!({
                "id": m.id,
                "employee_name": e.full_name,
                "mentor_name": m.mentor_name,
                "area_of_support": m.area_of_support,
                "status": m.status,
                "feedback": m.feedback,
                "evidence": m.evidence,
                "department": dept,
                "rating": m.rating,
                "manager_rating": m.manager_rating,
            })
        })
        .collect()
}

/// `current_role_holder` of a position.
pub fn holder(d: &CompanyData, h: &Employee) -> Value {
    json!({
        "id": h.id,
        "full_name": h.full_name,
        "email": h.email,
        "department": d.department_name(h.department),
        "position": h.position,
    })
}

/// A successor record as `/successors/` lists it.
pub fn successor(d: &CompanyData, s: &Successor, p: &Position, h: &Employee) -> Value {
    let e = d.employees.get(&s.employee);
    json!({
        "id": s.id,
        "employee_name": e.map(|e| e.full_name.as_str()),
        "current_position": e.map(|e| e.position.as_str()),
        "department": e.map(|e| d.department_name(e.department)),
        "role_to_succeed": p.role,
        "expected_readiness": s.readiness.as_str(),
        "predecessor_name": h.full_name,
        "fit_score_display": s.updated_fit.to_string(),
        "initial_gaps": s.initial_gaps,
        "updated_gaps": s.updated_gaps,
        "progress_status": {
            "status": s.progress,
            "predicted_readiness": s.predicted_readiness.map(Readiness::as_str),
        },
        "initial_fit": s.initial_fit.to_string(),
        "updated_fit": s.updated_fit.to_string(),
        "employee": s.employee,
    })
}

/// A successor record as `/successors/{identifier}/` shows it: the list shape plus `notes`
/// and `current_role_holder`. `None` if its position or holder is gone.
pub fn successor_detail(d: &CompanyData, s: &Successor) -> Option<Value> {
    let p = d.positions.get(&s.position)?;
    let h = d.employees.get(&p.holder)?;
    let mut v = successor(d, s, p, h);
    if let Value::Object(m) = &mut v {
        m.insert("notes".into(), json!(s.notes));
        m.insert("current_role_holder".into(), holder(d, h));
    }
    Some(v)
}

/// One position of the succession plan, with its records (by id) and its BSI.
pub struct Plan<'a> {
    pub position: &'a Position,
    pub holder: &'a Employee,
    pub records: Vec<&'a Successor>,
    pub bsi: f64,
}

/// The positions that have a holder and at least one successor record, by position id,
/// optionally only those whose holder is in `department` (case-insensitive).
pub fn plans<'a>(d: &'a CompanyData, department: Option<&str>) -> Vec<Plan<'a>> {
    let dept_id = department.map(|name| d.department_by_name(name).map(|x| x.id));
    let mut roles: HashMap<i64, usize> = HashMap::new();
    let mut records: HashMap<i64, Vec<&Successor>> = HashMap::new();
    for s in d.successors.values() {
        *roles.entry(s.employee).or_default() += 1;
        records.entry(s.position).or_default().push(s);
    }
    d.positions
        .values()
        .filter_map(|p| {
            let holder = d.employees.get(&p.holder)?;
            if let Some(wanted) = dept_id
                && wanted != Some(holder.department)
            {
                return None;
            }
            let records = records.remove(&p.id)?;
            let factors: Vec<SuccessorFactors> = records
                .iter()
                .map(|s| {
                    let e = d.employees.get(&s.employee);
                    SuccessorFactors {
                        readiness: s.readiness,
                        roles: roles.get(&s.employee).copied().unwrap_or(1),
                        attrition: e.and_then(|e| e.attrition_risk_score),
                        updated: s.updated,
                        internal: e.is_some_and(|e| e.department == holder.department),
                    }
                })
                .collect();
            let bsi = bsi::index(&factors, AS_OF);
            Some(Plan {
                position: p,
                holder,
                records,
                bsi,
            })
        })
        .collect()
}

/// The `/successors/` data array; `readiness` keeps only matching records (and positions that
/// still have one), without changing the positions' BSI.
pub fn successor_groups(
    d: &CompanyData,
    department: Option<&str>,
    readiness: Option<Readiness>,
) -> Vec<Value> {
    plans(d, department)
        .into_iter()
        .filter_map(|plan| {
            let list: Vec<Value> = plan
                .records
                .iter()
                .filter(|s| readiness.is_none_or(|r| s.readiness == r))
                .map(|s| successor(d, s, plan.position, plan.holder))
                .collect();
            if list.is_empty() {
                return None;
            }
            Some(json!({
                "current_role_holder": holder(d, plan.holder),
                "successors": list,
                "bench_strength": plan.bsi,
            }))
        })
        .collect()
}

/// The `/bench-strength/` data array.
pub fn bench_rows(d: &CompanyData, department: Option<&str>) -> Vec<Value> {
    plans(d, department)
        .into_iter()
        .map(|plan| {
            let count = |r: Readiness| plan.records.iter().filter(|s| s.readiness == r).count();
            let internal = plan
                .records
                .iter()
                .filter(|s| {
                    d.employees
                        .get(&s.employee)
                        .is_some_and(|e| e.department == plan.holder.department)
                })
                .count();
            let (int, ext) = bsi::percentages(internal, plan.records.len());
            json!({
                "role": plan.position.role,
                "current_holder": plan.holder.full_name,
                "department": d.department_name(plan.holder.department),
                "total_successors": plan.records.len(),
                "ready_now_count": count(Readiness::ReadyNow),
                "less_6_months_count": count(Readiness::Under6),
                "six_12_months_count": count(Readiness::From6To12),
                "twelve_24_months_count": count(Readiness::From12To24),
                "more_24_months_count": count(Readiness::Over24),
                "internal_percentage": format!("{int}%"),
                "external_percentage": format!("{ext}%"),
                "bench_strength_index": plan.bsi,
            })
        })
        .collect()
}

/// Everything one company serves, in the shapes the API serves it.
pub fn snapshot(d: &CompanyData, company: Value) -> Value {
    let mut children = [Map::new(), Map::new(), Map::new()];
    for e in d.employees.values() {
        let key = e.id.to_string();
        children[0].insert(key.clone(), trainings(d, e));
        children[1].insert(key.clone(), tasks(d, e));
        children[2].insert(key, mentorships(d, e));
    }
    let [trainings, tasks, mentorships] = children;
    json!({
        "company": company,
        "employees": d.employees.values().map(|e| employee(d, e)).collect::<Vec<_>>(),
        "trainings": trainings,
        "tasks": tasks,
        "mentorships": mentorships,
        "successors": successor_groups(d, None, None),
        "bench_strength": bench_rows(d, None),
    })
}
