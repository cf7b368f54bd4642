//! Running against the simulator: syncs on schedule without overlap, stopping on SIGTERM, a
//! second signal, and a sync abandoned when it does not stop in time.

use std::path::Path;
use std::time::Duration;

use hrwise_sync::sim::Sim;

use crate::support::daemon_poll;

use super::{Daemon, PATIENCE, env, http_get_body, metric, sim};

/// `sync_runs` of the published copy, read-only (as an analyst would), oldest first:
/// (id, status, started_at, finished_at, requests).
type RunRow = (
    i64,
    String,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
    i64,
);

fn sync_runs(db: &Path) -> Vec<RunRow> {
    let config = duckdb::Config::default()
        .access_mode(duckdb::AccessMode::ReadOnly)
        .unwrap();
    let conn = duckdb::Connection::open_with_flags(db, config).unwrap();
    let mut stmt = conn
        .prepare("SELECT id, status, started_at, finished_at, CAST(requests AS BIGINT) FROM sync_runs ORDER BY started_at")
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_syncs_on_schedule_never_overlapping_even_when_a_sync_outlasts_the_period() {
    // 30 employees ≈ 95 requests; 60 ms each, two at a time: a sync takes ~3 s, the period is 2 s.
    let sim = sim(30, |o| o.latency = Duration::from_millis(60)).await;
    let dir = tempfile::tempdir().unwrap();
    let vars = env(
        &sim,
        dir.path(),
        "*/2 * * * * *",
        &[("HRWISE_MAX_IN_FLIGHT", "2")],
    );
    let mut d = Daemon::spawn(&vars, dir.path(), "run");
    let addr = d.addr().await;
    daemon_poll("three finished syncs", PATIENCE * 2, || {
        let text = http_get_body(&addr, "/metrics")?;
        (metric(&text, "hrwise_syncs_total") >= 3.0).then_some(())
    })
    .await;
    d.signal("TERM");
    assert_eq!(
        d.exit(Duration::from_secs(15)).await.code(),
        Some(0),
        "{}",
        d.output()
    );

    let runs = sync_runs(&dir.path().join("hr.duckdb"));
    let succeeded = runs.iter().filter(|r| r.1 == "succeeded").count();
    assert!(succeeded >= 2, "{runs:?}");
    for pair in runs.windows(2) {
        let finished = pair[0].3.expect("an earlier run has finished");
        assert!(finished <= pair[1].2, "runs overlap: {pair:?}");
    }
    // At least one sync outlasted the period (else this test proves nothing about overlap).
    assert!(
        runs.iter()
            .any(|r| r.3.is_some_and(|f| (f - r.2).num_milliseconds() > 2000)),
        "{runs:?}"
    );
    let out = d.output();
    assert!(
        out.contains("coalesced"),
        "a fire during a sync is coalesced: {out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_sync_exits_0_in_time_and_the_next_start_resumes() {
    let employees = 40;
    let sim = sim(employees, |o| o.latency = Duration::from_millis(80)).await;
    let dir = tempfile::tempdir().unwrap();
    // Yearly: the only sync is the one due at start.
    let vars = env(
        &sim,
        dir.path(),
        "0 0 1 1 *",
        &[
            ("HRWISE_MAX_IN_FLIGHT", "2"),
            ("HRWISE_SHUTDOWN_TIMEOUT_SECS", "10"),
        ],
    );
    let mut d = Daemon::spawn(&vars, dir.path(), "first");
    daemon_poll("a sync well under way", PATIENCE, || {
        let s = d.status()?;
        (s["current"]["requests"].as_u64()? >= 30).then_some(())
    })
    .await;
    let signalled = std::time::Instant::now();
    d.signal("TERM");
    let code = d.exit(Duration::from_secs(12)).await.code();
    assert_eq!(code, Some(0), "{}", d.output());
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "stopped within shutdown_timeout"
    );
    let status = d.status().unwrap();
    assert_eq!(status["phase"], "stopped");
    assert_eq!(status["last_finished"]["status"], "interrupted", "{status}");
    let first_requests = sim.control().counts(sim.companies()[0].id).total;

    // The warehouse is consistent (it opens, the run is recorded as interrupted) and the next
    // start resumes at once and finishes.
    let runs = sync_runs(&dir.path().join("hr.duckdb"));
    assert_eq!(
        runs.last().map(|r| r.1.as_str()),
        Some("interrupted"),
        "{runs:?}"
    );
    let mut d = Daemon::spawn(&vars, dir.path(), "second");
    daemon_poll("the resumed sync to succeed", PATIENCE, || {
        let (status, _) = d.last_finished()?;
        (status == "succeeded").then_some(())
    })
    .await;
    d.signal("TERM");
    assert_eq!(d.exit(Duration::from_secs(12)).await.code(), Some(0));
    assert!(d.output().contains("resuming"), "{}", d.output());
    // Not refetched: both runs together cost about one full sync (bound of issue 4 plus the
    // second run's own listing, token and successor calls).
    let n = employees as u64;
    let full = 1 + n.div_ceil(100) + 3 * n + 2;
    let total = sim.control().counts(sim.companies()[0].id).total;
    assert!(
        first_requests < full,
        "the first run was interrupted early enough: {first_requests} of {full}"
    );
    let again = 1 + n.div_ceil(100) + 2 + 1; // list, successors, bench strength, token
    assert!(
        total <= full + again + full / 20,
        "{total} requests for a full sync bound of {full}"
    );
}

/// A daemon whose sync hangs in a 30 s request (the simulator's latency), then one SIGTERM:
/// the daemon is stopping but the request in flight keeps it from returning.
async fn stopping_daemon(shutdown_timeout_secs: &str) -> (Sim, tempfile::TempDir, Daemon) {
    let sim = sim(5, |o| o.latency = Duration::from_secs(30)).await;
    let dir = tempfile::tempdir().unwrap();
    let vars = env(
        &sim,
        dir.path(),
        "0 0 1 1 *",
        &[("HRWISE_SHUTDOWN_TIMEOUT_SECS", shutdown_timeout_secs)],
    );
    let d = Daemon::spawn(&vars, dir.path(), "run");
    daemon_poll("a sync in flight", PATIENCE, || {
        (d.status()?["phase"] == "syncing").then_some(())
    })
    .await;
    d.signal("TERM");
    (sim, dir, d)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_exits_at_once_with_130() {
    let (_sim, _dir, mut d) = stopping_daemon("60").await;
    daemon_poll(
        "the daemon to say it is stopping",
        Duration::from_secs(10),
        || (d.status()?["phase"] == "stopping").then_some(()),
    )
    .await;
    let signalled = std::time::Instant::now();
    d.signal("INT");
    assert_eq!(
        d.exit(Duration::from_secs(5)).await.code(),
        Some(130),
        "{}",
        d.output()
    );
    assert!(signalled.elapsed() < Duration::from_secs(5));
    assert!(d.output().contains("second signal"), "{}", d.output());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_that_does_not_stop_in_time_is_abandoned_with_exit_1() {
    let (_sim, _dir, mut d) = stopping_daemon("2").await;
    let signalled = std::time::Instant::now();
    assert_eq!(
        d.exit(Duration::from_secs(10)).await.code(),
        Some(1),
        "{}",
        d.output()
    );
    assert!(
        signalled.elapsed() < Duration::from_secs(6),
        "bounded by shutdown_timeout_secs"
    );
    let out = d.output();
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.contains("did not stop within 2 s"),
        "one line says what and why: {out}"
    );
}
