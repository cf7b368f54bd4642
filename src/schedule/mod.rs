//! Scheduling: when the daemon syncs. (The daemon loop comes with issue 5.)

/// Checks a cron expression: 5 fields, or 6 with seconds first.
pub fn validate_cron(expr: &str) -> Result<(), String> {
    let fields = expr.split_whitespace().count();
    if !(fields == 5 || fields == 6 || expr.trim_start().starts_with('@')) {
        return Err(format!("{expr:?} is not a cron expression (5 fields, or 6 with seconds first)"));
    }
    croner::Cron::new(expr)
        .with_seconds_optional()
        .parse()
        .map(|_| ())
        .map_err(|e| format!("{expr:?} is not a valid cron expression: {e}"))
}
