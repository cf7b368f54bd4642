//! The status file: the daemon's live state as JSON next to the database, so `hrwise-sync
//! status` can answer while `run` runs without touching the daemon's DuckDB file. Invariant:
//! the file is replaced atomically (write a temporary file, then rename), so a reader sees the
//! old or the new state, never half of one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::live::{CurrentRun, FinishedRun, Live, LiveState, Phase, QuotaView};

/// Rewritten at least this often, so `status` can tell a live daemon from a dead one.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// A daemon whose file is older than this (and not `stopped`) is presumed gone.
pub const PRESUMED_GONE_AFTER: Duration = Duration::from_secs(60);
/// At most one write per this interval while a sync reports progress.
const MIN_WRITE_INTERVAL: Duration = Duration::from_millis(500);

/// The file's content (version 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusFile {
    pub version: u32,
    pub pid: u32,
    pub daemon_started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub phase: Phase,
    /// The address the listener is bound to, if any.
    pub listen: Option<String>,
    pub current: Option<CurrentRun>,
    pub next_due: Option<NextDue>,
    pub quota: Option<QuotaView>,
    pub last_finished: Option<FinishedRun>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_full_success_at: Option<DateTime<Utc>>,
    pub ready: bool,
    pub ready_reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextDue {
    pub at: DateTime<Utc>,
    pub mode: String,
}

impl StatusFile {
    pub fn from_live(live: &Live, now: DateTime<Utc>) -> StatusFile {
        let readiness = live.readiness(now);
        let s: LiveState = live.snapshot();
        StatusFile {
            version: 1,
            pid: s.pid,
            daemon_started_at: s.started_at,
            updated_at: now,
            phase: s.phase(now),
            listen: s.listen.map(|a| a.to_string()),
            current: s.current.clone(),
            next_due: s.next_due.map(|d| NextDue {
                at: d.at,
                mode: d.mode.as_str().into(),
            }),
            quota: s.quota.clone(),
            last_finished: s.last_finished.clone(),
            last_success_at: s.last_success_at,
            last_full_success_at: s.last_full_success_at,
            ready: readiness.ready,
            ready_reason: readiness.reason,
        }
    }

    /// Whether the daemon that wrote this is (probably) still running: not stopped, its
    /// process exists (where `/proc` tells), and it wrote recently.
    pub fn daemon_alive(&self, now: DateTime<Utc>) -> bool {
        let fresh = (now - self.updated_at)
            .to_std()
            .is_ok_and(|age| age <= PRESUMED_GONE_AFTER)
            || self.updated_at > now;
        self.phase != Phase::Stopped && fresh && process_exists(self.pid)
    }
}

/// Whether `pid` names a running hrwise-sync (Linux `/proc`; elsewhere assumed yes).
pub fn process_exists(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    // argv[0]'s file name: the path alone could contain "hrwise-sync" (a cache directory).
    std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmd| {
        let argv0 = cmd.split(|b| *b == 0).next().unwrap_or_default();
        Path::new(&*String::from_utf8_lossy(argv0))
            .file_name()
            .is_some_and(|n| n == "hrwise-sync")
    })
}

/// Reads the file; `Ok(None)` if there is none.
pub fn read(path: &Path) -> Result<Option<StatusFile>, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("{}: not a status file: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Writes the file atomically: a temporary file beside it, then a rename.
pub fn write(path: &Path, status: &StatusFile) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = std::fs::File::create(&tmp)?;
    serde_json::to_writer_pretty(&mut file, status)?;
    file.write_all(b"\n")?;
    drop(file);
    std::fs::rename(&tmp, path)
}

/// Rewrites the file after every change (at most every 500 ms) and every [`HEARTBEAT`],
/// until `stop`; then returns without a last write (the caller writes the final state).
pub async fn keep_written(live: Live, path: PathBuf, stop: CancellationToken) {
    let mut failing = false;
    loop {
        let status = StatusFile::from_live(&live, Utc::now());
        match write(&path, &status) {
            Ok(()) if failing => {
                tracing::info!(path = %path.display(), "status file written again");
                failing = false;
            }
            Ok(()) => {}
            Err(error) if !failing => {
                tracing::warn!(path = %path.display(), %error, "cannot write the status file; `status` will not see the daemon");
                failing = true;
            }
            Err(_) => {}
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(MIN_WRITE_INTERVAL) => {}
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = live.changed() => {}
            _ = tokio::time::sleep(HEARTBEAT) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{CronSchedule, History, Timetable};

    #[test]
    fn round_trips_and_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.duckdb.status.json");
        assert_eq!(read(&path).unwrap(), None);
        let t = Timetable {
            incremental: CronSchedule::parse("0 * * * *", chrono_tz::Tz::UTC).unwrap(),
            full: None,
        };
        let live = Live::new(t, None, &History::default(), Utc::now());
        let status = StatusFile::from_live(&live, Utc::now());
        write(&path, &status).unwrap();
        assert_eq!(read(&path).unwrap(), Some(status.clone()));
        assert!(!dir.path().join("db.duckdb.status.json.tmp").exists());
        // The test binary is not hrwise-sync: its pid does not count as a daemon.
        if Path::new("/proc/self").exists() {
            assert!(!status.daemon_alive(Utc::now()));
        }
    }
}
