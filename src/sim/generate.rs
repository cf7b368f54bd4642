//! Seeded generation of a company's data: departments, employees with every documented field,
//! their trainings/tasks/mentorships, and the succession plan.
//! Invariant: the output depends only on the seed, the company index and the id counters,
//! all timestamps are on or before [`AS_OF`], and no wall-clock time is read here.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDate};
use serde_json::json;

use super::model::{CompanyData, Department, Employee, Mentorship, Task, Training};
use super::names::*;
use super::rng::Rng;

/// The simulated "today" of generated data: 2025-06-30T00:00:00Z.
pub const AS_OF: i64 = 1_751_241_600;
const DAY: i64 = 86_400;

/// Id sequences shared by all companies, like a database's auto-increment columns: ids are
/// unique across the whole server, hence also within each company.
pub struct Ids {
    pub employee: AtomicI64,
    pub department: AtomicI64,
    pub training: AtomicI64,
    pub task: AtomicI64,
    pub mentorship: AtomicI64,
    pub position: AtomicI64,
    pub successor: AtomicI64,
}

impl Ids {
    pub fn new() -> Self {
        let one = || AtomicI64::new(1);
        Ids {
            employee: one(),
            department: one(),
            training: one(),
            task: one(),
            mentorship: one(),
            position: one(),
            successor: one(),
        }
    }
}

impl Default for Ids {
    fn default() -> Self {
        Ids::new()
    }
}

pub fn take(seq: &AtomicI64) -> i64 {
    seq.fetch_add(1, Ordering::Relaxed)
}

/// The calendar day (UTC) of an epoch second.
pub fn day(epoch: i64) -> NaiveDate {
    DateTime::from_timestamp(epoch, 0)
        .map(|d| d.date_naive())
        .unwrap_or_default()
}

fn later(rng: &mut Rng, from: i64, until: i64) -> i64 {
    from + rng.range(0, (until - from).max(0))
}

pub fn maybe<T>(rng: &mut Rng, p: f64, v: impl FnOnce(&mut Rng) -> T) -> Option<T> {
    if rng.chance(p) { Some(v(rng)) } else { None }
}

/// Builds one company: departments, `employees` employees, positions and successors.
pub fn company(
    seed: u64,
    index: usize,
    company_ref: i64,
    domain: &str,
    employees: usize,
    ids: &Ids,
) -> CompanyData {
    let mut rng = Rng::derive(seed, index as u64);
    let departments = DEPARTMENTS
        .iter()
        .map(|(name, _, _)| Department {
            id: take(&ids.department),
            name: (*name).to_string(),
        })
        .collect();
    let mut data = CompanyData::new(company_ref, domain, departments);
    let mut first_ids = Vec::new();
    for i in 0..employees {
        let id = take(&ids.employee);
        let special = match i {
            0 => Some(("José Ñúñez", "jose.nunez+hr")),
            1 => Some(("Zoë Ødegaard", "zoe.odegaard")),
            2 => Some(("李雷", "li.lei")),
            _ => None,
        };
        let mut e = employee(&mut rng, &data, id, ids, AS_OF, special);
        // Identifiers that need percent-encoding, and all-digit ones: one of them equals
        // another employee's integer id, so the "id first" rule is observable.
        let special_id = match i {
            1 => Some(format!("ENG/{id:04}")),
            2 => Some(format!("EMP {id:04}")),
            3 => Some(format!("EMP#{id:04}")),
            4 => Some(format!("100%-{id}")),
            5 => Some(format!("ÉMP-{id}-ü")),
            6 => first_ids.get(2).map(|other: &i64| other.to_string()),
            7 => Some((9_000_000 + id).to_string()),
            _ => None,
        };
        if let Some(s) = special_id {
            e.employee_id = s;
        }
        first_ids.push(id);
        data.insert_employee(e);
    }
    super::succession::generate(&mut rng, &mut data, ids);
    data
}

/// One employee in a random department, as of `as_of`. `name` forces (display, e-mail local
/// part). Used for generation and for employees added later.
pub fn employee(
    rng: &mut Rng,
    data: &CompanyData,
    id: i64,
    ids: &Ids,
    as_of: i64,
    name: Option<(&str, &str)>,
) -> Employee {
    let di = rng.below(data.departments.len());
    let department = data.departments.get(di).map_or(0, |d| d.id);
    let (_, _, everyday) = DEPARTMENTS[di % DEPARTMENTS.len()];
    let (full_name, local) = match name {
        Some((d, l)) => (d.to_string(), l.to_string()),
        None if rng.chance(0.08) => {
            let (d, l) = rng.pick(WHOLE);
            (d.to_string(), l.to_string())
        }
        None => {
            let (fd, fl) = rng.pick(FIRST);
            let (ld, ll) = rng.pick(LAST);
            let tag = if rng.chance(0.08) {
                format!("+{}", rng.pick(&["hr", "work", "2024", "x"]))
            } else {
                String::new()
            };
            (format!("{fd} {ld}"), format!("{fl}.{ll}{tag}"))
        }
    };
    let mut email = format!("{local}@{}", data.domain);
    if data.has_email(&email) {
        email = format!("{}{id}@{}", local.replace('+', "-"), data.domain);
    }
    let hire = as_of - rng.range(60, 9_000) * DAY;
    let service = (as_of - hire) as f64 / (365.25 * DAY as f64);
    let created = hire + 9 * 3_600 + rng.range(0, 600) * 60;
    let modified = later(rng, created, as_of);
    let high = rng.chance(0.15);
    let trainings: Vec<Training> = (0..rng.range(0, 4))
        .map(|_| training(rng, ids, hire, as_of))
        .collect();
    Employee {
        id,
        employee_id: format!("EMP{id:05}"),
        full_name,
        email,
        phone: maybe(rng, 0.85, |r| match r.below(3) {
            0 => format!("+1{:010}", r.range(2_000_000_000, 9_999_999_999)),
            1 => format!("+44 20 7946 {:04}", r.range(0, 9_999)),
            _ => format!("+49 (30) {:06}", r.range(0, 999_999)),
        }),
        department,
        position: rng.pick(everyday).to_string(),
        position_start_date: day(later(rng, hire, as_of)),
        hire_date: day(hire),
        education: maybe(rng, 0.9, |r| r.pick(EDUCATION).to_string()),
        certifications: {
            let n = rng.below(4);
            rng.some_of(CERTIFICATIONS, n)
                .iter()
                .map(|s| s.to_string())
                .collect()
        },
        no_of_trainings: trainings.len() as i64,
        gender: maybe(rng, 0.92, |r| r.pick(GENDERS).to_string()),
        recruitment_channel: maybe(rng, 0.95, |r| r.pick(CHANNELS).to_string()),
        age: maybe(rng, 0.97, |r| {
            (22 + service as i64 + r.range(0, 18)).min(67)
        }),
        previous_year_rating: maybe(rng, 0.9, |r| r.range(2, 10) as f64 / 2.0),
        length_of_service: Some((service * 10.0).round() / 10.0),
        awards_won: rng.range(0, 4),
        avg_training_score: maybe(rng, 0.9, |r| r.score(50.0, 100.0)),
        performance_score: maybe(rng, 0.95, |r| r.score(40.0, 99.9)),
        status: maybe(rng, 0.95, |r| r.pick(STATUSES).to_string()),
        attrition_risk_score: maybe(rng, 0.97, |r| r.score(0.0, 100.0)),
        extra_data: if rng.chance(0.3) {
            json!({"location": rng.pick(CITIES), "remote": rng.chance(0.5)})
        } else {
            json!({})
        },
        last_analyzed: maybe(rng, 0.9, |r| later(r, created, modified)),
        is_high_performer: high,
        high_performer_date: if high {
            Some(later(rng, created, as_of) / DAY * DAY)
        } else {
            None
        },
        onboarded: rng.chance(0.88),
        is_active: rng.chance(0.92),
        seniority_level: maybe(rng, 0.97, |r| r.pick(SENIORITY).to_string()),
        evaluation_history: if rng.chance(0.4) {
            let n = rng.range(1, 3);
            (0..n)
                .map(|k| json!({"year": 2024 - k, "rating": rng.range(2, 10) as f64 / 2.0}))
                .collect()
        } else {
            json!([])
        },
        current_progress_score: maybe(rng, 0.92, |r| r.score(0.0, 100.0)),
        skill_gaps: {
            let n = rng.below(4);
            rng.some_of(SKILLS, n)
                .iter()
                .map(|s| s.to_string())
                .collect()
        },
        role_fit_score: maybe(rng, 0.9, |r| r.range(40, 99).to_string()),
        created,
        modified,
        trainings,
        tasks: (0..rng.range(0, 4)).map(|_| task(rng, ids)).collect(),
        mentorships: (0..rng.range(0, 2)).map(|_| mentorship(rng, ids)).collect(),
    }
}

pub fn training(rng: &mut Rng, ids: &Ids, from: i64, until: i64) -> Training {
    let id = take(&ids.training);
    let start = later(rng, from, until);
    let status = rng.pick(TRAINING_STATUS).to_string();
    let done = status == "completed";
    Training {
        id,
        skill_name: rng.pick(SKILLS).to_string(),
        course_name: rng.pick(COURSES).to_string(),
        start_date: day(start),
        completion_date: if done {
            Some(day(start + rng.range(10, 120) * DAY))
        } else {
            None
        },
        provider: rng.pick(PROVIDERS).to_string(),
        rating: if done { Some(rng.range(1, 5)) } else { None },
        feedback: maybe(rng, 0.6, |r| r.pick(FEEDBACK).to_string()),
        evidence: if done && rng.chance(0.7) {
            Some(format!(
                "https://api.hrwise.ai/media/certificates/cert{id}.pdf"
            ))
        } else {
            None
        },
        manager_rating: maybe(rng, 0.7, |r| r.range(1, 5)),
        status,
    }
}

pub fn task(rng: &mut Rng, ids: &Ids) -> Task {
    let id = take(&ids.task);
    let source = rng.pick(TASK_SOURCES).to_string();
    Task {
        id,
        external_id: match source.as_str() {
            "Jira" => Some(format!("JIRA-{}", 10_000 + id)),
            "Asana" => Some(format!("ASANA-{id}")),
            "Trello" => Some(format!("trello:{id:x}")),
            _ => None,
        },
        source,
        project_name: rng.pick(PROJECTS).to_string(),
        scope: rng.pick(SCOPES).to_string(),
        status: rng.pick(TASK_STATUS).to_string(),
        rating: maybe(rng, 0.6, |r| r.range(1, 5)),
        feedback: maybe(rng, 0.5, |r| r.pick(FEEDBACK).to_string()),
        evidence: maybe(rng, 0.4, |_| {
            format!("https://api.hrwise.ai/media/reports/report{id}.pdf")
        }),
        manager_rating: maybe(rng, 0.6, |r| r.range(1, 5)),
    }
}

pub fn mentorship(rng: &mut Rng, ids: &Ids) -> Mentorship {
    let id = take(&ids.mentorship);
    let (fd, _) = rng.pick(FIRST);
    let (ld, _) = rng.pick(LAST);
    Mentorship {
        id,
        mentor_name: format!("{fd} {ld}"),
        area_of_support: rng.pick(SUPPORT_AREAS).to_string(),
        status: rng.pick(MENTORSHIP_STATUS).to_string(),
        feedback: maybe(rng, 0.6, |r| r.pick(FEEDBACK).to_string()),
        evidence: maybe(rng, 0.3, |_| {
            format!("https://api.hrwise.ai/media/mentorship/notes{id}.pdf")
        }),
        rating: maybe(rng, 0.6, |r| r.range(1, 5)),
        manager_rating: maybe(rng, 0.5, |r| r.range(1, 5)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_and_specials_present() {
        let a = company(42, 0, 1, "a.example", 120, &Ids::new());
        let b = company(42, 0, 1, "a.example", 120, &Ids::new());
        let names = |d: &CompanyData| {
            d.employees
                .values()
                .map(|e| (e.full_name.clone(), e.email.clone(), e.modified))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        let c = company(43, 0, 1, "a.example", 120, &Ids::new());
        assert_ne!(names(&a), names(&c));
        assert_eq!(a.employees.len(), 120);
        assert!(a.find_employee("jose.nunez+hr@a.example").is_some());
        assert_eq!(a.find_employee("3").map(|e| e.id), Some(3));
        assert_eq!(
            a.employees.get(&7).map(|e| e.employee_id.as_str()),
            Some("3")
        );
        assert!(
            a.employees
                .values()
                .all(|e| e.modified <= AS_OF && e.created <= e.modified)
        );
        let levels: std::collections::HashSet<_> =
            a.successors.values().map(|s| s.readiness).collect();
        assert_eq!(levels.len(), 5);
        assert!(a.positions.len() >= 3);
        for p in a.positions.values() {
            let n = a.successors.values().filter(|s| s.position == p.id).count();
            assert!((1..=4).contains(&n), "position {} has {n} successors", p.id);
        }
    }

    #[test]
    fn tiny_companies_do_not_panic() {
        for n in 0..6 {
            let d = company(1, 0, 1, "t.example", n, &Ids::new());
            assert_eq!(d.employees.len(), n);
        }
    }
}
