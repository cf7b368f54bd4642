//! The per-company rate limit: a fixed window that opens at the company's first counted request
//! and lasts `period`. Invariant: check-and-count happens under one mutex per company, so no
//! more than `limit` requests are ever admitted within one window, however many race.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::lock;

/// The verdict on one request, with what the `X-RateLimit-*` headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Time until the current window closes (the whole period if none is open).
    pub reset_in: Duration,
}

#[derive(Debug)]
struct Window {
    limit: u32,
    period: Duration,
    opened: Option<Instant>,
    used: u32,
}

impl Window {
    /// Closes the window if its period is over.
    fn roll(&mut self, now: Instant) {
        if let Some(opened) = self.opened
            && now >= opened + self.period
        {
            self.opened = None;
            self.used = 0;
        }
    }

    fn reset_in(&self, now: Instant) -> Duration {
        match self.opened {
            Some(opened) => (opened + self.period).saturating_duration_since(now),
            None => self.period,
        }
    }

    fn decision(&self, allowed: bool, now: Instant) -> Decision {
        Decision {
            allowed,
            limit: self.limit,
            remaining: self.limit.saturating_sub(self.used),
            reset_in: self.reset_in(now),
        }
    }
}

/// One window per company, indexed like the simulator's company list.
pub struct Limiter {
    windows: Vec<Mutex<Window>>,
    config: Mutex<(u32, Duration)>,
}

impl Limiter {
    pub fn new(companies: usize, limit: u32, period: Duration) -> Self {
        Limiter {
            windows: (0..companies)
                .map(|_| {
                    Mutex::new(Window {
                        limit,
                        period,
                        opened: None,
                        used: 0,
                    })
                })
                .collect(),
            config: Mutex::new((limit, period)),
        }
    }

    /// What a request that cannot be attributed to a company is told: the configured limit,
    /// all of it remaining, and a whole period until reset.
    pub fn fresh(&self) -> Decision {
        let (limit, period) = *lock(&self.config);
        Decision {
            allowed: true,
            limit,
            remaining: limit,
            reset_in: period,
        }
    }

    /// Counts one request if the window has room. A refused request does not count.
    pub fn take(&self, company: usize, now: Instant) -> Option<Decision> {
        let mut w = lock(self.windows.get(company)?);
        w.roll(now);
        if w.opened.is_none() {
            w.opened = Some(now);
        }
        let allowed = w.used < w.limit;
        if allowed {
            w.used += 1;
        }
        Some(w.decision(allowed, now))
    }

    /// The current state without counting anything (for responses that are not charged).
    pub fn peek(&self, company: usize, now: Instant) -> Option<Decision> {
        let mut w = lock(self.windows.get(company)?);
        w.roll(now);
        Some(w.decision(true, now))
    }

    /// A new limit and period for every company; open windows are closed, so the new rule
    /// starts clean.
    pub fn configure(&self, limit: u32, period: Duration) {
        *lock(&self.config) = (limit, period);
        for w in &self.windows {
            let mut w = lock(w);
            *w = Window {
                limit,
                period,
                opened: None,
                used: 0,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_exactly_the_limit_then_resets_after_the_period() {
        let l = Limiter::new(2, 3, Duration::from_secs(10));
        let t0 = Instant::now();
        let d: Vec<Decision> = (0..5).filter_map(|_| l.take(0, t0)).collect();
        assert_eq!(
            d.iter().map(|d| d.allowed).collect::<Vec<_>>(),
            [true, true, true, false, false]
        );
        assert_eq!(
            d.iter().map(|d| d.remaining).collect::<Vec<_>>(),
            [2, 1, 0, 0, 0]
        );
        // The other company is untouched.
        assert_eq!(l.peek(1, t0).map(|d| d.remaining), Some(3));
        let later = t0 + Duration::from_secs(4);
        let d = l.take(0, later).expect("company");
        assert!(!d.allowed);
        assert_eq!(d.reset_in, Duration::from_secs(6));
        let after = t0 + Duration::from_secs(10);
        let d = l.take(0, after).expect("company");
        assert!(d.allowed);
        assert_eq!(d.remaining, 2);
        assert_eq!(d.reset_in, Duration::from_secs(10));
    }

    #[test]
    fn window_opens_at_the_first_counted_request_and_configure_resets() {
        let l = Limiter::new(1, 2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(
            l.peek(0, t0).map(|d| d.reset_in),
            Some(Duration::from_secs(60))
        );
        let t1 = t0 + Duration::from_secs(30);
        l.take(0, t1);
        let d = l.peek(0, t1 + Duration::from_secs(50)).expect("company");
        assert_eq!(d.remaining, 1);
        assert_eq!(d.reset_in, Duration::from_secs(10));
        l.configure(5, Duration::from_secs(1));
        assert_eq!(l.peek(0, t1).map(|d| (d.limit, d.remaining)), Some((5, 5)));
        assert!(l.take(7, t0).is_none());
    }
}
