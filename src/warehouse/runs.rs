//! `sync_runs`, `companies`, `rejected_records` and `quota_log`: the record of what each sync
//! did, kept in the same file as the data so the two never drift apart.

use chrono::NaiveDateTime;

use super::{Warehouse, WarehouseError};
use crate::fetch::models::Rejected;
use crate::transform::canonical_json;

/// What is known when a sync starts.
#[derive(Debug, Clone)]
pub struct RunStart {
    pub company_id: i64,
    pub company_name: Option<String>,
    pub mode: &'static str,
    pub started_at: NaiveDateTime,
    /// For a full sync: children fetched since then count as done (set when resuming one).
    pub full_since: Option<NaiveDateTime>,
}

/// What is known when a sync ends (or at a checkpoint).
#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    pub status: &'static str,
    pub finished_at: Option<NaiveDateTime>,
    pub requests: u64,
    pub requests_by_endpoint: serde_json::Value,
    pub rate_limited: u64,
    pub retries: u64,
    pub rows_changed: serde_json::Value,
    pub rejected: u64,
    pub employees_planned: u64,
    pub employees_remaining: u64,
    pub error: Option<String>,
    pub message: Option<String>,
}

impl Warehouse {
    /// Records the start of a sync and returns its id. A run of this company still marked
    /// `running` was killed (power loss, SIGKILL): it becomes `interrupted`.
    pub fn begin_run(&self, s: &RunStart) -> Result<i64, WarehouseError> {
        self.in_transaction("recording the start of a sync", |wh| {
            let c = wh.conn();
            c.execute(
                "UPDATE sync_runs SET status = 'interrupted',
                        message = coalesce(message, 'the process stopped without finishing')
                 WHERE company_id = ? AND status = 'running'",
                duckdb::params![s.company_id],
            )
            .map_err(wh.err("closing killed runs"))?;
            c.execute(
                "MERGE INTO companies t USING (SELECT ?::BIGINT AS company_id, ?::VARCHAR AS name) n
                 ON t.company_id = n.company_id
                 WHEN MATCHED THEN UPDATE SET name = coalesce(n.name, t.name), last_synced_at = ?
                 WHEN NOT MATCHED THEN INSERT VALUES (n.company_id, n.name, ?, ?)",
                duckdb::params![s.company_id, s.company_name, s.started_at, s.started_at, s.started_at],
            )
            .map_err(wh.err("recording the company"))?;
            c.query_row(
                "INSERT INTO sync_runs (company_id, mode, started_at, status, full_since)
                 VALUES (?, ?, ?, 'running', ?) RETURNING id",
                duckdb::params![s.company_id, s.mode, s.started_at, s.full_since],
                |r| r.get(0),
            )
            .map_err(wh.err("recording the start of a sync"))
        })
    }

    /// Records a sync that failed before it knew its company (no token could be had).
    pub fn record_unstarted_run(
        &self,
        mode: &str,
        started_at: NaiveDateTime,
    ) -> Result<i64, WarehouseError> {
        self.conn()
            .query_row(
                "INSERT INTO sync_runs (company_id, mode, started_at, status)
                 VALUES (NULL, ?, ?, 'failed') RETURNING id",
                duckdb::params![mode, started_at],
                |r| r.get(0),
            )
            .map_err(self.err("recording a failed sync"))
    }

    /// Updates a run's record (at checkpoints and at the end).
    pub fn update_run(&self, id: i64, r: &RunRecord) -> Result<(), WarehouseError> {
        self.conn()
            .execute(
                "UPDATE sync_runs SET status = ?, finished_at = ?, requests = ?,
                        requests_by_endpoint = ?, rate_limited = ?, retries = ?,
                        rows_changed = ?, rejected = ?, employees_planned = ?,
                        employees_remaining = ?, error = ?, message = ?
                 WHERE id = ?",
                duckdb::params![
                    r.status,
                    r.finished_at,
                    r.requests as i64,
                    canonical_json(&r.requests_by_endpoint),
                    r.rate_limited as i64,
                    r.retries as i64,
                    canonical_json(&r.rows_changed),
                    r.rejected as i64,
                    r.employees_planned as i64,
                    r.employees_remaining as i64,
                    r.error,
                    r.message,
                    id
                ],
            )
            .map_err(self.err("recording a sync's outcome"))?;
        Ok(())
    }

    /// Keeps records that could not be read, with their payload and the reason.
    pub(crate) fn record_rejected(
        &self,
        run_id: i64,
        company_id: i64,
        parent: Option<i64>,
        rejected: &[Rejected],
        now: NaiveDateTime,
    ) -> Result<(), WarehouseError> {
        for r in rejected {
            self.conn()
                .execute(
                    "INSERT INTO rejected_records VALUES (?, ?, ?, ?, ?, ?, ?)",
                    duckdb::params![
                        run_id,
                        company_id,
                        r.entity,
                        parent,
                        r.reason,
                        canonical_json(&r.raw),
                        now
                    ],
                )
                .map_err(self.err("recording a rejected record"))?;
        }
        Ok(())
    }

    /// Replaces the company's quota log with the send times still inside the window.
    pub fn save_quota_log(
        &self,
        company_id: i64,
        sent: &[NaiveDateTime],
    ) -> Result<(), WarehouseError> {
        self.in_transaction("saving the quota log", |wh| {
            wh.conn()
                .execute("DELETE FROM quota_log WHERE company_id = ?", [company_id])
                .map_err(wh.err("saving the quota log"))?;
            let rows: Vec<Vec<crate::transform::Cell>> = sent
                .iter()
                .map(|t| {
                    vec![
                        crate::transform::Cell::Int(company_id),
                        crate::transform::Cell::Timestamp(*t),
                    ]
                })
                .collect();
            wh.append("quota_log", &[], &rows)
        })
    }

    /// Send times recorded since `since`, of every company in the file.
    pub fn load_quota_log_all(
        &self,
        since: NaiveDateTime,
    ) -> Result<Vec<NaiveDateTime>, WarehouseError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT sent_at FROM quota_log WHERE sent_at >= ? ORDER BY sent_at")
            .map_err(self.err("reading the quota log"))?;
        let rows = stmt
            .query_map(duckdb::params![since], |r| r.get::<_, NaiveDateTime>(0))
            .map_err(self.err("reading the quota log"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(self.err("reading the quota log"))
    }
}
