//! The warehouse file itself: in-place upgrades, unreadable child records, and `status`
//! reading the runs a manual sync recorded.

use super::*;

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
