//! What the planner needs to know from the warehouse, and the engine's batch operations:
//! each batch is one transaction that stores records together with the mark that they are
//! fresh, so a sync killed at any point leaves a file that is consistent and resumable.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::{LoadCounts, Warehouse, WarehouseError};
use crate::fetch::models::Rejected;
pub use crate::plan::EmployeeState;
use crate::transform::{self, Cell};

/// An unfinished full sync to continue.
#[derive(Debug, Clone, PartialEq)]
pub struct ResumePoint {
    pub run_id: i64,
    /// Children fetched since then were fetched by the unfinished full sync.
    pub full_since: NaiveDateTime,
}

/// The children of one employee as fetched. `complete`: all three lists were fetched, so the
/// employee is marked fresh. `partial`: some record of them could not be read (it is kept in
/// `rejected_records`); the readable ones are stored, but nothing is marked deleted, since
/// the unreadable one may be a stored record. A record that stays unreadable therefore costs
/// no quota beyond the normal refresh.
#[derive(Debug, Clone, Default)]
pub struct ChildBatchItem {
    pub employee: i64,
    /// The `modified` the plan saw in the list scan.
    pub modified: Option<NaiveDateTime>,
    pub trainings: Vec<Vec<Cell>>,
    pub tasks: Vec<Vec<Cell>>,
    pub mentorships: Vec<Vec<Cell>>,
    pub complete: bool,
    pub partial: bool,
    pub rejected: Vec<Rejected>,
}

/// Rows changed by a batch, per table.
pub type TableCounts = Vec<(&'static str, LoadCounts)>;

impl Warehouse {
    pub fn employee_states(
        &self,
        company_id: i64,
    ) -> Result<HashMap<i64, EmployeeState>, WarehouseError> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT id, modified, children_modified, children_synced_at, deleted_at IS NOT NULL
                 FROM employees WHERE company_id = ?",
            )
            .map_err(self.err("reading employee states"))?;
        let rows = stmt
            .query_map([company_id], |r| {
                Ok(EmployeeState {
                    id: r.get(0)?,
                    modified: r.get(1)?,
                    children_modified: r.get(2)?,
                    children_synced_at: r.get(3)?,
                    deleted: r.get(4)?,
                })
            })
            .map_err(self.err("reading employee states"))?;
        let mut out = HashMap::new();
        for row in rows {
            let s = row.map_err(self.err("reading employee states"))?;
            out.insert(s.id, s);
        }
        Ok(out)
    }

    /// The full sync to continue, if the company's last sync was a full one that did not
    /// finish.
    pub fn resume_point(&self, company_id: i64) -> Result<Option<ResumePoint>, WarehouseError> {
        let last: Option<(i64, String, String, NaiveDateTime, Option<NaiveDateTime>)> = self
            .conn()
            .query_row(
                "SELECT id, mode, status, started_at, full_since FROM sync_runs
                 WHERE company_id = ? ORDER BY id DESC LIMIT 1",
                [company_id],
                |r| {
                    Ok(Some((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                    )))
                },
            )
            .or_else(|e| match e {
                duckdb::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(self.err("reading the last sync"))?;
        Ok(last.and_then(|(run_id, mode, status, started, since)| {
            (mode == "full" && status != "succeeded").then(|| ResumePoint {
                run_id,
                full_since: since.unwrap_or(started),
            })
        }))
    }

    /// The list scan of the company's last sync, if that sync stopped before finishing
    /// (killed, interrupted, out of quota) and scanned no longer ago than `since`: a new sync
    /// continues from it rather than listing again. Read before [`Warehouse::begin_run`].
    pub fn continuation(
        &self,
        company_id: i64,
        since: NaiveDateTime,
    ) -> Result<Option<NaiveDateTime>, WarehouseError> {
        let last: Option<(String, Option<NaiveDateTime>)> = self
            .conn()
            .query_row(
                "SELECT status, employees_listed_at FROM sync_runs
                 WHERE company_id = ? ORDER BY id DESC LIMIT 1",
                [company_id],
                |r| Ok(Some((r.get(0)?, r.get(1)?))),
            )
            .or_else(|e| match e {
                duckdb::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(self.err("reading the last sync"))?;
        Ok(last.and_then(|(status, listed)| {
            matches!(status.as_str(), "running" | "interrupted" | "incomplete")
                .then_some(listed)
                .flatten()
                .filter(|t| *t >= since)
        }))
    }

    /// The employees of the stored list (not deleted): id, `modified`, email, employee_id.
    #[allow(clippy::type_complexity)]
    pub fn listed_employees(
        &self,
        company_id: i64,
    ) -> Result<Vec<(i64, Option<NaiveDateTime>, Option<String>, Option<String>)>, WarehouseError>
    {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT id, modified, email, employee_id FROM employees
                 WHERE company_id = ? AND deleted_at IS NULL ORDER BY id",
            )
            .map_err(self.err("reading the stored employee list"))?;
        stmt.query_map([company_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .map_err(self.err("reading the stored employee list"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(self.err("reading the stored employee list"))
    }

    /// Records when this run's employee list was stored.
    pub fn mark_listed(&self, run_id: i64, listed_at: NaiveDateTime) -> Result<(), WarehouseError> {
        self.conn()
            .execute(
                "UPDATE sync_runs SET employees_listed_at = ? WHERE id = ?",
                duckdb::params![listed_at, run_id],
            )
            .map_err(self.err("recording the list scan"))?;
        Ok(())
    }

    /// Stores one page of the employee list (one transaction).
    pub fn load_employee_page(
        &self,
        company_id: i64,
        run_id: i64,
        rows: &[Vec<Cell>],
        rejected: &[Rejected],
        now: NaiveDateTime,
    ) -> Result<LoadCounts, WarehouseError> {
        self.in_transaction("storing a page of employees", |wh| {
            let counts = wh.merge(&transform::EMPLOYEES, rows, now, run_id)?;
            wh.record_rejected(run_id, company_id, None, rejected, now)?;
            Ok(counts)
        })
    }

    /// After a complete list scan: employees not seen since `scan_started` are deleted.
    pub fn finish_employee_scan(
        &self,
        company_id: i64,
        scan_started: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<u64, WarehouseError> {
        self.in_transaction("marking deleted employees", |wh| {
            let n = wh.mark_missing(&transform::EMPLOYEES, company_id, scan_started, None, now)?;
            // The API no longer returns a deleted employee's trainings, tasks and mentorships
            // either: they are deleted with it. Its freshness marks go, so that if it comes
            // back its children are fetched again.
            let gone = format!(
                "t.employee IN (SELECT id FROM employees WHERE company_id = {company_id} AND deleted_at IS NOT NULL)"
            );
            for entity in [&transform::TRAININGS, &transform::TASKS, &transform::MENTORSHIPS] {
                wh.mark_missing(entity, company_id, now, Some(&gone), now)?;
            }
            wh.conn()
                .execute(
                    "UPDATE employees SET children_modified = NULL, children_synced_at = NULL
                     WHERE company_id = ? AND deleted_at IS NOT NULL AND children_synced_at IS NOT NULL",
                    [company_id],
                )
                .map_err(wh.err("clearing deleted employees' marks"))?;
            Ok(n)
        })
    }

    /// Stores the children of several employees in one transaction, each complete list with
    /// its deletions and its employee's mark that the children are fresh as of `modified`.
    pub fn load_children(
        &self,
        company_id: i64,
        run_id: i64,
        items: &[ChildBatchItem],
        now: NaiveDateTime,
    ) -> Result<TableCounts, WarehouseError> {
        self.in_transaction("storing trainings, tasks and mentorships", |wh| {
            let mut out = Vec::new();
            type Pick = fn(&ChildBatchItem) -> &Vec<Vec<Cell>>;
            let lists: [(&'static transform::Entity, Pick); 3] = [
                (&transform::TRAININGS, |i| &i.trainings),
                (&transform::TASKS, |i| &i.tasks),
                (&transform::MENTORSHIPS, |i| &i.mentorships),
            ];
            for (entity, pick) in lists {
                let rows: Vec<Vec<Cell>> = items.iter().flat_map(pick).cloned().collect();
                let mut counts = wh.merge(entity, &rows, now, run_id)?;
                let fetched: Vec<String> = items
                    .iter()
                    .filter(|i| i.complete && !i.partial)
                    .map(|i| i.employee.to_string())
                    .collect();
                if !fetched.is_empty() {
                    let scope = format!("t.employee IN ({})", fetched.join(","));
                    counts.deleted = wh.mark_missing(entity, company_id, now, Some(&scope), now)?;
                }
                out.push((entity.table, counts));
            }
            for item in items.iter().filter(|i| !i.rejected.is_empty()) {
                wh.record_rejected(run_id, company_id, Some(item.employee), &item.rejected, now)?;
            }
            // One set-based update for the batch: row-by-row UPDATEs scan the table each time.
            let fresh: Vec<Vec<Cell>> = items
                .iter()
                .filter(|i| i.complete)
                .map(|i| vec![Cell::Int(i.employee), i.modified.map_or(Cell::Null, Cell::Timestamp)])
                .collect();
            if !fresh.is_empty() {
                wh.conn()
                    .execute_batch(
                        "CREATE OR REPLACE TEMP TABLE fresh_children (employee BIGINT, modified TIMESTAMP);",
                    )
                    .map_err(wh.err("marking children fresh"))?;
                wh.append_to("temp", "fresh_children", &fresh)?;
                wh.conn()
                    .execute(
                        "UPDATE employees e SET children_modified = f.modified, children_synced_at = ?
                         FROM temp.fresh_children f
                         WHERE e.company_id = ? AND e.id = f.employee",
                        duckdb::params![now, company_id],
                    )
                    .map_err(wh.err("marking children fresh"))?;
            }
            Ok(out)
        })
    }

    /// Stores the succession data of one sync: positions and successors (with deletions when
    /// the list was complete) and one bench-strength row per position.
    #[allow(clippy::too_many_arguments)]
    pub fn load_succession(
        &self,
        company_id: i64,
        run_id: i64,
        positions: &[Vec<Cell>],
        successors: &[Vec<Cell>],
        bench: &[Vec<Cell>],
        rejected: &[Rejected],
        complete: bool,
        now: NaiveDateTime,
    ) -> Result<TableCounts, WarehouseError> {
        self.in_transaction("storing succession data", |wh| {
            let mut p = wh.merge(&transform::POSITIONS, positions, now, run_id)?;
            let mut s = wh.merge(&transform::SUCCESSORS, successors, now, run_id)?;
            if complete {
                p.deleted = wh.mark_missing(&transform::POSITIONS, company_id, now, None, now)?;
                s.deleted = wh.mark_missing(&transform::SUCCESSORS, company_id, now, None, now)?;
            }
            wh.append(
                "bench_strength_history",
                &[Cell::Int(run_id), Cell::Timestamp(now)],
                bench,
            )?;
            wh.record_rejected(run_id, company_id, None, rejected, now)?;
            wh.conn()
                .execute(
                    "UPDATE sync_runs SET succession_synced_at = ? WHERE id = ?",
                    duckdb::params![now, run_id],
                )
                .map_err(wh.err("recording the succession time"))?;
            let b = LoadCounts {
                inserted: bench.len() as u64,
                ..Default::default()
            };
            Ok(vec![
                ("positions", p),
                ("successors", s),
                ("bench_strength_history", b),
            ])
        })
    }
}
