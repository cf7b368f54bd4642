//! The response envelope `{"success", "data", "error": {"code", "message"}}`, read tolerantly:
//! unknown fields are ignored, a bare payload without an envelope is its own data, and
//! `success: false` is an error whatever the HTTP status. Pure functions over JSON.

use serde_json::Value;

/// What an answer's body says.
#[derive(Debug, Clone, PartialEq)]
pub enum Envelope {
    Data(Value),
    Error { code: String, message: String },
}

/// Reads a JSON body. An error envelope is recognised by `success: false`, or by an `error`
/// member with neither `success: true` nor `data` beside it.
pub fn open(v: Value) -> Envelope {
    let Value::Object(mut map) = v else {
        return Envelope::Data(v);
    };
    let success = map.get("success").and_then(truthy);
    let has_error = map.get("error").is_some_and(|e| !e.is_null());
    if success == Some(false) || (success.is_none() && has_error && !map.contains_key("data")) {
        let (code, message) = error_parts(map.get("error"), map.get("detail"), map.get("message"));
        return Envelope::Error { code, message };
    }
    if map.contains_key("data") || success.is_some() {
        return Envelope::Data(map.remove("data").unwrap_or(Value::Null));
    }
    Envelope::Data(Value::Object(map))
}

/// The code and message of an error body that is JSON but maybe not an envelope
/// (`{"detail": "..."}` from a framework, `{"error": "text"}`).
pub fn error_of(v: &Value) -> Option<(String, String)> {
    let map = v.as_object()?;
    let (e, d, m) = (map.get("error"), map.get("detail"), map.get("message"));
    if e.is_none() && d.is_none() && m.is_none() {
        return None;
    }
    Some(error_parts(e, d, m))
}

fn error_parts(
    error: Option<&Value>,
    detail: Option<&Value>,
    message: Option<&Value>,
) -> (String, String) {
    let text = |v: Option<&Value>| match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    };
    match error {
        Some(Value::Object(e)) => {
            let code = text(e.get("code")).unwrap_or_else(|| "UNKNOWN_ERROR".into());
            let mut msg = text(e.get("message"))
                .or_else(|| text(detail))
                .or_else(|| text(message))
                .unwrap_or_else(|| "(no message)".into());
            if let Some(d) = text(e.get("detail")) {
                msg = format!("{msg} ({d})");
            }
            (code, msg)
        }
        Some(Value::String(s)) => ("UNKNOWN_ERROR".into(), s.clone()),
        _ => (
            "UNKNOWN_ERROR".into(),
            text(detail)
                .or_else(|| text(message))
                .unwrap_or_else(|| "(no message)".into()),
        ),
    }
}

/// `true`/`false`, also as `"true"`/`"false"` or 1/0.
fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

/// A list of strings out of `data` or `data[key]` (a bare list is accepted too); non-strings
/// keep their JSON spelling; null is an empty list.
pub fn string_list(data: &Value, key: &str) -> Result<Vec<String>, String> {
    let v = match data {
        Value::Object(m) => m.get(key).unwrap_or(&Value::Null),
        other => other,
    };
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => Ok(items
            .iter()
            .filter(|i| !i.is_null())
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()),
        Value::String(s) if s.is_empty() => Ok(Vec::new()),
        Value::String(s) => Ok(vec![s.clone()]),
        other => Err(format!("`{key}` is not a list: {other}")),
    }
}

/// `data[key]` when `data` is an object holding it, else `data` itself (a bare payload).
pub fn member(data: Value, key: &str) -> Value {
    match data {
        Value::Object(mut m) if m.contains_key(key) => m.remove(key).unwrap_or(Value::Null),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn success_envelope_yields_data_and_ignores_unknown_fields() {
        let v = json!({"success": true, "data": {"x": 1}, "meta": {"request_id": "r1"}});
        assert_eq!(open(v), Envelope::Data(json!({"x": 1})));
        assert_eq!(open(json!({"success": true})), Envelope::Data(Value::Null));
        assert_eq!(open(json!([1, 2])), Envelope::Data(json!([1, 2])));
        assert_eq!(
            open(json!({"count": 0, "results": []})).clone(),
            Envelope::Data(json!({"count": 0, "results": []}))
        );
    }

    #[test]
    fn error_envelopes_in_every_shape() {
        let v = json!({"success": false, "error": {"code": "EMPLOYEE_NOT_FOUND",
            "message": "No employee found with identifier: EMP999"}});
        assert_eq!(
            open(v),
            Envelope::Error {
                code: "EMPLOYEE_NOT_FOUND".into(),
                message: "No employee found with identifier: EMP999".into()
            }
        );
        let v = json!({"success": false, "error": {"code": "DEPARTMENT_NOT_FOUND",
            "message": "Department 'Marketing' does not exist", "detail": "Please create it"}});
        let Envelope::Error { message, .. } = open(v) else {
            panic!()
        };
        assert_eq!(
            message,
            "Department 'Marketing' does not exist (Please create it)"
        );
        // `success: false` with data is still an error; so is a bare error object.
        assert!(matches!(
            open(json!({"success": "false", "data": {}})),
            Envelope::Error { .. }
        ));
        assert_eq!(
            open(json!({"error": "boom"})),
            Envelope::Error {
                code: "UNKNOWN_ERROR".into(),
                message: "boom".into()
            }
        );
        assert_eq!(
            error_of(&json!({"detail": "Authentication credentials were not provided."})),
            Some((
                "UNKNOWN_ERROR".into(),
                "Authentication credentials were not provided.".into()
            ))
        );
        assert_eq!(error_of(&json!({"x": 1})), None);
    }

    #[test]
    fn string_lists_and_members_are_tolerant() {
        let d = json!({"skill_gaps": ["Cloud", null, 3]});
        assert_eq!(string_list(&d, "skill_gaps").unwrap(), vec!["Cloud", "3"]);
        assert_eq!(
            string_list(&json!({}), "skill_gaps").unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(string_list(&json!(["a"]), "skill_gaps").unwrap(), vec!["a"]);
        assert!(string_list(&json!({"skill_gaps": {"a": 1}}), "skill_gaps").is_err());
        assert_eq!(member(json!({"trainings": [1]}), "trainings"), json!([1]));
        assert_eq!(member(json!([1]), "trainings"), json!([1]));
    }
}
