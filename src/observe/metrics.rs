//! `/metrics`: the live state rendered in the Prometheus text format (0.0.4), by hand.
//! Why not `metrics` + `metrics-exporter-prometheus`: every value already lives in one struct
//! (the fetch layer's counters and the daemon's sync results), so rendering it at scrape time
//! is ~150 lines with no global registry, no upkeep task and two fewer dependencies.
//! Invariant: every name starts with `hrwise_`; counters only grow while the process lives.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::live::{LiveState, Readiness};
use crate::sync::RunStatus;

const STATUSES: [RunStatus; 4] = [
    RunStatus::Succeeded,
    RunStatus::Failed,
    RunStatus::Interrupted,
    RunStatus::Incomplete,
];

/// Renders every metric family for one scrape.
pub fn render(s: &LiveState, readiness: &Readiness, now: DateTime<Utc>) -> String {
    let mut out = Out(String::with_capacity(4096));
    out.family("hrwise_build_info", "gauge", "The running version.");
    out.sample(
        "hrwise_build_info",
        &[("version", env!("CARGO_PKG_VERSION"))],
        1.0,
    );
    out.gauge(
        "hrwise_daemon_start_timestamp_seconds",
        "When the daemon started (unix seconds).",
        secs(s.started_at),
    );

    out.family(
        "hrwise_api_requests_total",
        "counter",
        "HTTP requests sent to the API, by endpoint (retries and token calls included).",
    );
    for (endpoint, n) in &s.api.requests_by_endpoint {
        out.sample(
            "hrwise_api_requests_total",
            &[("endpoint", endpoint)],
            *n as f64,
        );
    }
    out.family(
        "hrwise_api_responses_total",
        "counter",
        "HTTP responses received from the API, by endpoint and status code.",
    );
    for ((endpoint, status), n) in &s.api.responses_by_endpoint_status {
        out.sample(
            "hrwise_api_responses_total",
            &[("endpoint", endpoint), ("status", &status.to_string())],
            *n as f64,
        );
    }
    out.counter(
        "hrwise_api_rate_limited_total",
        "Responses with status 429 Too Many Requests.",
        s.api.rate_limited as f64,
    );
    out.family(
        "hrwise_api_retries_total",
        "counter",
        "Requests sent again after a transient failure, by reason.",
    );
    let by_reason: u64 = s.api.retries_by_reason.values().sum();
    for (reason, n) in &s.api.retries_by_reason {
        out.sample("hrwise_api_retries_total", &[("reason", reason)], *n as f64);
    }
    if s.api.retries > by_reason || s.api.retries_by_reason.is_empty() {
        out.sample(
            "hrwise_api_retries_total",
            &[("reason", "other")],
            s.api.retries.saturating_sub(by_reason) as f64,
        );
    }
    out.family(
        "hrwise_api_token_requests_total",
        "counter",
        "Token calls: API-key exchanges and refreshes.",
    );
    out.sample(
        "hrwise_api_token_requests_total",
        &[("kind", "exchange")],
        s.api.token_exchanges as f64,
    );
    out.sample(
        "hrwise_api_token_requests_total",
        &[("kind", "refresh")],
        s.api.token_refreshes as f64,
    );
    out.counter(
        "hrwise_api_quota_wait_seconds_total",
        "Time spent waiting for quota.",
        s.api.waited.as_secs_f64(),
    );

    if let Some(q) = &s.quota {
        out.gauge(
            "hrwise_api_quota_limit",
            "Requests allowed per rate-limit window.",
            q.limit as f64,
        );
        out.gauge(
            "hrwise_api_quota_used",
            "Requests used in the current window.",
            q.used_in_window as f64,
        );
        out.gauge(
            "hrwise_api_quota_remaining",
            "Requests left in the current window.",
            q.remaining as f64,
        );
        if let Some(r) = q.window_resets_at {
            out.gauge(
                "hrwise_api_quota_window_reset_timestamp_seconds",
                "When the current window ends (unix seconds).",
                secs(r),
            );
        }
        if let Some(r) = q.server_remaining {
            out.gauge(
                "hrwise_api_server_quota_remaining",
                "What the server's X-RateLimit-Remaining said last.",
                r as f64,
            );
        }
    }
    let phase = s.phase(now);
    out.gauge(
        "hrwise_sync_in_progress",
        "1 while a sync runs (waiting for quota included).",
        flag(s.current.is_some()),
    );
    out.gauge(
        "hrwise_sync_waiting_for_quota",
        "1 while the sync in flight waits for quota.",
        flag(phase == super::live::Phase::WaitingForQuota),
    );
    out.family(
        "hrwise_syncs_total",
        "counter",
        "Finished syncs, by outcome.",
    );
    for status in STATUSES {
        let n = s.syncs_by_status.get(status.as_str()).copied().unwrap_or(0);
        out.sample(
            "hrwise_syncs_total",
            &[("status", status.as_str())],
            n as f64,
        );
    }
    let finished: u64 = s.syncs_by_status.values().sum();
    out.family(
        "hrwise_sync_duration_seconds",
        "summary",
        "How long syncs took.",
    );
    out.sample(
        "hrwise_sync_duration_seconds_sum",
        &[],
        s.duration_total.as_secs_f64(),
    );
    out.sample("hrwise_sync_duration_seconds_count", &[], finished as f64);
    if let Some(d) = s.last_duration {
        out.gauge(
            "hrwise_sync_last_duration_seconds",
            "How long the last sync took.",
            d.as_secs_f64(),
        );
    }
    out.gauge(
        "hrwise_sync_last_success_timestamp_seconds",
        "When the last successful sync finished (unix seconds; 0: never).",
        s.last_success_at.map_or(0.0, secs),
    );
    if let Some(due) = s.next_due {
        out.gauge(
            "hrwise_sync_next_run_timestamp_seconds",
            "When the next scheduled sync is due (unix seconds).",
            secs(due.at),
        );
    }
    out.gauge(
        "hrwise_ready",
        "1 when /readyz answers 200.",
        flag(readiness.ready),
    );

    out.family(
        "hrwise_records_total",
        "counter",
        "Warehouse rows changed by syncs, by table and action.",
    );
    for (table, c) in &s.rows {
        for (action, n) in [
            ("inserted", c.inserted),
            ("updated", c.updated),
            ("deleted", c.deleted),
        ] {
            out.sample(
                "hrwise_records_total",
                &[("table", table), ("action", action)],
                n as f64,
            );
        }
    }
    out.counter(
        "hrwise_records_rejected_total",
        "Records the API sent that could not be stored (kept with reasons in the warehouse).",
        s.rejected as f64,
    );
    out.0
}

fn secs(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

struct Out(String);

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let v = v
                    .replace('\\', r"\\")
                    .replace('"', "\\\"")
                    .replace('\n', r"\n");
                let _ = write!(self.0, "{k}=\"{v}\"");
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {value}");
    }

    fn gauge(&mut self, name: &str, help: &str, value: f64) {
        self.family(name, "gauge", help);
        self.sample(name, &[], value);
    }

    fn counter(&mut self, name: &str, help: &str, value: f64) {
        self.family(name, "counter", help);
        self.sample(name, &[], value);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::observe::live::{ApiStats, Live, QuotaView};
    use crate::schedule::{CronSchedule, History, Timetable};

    #[test]
    fn renders_every_family_with_hrwise_names() {
        let t = Timetable {
            incremental: CronSchedule::parse("0 * * * *", chrono_tz::Tz::UTC).unwrap(),
            full: None,
        };
        let live = Live::new(t, None, &History::default(), Utc::now());
        live.update(|s| {
            s.sample(crate::observe::live::Sample {
                api: ApiStats {
                    requests_by_endpoint: BTreeMap::from([
                        ("employees".into(), 5),
                        ("token".into(), 1),
                    ]),
                    responses_by_status: BTreeMap::from([(200, 5), (429, 1)]),
                    responses_by_endpoint_status: BTreeMap::from([
                        (("employees".into(), 200), 4),
                        (("employees".into(), 429), 1),
                        (("token".into(), 200), 1),
                    ]),
                    rate_limited: 1,
                    retries: 1,
                    ..Default::default()
                },
                quota: Some(QuotaView {
                    limit: 1000,
                    used_in_window: 6,
                    remaining: 994,
                    ..Default::default()
                }),
                progress: None,
            })
        });
        let s = live.snapshot();
        let text = render(&s, &live.readiness(Utc::now()), Utc::now());
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            assert!(line.starts_with("hrwise_"), "{line}");
        }
        assert!(
            text.contains("hrwise_api_requests_total{endpoint=\"employees\"} 5\n"),
            "{text}"
        );
        assert!(
            text.contains("hrwise_api_responses_total{endpoint=\"employees\",status=\"429\"} 1\n")
        );
        assert!(text.contains("hrwise_api_retries_total{reason=\"other\"} 1\n"));
        assert!(text.contains("hrwise_api_quota_remaining 994\n"));
        assert!(text.contains("hrwise_syncs_total{status=\"failed\"} 0\n"));
        assert!(text.contains("hrwise_sync_last_success_timestamp_seconds 0\n"));
    }
}
