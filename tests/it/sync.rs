//! The warehouse and the sync engine against the simulator: a full sync mirrors it field by
//! field; incremental syncs cost only what changed and keep history; a killed sync resumes
//! without paying twice; an analyst's open connection never gets in the way.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use hrwise_sync::sim::{Sim, SimOptions};
use hrwise_sync::sync::{RunStatus, SyncMode, SyncRequest, Syncer};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::support::{sync_config, sync_count, sync_rows};

async fn start(employees: usize) -> (Sim, i64, String) {
    let sim = Sim::start(SimOptions {
        employees,
        rate_limit: 1_000_000,
        ..Default::default()
    })
    .await
    .expect("simulator");
    let c = sim.companies().remove(0);
    (sim, c.id, c.api_key)
}

async fn sync(
    config: &hrwise_sync::config::Config,
    mode: SyncMode,
) -> hrwise_sync::sync::SyncOutcome {
    let syncer = Syncer::new(config).expect("syncer");
    let out = syncer
        .sync(
            SyncRequest {
                mode,
                max_wait: None,
            },
            CancellationToken::new(),
        )
        .await
        .expect("sync");
    assert_eq!(out.status, RunStatus::Succeeded, "{:?}", out.message);
    out
}

/// The API's number, whatever its spelling (`"90"`, `"67%"`, `92.3`).
fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_end_matches('%').trim().parse().ok(),
        _ => None,
    }
}

/// The warehouse's timestamp or date text (`2024-01-15 10:30:00`) as the API's instant.
fn same_instant(api: &Value, stored: &Value) -> bool {
    let (Some(a), Some(s)) = (api.as_str(), stored.as_str()) else {
        return api.is_null() && stored.is_null();
    };
    let a = hrwise_sync::transform::parse_timestamp(a);
    let s = hrwise_sync::transform::parse_timestamp(&s.replace(' ', "T"));
    a.is_some() && a == s
}

const NUMBERS: &[&str] = &[
    "role_fit_score",
    "fit_score_display",
    "initial_fit",
    "updated_fit",
    "previous_year_rating",
    "length_of_service",
    "avg_training_score",
    "performance_score",
    "attrition_risk_score",
    "current_progress_score",
    "rating",
    "manager_rating",
    "internal_percentage",
    "external_percentage",
    "bench_strength_index",
    "age",
    "awards_won",
    "no_of_trainings",
    "total_successors",
    "ready_now_count",
    "less_6_months_count",
    "six_12_months_count",
    "twelve_24_months_count",
    "more_24_months_count",
];
const TIMES: &[&str] = &[
    "created",
    "modified",
    "last_analyzed",
    "high_performer_date",
    "hire_date",
    "position_start_date",
    "start_date",
    "completion_date",
];
const JSONS: &[&str] = &["extra_data", "evaluation_history"];

/// Every documented field of `api` against its typed column in `row`, and `raw` against the
/// whole record.
fn assert_row_matches(what: &str, api: &Value, row: &Value) {
    let raw: Value = match &row["raw"] {
        Value::String(s) => serde_json::from_str(s).unwrap(),
        other => other.clone(),
    };
    assert_eq!(&raw, api, "{what}: raw differs");
    for (key, value) in api.as_object().unwrap() {
        let ctx = format!("{what}: field {key}");
        match key.as_str() {
            "department" if value.is_object() => {
                assert_eq!(row["department_id"], value["id"], "{ctx}");
                assert_eq!(row["department_name"], value["name"], "{ctx}");
            }
            "progress_status" => {
                assert_eq!(row["progress_status"], value["status"], "{ctx}");
                assert_eq!(
                    row["predicted_readiness"], value["predicted_readiness"],
                    "{ctx}"
                );
            }
            "current_role_holder" | "successors" | "company" => {}
            k if NUMBERS.contains(&k) => {
                let (a, s) = (num(value), num(&row[k]));
                assert!(
                    a.zip(s).is_some_and(|(a, s)| (a - s).abs() < 1e-9)
                        || (a.is_none() && s.is_none()),
                    "{ctx}: api {value} stored {}",
                    row[k]
                );
            }
            k if TIMES.contains(&k) => assert!(
                same_instant(value, &row[k]),
                "{ctx}: api {value} stored {}",
                row[k]
            ),
            k if JSONS.contains(&k) => {
                let stored = match &row[k] {
                    Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
                    other => other.clone(),
                };
                let api_v = if value.is_null() {
                    Value::Null
                } else {
                    value.clone()
                };
                assert_eq!(stored, api_v, "{ctx}");
            }
            k if row.get(k).is_some() => {
                let api_v = match value {
                    Value::Array(a) if a.is_empty() => Value::Array(vec![]),
                    v => v.clone(),
                };
                assert_eq!(row[k], api_v, "{ctx}");
            }
            k => panic!("{ctx}: no column for documented field {k}"),
        }
    }
}

/// The warehouse's current state equals the simulator's data for `company`.
fn assert_mirrors(db: &Path, snapshot: &Value, company: i64) {
    let employees = snapshot["employees"].as_array().unwrap();
    let rows = sync_rows(
        db,
        &format!(
            "SELECT * FROM employees WHERE company_id = {company} AND deleted_at IS NULL ORDER BY id"
        ),
    );
    assert_eq!(rows.len(), employees.len(), "employees");
    for (api, row) in employees.iter().zip(&rows) {
        assert_row_matches(&format!("employee {}", api["id"]), api, row);
    }
    for kind in ["trainings", "tasks", "mentorships"] {
        let mut want: BTreeMap<(i64, i64), &Value> = BTreeMap::new();
        for (emp, list) in snapshot[kind].as_object().unwrap() {
            for r in list.as_array().unwrap() {
                want.insert((emp.parse().unwrap(), r["id"].as_i64().unwrap()), r);
            }
        }
        let rows = sync_rows(
            db,
            &format!("SELECT * FROM {kind} WHERE company_id = {company} AND deleted_at IS NULL"),
        );
        let got: BTreeMap<(i64, i64), &Value> = rows
            .iter()
            .map(|r| {
                (
                    (r["employee"].as_i64().unwrap(), r["id"].as_i64().unwrap()),
                    r,
                )
            })
            .collect();
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "{kind}: keys"
        );
        for (k, api) in want {
            assert_row_matches(&format!("{kind} {k:?}"), api, got[&k]);
        }
    }
    let mut want: BTreeMap<(i64, i64), &Value> = BTreeMap::new();
    for pos in snapshot["successors"].as_array().unwrap() {
        let holder = pos["current_role_holder"]["id"].as_i64().unwrap_or(-1);
        for s in pos["successors"].as_array().unwrap() {
            want.insert((s["id"].as_i64().unwrap(), holder), s);
        }
    }
    let rows = sync_rows(
        db,
        &format!("SELECT * FROM successors WHERE company_id = {company} AND deleted_at IS NULL"),
    );
    let got: BTreeMap<(i64, i64), &Value> = rows
        .iter()
        .map(|r| {
            (
                (
                    r["id"].as_i64().unwrap(),
                    r["position_holder_key"].as_i64().unwrap(),
                ),
                r,
            )
        })
        .collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "successors: keys"
    );
    for (k, api) in want {
        assert_row_matches(&format!("successor {k:?}"), api, got[&k]);
    }
    let bench = snapshot["bench_strength"].as_array().unwrap();
    let rows = sync_rows(
        db,
        &format!(
            "SELECT * EXCLUDE (run_id, synced_at, holder_key) FROM bench_strength_history
             WHERE company_id = {company} AND run_id = (SELECT max(run_id) FROM bench_strength_history)"
        ),
    );
    assert_eq!(rows.len(), bench.len(), "bench strength rows");
    let key = |v: &Value| format!("{}|{}|{}", v["role"], v["current_holder"], v["department"]);
    let got: BTreeMap<String, &Value> = rows.iter().map(|r| (key(r), r)).collect();
    for api in bench {
        let row = got
            .get(&key(api))
            .unwrap_or_else(|| panic!("bench row {} missing", key(api)));
        assert_row_matches(&format!("bench {}", key(api)), api, row);
    }
}

fn requests(sim: &Sim, company: i64) -> u64 {
    sim.control().counts(company).total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_sync_mirrors_the_simulator_field_by_field_within_its_request_bound() {
    let (sim, company, key) = start(150).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hr.duckdb");
    let config = sync_config(&sim.base_url(), &key, &db);
    let out = sync(&config, SyncMode::Full).await;
    let n = 150u64;
    let bound = 1 + n.div_ceil(100) + 3 * n + 2;
    assert!(
        requests(&sim, company) <= bound,
        "{} requests > {bound}",
        requests(&sim, company)
    );
    assert_eq!(
        out.requests,
        requests(&sim, company),
        "the run records what the server counted"
    );
    assert_mirrors(&db, &sim.control().snapshot(company), company);
    // No request ever asked for what the list already gave.
    let counts = sim.control().counts(company);
    assert_eq!(counts.by_endpoint.get("employee_skill_gaps"), None);
    assert_eq!(counts.by_endpoint.get("employee_progress"), None);
    assert_eq!(counts.by_endpoint.get("employee_detail"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn incremental_syncs_fetch_what_changed_and_keep_history() {
    let (sim, company, key) = start(150).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hr.duckdb");
    let mut config = sync_config(&sim.base_url(), &key, &db);
    sync(&config, SyncMode::Full).await;
    let ctl = sim.control();
    let snap = ctl.snapshot(company);
    let ids: Vec<i64> = snap["employees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let with_children = |kind: &str| -> Vec<i64> {
        ids.iter()
            .copied()
            .filter(|id| {
                snap[kind][id.to_string()]
                    .as_array()
                    .is_some_and(|a| a.len() >= 2)
            })
            .collect()
    };
    let (updated, deleted) = (ids[3], ids[4]);
    let bumped = with_children("trainings")[0];
    let silent = *with_children("trainings")
        .iter()
        .rev()
        .find(|i| **i != bumped)
        .unwrap();
    ctl.update_employee(company, updated);
    ctl.delete_employee(company, deleted);
    let added = ctl.add_employees(company, 2);
    ctl.change_children(company, bumped, true);
    ctl.change_children(company, silent, false);
    let successor = snap["successors"][0]["successors"][0]["id"]
        .as_i64()
        .unwrap();
    let moved_to = if snap["successors"][0]["successors"][0]["expected_readiness"] == "ready_now" {
        ">24_months"
    } else {
        "ready_now"
    };
    ctl.move_readiness(company, successor, moved_to);
    ctl.reset_counts();

    let out = sync(&config, SyncMode::Incremental).await;
    // k = 4 changed employees (updated, 2 added, bumped); the sweep takes ceil(N/168) = 1 at
    // an hourly schedule and a 7-day bound.
    let n = 151u64;
    let bound = 1 + n.div_ceil(100) + 3 * 4 + 2 + 3;
    assert!(out.requests <= bound, "{} requests > {bound}", out.requests);
    assert_eq!(out.requests, requests(&sim, company));

    // History: two versions of the updated employee; the deleted one closed and marked.
    let versions = sync_rows(
        &db,
        &format!(
            "SELECT valid_to FROM employees_history WHERE company_id = {company} AND id = {updated} ORDER BY valid_from"
        ),
    );
    assert_eq!(versions.len(), 2);
    assert!(!versions[0]["valid_to"].is_null() && versions[1]["valid_to"].is_null());
    let gone = sync_rows(
        &db,
        &format!(
            "SELECT deleted_at FROM employees WHERE company_id = {company} AND id = {deleted}"
        ),
    );
    assert!(!gone[0]["deleted_at"].is_null());
    assert_eq!(
        sync_count(
            &db,
            &format!(
                "SELECT count(*) FROM employees_history WHERE id = {deleted} AND valid_to IS NULL"
            )
        ),
        0
    );
    // ...and so are its children, which the API no longer returns.
    let live_children =
        format!("SELECT count(*) FROM trainings WHERE employee = {deleted} AND deleted_at IS NULL");
    assert_eq!(sync_count(&db, &live_children), 0);
    for id in &added {
        assert_eq!(
            sync_count(
                &db,
                &format!(
                    "SELECT count(*) FROM employees WHERE id = {id} AND children_synced_at IS NOT NULL"
                )
            ),
            1
        );
    }
    // Nothing else changed: one version per employee, plus the new ones, the update and the
    // employee whose children change bumped its `modified`.
    assert_eq!(
        sync_count(&db, "SELECT count(*) FROM employees_history"),
        150 + 2 + 2
    );
    // The readiness move is a new successor version.
    let moved = format!(
        "SELECT count(*) FROM successors_history WHERE id = {successor} AND expected_readiness = '{moved_to}'"
    );
    assert!(sync_count(&db, &moved) >= 1);
    // The bumped employee's children are current; a removed child is marked deleted.
    let snap2 = ctl.snapshot(company);
    let want: BTreeSet<i64> = snap2["trainings"][bumped.to_string()]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    let live: BTreeSet<i64> = sync_rows(
        &db,
        &format!("SELECT id FROM trainings WHERE employee = {bumped} AND deleted_at IS NULL"),
    )
    .iter()
    .map(|r| r["id"].as_i64().unwrap())
    .collect();
    assert_eq!(live, want);

    // The silent change (no `modified` bump) is caught by the staleness sweep: with a bound of
    // one schedule period, every sync sweeps everything.
    config.children_max_age = Duration::from_secs(3600);
    sync(&config, SyncMode::Incremental).await;
    assert_mirrors(&db, &ctl.snapshot(company), company);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_analyst_holding_the_file_open_never_blocks_a_sync() {
    let (sim, company, key) = start(120).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hr.duckdb");
    let config = sync_config(&sim.base_url(), &key, &db);
    sync(&config, SyncMode::Full).await;
    // The analyst opens the published file read-only and keeps it open.
    let ro = duckdb::Config::default()
        .access_mode(duckdb::AccessMode::ReadOnly)
        .unwrap();
    let analyst = duckdb::Connection::open_with_flags(&db, ro).unwrap();
    let before: i64 = analyst
        .query_row("SELECT count(*) FROM employees", [], |r| r.get(0))
        .unwrap();
    sim.control().add_employees(company, 3);
    let syncing = tokio::spawn({
        let config = config.clone();
        async move { sync(&config, SyncMode::Incremental).await }
    });
    // The analyst queries throughout the sync, and sees a consistent snapshot.
    while !syncing.is_finished() {
        let n: i64 = analyst
            .query_row("SELECT count(*) FROM employees", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, before);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    syncing.await.unwrap();
    // A new connection sees the new sync.
    assert_eq!(
        sync_count(&db, "SELECT count(*) FROM employees"),
        before + 3
    );
    drop(analyst);
}

/// Runs `hrwise-sync sync` against the simulator as a child process.
fn sync_process(sim: &Sim, key: &str, db: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hrwise-sync"));
    cmd.env_clear()
        .env("HRWISE_API_KEY", key)
        .env("HRWISE_BASE_URL", sim.base_url())
        .env("HRWISE_DATABASE", db)
        .env("HRWISE_RATE_LIMIT_REQUESTS", "1000000")
        .env("HRWISE_LISTEN", "off")
        .arg("sync")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sync_killed_at_random_points_resumes_without_paying_twice() {
    let (sim, company, key) = start(500).await;
    // Some latency, so the kills land in the middle of the children.
    sim.control().set_latency(Duration::from_millis(3));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hr.duckdb");
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut kills = 0;
    for _ in 0..3 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_millis(400 + (seed >> 33) % 1200);
        let mut child = sync_process(&sim, &key, &db).spawn().unwrap();
        tokio::time::sleep(delay).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    let status = sync_process(&sim, &key, &db).status().unwrap();
    assert!(status.success());
    assert!(
        kills >= 2,
        "the kills should have landed mid-sync ({kills})"
    );
    assert_mirrors(&db, &sim.control().snapshot(company), company);
    let n = 500u64;
    let one_sync = 1 + n.div_ceil(100) + 3 * n + 2;
    let total = requests(&sim, company);
    assert!(
        total as f64 <= one_sync as f64 * 1.05,
        "{total} requests over {} syncs; one uninterrupted sync costs {one_sync}",
        kills + 1
    );
    // The killed runs are recorded as interrupted.
    assert_eq!(
        sync_count(
            &db,
            "SELECT count(*) FROM sync_runs WHERE status = 'running'"
        ),
        0
    );
}

/// 30 employees behind a quota of 40 requests per `window`, known to the client too.
async fn start_limited(
    window: Duration,
) -> (
    Sim,
    hrwise_sync::sim::SimCompany,
    tempfile::TempDir,
    hrwise_sync::config::Config,
) {
    let sim = Sim::start(SimOptions {
        employees: 30,
        rate_limit: 40,
        rate_window: window,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = sim.companies().remove(0);
    let dir = tempfile::tempdir().unwrap();
    let mut config = sync_config(&sim.base_url(), &c.api_key, &dir.path().join("hr.duckdb"));
    config.rate_limit_requests = 40;
    config.rate_limit_window = window;
    (sim, c, dir, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sync_needing_more_than_a_window_waits_for_it_without_a_429() {
    let (sim, c, dir, config) = start_limited(Duration::from_secs(2)).await;
    let db = dir.path().join("hr.duckdb");
    let out = sync(&config, SyncMode::Full).await;
    assert_eq!(out.requests, 1 + 1 + 90 + 2, "three windows' worth of work");
    assert_eq!(
        sim.control().counts(c.id).rate_limited,
        0,
        "no 429 was provoked"
    );
    assert_mirrors(&db, &sim.control().snapshot(c.id), c.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn max_wait_stops_cleanly_and_the_next_sync_finishes_the_rest() {
    let (sim, c, dir, mut config) = start_limited(Duration::from_secs(60)).await;
    let db = dir.path().join("hr.duckdb");
    let syncer = Syncer::new(&config).unwrap();
    let req = SyncRequest {
        mode: SyncMode::Full,
        max_wait: Some(Duration::from_secs(1)),
    };
    let out = syncer.sync(req, CancellationToken::new()).await.unwrap();
    assert_eq!(out.status, RunStatus::Incomplete);
    assert!(out.remaining > 0 && out.remaining < 30, "{}", out.remaining);
    assert!(
        out.message.as_deref().unwrap_or("").contains("remain"),
        "{:?}",
        out.message
    );
    // What was fetched is committed and published.
    let stored = sync_count(
        &db,
        "SELECT count(*) FROM employees WHERE children_synced_at IS NOT NULL",
    );
    assert_eq!(stored as u64, 30 - out.remaining);
    let runs = sync_rows(&db, "SELECT status, employees_remaining FROM sync_runs");
    assert_eq!(runs[0]["status"], "incomplete");

    // With quota again, the next sync continues the full sync without refetching.
    sim.control()
        .set_rate_limit(1_000_000, Duration::from_secs(60));
    sim.control().reset_counts();
    config.rate_limit_requests = 1_000_000;
    let out2 = sync(&config, SyncMode::Incremental).await;
    assert_eq!(
        out2.mode,
        SyncMode::Full,
        "an unfinished full sync is resumed"
    );
    // A token, then only what remained: the list and succession data stored by the
    // stopped sync less than a window ago are not paid for again.
    assert_eq!(out2.requests, 1 + 3 * out.remaining, "only what remained");
    assert_mirrors(&db, &sim.control().snapshot(c.id), c.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_sync_records_its_error_and_keeps_what_was_stored() {
    let (sim, company, key) = start(40).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hr.duckdb");
    let config = sync_config(&sim.base_url(), &key, &db);
    sync(&config, SyncMode::Full).await;
    let before = sync_count(&db, "SELECT count(*) FROM trainings");
    // A wrong key: the token exchange is refused.
    let bad = sync_config(&sim.base_url(), "hrw_not_a_key", &db);
    let syncer = Syncer::new(&bad).unwrap();
    let req = SyncRequest {
        mode: SyncMode::Incremental,
        max_wait: None,
    };
    assert!(syncer.sync(req, CancellationToken::new()).await.is_err());
    let runs = sync_rows(
        &db,
        "SELECT status, error, company_id FROM sync_runs ORDER BY id",
    );
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1]["status"], "failed");
    assert!(
        runs[1]["error"]
            .as_str()
            .unwrap()
            .contains("INVALID_API_KEY"),
        "{}",
        runs[1]["error"]
    );
    assert!(
        !runs[1]["error"].as_str().unwrap().contains("hrw_not_a_key"),
        "the key never shows"
    );
    assert_eq!(sync_count(&db, "SELECT count(*) FROM trainings"), before);
    let _ = company;
}

#[test]
fn an_older_warehouse_is_upgraded_in_place_without_losing_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hr.duckdb");
    let work = hrwise_sync::warehouse::work_path(&db);
    // A file as the first release wrote it: migration 1 only, with a sync in it.
    {
        let conn = duckdb::Connection::open(&work).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version BIGINT NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL);",
        )
        .unwrap();
        conn.execute_batch(hrwise_sync::warehouse::MIGRATIONS[0].2)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO schema_migrations VALUES (1, 'init', TIMESTAMP '2026-01-01 00:00:00');
             INSERT INTO sync_runs (company_id, mode, started_at, status) VALUES (123, 'full', TIMESTAMP '2026-01-01 00:00:00', 'succeeded');
             INSERT INTO bench_strength_history (run_id, synced_at, company_id, holder_key, role, raw)
                 VALUES (1, TIMESTAMP '2026-01-01 00:01:00', 123, 7, 'CTO', '{}');",
        )
        .unwrap();
    }
    let wh = hrwise_sync::warehouse::Warehouse::open(&db).expect("opens and upgrades");
    wh.publish().unwrap();
    drop(wh);
    let versions = sync_rows(
        &db,
        "SELECT version FROM schema_migrations ORDER BY version",
    );
    assert_eq!(versions.len(), hrwise_sync::warehouse::MIGRATIONS.len());
    let runs = sync_rows(
        &db,
        "SELECT id, status, succession_synced_at FROM sync_runs",
    );
    assert_eq!(runs.len(), 1, "the old run is kept");
    assert_eq!(
        runs[0]["succession_synced_at"], "2026-01-01 00:01:00",
        "and back-filled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stop_during_the_list_scan_abandons_the_request_in_flight() {
    let (sim, _company, key) = start(40).await;
    let dir = tempfile::tempdir().unwrap();
    let config = sync_config(&sim.base_url(), &key, &dir.path().join("hr.duckdb"));
    let syncer = Syncer::new(&config).unwrap();
    syncer.client().company().await.unwrap(); // the token, before the API turns slow
    let slow = Duration::from_secs(20);
    sim.control().set_latency(slow);
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let started = std::time::Instant::now();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.cancel();
    });
    let req = SyncRequest {
        mode: SyncMode::Full,
        max_wait: None,
    };
    let out = syncer.sync(req, cancel).await.unwrap();
    assert_eq!(out.status, RunStatus::Interrupted);
    assert!(
        started.elapsed() < slow,
        "the stop did not wait for the slow answer"
    );
    let runs = sync_rows(
        &dir.path().join("hr.duckdb"),
        "SELECT status FROM sync_runs",
    );
    assert_eq!(runs[0]["status"], "interrupted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn status_after_a_manual_sync_counts_it_as_the_last_success() {
    let (sim, _company, key) = start(20).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hr.duckdb");
    assert!(sync_process(&sim, &key, &db).status().unwrap().success());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hrwise-sync"))
        .env_clear()
        .env("HRWISE_DATABASE", &db)
        .env("HRWISE_SCHEDULE", "0 0 1 1 *")
        .arg("status")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let next = text
        .lines()
        .find(|l| l.starts_with("next run"))
        .unwrap_or_default();
    assert!(!next.contains("at once"), "a sync just succeeded: {next}");
    assert!(next.contains("01-01 00:00:00"), "{next}");
}

#[test]
fn an_unreadable_child_marks_nothing_deleted_but_costs_no_extra_refetch() {
    use hrwise_sync::fetch::models::{Employee, Record, Training};
    use hrwise_sync::transform;
    use hrwise_sync::warehouse::{ChildBatchItem, RunStart, Warehouse};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hr.duckdb");
    let wh = Warehouse::open(&db).unwrap();
    let now = || chrono::Utc::now().naive_utc();
    let run = wh
        .begin_run(&RunStart {
            company_id: 1,
            company_name: None,
            mode: "full",
            started_at: now(),
            full_since: None,
        })
        .unwrap();
    let e = Employee::from_value(serde_json::json!({"id": 7})).unwrap();
    wh.load_employee_page(1, run, &[transform::employee_row(1, &e)], &[], now())
        .unwrap();
    let training = |id: i64| {
        let t = Training::from_value(serde_json::json!({"id": id})).unwrap();
        transform::training_row(1, 7, &t)
    };
    let item = |ids: &[i64], partial: bool| ChildBatchItem {
        employee: 7,
        trainings: ids.iter().map(|i| training(*i)).collect(),
        complete: true,
        partial,
        ..Default::default()
    };
    wh.load_children(1, run, &[item(&[1, 2], false)], now())
        .unwrap();
    // Training 2 came back unreadable: it is not taken for deleted, and the employee is fresh.
    wh.load_children(1, run, &[item(&[1], true)], now())
        .unwrap();
    wh.publish().unwrap();
    let live = "SELECT count(*) FROM trainings WHERE deleted_at IS NULL";
    assert_eq!(sync_count(&db, live), 2);
    let fresh = "SELECT count(*) FROM employees WHERE children_synced_at IS NOT NULL";
    assert_eq!(sync_count(&db, fresh), 1);
    // A whole list without it: now it is deleted.
    wh.load_children(1, run, &[item(&[1], false)], now())
        .unwrap();
    wh.publish().unwrap();
    assert_eq!(sync_count(&db, live), 1);
}
