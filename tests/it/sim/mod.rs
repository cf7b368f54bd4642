//! The simulator against the API document, over real HTTP: every endpoint and documented
//! error, pagination arithmetic, identifiers that need encoding, the token lifecycle, the rate
//! limit under a concurrent burst, company isolation, seed determinism and change over time.

use std::collections::BTreeSet;

use hrwise_sync::sim::{Sim, SimCompany, SimOptions};
use serde_json::Value;

use crate::support::{SimReply, sim_get, sim_http, sim_start, sim_tokens};

mod data;
mod employees;
mod invite;
mod limits;
mod succession;
mod tokens;

pub(super) const LEVELS: &[&str] = &[
    "ready_now",
    "<6_months",
    "6-12_months",
    "12-24_months",
    ">24_months",
];

pub(super) fn assert_fields(v: &Value, fields: &[&str], what: &str) {
    let got: BTreeSet<&str> = v
        .as_object()
        .expect(what)
        .keys()
        .map(String::as_str)
        .collect();
    let want: BTreeSet<&str> = fields.iter().copied().collect();
    assert_eq!(got, want, "fields of {what}");
}

/// Every `/api/v1/` answer carries the three rate-limit headers as integers.
pub(super) fn assert_rate_headers(r: &SimReply) {
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        let v = r
            .header(h)
            .unwrap_or_else(|| panic!("{h} missing on {} {}", r.status, r.text));
        assert!(v.parse::<u64>().is_ok(), "{h} is {v}");
    }
}

pub(super) fn assert_error(r: &SimReply, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["success"], false, "{}", r.text);
    assert_eq!(r.code(), code, "{}", r.text);
    assert!(r.json["error"]["message"].is_string(), "{}", r.text);
    assert_rate_headers(r);
}

/// A running simulator, a client, and company 0's tokens.
pub(super) struct Ctx {
    pub(super) sim: Sim,
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    pub(super) company: SimCompany,
    pub(super) access: String,
    pub(super) refresh: String,
}

impl Ctx {
    pub(super) async fn new(opts: SimOptions) -> Ctx {
        let sim = sim_start(opts).await;
        let http = sim_http();
        let base = sim.base_url();
        let company = sim.companies()[0].clone();
        let (access, refresh) = sim_tokens(&http, &base, &company.api_key).await;
        Ctx {
            sim,
            http,
            base,
            company,
            access,
            refresh,
        }
    }
    pub(super) fn url(&self, path: &str) -> String {
        format!("{}/api/v1/{path}", self.base)
    }
    pub(super) async fn get(&self, path: &str) -> SimReply {
        sim_get(&self.http, &self.url(path), Some(&self.access)).await
    }
    pub(super) fn snapshot(&self) -> Value {
        self.sim.control().snapshot(self.company.id)
    }
}

pub(super) fn employees(snapshot: &Value) -> &Vec<Value> {
    snapshot["employees"].as_array().expect("employees")
}
