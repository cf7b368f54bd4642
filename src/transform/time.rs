//! Dates and timestamps as the API may send them, to UTC. Unreadable values become `None`
//! (the record's `raw` still holds them).

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// RFC 3339 with `Z` or an offset (converted to UTC), a naive date-time (taken as UTC, with `T`
/// or a space), or a bare date (midnight).
pub fn parse_timestamp(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.naive_utc());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt);
        }
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(dt.naive_utc());
        }
    }
    parse_date(s).and_then(|d| d.and_hms_opt(0, 0, 0))
}

/// `YYYY-MM-DD`, or the date part of a timestamp.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    s.get(..10)
        .filter(|_| s.len() > 10)
        .and_then(|head| NaiveDate::parse_from_str(head, "%Y-%m-%d").ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_the_spellings_seen() {
        let want = NaiveDate::from_ymd_opt(2024, 1, 15)
            .unwrap()
            .and_hms_opt(10, 30, 0)
            .unwrap();
        assert_eq!(parse_timestamp("2024-01-15T10:30:00Z"), Some(want));
        assert_eq!(parse_timestamp("2024-01-15T12:30:00+02:00"), Some(want));
        assert_eq!(parse_timestamp("2024-01-15 10:30:00"), Some(want));
        assert_eq!(parse_timestamp("2024-01-15T10:30:00.000000"), Some(want));
        assert_eq!(
            parse_timestamp("2024-01-15"),
            NaiveDate::from_ymd_opt(2024, 1, 15)
                .unwrap()
                .and_hms_opt(0, 0, 0)
        );
        assert_eq!(parse_timestamp("soon"), None);
        assert_eq!(
            parse_date("2020-01-15"),
            NaiveDate::from_ymd_opt(2020, 1, 15)
        );
        assert_eq!(
            parse_date("2020-01-15T00:00:00Z"),
            NaiveDate::from_ymd_opt(2020, 1, 15)
        );
        assert_eq!(parse_date("15/01/2020"), None);
    }
}
