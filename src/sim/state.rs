//! The running simulator's shared state: companies and their data, tokens, the rate limiter,
//! the switchable behaviours, fault dice and the request counters.
//! Invariant: each company's data sits behind its own lock and is only reached through the
//! company a verified token or API key names, which is what keeps companies isolated.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU16, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::auth::Tokens;
use super::generate::{self, Ids};
use super::limit::Limiter;
use super::model::CompanyData;
use super::names::COMPANIES;
use super::rng::{Rng, mix};
use super::{SimCompany, SimOptions, lock};

/// How `X-RateLimit-Reset` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetStyle {
    /// Unix time (seconds) at which the window closes. The default.
    #[default]
    EpochSeconds,
    /// Seconds until the window closes.
    SecondsFromNow,
}

/// What the simulator counted for one company (company id 0 collects requests it could not
/// attribute: bad API keys, bad tokens, unknown paths).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SimCounts {
    /// Requests that reached the API handlers, including 429s and injected faults.
    pub total: u64,
    /// Requests by endpoint kind (`token`, `refresh`, `employees_list`, `employee_detail`,
    /// `employee_trainings`, `employee_tasks`, `employee_mentorships`, `employee_skill_gaps`,
    /// `employee_progress`, `invite`, `successors_list`, `successor_detail`, `bench_strength`,
    /// `not_found`).
    pub by_endpoint: BTreeMap<String, u64>,
    pub by_status: BTreeMap<u16, u64>,
    /// Requests answered 429.
    pub rate_limited: u64,
    /// Requests answered with an injected 500.
    pub faults: u64,
    /// Successful API-key exchanges (`POST /api/v1/token/` answered 200).
    pub token_exchanges: u64,
    /// Successful refreshes (`POST /api/v1/token/refresh/` answered 200).
    pub token_refreshes: u64,
}

/// How a counted request ended, beyond its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Served,
    RateLimited,
    Fault,
}

/// An injected failure's body: what a proxy sends, or the API's own error envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Html,
    Json,
}

pub struct CompanyCell {
    pub info: SimCompany,
    pub data: RwLock<CompanyData>,
}

/// Behaviours tests can switch while the server runs.
pub struct Settings {
    fault_rate_bits: AtomicU64,
    latency_nanos: AtomicU64,
    reset_style: AtomicU8,
    pub link_host: RwLock<Option<String>>,
    invite_update_status: AtomicU16,
    count_token_calls: AtomicBool,
}

impl Settings {
    pub fn fault_rate(&self) -> f64 {
        f64::from_bits(self.fault_rate_bits.load(Ordering::Relaxed))
    }
    pub fn set_fault_rate(&self, rate: f64) {
        let rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self.fault_rate_bits
            .store(rate.to_bits(), Ordering::Relaxed);
    }
    pub fn latency(&self) -> Duration {
        Duration::from_nanos(self.latency_nanos.load(Ordering::Relaxed))
    }
    pub fn set_latency(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.latency_nanos.store(nanos, Ordering::Relaxed);
    }
    pub fn reset_style(&self) -> ResetStyle {
        match self.reset_style.load(Ordering::Relaxed) {
            1 => ResetStyle::SecondsFromNow,
            _ => ResetStyle::EpochSeconds,
        }
    }
    pub fn set_reset_style(&self, s: ResetStyle) {
        let v = match s {
            ResetStyle::EpochSeconds => 0,
            ResetStyle::SecondsFromNow => 1,
        };
        self.reset_style.store(v, Ordering::Relaxed);
    }
    pub fn invite_update_status(&self) -> u16 {
        self.invite_update_status.load(Ordering::Relaxed)
    }
    pub fn set_invite_update_status(&self, status: u16) {
        self.invite_update_status.store(status, Ordering::Relaxed);
    }
    pub fn count_token_calls(&self) -> bool {
        self.count_token_calls.load(Ordering::Relaxed)
    }
    pub fn set_count_token_calls(&self, on: bool) {
        self.count_token_calls.store(on, Ordering::Relaxed);
    }
}

pub struct Shared {
    pub seed: u64,
    pub companies: Vec<CompanyCell>,
    pub ids: Ids,
    pub tokens: Tokens,
    pub limiter: Limiter,
    pub settings: Settings,
    pub base_url: String,
    /// Serialises invites, whose "email taken by another company" check spans companies.
    pub invite_lock: Mutex<()>,
    /// Draws for control operations (updates, additions), seeded from the seed.
    pub control_rng: Mutex<Rng>,
    counts: Mutex<HashMap<i64, SimCounts>>,
    fault_sequence: AtomicU64,
}

/// The API key of company `index`: `hrw_` and 64 hex digits, a pure function of the seed.
pub fn api_key(seed: u64, index: usize) -> String {
    let digest = Sha256::digest(format!("hrwise-sim/api-key/{seed}/{index}"));
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("hrw_{hex}")
}

/// The id the token response gives company `index` (123, 456, 789, …): deliberately not the
/// number its employees carry in `company` (1, 2, 3, …), as in the document's examples.
pub fn company_id(index: usize) -> i64 {
    123 + 333 * index as i64
}

impl Shared {
    pub fn new(opts: &SimOptions, base_url: String) -> Shared {
        let ids = Ids::new();
        let companies = (0..opts.companies)
            .map(|i| {
                let (name, domain) = match COMPANIES.get(i) {
                    Some((n, d)) => (n.to_string(), d.to_string()),
                    None => (
                        format!("Company {}", i + 1),
                        format!("company{}.example", i + 1),
                    ),
                };
                let data =
                    generate::company(opts.seed, i, i as i64 + 1, &domain, opts.employees, &ids);
                CompanyCell {
                    info: SimCompany {
                        id: company_id(i),
                        name,
                        api_key: api_key(opts.seed, i),
                    },
                    data: RwLock::new(data),
                }
            })
            .collect();
        let settings = Settings {
            fault_rate_bits: AtomicU64::new(0),
            latency_nanos: AtomicU64::new(0),
            reset_style: AtomicU8::new(0),
            link_host: RwLock::new(None),
            invite_update_status: AtomicU16::new(200),
            count_token_calls: AtomicBool::new(true),
        };
        settings.set_fault_rate(opts.fault_rate);
        settings.set_latency(opts.latency);
        Shared {
            seed: opts.seed,
            companies,
            ids,
            tokens: Tokens::new(opts.seed, opts.access_ttl, opts.refresh_ttl),
            limiter: Limiter::new(opts.companies, opts.rate_limit, opts.rate_window),
            settings,
            base_url,
            invite_lock: Mutex::new(()),
            control_rng: Mutex::new(Rng::derive(opts.seed, 0xC0_7201)),
            counts: Mutex::new(HashMap::new()),
            fault_sequence: AtomicU64::new(0),
        }
    }

    pub fn index_of(&self, company_id: i64) -> Option<usize> {
        self.companies.iter().position(|c| c.info.id == company_id)
    }

    pub fn index_by_key(&self, key: &str) -> Option<usize> {
        self.companies.iter().position(|c| c.info.api_key == key)
    }

    /// Rolls the fault dice for the next request. The n-th roll depends only on the seed and
    /// n, so a run with the same seed and request order faults the same requests.
    pub fn roll_fault(&self) -> Option<Fault> {
        let rate = self.settings.fault_rate();
        if rate <= 0.0 {
            return None;
        }
        let n = self.fault_sequence.fetch_add(1, Ordering::Relaxed);
        let h = mix(self.seed ^ mix(n ^ 0xFA17));
        let u = (h >> 11) as f64 / (1u64 << 53) as f64;
        (u < rate).then_some(if h & 1 == 0 { Fault::Html } else { Fault::Json })
    }

    pub fn record(&self, company_id: i64, kind: &str, status: u16, outcome: Outcome) {
        let mut all = lock(&self.counts);
        let c = all.entry(company_id).or_default();
        c.total += 1;
        *c.by_endpoint.entry(kind.to_string()).or_default() += 1;
        *c.by_status.entry(status).or_default() += 1;
        match outcome {
            Outcome::RateLimited => c.rate_limited += 1,
            Outcome::Fault => c.faults += 1,
            Outcome::Served if status == 200 && kind == "token" => c.token_exchanges += 1,
            Outcome::Served if status == 200 && kind == "refresh" => c.token_refreshes += 1,
            Outcome::Served => {}
        }
    }

    pub fn counts(&self, company_id: i64) -> SimCounts {
        lock(&self.counts)
            .get(&company_id)
            .cloned()
            .unwrap_or_default()
    }

    pub fn reset_counts(&self) {
        lock(&self.counts).clear();
    }
}
