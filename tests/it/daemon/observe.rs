//! Observing the daemon: metrics against the simulator's counts, `/readyz`, `status` with and
//! without a daemon, waiting for quota, and the API key kept out of logs.

use std::time::Duration;

use crate::support::{daemon_command, daemon_poll};

use super::{
    Daemon, PATIENCE, assert_secret_absent, env, http_get_body, metric, output_within, sim,
};

/// One sample, named with its labels exactly as rendered.
fn sample(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
        .unwrap_or_else(|| panic!("no sample {name_and_labels} in {text}"))
}

#[test]
fn status_without_a_warehouse_or_daemon_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hr.duckdb").display().to_string();
    let out = daemon_command(&[("HRWISE_DATABASE", db)])
        .arg("status")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("none yet (no sync has run"), "{stdout}");
    assert!(stdout.contains("not running"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_match_the_simulators_counts() {
    let sim = sim(25, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let vars = env(&sim, dir.path(), "0 0 1 1 *", &[]);
    let mut d = Daemon::spawn(&vars, dir.path(), "run");
    let addr = d.addr().await;
    daemon_poll("the first sync to succeed", PATIENCE, || {
        (d.last_finished()?.0 == "succeeded").then_some(())
    })
    .await;
    let text = http_get_body(&addr, "/metrics").unwrap();
    let counts = sim.control().counts(sim.companies()[0].id);
    assert_eq!(
        metric(&text, "hrwise_api_requests_total") as u64,
        counts.total,
        "{text}\n{counts:?}"
    );
    assert_eq!(
        metric(&text, "hrwise_api_responses_total") as u64,
        counts.total,
        "{text}"
    );
    // Responses by endpoint and status, as the simulator counted the requests.
    let list = counts
        .by_endpoint
        .get("employees_list")
        .copied()
        .unwrap_or(0);
    assert!(list > 0);
    assert_eq!(
        sample(
            &text,
            "hrwise_api_responses_total{endpoint=\"employees_list\",status=\"200\"}"
        ) as u64,
        list,
        "{text}"
    );
    assert_eq!(
        metric(&text, "hrwise_api_rate_limited_total") as u64,
        counts.rate_limited
    );
    for (endpoint, n) in &counts.by_endpoint {
        let line = format!("hrwise_api_requests_total{{endpoint=\"{endpoint}\"}} {n}\n");
        assert!(text.contains(&line), "{line} in {text}");
    }
    let employees_inserted = "hrwise_records_total{table=\"employees\",action=\"inserted\"} 25\n";
    assert!(text.contains(employees_inserted), "{text}");
    assert_eq!(metric(&text, "hrwise_syncs_total"), 1.0);
    assert_eq!(metric(&text, "hrwise_sync_in_progress"), 0.0);
    assert!(metric(&text, "hrwise_sync_last_success_timestamp_seconds") > 1.7e9);
    assert!(metric(&text, "hrwise_api_quota_remaining") > 0.0);
    for family in [
        "hrwise_api_retries_total",
        "hrwise_sync_duration_seconds_count",
        "hrwise_records_rejected_total",
        "hrwise_sync_waiting_for_quota",
    ] {
        assert!(text.contains(family), "{family} missing: {text}");
    }
    d.signal("INT");
    assert_eq!(d.exit(Duration::from_secs(12)).await.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_after_a_failed_sync_and_200_after_a_good_one() {
    let sim = sim(10, |o| o.fault_rate = 1.0).await;
    let key = sim.companies()[0].api_key.clone();
    let dir = tempfile::tempdir().unwrap();
    let vars = env(
        &sim,
        dir.path(),
        "*/2 * * * * *",
        &[("HRWISE_MAX_RETRIES", "0"), ("HRWISE_LOG_LEVEL", "debug")],
    );
    let mut d = Daemon::spawn(&vars, dir.path(), "run");
    let addr = d.addr().await;
    daemon_poll("/readyz 503 after the failed sync", PATIENCE, || {
        (d.get(&addr, "/readyz") == 503).then_some(())
    })
    .await;
    assert_eq!(
        d.get(&addr, "/healthz"),
        200,
        "the process is up even when the data is not"
    );
    sim.control().set_fault_rate(0.0);
    daemon_poll("/readyz 200 after a good sync", PATIENCE, || {
        (d.get(&addr, "/readyz") == 200).then_some(())
    })
    .await;
    let text = http_get_body(&addr, "/metrics").unwrap();
    assert!(
        sample(&text, "hrwise_syncs_total{status=\"failed\"}") >= 1.0,
        "{text}"
    );
    assert!(
        sample(&text, "hrwise_syncs_total{status=\"succeeded\"}") >= 1.0,
        "{text}"
    );
    assert!(text.contains("hrwise_ready 1"), "{text}");
    d.signal("TERM");
    assert_eq!(d.exit(Duration::from_secs(15)).await.code(), Some(0));
    assert_secret_absent(&d.output(), &key);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_never_appears_in_logs_or_errors() {
    let sim = sim(5, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    // A wrong key (the simulator answers 401): exactly where naive code echoes what it sent.
    let wrong = "hrw_wrong_key_that_must_not_be_printed_0123456789";
    let mut vars = env(
        &sim,
        dir.path(),
        "*/2 * * * * *",
        &[
            ("HRWISE_MAX_RETRIES", "0"),
            ("HRWISE_LOG_LEVEL", "trace"),
            ("HRWISE_LOG_FORMAT", "text"),
        ],
    );
    vars.retain(|(k, _)| *k != "HRWISE_API_KEY_FILE");
    vars.push(("HRWISE_API_KEY", wrong.to_string()));
    let mut d = Daemon::spawn(&vars, dir.path(), "wrong");
    daemon_poll("a failed sync", PATIENCE, || {
        (d.last_finished()?.0 == "failed").then_some(())
    })
    .await;
    d.signal("TERM");
    assert_eq!(d.exit(Duration::from_secs(15)).await.code(), Some(0));
    let mut everything = d.output();
    assert!(everything.contains("sync failed"), "{everything}");

    // The right key, through the environment, for a full successful run plus the commands.
    let right = sim.companies()[0].api_key.clone();
    vars.retain(|(k, _)| *k != "HRWISE_API_KEY");
    vars.push(("HRWISE_API_KEY", right.clone()));
    let mut d = Daemon::spawn(&vars, dir.path(), "right");
    daemon_poll("a good sync", PATIENCE, || {
        (d.last_finished()?.0 == "succeeded").then_some(())
    })
    .await;
    for args in [vec!["status"], vec!["config", "check"]] {
        let out = daemon_command(&vars).args(&args).output().unwrap();
        everything.push_str(&String::from_utf8_lossy(&out.stdout));
        everything.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    d.signal("TERM");
    assert_eq!(d.exit(Duration::from_secs(15)).await.code(), Some(0));
    everything.push_str(&d.output());
    everything.push_str(&std::fs::read_to_string(&d.status_file).unwrap());
    assert_secret_absent(&everything, wrong);
    assert_secret_absent(&everything, &right);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_waiting_for_quota_shows_in_status_and_metrics() {
    // 25 requests per 60 s; a first sync of 20 employees needs ~65: it must wait.
    let sim = sim(20, |o| {
        o.rate_limit = 25;
        o.rate_window = Duration::from_secs(60);
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let extra = [
        ("HRWISE_RATE_LIMIT_REQUESTS", "25"),
        ("HRWISE_RATE_LIMIT_WINDOW_SECS", "60"),
    ];
    let vars = env(&sim, dir.path(), "0 0 1 1 *", &extra);
    let mut d = Daemon::spawn(&vars, dir.path(), "run");
    let addr = d.addr().await;
    daemon_poll("the sync to wait for quota", PATIENCE, || {
        (d.status()?["phase"] == "waiting_for_quota").then_some(())
    })
    .await;
    let text = http_get_body(&addr, "/metrics").unwrap();
    assert_eq!(
        sample(&text, "hrwise_sync_waiting_for_quota"),
        1.0,
        "{text}"
    );
    assert_eq!(sample(&text, "hrwise_sync_in_progress"), 1.0, "{text}");
    assert_eq!(sample(&text, "hrwise_api_quota_remaining"), 0.0, "{text}");
    let out = daemon_command(&vars).arg("status").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("waiting for quota until"), "{stdout}");
    assert!(
        stdout.contains("0 left of 25 in the current window"),
        "{stdout}"
    );
    // Waiting is not failing: still ready during the first sync.
    assert_eq!(d.get(&addr, "/readyz"), 200);
    d.signal("TERM");
    assert_eq!(
        d.exit(Duration::from_secs(15)).await.code(),
        Some(0),
        "{}",
        d.output()
    );
    assert_eq!(
        sim.control().counts(sim.companies()[0].id).rate_limited,
        0,
        "it waited instead of hitting 429s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_answers_while_run_runs() {
    let sim = sim(40, |o| o.latency = Duration::from_millis(100)).await;
    let dir = tempfile::tempdir().unwrap();
    let vars = env(
        &sim,
        dir.path(),
        "0 0 1 1 *",
        &[("HRWISE_MAX_IN_FLIGHT", "1")],
    );
    let mut d = Daemon::spawn(&vars, dir.path(), "run");
    daemon_poll("a sync in flight", PATIENCE, || {
        (d.status()?["current"]["requests"].as_u64()? > 3).then_some(())
    })
    .await;
    let started = std::time::Instant::now();
    let out = daemon_command(&vars).arg("status").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "status answered promptly"
    );
    assert!(
        stdout.contains(&format!("running (pid {}", d.child.id())),
        "{stdout}"
    );
    assert!(
        stdout.contains("incremental sync since") || stdout.contains("full sync since"),
        "{stdout}"
    );
    assert!(stdout.contains("requests so far"), "{stdout}");
    assert!(
        stdout.contains("left of 1000 in the current window"),
        "{stdout}"
    );
    // A second daemon on the same database refuses to start (exit 1, one line saying why).
    let second = output_within(daemon_command(&vars).arg("run"), Duration::from_secs(20));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(
        stderr
            .trim()
            .ends_with(&format!("(see {})", d.status_file.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("another `hrwise-sync run` (pid {})", d.child.id())),
        "{stderr}"
    );
    d.signal("TERM");
    assert_eq!(d.exit(Duration::from_secs(15)).await.code(), Some(0));
    // After it stopped, status reads the warehouse and says the daemon is not running.
    let out = daemon_command(&vars).arg("status").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("not running (stopped at"), "{stdout}");
    assert!(stdout.contains("last runs"), "{stdout}");
}
