//! The daemon (`hrwise-sync run`) as operators run it: the real binary as a child process,
//! configured only by `HRWISE_*` variables, against the in-process simulator, with the
//! warehouse in a temp dir. Also: configuration errors, `status`, `healthcheck`, and the
//! packaging (the container's environment, the systemd unit).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::Duration;

use hrwise_sync::observe::probe;
use hrwise_sync::sim::{Sim, SimOptions};
use serde_json::Value;

use crate::support::{daemon_command, daemon_poll};

/// Long enough for a debug build on a busy 2-core machine, short enough to fail usefully.
const PATIENCE: Duration = Duration::from_secs(90);

/// A running `hrwise-sync run`, killed when dropped.
struct Daemon {
    child: Child,
    dir: PathBuf,
    tag: String,
    status_file: PathBuf,
}

impl Daemon {
    fn spawn(vars: &[(&str, String)], dir: &Path, tag: &str) -> Daemon {
        let out = File::create(dir.join(format!("{tag}.stdout"))).unwrap();
        let err = File::create(dir.join(format!("{tag}.stderr"))).unwrap();
        let child = daemon_command(vars)
            .arg("run")
            .current_dir(dir)
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap();
        let db = vars
            .iter()
            .find(|(k, _)| *k == "HRWISE_DATABASE")
            .map(|(_, v)| v.clone())
            .unwrap();
        Daemon {
            child,
            dir: dir.to_path_buf(),
            tag: tag.into(),
            status_file: PathBuf::from(format!("{db}.status.json")),
        }
    }

    /// The status file, if the daemon has written one.
    fn status(&self) -> Option<Value> {
        let bytes = std::fs::read(&self.status_file).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The address the listener is bound to (`HRWISE_LISTEN=127.0.0.1:0` picks a free port).
    async fn addr(&self) -> String {
        let d = self;
        daemon_poll("the listen address in the status file", PATIENCE, || {
            d.status()?.get("listen")?.as_str().map(String::from)
        })
        .await
    }

    fn get(&self, addr: &str, path: &str) -> u16 {
        probe::get(&format!("http://{addr}{path}"), Duration::from_secs(10)).unwrap()
    }

    /// Syncs finished with `status` so far, per the status file's last outcome and metrics.
    fn last_finished(&self) -> Option<(String, String)> {
        let last = self.status()?.get("last_finished")?.clone();
        Some((
            last["status"].as_str()?.to_string(),
            last["finished_at"].as_str()?.to_string(),
        ))
    }

    fn signal(&self, name: &str) {
        let ok = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name} failed");
    }

    async fn exit(&mut self, within: Duration) -> ExitStatus {
        let child = &mut self.child;
        daemon_poll("the daemon to exit", within, || child.try_wait().unwrap()).await
    }

    /// Everything it printed.
    fn output(&self) -> String {
        let read = |ext: &str| {
            std::fs::read_to_string(self.dir.join(format!("{}.{ext}", self.tag)))
                .unwrap_or_default()
        };
        format!("{}{}", read("stdout"), read("stderr"))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn sim(employees: usize, tune: impl FnOnce(&mut SimOptions)) -> Sim {
    let mut opts = SimOptions {
        companies: 1,
        employees,
        ..Default::default()
    };
    tune(&mut opts);
    Sim::start(opts).await.unwrap()
}

/// The variables of a daemon against `sim`, with the key in a file and the warehouse in `dir`.
fn env(
    sim: &Sim,
    dir: &Path,
    schedule: &str,
    extra: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let key_file = dir.join("api_key");
    std::fs::write(&key_file, format!("{}\n", sim.companies()[0].api_key)).unwrap();
    let mut vars = vec![
        ("HRWISE_BASE_URL", sim.base_url()),
        ("HRWISE_API_KEY_FILE", key_file.display().to_string()),
        (
            "HRWISE_DATABASE",
            dir.join("hr.duckdb").display().to_string(),
        ),
        ("HRWISE_LISTEN", "127.0.0.1:0".to_string()),
        ("HRWISE_SCHEDULE", schedule.to_string()),
        ("HRWISE_LOG_FORMAT", "json".to_string()),
    ];
    for (k, v) in extra {
        vars.retain(|(name, _)| name != k);
        vars.push((k, v.to_string()));
    }
    vars
}

/// Sums a metric's samples (all label sets).
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

/// One sample, named with its labels exactly as rendered.
fn sample(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
        .unwrap_or_else(|| panic!("no sample {name_and_labels} in {text}"))
}

/// Runs `cmd` to its end, killing it after `timeout` (a config that wrongly validates must
/// fail the test, not hang it in `run`).
fn output_within(cmd: &mut std::process::Command, timeout: Duration) -> std::process::Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + timeout;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

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

fn assert_secret_absent(output: &str, secret: &str) {
    assert!(secret.len() > 8);
    if let Some(line) = output.lines().find(|l| l.contains(secret)) {
        panic!("the API key appears in the output: {line}");
    }
}

// --- configuration ----------------------------------------------------------------------------

#[test]
fn each_invalid_configuration_exits_2_with_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "hrw_do_not_print_this_0123456789";
    std::fs::create_dir(dir.path().join("a_directory")).unwrap();
    let dir_path = dir.path().join("a_directory").display().to_string();
    // (file content, environment, the key the error must name)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        ("bogus_key = 1", vec![], "bogus_key"),
        ("schedule = \"61 * * * *\"", vec![], "schedule"),
        ("schedule = \"0 0 30 2 *\"", vec![], "schedule"),
        (
            "full_sync_schedule = \"nightly\"",
            vec![],
            "full_sync_schedule",
        ),
        ("base_url = \"ftp://example.com\"", vec![], "base_url"),
        ("base_url = \"not a url\"", vec![], "base_url"),
        ("listen = \"nowhere\"", vec![], "listen"),
        (
            "api_key_file = \"/nonexistent/api_key\"",
            vec![],
            "api_key_file",
        ),
        (
            "",
            vec![("HRWISE_API_KEY_FILE", dir_path.as_str())],
            "api_key_file",
        ),
        ("timezone = \"Mars/Olympus_Mons\"", vec![], "timezone"),
        (
            "rate_limit_requests = \"many\"",
            vec![],
            "rate_limit_requests",
        ),
        ("page_size = 0", vec![], "page_size"),
        ("log_format = \"xml\"", vec![], "log_format"),
        ("sweep_max_share = 2.5", vec![], "sweep_max_share"),
        ("shutdown_timeout_secs = 0", vec![], "shutdown_timeout_secs"),
        ("listen = ", vec![], "listen"),
        ("api_key = 12345678901234", vec![], "api_key"),
        ("", vec![("HRWISE_SCHEDULE", "* * *")], "schedule"),
        ("", vec![("HRWISE_SHEDULE", "0 * * * *")], "HRWISE_SHEDULE"),
        ("", vec![("HRWISE_LISTEN", "localhost")], "listen"),
        ("", vec![("HRWISE_BASE_URL", "example.com")], "base_url"),
        (
            "",
            vec![("HRWISE_READY_MAX_AGE_SECS", "soon")],
            "ready_max_age_secs",
        ),
        ("", vec![("HRWISE_TIMEZONE", "CEST+2")], "timezone"),
        (
            "",
            vec![("HRWISE_API_KEY_FILE", "/nonexistent")],
            "api_key_file",
        ),
    ];
    let config = dir.path().join("hrwise-sync.toml");
    for (i, (file, vars, key)) in cases.iter().enumerate() {
        std::fs::write(&config, file).unwrap();
        let mut all: Vec<(&str, String)> = vars.iter().map(|(k, v)| (*k, v.to_string())).collect();
        if !file.contains("api_key") && !vars.iter().any(|(k, _)| k.contains("API_KEY")) {
            all.push(("HRWISE_API_KEY", secret.to_string()));
        }
        // `config check` and `run` validate the same way; alternate to cover both.
        let command = if i % 2 == 0 { "check" } else { "run" };
        let mut cmd = daemon_command(&all);
        cmd.arg("--config").arg(&config);
        if command == "check" {
            cmd.args(["config", "check"]);
        } else {
            cmd.arg("run");
        }
        let out = output_within(&mut cmd, Duration::from_secs(20));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let case = format!("case {i} ({command}) file {file:?} env {vars:?}: stderr {stderr:?}");
        assert_eq!(out.status.code(), Some(2), "{case}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{case}");
        assert!(lines[0].contains(&format!(": {key}: ")), "{case}");
        assert_secret_absent(&stderr, secret);
        assert_secret_absent(&stderr, "12345678901234");
    }
    // A missing --config file is a usage error too.
    let out = daemon_command(&[])
        .args(["--config", "/nonexistent.toml", "config", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--config"));
}

#[test]
fn config_check_lists_every_key_with_the_secret_masked() {
    let secret = "hrw_config_check_secret_0123456789";
    let out = daemon_command(&[
        ("HRWISE_API_KEY", secret.into()),
        ("HRWISE_TIMEZONE", "Europe/Berlin".into()),
    ])
    .args(["config", "check"])
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("api_key = \"***\"  # env HRWISE_API_KEY"),
        "{stdout}"
    );
    assert!(
        stdout.contains("timezone = \"Europe/Berlin\"  # env HRWISE_TIMEZONE"),
        "{stdout}"
    );
    assert!(
        stdout.contains("listen = \"127.0.0.1:9464\"  # default"),
        "{stdout}"
    );
    assert_secret_absent(&stdout, secret);
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

#[test]
fn healthcheck_fails_with_exit_1_when_nothing_listens() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = daemon_command(&[("HRWISE_LISTEN", format!("0.0.0.0:{port}"))])
        .arg("healthcheck")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = daemon_command(&[("HRWISE_LISTEN", "off".into())])
        .arg("healthcheck")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

// --- the daemon against the simulator ---------------------------------------------------------

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

// --- packaging ---------------------------------------------------------------------------------

/// `ENV` of the Dockerfile's runtime stage, as (name, value).
fn dockerfile_env() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile")).unwrap();
    let runtime = text.rsplit_once("\nFROM ").map(|(_, stage)| stage).unwrap();
    let joined = runtime.replace("\\\n", " ");
    joined
        .lines()
        .filter_map(|l| l.trim().strip_prefix("ENV "))
        .flat_map(|rest| {
            rest.split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_container_environment_runs_the_daemon_and_its_healthcheck() {
    let sim = sim(10, |_| {}).await;
    let data = tempfile::tempdir().unwrap();
    let secrets = tempfile::tempdir().unwrap();
    std::fs::write(
        secrets.path().join("hrwise_api_key"),
        &sim.companies()[0].api_key,
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Exactly the image's variables; only the paths of the volume and the secret, and the port,
    // are mapped to this machine. The base URL is the operator's (`-e HRWISE_BASE_URL`).
    let image_env = dockerfile_env();
    for name in ["HRWISE_DATABASE", "HRWISE_API_KEY_FILE", "HRWISE_LISTEN"] {
        assert!(
            image_env.iter().any(|(k, _)| k == name),
            "the image sets {name}: {image_env:?}"
        );
    }
    let mut vars: Vec<(&str, String)> = image_env
        .iter()
        .map(|(k, v)| {
            let v = v
                .replace("/data", &data.path().display().to_string())
                .replace("/run/secrets", &secrets.path().display().to_string())
                .replace(":9464", &format!(":{port}"));
            (k.as_str(), v)
        })
        .collect();
    vars.push(("HRWISE_BASE_URL", sim.base_url()));
    let mut d = Daemon::spawn(&vars, data.path(), "container");
    daemon_poll("the first sync to succeed", PATIENCE, || {
        (d.last_finished()?.0 == "succeeded").then_some(())
    })
    .await;
    // The HEALTHCHECK command, with the same environment (0.0.0.0 is reached via loopback).
    let out = daemon_command(&vars).arg("healthcheck").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(data.path().join("hrwise.duckdb").exists());
    d.signal("TERM");
    assert_eq!(
        d.exit(Duration::from_secs(15)).await.code(),
        Some(0),
        "{}",
        d.output()
    );
}

#[test]
fn the_systemd_unit_verifies() {
    let Ok(which) = std::process::Command::new("sh")
        .args(["-c", "command -v systemd-analyze"])
        .output()
    else {
        eprintln!("SKIPPED the_systemd_unit_verifies: no shell to look for systemd-analyze");
        return;
    };
    if !which.status.success() {
        eprintln!("SKIPPED the_systemd_unit_verifies: systemd-analyze is not installed here");
        return;
    }
    let unit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/hrwise-sync.service"),
    )
    .unwrap();
    // `verify` checks that ExecStart's binary exists: point it at the one just built.
    let unit = unit.replace(
        "/usr/local/bin/hrwise-sync",
        env!("CARGO_BIN_EXE_hrwise-sync"),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hrwise-sync.service");
    std::fs::write(&path, unit).unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "systemd-analyze verify failed: {text}"
    );
    let about_ours: Vec<&str> = text.lines().filter(|l| l.contains("hrwise-sync")).collect();
    assert!(
        about_ours.is_empty(),
        "systemd-analyze verify warns about the unit: {about_ours:?}"
    );
}

/// GET `path` on the daemon and return the body (a plain blocking request).
fn http_get_body(addr: &str, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    // "HTTP/1.0 200 OK": hyper answers in the request's version.
    (head.split_whitespace().nth(1) == Some("200")).then(|| body.to_string())
}
