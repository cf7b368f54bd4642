//! Benchmarks of the warehouse and the sync engine (figures in BENCHMARKS.md):
//! 1. loading 100k employees and 1M child records (first load, then an unchanged reload),
//!    with peak memory;
//! 2. a full and an incremental demo-size sync against the simulator without rate limit.
//!
//! `cargo run --example bench_warehouse [EMPLOYEES] [CHILDREN_PER_EMPLOYEE] [SYNC_EMPLOYEES]`
//! (dev profile, in which DuckDB is optimised but our Rust code is not: upper bounds).

use std::time::{Duration, Instant};

use hrwise_sync::fetch::models::{Employee, Record, Training};
use hrwise_sync::sim::{Sim, SimOptions};
use hrwise_sync::sync::{SyncMode, SyncRequest, Syncer};
use hrwise_sync::transform;
use hrwise_sync::warehouse::{ChildBatchItem, RunStart, Warehouse};
use serde_json::json;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn employee(id: i64) -> Employee {
    Employee::from_value(json!({
        "id": id, "employee_id": format!("EMP{id:06}"), "full_name": format!("Person {id}"),
        "email": format!("p{id}+hr@example.com"), "phone": "+1234567890", "company": 1,
        "department": {"id": id % 12, "name": format!("Dept {}", id % 12)},
        "position": "Engineer", "position_start_date": "2020-01-15", "hire_date": "2018-03-01",
        "education": "BSc", "certifications": ["AWS", "Scrum"], "no_of_trainings": 12,
        "gender": "Female", "recruitment_channel": "LinkedIn", "age": 32,
        "previous_year_rating": 4.5, "length_of_service": 6.8, "awards_won": 2,
        "avg_training_score": 87.5, "performance_score": "92.30", "status": "active",
        "attrition_risk_score": (id % 100) as f64, "extra_data": {}, "last_analyzed": "2024-01-15T10:30:00Z",
        "is_high_performer": id % 7 == 0, "high_performer_date": null, "onboarded": true,
        "is_active": true, "seniority_level": "Senior", "evaluation_history": [],
        "current_progress_score": 85.0, "skill_gaps": ["Cloud", "Leadership"],
        "role_fit_score": "90", "created": "2018-03-01T09:00:00Z", "modified": "2024-01-15T10:30:00Z"
    }))
    .unwrap()
}

fn training(id: i64) -> Training {
    Training::from_value(json!({
        "id": id, "employee_name": "Person", "skill_name": "Cloud", "course_name": "AWS SA",
        "start_date": "2024-01-01", "completion_date": "2024-03-15", "provider": "Coursera",
        "status": "completed", "rating": 5, "feedback": "Excellent course",
        "evidence": "https://api.hrwise.ai/media/certificates/cert.pdf", "department": "Eng",
        "manager_rating": 4
    }))
    .unwrap()
}

/// Loads `employees` employees and `per` trainings each; returns the time spent in the
/// warehouse for each (generating and transforming the records is not counted).
fn load(wh: &Warehouse, employees: i64, per: i64, run_id: i64) -> (Duration, Duration) {
    let now = || chrono::Utc::now().naive_utc();
    let (mut in_employees, mut in_children) = (Duration::ZERO, Duration::ZERO);
    for chunk in (1..=employees).collect::<Vec<_>>().chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|id| transform::employee_row(1, &employee(*id)))
            .collect();
        let started = Instant::now();
        wh.load_employee_page(1, run_id, &rows, &[], now()).unwrap();
        in_employees += started.elapsed();
    }
    let template = training(1);
    for chunk in (1..=employees).collect::<Vec<_>>().chunks(1000) {
        let items: Vec<ChildBatchItem> = chunk
            .iter()
            .map(|e| ChildBatchItem {
                employee: *e,
                modified: None,
                trainings: (0..per)
                    .map(|i| {
                        let mut t = template.clone();
                        t.id = e * per + i;
                        t.raw["id"] = json!(t.id);
                        transform::training_row(1, *e, &t)
                    })
                    .collect(),
                complete: true,
                ..Default::default()
            })
            .collect();
        let started = Instant::now();
        wh.load_children(1, run_id, &items, now()).unwrap();
        in_children += started.elapsed();
    }
    (in_employees, in_children)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let args: Vec<i64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a number"))
        .collect();
    let employees = args.first().copied().unwrap_or(100_000);
    let per = args.get(1).copied().unwrap_or(10);
    let sync_employees = args.get(2).copied().unwrap_or(500) as usize;
    let dir = tempfile::tempdir().unwrap();

    let db = dir.path().join("bench.duckdb");
    let wh = Warehouse::open(&db).unwrap();
    let start = |mode| RunStart {
        company_id: 1,
        company_name: None,
        mode,
        started_at: chrono::Utc::now().naive_utc(),
        full_since: None,
    };
    let run = wh.begin_run(&start("full")).unwrap();
    let (e1, c1) = load(&wh, employees, per, run);
    let run = wh.begin_run(&start("full")).unwrap();
    let (e2, c2) = load(&wh, employees, per, run);
    let started = Instant::now();
    wh.publish().unwrap();
    let publish = started.elapsed();
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0;
    println!(
        "load: {employees} employees, {} child records",
        employees * per
    );
    println!(
        "  first load (time in the warehouse):      employees {:>6.2}s  children {:>6.2}s",
        e1.as_secs_f64(),
        c1.as_secs_f64()
    );
    println!(
        "  unchanged reload (time in the warehouse): employees {:>6.2}s  children {:>6.2}s",
        e2.as_secs_f64(),
        c2.as_secs_f64()
    );
    println!(
        "  publish {:.2}s, file {size:.0} MiB, peak RSS {:.0} MiB",
        publish.as_secs_f64(),
        peak_rss_mib()
    );
    drop(wh);

    let sim = Sim::start(SimOptions {
        employees: sync_employees,
        rate_limit: 10_000_000,
        ..Default::default()
    })
    .await
    .unwrap();
    let company = sim.companies().remove(0);
    let config = hrwise_sync::config::RawConfig {
        api_key: Some(hrwise_sync::secret::Secret::new(company.api_key)),
        base_url: Some(sim.base_url()),
        database: Some(dir.path().join("sync.duckdb")),
        rate_limit_requests: Some(10_000_000),
        ..Default::default()
    }
    .validate()
    .unwrap();
    let syncer = Syncer::new(&config).unwrap();
    for (label, mode) in [
        ("full", SyncMode::Full),
        ("incremental (no change)", SyncMode::Incremental),
    ] {
        let out = syncer
            .sync(
                SyncRequest {
                    mode,
                    max_wait: None,
                },
                tokio_util::sync::CancellationToken::new(),
            )
            .await
            .unwrap();
        println!(
            "sync {label}: {sync_employees} employees, {} requests, {:.2}s ({:.0} requests/s)",
            out.requests,
            out.duration.as_secs_f64(),
            out.requests as f64 / out.duration.as_secs_f64()
        );
    }
    let changed: Vec<i64> = (1..=10).collect();
    for id in &changed {
        sim.control().update_employee(company.id, *id);
    }
    let out = syncer
        .sync(
            SyncRequest {
                mode: SyncMode::Incremental,
                max_wait: None,
            },
            tokio_util::sync::CancellationToken::new(),
        )
        .await
        .unwrap();
    println!(
        "sync incremental (10 changed): {} requests, {:.2}s",
        out.requests,
        out.duration.as_secs_f64()
    );
}
