//! The warehouse: the only code that knows DuckDB. It owns a working file that nobody else
//! opens (`<database>.work`), migrates it, loads rows with history, and after each sync (and
//! before long quota waits) atomically publishes a consistent copy at `<database>` for
//! analysts. So an analyst holding the published file open never blocks a sync, and a sync
//! never shows an analyst half of its work.

mod load;
mod publish;
mod read;
mod runs;
mod schema;
mod state;
mod thread;

pub use load::LoadCounts;
pub use read::{BsiRow, RunSummary, WarehouseStatus, read_bsi_latest, read_status};
pub use runs::{RunRecord, RunStart};
pub use schema::{MIGRATIONS, VIEWS};
pub use state::{ChildBatchItem, EmployeeState, ResumePoint, TableCounts};
pub use thread::WarehouseHandle;

use std::path::{Path, PathBuf};

use duckdb::Connection;

/// The DuckDB storage format of the files we write: readable by DuckDB 1.4 and later (and the
/// Python `duckdb` package of those versions), whatever DuckDB version this binary embeds.
pub const STORAGE_VERSION: &str = "v1.4.0";
/// The attached working database's name inside our connection.
const DB: &str = "wh";

/// A warehouse error: what failed, on which file, and why.
#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    #[error(
        "{path}: the warehouse is locked by another process ({detail}); is another hrwise-sync \
         syncing into it?"
    )]
    Locked { path: PathBuf, detail: String },
    #[error("{path}: {context}: {source}")]
    Db {
        path: PathBuf,
        context: String,
        source: duckdb::Error,
    },
    #[error("{path}: {context}: {source}")]
    Io {
        path: PathBuf,
        context: String,
        source: std::io::Error,
    },
    #[error(
        "{path}: schema version {found} is newer than this hrwise-sync knows ({known}); \
         upgrade hrwise-sync"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("the warehouse thread stopped")]
    Gone,
}

/// The working file that belongs to a published database path.
pub fn work_path(database: &Path) -> PathBuf {
    let mut s = database.as_os_str().to_owned();
    s.push(".work");
    PathBuf::from(s)
}

/// An open working warehouse. Not `Sync`: it lives on one thread ([`WarehouseHandle`]).
pub struct Warehouse {
    conn: Connection,
    database: PathBuf,
    work: PathBuf,
}

impl Warehouse {
    /// Opens (creating or upgrading) the working file of `database`. If only the published
    /// file exists (first run after moving files, or the working file was removed), the
    /// working file starts as a copy of it, so no history is lost.
    pub fn open(database: &Path) -> Result<Warehouse, WarehouseError> {
        let work = work_path(database);
        if !work.exists() && database.exists() {
            std::fs::copy(database, &work).map_err(|source| WarehouseError::Io {
                path: work.clone(),
                context: format!(
                    "copying the published {} to start the working file",
                    database.display()
                ),
                source,
            })?;
        }
        if let Some(dir) = work.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| WarehouseError::Io {
                path: dir.to_path_buf(),
                context: "creating the warehouse directory".into(),
                source,
            })?;
        }
        let conn = Connection::open_in_memory().map_err(|source| WarehouseError::Db {
            path: work.clone(),
            context: "starting DuckDB".into(),
            source,
        })?;
        let wh = Warehouse {
            conn,
            database: database.to_path_buf(),
            work,
        };
        wh.attach()?;
        schema::migrate(&wh)?;
        Ok(wh)
    }

    fn attach(&self) -> Result<(), WarehouseError> {
        // DuckDB gets all cores but one: the loads are small and frequent, and the fetcher's
        // tasks must keep a core to keep requests flowing while a batch is stored.
        let threads =
            std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1));
        // The storage version can only be chosen when the file is created; an existing file
        // keeps its own (DuckDB refuses to lower it).
        let options = if self.work.exists() {
            String::new()
        } else {
            format!(" (STORAGE_VERSION '{STORAGE_VERSION}')")
        };
        let sql = format!(
            "SET threads TO {threads}; ATTACH {} AS {DB}{options}; USE {DB};",
            sql_string(&self.work.to_string_lossy())
        );
        self.conn.execute_batch(&sql).map_err(|source| {
            let text = source.to_string();
            if text.contains("Could not set lock") || text.contains("Conflicting lock") {
                WarehouseError::Locked {
                    path: self.work.clone(),
                    detail: text,
                }
            } else {
                WarehouseError::Db {
                    path: self.work.clone(),
                    context: "opening".into(),
                    source,
                }
            }
        })
    }

    /// The published file analysts open.
    pub fn database(&self) -> &Path {
        &self.database
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Wraps a DuckDB error with the file and what was being done.
    pub(crate) fn err(
        &self,
        context: impl Into<String>,
    ) -> impl FnOnce(duckdb::Error) -> WarehouseError {
        let path = self.work.clone();
        let context = context.into();
        move |source| WarehouseError::Db {
            path,
            context,
            source,
        }
    }

    /// Runs `f` in one transaction: all of it is stored, or none.
    pub(crate) fn in_transaction<T>(
        &self,
        what: &str,
        f: impl FnOnce(&Self) -> Result<T, WarehouseError>,
    ) -> Result<T, WarehouseError> {
        self.conn
            .execute_batch("BEGIN TRANSACTION")
            .map_err(self.err(what))?;
        match f(self) {
            Ok(v) => {
                self.conn
                    .execute_batch("COMMIT")
                    .map_err(self.err(format!("{what}: commit")))?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

/// A SQL string literal.
pub(crate) fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
