//! Changes over time, applied to one company's data: update, add and delete employees, change
//! their trainings/tasks/mentorships, move or delete successor records, and random churn.
//! Invariant: an employee's `modified` moves forward exactly when a change says it bumps it.

use super::generate::{self, Ids, take};
use super::model::{CompanyData, Employee, Readiness};
use super::names::{FEEDBACK, SKILLS, STATUSES};
use super::rng::Rng;

/// The record the invite endpoint creates: what the invite says, the rest empty or null.
pub fn invited_employee(
    id: i64,
    email: &str,
    full_name: String,
    department: i64,
    position: &str,
    now: i64,
) -> Employee {
    let today = generate::day(now);
    Employee {
        id,
        employee_id: format!("EMP{id:05}"),
        full_name,
        email: email.to_string(),
        phone: None,
        department,
        position: position.to_string(),
        position_start_date: today,
        hire_date: today,
        education: None,
        certifications: Vec::new(),
        no_of_trainings: 0,
        gender: None,
        recruitment_channel: None,
        age: None,
        previous_year_rating: None,
        length_of_service: Some(0.0),
        awards_won: 0,
        avg_training_score: None,
        performance_score: None,
        status: Some("new joiner".into()),
        attrition_risk_score: None,
        extra_data: serde_json::json!({}),
        last_analyzed: None,
        is_high_performer: false,
        high_performer_date: None,
        onboarded: false,
        is_active: true,
        seniority_level: None,
        evaluation_history: serde_json::json!([]),
        current_progress_score: None,
        skill_gaps: Vec::new(),
        role_fit_score: None,
        created: now,
        modified: now,
        trainings: Vec::new(),
        tasks: Vec::new(),
        mentorships: Vec::new(),
    }
}

/// Re-scores an employee (scores, status, skill gaps, sometimes activity) and bumps `modified`.
pub fn update_employee(rng: &mut Rng, d: &mut CompanyData, id: i64, now: i64) -> bool {
    let Some(e) = d.employees.get_mut(&id) else {
        return false;
    };
    e.performance_score = Some(rng.score(40.0, 99.9));
    e.attrition_risk_score = Some(rng.score(0.0, 100.0));
    e.current_progress_score = Some(rng.score(0.0, 100.0));
    e.status = Some(rng.pick(STATUSES).to_string());
    let n = rng.below(4);
    e.skill_gaps = rng
        .some_of(SKILLS, n)
        .iter()
        .map(|s| s.to_string())
        .collect();
    e.role_fit_score = Some(rng.range(40, 99).to_string());
    e.last_analyzed = Some(now);
    if rng.chance(0.1) {
        e.is_active = !e.is_active;
    }
    e.bump(now);
    true
}

/// Adds one generated employee (created and modified now) and returns its id.
pub fn add_employee(rng: &mut Rng, d: &mut CompanyData, ids: &Ids, now: i64) -> i64 {
    let id = take(&ids.employee);
    let mut e = generate::employee(rng, d, id, ids, now, None);
    e.created = now;
    e.modified = now;
    e.last_analyzed = None;
    d.insert_employee(e);
    id
}

/// Deletes one record of `list` (if it has two or more), updates one, adds one.
fn churn_list<T>(
    rng: &mut Rng,
    list: &mut Vec<T>,
    mut make: impl FnMut(&mut Rng) -> T,
    update: impl FnOnce(&mut Rng, &mut T),
) {
    if list.len() >= 2 {
        let i = rng.below(list.len());
        list.remove(i);
    }
    if !list.is_empty() {
        let i = rng.below(list.len());
        update(rng, &mut list[i]);
    }
    list.push(make(rng));
}

/// Adds, updates and deletes trainings, tasks and mentorships of one employee; bumps the
/// employee's `modified` (and recounts `no_of_trainings`) only if `bump` is set.
pub fn change_children(
    rng: &mut Rng,
    d: &mut CompanyData,
    ids: &Ids,
    id: i64,
    bump: bool,
    now: i64,
) -> bool {
    let Some(e) = d.employees.get_mut(&id) else {
        return false;
    };
    let hire = e.created;
    churn_list(
        rng,
        &mut e.trainings,
        |r| generate::training(r, ids, hire, now),
        |r, t| {
            t.status = "completed".into();
            t.completion_date = Some(generate::day(now));
            t.rating = Some(r.range(1, 5));
            t.feedback = Some(r.pick(FEEDBACK).to_string());
        },
    );
    churn_list(
        rng,
        &mut e.tasks,
        |r| generate::task(r, ids),
        |r, t| {
            t.status = if t.status == "completed" {
                "in_progress"
            } else {
                "completed"
            }
            .into();
            t.rating = Some(r.range(1, 5));
            t.manager_rating = Some(r.range(1, 5));
        },
    );
    churn_list(
        rng,
        &mut e.mentorships,
        |r| generate::mentorship(r, ids),
        |r, m| {
            m.status = if m.status == "active" {
                "completed"
            } else {
                "active"
            }
            .into();
            m.feedback = Some(r.pick(FEEDBACK).to_string());
        },
    );
    if bump {
        e.no_of_trainings = e.trainings.len() as i64;
        e.bump(now);
    }
    true
}

/// Sets a successor record's readiness and marks it freshly assessed (both move the BSI).
pub fn move_readiness(d: &mut CompanyData, successor_id: i64, level: Readiness, now: i64) -> bool {
    match d.successors.get_mut(&successor_id) {
        Some(s) => {
            s.readiness = level;
            s.updated = s.updated.max(now);
            true
        }
        None => false,
    }
}

fn nth_key<V>(rng: &mut Rng, map: &std::collections::BTreeMap<i64, V>) -> Option<i64> {
    map.keys().nth(rng.below(map.len())).copied()
}

/// `changes` random changes of every kind above; returns one description per change made.
pub fn churn(
    rng: &mut Rng,
    d: &mut CompanyData,
    ids: &Ids,
    changes: usize,
    now: i64,
) -> Vec<String> {
    let mut done = Vec::new();
    for _ in 0..changes {
        let roll = rng.below(100);
        let emp = nth_key(rng, &d.employees);
        let succ = nth_key(rng, &d.successors);
        let line = match (roll, emp, succ) {
            (0..30, Some(id), _) => {
                update_employee(rng, d, id, now).then(|| format!("update_employee {id}"))
            }
            (30..40, _, _) => Some(format!("add_employee {}", add_employee(rng, d, ids, now))),
            (40..48, Some(id), _) => d
                .remove_employee(id)
                .map(|_| format!("delete_employee {id}")),
            (48..78, Some(id), _) => {
                let bump = roll < 63;
                change_children(rng, d, ids, id, bump, now)
                    .then(|| format!("change_children {id} bump_modified={bump}"))
            }
            (78..93, _, Some(sid)) => {
                let level = *rng.pick(&Readiness::ALL);
                move_readiness(d, sid, level, now)
                    .then(|| format!("move_readiness {sid} {}", level.as_str()))
            }
            (93.., _, Some(sid)) => d
                .successors
                .remove(&sid)
                .map(|_| format!("delete_successor {sid}")),
            _ => None,
        };
        done.extend(line);
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::generate::{AS_OF, company};

    #[test]
    fn children_change_with_and_without_bumping_modified() {
        let ids = Ids::new();
        let mut d = company(5, 0, 1, "x.example", 30, &ids);
        let id = 10;
        let before = d.employees[&id].clone();
        let mut rng = Rng::new(1);
        assert!(change_children(
            &mut rng,
            &mut d,
            &ids,
            id,
            false,
            AS_OF + 100
        ));
        let after = &d.employees[&id];
        assert_eq!(after.modified, before.modified);
        assert_ne!(
            after.trainings.iter().map(|t| t.id).collect::<Vec<_>>(),
            before.trainings.iter().map(|t| t.id).collect::<Vec<_>>()
        );
        assert!(change_children(
            &mut rng,
            &mut d,
            &ids,
            id,
            true,
            AS_OF + 100
        ));
        assert_eq!(d.employees[&id].modified, AS_OF + 100);
        // A second bump in the same second still moves forward.
        assert!(update_employee(&mut rng, &mut d, id, AS_OF + 100));
        assert_eq!(d.employees[&id].modified, AS_OF + 101);
    }

    #[test]
    fn deleting_an_employee_removes_their_successor_records_and_held_positions() {
        let ids = Ids::new();
        let mut d = company(5, 0, 1, "x.example", 60, &ids);
        let s = d.successors.values().next().cloned().expect("a successor");
        let holder = d.positions[&s.position].holder;
        d.remove_employee(s.employee);
        assert!(d.successors.values().all(|r| r.employee != s.employee));
        d.remove_employee(holder);
        assert!(d.positions.values().all(|p| p.holder != holder));
        assert!(
            d.successors
                .values()
                .all(|r| d.positions.contains_key(&r.position))
        );
        let mut rng = Rng::new(3);
        let lines = churn(&mut rng, &mut d, &ids, 40, AS_OF + 5);
        assert!(!lines.is_empty());
    }
}
