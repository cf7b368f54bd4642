//! The rate limit under a concurrent burst and across a window reset, injected faults and
//! latency, and request counts by endpoint.

use std::time::{Duration, Instant};

use hrwise_sync::sim::ResetStyle;
use serde_json::json;

use crate::support::{sim_get, sim_options, sim_post, sim_tokens};

use super::{Ctx, assert_error, assert_rate_headers};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_holds_under_a_concurrent_burst() {
    let c = Ctx::new(sim_options()).await;
    const LIMIT: usize = 50;
    const BURST: usize = 1200;
    c.sim
        .control()
        .set_rate_limit(LIMIT as u32, Duration::from_secs(60));
    c.sim.control().reset_counts();
    let tasks: Vec<_> = (0..BURST)
        .map(|i| {
            let (http, url, token) = (
                c.http.clone(),
                c.url(if i % 2 == 0 {
                    "employees/?page_size=5"
                } else {
                    "bench-strength/"
                }),
                c.access.clone(),
            );
            tokio::spawn(async move { sim_get(&http, &url, Some(&token)).await })
        })
        .collect();
    let mut ok_remaining = Vec::new();
    let mut limited = 0;
    for t in tasks {
        let r = t.await.expect("request task");
        assert_rate_headers(&r);
        assert_eq!(r.header("x-ratelimit-limit"), Some("50"));
        match r.status {
            200 => {
                assert_eq!(r.json["success"], true);
                ok_remaining.push(
                    r.header("x-ratelimit-remaining")
                        .and_then(|v| v.parse::<usize>().ok())
                        .expect("remaining"),
                );
            }
            429 => {
                assert_error(&r, 429, "RATE_LIMIT_EXCEEDED");
                assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
                let retry: u64 = r
                    .header("retry-after")
                    .and_then(|v| v.parse().ok())
                    .expect("Retry-After seconds");
                assert!((1..=60).contains(&retry));
                limited += 1;
            }
            other => panic!("unexpected status {other}: {}", r.text),
        }
    }
    ok_remaining.sort_unstable();
    assert_eq!(
        ok_remaining,
        (0..LIMIT).collect::<Vec<_>>(),
        "exactly {LIMIT} admitted, each once"
    );
    assert_eq!(limited, BURST - LIMIT);
    let counts = c.sim.control().counts(c.company.id);
    assert_eq!(counts.total, BURST as u64);
    assert_eq!(counts.rate_limited, (BURST - LIMIT) as u64);
    assert_eq!(counts.by_status.get(&200), Some(&(LIMIT as u64)));
    // The other company's quota is its own.
    let other = c.sim.companies()[1].clone();
    let (token, _) = sim_tokens(&c.http, &c.base, &other.api_key).await;
    assert_eq!(
        sim_get(&c.http, &c.url("employees/"), Some(&token))
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_window_resets_and_headers_describe_it() {
    let c = Ctx::new(sim_options()).await;
    let control = c.sim.control();
    control.set_rate_limit(3, Duration::from_secs(1));
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    for left in ["2", "1", "0"] {
        let r = c.get("employees/").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-ratelimit-remaining"), Some(left));
        let reset: u64 = r
            .header("x-ratelimit-reset")
            .and_then(|v| v.parse().ok())
            .expect("reset");
        assert!(
            (before..=before + 3).contains(&reset),
            "reset {reset} is epoch seconds near now {before}"
        );
    }
    let r = c.get("employees/").await;
    assert_error(&r, 429, "RATE_LIMIT_EXCEEDED");
    assert_eq!(r.header("retry-after"), Some("1"));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = c.get("employees/").await;
        if r.status == 200 {
            assert_eq!(r.header("x-ratelimit-remaining"), Some("2"));
            break;
        }
        assert_eq!(r.status, 429);
        assert!(Instant::now() < deadline, "the window never reset");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    control.set_reset_header_style(ResetStyle::SecondsFromNow);
    control.set_rate_limit(10, Duration::from_secs(30));
    let r = c.get("employees/").await;
    assert_eq!(r.header("x-ratelimit-reset"), Some("30"));
    // Token calls count by default; they can be switched off.
    let r = sim_post(
        &c.http,
        &c.url("token/"),
        None,
        &json!({"api_key": c.company.api_key}),
    )
    .await;
    assert_eq!(r.header("x-ratelimit-remaining"), Some("8"));
    control.set_count_token_calls(false);
    let r = sim_post(
        &c.http,
        &c.url("token/"),
        None,
        &json!({"api_key": c.company.api_key}),
    )
    .await;
    assert_eq!(r.header("x-ratelimit-remaining"), Some("8"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_and_latency_are_injected_and_spend_no_quota() {
    let c = Ctx::new(sim_options()).await;
    let control = c.sim.control();
    control.set_rate_limit(1000, Duration::from_secs(600));
    control.reset_counts();
    control.set_fault_rate(1.0);
    let (mut html, mut envelope) = (0, 0);
    for _ in 0..40 {
        let r = c.get("employees/").await;
        assert_eq!(r.status, 500);
        assert_rate_headers(&r);
        match r.header("content-type") {
            Some("text/html") => {
                assert!(r.text.contains("<html>"));
                html += 1;
            }
            _ => {
                assert_error(&r, 500, "INTERNAL_SERVER_ERROR");
                envelope += 1;
            }
        }
    }
    assert!(
        html > 0 && envelope > 0,
        "both kinds of 500: {html} html, {envelope} json"
    );
    let counts = control.counts(c.company.id);
    assert_eq!(
        (counts.faults, counts.total, counts.by_status.get(&500)),
        (40, 40, Some(&40))
    );
    control.set_fault_rate(0.0);
    let r = c.get("employees/").await;
    assert_eq!(
        r.header("x-ratelimit-remaining"),
        Some("999"),
        "faults spent no quota"
    );
    control.set_fault_rate(0.5);
    let mut faults = 0;
    for _ in 0..100 {
        if c.get("employees/?page_size=1").await.status == 500 {
            faults += 1;
        }
    }
    assert!((20..=80).contains(&faults), "about half faulted: {faults}");
    control.set_fault_rate(0.0);

    control.set_latency(Duration::from_millis(200));
    let t = Instant::now();
    assert_eq!(c.get("employees/").await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_by_endpoint_and_admin_routes_are_not_counted() {
    let c = Ctx::new(sim_options()).await;
    let control = c.sim.control();
    let paths = [
        ("employees/", "employees_list"),
        ("employees/1/", "employee_detail"),
        ("employees/1/?query=trainings", "employee_trainings"),
        ("employees/1/?query=tasks", "employee_tasks"),
        ("employees/1/?query=mentorships", "employee_mentorships"),
        ("employees/1/?query=skill_gaps", "employee_skill_gaps"),
        ("employees/1/?query=progress", "employee_progress"),
        ("successors/", "successors_list"),
        ("successors/1/", "successor_detail"),
        ("bench-strength/", "bench_strength"),
    ];
    for (path, _) in paths {
        c.get(path).await;
    }
    sim_post(
        &c.http,
        &c.url("invite-to-hrwise/"),
        Some(&c.access),
        &json!({}),
    )
    .await;
    sim_post(
        &c.http,
        &c.url("token/refresh/"),
        None,
        &json!({"refresh": c.refresh}),
    )
    .await;
    let counts = control.counts(c.company.id);
    for (_, kind) in paths {
        assert_eq!(counts.by_endpoint.get(kind), Some(&1), "{kind}");
    }
    for kind in ["token", "refresh", "invite"] {
        assert_eq!(counts.by_endpoint.get(kind), Some(&1), "{kind}");
    }
    assert_eq!(counts.total, 13);
    assert_eq!((counts.token_exchanges, counts.token_refreshes), (1, 1));

    let admin = format!("{}/_sim", c.base);
    let companies = sim_get(&c.http, &format!("{admin}/companies"), None).await;
    assert_eq!(companies.json[0]["api_key"], c.company.api_key.as_str());
    let r = sim_post(
        &c.http,
        &format!("{admin}/command"),
        None,
        &json!({"op": "add_employees", "company_id": c.company.id, "n": 2}),
    )
    .await;
    assert_eq!(
        r.json["result"].as_array().map(Vec::len),
        Some(2),
        "{}",
        r.text
    );
    let r = sim_post(
        &c.http,
        &format!("{admin}/command"),
        None,
        &json!({"op": "churn", "company_id": c.company.id, "seed": 3, "changes": 4}),
    )
    .await;
    assert!(r.json["result"].is_array(), "{}", r.text);
    let r = sim_post(
        &c.http,
        &format!("{admin}/command"),
        None,
        &json!({"op": "set_rate_limit", "requests": 5, "window_secs": 60}),
    )
    .await;
    assert_eq!(r.json["ok"], true);
    let counted = sim_get(&c.http, &format!("{admin}/counts/{}", c.company.id), None).await;
    assert_eq!(counted.json["total"], 13, "admin calls are not counted");
    let snap = sim_get(&c.http, &format!("{admin}/snapshot/{}", c.company.id), None).await;
    assert_eq!(snap.json, c.snapshot());
    assert_eq!(
        c.get("employees/").await.header("x-ratelimit-limit"),
        Some("5")
    );
}
