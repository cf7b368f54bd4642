//! Shared test scaffolding (to be written)

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
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

// --- sim_*: helpers of the simulator scenarios (tests/it/sim.rs) ----------------------------

/// A simulator on a free loopback port with small test data (2 companies, 120 employees)
/// unless `opts` says otherwise.
#[allow(dead_code)]
pub async fn sim_start(opts: hrwise_sync::sim::SimOptions) -> hrwise_sync::sim::Sim {
    hrwise_sync::sim::Sim::start(opts)
        .await
        .expect("the simulator starts")
}

#[allow(dead_code)]
pub fn sim_options() -> hrwise_sync::sim::SimOptions {
    hrwise_sync::sim::SimOptions {
        employees: 120,
        ..Default::default()
    }
}

/// A plain HTTP client for talking to the simulator (independent of the crate's fetch layer).
#[allow(dead_code)]
pub fn sim_http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// One answer of the simulator: status, headers, the raw body and the body as JSON (Null if
/// it is not JSON).
#[allow(dead_code)]
#[derive(Debug)]
pub struct SimReply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: serde_json::Value,
}

#[allow(dead_code)]
impl SimReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// `error.code` of an error envelope.
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
    pub fn data(&self) -> &serde_json::Value {
        &self.json["data"]
    }
}

#[allow(dead_code)]
pub async fn sim_send(req: reqwest::RequestBuilder) -> SimReply {
    let resp = req.send().await.expect("the simulator answers");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("a readable body");
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    SimReply {
        status,
        headers,
        text,
        json,
    }
}

/// `GET base + path` with an optional bearer token.
#[allow(dead_code)]
pub async fn sim_get(http: &reqwest::Client, url: &str, token: Option<&str>) -> SimReply {
    let mut req = http.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    sim_send(req).await
}

/// `POST url` with a JSON body and an optional bearer token.
#[allow(dead_code)]
pub async fn sim_post(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: &serde_json::Value,
) -> SimReply {
    let mut req = http.post(url).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    sim_send(req).await
}

/// Exchanges an API key for (access, refresh), asserting success.
#[allow(dead_code)]
pub async fn sim_tokens(http: &reqwest::Client, base: &str, api_key: &str) -> (String, String) {
    let r = sim_post(
        http,
        &format!("{base}/api/v1/token/"),
        None,
        &serde_json::json!({ "api_key": api_key }),
    )
    .await;
    assert_eq!(r.status, 200, "token exchange failed: {}", r.text);
    let access = r.data()["access"].as_str().expect("access").to_string();
    let refresh = r.data()["refresh"].as_str().expect("refresh").to_string();
    (access, refresh)
}

/// One path segment, percent-encoded (everything but ASCII letters and digits).
#[allow(dead_code)]
pub fn sim_segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

// --- sync_*: helpers of the warehouse and sync scenarios (tests/it/sync.rs) ------------------

/// A validated configuration that syncs company `api_key` of the simulator at `base_url` into
/// `database`, with the simulator's quota unless `rate_limit` says otherwise.
#[allow(dead_code)]
pub fn sync_config(
    base_url: &str,
    api_key: &str,
    database: &std::path::Path,
) -> hrwise_sync::config::Config {
    hrwise_sync::config::RawConfig {
        api_key: Some(hrwise_sync::secret::Secret::new(api_key)),
        base_url: Some(base_url.to_string()),
        database: Some(database.to_path_buf()),
        rate_limit_requests: Some(1_000_000),
        listen: Some("off".into()),
        ..Default::default()
    }
    .validate()
    .expect("a valid test configuration")
}

/// Every row of `sql` on the published file, each row as the JSON object DuckDB makes of it.
#[allow(dead_code)]
pub fn sync_rows(database: &std::path::Path, sql: &str) -> Vec<serde_json::Value> {
    let config = duckdb::Config::default()
        .access_mode(duckdb::AccessMode::ReadOnly)
        .unwrap();
    let conn = duckdb::Connection::open_with_flags(database, config).expect("open read-only");
    let mut stmt = conn
        .prepare(&format!("SELECT to_json(q)::VARCHAR FROM ({sql}) q"))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|s| serde_json::from_str(&s.unwrap()).unwrap())
        .collect()
}

/// One number of `sql` (e.g. a count) on the published file.
#[allow(dead_code)]
pub fn sync_count(database: &std::path::Path, sql: &str) -> i64 {
    let rows = sync_rows(database, sql);
    let obj = rows[0].as_object().expect("a row");
    obj.values()
        .next()
        .and_then(|v| v.as_i64())
        .expect("a number")
}

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
    hrwise_sync::sim::Sim::start(opts)
        .await
        .expect("the simulator starts")
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
