//! Interruptions and quota: SIGKILL at random points, a sync needing several windows,
//! `--max-wait`, a stop during the list scan, a sync that fails.

use super::*;

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
