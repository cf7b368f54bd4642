//! Versioned migrations (`sql/migrations/*.sql`, embedded) applied in order when the file is
//! opened, each in its own transaction and recorded in `schema_migrations`; then the views
//! (`sql/views/*.sql`) are created anew, so a view's definition always matches this binary.

use super::{Warehouse, WarehouseError};

/// Every migration, in order. Never edit a released one: add the next.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../sql/migrations/0001_init.sql"),
    ),
    (
        2,
        "succession_synced_at",
        include_str!("../../sql/migrations/0002_succession_synced_at.sql"),
    ),
];

/// Every view, in dependency order.
pub const VIEWS: &[(&str, &str)] = &[
    ("bsi_trend", include_str!("../../sql/views/bsi_trend.sql")),
    ("bsi_latest", include_str!("../../sql/views/bsi_latest.sql")),
    (
        "bsi_by_department",
        include_str!("../../sql/views/bsi_by_department.sql"),
    ),
    (
        "positions_band_dropped",
        include_str!("../../sql/views/positions_band_dropped.sql"),
    ),
    (
        "employees_current",
        include_str!("../../sql/views/employees_current.sql"),
    ),
    (
        "successors_current",
        include_str!("../../sql/views/successors_current.sql"),
    ),
    (
        "positions_current",
        include_str!("../../sql/views/positions_current.sql"),
    ),
    (
        "positions_without_ready_successor",
        include_str!("../../sql/views/positions_without_ready_successor.sql"),
    ),
    (
        "successors_at_risk",
        include_str!("../../sql/views/successors_at_risk.sql"),
    ),
    (
        "successors_spread_thin",
        include_str!("../../sql/views/successors_spread_thin.sql"),
    ),
    (
        "readiness_pipeline",
        include_str!("../../sql/views/readiness_pipeline.sql"),
    ),
    (
        "high_performers_without_succession_role",
        include_str!("../../sql/views/high_performers_without_succession_role.sql"),
    ),
    (
        "employee_changes",
        include_str!("../../sql/views/employee_changes.sql"),
    ),
];

pub(super) fn migrate(wh: &Warehouse) -> Result<(), WarehouseError> {
    let conn = wh.conn();
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version BIGINT NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL);
         COMMENT ON TABLE schema_migrations IS
             'The migrations applied to this file (sql/migrations of hrwise-sync).';",
    )
    .map_err(wh.err("creating schema_migrations"))?;
    let current: i64 = conn
        .query_row(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(wh.err("reading the schema version"))?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(WarehouseError::TooNew {
            path: wh.work.clone(),
            found: current,
            known,
        });
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        wh.in_transaction(&format!("migration {version} ({name})"), |wh| {
            wh.conn()
                .execute_batch(sql)
                .map_err(wh.err(format!("migration {version} ({name})")))?;
            wh.conn()
                .execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    duckdb::params![version, name, chrono::Utc::now().naive_utc()],
                )
                .map_err(wh.err("recording a migration"))?;
            Ok(())
        })?;
        tracing::info!(version, name, "applied migration");
    }
    wh.in_transaction("creating views", |wh| {
        for (name, sql) in VIEWS {
            wh.conn()
                .execute_batch(sql)
                .map_err(wh.err(format!("creating view {name}")))?;
        }
        Ok(())
    })
}
