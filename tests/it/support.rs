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

// --- daemon_*: helpers of the daemon scenarios (tests/it/daemon.rs) -----------------------

/// The real binary, with an empty environment plus `vars` (nothing leaks in from the shell,
/// so a test states every setting it relies on).
#[allow(dead_code)]
pub fn daemon_command(vars: &[(&str, String)]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hrwise-sync"));
    cmd.env_clear();
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

/// Polls `check` every 50 ms until it gives a value, or panics after `timeout` naming `what`.
#[allow(dead_code)]
pub async fn daemon_poll<T>(
    what: &str,
    timeout: std::time::Duration,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
