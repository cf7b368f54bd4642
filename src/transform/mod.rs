//! Transform: API records (from `fetch::models`) into warehouse rows. Pure and synchronous:
//! no I/O, no clock, no DuckDB. A row is a list of [`Cell`]s in the column order of its
//! [`Entity`], whose names match the tables of `sql/migrations` (a warehouse test checks it).

mod rows;
mod time;

pub use rows::*;
pub use time::{parse_date, parse_timestamp};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// One value of a row, independent of any database library.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    /// Days since 1970-01-01.
    Date(chrono::NaiveDate),
    /// UTC.
    Timestamp(chrono::NaiveDateTime),
    List(Vec<String>),
    /// JSON text, for JSON columns.
    Json(String),
}

impl From<Option<i64>> for Cell {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Cell::Null, Cell::Int)
    }
}
impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Cell::Null, Cell::Float)
    }
}
impl From<Option<bool>> for Cell {
    fn from(v: Option<bool>) -> Self {
        v.map_or(Cell::Null, Cell::Bool)
    }
}
impl From<&Option<String>> for Cell {
    fn from(v: &Option<String>) -> Self {
        v.clone().map_or(Cell::Null, Cell::Text)
    }
}
impl From<&Option<Vec<String>>> for Cell {
    fn from(v: &Option<Vec<String>>) -> Self {
        v.clone().map_or(Cell::Null, Cell::List)
    }
}
impl From<&Option<Value>> for Cell {
    fn from(v: &Option<Value>) -> Self {
        match v {
            None | Some(Value::Null) => Cell::Null,
            Some(v) => Cell::Json(canonical_json(v)),
        }
    }
}

/// A table's row shape: its name, the columns that identify a record, and the columns a row
/// carries (in order; bookkeeping columns such as `synced_at` are the warehouse's).
#[derive(Debug, PartialEq, Eq)]
pub struct Entity {
    pub table: &'static str,
    pub key: &'static [&'static str],
    pub columns: &'static [&'static str],
    /// For children: the column naming the parent, whose complete list scopes deletions.
    pub parent: Option<&'static str>,
}

/// JSON text with object keys sorted at every level, so equal values hash equally whatever
/// order the API sent the keys in.
pub fn canonical_json(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<_> = m.keys().collect();
                keys.sort();
                let mut out = serde_json::Map::new();
                for k in keys {
                    out.insert(k.clone(), sorted(&m[k]));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    // serde_json's Map keeps insertion order only with `preserve_order`; sorting explicitly
    // keeps the hash stable whichever way a dependency sets that feature.
    sorted(v).to_string()
}

/// A short, stable digest of a record's raw payload: a new history version starts exactly
/// when it changes.
pub fn content_hash(raw: &Value) -> String {
    let digest = Sha256::digest(canonical_json(raw).as_bytes());
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_ignores_key_order_but_not_values() {
        let a = json!({"a": 1, "b": {"x": [1, 2], "y": null}});
        let b = json!({"b": {"y": null, "x": [1, 2]}, "a": 1});
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_ne!(
            content_hash(&a),
            content_hash(&json!({"a": 2, "b": {"x": [1, 2]}}))
        );
    }
}
