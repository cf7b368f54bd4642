//! The bench strength index (BSI) of one position, from the document's five weighted factors;
//! the exact formula is in the `sim` module docs. Pure: the same successors always give the
//! same score, and both `/successors/` and `/bench-strength/` call this one function.

use super::model::Readiness;
use super::rng::round1;

/// What the BSI needs to know about one successor record of a position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SuccessorFactors {
    pub readiness: Readiness,
    /// How many positions this successor's employee is named for (at least 1).
    pub roles: usize,
    /// The successor's `attrition_risk_score` (0-100); unknown counts as 50.
    pub attrition: Option<f64>,
    /// When the successor record was last assessed (epoch seconds).
    pub updated: i64,
    /// Whether the successor is in the position's department.
    pub internal: bool,
}

/// How ready a level is, from 1 (ready now) down to 0.2 (more than 24 months).
pub fn readiness_weight(r: Readiness) -> f64 {
    match r {
        Readiness::ReadyNow => 1.0,
        Readiness::Under6 => 0.8,
        Readiness::From6To12 => 0.6,
        Readiness::From12To24 => 0.4,
        Readiness::Over24 => 0.2,
    }
}

/// 1 for data assessed at or after `as_of`, falling linearly to 0 at 365 days old.
pub fn freshness(updated: i64, as_of: i64) -> f64 {
    let age_days = (as_of - updated).max(0) as f64 / 86_400.0;
    (1.0 - age_days / 365.0).clamp(0.0, 1.0)
}

fn mean(xs: impl Iterator<Item = f64>, n: usize) -> f64 {
    xs.sum::<f64>() / n as f64
}

/// The BSI, 0-100 with one decimal; 0 for a position without successors.
pub fn index(successors: &[SuccessorFactors], as_of: i64) -> f64 {
    let n = successors.len();
    if n == 0 {
        return 0.0;
    }
    let it = || successors.iter();
    let readiness = mean(it().map(|s| readiness_weight(s.readiness)), n);
    let utilization = mean(it().map(|s| 1.0 / s.roles.max(1) as f64), n);
    let retention = mean(
        it().map(|s| 1.0 - s.attrition.unwrap_or(50.0).clamp(0.0, 100.0) / 100.0),
        n,
    );
    let fresh = mean(it().map(|s| freshness(s.updated, as_of)), n);
    let internal = it().filter(|s| s.internal).count() as f64 / n as f64;
    let diversity = 1.0 - (2.0 * internal - 1.0).abs();
    round1(
        100.0
            * (0.35 * readiness
                + 0.20 * utilization
                + 0.20 * retention
                + 0.10 * fresh
                + 0.15 * diversity),
    )
}

/// Internal and external shares in whole percent, summing to 100 (0 and 0 without successors).
pub fn percentages(internal: usize, total: usize) -> (u32, u32) {
    if total == 0 {
        return (0, 0);
    }
    let i = (100.0 * internal as f64 / total as f64).round() as u32;
    (i, 100 - i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000_000_000;

    fn f(
        readiness: Readiness,
        roles: usize,
        attrition: f64,
        age_days: i64,
        internal: bool,
    ) -> SuccessorFactors {
        SuccessorFactors {
            readiness,
            roles,
            attrition: Some(attrition),
            updated: NOW - age_days * 86_400,
            internal,
        }
    }

    #[test]
    fn weights_add_up_as_documented() {
        // Perfect on everything but diversity (all internal): 100 - 15.
        assert_eq!(index(&[f(Readiness::ReadyNow, 1, 0.0, 0, true)], NOW), 85.0);
        // A perfect internal + external mix scores the full 100.
        let two = [
            f(Readiness::ReadyNow, 1, 0.0, 0, true),
            f(Readiness::ReadyNow, 1, 0.0, 0, false),
        ];
        assert_eq!(index(&two, NOW), 100.0);
        // Worst case except utilisation 1/2 and readiness 0.2: 35*0.2 + 20*0.5 = 17.
        assert_eq!(
            index(&[f(Readiness::Over24, 2, 100.0, 400, false)], NOW),
            17.0
        );
        assert_eq!(index(&[], NOW), 0.0);
    }

    #[test]
    fn factors_move_the_score_the_right_way() {
        let base = f(Readiness::From6To12, 1, 40.0, 100, true);
        let s = index(&[base], NOW);
        let sooner = index(
            &[SuccessorFactors {
                readiness: Readiness::ReadyNow,
                ..base
            }],
            NOW,
        );
        let shared = index(&[SuccessorFactors { roles: 3, ..base }], NOW);
        let risky = index(
            &[SuccessorFactors {
                attrition: Some(90.0),
                ..base
            }],
            NOW,
        );
        let unknown = index(
            &[SuccessorFactors {
                attrition: None,
                ..base
            }],
            NOW,
        );
        assert!(sooner > s && shared < s && risky < s && unknown < s);
        assert_eq!(freshness(NOW + 10, NOW), 1.0);
        assert_eq!(freshness(NOW - 365 * 86_400, NOW), 0.0);
    }

    #[test]
    fn percentages_are_whole_and_sum_to_100() {
        assert_eq!(percentages(2, 3), (67, 33));
        assert_eq!(percentages(1, 3), (33, 67));
        assert_eq!(percentages(2, 2), (100, 0));
        assert_eq!(percentages(0, 0), (0, 0));
    }
}
