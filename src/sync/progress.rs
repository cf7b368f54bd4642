//! Progress of the running sync, shared between the engine (which counts), the terminal
//! display or log lines (which show it), and the daemon's status (which reads it).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Counters of the sync in progress; all zero between syncs.
#[derive(Debug, Default)]
pub struct Progress {
    pub running: AtomicBool,
    pub planned: AtomicU64,
    pub done: AtomicU64,
    pub employees_listed: AtomicU64,
    phase: Mutex<&'static str>,
    waiting_until: Mutex<Option<SystemTime>>,
}

/// A copy of [`Progress`] at one moment.
#[derive(Debug, Clone, Default)]
pub struct ProgressSnapshot {
    pub running: bool,
    pub phase: &'static str,
    pub planned: u64,
    pub done: u64,
    pub employees_listed: u64,
    /// Set while the sync waits for the rate-limit window to reopen.
    pub waiting_until: Option<SystemTime>,
}

impl Progress {
    pub fn start(&self) {
        self.running.store(true, Ordering::SeqCst);
        self.planned.store(0, Ordering::SeqCst);
        self.done.store(0, Ordering::SeqCst);
        self.employees_listed.store(0, Ordering::SeqCst);
        self.set_phase("starting");
        self.set_waiting(None);
    }

    pub fn stop(&self) {
        self.running.store(false, Ordering::SeqCst);
        self.set_phase("idle");
        self.set_waiting(None);
    }

    pub fn set_phase(&self, phase: &'static str) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = phase;
    }

    pub fn set_waiting(&self, until: Option<SystemTime>) {
        *self.waiting_until.lock().unwrap_or_else(|e| e.into_inner()) = until;
    }

    pub fn snapshot(&self) -> ProgressSnapshot {
        ProgressSnapshot {
            running: self.running.load(Ordering::SeqCst),
            phase: *self.phase.lock().unwrap_or_else(|e| e.into_inner()),
            planned: self.planned.load(Ordering::SeqCst),
            done: self.done.load(Ordering::SeqCst),
            employees_listed: self.employees_listed.load(Ordering::SeqCst),
            waiting_until: *self.waiting_until.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }
}

/// One line of progress: records done, requests used, quota left, and an ETA that counts
/// the waits the rate limit imposes (`quota_wait`) as well as the pace so far.
pub fn line(
    p: &ProgressSnapshot,
    requests: u64,
    quota_left: u64,
    quota_wait: Duration,
    elapsed: Duration,
) -> String {
    let left = p.planned.saturating_sub(p.done);
    let pace = if p.done > 0 {
        elapsed.as_secs_f64() / p.done as f64
    } else {
        0.0
    };
    let eta = Duration::from_secs_f64(pace * left as f64).max(quota_wait);
    let mut s = format!(
        "{}: employees listed {}, children {}/{}, requests {}, quota left {}",
        p.phase, p.employees_listed, p.done, p.planned, requests, quota_left
    );
    if left > 0 && p.done > 0 {
        s.push_str(&format!(
            ", ETA {}",
            humantime::format_duration(Duration::from_secs(eta.as_secs()))
        ));
    }
    if let Some(until) = p.waiting_until {
        let secs = until
            .duration_since(SystemTime::now())
            .unwrap_or_default()
            .as_secs();
        s.push_str(&format!(", waiting {secs}s for the rate-limit window"));
    }
    s
}

/// Shows progress until `done` is cancelled: a line redrawn in place on a terminal, a log
/// line every 15 s otherwise.
pub async fn display(
    progress: std::sync::Arc<Progress>,
    client: crate::fetch::Client,
    started: Instant,
    requests_before: u64,
    done: tokio_util::sync::CancellationToken,
    terminal: bool,
) {
    let tty = terminal && std::io::stderr().is_terminal();
    let every = if tty {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(15)
    };
    loop {
        tokio::select! {
            _ = done.cancelled() => break,
            _ = tokio::time::sleep(every) => {}
        }
        let snap = progress.snapshot();
        let requests = client.stats().requests().saturating_sub(requests_before);
        let quota = client.quota();
        let left = snap.planned.saturating_sub(snap.done);
        let text = line(
            &snap,
            requests,
            quota.remaining as u64,
            client.estimate_wait(left * 3),
            started.elapsed(),
        );
        if tty {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{text}");
            let _ = err.flush();
        } else {
            tracing::info!(progress = %text, "sync progress");
        }
    }
    if tty {
        let _ = writeln!(std::io::stderr());
    }
}
