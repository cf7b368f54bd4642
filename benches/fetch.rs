//! Fetch-layer throughput against the in-process simulator over loopback: employee-detail
//! requests per second at the default concurrency (8 in flight), with no rate limit in the way,
//! first with no added latency (the client's own overhead), then with 50 ms per request (what
//! concurrency buys when the API is far away). Prints one line per scenario.
//!
//! `cargo bench --bench fetch` (release build), or `cargo test --bench fetch` to reuse the dev
//! build of DuckDB; BENCHMARKS.md says which one produced the recorded figures.

use std::time::{Duration, Instant};

use hrwise_sync::fetch::{Client, ClientOptions, EmployeeFilters};
use hrwise_sync::secret::Secret;
use hrwise_sync::sim::{Sim, SimOptions};

const CONCURRENCY: usize = 8;

struct Scenario {
    name: &'static str,
    latency: Duration,
    requests: usize,
}

async fn run(s: &Scenario) -> (f64, f64) {
    let sim = Sim::start(SimOptions {
        companies: 1,
        employees: 500,
        rate_limit: u32::MAX,
        rate_window: Duration::from_secs(3600),
        latency: s.latency,
        ..Default::default()
    })
    .await
    .expect("the simulator starts");
    let client = Client::new(ClientOptions {
        base_url: sim.base_url().parse().expect("a URL"),
        api_key: Secret::new(sim.companies()[0].api_key.clone()),
        rate_limit_requests: u32::MAX,
        rate_limit_window: Duration::from_secs(3600),
        max_in_flight: CONCURRENCY,
        request_timeout: Duration::from_secs(30),
        max_retries: 3,
        retry_base_delay: Duration::from_millis(500),
        retry_max_delay: Duration::from_secs(30),
        page_size: 100,
        renew_margin: Duration::from_secs(300),
        prior_requests: Vec::new(),
    })
    .expect("a client");
    // The token exchange and the id list are not part of the measurement.
    let (all, _) = client
        .employees_all(&EmployeeFilters::default())
        .await
        .expect("the list");
    let ids: Vec<String> = all.records.iter().map(|e| e.id.to_string()).collect();

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..s.requests {
        let (client, id) = (client.clone(), ids[i % ids.len()].clone());
        tasks.spawn(async move { client.employee(&id).await.map(|_| ()) });
    }
    for r in tasks.join_all().await {
        r.expect("every request succeeds");
    }
    let details = s.requests as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    let rounds = 5;
    for _ in 0..rounds {
        client
            .employees_all(&EmployeeFilters::default())
            .await
            .expect("the list");
    }
    let pages = (rounds * 5) as f64 / started.elapsed().as_secs_f64();
    sim.shutdown().await;
    (details, pages)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let scenarios = [
        Scenario {
            name: "no rate limit, no added latency",
            latency: Duration::ZERO,
            requests: 4000,
        },
        Scenario {
            name: "no rate limit, 50 ms added latency",
            latency: Duration::from_millis(50),
            requests: 800,
        },
    ];
    println!("fetch benchmark: {CONCURRENCY} requests in flight, 500 employees, pages of 100");
    for s in &scenarios {
        let (details, pages) = rt.block_on(run(s));
        println!(
            "{:<36} {:>8.0} employee-detail requests/s   {:>7.1} list pages/s",
            s.name, details, pages
        );
    }
}
