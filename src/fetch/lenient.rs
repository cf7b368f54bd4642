//! Tolerant field decoders for API payloads: the document shows numbers sent as strings
//! (`"90"`, `"92.30"`, `"67%"`), and any field but an id may be null or missing
//! (`../shared/api/AMBIGUITIES.md`). Each decoder accepts every such spelling of its type and
//! rejects only what cannot mean it, so one odd field never costs a whole page.

use serde::{Deserialize, Deserializer, de::Error as _};
use serde_json::Value;

/// A number sent as a number, a numeric string, or a percentage string; `null`, `""` and a
/// missing field are `None`.
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    value_to_f64(v.as_ref()).map_err(D::Error::custom)
}

/// An integer sent as a number (also `5.0`) or a string (`"12"`); `null`/`""`/missing are `None`.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    value_to_i64(v.as_ref()).map_err(D::Error::custom)
}

/// A required integer id, sent as a number or a string.
pub fn req_i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = Value::deserialize(d)?;
    value_to_i64(Some(&v))
        .map_err(D::Error::custom)?
        .ok_or_else(|| D::Error::custom("id is null"))
}

/// A boolean sent as `true`/`false`, `"true"`/`"false"` or `1`/`0`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "1" | "yes" => Ok(Some(true)),
            "false" | "0" | "no" => Ok(Some(false)),
            other => Err(D::Error::custom(format!(
                "expected a boolean, got {other:?}"
            ))),
        },
        Some(other) => Err(D::Error::custom(format!("expected a boolean, got {other}"))),
    }
}

/// A string; a number or boolean is kept in its JSON spelling; `null`/missing are `None`.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
        Some(other) => Err(D::Error::custom(format!("expected a string, got {other}"))),
    }
}

/// A list of strings; non-string elements keep their JSON spelling; `null`/missing are `None`.
pub fn opt_string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => Ok(Some(
            items
                .into_iter()
                .filter(|i| !i.is_null())
                .map(|i| match i {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect(),
        )),
        // A lone string where a list was documented: keep it as a one-element list.
        Some(Value::String(s)) if s.is_empty() => Ok(Some(Vec::new())),
        Some(Value::String(s)) => Ok(Some(vec![s])),
        Some(other) => Err(D::Error::custom(format!("expected a list, got {other}"))),
    }
}

pub fn value_to_f64(v: Option<&Value>) -> Result<Option<f64>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => {
            let t = s.trim().trim_end_matches('%').trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| format!("expected a number, got {s:?}"))
        }
        Some(other) => Err(format!("expected a number, got {other}")),
    }
}

pub fn value_to_i64(v: Option<&Value>) -> Result<Option<i64>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    .map(|f| f as i64)
            })
            .map(Some)
            .ok_or_else(|| format!("expected an integer, got {n}")),
        Some(Value::String(s)) => {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<i64>()
                .map(Some)
                .map_err(|_| format!("expected an integer, got {s:?}"))
        }
        Some(other) => Err(format!("expected an integer, got {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_in_every_documented_spelling() {
        for (v, want) in [
            (json!(90), Some(90.0)),
            (json!("90"), Some(90.0)),
            (json!("92.30"), Some(92.3)),
            (json!("67%"), Some(67.0)),
            (json!(" 33 % "), Some(33.0)),
            (json!(""), None),
            (json!(null), None),
        ] {
            assert_eq!(value_to_f64(Some(&v)).unwrap(), want, "{v}");
        }
        assert!(value_to_f64(Some(&json!("high"))).is_err());
        assert!(value_to_f64(Some(&json!([1]))).is_err());
    }

    #[test]
    fn integers_from_strings_and_whole_floats() {
        assert_eq!(value_to_i64(Some(&json!("12"))).unwrap(), Some(12));
        assert_eq!(value_to_i64(Some(&json!(5.0))).unwrap(), Some(5));
        assert!(value_to_i64(Some(&json!(5.5))).is_err());
        assert!(value_to_i64(Some(&json!("x"))).is_err());
    }
}
