//! Shared test scaffolding (to be written)

// --- fetch_*: helpers of the fetch-layer scenarios (tests/it/fetch.rs) -----------------------

/// Client options for the first company of `sim`: its quota as `limit` per `window`, short
/// backoff delays so fault scenarios run quickly, everything else as configured by default.
#[allow(dead_code)]
pub fn fetch_options(
    sim: &hrwise_sync::sim::Sim,
    limit: u32,
    window: std::time::Duration,
) -> hrwise_sync::fetch::ClientOptions {
    let company = &sim.companies()[0];
    hrwise_sync::fetch::ClientOptions {
        base_url: url::Url::parse(&sim.base_url()).expect("the simulator's URL"),
        api_key: hrwise_sync::secret::Secret::new(company.api_key.clone()),
        rate_limit_requests: limit,
        rate_limit_window: window,
        max_in_flight: 8,
        request_timeout: std::time::Duration::from_secs(20),
        max_retries: 6,
        retry_base_delay: std::time::Duration::from_millis(20),
        retry_max_delay: std::time::Duration::from_millis(500),
        page_size: 100,
        renew_margin: std::time::Duration::from_secs(300),
        prior_requests: Vec::new(),
    }
}

/// A simulator with `opts` on a free loopback port.
#[allow(dead_code)]
pub async fn fetch_sim(opts: hrwise_sync::sim::SimOptions) -> hrwise_sync::sim::Sim {
    hrwise_sync::sim::Sim::start(opts).await.expect("the simulator starts")
}

/// A client with `opts`.
#[allow(dead_code)]
pub fn fetch_client(opts: hrwise_sync::fetch::ClientOptions) -> hrwise_sync::fetch::Client {
    hrwise_sync::fetch::Client::new(opts).expect("a valid client")
}

/// The real binary with an empty environment plus the simulator's URL and `api_key`.
#[allow(dead_code)]
pub fn fetch_command(base_url: &str, api_key: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hrwise-sync"));
    cmd.env_clear()
        .env("HRWISE_BASE_URL", base_url)
        .env("HRWISE_API_KEY", api_key);
    cmd
}
