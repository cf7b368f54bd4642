//! Reading the published file for `status`: read-only, so it works while a sync runs and
//! while analysts have the file open.

use std::path::Path;

use chrono::NaiveDateTime;
use duckdb::{AccessMode, Config, Connection};

use super::WarehouseError;

/// One row of `sync_runs`.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub id: i64,
    pub company_id: Option<i64>,
    pub mode: String,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub status: String,
    pub requests: i64,
    pub rate_limited: i64,
    pub retries: i64,
    pub rejected: i64,
    pub employees_remaining: Option<i64>,
    pub error: Option<String>,
    pub message: Option<String>,
}

/// What `status` shows of the warehouse.
#[derive(Debug, Clone, Default)]
pub struct WarehouseStatus {
    /// The last runs, newest first.
    pub runs: Vec<RunSummary>,
    /// Per table: rows present (not deleted) and rows marked deleted.
    pub tables: Vec<(String, i64, i64)>,
}

const TABLES: &[&str] = &[
    "employees",
    "trainings",
    "tasks",
    "mentorships",
    "successors",
    "positions",
];

/// Wraps a DuckDB error with the published file and what was being done.
fn err(database: &Path, context: &str) -> impl FnOnce(duckdb::Error) -> WarehouseError + use<> {
    let path = database.to_path_buf();
    let context = context.to_string();
    move |source| WarehouseError::Db {
        path,
        context,
        source,
    }
}

/// Opens the published file read-only, as an analyst would: never blocks a sync.
fn open_read_only(database: &Path) -> Result<Connection, WarehouseError> {
    if !database.exists() {
        return Err(WarehouseError::Io {
            path: database.to_path_buf(),
            context: "no warehouse yet (run a sync first)".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        });
    }
    let config = Config::default()
        .access_mode(AccessMode::ReadOnly)
        .map_err(err(database, "opening"))?;
    Connection::open_with_flags(database, config).map_err(err(database, "opening read-only"))
}

/// Reads the last `limit` runs and the row counts of the published file at `database`.
pub fn read_status(database: &Path, limit: usize) -> Result<WarehouseStatus, WarehouseError> {
    let err = |context: &str| err(database, context);
    let conn = open_read_only(database)?;
    let mut stmt = conn
        .prepare(
            "SELECT id, company_id, mode, started_at, finished_at, status, requests, rate_limited,
                    retries, rejected, employees_remaining, error, message
             FROM sync_runs ORDER BY id DESC LIMIT ?",
        )
        .map_err(err("reading sync_runs"))?;
    let runs = stmt
        .query_map([limit as i64], |r| {
            Ok(RunSummary {
                id: r.get(0)?,
                company_id: r.get(1)?,
                mode: r.get(2)?,
                started_at: r.get(3)?,
                finished_at: r.get(4)?,
                status: r.get(5)?,
                requests: r.get(6)?,
                rate_limited: r.get(7)?,
                retries: r.get(8)?,
                rejected: r.get(9)?,
                employees_remaining: r.get(10)?,
                error: r.get(11)?,
                message: r.get(12)?,
            })
        })
        .map_err(err("reading sync_runs"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err("reading sync_runs"))?;
    let mut tables = Vec::new();
    for t in TABLES {
        let (live, deleted): (i64, i64) = conn
            .query_row(
                &format!(
                    "SELECT count(*) FILTER (WHERE deleted_at IS NULL),
                            count(*) FILTER (WHERE deleted_at IS NOT NULL) FROM {t}"
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(err("counting rows"))?;
        tables.push((t.to_string(), live, deleted));
    }
    let bench: i64 = conn
        .query_row("SELECT count(*) FROM bench_strength_history", [], |r| {
            r.get(0)
        })
        .map_err(err("counting rows"))?;
    tables.push(("bench_strength_history".into(), bench, 0));
    Ok(WarehouseStatus { runs, tables })
}

/// One position of `bsi_latest`, for summaries.
#[derive(Debug, Clone)]
pub struct BsiRow {
    pub role: Option<String>,
    pub current_holder: Option<String>,
    pub department: Option<String>,
    pub bench_strength_index: Option<f64>,
    pub band: Option<String>,
}

/// The latest bench strength of every position, weakest first.
pub fn read_bsi_latest(database: &Path) -> Result<Vec<BsiRow>, WarehouseError> {
    let err = |context: &str| err(database, context);
    let conn = open_read_only(database)?;
    let mut stmt = conn
        .prepare(
            "SELECT role, current_holder, department, bench_strength_index, band
             FROM bsi_latest ORDER BY bench_strength_index NULLS FIRST, role",
        )
        .map_err(err("reading bsi_latest"))?;
    stmt.query_map([], |r| {
        Ok(BsiRow {
            role: r.get(0)?,
            current_holder: r.get(1)?,
            department: r.get(2)?,
            bench_strength_index: r.get(3)?,
            band: r.get(4)?,
        })
    })
    .map_err(err("reading bsi_latest"))?
    .collect::<Result<Vec<_>, _>>()
    .map_err(err("reading bsi_latest"))
}
