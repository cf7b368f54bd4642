//! The row shape of each entity table and the conversion of each API record into it.

use std::collections::HashMap;

use serde_json::Value;

use super::{Cell, Entity, canonical_json, content_hash, parse_date, parse_timestamp};
use crate::fetch::models::{
    BenchStrength, Employee, Mentorship, Position, RoleHolder, Successor, Task, Training,
};

/// The key of a position whose holder is unknown.
pub const NO_HOLDER: i64 = -1;

pub static EMPLOYEES: Entity = Entity {
    table: "employees",
    key: &["company_id", "id"],
    parent: None,
    columns: &[
        "company_id",
        "id",
        "employee_id",
        "full_name",
        "email",
        "phone",
        "company",
        "department_id",
        "department_name",
        "position",
        "position_start_date",
        "hire_date",
        "education",
        "certifications",
        "no_of_trainings",
        "gender",
        "recruitment_channel",
        "age",
        "previous_year_rating",
        "length_of_service",
        "awards_won",
        "avg_training_score",
        "performance_score",
        "status",
        "attrition_risk_score",
        "extra_data",
        "last_analyzed",
        "is_high_performer",
        "high_performer_date",
        "onboarded",
        "is_active",
        "seniority_level",
        "evaluation_history",
        "current_progress_score",
        "skill_gaps",
        "role_fit_score",
        "created",
        "modified",
        "raw",
        "content_hash",
    ],
};

pub static TRAININGS: Entity = Entity {
    table: "trainings",
    key: &["company_id", "employee", "id"],
    parent: Some("employee"),
    columns: &[
        "company_id",
        "employee",
        "id",
        "employee_name",
        "skill_name",
        "course_name",
        "start_date",
        "completion_date",
        "provider",
        "status",
        "rating",
        "feedback",
        "evidence",
        "department",
        "manager_rating",
        "raw",
        "content_hash",
    ],
};

pub static TASKS: Entity = Entity {
    table: "tasks",
    key: &["company_id", "employee", "id"],
    parent: Some("employee"),
    columns: &[
        "company_id",
        "employee",
        "id",
        "employee_name",
        "department",
        "source",
        "project_name",
        "scope",
        "status",
        "rating",
        "feedback",
        "evidence",
        "manager_rating",
        "external_id",
        "raw",
        "content_hash",
    ],
};

pub static MENTORSHIPS: Entity = Entity {
    table: "mentorships",
    key: &["company_id", "employee", "id"],
    parent: Some("employee"),
    columns: &[
        "company_id",
        "employee",
        "id",
        "employee_name",
        "mentor_name",
        "area_of_support",
        "status",
        "feedback",
        "evidence",
        "department",
        "rating",
        "manager_rating",
        "raw",
        "content_hash",
    ],
};

pub static SUCCESSORS: Entity = Entity {
    table: "successors",
    key: &["company_id", "id", "position_holder_key"],
    parent: None,
    columns: &[
        "company_id",
        "id",
        "position_holder_key",
        "employee",
        "employee_name",
        "current_position",
        "department",
        "role_to_succeed",
        "expected_readiness",
        "predecessor_name",
        "fit_score_display",
        "initial_gaps",
        "updated_gaps",
        "progress_status",
        "predicted_readiness",
        "initial_fit",
        "updated_fit",
        "notes",
        "current_role_holder_id",
        "current_role_holder_name",
        "current_role_holder_email",
        "current_role_holder_department",
        "current_role_holder_position",
        "raw",
        "content_hash",
    ],
};

pub static POSITIONS: Entity = Entity {
    table: "positions",
    key: &["company_id", "holder_key", "role"],
    parent: None,
    columns: &[
        "company_id",
        "holder_key",
        "role",
        "holder_name",
        "holder_email",
        "department",
        "bench_strength",
        "successor_count",
        "raw",
        "content_hash",
    ],
};

/// The columns of `bench_strength_history` a transform fills; the warehouse adds `run_id`
/// and `synced_at` in front (the table's first two columns).
pub static BENCH_STRENGTH: Entity = Entity {
    table: "bench_strength_history",
    key: &["company_id", "holder_key", "role"],
    parent: None,
    columns: &[
        "company_id",
        "holder_key",
        "role",
        "current_holder",
        "department",
        "total_successors",
        "ready_now_count",
        "less_6_months_count",
        "six_12_months_count",
        "twelve_24_months_count",
        "more_24_months_count",
        "internal_percentage",
        "external_percentage",
        "bench_strength_index",
        "raw",
    ],
};

fn text(v: &Option<String>) -> Cell {
    v.into()
}
fn ts(v: &Option<String>) -> Cell {
    v.as_deref()
        .and_then(parse_timestamp)
        .map_or(Cell::Null, Cell::Timestamp)
}
fn date(v: &Option<String>) -> Cell {
    v.as_deref()
        .and_then(parse_date)
        .map_or(Cell::Null, Cell::Date)
}
fn raw_cells(raw: &Value) -> [Cell; 2] {
    [
        Cell::Json(canonical_json(raw)),
        Cell::Text(content_hash(raw)),
    ]
}

pub fn employee_row(company_id: i64, e: &Employee) -> Vec<Cell> {
    let dept = e.department.clone().unwrap_or_default();
    let mut row = vec![
        Cell::Int(company_id),
        Cell::Int(e.id),
        text(&e.employee_id),
        text(&e.full_name),
        text(&e.email),
        text(&e.phone),
        e.company.into(),
        dept.id.into(),
        text(&dept.name),
        text(&e.position),
        date(&e.position_start_date),
        date(&e.hire_date),
        text(&e.education),
        (&e.certifications).into(),
        e.no_of_trainings.into(),
        text(&e.gender),
        text(&e.recruitment_channel),
        e.age.into(),
        e.previous_year_rating.into(),
        e.length_of_service.into(),
        e.awards_won.into(),
        e.avg_training_score.into(),
        e.performance_score.into(),
        text(&e.status),
        e.attrition_risk_score.into(),
        (&e.extra_data).into(),
        ts(&e.last_analyzed),
        e.is_high_performer.into(),
        ts(&e.high_performer_date),
        e.onboarded.into(),
        e.is_active.into(),
        text(&e.seniority_level),
        (&e.evaluation_history).into(),
        e.current_progress_score.into(),
        (&e.skill_gaps).into(),
        e.role_fit_score.into(),
        ts(&e.created),
        ts(&e.modified),
    ];
    row.extend(raw_cells(&e.raw));
    row
}

pub fn training_row(company_id: i64, employee: i64, t: &Training) -> Vec<Cell> {
    let mut row = vec![
        Cell::Int(company_id),
        Cell::Int(employee),
        Cell::Int(t.id),
        text(&t.employee_name),
        text(&t.skill_name),
        text(&t.course_name),
        date(&t.start_date),
        date(&t.completion_date),
        text(&t.provider),
        text(&t.status),
        t.rating.into(),
        text(&t.feedback),
        text(&t.evidence),
        text(&t.department),
        t.manager_rating.into(),
    ];
    row.extend(raw_cells(&t.raw));
    row
}

pub fn task_row(company_id: i64, employee: i64, t: &Task) -> Vec<Cell> {
    let mut row = vec![
        Cell::Int(company_id),
        Cell::Int(employee),
        Cell::Int(t.id),
        text(&t.employee_name),
        text(&t.department),
        text(&t.source),
        text(&t.project_name),
        text(&t.scope),
        text(&t.status),
        t.rating.into(),
        text(&t.feedback),
        text(&t.evidence),
        t.manager_rating.into(),
        text(&t.external_id),
    ];
    row.extend(raw_cells(&t.raw));
    row
}

pub fn mentorship_row(company_id: i64, employee: i64, m: &Mentorship) -> Vec<Cell> {
    let mut row = vec![
        Cell::Int(company_id),
        Cell::Int(employee),
        Cell::Int(m.id),
        text(&m.employee_name),
        text(&m.mentor_name),
        text(&m.area_of_support),
        text(&m.status),
        text(&m.feedback),
        text(&m.evidence),
        text(&m.department),
        m.rating.into(),
        m.manager_rating.into(),
    ];
    row.extend(raw_cells(&m.raw));
    row
}

/// The key of a position: its holder's employee id and role. The role is the holder's
/// position, or else the role its successors succeed to.
pub fn position_key(p: &Position) -> (i64, String) {
    let holder = p.current_role_holder.as_ref();
    let id = holder.and_then(|h| h.id).unwrap_or(NO_HOLDER);
    let role = holder
        .and_then(|h| h.position.clone())
        .or_else(|| {
            p.successors
                .records
                .iter()
                .find_map(|s| s.role_to_succeed.clone())
        })
        .unwrap_or_default();
    (id, role)
}

pub fn successor_row(company_id: i64, holder: Option<&RoleHolder>, s: &Successor) -> Vec<Cell> {
    let holder = holder.or(s.current_role_holder.as_ref());
    let holder_id = holder.and_then(|h| h.id);
    let progress = s.progress_status.as_ref();
    let mut row = vec![
        Cell::Int(company_id),
        Cell::Int(s.id),
        Cell::Int(holder_id.unwrap_or(NO_HOLDER)),
        s.employee.into(),
        text(&s.employee_name),
        text(&s.current_position),
        text(&s.department),
        text(&s.role_to_succeed),
        text(&s.expected_readiness),
        text(&s.predecessor_name),
        s.fit_score_display.into(),
        (&s.initial_gaps).into(),
        (&s.updated_gaps).into(),
        text(&progress.and_then(|p| p.status.clone())),
        text(&progress.and_then(|p| p.predicted_readiness.clone())),
        s.initial_fit.into(),
        s.updated_fit.into(),
        text(&s.notes),
        holder_id.into(),
        text(&holder.and_then(|h| h.full_name.clone())),
        text(&holder.and_then(|h| h.email.clone())),
        text(&holder.and_then(|h| h.department.clone())),
        text(&holder.and_then(|h| h.position.clone())),
    ];
    row.extend(raw_cells(&s.raw));
    row
}

pub fn position_row(company_id: i64, p: &Position) -> Vec<Cell> {
    let (holder_key, role) = position_key(p);
    let holder = p.current_role_holder.as_ref();
    // The position's own row leaves its successors out of `raw`: they are rows of their own,
    // and a readiness move must not make a new version of the position.
    let mut raw = p.raw.clone();
    if let Value::Object(m) = &mut raw {
        m.remove("successors");
    }
    let count = (p.successors.records.len() + p.successors.rejected.len()) as i64;
    let mut row = vec![
        Cell::Int(company_id),
        Cell::Int(holder_key),
        Cell::Text(role),
        text(&holder.and_then(|h| h.full_name.clone())),
        text(&holder.and_then(|h| h.email.clone())),
        text(&holder.and_then(|h| h.department.clone())),
        p.bench_strength.into(),
        Cell::Int(count),
    ];
    row.extend(raw_cells(&raw));
    row
}

/// Matches `/bench-strength/` rows (which name the holder only by display name) to the
/// positions of `/successors/` (which carry the holder's id), so history is keyed by id.
/// Tries role + holder name + department, then role + holder name; several candidates are
/// told apart by the BSI; no match keeps the row with holder key [`NO_HOLDER`].
pub fn bench_strength_rows(
    company_id: i64,
    rows: &[BenchStrength],
    positions: &[Position],
) -> Vec<Vec<Cell>> {
    let norm = |s: &Option<String>| s.as_deref().unwrap_or("").trim().to_lowercase();
    let mut by_name: HashMap<(String, String), Vec<&Position>> = HashMap::new();
    for p in positions {
        let Some(h) = &p.current_role_holder else {
            continue;
        };
        let (_, role) = position_key(p);
        by_name
            .entry((role.trim().to_lowercase(), norm(&h.full_name)))
            .or_default()
            .push(p);
    }
    rows.iter()
        .map(|b| {
            let candidates = by_name
                .get(&(norm(&b.role), norm(&b.current_holder)))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let same_dept: Vec<&Position> = candidates
                .iter()
                .copied()
                .filter(|p| {
                    norm(
                        &p.current_role_holder
                            .as_ref()
                            .and_then(|h| h.department.clone()),
                    ) == norm(&b.department)
                })
                .collect();
            let pool = if same_dept.is_empty() {
                candidates.to_vec()
            } else {
                same_dept
            };
            let chosen = match pool.as_slice() {
                [] => None,
                [one] => Some(*one),
                many => many
                    .iter()
                    .copied()
                    .find(|p| {
                        p.bench_strength.is_some() && p.bench_strength == b.bench_strength_index
                    })
                    .or(Some(many[0])),
            };
            let holder_key = chosen.map_or(NO_HOLDER, |p| position_key(p).0);
            vec![
                Cell::Int(company_id),
                Cell::Int(holder_key),
                text(&b.role),
                text(&b.current_holder),
                text(&b.department),
                b.total_successors.into(),
                b.ready_now_count.into(),
                b.less_6_months_count.into(),
                b.six_12_months_count.into(),
                b.twelve_24_months_count.into(),
                b.more_24_months_count.into(),
                b.internal_percentage.into(),
                b.external_percentage.into(),
                b.bench_strength_index.into(),
                Cell::Json(canonical_json(&b.raw)),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::models::Record;
    use serde_json::json;

    #[test]
    fn every_row_matches_its_entity_width() {
        let e = Employee::from_value(json!({"id": 1})).unwrap();
        assert_eq!(employee_row(7, &e).len(), EMPLOYEES.columns.len());
        let t = Training::from_value(json!({"id": 1})).unwrap();
        assert_eq!(training_row(7, 1, &t).len(), TRAININGS.columns.len());
        let t = Task::from_value(json!({"id": 1})).unwrap();
        assert_eq!(task_row(7, 1, &t).len(), TASKS.columns.len());
        let m = Mentorship::from_value(json!({"id": 1})).unwrap();
        assert_eq!(mentorship_row(7, 1, &m).len(), MENTORSHIPS.columns.len());
        let s = Successor::from_value(json!({"id": 1})).unwrap();
        assert_eq!(successor_row(7, None, &s).len(), SUCCESSORS.columns.len());
        let p = Position::from_value(json!({"successors": []})).unwrap();
        assert_eq!(position_row(7, &p).len(), POSITIONS.columns.len());
        let b = BenchStrength::from_value(json!({"role": "x"})).unwrap();
        assert_eq!(
            bench_strength_rows(7, &[b], &[])[0].len(),
            BENCH_STRENGTH.columns.len()
        );
    }

    #[test]
    fn employee_department_is_split_and_strings_become_numbers() {
        let e = Employee::from_value(json!({
            "id": 5, "department": {"id": 3, "name": "R&D"}, "role_fit_score": "90",
            "modified": "2024-01-15T10:30:00Z", "hire_date": "2018-03-01"
        }))
        .unwrap();
        let row = employee_row(1, &e);
        let col = |name: &str| &row[EMPLOYEES.columns.iter().position(|c| *c == name).unwrap()];
        assert_eq!(col("department_id"), &Cell::Int(3));
        assert_eq!(col("department_name"), &Cell::Text("R&D".into()));
        assert_eq!(col("role_fit_score"), &Cell::Float(90.0));
        assert!(matches!(col("modified"), Cell::Timestamp(_)));
        assert!(matches!(col("hire_date"), Cell::Date(_)));
    }

    #[test]
    fn bench_rows_find_their_holder_by_name_role_and_bsi() {
        let pos = |id: i64, bsi: f64| {
            Position::from_value(json!({
                "current_role_holder": {"id": id, "full_name": "Ann Lee", "position": "CTO", "department": "Eng"},
                "successors": [], "bench_strength": bsi
            }))
            .unwrap()
        };
        let positions = vec![pos(10, 50.0), pos(11, 70.0)];
        let b = BenchStrength::from_value(json!({
            "role": "CTO", "current_holder": "Ann Lee", "department": "Eng",
            "bench_strength_index": 70.0, "internal_percentage": "67%"
        }))
        .unwrap();
        let rows = bench_strength_rows(1, &[b], &positions);
        assert_eq!(rows[0][1], Cell::Int(11));
        assert_eq!(rows[0][11], Cell::Float(67.0));
        let unknown =
            BenchStrength::from_value(json!({"role": "CFO", "current_holder": "X"})).unwrap();
        assert_eq!(
            bench_strength_rows(1, &[unknown], &positions)[0][1],
            Cell::Int(NO_HOLDER)
        );
    }
}
