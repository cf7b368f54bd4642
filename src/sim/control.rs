//! [`SimControl`]: the in-process handle tests use to count requests, switch behaviours,
//! inject faults and change the data while the simulator runs (the `/_sim/` admin routes are
//! a thin HTTP skin over it). Invariant: nothing here is visible to, or counted by, `/api/v1/`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::model::Readiness;
use super::mutate;
use super::render;
use super::rng::Rng;
use super::state::{CompanyCell, ResetStyle, Shared, SimCounts};
use super::{SimCompany, lock, now_secs, read, write};

/// A cheap, cloneable handle on a running simulator.
#[derive(Clone)]
pub struct SimControl {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for SimControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimControl")
            .field("base_url", &self.shared.base_url)
            .finish()
    }
}

impl SimControl {
    fn company(&self, company_id: i64) -> Option<&CompanyCell> {
        let i = self.shared.index_of(company_id)?;
        self.shared.companies.get(i)
    }

    /// A generator for one control operation: seeded, but fresh for every call.
    fn rng(&self) -> Rng {
        let mut r = lock(&self.shared.control_rng);
        Rng::new(r.next_u64())
    }

    pub fn companies(&self) -> Vec<SimCompany> {
        self.shared
            .companies
            .iter()
            .map(|c| c.info.clone())
            .collect()
    }

    /// What was counted for a company (by the id the token response gives it; 0 holds the
    /// requests that named no company).
    pub fn counts(&self, company_id: i64) -> SimCounts {
        self.shared.counts(company_id)
    }

    pub fn reset_counts(&self) {
        self.shared.reset_counts();
    }

    /// The fraction (0.0-1.0) of `/api/v1/` requests answered with an injected 500.
    pub fn set_fault_rate(&self, rate: f64) {
        self.shared.settings.set_fault_rate(rate);
    }

    /// Delay added before every `/api/v1/` answer.
    pub fn set_latency(&self, d: Duration) {
        self.shared.settings.set_latency(d);
    }

    /// A new limit for every company; open windows are closed, so it starts clean.
    pub fn set_rate_limit(&self, requests: u32, window: Duration) {
        self.shared.limiter.configure(requests, window);
    }

    /// Invalidates every access and refresh token issued so far.
    pub fn revoke_all_tokens(&self) {
        self.shared.tokens.revoke_all();
    }

    /// Lifetimes of tokens issued from now on.
    pub fn set_token_ttls(&self, access: Duration, refresh: Duration) {
        self.shared.tokens.set_ttls(access, refresh);
    }

    /// Makes `next`/`previous` name this origin (e.g. `http://proxy.invalid:8080`), as links
    /// built behind a proxy do; `None` goes back to the request's Host.
    pub fn set_link_host(&self, host: Option<String>) {
        *write(&self.shared.settings.link_host) = host;
    }

    pub fn set_reset_header_style(&self, style: ResetStyle) {
        self.shared.settings.set_reset_style(style);
    }

    /// The status of an invite that updates an existing employee (200 by default; 201 is the
    /// other reading of the document).
    pub fn set_invite_update_status(&self, status: u16) {
        self.shared.settings.set_invite_update_status(status);
    }

    /// Whether token exchanges and refreshes spend rate-limit quota (they do by default).
    pub fn set_count_token_calls(&self, on: bool) {
        self.shared.settings.set_count_token_calls(on);
    }

    /// Changes some of an employee's fields and bumps `modified`.
    pub fn update_employee(&self, company_id: i64, id: i64) {
        if let Some(c) = self.company(company_id) {
            mutate::update_employee(&mut self.rng(), &mut write(&c.data), id, now_secs());
        }
    }

    /// Adds `n` generated employees and returns their ids.
    pub fn add_employees(&self, company_id: i64, n: usize) -> Vec<i64> {
        let Some(c) = self.company(company_id) else {
            return Vec::new();
        };
        let mut rng = self.rng();
        let mut d = write(&c.data);
        let now = now_secs();
        (0..n)
            .map(|_| mutate::add_employee(&mut rng, &mut d, &self.shared.ids, now))
            .collect()
    }

    /// Deletes an employee with their trainings, tasks, mentorships, their successor records,
    /// and the positions they hold (with those positions' successor records).
    pub fn delete_employee(&self, company_id: i64, id: i64) {
        if let Some(c) = self.company(company_id) {
            write(&c.data).remove_employee(id);
        }
    }

    /// Adds one, updates one and deletes one of the employee's trainings, tasks and
    /// mentorships (deleting only where two or more exist).
    pub fn change_children(&self, company_id: i64, id: i64, bump_modified: bool) {
        if let Some(c) = self.company(company_id) {
            let mut d = write(&c.data);
            mutate::change_children(
                &mut self.rng(),
                &mut d,
                &self.shared.ids,
                id,
                bump_modified,
                now_secs(),
            );
        }
    }

    /// Sets a successor record's `expected_readiness` (one of the five documented levels;
    /// anything else is ignored).
    pub fn move_readiness(&self, company_id: i64, successor_id: i64, level: &str) {
        if let (Some(c), Some(level)) = (self.company(company_id), Readiness::parse(level)) {
            mutate::move_readiness(&mut write(&c.data), successor_id, level, now_secs());
        }
    }

    pub fn delete_successor(&self, company_id: i64, successor_id: i64) {
        if let Some(c) = self.company(company_id) {
            write(&c.data).successors.remove(&successor_id);
        }
    }

    /// `changes` random changes of every kind, drawn from `seed`; one description per change.
    pub fn churn(&self, company_id: i64, seed: u64, changes: usize) -> Vec<String> {
        let Some(c) = self.company(company_id) else {
            return Vec::new();
        };
        let mut rng = Rng::derive(self.shared.seed ^ seed, company_id as u64);
        let mut d = write(&c.data);
        mutate::churn(&mut rng, &mut d, &self.shared.ids, changes, now_secs())
    }

    /// The company's data exactly as the API serves it (null for an unknown company).
    pub fn snapshot(&self, company_id: i64) -> Value {
        let Some(c) = self.company(company_id) else {
            return Value::Null;
        };
        let company = json!({"id": c.info.id, "name": c.info.name});
        render::snapshot(&read(&c.data), company)
    }
}
