//! The fetch layer over real HTTP against the simulator: every endpoint typed, the token's
//! life, the quota (no avoidable 429, a 429 pauses everyone), faults retried exactly once
//! each, pagination behind a proxy, and the `invite` command end to end.

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime};

use hrwise_sync::fetch::models::{Employee, InviteRequest, Parsed, Record};
use hrwise_sync::fetch::{Client, EmployeeFilters, EmployeePage, FetchError, SuccessorFilters};
use hrwise_sync::sim::{ResetStyle, SimOptions};
use serde_json::json;

use crate::support::{fetch_client, fetch_command, fetch_options, fetch_sim};

const HOUR: Duration = Duration::from_secs(3600);

fn opts(employees: usize) -> SimOptions {
    SimOptions {
        employees,
        companies: 1,
        ..Default::default()
    }
}

/// `n` employee-detail requests at once (the client keeps them within its limits).
async fn details(client: &Client, ids: &[i64]) -> Vec<Result<Employee, FetchError>> {
    let mut set = tokio::task::JoinSet::new();
    for (i, id) in ids.iter().enumerate() {
        let (c, id) = (client.clone(), id.to_string());
        set.spawn(async move { (i, c.employee(&id).await) });
    }
    let mut out: Vec<(usize, Result<Employee, FetchError>)> = set.join_all().await;
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

fn ids_of(snapshot: &serde_json::Value) -> Vec<i64> {
    snapshot["employees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn fetch_every_endpoint_is_a_typed_call() {
    let sim = fetch_sim(opts(60)).await;
    let ctl = sim.control();
    let company_id = sim.companies()[0].id;
    let snap = ctl.snapshot(company_id);
    let client = fetch_client(fetch_options(&sim, 1000, HOUR));

    assert_eq!(client.company().await.unwrap().id, company_id);
    let (all, summary) = client
        .employees_all(&EmployeeFilters::default())
        .await
        .unwrap();
    assert!(summary.complete, "{summary:?}");
    assert_eq!(all.records.len(), 60);
    assert!(all.rejected.is_empty(), "{:?}", all.rejected);

    let first = &snap["employees"][0];
    let id = first["id"].as_i64().unwrap();
    let by_id = client.employee(&id.to_string()).await.unwrap();
    let by_email = client
        .employee(first["email"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!((by_id.id, by_email.id), (id, id));
    assert!(by_id.raw.is_object(), "the raw payload is kept");

    let ident = id.to_string();
    let gaps = client.skill_gaps(&ident).await.unwrap();
    assert_eq!(json!(gaps), first["skill_gaps"]);
    client.progress(&ident).await.unwrap();
    let trainings = client.trainings(&ident).await.unwrap();
    assert_eq!(
        trainings.records.len(),
        snap["trainings"][&ident].as_array().unwrap().len()
    );
    let tasks = client.tasks(&ident).await.unwrap();
    assert_eq!(
        tasks.records.len(),
        snap["tasks"][&ident].as_array().unwrap().len()
    );
    let mentorships = client.mentorships(&ident).await.unwrap();
    assert_eq!(
        mentorships.records.len(),
        snap["mentorships"][&ident].as_array().unwrap().len()
    );

    let positions = client
        .successors(&SuccessorFilters::default())
        .await
        .unwrap();
    assert_eq!(
        positions.positions.len(),
        snap["successors"].as_array().unwrap().len()
    );
    assert!(positions.rejected.is_empty());
    let some = positions
        .positions
        .iter()
        .flat_map(|p| &p.successors.records)
        .next()
        .unwrap();
    assert_eq!(
        client.successor(&some.id.to_string()).await.unwrap().id,
        some.id
    );
    let bench = client.bench_strength(None).await.unwrap();
    assert_eq!(
        bench.records.len(),
        snap["bench_strength"].as_array().unwrap().len()
    );
    assert!(
        bench
            .records
            .iter()
            .all(|b| b.bench_strength_index.is_some())
    );

    // Errors are typed, with status, code and message.
    let err = client.employee("EMP-NOPE-999").await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.code(), Some("EMPLOYEE_NOT_FOUND"));
    assert!(err.to_string().contains("employee_detail"), "{err}");
    let err = client
        .successor("nobody@nowhere.example")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("SUCCESSOR_NOT_FOUND"));

    // The client counts what the simulator counts.
    let stats = client.stats();
    let counted = ctl.counts(company_id);
    for (endpoint, n) in &stats.requests_by_endpoint {
        assert_eq!(counted.by_endpoint.get(endpoint), Some(n), "{endpoint}");
    }
    assert_eq!(stats.requests(), counted.total);
    assert_eq!(stats.token_exchanges, 1);
}

#[tokio::test]
async fn fetch_invite_creates_then_updates_and_reports_api_errors() {
    let sim = fetch_sim(opts(20)).await;
    let snap = sim.control().snapshot(sim.companies()[0].id);
    let department = snap["employees"][0]["department"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let client = fetch_client(fetch_options(&sim, 1000, HOUR));
    let mut req = InviteRequest {
        email: "new.person+hr@example.com".into(),
        first_name: "New".into(),
        last_name: "Person".into(),
        department_name: department.clone(),
        position: "Analyst".into(),
    };
    let created = client.invite(&req).await.unwrap();
    assert_eq!(created.status, 201);
    assert!(created.created());
    req.position = "Senior Analyst".into();
    let updated = client.invite(&req).await.unwrap();
    assert!(!updated.created(), "{updated:?}");
    // The email with a `+` is one path segment.
    let e = client.employee(&req.email).await.unwrap();
    assert_eq!(e.position.as_deref(), Some("Senior Analyst"));

    req.department_name = "No Such Department".into();
    let err = client.invite(&req).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("DEPARTMENT_NOT_FOUND")),
        "{err}"
    );
}

#[tokio::test]
async fn fetch_identifiers_that_need_encoding_reach_their_employee() {
    let sim = fetch_sim(opts(30)).await;
    let snap = sim.control().snapshot(sim.companies()[0].id);
    let client = fetch_client(fetch_options(&sim, 1000, HOUR));
    let mut checked = 0;
    for e in snap["employees"].as_array().unwrap() {
        let employee_id = e["employee_id"].as_str().unwrap();
        let plain = employee_id.chars().all(|c| c.is_ascii_alphanumeric());
        if plain {
            continue;
        }
        let got = client.employee(employee_id).await.unwrap();
        assert_eq!(got.id, e["id"].as_i64().unwrap(), "{employee_id}");
        checked += 1;
    }
    assert!(
        checked >= 4,
        "the simulator has identifiers with '/', ' ', '#', '%', non-ASCII"
    );
    for e in snap["employees"].as_array().unwrap() {
        let email = e["email"].as_str().unwrap();
        if !email.is_ascii() || email.contains('+') {
            assert_eq!(
                client.employee(email).await.unwrap().id,
                e["id"].as_i64().unwrap()
            );
        }
    }
}

#[tokio::test]
async fn fetch_a_run_outliving_the_access_token_refreshes_and_continues() {
    let sim = fetch_sim(SimOptions {
        access_ttl: Duration::from_secs(2),
        ..opts(40)
    })
    .await;
    let ctl = sim.control();
    let company_id = sim.companies()[0].id;
    let ids = ids_of(&ctl.snapshot(company_id));
    let client = fetch_client(fetch_options(&sim, 1000, HOUR));
    let started = Instant::now();
    // Renewal comes at half the 2 s lifetime: 3.5 s of work needs at least two.
    while started.elapsed() < Duration::from_millis(3500) {
        for r in details(&client, &ids[..8]).await {
            r.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let counted = ctl.counts(company_id);
    assert_eq!(counted.token_exchanges, 1, "{counted:?}");
    assert!(counted.token_refreshes >= 2, "{counted:?}");
    assert_eq!(
        counted.by_status.get(&401),
        None,
        "renewed before expiry, never refused"
    );
    assert_eq!(client.stats().token_refreshes, counted.token_refreshes);
}

#[tokio::test]
async fn fetch_revoked_tokens_cost_one_reexchange() {
    let sim = fetch_sim(opts(40)).await;
    let ctl = sim.control();
    let company_id = sim.companies()[0].id;
    let ids = ids_of(&ctl.snapshot(company_id));
    let client = fetch_client(fetch_options(&sim, 1000, HOUR));
    client.employee(&ids[0].to_string()).await.unwrap();
    ctl.revoke_all_tokens();
    for r in details(&client, &ids[..16]).await {
        r.unwrap();
    }
    let counted = ctl.counts(company_id);
    assert_eq!(counted.token_exchanges, 2, "{counted:?}");
    assert_eq!(
        counted.by_endpoint.get("refresh"),
        None,
        "a revoked refresh token is not tried"
    );
    // Only the requests already in flight with the revoked token were refused.
    assert!(
        counted.by_status.get(&401).copied().unwrap_or(0) <= 8,
        "{counted:?}"
    );
}

#[tokio::test]
async fn fetch_concurrent_expiry_causes_exactly_one_renewal() {
    let sim = fetch_sim(SimOptions {
        access_ttl: Duration::from_secs(2),
        ..opts(40)
    })
    .await;
    let ctl = sim.control();
    let company_id = sim.companies()[0].id;
    let ids = ids_of(&ctl.snapshot(company_id));
    let client = fetch_client(fetch_options(&sim, 1000, HOUR));
    client.company().await.unwrap();
    // Past the renewal point (half the lifetime) but before expiry.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    for r in details(&client, &ids[..24]).await {
        r.unwrap();
    }
    let counted = ctl.counts(company_id);
    assert_eq!(
        (counted.token_exchanges, counted.token_refreshes),
        (1, 1),
        "{counted:?}"
    );
    assert_eq!(counted.by_endpoint.get("refresh"), Some(&1));

    // Also when the token has already expired and every request finds out together.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    for r in details(&client, &ids[..24]).await {
        r.unwrap();
    }
    let counted = ctl.counts(company_id);
    assert_eq!(
        (counted.token_exchanges, counted.token_refreshes),
        (1, 2),
        "{counted:?}"
    );
}

#[tokio::test]
async fn fetch_work_beyond_three_windows_meets_no_429() {
    let (limit, window) = (30u32, Duration::from_secs(1));
    let sim = fetch_sim(SimOptions {
        rate_limit: limit,
        rate_window: window,
        ..opts(120)
    })
    .await;
    let ctl = sim.control();
    let company_id = sim.companies()[0].id;
    let ids = ids_of(&ctl.snapshot(company_id));
    let client = fetch_client(fetch_options(&sim, limit, window));
    let started = Instant::now();
    for r in details(&client, &ids[..110]).await {
        r.unwrap();
    }
    let elapsed = started.elapsed();
    let counted = ctl.counts(company_id);
    assert_eq!(counted.rate_limited, 0, "{counted:?}");
    assert_eq!(counted.total, 111);
    // 111 requests need 4 windows of 30: the last starts 3 windows in. An upper bound only.
    assert!(
        elapsed < window * 4 + Duration::from_secs(3),
        "took {elapsed:?}"
    );
    let q = client.quota();
    assert_eq!(q.limit, limit);
    assert!(q.used_in_window <= limit);
    assert!(client.stats().waited > Duration::ZERO);
    assert!(client.request_times().len() <= limit as usize);
}

#[tokio::test]
async fn fetch_server_headers_hold_back_a_client_that_thinks_it_has_more() {
    // The simulator allows 25 per 2 s; the client believes 1000 an hour. The headers (both
    // spellings of the reset) must keep it from every 429.
    for style in [ResetStyle::EpochSeconds, ResetStyle::SecondsFromNow] {
        let sim = fetch_sim(SimOptions {
            rate_limit: 25,
            rate_window: Duration::from_secs(2),
            ..opts(80)
        })
        .await;
        let ctl = sim.control();
        ctl.set_reset_header_style(style);
        let company_id = sim.companies()[0].id;
        let ids = ids_of(&ctl.snapshot(company_id));
        let client = fetch_client(fetch_options(&sim, 1000, HOUR));
        for r in details(&client, &ids[..60]).await {
            r.unwrap();
        }
        let counted = ctl.counts(company_id);
        assert_eq!(counted.rate_limited, 0, "{style:?}: {counted:?}");
        assert_eq!(client.quota().server_limit, Some(25));
    }
}

#[tokio::test]
async fn fetch_a_429_pauses_every_request_and_is_not_a_retry() {
    let sim = fetch_sim(SimOptions {
        rate_limit: 20,
        rate_window: Duration::from_secs(2),
        ..opts(60)
    })
    .await;
    let ctl = sim.control();
    let company_id = sim.companies()[0].id;
    let ids = ids_of(&ctl.snapshot(company_id));
    // Two clients share the company's quota without knowing of each other.
    let a = fetch_client(fetch_options(&sim, 1000, HOUR));
    let b = fetch_client(fetch_options(&sim, 1000, HOUR));
    a.employee(&ids[0].to_string()).await.unwrap();
    for r in details(&b, &ids[..15]).await {
        r.unwrap();
    }
    // `a` last heard 18 remaining; `b` has spent them.
    for r in details(&a, &ids[..6]).await {
        r.unwrap();
    }
    let counted = ctl.counts(company_id);
    let stats = a.stats();
    assert!(stats.rate_limited >= 1, "{stats:?}");
    assert_eq!(
        stats.retries, 0,
        "a 429 is waited out, not counted as a retry"
    );
    // After the first 429 everyone paused: only requests already on their way met one.
    assert!(counted.rate_limited <= 6, "{counted:?}");
    assert!(stats.waited > Duration::ZERO);
}

#[tokio::test]
async fn fetch_faults_cost_exactly_one_extra_request_each() {
    let sim = fetch_sim(SimOptions {
        fault_rate: 0.1,
        seed: 7,
        ..opts(300)
    })
    .await;
    let ctl = sim.control();
    let company_id = sim.companies()[0].id;
    let ids = ids_of(&ctl.snapshot(company_id));
    let mut o = fetch_options(&sim, 1000, HOUR);
    o.page_size = 25;
    let client = fetch_client(o);
    let (all, summary) = client
        .employees_all(&EmployeeFilters::default())
        .await
        .unwrap();
    assert_eq!(all.records.len(), 300);
    assert!(summary.complete, "{summary:?}");
    for r in details(&client, &ids[..150]).await {
        r.unwrap();
    }
    let counted = ctl.counts(company_id);
    let stats = client.stats();
    assert!(counted.faults >= 5, "10% of ~165 requests: {counted:?}");
    assert_eq!(stats.retries, counted.faults, "{stats:?} vs {counted:?}");
    assert_eq!(stats.requests(), counted.total);
    assert_eq!(stats.retries_by_reason.values().sum::<u64>(), stats.retries);
    // Work: 1 token + 12 pages + 150 details; every extra request is a fault's retry.
    assert_eq!(counted.total - counted.faults, 1 + 12 + 150);
}

#[tokio::test]
async fn fetch_pagination_behind_a_proxy_visits_every_page_once() {
    let sim = fetch_sim(opts(230)).await;
    let ctl = sim.control();
    ctl.set_link_host(Some("http://proxy.invalid:8080".into()));
    let company_id = sim.companies()[0].id;
    let mut o = fetch_options(&sim, 1000, HOUR);
    o.page_size = 25;
    let client = fetch_client(o);
    let page = client
        .employees_page(1, &EmployeeFilters::default())
        .await
        .unwrap();
    assert!(
        page.next
            .as_deref()
            .unwrap()
            .starts_with("http://proxy.invalid:8080/")
    );
    let (all, summary) = client
        .employees_all(&EmployeeFilters::default())
        .await
        .unwrap();
    assert!(summary.complete, "{summary:?}");
    assert_eq!((summary.pages, summary.count), (10, Some(230)));
    let unique: BTreeSet<i64> = all.records.iter().map(|e| e.id).collect();
    assert_eq!(unique.len(), 230);
    // Delivered in page order: the simulator lists by ascending id.
    assert!(all.records.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(
        ctl.counts(company_id).by_endpoint.get("employees_list"),
        Some(&11)
    );
}

#[tokio::test]
async fn fetch_pagination_edges_clamped_size_filters_and_empty_lists() {
    let sim = fetch_sim(opts(130)).await;
    let ctl = sim.control();
    let company_id = sim.companies()[0].id;
    let snap = ctl.snapshot(company_id);
    let mut o = fetch_options(&sim, 1000, HOUR);
    o.page_size = 500; // the simulator clamps it to 100
    let client = fetch_client(o);
    let (all, summary) = client
        .employees_all(&EmployeeFilters::default())
        .await
        .unwrap();
    assert!(summary.complete, "{summary:?}");
    assert_eq!((all.records.len(), summary.pages), (130, 2));

    let active = snap["employees"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["is_active"] == true)
        .count();
    let f = EmployeeFilters {
        is_active: Some(true),
        ..Default::default()
    };
    let (some, summary) = client.employees_all(&f).await.unwrap();
    assert!(summary.complete);
    assert_eq!(some.records.len(), active);

    let none = EmployeeFilters {
        department: Some("No Such Department".into()),
        ..Default::default()
    };
    let (empty, summary) = client.employees_all(&none).await.unwrap();
    assert!(summary.complete, "{summary:?}");
    assert_eq!((empty.records.len(), summary.count), (0, Some(0)));

    let err = client
        .employees_page(99, &EmployeeFilters::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn fetch_a_list_changing_mid_scan_is_reported_incomplete() {
    let sim = fetch_sim(SimOptions {
        latency: Duration::from_millis(30),
        ..opts(200)
    })
    .await;
    let ctl = sim.control();
    let company_id = sim.companies()[0].id;
    let mut o = fetch_options(&sim, 1000, HOUR);
    o.page_size = 10;
    o.max_in_flight = 1; // pages one by one, so the change lands between them
    let client = fetch_client(o);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Parsed<Employee>>(1);
    let scan = tokio::spawn({
        let client = client.clone();
        async move { client.scan_employees(&EmployeeFilters::default(), tx).await }
    });
    rx.recv().await.unwrap();
    ctl.add_employees(company_id, 3);
    while rx.recv().await.is_some() {}
    let summary = scan.await.unwrap().unwrap();
    assert!(!summary.complete, "{summary:?}");
    assert!(
        summary.problems.iter().any(|p| p.contains("count changed")),
        "{summary:?}"
    );
}

#[tokio::test]
async fn fetch_restart_remembers_the_requests_of_the_window() {
    let sim = fetch_sim(opts(20)).await;
    let window = Duration::from_millis(1500);
    let mut o = fetch_options(&sim, 10, window);
    o.prior_requests = vec![SystemTime::now(); 10];
    let client = fetch_client(o);
    assert_eq!(client.quota().remaining, 0);
    assert!(client.estimate_wait(1) > Duration::from_millis(1000));
    client.company().await.unwrap();
    assert!(
        client.stats().waited >= Duration::from_millis(1000),
        "{:?}",
        client.stats()
    );
}

#[test]
fn fetch_tolerant_models_report_unreadable_records_without_failing_the_page() {
    let page = EmployeePage::from_data(json!({
        "count": "3", "page": 1, "page_size": 50, "total_pages": "1", "next": null,
        "results": [
            {"id": 1, "role_fit_score": "90", "performance_score": "92.30", "phone": null,
             "department": {"id": 5, "name": "Engineering"}, "brand_new": [1, 2]},
            {"id": "2", "attrition_risk_score": null, "is_active": "true", "age": "41"},
            {"id": {"nested": true}, "full_name": "Broken Record"}
        ]
    }))
    .unwrap();
    assert_eq!(page.count, Some(3));
    assert_eq!(page.records.records.len(), 2);
    let e = &page.records.records[0];
    assert_eq!(
        (e.role_fit_score, e.performance_score),
        (Some(90.0), Some(92.3))
    );
    assert_eq!(e.raw["brand_new"], json!([1, 2]));
    assert_eq!(page.records.records[1].age, Some(41));
    let rejected = &page.records.rejected[0];
    assert_eq!(rejected.raw["full_name"], "Broken Record");
    assert!(!rejected.reason.is_empty());
    assert!(Employee::from_value(json!({"no_id": 1})).is_err());
}

#[tokio::test]
async fn fetch_secrets_stay_out_of_errors_and_debug_output() {
    let sim = fetch_sim(opts(5)).await;
    let mut o = fetch_options(&sim, 1000, HOUR);
    let real_key = o.api_key.expose().to_string();
    assert!(!format!("{o:?}").contains(&real_key));
    o.api_key = hrwise_sync::secret::Secret::new("hrw_wrong_key_123456");
    let client = fetch_client(o);
    let err = client.company().await.unwrap_err();
    assert!(matches!(err, FetchError::Auth { .. }), "{err:?}");
    let text = format!("{err} {err:?} {client:?}");
    assert!(!text.contains("hrw_wrong_key_123456"), "{text}");
    assert!(text.contains("INVALID_API_KEY"), "{text}");
}

async fn run_binary(mut cmd: std::process::Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("the binary runs"))
        .await
        .unwrap()
}

#[tokio::test]
async fn fetch_invite_csv_reports_every_row_and_names_bad_ones() {
    let sim = fetch_sim(opts(10)).await;
    let ctl = sim.control();
    let company = sim.companies()[0].clone();
    let snap = ctl.snapshot(company.id);
    let existing = &snap["employees"][0];
    let dept = existing["department"]["name"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        format!(
            "position,email,first_name,last_name,department_name\n\
             Analyst,ann.new@example.com,Ann,New,{dept}\n\
             Lead,{email},Old,Timer,{dept}\n\
             Analyst,not-an-email,Bad,Email,{dept}\n\
             Analyst,nod@example.com,No,Dept,Atlantis\n\
             Analyst,short@example.com,Too,Short\n",
            email = existing["email"].as_str().unwrap()
        ),
    )
    .unwrap();

    // --dry-run validates without a single request.
    let mut cmd = fetch_command(&sim.base_url(), &company.api_key);
    cmd.args(["invite", "--dry-run", "--csv"]).arg(&csv);
    let out = run_binary(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("line 4: not-an-email: failed: invalid email format"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 6: short@example.com: failed: has 4 fields"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 2: ann.new@example.com: valid"),
        "{stdout}"
    );
    assert!(stdout.contains("3 of 5 valid, 2 invalid"), "{stdout}");
    assert_eq!(ctl.counts(company.id).total, 0);

    let mut cmd = fetch_command(&sim.base_url(), &company.api_key);
    cmd.args(["invite", "--csv"]).arg(&csv);
    let out = run_binary(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("line 2: ann.new@example.com: created"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "line 3: {}: updated",
            existing["email"].as_str().unwrap()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 4: not-an-email: failed: invalid email format"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 5: nod@example.com: failed: DEPARTMENT_NOT_FOUND"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 6: short@example.com: failed: has 4 fields"),
        "{stdout}"
    );
    assert!(stdout.contains("2 of 5 succeeded, 3 failed"), "{stdout}");
    assert!(stderr.contains("3 of 5 invitations failed"), "{stderr}");
    assert!(!stdout.contains(&company.api_key) && !stderr.contains(&company.api_key));
    assert_eq!(ctl.counts(company.id).by_endpoint.get("invite"), Some(&3));

    // One person from flags.
    let mut cmd = fetch_command(&sim.base_url(), &company.api_key);
    cmd.args([
        "invite",
        "--email",
        "flag.person@example.com",
        "--first-name",
        "Flag",
    ])
    .args([
        "--last-name",
        "Person",
        "--department",
        dept,
        "--position",
        "Engineer",
    ]);
    let out = run_binary(cmd).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("flag.person@example.com: created"));
}

#[tokio::test]
async fn fetch_invite_bad_usage_exits_2() {
    let sim = fetch_sim(opts(5)).await;
    let key = sim.companies()[0].api_key.clone();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("cols.csv");
    std::fs::write(&csv, "email,first_name\na@example.com,A\n").unwrap();
    for args in [
        vec!["invite", "--csv", csv.to_str().unwrap()],
        vec!["invite", "--csv", "/nonexistent/people.csv"],
        vec!["invite", "--email", "a@example.com"],
        vec![
            "invite",
            "--email",
            "bad",
            "--first-name",
            "A",
            "--last-name",
            "B",
            "--department",
            "D",
            "--position",
            "P",
        ],
    ] {
        let mut cmd = fetch_command(&sim.base_url(), &key);
        cmd.args(&args);
        let out = run_binary(cmd).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
    }
    assert_eq!(sim.control().counts(sim.companies()[0].id).total, 0);
}
