//! The warehouse and the sync engine against the simulator: a full sync mirrors it field by
//! field; incremental syncs cost only what changed and keep history; a killed sync resumes
//! without paying twice; an analyst's open connection never gets in the way. Shared here: the
//! simulator and configuration set-ups and the field-by-field comparison.

mod mirror;
mod resume;
mod warehouse;

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
