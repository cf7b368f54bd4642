//! Loading with history: rows go through the Appender into a TEMP staging table, are
//! de-duplicated by key (DuckDB silently keeps the first of two rows with one key in an
//! upsert), and are merged in the caller's transaction: changed records close their open
//! history version and open a new one; unchanged records only get `synced_at`.

use chrono::NaiveDateTime;
use duckdb::types::{TimeUnit, Value};

use super::{Warehouse, WarehouseError};
use crate::transform::{Cell, Entity};

/// Rows inserted, updated (changed or revived) and deleted in one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadCounts {
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
}

impl std::ops::AddAssign for LoadCounts {
    fn add_assign(&mut self, o: Self) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.deleted += o.deleted;
    }
}

fn to_value(c: &Cell) -> Value {
    match c {
        Cell::Null => Value::Null,
        Cell::Int(i) => Value::BigInt(*i),
        Cell::Float(f) => Value::Double(*f),
        Cell::Bool(b) => Value::Boolean(*b),
        Cell::Text(s) | Cell::Json(s) => Value::Text(s.clone()),
        Cell::Date(d) => Value::Date32((*d - chrono::NaiveDate::default()).num_days() as i32),
        Cell::Timestamp(t) => {
            Value::Timestamp(TimeUnit::Microsecond, t.and_utc().timestamp_micros())
        }
        Cell::List(items) => Value::List(items.iter().map(|s| Value::Text(s.clone())).collect()),
    }
}

fn cols(names: &[&str]) -> String {
    names
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn key_match(entity: &Entity, a: &str, b: &str) -> String {
    entity
        .key
        .iter()
        .map(|k| format!("{a}.\"{k}\" = {b}.\"{k}\""))
        .collect::<Vec<_>>()
        .join(" AND ")
}

impl Warehouse {
    /// Fills `temp.stg_<table>` with `rows` (plus a sequence number) through the Appender.
    fn stage(&self, entity: &Entity, rows: &[Vec<Cell>]) -> Result<(), WarehouseError> {
        let t = entity.table;
        let what = format!("staging {t}");
        self.conn()
            .execute_batch(&format!(
                "CREATE OR REPLACE TEMP TABLE stg_{t} AS SELECT {}, 0::BIGINT AS _seq FROM {t} LIMIT 0;",
                cols(entity.columns)
            ))
            .map_err(self.err(&what))?;
        let mut app = self
            .conn()
            .appender_to_catalog_and_db(&format!("stg_{t}"), "temp", "main")
            .map_err(self.err(&what))?;
        for (seq, row) in rows.iter().enumerate() {
            debug_assert_eq!(row.len(), entity.columns.len(), "row width of {t}");
            let mut values: Vec<Value> = row.iter().map(to_value).collect();
            values.push(Value::BigInt(seq as i64));
            app.append_row(duckdb::appender_params_from_iter(values))
                .map_err(self.err(&what))?;
        }
        // Errors surface at flush, and Drop discards them: flush explicitly.
        app.flush().map_err(self.err(&what))?;
        Ok(())
    }

    /// Merges `rows` into the entity's table and its history, at `now`, in the caller's
    /// transaction. The last of several rows with one key wins.
    pub(crate) fn merge(
        &self,
        entity: &Entity,
        rows: &[Vec<Cell>],
        now: NaiveDateTime,
        run_id: i64,
    ) -> Result<LoadCounts, WarehouseError> {
        if rows.is_empty() {
            return Ok(LoadCounts::default());
        }
        self.stage(entity, rows)?;
        let t = entity.table;
        let what = format!("merging {t}");
        let keys = cols(entity.key);
        let all = cols(entity.columns);
        let conn = self.conn();
        conn.execute_batch(&format!(
            "CREATE OR REPLACE TEMP TABLE new_{t} AS
               SELECT * EXCLUDE (_seq) FROM temp.stg_{t}
               QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _seq DESC) = 1;"
        ))
        .map_err(self.err(&what))?;
        let on = key_match(entity, "t", "n");
        let (inserted, updated): (i64, i64) = conn
            .query_row(
                &format!(
                    "SELECT count(*) FILTER (WHERE t.\"{k0}\" IS NULL),
                            count(*) FILTER (WHERE t.\"{k0}\" IS NOT NULL
                                AND (t.content_hash <> n.content_hash OR t.deleted_at IS NOT NULL))
                     FROM temp.new_{t} n LEFT JOIN {t} t ON {on}",
                    k0 = entity.key[0]
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(self.err(&what))?;
        let h_on = key_match(entity, "h", "n");
        let ts = duckdb::params![now];
        // Close the open version of every record whose content changed...
        conn.execute(
            &format!(
                "UPDATE {t}_history h SET valid_to = ?
                 FROM temp.new_{t} n
                 WHERE {h_on} AND h.valid_to IS NULL AND h.content_hash <> n.content_hash"
            ),
            ts,
        )
        .map_err(self.err(&what))?;
        // ...and open one for every record without an open version (new, changed, revived).
        conn.execute(
            &format!(
                "INSERT INTO {t}_history ({all}, valid_from, valid_to, run_id)
                 SELECT {all}, ?, NULL, ? FROM temp.new_{t} n
                 WHERE NOT EXISTS (SELECT 1 FROM {t}_history h WHERE {h_on} AND h.valid_to IS NULL)"
            ),
            duckdb::params![now, run_id],
        )
        .map_err(self.err(&what))?;
        let set_all = entity
            .columns
            .iter()
            .filter(|c| !entity.key.contains(c))
            .map(|c| format!("\"{c}\" = n.\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let n_all = entity
            .columns
            .iter()
            .map(|c| format!("n.\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        conn.execute(
            &format!(
                "MERGE INTO {t} t USING temp.new_{t} n ON ({on})
                 WHEN MATCHED AND (t.content_hash <> n.content_hash OR t.deleted_at IS NOT NULL)
                     THEN UPDATE SET {set_all}, synced_at = $1, deleted_at = NULL
                 WHEN MATCHED THEN UPDATE SET synced_at = $1
                 WHEN NOT MATCHED THEN INSERT ({all}, first_seen_at, synced_at)
                     VALUES ({n_all}, $1, $1)"
            ),
            ts,
        )
        .map_err(self.err(&what))?;
        Ok(LoadCounts {
            inserted: inserted as u64,
            updated: updated as u64,
            deleted: 0,
        })
    }

    /// Marks deleted, at `now`, the records of `company_id` that the last complete listing did
    /// not return: those not synced since `seen_since`. `scope` narrows it to records whose
    /// parent's complete list was fetched (children): a SQL condition on the table alias `t`.
    pub(crate) fn mark_missing(
        &self,
        entity: &Entity,
        company_id: i64,
        seen_since: NaiveDateTime,
        scope: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<u64, WarehouseError> {
        let t = entity.table;
        let what = format!("marking deleted {t}");
        let scope = scope.map(|s| format!(" AND ({s})")).unwrap_or_default();
        let h_on = key_match(entity, "h", "t");
        let cond =
            format!("t.company_id = $2 AND t.deleted_at IS NULL AND t.synced_at < $3{scope}");
        self.conn()
            .execute(
                &format!(
                    "UPDATE {t}_history h SET valid_to = $1 FROM {t} t
                     WHERE {h_on} AND h.valid_to IS NULL AND {cond}"
                ),
                duckdb::params![now, company_id, seen_since],
            )
            .map_err(self.err(&what))?;
        let n = self
            .conn()
            .execute(
                &format!("UPDATE {t} t SET deleted_at = $1 WHERE {cond}"),
                duckdb::params![now, company_id, seen_since],
            )
            .map_err(self.err(&what))?;
        Ok(n as u64)
    }

    /// Appends rows to a plain table (no key, no history), e.g. `bench_strength_history`,
    /// with `prefix` cells in front of each row.
    pub(crate) fn append(
        &self,
        table: &str,
        prefix: &[Cell],
        rows: &[Vec<Cell>],
    ) -> Result<(), WarehouseError> {
        self.append_rows(super::DB, table, prefix, rows)
    }

    /// Appends rows to a table of `catalog` (`temp` for scratch tables).
    pub(crate) fn append_to(
        &self,
        catalog: &str,
        table: &str,
        rows: &[Vec<Cell>],
    ) -> Result<(), WarehouseError> {
        self.append_rows(catalog, table, &[], rows)
    }

    fn append_rows(
        &self,
        catalog: &str,
        table: &str,
        prefix: &[Cell],
        rows: &[Vec<Cell>],
    ) -> Result<(), WarehouseError> {
        if rows.is_empty() {
            return Ok(());
        }
        let what = format!("appending to {table}");
        let mut app = self
            .conn()
            .appender_to_catalog_and_db(table, catalog, "main")
            .map_err(self.err(&what))?;
        for row in rows {
            let values: Vec<Value> = prefix.iter().chain(row.iter()).map(to_value).collect();
            app.append_row(duckdb::appender_params_from_iter(values))
                .map_err(self.err(&what))?;
        }
        app.flush().map_err(self.err(&what))?;
        Ok(())
    }
}
