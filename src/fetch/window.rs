//! The hard request budget as pure arithmetic over a log of sends, with the clock passed in.
//! Invariant: never more than `limit` sends in any interval of `window`, whatever the latency:
//! a send holds its slot from the moment it starts until `window` after its answer arrived,
//! because the server may have counted it at any moment in between. The server's own view
//! (`X-RateLimit-Remaining`/`Reset`, a 429's pause) can only make the budget tighter.

use std::time::{Duration, Instant};

/// Why a send cannot start now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Try again at this instant.
    Until(Instant),
    /// Every slot is held by a request still in flight: try again when one completes.
    ForCompletion,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    id: u64,
    /// When the answer (or the failure) arrived; `None` while in flight.
    done: Option<Instant>,
}

/// What the server last said about its quota, net of the sends made since.
#[derive(Debug, Clone, Copy)]
struct ServerView {
    remaining: u32,
    reset_at: Instant,
}

/// The sliding-window log of one company's sends.
#[derive(Debug)]
pub struct Window {
    limit: u32,
    window: Duration,
    entries: Vec<Entry>,
    next_id: u64,
    /// The server's count, when it is tighter than ours (see [`Window::observe`]).
    server: Option<ServerView>,
    /// What the server last reported, for display.
    reported: Option<ServerView>,
    server_limit: Option<u32>,
    paused_until: Option<Instant>,
}

impl Window {
    pub fn new(limit: u32, window: Duration) -> Self {
        Window {
            limit: limit.max(1),
            window,
            entries: Vec::new(),
            next_id: 0,
            server: None,
            reported: None,
            server_limit: None,
            paused_until: None,
        }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Records a send made earlier (by a previous process) that completed at `done`.
    pub fn seed(&mut self, done: Instant) {
        let id = self.fresh_id();
        self.entries.push(Entry {
            id,
            done: Some(done),
        });
    }

    fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Forgets sends whose slot has been free for good.
    fn prune(&mut self, now: Instant) {
        let w = self.window;
        self.entries.retain(|e| e.done.is_none_or(|d| d + w > now));
        if self.paused_until.is_some_and(|p| p <= now) {
            self.paused_until = None;
        }
        if self.server.is_some_and(|s| s.reset_at <= now) {
            self.server = None;
        }
        if self.reported.is_some_and(|s| s.reset_at <= now) {
            self.reported = None;
        }
    }

    /// Takes a slot for a send starting at `now`, or says how long to wait.
    pub fn try_acquire(&mut self, now: Instant) -> Result<u64, Wait> {
        self.prune(now);
        if let Some(p) = self.paused_until {
            return Err(Wait::Until(p));
        }
        if self.entries.len() as u32 >= self.limit {
            return Err(self.next_free().map_or(Wait::ForCompletion, Wait::Until));
        }
        if let Some(s) = &mut self.server {
            if s.remaining == 0 {
                return Err(Wait::Until(s.reset_at));
            }
            s.remaining -= 1;
        }
        let id = self.fresh_id();
        self.entries.push(Entry { id, done: None });
        Ok(id)
    }

    /// The send `id` got its answer (or failed) at `now`: its slot frees `window` later.
    pub fn complete(&mut self, id: u64, now: Instant) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.id == id) {
            e.done.get_or_insert(now);
        }
    }

    /// The earliest moment a held slot frees, if any slot's answer has arrived.
    pub fn next_free(&self) -> Option<Instant> {
        self.entries
            .iter()
            .filter_map(|e| e.done)
            .min()
            .map(|d| d + self.window)
    }

    /// Takes in the server's `X-RateLimit-*` headers of an answer that arrived at `now` (after
    /// [`Window::complete`] for its own send).
    ///
    /// The server's count overrides ours only when it shows requests we did not send: fewer
    /// remaining than our own log leaves (another client shares the quota, or the server's
    /// limit is lower). Otherwise our log, which knows each send to the millisecond, decides:
    /// the server's reset is rounded to whole seconds, and waiting for it after our own burst
    /// would cost up to a second per window. Requests still in flight may not be counted in
    /// `remaining` yet, so they are subtracted; within one server window the estimate only
    /// goes down (answers arrive out of order), a later reset starts a new one.
    pub fn observe(
        &mut self,
        remaining: Option<u32>,
        reset_at: Option<Instant>,
        limit: Option<u32>,
        now: Instant,
    ) {
        if limit.is_some() {
            self.server_limit = limit;
        }
        let Some(remaining) = remaining else { return };
        let reset_at = reset_at.unwrap_or(now + self.window);
        if reset_at <= now {
            return;
        }
        self.prune(now);
        self.reported = Some(ServerView {
            remaining,
            reset_at,
        });
        let in_flight = self.entries.iter().filter(|e| e.done.is_none()).count() as u32;
        let candidate = remaining.saturating_sub(in_flight);
        let ours_left = self.limit.saturating_sub(self.entries.len() as u32);
        self.server = match self.server {
            Some(s) if reset_at <= s.reset_at + Duration::from_secs(1) => Some(ServerView {
                remaining: s.remaining.min(candidate),
                reset_at: s.reset_at.max(reset_at),
            }),
            _ if remaining < ours_left => Some(ServerView {
                remaining: candidate,
                reset_at,
            }),
            _ => None,
        };
    }

    /// A 429: nothing is sent before `until`, and the server's quota is spent until then.
    pub fn pause(&mut self, until: Instant, now: Instant) {
        if until > now {
            self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
        }
    }

    /// When a 429 without `Retry-After` or reset header should end: when our oldest slot frees,
    /// or a whole window from now if none has.
    pub fn window_end(&self, now: Instant) -> Instant {
        self.entries
            .iter()
            .map(|e| e.done.unwrap_or(now) + self.window)
            .min()
            .unwrap_or(now + self.window)
    }

    pub fn paused_until(&self, now: Instant) -> Option<Instant> {
        self.paused_until.filter(|p| *p > now)
    }

    /// Sends holding a slot (in flight, or answered less than a window ago).
    pub fn used(&mut self, now: Instant) -> u32 {
        self.prune(now);
        self.entries.len() as u32
    }

    /// The server's remaining requests where they override ours, net of sends since.
    pub fn server_remaining(&self, now: Instant) -> Option<u32> {
        self.server
            .filter(|s| s.reset_at > now)
            .map(|s| s.remaining)
    }

    /// The server's remaining requests as it last reported them, until its reset.
    pub fn server_reported(&self, now: Instant) -> Option<u32> {
        self.reported
            .filter(|s| s.reset_at > now)
            .map(|s| s.remaining)
    }

    pub fn server_limit(&self) -> Option<u32> {
        self.server_limit
    }

    /// The sends within the current window: the completion time (start time while in flight,
    /// counted as completing now), to persist across restarts.
    pub fn send_times(&mut self, now: Instant) -> Vec<Instant> {
        self.prune(now);
        let mut v: Vec<Instant> = self.entries.iter().map(|e| e.done.unwrap_or(now)).collect();
        v.sort();
        v
    }

    /// How long until the `requests`-th next send may start, if each request took no time:
    /// slot `i` of the log is reused every `window`, so request `k` starts on slot
    /// `(k-1) % limit` after `(k-1) / limit` whole windows.
    pub fn estimate_wait(&mut self, requests: u64, now: Instant) -> Duration {
        if requests == 0 {
            return Duration::ZERO;
        }
        self.prune(now);
        let start = self.paused_until.unwrap_or(now).max(now);
        // The slots of one window, in order: the free ones open at `start`, then each held one
        // when its send leaves the window. Only the held ones are materialised: the limit may
        // be in the millions (a simulator without a quota) and this runs before every send.
        let mut held: Vec<Instant> = self
            .entries
            .iter()
            .map(|e| (e.done.unwrap_or(now) + self.window).max(start))
            .collect();
        held.sort();
        let k = requests - 1;
        let limit = u64::from(self.limit);
        let cycles = u32::try_from(k / limit).unwrap_or(u32::MAX);
        let free = limit.saturating_sub(held.len() as u64);
        let index = k % limit;
        let opens = if index < free {
            start
        } else {
            held[(index - free) as usize]
        };
        let slot = opens.saturating_duration_since(now);
        let mut wait = slot.saturating_add(self.window.saturating_mul(cycles));
        if let Some(s) = self
            .server
            .filter(|s| s.reset_at > now && requests > u64::from(s.remaining))
        {
            wait = wait.max(s.reset_at.saturating_duration_since(now));
        }
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Duration = Duration::from_secs(10);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Runs `n` sends as fast as the window allows, each answered `latency` after it started;
    /// returns the start times.
    fn drive(w: &mut Window, t0: Instant, n: usize, latency: Duration) -> Vec<Instant> {
        let mut now = t0;
        let mut starts = Vec::new();
        let mut pending: Vec<(u64, Instant)> = Vec::new();
        while starts.len() < n {
            pending.retain(|(id, due)| {
                if *due <= now {
                    w.complete(*id, *due);
                    false
                } else {
                    true
                }
            });
            match w.try_acquire(now) {
                Ok(id) => {
                    starts.push(now);
                    pending.push((id, now + latency));
                }
                Err(Wait::Until(t)) => now = t.max(now + ms(1)),
                Err(Wait::ForCompletion) => {
                    now = pending
                        .iter()
                        .map(|p| p.1)
                        .min()
                        .expect("something in flight")
                }
            }
        }
        starts
    }

    fn max_in_any_window(starts: &[Instant], window: Duration, latency: Duration) -> usize {
        // The server may count a send at any moment between its start and its answer: send `i`
        // can fall in the window [a, a + window) when s_i - window < a <= s_i + latency. The
        // deepest overlap of those intervals is at one of their right ends.
        starts
            .iter()
            .map(|&s0| s0 + latency)
            .map(|a| {
                starts
                    .iter()
                    .filter(|&&s| s + latency >= a && s < a + window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn never_more_than_limit_in_any_window_even_with_latency() {
        for latency in [ms(0), ms(300), ms(2500)] {
            let t0 = Instant::now();
            let mut w = Window::new(5, W);
            let starts = drive(&mut w, t0, 23, latency);
            assert!(
                max_in_any_window(&starts, W, latency) <= 5,
                "latency {latency:?}"
            );
            // ...and it is not wasteful: the 6th send starts when the first slot frees.
            assert_eq!(starts[5] - t0, W + latency, "latency {latency:?}");
        }
    }

    #[test]
    fn sends_before_a_restart_are_remembered() {
        let t0 = Instant::now() + W * 3;
        let mut w = Window::new(3, W);
        w.seed(t0 - ms(9000));
        w.seed(t0 - ms(2000));
        w.seed(t0 - ms(20_000)); // long gone
        assert_eq!(w.used(t0), 2);
        assert!(w.try_acquire(t0).is_ok());
        assert_eq!(w.try_acquire(t0), Err(Wait::Until(t0 + ms(1000))));
        assert_eq!(w.estimate_wait(1, t0), ms(1000));
    }

    #[test]
    fn all_slots_in_flight_waits_for_a_completion() {
        let t0 = Instant::now();
        let mut w = Window::new(2, W);
        let a = w.try_acquire(t0).unwrap();
        w.try_acquire(t0).unwrap();
        assert_eq!(w.try_acquire(t0 + ms(5)), Err(Wait::ForCompletion));
        w.complete(a, t0 + ms(40));
        assert_eq!(
            w.try_acquire(t0 + ms(50)),
            Err(Wait::Until(t0 + ms(40) + W))
        );
        assert!(w.try_acquire(t0 + ms(40) + W).is_ok());
        assert_eq!(w.used(t0 + ms(40) + W), 2);
    }

    #[test]
    fn server_remaining_overrides_downward_and_zero_pauses_until_reset() {
        let t0 = Instant::now();
        let mut w = Window::new(100, W);
        let a = w.try_acquire(t0).unwrap();
        let _in_flight = w.try_acquire(t0).unwrap();
        w.complete(a, t0 + ms(10));
        // Another client spent most of the quota: 3 left, one of ours still in flight.
        w.observe(Some(3), Some(t0 + ms(4000)), Some(100), t0 + ms(10));
        assert_eq!(w.server_remaining(t0 + ms(10)), Some(2));
        assert!(w.try_acquire(t0 + ms(20)).is_ok());
        assert!(w.try_acquire(t0 + ms(20)).is_ok());
        assert_eq!(w.try_acquire(t0 + ms(20)), Err(Wait::Until(t0 + ms(4000))));
        assert_eq!(w.estimate_wait(1, t0 + ms(20)), ms(3980));
        // A late answer of the same window saying more is left does not raise the estimate.
        w.observe(Some(50), Some(t0 + ms(4000)), None, t0 + ms(30));
        assert_eq!(w.server_remaining(t0 + ms(30)), Some(0));
        // After the reset the local budget alone decides again.
        assert!(w.try_acquire(t0 + ms(4000)).is_ok());
        // A higher remaining from the server never raises the local budget.
        w.observe(Some(1000), Some(t0 + ms(8000)), None, t0 + ms(4001));
        assert_eq!(w.used(t0 + ms(4001)), 5);
        assert_eq!(w.server_remaining(t0 + ms(4001)), None);
        assert_eq!(w.server_reported(t0 + ms(4001)), Some(1000));
    }

    #[test]
    fn our_own_burst_is_timed_by_our_log_not_the_rounded_reset() {
        let t0 = Instant::now();
        let mut w = Window::new(3, W);
        for _ in 0..3 {
            let id = w.try_acquire(t0).unwrap();
            w.complete(id, t0 + ms(5));
            // The server counted exactly our sends; its reset is rounded up to a whole second.
        }
        w.observe(Some(0), Some(t0 + W + ms(900)), Some(3), t0 + ms(5));
        assert_eq!(w.server_remaining(t0 + ms(5)), None);
        assert_eq!(w.server_reported(t0 + ms(5)), Some(0));
        assert_eq!(w.try_acquire(t0 + ms(6)), Err(Wait::Until(t0 + ms(5) + W)));
    }

    #[test]
    fn a_stricter_server_limit_is_obeyed() {
        let t0 = Instant::now();
        let mut w = Window::new(1000, W);
        let id = w.try_acquire(t0).unwrap();
        w.complete(id, t0 + ms(5));
        w.observe(Some(0), Some(t0 + ms(2000)), Some(50), t0 + ms(5));
        assert_eq!(w.try_acquire(t0 + ms(6)), Err(Wait::Until(t0 + ms(2000))));
        assert_eq!(w.server_limit(), Some(50));
    }

    #[test]
    fn a_pause_holds_every_send() {
        let t0 = Instant::now();
        let mut w = Window::new(100, W);
        w.pause(t0 + ms(1500), t0);
        w.pause(t0 + ms(500), t0); // a shorter pause never shortens the longer one
        assert_eq!(w.try_acquire(t0 + ms(100)), Err(Wait::Until(t0 + ms(1500))));
        assert_eq!(w.paused_until(t0), Some(t0 + ms(1500)));
        assert!(w.try_acquire(t0 + ms(1500)).is_ok());
        assert_eq!(w.paused_until(t0 + ms(1500)), None);
    }

    #[test]
    fn estimate_wait_counts_whole_windows() {
        let t0 = Instant::now();
        let mut w = Window::new(10, W);
        assert_eq!(w.estimate_wait(0, t0), Duration::ZERO);
        assert_eq!(w.estimate_wait(10, t0), Duration::ZERO);
        assert_eq!(w.estimate_wait(11, t0), W);
        assert_eq!(w.estimate_wait(35, t0), W * 3);
        assert!(w.estimate_wait(u64::MAX, t0) > W * 1000);
        for _ in 0..4 {
            let id = w.try_acquire(t0).unwrap();
            w.complete(id, t0 + ms(100));
        }
        assert_eq!(w.estimate_wait(6, t0 + ms(100)), Duration::ZERO);
        assert_eq!(w.estimate_wait(7, t0 + ms(100)), W);
    }

    #[test]
    fn send_times_are_what_a_restart_needs() {
        let t0 = Instant::now();
        let mut w = Window::new(10, W);
        let a = w.try_acquire(t0).unwrap();
        w.complete(a, t0 + ms(20));
        w.try_acquire(t0 + ms(30)).unwrap();
        assert_eq!(w.send_times(t0 + ms(50)), vec![t0 + ms(20), t0 + ms(50)]);
        assert!(w.send_times(t0 + ms(20) + W).len() == 1);
    }
}
