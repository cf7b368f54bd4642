//! The request budget shared by every task of one company: [`Window`]'s arithmetic behind a
//! lock, with waiting, the server's `X-RateLimit-*` and `Retry-After` headers, and the figures
//! the planner and progress display read. Invariant: no request is sent without a [`Slot`].
//!
//! Why not `governor` for the hard budget: its GCRA with a burst of N admits N at once and
//! refills one cell every window/N, so one window can hold the burst plus N refills: up to 2N
//! requests where the server allows N. A burst of 1 (one send every window/N) is exact but
//! spreads a short sync over the whole window. Nor can it be told about sends made before a
//! restart or counted by the server, and it sleeps on its own clock. A sliding-window log of
//! send times is exact, seedable with earlier sends, small (one entry per request in a window),
//! and keeps a slot until the answer arrived, so latency cannot squeeze N+1 requests into one
//! window as the server counts them. governor is therefore not used by the fetch layer.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderMap;
use tokio::sync::Notify;

use super::window::{Wait, Window};

/// How much of the budget is used and left, for the planner, `status` and progress displays.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaSnapshot {
    /// Requests allowed per window (the configured budget).
    pub limit: u32,
    /// Requests holding a slot: sent less than a window ago, or still in flight.
    pub used_in_window: u32,
    /// Requests that may start now: the local budget, lowered by the server's own count.
    pub remaining: u32,
    /// When the next used slot frees (the window slides: one slot at a time).
    pub window_resets_at: Option<SystemTime>,
    /// No request starts before this (a 429, or the server's remaining at 0).
    pub paused_until: Option<SystemTime>,
    /// What the server last said is left (`X-RateLimit-Remaining`), until its reset.
    pub server_remaining: Option<u32>,
    /// The server's `X-RateLimit-Limit`, when it sends one.
    pub server_limit: Option<u32>,
}

/// The shared budget of one company.
#[derive(Debug)]
pub(crate) struct Quota {
    window: Mutex<Window>,
    changed: Notify,
    waited_nanos: AtomicU64,
}

/// A started send: holds its slot; finishing it (or dropping it, if the request is abandoned)
/// starts the slot's window.
pub(crate) struct Slot<'a> {
    quota: &'a Quota,
    id: u64,
}

impl Slot<'_> {
    /// The answer arrived (or the request failed): feeds the server's headers to the budget.
    pub fn finish(self, headers: Option<&HeaderMap>) {
        let now = Instant::now();
        {
            let mut w = self.quota.lock();
            w.complete(self.id, now);
            if let Some(h) = headers {
                let r = RateHeaders::from_headers(h, SystemTime::now());
                w.observe(r.remaining, r.reset.map(instant_of), r.limit, now);
            }
        }
        self.quota.changed.notify_waiters();
        std::mem::forget(self);
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.quota.lock().complete(self.id, Instant::now());
        self.quota.changed.notify_waiters();
    }
}

impl Quota {
    /// A budget of `limit` per `window`, with the sends an earlier process made (`prior`).
    pub fn new(limit: u32, window: Duration, prior: &[SystemTime]) -> Self {
        let mut w = Window::new(limit, window);
        let now = SystemTime::now();
        for t in prior {
            w.seed(instant_of((*t).min(now)));
        }
        Quota {
            window: Mutex::new(w),
            changed: Notify::new(),
            waited_nanos: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Window> {
        // A panic while holding this lock leaves plain numbers behind: still usable.
        self.window.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until a send may start, and takes its slot.
    pub async fn acquire(&self) -> Slot<'_> {
        let mut started: Option<Instant> = None;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wait = match self.lock().try_acquire(Instant::now()) {
                Ok(id) => {
                    if let Some(s) = started {
                        let waited = s.elapsed();
                        self.waited_nanos
                            .fetch_add(waited.as_nanos() as u64, Ordering::Relaxed);
                        if waited >= Duration::from_secs(1) {
                            tracing::debug!(
                                waited_ms = waited.as_millis() as u64,
                                "quota slot free"
                            );
                        }
                    }
                    return Slot { quota: self, id };
                }
                Err(wait) => wait,
            };
            if started.is_none() {
                started = Some(Instant::now());
                if let Wait::Until(t) = wait {
                    let ms = t.saturating_duration_since(Instant::now()).as_millis() as u64;
                    if ms >= 1000 {
                        tracing::info!(wait_ms = ms, "waiting for rate-limit quota");
                    }
                }
            }
            match wait {
                Wait::Until(t) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(tokio::time::Instant::from_std(t)) => {}
                        _ = &mut notified => {}
                    }
                }
                Wait::ForCompletion => notified.await,
            }
        }
    }

    /// A 429: every request waits until `Retry-After` has passed; without one, until the
    /// server's reset header, else until our oldest slot frees. Returns the pause.
    pub fn rate_limited(&self, retry_after: Option<Duration>, headers: &HeaderMap) -> Duration {
        let now = Instant::now();
        let pause = {
            let mut w = self.lock();
            let until = match retry_after {
                Some(d) => now + d,
                None => RateHeaders::from_headers(headers, SystemTime::now())
                    .reset
                    .map(instant_of)
                    .filter(|t| *t > now)
                    .unwrap_or_else(|| w.window_end(now)),
            };
            // Never hammer: even a server that says "retry now" gets a short breath.
            let until = until.max(now + Duration::from_millis(100));
            w.pause(until, now);
            until - now
        };
        self.changed.notify_waiters();
        pause
    }

    pub fn snapshot(&self) -> QuotaSnapshot {
        let now = Instant::now();
        let mut w = self.lock();
        let limit = w.limit();
        let used = w.used(now);
        let mut remaining = limit.saturating_sub(used);
        if let Some(s) = w.server_remaining(now) {
            remaining = remaining.min(s);
        }
        let server_remaining = w.server_reported(now);
        let paused_until = w.paused_until(now);
        if paused_until.is_some() {
            remaining = 0;
        }
        QuotaSnapshot {
            limit,
            used_in_window: used,
            remaining,
            window_resets_at: w.next_free().map(system_of),
            paused_until: paused_until.map(system_of),
            server_remaining,
            server_limit: w.server_limit(),
        }
    }

    pub fn request_times(&self) -> Vec<SystemTime> {
        self.lock()
            .send_times(Instant::now())
            .into_iter()
            .map(system_of)
            .collect()
    }

    pub fn estimate_wait(&self, requests: u64) -> Duration {
        self.lock().estimate_wait(requests, Instant::now())
    }

    /// Total time requests spent waiting for a slot.
    pub fn waited(&self) -> Duration {
        Duration::from_nanos(self.waited_nanos.load(Ordering::Relaxed))
    }
}

/// The wall-clock time `t` stands for.
fn system_of(t: Instant) -> SystemTime {
    let (now_i, now_s) = (Instant::now(), SystemTime::now());
    if t >= now_i {
        now_s + (t - now_i)
    } else {
        now_s - (now_i - t)
    }
}

/// The monotonic instant of wall-clock time `t` (clamped to what `Instant` can express).
fn instant_of(t: SystemTime) -> Instant {
    let (now_i, now_s) = (Instant::now(), SystemTime::now());
    match t.duration_since(now_s) {
        Ok(ahead) => now_i + ahead.min(Duration::from_secs(86_400 * 366)),
        Err(e) => now_i.checked_sub(e.duration()).unwrap_or(now_i),
    }
}

/// The rate-limit headers of one answer, under the names servers use for them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RateHeaders {
    pub limit: Option<u32>,
    pub remaining: Option<u32>,
    pub reset: Option<SystemTime>,
}

impl RateHeaders {
    pub fn from_headers(h: &HeaderMap, now: SystemTime) -> Self {
        let get = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| h.get(*n))
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let num = |v: &str| v.parse::<f64>().ok().filter(|f| f.is_finite() && *f >= 0.0);
        RateHeaders {
            limit: get(&["x-ratelimit-limit", "ratelimit-limit", "x-rate-limit-limit"])
                .and_then(num)
                .map(|f| f.min(u32::MAX as f64) as u32),
            remaining: get(&[
                "x-ratelimit-remaining",
                "ratelimit-remaining",
                "x-rate-limit-remaining",
            ])
            .and_then(num)
            .map(|f| f.min(u32::MAX as f64) as u32),
            reset: get(&["x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset"])
                .and_then(|v| parse_reset(v, now)),
        }
    }
}

/// `X-RateLimit-Reset` as epoch seconds or as seconds from now: no real epoch time is below
/// 10^9 (2001), and no window is longer than that many seconds, so the size tells them apart.
/// An HTTP date is accepted too.
pub fn parse_reset(value: &str, now: SystemTime) -> Option<SystemTime> {
    let v = value.trim();
    match v.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => {
            let d = Duration::from_secs_f64(secs.min(4e9));
            Some(if secs < 1e9 {
                now + d
            } else {
                SystemTime::UNIX_EPOCH + d
            })
        }
        Ok(_) => None,
        Err(_) => httpdate::parse_http_date(v).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn reset_as_epoch_seconds_or_seconds_from_now() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_reset("1700000042", now),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_042))
        );
        assert_eq!(parse_reset("42", now), Some(now + Duration::from_secs(42)));
        assert_eq!(parse_reset("0", now), Some(now));
        assert_eq!(
            parse_reset("3599.5", now),
            Some(now + Duration::from_millis(3_599_500))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(60));
        assert_eq!(parse_reset(&date, now), Some(now + Duration::from_secs(60)));
        assert_eq!(parse_reset("later", now), None);
        assert_eq!(parse_reset("-5", now), None);
    }

    #[test]
    fn rate_headers_under_their_usual_names() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut h = HeaderMap::new();
        h.insert("X-RateLimit-Limit", HeaderValue::from_static("1000"));
        h.insert("X-RateLimit-Remaining", HeaderValue::from_static(" 17 "));
        h.insert("X-RateLimit-Reset", HeaderValue::from_static("30"));
        let r = RateHeaders::from_headers(&h, now);
        assert_eq!(r.limit, Some(1000));
        assert_eq!(r.remaining, Some(17));
        assert_eq!(r.reset, Some(now + Duration::from_secs(30)));
        let mut h = HeaderMap::new();
        h.insert("RateLimit-Remaining", HeaderValue::from_static("3"));
        let r = RateHeaders::from_headers(&h, now);
        assert_eq!((r.limit, r.remaining, r.reset), (None, Some(3), None));
        assert_eq!(
            RateHeaders::from_headers(&HeaderMap::new(), now),
            RateHeaders::default()
        );
    }

    #[test]
    fn wall_clock_and_monotonic_round_trip() {
        let t = SystemTime::now() + Duration::from_secs(90);
        let back = system_of(instant_of(t));
        let diff = back.duration_since(t).unwrap_or_else(|e| e.duration());
        assert!(diff < Duration::from_millis(50), "{diff:?}");
    }

    #[tokio::test]
    async fn a_slot_waits_for_the_window_and_prior_sends_count() {
        let window = Duration::from_millis(300);
        let q = Quota::new(2, window, &[SystemTime::now() - Duration::from_millis(200)]);
        assert_eq!(q.snapshot().used_in_window, 1);
        let t0 = Instant::now();
        q.acquire().await.finish(None);
        let slot = q.acquire().await; // the third within the window: waits for the seeded one
        assert!(
            t0.elapsed() >= Duration::from_millis(80),
            "{:?}",
            t0.elapsed()
        );
        let snap = q.snapshot();
        assert_eq!((snap.used_in_window, snap.remaining), (2, 0));
        assert!(snap.window_resets_at.is_some());
        drop(slot);
        assert_eq!(q.request_times().len(), 2);
        assert!(q.waited() > Duration::ZERO);
    }

    #[tokio::test]
    async fn a_429_pauses_every_request() {
        let q = Quota::new(100, Duration::from_secs(60), &[]);
        let pause = q.rate_limited(Some(Duration::from_millis(200)), &HeaderMap::new());
        assert_eq!(pause, Duration::from_millis(200));
        assert!(q.snapshot().paused_until.is_some());
        assert_eq!(q.snapshot().remaining, 0);
        let t0 = Instant::now();
        q.acquire().await.finish(None);
        assert!(t0.elapsed() >= Duration::from_millis(190));
    }
}
