//! The planner: which employees' trainings, tasks and mentorships to fetch this sync, and in
//! what order. Pure: it sees the list scan and what is stored, never HTTP or DuckDB.
//! New and changed employees come first; then a staleness sweep, sized so that no employee's
//! children go unfetched longer than the configured bound, because a child can change without
//! its employee's `modified` moving.

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDateTime;

/// One stored employee, as the planner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct EmployeeState {
    pub id: i64,
    pub modified: Option<NaiveDateTime>,
    /// The `modified` the employee had when its children were last fetched.
    pub children_modified: Option<NaiveDateTime>,
    pub children_synced_at: Option<NaiveDateTime>,
    pub deleted: bool,
}

/// One employee of the list scan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Listed {
    pub id: i64,
    pub modified: Option<NaiveDateTime>,
}

/// Why an employee's children are fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Never fetched.
    New,
    /// `modified` moved since they were fetched.
    Changed,
    /// `sync --full`, or the rest of an unfinished full sync.
    Full,
    /// The staleness sweep.
    Stale,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Work {
    pub id: i64,
    pub modified: Option<NaiveDateTime>,
    pub reason: Reason,
}

/// How much of the quota the staleness sweep may spend.
#[derive(Debug, Clone, Copy)]
pub struct SweepPolicy {
    /// No employee's children older than this.
    pub max_age: Duration,
    /// Time between two scheduled syncs.
    pub period: Duration,
    /// Requests the sweep may spend in one sync (the configured share of one period's quota).
    pub budget_requests: u64,
    /// Requests one employee's children cost.
    pub requests_per_employee: u64,
}

/// What to fetch, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub work: Vec<Work>,
    /// Employees planned because they are new or changed (or full).
    pub priority: usize,
    /// Employees planned by the sweep.
    pub sweep: usize,
    /// Employees the sweep should have taken to keep the bound.
    pub sweep_wanted: usize,
}

impl Plan {
    /// False when the quota share does not allow the staleness bound to hold.
    pub fn bound_met(&self) -> bool {
        self.sweep >= self.sweep_wanted
    }
}

/// Plans an incremental sync, a full one (`full_since` = None: everything), or the rest of an
/// unfinished full one (`full_since` = its start: what was not fetched since).
pub fn plan(
    listed: &[Listed],
    stored: &HashMap<i64, EmployeeState>,
    full: Option<Option<NaiveDateTime>>,
    now: NaiveDateTime,
    sweep: &SweepPolicy,
) -> Plan {
    let mut priority = Vec::new();
    let mut candidates = Vec::new();
    for l in listed {
        let s = stored.get(&l.id);
        let synced = s.and_then(|s| s.children_synced_at);
        let reason = match (synced, s) {
            (None, _) => Some(Reason::New),
            (Some(_), Some(s)) if s.children_modified != l.modified => Some(Reason::Changed),
            _ => None,
        };
        match (full, reason) {
            (Some(None), r) => priority.push(Work {
                id: l.id,
                modified: l.modified,
                reason: r.unwrap_or(Reason::Full),
            }),
            (Some(Some(since)), r) if synced.is_none_or(|t| t < since) => priority.push(Work {
                id: l.id,
                modified: l.modified,
                reason: r.unwrap_or(Reason::Full),
            }),
            (_, Some(r)) => priority.push(Work {
                id: l.id,
                modified: l.modified,
                reason: r,
            }),
            (_, None) => candidates.push((synced, *l)),
        }
    }
    // New before changed before the rest; within each, lowest id first (stable, resumable).
    priority.sort_by_key(|w| (w.reason != Reason::New, w.reason != Reason::Changed, w.id));

    // The sweep: every sync refreshes its share of all employees, so each is refreshed within
    // `max_age`; and anything already due within the next period goes now.
    candidates.sort_by_key(|(synced, l)| (*synced, l.id));
    let n = listed.len() as f64;
    let syncs_per_bound =
        (sweep.max_age.as_secs_f64() / sweep.period.as_secs_f64().max(1.0)).max(1.0);
    let share = (n / syncs_per_bound).ceil() as usize;
    let due_before = now + chrono::Duration::from_std(sweep.period).unwrap_or_default()
        - chrono::Duration::from_std(sweep.max_age).unwrap_or_default();
    let overdue = candidates
        .iter()
        .filter(|(s, _)| s.is_none_or(|t| t <= due_before))
        .count();
    let wanted = share.max(overdue).min(candidates.len());
    let affordable = (sweep.budget_requests / sweep.requests_per_employee.max(1)) as usize;
    // A full sync (or the rest of one) refreshes everything anyway: no sweep on top.
    let take = if full.is_some() {
        0
    } else {
        wanted.min(affordable)
    };
    let priority_len = priority.len();
    let mut work = priority;
    work.extend(candidates.into_iter().take(take).map(|(_, l)| Work {
        id: l.id,
        modified: l.modified,
        reason: Reason::Stale,
    }));
    Plan {
        work,
        priority: priority_len,
        sweep: take,
        sweep_wanted: wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_700_000_000 + h * 3600, 0)
            .unwrap()
            .naive_utc()
    }

    fn policy(budget: u64) -> SweepPolicy {
        SweepPolicy {
            max_age: Duration::from_secs(7 * 24 * 3600),
            period: Duration::from_secs(3600),
            budget_requests: budget,
            requests_per_employee: 3,
        }
    }

    fn stored(id: i64, modified: i64, synced: i64) -> (i64, EmployeeState) {
        (
            id,
            EmployeeState {
                id,
                modified: Some(t(modified)),
                children_modified: Some(t(modified)),
                children_synced_at: Some(t(synced)),
                deleted: false,
            },
        )
    }

    #[test]
    fn new_and_changed_first_then_the_stalest() {
        let listed: Vec<Listed> = (1..=5)
            .map(|id| Listed {
                id,
                modified: Some(t(0)),
            })
            .collect();
        let mut listed = listed;
        listed[1].modified = Some(t(5)); // employee 2 changed
        let stored: HashMap<_, _> = [
            stored(2, 0, 10),
            stored(3, 0, 1),
            stored(4, 0, 2),
            stored(5, 0, 3),
        ]
        .into();
        let p = plan(&listed, &stored, None, t(20), &policy(3));
        let ids: Vec<_> = p.work.iter().map(|w| (w.id, w.reason)).collect();
        assert_eq!(
            ids,
            vec![(1, Reason::New), (2, Reason::Changed), (3, Reason::Stale)]
        );
        assert_eq!(p.priority, 2);
    }

    #[test]
    fn sweep_share_keeps_the_bound_and_says_when_it_cannot() {
        // 168 hourly syncs per week: 1680 employees need 10 refreshed per sync.
        let listed: Vec<Listed> = (1..=1680)
            .map(|id| Listed {
                id,
                modified: Some(t(0)),
            })
            .collect();
        let stored: HashMap<_, _> = (1..=1680).map(|id| stored(id, 0, 100)).collect();
        let p = plan(&listed, &stored, None, t(101), &policy(1000));
        assert_eq!((p.sweep, p.sweep_wanted), (10, 10));
        assert!(p.bound_met());
        let p = plan(&listed, &stored, None, t(101), &policy(15));
        assert_eq!((p.sweep, p.sweep_wanted), (5, 10));
        assert!(!p.bound_met());
    }

    #[test]
    fn overdue_children_are_all_taken() {
        let listed: Vec<Listed> = (1..=20)
            .map(|id| Listed {
                id,
                modified: Some(t(0)),
            })
            .collect();
        let stored: HashMap<_, _> = (1..=20).map(|id| stored(id, 0, 0)).collect();
        let p = plan(&listed, &stored, None, t(24 * 8), &policy(1000));
        assert_eq!(p.sweep, 20);
    }

    #[test]
    fn full_and_resumed_full() {
        let listed: Vec<Listed> = (1..=4)
            .map(|id| Listed {
                id,
                modified: Some(t(0)),
            })
            .collect();
        let stored: HashMap<_, _> = [stored(1, 0, 10), stored(2, 0, 30), stored(3, 0, 31)].into();
        let full = plan(&listed, &stored, Some(None), t(40), &policy(0));
        assert_eq!(full.work.len(), 4);
        let resumed = plan(&listed, &stored, Some(Some(t(30))), t(40), &policy(0));
        let ids: Vec<_> = resumed.work.iter().map(|w| w.id).collect();
        assert_eq!(
            ids,
            vec![4, 1],
            "2 and 3 were fetched by the unfinished full sync"
        );
    }
}
