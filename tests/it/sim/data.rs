//! The data itself: every documented field with realistic variety, company isolation, seed
//! determinism, change over time, and scale.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use hrwise_sync::sim::SimOptions;
use serde_json::{Value, json};

use crate::support::{SimReply, sim_get, sim_options, sim_segment, sim_start, sim_tokens};

use super::{Ctx, LEVELS, assert_error, assert_fields, employees};

const EMPLOYEE_FIELDS: &[&str] = &[
    "id",
    "employee_id",
    "full_name",
    "email",
    "phone",
    "company",
    "department",
    "position",
    "position_start_date",
    "hire_date",
    "education",
    "certifications",
    "no_of_trainings",
    "gender",
    "recruitment_channel",
    "age",
    "previous_year_rating",
    "length_of_service",
    "awards_won",
    "avg_training_score",
    "performance_score",
    "status",
    "attrition_risk_score",
    "extra_data",
    "last_analyzed",
    "is_high_performer",
    "high_performer_date",
    "onboarded",
    "is_active",
    "seniority_level",
    "evaluation_history",
    "current_progress_score",
    "skill_gaps",
    "role_fit_score",
    "created",
    "modified",
];

const TRAINING_FIELDS: &[&str] = &[
    "id",
    "employee_name",
    "skill_name",
    "course_name",
    "start_date",
    "completion_date",
    "provider",
    "status",
    "rating",
    "feedback",
    "evidence",
    "department",
    "manager_rating",
];

const TASK_FIELDS: &[&str] = &[
    "id",
    "employee_name",
    "department",
    "source",
    "project_name",
    "scope",
    "status",
    "rating",
    "feedback",
    "evidence",
    "manager_rating",
    "external_id",
];

const MENTORSHIP_FIELDS: &[&str] = &[
    "id",
    "employee_name",
    "mentor_name",
    "area_of_support",
    "status",
    "feedback",
    "evidence",
    "department",
    "rating",
    "manager_rating",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_carry_every_documented_field_with_realistic_variety() {
    let c = Ctx::new(SimOptions {
        employees: 300,
        ..sim_options()
    })
    .await;
    let snap = c.snapshot();
    let emps = employees(&snap);
    let mut listed = Vec::new();
    for page in 1..=3 {
        let r = c
            .get(&format!("employees/?page_size=100&page={page}"))
            .await;
        listed.extend(
            r.data()["results"]
                .as_array()
                .expect("results")
                .iter()
                .cloned(),
        );
    }
    assert_eq!(&listed, emps, "the list serves exactly the snapshot");
    for e in emps {
        assert_fields(e, EMPLOYEE_FIELDS, "employee");
        assert_fields(&e["department"], &["id", "name"], "department");
        assert!(e["role_fit_score"].is_string() || e["role_fit_score"].is_null());
        assert!(
            e["modified"]
                .as_str()
                .is_some_and(|m| m.ends_with('Z') && m.len() == 20)
        );
    }
    let any = |f: &dyn Fn(&Value) -> bool| emps.iter().any(f);
    assert!(any(&|e| e["role_fit_score"]
        .as_str()
        .is_some_and(|s| s.parse::<u32>().is_ok())));
    for field in [
        "phone",
        "education",
        "last_analyzed",
        "high_performer_date",
        "role_fit_score",
        "avg_training_score",
    ] {
        assert!(any(&|e| e[field].is_null()), "{field} is sometimes null");
        assert!(any(&|e| !e[field].is_null()), "{field} is sometimes set");
    }
    assert!(any(&|e| e["email"]
        .as_str()
        .is_some_and(|m| m.contains('+'))));
    assert!(any(&|e| e["full_name"] == "José Ñúñez") && any(&|e| e["full_name"] == "李雷"));
    let departments: HashSet<&str> = emps
        .iter()
        .filter_map(|e| e["department"]["name"].as_str())
        .collect();
    assert!(departments.len() >= 6 && departments.contains("Research & Development"));
    let mut child_ids = HashSet::new();
    for (kind, fields) in [
        ("trainings", TRAINING_FIELDS),
        ("tasks", TASK_FIELDS),
        ("mentorships", MENTORSHIP_FIELDS),
    ] {
        let lists = snap[kind].as_object().expect(kind);
        assert_eq!(lists.len(), emps.len());
        assert!(
            lists
                .values()
                .any(|l| l.as_array().is_some_and(|l| l.is_empty())),
            "{kind}: some empty"
        );
        assert!(
            lists
                .values()
                .any(|l| l.as_array().is_some_and(|l| l.len() >= 2)),
            "{kind}: some several"
        );
        for rec in lists.values().flat_map(|l| l.as_array().expect("list")) {
            assert_fields(rec, fields, kind);
            assert!(
                child_ids.insert((kind, rec["id"].as_i64().expect("id"))),
                "{kind} ids unique"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn companies_are_isolated() {
    let c = Ctx::new(sim_options()).await;
    let b = c.sim.companies()[1].clone();
    assert_ne!(b.api_key, c.company.api_key);
    let (token_b, _) = sim_tokens(&c.http, &c.base, &b.api_key).await;
    let snap_a = c.snapshot();
    let snap_b = c.sim.control().snapshot(b.id);
    let ids = |s: &Value| {
        employees(s)
            .iter()
            .map(|e| e["id"].clone())
            .collect::<HashSet<_>>()
    };
    assert!(ids(&snap_a).is_disjoint(&ids(&snap_b)));
    let list_b = sim_get(&c.http, &c.url("employees/?page_size=100"), Some(&token_b)).await;
    assert!(
        list_b.data()["results"]
            .as_array()
            .expect("r")
            .iter()
            .all(|e| ids(&snap_b).contains(&e["id"]))
    );
    assert_eq!(list_b.data()["results"][0]["company"], 2);
    let theirs = &employees(&snap_b)[0];
    for ident in [
        theirs["id"].to_string(),
        sim_segment(theirs["email"].as_str().expect("email")),
    ] {
        assert_error(
            &c.get(&format!("employees/{ident}/")).await,
            404,
            "EMPLOYEE_NOT_FOUND",
        );
    }
    let their_successor = &snap_b["successors"][0]["successors"][0]["id"];
    assert_error(
        &c.get(&format!("successors/{their_successor}/")).await,
        404,
        "SUCCESSOR_NOT_FOUND",
    );
    assert_ne!(
        c.get("successors/").await.data(),
        sim_get(&c.http, &c.url("successors/"), Some(&token_b))
            .await
            .data()
    );
    assert_eq!(c.sim.control().counts(b.id).token_exchanges, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_decides_the_data() {
    let a = sim_start(sim_options()).await;
    let b = sim_start(sim_options()).await;
    let d = sim_start(SimOptions {
        seed: 43,
        ..sim_options()
    })
    .await;
    assert_eq!(a.companies(), b.companies());
    assert_ne!(a.companies()[0].api_key, d.companies()[0].api_key);
    for company in a.companies() {
        let sa = a.control().snapshot(company.id);
        assert_eq!(sa, b.control().snapshot(company.id));
        assert_ne!(employees(&sa), employees(&d.control().snapshot(company.id)));
    }
    // The same churn seed makes the same kinds of change.
    let id = a.companies()[0].id;
    assert_eq!(a.control().churn(id, 9, 10), b.control().churn(id, 9, 10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_over_time_are_visible() {
    let c = Ctx::new(sim_options()).await;
    let control = c.sim.control();
    let company = c.company.id;
    let id = employees(&c.snapshot())[20]["id"].as_i64().expect("id");
    let before = c.get(&format!("employees/{id}/")).await;
    control.update_employee(company, id);
    let after = c.get(&format!("employees/{id}/")).await;
    assert!(after.data()["modified"].as_str() > before.data()["modified"].as_str());

    let trainings = |r: &SimReply| r.data()["trainings"].clone();
    let t0 = c.get(&format!("employees/{id}/?query=trainings")).await;
    control.change_children(company, id, false);
    let t1 = c.get(&format!("employees/{id}/?query=trainings")).await;
    assert_ne!(trainings(&t0), trainings(&t1));
    assert_eq!(
        c.get(&format!("employees/{id}/")).await.data()["modified"],
        after.data()["modified"],
        "no bump"
    );
    control.change_children(company, id, true);
    assert!(
        c.get(&format!("employees/{id}/")).await.data()["modified"].as_str()
            > after.data()["modified"].as_str()
    );

    let added = control.add_employees(company, 3);
    assert_eq!(added.len(), 3);
    assert_eq!(c.get("employees/").await.data()["count"], 123);
    assert_eq!(c.get(&format!("employees/{}/", added[0])).await.status, 200);

    let snap = c.snapshot();
    let group = &snap["successors"][0];
    let s = &group["successors"][0];
    let sid = s["id"].as_i64().expect("sid");
    let level = LEVELS
        .iter()
        .find(|l| **l != s["expected_readiness"])
        .expect("another level");
    control.move_readiness(company, sid, level);
    let moved = c.get(&format!("successors/{sid}/")).await;
    assert_eq!(moved.data()["expected_readiness"], *level);
    control.delete_successor(company, sid);
    // The record is gone; the same digits may still name an employee with another record.
    let after = c.get(&format!("successors/{sid}/")).await;
    assert!(
        after.status == 404 || after.data()["id"] != sid,
        "{}",
        after.text
    );
    let ids = |snap: &Value| -> Vec<Value> {
        snap["successors"]
            .as_array()
            .expect("groups")
            .iter()
            .flat_map(|g| {
                g["successors"]
                    .as_array()
                    .expect("s")
                    .iter()
                    .map(|x| x["id"].clone())
            })
            .collect()
    };
    assert!(!ids(&c.snapshot()).contains(&json!(sid)));

    let victim = snap["successors"][1]["successors"][0]["employee"]
        .as_i64()
        .expect("employee");
    control.delete_employee(company, victim);
    assert_error(
        &c.get(&format!("employees/{victim}/")).await,
        404,
        "EMPLOYEE_NOT_FOUND",
    );
    let now = c.snapshot();
    assert!(employees(&now).iter().all(|e| e["id"] != victim));
    let successors_of = |s: &Value| {
        s["successors"]
            .as_array()
            .expect("g")
            .iter()
            .flat_map(|g| {
                g["successors"]
                    .as_array()
                    .expect("s")
                    .iter()
                    .map(|x| x["employee"].clone())
            })
            .collect::<Vec<_>>()
    };
    assert!(!successors_of(&now).contains(&json!(victim)));
    assert_eq!(c.get("employees/").await.data()["count"], 122);

    let lines = control.churn(company, 1, 20);
    assert!(!lines.is_empty());
    assert_ne!(c.snapshot(), now);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tens_of_thousands_of_employees_start_fast_and_page_quickly() {
    let t = Instant::now();
    let c = Ctx::new(SimOptions {
        companies: 1,
        employees: 20_000,
        ..Default::default()
    })
    .await;
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "generation took {:?}",
        t.elapsed()
    );
    let r = c.get("employees/?page_size=100&page=200").await;
    assert_eq!(r.data()["count"], 20_000);
    assert_eq!(r.data()["next"], Value::Null);
    assert_eq!(r.data()["results"].as_array().map(Vec::len), Some(100));
    let bench = c.get("bench-strength/").await;
    assert!(bench.data().as_array().is_some_and(|rows| rows.len() > 500));
    let base = c.base.clone();
    c.sim.shutdown().await;
    assert!(
        c.http
            .get(format!("{base}/api/v1/employees/"))
            .send()
            .await
            .is_err(),
        "stopped"
    );
}
