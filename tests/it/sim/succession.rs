//! Succession: successors grouped by position, successor detail by every kind of identifier,
//! and the bench-strength table.

use std::collections::HashSet;

use hrwise_sync::sim::SimOptions;
use serde_json::{Value, json};

use crate::support::{sim_options, sim_segment, sim_send};

use super::{Ctx, LEVELS, assert_error, assert_fields, assert_rate_headers, employees};

const SUCCESSOR_FIELDS: &[&str] = &[
    "id",
    "employee_name",
    "current_position",
    "department",
    "role_to_succeed",
    "expected_readiness",
    "predecessor_name",
    "fit_score_display",
    "initial_gaps",
    "updated_gaps",
    "progress_status",
    "initial_fit",
    "updated_fit",
    "employee",
];

const HOLDER_FIELDS: &[&str] = &["id", "full_name", "email", "department", "position"];

const BENCH_FIELDS: &[&str] = &[
    "role",
    "current_holder",
    "department",
    "total_successors",
    "ready_now_count",
    "less_6_months_count",
    "six_12_months_count",
    "twelve_24_months_count",
    "more_24_months_count",
    "internal_percentage",
    "external_percentage",
    "bench_strength_index",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn successors_are_grouped_by_position_with_their_bench_strength() {
    let c = Ctx::new(SimOptions {
        employees: 300,
        ..sim_options()
    })
    .await;
    let r = c.get("successors/").await;
    assert_eq!(r.status, 200);
    assert_rate_headers(&r);
    let groups = r.data().as_array().expect("array");
    assert_eq!(r.data(), &c.snapshot()["successors"]);
    let bench = c.get("bench-strength/").await;
    let rows = bench.data().as_array().expect("rows");
    assert_eq!(groups.len(), rows.len());
    let emps = employees(&c.snapshot()).clone();
    let dept_of = |id: &Value| {
        emps.iter()
            .find(|e| &e["id"] == id)
            .map(|e| e["department"]["name"].clone())
    };
    let (mut levels, mut shared, mut external) = (HashSet::new(), HashSet::new(), 0);
    let mut seen = HashSet::new();
    for (g, row) in groups.iter().zip(rows) {
        assert_fields(
            g,
            &["current_role_holder", "successors", "bench_strength"],
            "group",
        );
        let holder = &g["current_role_holder"];
        assert_fields(holder, HOLDER_FIELDS, "holder");
        let list = g["successors"].as_array().expect("successors");
        assert!((1..=4).contains(&list.len()));
        for s in list {
            assert_fields(s, SUCCESSOR_FIELDS, "successor");
            assert_fields(
                &s["progress_status"],
                &["status", "predicted_readiness"],
                "progress_status",
            );
            levels.insert(s["expected_readiness"].as_str().expect("level").to_string());
            for f in ["fit_score_display", "initial_fit", "updated_fit"] {
                assert!(
                    s[f].as_str().is_some_and(|v| v.parse::<u32>().is_ok()),
                    "{f} is a string number"
                );
            }
            assert_eq!(s["predecessor_name"], holder["full_name"]);
            assert_eq!(s["role_to_succeed"], row["role"]);
            assert_eq!(Some(s["department"].clone()), dept_of(&s["employee"]));
            if s["department"] != holder["department"] {
                external += 1;
            }
            if !seen.insert(s["employee"].clone()) {
                shared.insert(s["employee"].clone());
            }
        }
        assert_eq!(
            g["bench_strength"], row["bench_strength_index"],
            "both endpoints agree"
        );
        assert_eq!(row["current_holder"], holder["full_name"]);
    }
    assert_eq!(levels.len(), 5, "all readiness levels occur: {levels:?}");
    assert!(
        !shared.is_empty(),
        "some successors are named for several positions"
    );
    assert!(external > 0, "some successors come from other departments");

    let eng = c.get("successors/?department=ENGINEERING").await;
    let eng = eng.data().as_array().expect("array");
    assert!(!eng.is_empty());
    assert!(
        eng.iter()
            .all(|g| g["current_role_holder"]["department"] == "Engineering")
    );
    for level in LEVELS {
        let r = sim_send(
            c.http
                .get(c.url("successors/"))
                .query(&[("readiness_level", level)])
                .bearer_auth(&c.access),
        )
        .await;
        let gs = r.data().as_array().expect("array");
        assert!(!gs.is_empty(), "{level}");
        assert!(
            gs.iter()
                .flat_map(|g| g["successors"].as_array().expect("s"))
                .all(|s| s["expected_readiness"] == *level)
        );
    }
    let r = c.get("successors/?readiness_level=soon").await;
    assert_error(&r, 400, "INVALID_QUERY_PARAMETER");
    assert_eq!(r.json["error"]["provided"], "soon");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn successor_detail_by_every_kind_of_identifier() {
    let c = Ctx::new(sim_options()).await;
    let groups = c.snapshot()["successors"].clone();
    let emps = employees(&c.snapshot()).clone();
    let all: Vec<(Value, Value)> = groups
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| {
            g["successors"]
                .as_array()
                .expect("s")
                .iter()
                .map(|s| (s.clone(), g["current_role_holder"].clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let (s, holder) = &all[0];
    let r = c.get(&format!("successors/{}/", s["id"])).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut expected = s.as_object().expect("object").clone();
    let d = r.data().as_object().expect("detail");
    assert!(d["notes"].is_string() || d["notes"].is_null());
    expected.insert("notes".into(), d["notes"].clone());
    expected.insert("current_role_holder".into(), holder.clone());
    assert_eq!(d, &expected);
    // By the successor's employee: id, employee_id, email; the first record is the lowest id.
    let emp = emps
        .iter()
        .find(|e| e["id"] == s["employee"])
        .expect("employee");
    let first = all
        .iter()
        .filter(|(x, _)| x["employee"] == s["employee"])
        .map(|(x, _)| x["id"].as_i64().expect("id"))
        .min();
    // An all-digit identifier is a successor id first, and only then an employee id.
    let by_id = all
        .iter()
        .find(|(x, _)| x["id"] == emp["id"])
        .map(|(x, _)| x["id"].as_i64().expect("id"));
    let cases = [
        (emp["id"].to_string(), by_id.or(first)),
        (
            sim_segment(emp["employee_id"].as_str().expect("eid")),
            first,
        ),
        (sim_segment(emp["email"].as_str().expect("email")), first),
    ];
    for (ident, want) in cases {
        let r = c.get(&format!("successors/{ident}/")).await;
        assert_eq!(r.status, 200, "{ident}: {}", r.text);
        assert_eq!(r.data()["id"].as_i64(), want, "{ident}");
    }
    // An employee id that is not a successor id finds that employee's first record.
    let (plain, plain_first) = all
        .iter()
        .map(|(x, _)| x["employee"].as_i64().expect("employee"))
        .filter(|e| all.iter().all(|(x, _)| x["id"] != *e))
        .map(|e| {
            (
                e,
                all.iter()
                    .filter(|(x, _)| x["employee"] == e)
                    .map(|(x, _)| x["id"].as_i64().expect("id"))
                    .min(),
            )
        })
        .next()
        .expect("an employee id that is no successor id");
    assert_eq!(
        c.get(&format!("successors/{plain}/")).await.data()["id"].as_i64(),
        plain_first
    );
    let r = c.get("successors/999/").await;
    assert_error(&r, 404, "SUCCESSOR_NOT_FOUND");
    assert_eq!(
        r.json["error"]["message"],
        "No active successor found with identifier: 999"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_strength_table_has_the_documented_fields() {
    let c = Ctx::new(SimOptions {
        employees: 300,
        ..sim_options()
    })
    .await;
    let r = c.get("bench-strength/").await;
    assert_eq!(r.status, 200);
    let rows = r.data().as_array().expect("rows");
    assert!(rows.len() >= 3);
    for row in rows {
        assert_fields(row, BENCH_FIELDS, "bench row");
        let n = |f: &str| row[f].as_u64().expect(f);
        let sum = n("ready_now_count")
            + n("less_6_months_count")
            + n("six_12_months_count")
            + n("twelve_24_months_count")
            + n("more_24_months_count");
        assert_eq!(sum, n("total_successors"));
        let pct = |f: &str| {
            row[f]
                .as_str()
                .and_then(|p| p.strip_suffix('%'))
                .and_then(|p| p.parse::<u32>().ok())
                .expect(f)
        };
        assert_eq!(pct("internal_percentage") + pct("external_percentage"), 100);
        let bsi = row["bench_strength_index"].as_f64().expect("bsi");
        assert!((0.0..=100.0).contains(&bsi));
    }
    let eng = c.get("bench-strength/?department=engineering").await;
    let eng = eng.data().as_array().expect("rows");
    assert!(!eng.is_empty() && eng.iter().all(|r| r["department"] == "Engineering"));
    assert_eq!(
        c.get("bench-strength/?department=Nowhere").await.data(),
        &json!([])
    );
}
