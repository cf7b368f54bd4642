//! The employee list and detail: pagination arithmetic, list filters, and detail by id,
//! employee id or email with identifiers that need encoding.

use serde_json::{Value, json};

use crate::support::{SimReply, sim_get, sim_options, sim_segment, sim_send};

use super::{Ctx, assert_error, assert_fields, assert_rate_headers, employees};

/// Walks every page of `first` following `next`; checks the arithmetic on each page.
async fn walk(c: &Ctx, first: &str, count: usize, size: usize) -> Vec<i64> {
    let total_pages = count.div_ceil(size).max(1);
    let mut ids = Vec::new();
    let mut url = first.to_string();
    for page in 1..=total_pages {
        let r = sim_get(&c.http, &url, Some(&c.access)).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        assert_rate_headers(&r);
        let d = r.data();
        assert_fields(
            d,
            &[
                "count",
                "next",
                "previous",
                "page",
                "page_size",
                "total_pages",
                "results",
            ],
            "page",
        );
        assert_eq!(d["count"], count, "{url}");
        assert_eq!(d["page"], page, "{url}");
        assert_eq!(d["page_size"], size, "{url}");
        assert_eq!(d["total_pages"], total_pages, "{url}");
        let results = d["results"].as_array().expect("results");
        assert_eq!(results.len(), size.min(count - (page - 1) * size), "{url}");
        ids.extend(results.iter().map(|e| e["id"].as_i64().expect("id")));
        match d["previous"].as_str() {
            None => assert_eq!(page, 1),
            Some(prev) => {
                let u = url::Url::parse(prev).expect("absolute previous");
                assert_eq!(format!("{}://{}", u.scheme(), u.authority()), c.base);
                let p: Option<String> = u
                    .query_pairs()
                    .find(|(k, _)| k == "page")
                    .map(|(_, v)| v.into());
                // A link to page 1 carries no `page` (as DRF builds it).
                assert_eq!(p, (page > 2).then(|| (page - 1).to_string()), "{prev}");
            }
        }
        match d["next"].as_str() {
            None => assert_eq!(page, total_pages),
            Some(next) => {
                assert!(next.starts_with(&c.base), "{next}");
                let u = url::Url::parse(next).expect("absolute next");
                let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
                assert!(
                    pairs.contains(&("page".into(), (page + 1).to_string())),
                    "{next}"
                );
                assert!(
                    pairs.contains(&("page_size".into(), size.to_string())),
                    "{next}"
                );
                url = next.to_string();
            }
        }
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagination_arithmetic_for_several_page_sizes() {
    let c = Ctx::new(sim_options()).await;
    let all: Vec<i64> = employees(&c.snapshot())
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(all.len(), 120);
    let cases = [
        (None, 50),
        (Some("7"), 7),
        (Some("1"), 1),
        (Some("100"), 100),
        (Some("120"), 100),
        (Some("1000"), 100),
        (Some("0"), 50),
        (Some("abc"), 50),
    ];
    for (param, size) in cases {
        let first = match param {
            None => c.url("employees/"),
            Some(p) => c.url(&format!("employees/?page_size={p}")),
        };
        assert_eq!(
            walk(&c, &first, 120, size).await,
            all,
            "page_size {param:?}"
        );
    }
    for bad in ["4", "0", "-1", "x", ""] {
        let r = c.get(&format!("employees/?page_size=50&page={bad}")).await;
        assert_error(&r, 404, "INVALID_PAGE");
        assert_eq!(r.json["error"]["provided"], bad);
    }
    // An empty result is one empty page.
    let r = c.get("employees/?department=Nowhere").await;
    assert_eq!(r.data()["count"], 0);
    assert_eq!(r.data()["total_pages"], 1);
    assert_eq!(r.data()["results"], json!([]));
    assert_eq!(
        (r.data()["next"].clone(), r.data()["previous"].clone()),
        (Value::Null, Value::Null)
    );
    assert_error(
        &c.get("employees/?department=Nowhere&page=2").await,
        404,
        "INVALID_PAGE",
    );
    // Links name the proxy's host when told to.
    c.sim
        .control()
        .set_link_host(Some("http://proxy.invalid:8080".into()));
    let r = c.get("employees/?page_size=10&page=2").await;
    assert!(
        r.data()["next"]
            .as_str()
            .is_some_and(|n| n.starts_with("http://proxy.invalid:8080/api/v1/employees/?"))
    );
    assert!(
        r.data()["previous"]
            .as_str()
            .is_some_and(|n| n.starts_with("http://proxy.invalid:8080/"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_follow_the_document() {
    let c = Ctx::new(sim_options()).await;
    let snap = c.snapshot();
    let emps = employees(&snap);
    let count = |f: &dyn Fn(&Value) -> bool| emps.iter().filter(|e| f(e)).count();
    let get_count = |r: &SimReply| r.data()["count"].as_u64().expect("count") as usize;

    let active = c.get("employees/?is_active=true").await;
    let inactive = c.get("employees/?is_active=false").await;
    assert_eq!(get_count(&active), count(&|e| e["is_active"] == true));
    assert_eq!(get_count(&active) + get_count(&inactive), 120);
    assert!(get_count(&inactive) > 0);
    let high = c
        .get("employees/?is_high_performer=true&page_size=100")
        .await;
    assert_eq!(get_count(&high), count(&|e| e["is_high_performer"] == true));
    assert!(
        high.data()["results"]
            .as_array()
            .expect("r")
            .iter()
            .all(|e| e["is_high_performer"] == true)
    );
    let risk = c.get("employees/?at_risk=true&page_size=100").await;
    assert_eq!(
        get_count(&risk),
        count(&|e| e["attrition_risk_score"].as_f64().is_some_and(|s| s > 70.0))
    );
    assert!(get_count(&risk) > 0);
    for name in ["engineering", "ENGINEERING", "Engineering"] {
        let r = c.get(&format!("employees/?department={name}")).await;
        assert_eq!(
            get_count(&r),
            count(&|e| e["department"]["name"] == "Engineering"),
            "{name}"
        );
    }
    let rd = sim_send(
        c.http
            .get(c.url("employees/"))
            .query(&[("department", "research & DEVELOPMENT")])
            .bearer_auth(&c.access),
    )
    .await;
    assert_eq!(
        get_count(&rd),
        count(&|e| e["department"]["name"] == "Research & Development")
    );
    assert!(get_count(&rd) > 0);
    // Filters are kept in the links.
    let r = c
        .get("employees/?department=engineering&is_active=true&page_size=2")
        .await;
    let next = r.data()["next"].as_str().expect("next");
    assert!(
        next.contains("department=engineering") && next.contains("is_active=true"),
        "{next}"
    );
    let r = c.get("employees/?is_active=maybe").await;
    assert_error(&r, 400, "INVALID_QUERY_PARAMETER");
    assert_eq!(r.json["error"]["provided"], "maybe");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detail_by_id_employee_id_or_email_with_encoded_identifiers() {
    let c = Ctx::new(sim_options()).await;
    let snap = c.snapshot();
    let emps = employees(&snap);
    let find = |f: &dyn Fn(&str) -> bool| {
        emps.iter()
            .find(|e| f(e["employee_id"].as_str().expect("eid")))
            .unwrap_or_else(|| panic!("no such employee_id"))
            .clone()
    };
    let specials = [
        find(&|s| s.contains(' ')),
        find(&|s| s.contains('/')),
        find(&|s| s.contains('#')),
        find(&|s| s.contains('%')),
        find(&|s| !s.is_ascii()),
        find(&|s| s.bytes().all(|b| b.is_ascii_digit()) && s.len() > 5),
    ];
    for e in &specials {
        let eid = e["employee_id"].as_str().expect("eid");
        let r = c.get(&format!("employees/{}/", sim_segment(eid))).await;
        assert_eq!(r.status, 200, "{eid}: {}", r.text);
        assert_eq!(r.data(), e, "{eid}");
    }
    let plus = emps
        .iter()
        .find(|e| e["email"].as_str().is_some_and(|m| m.contains('+')))
        .expect("a + email");
    let email = plus["email"].as_str().expect("email");
    for ident in [email.to_string(), sim_segment(email), email.to_uppercase()] {
        let r = c.get(&format!("employees/{ident}/")).await;
        assert_eq!(r.data()["id"], plus["id"], "{ident}");
    }
    // An all-digit employee_id equal to another employee's id: the id wins.
    let shadow = emps
        .iter()
        .find(|e| {
            let eid = e["employee_id"].as_str().expect("eid");
            emps.iter().any(|o| {
                o["id"].as_i64().map(|i| i.to_string()).as_deref() == Some(eid)
                    && o["id"] != e["id"]
            })
        })
        .expect("a colliding employee_id");
    let r = c
        .get(&format!(
            "employees/{}/",
            shadow["employee_id"].as_str().expect("eid")
        ))
        .await;
    assert_ne!(r.data()["id"], shadow["id"]);
    assert_eq!(
        r.data()["id"].to_string(),
        shadow["employee_id"].as_str().expect("eid")
    );

    let e = emps
        .iter()
        .find(|e| {
            snap["trainings"][e["id"].to_string()]
                .as_array()
                .is_some_and(|l| !l.is_empty())
        })
        .expect("trained");
    let id = e["id"].to_string();
    let q = |what: &str| format!("employees/{id}/?query={what}");
    assert_eq!(
        c.get(&q("skill_gaps")).await.data(),
        &json!({"skill_gaps": e["skill_gaps"]})
    );
    assert_eq!(
        c.get(&q("progress")).await.data(),
        &json!({"progress_score": e["current_progress_score"]})
    );
    for kind in ["trainings", "tasks", "mentorships"] {
        let r = c.get(&q(kind)).await;
        assert_eq!(r.data(), &json!({kind: snap[kind][&id]}), "{kind}");
    }
    for bad in ["invalid_query", "TRAININGS", ""] {
        let r = c.get(&q(bad)).await;
        assert_error(&r, 400, "INVALID_QUERY_PARAMETER");
        assert_eq!(
            r.json["error"]["message"],
            "Query must be one of: skill_gaps, progress, trainings, tasks, mentorships"
        );
        assert_eq!(r.json["error"]["provided"], bad);
    }
    let r = c.get("employees/EMP999/").await;
    assert_error(&r, 404, "EMPLOYEE_NOT_FOUND");
    assert_eq!(
        r.json["error"]["message"],
        "No employee found with identifier: EMP999"
    );
    assert_error(
        &c.get("employees/999999/?query=tasks").await,
        404,
        "EMPLOYEE_NOT_FOUND",
    );
    // Without the trailing slash, and with a wrong method: the envelope, no redirect.
    let r = sim_get(
        &c.http,
        &format!("{}/api/v1/employees", c.base),
        Some(&c.access),
    )
    .await;
    assert_error(&r, 404, "NOT_FOUND");
    let r = sim_send(c.http.delete(c.url("employees/")).bearer_auth(&c.access)).await;
    assert_error(&r, 405, "METHOD_NOT_ALLOWED");
}
