//! One cron expression in one IANA time zone, and the instants it fires at. Invariant:
//! [`CronSchedule::next_after`] returns an instant strictly after its argument, so iterating it
//! is strictly increasing in real time across DST changes in either direction.
//!
//! croner matches wall-clock times; mapping them to instants is done here, because croner's own
//! mapping can return an instant *before* the start inside a fall-back hour.

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use croner::{Cron, JobType};

/// DST shifts are at most two hours anywhere (Antarctica/Troll); three hours bounds the skew
/// between wall-clock order and real-time order that the search must look across.
const SKEW_SECS: i64 = 3 * 3600;

/// A validated cron expression bound to a time zone.
///
/// DST rules (the Open Cron Pattern Specification's, which croner documents):
/// - a fixed-time job (single second, minute and hour, e.g. `30 2 * * *`) whose wall-clock time
///   is skipped by a spring-forward fires once, at the first instant after the gap; in a
///   fall-back it fires once, at the first of the two instants;
/// - an interval job (`0 * * * *`, `*/15 * * * *`) fires at every instant whose wall-clock time
///   matches: nothing in a skipped hour, both passes of a repeated hour.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    expr: String,
    cron: Cron,
    tz: Tz,
    fixed_time: bool,
}

impl CronSchedule {
    /// Parses `expr` (5 fields, or 6 with seconds first, or an `@hourly`-style alias) for `tz`,
    /// and checks that it fires at all.
    pub fn parse(expr: &str, tz: Tz) -> Result<CronSchedule, String> {
        let cron = parse_cron(expr)?;
        let fixed_time = cron.determine_job_type() == JobType::FixedTime;
        let schedule = CronSchedule {
            expr: expr.trim().to_string(),
            cron,
            tz,
            fixed_time,
        };
        if schedule.next_after(Utc::now()).is_none() {
            return Err(format!("{expr:?} never fires"));
        }
        Ok(schedule)
    }

    pub fn expr(&self) -> &str {
        &self.expr
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The first instant strictly after `after` at which the schedule fires, or `None` if it
    /// never fires again.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let skew = Duration::seconds(SKEW_SECS);
        // The earliest wall-clock time that can belong to an instant after `after`: with a
        // fall-back ahead, wall-clock times already seen come round again.
        let min_offset = self.offset_at(after).min(self.offset_at(after + skew));
        // Whole seconds: croner keeps the fraction of its start, which would shift every fire.
        let mut wall = (after.naive_utc() + min_offset).with_nanosecond(0)?;
        let mut inclusive = true;
        let mut best: Option<(DateTime<Utc>, NaiveDateTime)> = None;
        loop {
            let candidate_wall = self.next_wall(wall, inclusive)?;
            inclusive = false;
            if let Some((_, limit)) = best
                && candidate_wall > limit
            {
                break;
            }
            for instant in self.instants(candidate_wall) {
                if instant > after && best.is_none_or(|(b, _)| instant < b) {
                    best = Some((instant, self.search_limit(instant)));
                }
            }
            wall = candidate_wall;
        }
        best.map(|(instant, _)| instant)
    }

    /// The next `n` instants after `after` (for `config check` and tests).
    pub fn upcoming(&self, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        std::iter::successors(self.next_after(after), |t| self.next_after(*t))
            .take(n)
            .collect()
    }

    /// Past this wall-clock time no match can map to an instant before `instant`: the wall
    /// time itself when the offset is steady around it, three hours later near a DST change.
    fn search_limit(&self, instant: DateTime<Utc>) -> NaiveDateTime {
        let skew = Duration::seconds(SKEW_SECS);
        let wall = instant.naive_utc() + self.offset_at(instant);
        if self.offset_at(instant - skew) == self.offset_at(instant + skew) {
            wall
        } else {
            wall + skew
        }
    }

    fn offset_at(&self, t: DateTime<Utc>) -> Duration {
        let secs = self
            .tz
            .offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc();
        Duration::seconds(secs.into())
    }

    /// The next wall-clock time matching the pattern, at or after `wall` (croner on UTC, which
    /// has no DST, is pure calendar matching).
    fn next_wall(&self, wall: NaiveDateTime, inclusive: bool) -> Option<NaiveDateTime> {
        self.cron
            .find_next_occurrence(&Utc.from_utc_datetime(&wall), inclusive)
            .ok()
            .map(|t| t.naive_utc())
    }

    /// The instants a matching wall-clock time stands for, per the DST rules above.
    fn instants(&self, wall: NaiveDateTime) -> Vec<DateTime<Utc>> {
        use chrono::LocalResult;
        match self.tz.from_local_datetime(&wall) {
            LocalResult::Single(t) => vec![t.with_timezone(&Utc)],
            LocalResult::Ambiguous(first, second) => {
                if self.fixed_time {
                    vec![first.with_timezone(&Utc)]
                } else {
                    vec![first.with_timezone(&Utc), second.with_timezone(&Utc)]
                }
            }
            LocalResult::None if self.fixed_time => self.gap_end(wall).into_iter().collect(),
            LocalResult::None => Vec::new(),
        }
    }

    /// The first instant after the DST gap that swallowed `wall` (binary search on seconds).
    fn gap_end(&self, wall: NaiveDateTime) -> Option<DateTime<Utc>> {
        let (mut lo, mut hi) = (0i64, SKEW_SECS);
        let exists = |s: i64| {
            self.tz
                .from_local_datetime(&(wall + Duration::seconds(s)))
                .earliest()
        };
        exists(hi)?;
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if exists(mid).is_some() {
                hi = mid
            } else {
                lo = mid
            }
        }
        exists(hi).map(|t| t.with_timezone(&Utc))
    }
}

/// Parses a cron expression without binding it to a zone: 5 fields, or 6 with seconds first.
pub(crate) fn parse_cron(expr: &str) -> Result<Cron, String> {
    let fields = expr.split_whitespace().count();
    if !(fields == 5 || fields == 6 || expr.trim_start().starts_with('@')) {
        return Err(format!(
            "{expr:?} is not a cron expression (5 fields, or 6 with seconds first)"
        ));
    }
    expr.parse::<Cron>()
        .map_err(|e| format!("{expr:?} is not a valid cron expression: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn berlin(expr: &str) -> CronSchedule {
        CronSchedule::parse(expr, "Europe/Berlin".parse().unwrap()).unwrap()
    }

    fn fires(s: &CronSchedule, after: &str, n: usize) -> Vec<String> {
        s.upcoming(utc(after), n)
            .iter()
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .collect()
    }

    // Berlin 2025: spring forward 30 March 02:00 CET → 03:00 CEST (01:00Z);
    // fall back 26 October 03:00 CEST → 02:00 CET (01:00Z).

    #[test]
    fn fixed_time_in_the_spring_gap_fires_once_right_after_it() {
        let s = berlin("30 2 * * *");
        assert_eq!(
            fires(&s, "2025-03-28T12:00:00Z", 3),
            [
                "2025-03-29T01:30:00Z", // 02:30 CET
                "2025-03-30T01:00:00Z", // 02:30 does not exist: 03:00 CEST
                "2025-03-31T00:30:00Z", // 02:30 CEST
            ]
        );
    }

    #[test]
    fn fixed_time_in_the_repeated_hour_fires_once() {
        let s = berlin("30 2 * * *");
        assert_eq!(
            fires(&s, "2025-10-25T12:00:00Z", 2),
            [
                "2025-10-26T00:30:00Z", // 02:30 CEST, the first pass only
                "2025-10-27T01:30:00Z", // 02:30 CET
            ]
        );
    }

    #[test]
    fn hourly_keeps_real_hours_across_both_changes() {
        let s = berlin("0 * * * *");
        assert_eq!(
            fires(&s, "2025-03-29T23:30:00Z", 3),
            [
                "2025-03-30T00:00:00Z",
                "2025-03-30T01:00:00Z",
                "2025-03-30T02:00:00Z"
            ]
        );
        assert_eq!(
            fires(&s, "2025-10-25T23:30:00Z", 4),
            [
                "2025-10-26T00:00:00Z", // 02:00 CEST
                "2025-10-26T01:00:00Z", // 02:00 CET, the repeated hour
                "2025-10-26T02:00:00Z", // 03:00 CET
                "2025-10-26T03:00:00Z",
            ]
        );
    }

    #[test]
    fn inside_the_repeated_hour_the_next_fire_is_never_in_the_past() {
        // 02:10 CET (second pass): croner alone would answer 02:30 CEST, 40 minutes ago.
        let s = berlin("*/30 * * * *");
        assert_eq!(
            fires(&s, "2025-10-26T01:10:00Z", 3),
            [
                "2025-10-26T01:30:00Z",
                "2025-10-26T02:00:00Z",
                "2025-10-26T02:30:00Z"
            ]
        );
    }

    #[test]
    fn a_year_of_fires_is_strictly_increasing_with_bounded_gaps() {
        for (expr, max_gap_secs) in [
            ("*/20 * * * *", 20 * 60),
            ("0 * * * *", 3600),
            ("30 2 * * *", 25 * 3600),
            ("15 1,2,3 * * *", 23 * 3600),
        ] {
            let s = berlin(expr);
            let mut t = utc("2025-01-01T00:00:00Z");
            let end = utc("2026-01-01T00:00:00Z");
            while t < end {
                let next = s.next_after(t).unwrap();
                assert!(next > t, "{expr}: {next} after {t}");
                if t > utc("2025-01-02T00:00:00Z") {
                    assert!(
                        (next - t).num_seconds() <= max_gap_secs,
                        "{expr}: {t} → {next}"
                    );
                }
                t = next;
            }
        }
    }

    #[test]
    fn fires_fall_on_whole_seconds_whatever_the_start() {
        let s = CronSchedule::parse("*/2 * * * * *", Tz::UTC).unwrap();
        assert_eq!(
            fires(&s, "2025-01-01T00:00:00.700Z", 1),
            ["2025-01-01T00:00:02Z"]
        );
        assert_eq!(
            s.next_after(utc("2025-01-01T00:00:02.000001Z")),
            Some(utc("2025-01-01T00:00:04Z"))
        );
    }

    #[test]
    fn six_fields_have_seconds_and_utc_is_plain() {
        let s = CronSchedule::parse("*/3 * * * * *", Tz::UTC).unwrap();
        assert_eq!(
            fires(&s, "2025-01-01T00:00:00Z", 2),
            ["2025-01-01T00:00:03Z", "2025-01-01T00:00:06Z"]
        );
    }

    #[test]
    fn bad_and_never_firing_expressions_are_refused() {
        for expr in ["", "* * *", "61 * * * *", "every hour", "0 0 30 2 *"] {
            assert!(CronSchedule::parse(expr, Tz::UTC).is_err(), "{expr:?}");
        }
        assert!(CronSchedule::parse("@hourly", Tz::UTC).is_ok());
    }
}
