//! A full sync mirrors the simulator field by field; incremental syncs fetch what changed
//! and keep history; an analyst holding the file open never blocks a sync.

use super::*;

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
