//! Seeded generation of the succession plan: positions held by employees, each with 1 to 4
//! successor records. Invariant: every position starts with at least one successor who is not
//! its holder, and the five readiness levels are dealt round-robin so all of them occur.

use std::collections::HashMap;

use super::generate::{AS_OF, Ids, maybe, take};
use super::model::{CompanyData, Position, Readiness, Successor};
use super::names::{DEPARTMENTS, NOTES, PROGRESS, SKILLS};
use super::rng::Rng;

const DAY: i64 = 86_400;

/// Positions (one per ~15 employees, at least 3) each held by an employee and given 1 to 4
/// successors: mostly from the holder's department, some from others, some shared between
/// positions; readiness levels are dealt round-robin so all five occur.
pub fn generate(rng: &mut Rng, data: &mut CompanyData, ids: &Ids) {
    let all: Vec<i64> = data.employees.keys().copied().collect();
    let n = all.len();
    let positions = if n < 2 { 0 } else { (n / 15).max(3).min(n / 2) };
    let mut by_dept: HashMap<i64, Vec<i64>> = HashMap::new();
    for e in data.employees.values() {
        by_dept.entry(e.department).or_default().push(e.id);
    }
    let mut roles_in_dept: HashMap<i64, usize> = HashMap::new();
    let mut named: Vec<i64> = Vec::new();
    let mut level = rng.below(Readiness::ALL.len());
    for _ in 0..positions {
        let Some(holder) = (0..50)
            .map(|_| *rng.pick(&all))
            .find(|h| !data.positions.values().any(|p| p.holder == *h))
        else {
            continue;
        };
        let Some(h) = data.employees.get_mut(&holder) else {
            continue;
        };
        let di = data
            .departments
            .iter()
            .position(|d| d.id == h.department)
            .unwrap_or(0);
        let (_, key_roles, _) = DEPARTMENTS[di % DEPARTMENTS.len()];
        let k = roles_in_dept.entry(h.department).or_default();
        let base = key_roles[*k % key_roles.len()];
        let role = if *k < key_roles.len() {
            base.to_string()
        } else {
            format!("{base} (Team {})", *k / key_roles.len() + 1)
        };
        *k += 1;
        h.position = role.clone();
        h.is_active = true;
        let dept = h.department;
        let pid = take(&ids.position);
        data.positions.insert(
            pid,
            Position {
                id: pid,
                role,
                holder,
            },
        );
        let mut chosen: Vec<i64> = Vec::new();
        for _ in 0..rng.range(1, 4) {
            let pick = (0..10)
                .map(|_| {
                    if !named.is_empty() && rng.chance(0.2) {
                        *rng.pick(&named)
                    } else if rng.chance(0.7) {
                        by_dept.get(&dept).map_or(holder, |m| *rng.pick(m))
                    } else {
                        *rng.pick(&all)
                    }
                })
                .find(|c| *c != holder && !chosen.contains(c));
            chosen.extend(pick);
        }
        // Every position starts with at least one successor, even when the draws above missed.
        if chosen.is_empty() {
            chosen.extend(all.iter().copied().find(|c| *c != holder));
        }
        for emp in chosen {
            if !named.contains(&emp) {
                named.push(emp);
            }
            let readiness = Readiness::ALL[level % Readiness::ALL.len()];
            level += 1;
            let initial_fit = rng.range(50, 85) as u32;
            let initial_gaps = {
                let n = rng.range(1, 3) as usize;
                rng.some_of(SKILLS, n)
            };
            let kept = rng.below(initial_gaps.len() + 1);
            let sid = take(&ids.successor);
            data.successors.insert(
                sid,
                Successor {
                    id: sid,
                    employee: emp,
                    position: pid,
                    readiness,
                    initial_fit,
                    updated_fit: (initial_fit + rng.range(0, 15) as u32).min(100),
                    updated_gaps: rng
                        .some_of(&initial_gaps, kept)
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                    initial_gaps: initial_gaps.iter().map(|s| s.to_string()).collect(),
                    progress: PROGRESS[rng.below(PROGRESS.len())],
                    predicted_readiness: maybe(rng, 0.5, |r| *r.pick(&Readiness::ALL)),
                    notes: maybe(rng, 0.85, |r| r.pick(NOTES).to_string()),
                    updated: AS_OF - rng.range(0, 500) * DAY - rng.range(0, DAY - 1),
                },
            );
        }
    }
}
