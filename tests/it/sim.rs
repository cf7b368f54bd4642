//! The simulator against the API document, over real HTTP: every endpoint and documented
//! error, pagination arithmetic, identifiers that need encoding, the token lifecycle, the rate
//! limit under a concurrent burst, company isolation, seed determinism and change over time.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use hrwise_sync::sim::{ResetStyle, Sim, SimCompany, SimOptions};
use serde_json::{Value, json};

use crate::support::{
    SimReply, sim_get, sim_http, sim_options, sim_post, sim_segment, sim_send, sim_start,
    sim_tokens,
};

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
const LEVELS: &[&str] = &[
    "ready_now",
    "<6_months",
    "6-12_months",
    "12-24_months",
    ">24_months",
];

fn assert_fields(v: &Value, fields: &[&str], what: &str) {
    let got: BTreeSet<&str> = v
        .as_object()
        .expect(what)
        .keys()
        .map(String::as_str)
        .collect();
    let want: BTreeSet<&str> = fields.iter().copied().collect();
    assert_eq!(got, want, "fields of {what}");
}

/// Every `/api/v1/` answer carries the three rate-limit headers as integers.
fn assert_rate_headers(r: &SimReply) {
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        let v = r
            .header(h)
            .unwrap_or_else(|| panic!("{h} missing on {} {}", r.status, r.text));
        assert!(v.parse::<u64>().is_ok(), "{h} is {v}");
    }
}

fn assert_error(r: &SimReply, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["success"], false, "{}", r.text);
    assert_eq!(r.code(), code, "{}", r.text);
    assert!(r.json["error"]["message"].is_string(), "{}", r.text);
    assert_rate_headers(r);
}

/// A running simulator, a client, and company 0's tokens.
struct Ctx {
    sim: Sim,
    http: reqwest::Client,
    base: String,
    company: SimCompany,
    access: String,
    refresh: String,
}

impl Ctx {
    async fn new(opts: SimOptions) -> Ctx {
        let sim = sim_start(opts).await;
        let http = sim_http();
        let base = sim.base_url();
        let company = sim.companies()[0].clone();
        let (access, refresh) = sim_tokens(&http, &base, &company.api_key).await;
        Ctx {
            sim,
            http,
            base,
            company,
            access,
            refresh,
        }
    }
    fn url(&self, path: &str) -> String {
        format!("{}/api/v1/{path}", self.base)
    }
    async fn get(&self, path: &str) -> SimReply {
        sim_get(&self.http, &self.url(path), Some(&self.access)).await
    }
    fn snapshot(&self) -> Value {
        self.sim.control().snapshot(self.company.id)
    }
}

fn employees(snapshot: &Value) -> &Vec<Value> {
    snapshot["employees"].as_array().expect("employees")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_exchange_answers_as_documented() {
    let c = Ctx::new(sim_options()).await;
    let key = &c.company.api_key;
    assert!(key.starts_with("hrw_") && key.len() == 68);
    assert!(key[4..].chars().all(|ch| ch.is_ascii_hexdigit()));
    let r = sim_post(&c.http, &c.url("token/"), None, &json!({"api_key": key})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["success"], true);
    assert_rate_headers(&r);
    let d = r.data();
    assert_fields(
        d,
        &["access", "refresh", "token_type", "expires_in", "company"],
        "token data",
    );
    assert_eq!(d["token_type"], "Bearer");
    assert_eq!(d["expires_in"], 86_400);
    assert_eq!(
        d["company"],
        json!({"id": c.company.id, "name": c.company.name})
    );
    assert_eq!(d["access"].as_str().map(|t| t.split('.').count()), Some(3));
    // As in the document's examples, the token's company id is not the employees' `company`.
    let list = c.get("employees/?page_size=1").await;
    assert_ne!(list.data()["results"][0]["company"], json!(c.company.id));

    for body in [json!({}), json!({"api_key": ""}), json!({"apikey": key})] {
        let r = sim_post(&c.http, &c.url("token/"), None, &body).await;
        assert_error(&r, 400, "MISSING_API_KEY");
        assert_eq!(
            r.json["error"]["message"],
            "API key is required in request body"
        );
    }
    let r = sim_send(c.http.post(c.url("token/")).body("not json")).await;
    assert_error(&r, 400, "MISSING_API_KEY");
    let wrong = format!("hrw_{}", "0".repeat(64));
    let r = sim_post(&c.http, &c.url("token/"), None, &json!({"api_key": wrong})).await;
    assert_error(&r, 401, "INVALID_API_KEY");
    assert_eq!(
        r.json["error"]["message"],
        "The provided API key is invalid or expired"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotates_and_blacklists_the_old_refresh_token() {
    let c = Ctx::new(sim_options()).await;
    let url = c.url("token/refresh/");
    let r = sim_post(&c.http, &url, None, &json!({"refresh": c.refresh})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_fields(
        r.data(),
        &["access", "refresh", "expires_in"],
        "refresh data",
    );
    assert_eq!(r.data()["expires_in"], 86_400);
    let access2 = r.data()["access"].as_str().expect("access").to_string();
    let refresh2 = r.data()["refresh"].as_str().expect("refresh").to_string();
    assert_ne!(refresh2, c.refresh);
    // The old refresh token is blacklisted; the new one works once.
    let again = sim_post(&c.http, &url, None, &json!({"refresh": c.refresh})).await;
    assert_error(&again, 401, "INVALID_REFRESH_TOKEN");
    assert_eq!(
        again.json["error"]["message"],
        "Token is invalid or expired"
    );
    assert_eq!(
        sim_get(&c.http, &c.url("employees/"), Some(&access2))
            .await
            .status,
        200
    );
    let r3 = sim_post(&c.http, &url, None, &json!({"refresh": refresh2})).await;
    assert_eq!(r3.status, 200);
    // Choice: access tokens issued before a refresh stay valid until they expire.
    assert_eq!(c.get("employees/").await.status, 200);
    // An access token is not a refresh token; a missing field is a validation error.
    let r = sim_post(&c.http, &url, None, &json!({"refresh": c.access})).await;
    assert_error(&r, 401, "INVALID_REFRESH_TOKEN");
    let r = sim_post(&c.http, &url, None, &json!({})).await;
    assert_error(&r, 400, "VALIDATION_ERROR");
    let counts = c.sim.control().counts(c.company.id);
    assert_eq!((counts.token_exchanges, counts.token_refreshes), (1, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expire_with_short_ttls_and_die_on_revoke() {
    let opts = SimOptions {
        access_ttl: Duration::from_secs(1),
        refresh_ttl: Duration::from_secs(1),
        ..sim_options()
    };
    let c = Ctx::new(opts).await;
    let r = c.get("employees/").await;
    assert_eq!(r.status, 200);
    let deadline = Instant::now() + Duration::from_secs(6);
    let expired = loop {
        let r = c.get("employees/").await;
        if r.status != 200 || Instant::now() > deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_error(&expired, 401, "AUTHENTICATION_FAILED");
    // The refresh token was issued with the same lifetime at the same moment: gone too.
    let r = sim_post(
        &c.http,
        &c.url("token/refresh/"),
        None,
        &json!({"refresh": c.refresh}),
    )
    .await;
    assert_error(&r, 401, "INVALID_REFRESH_TOKEN");

    // Revocation: everything issued before it is refused, new tokens work.
    let control = c.sim.control();
    control.set_token_ttls(Duration::from_secs(3600), Duration::from_secs(3600));
    let (access, refresh) = sim_tokens(&c.http, &c.base, &c.company.api_key).await;
    assert_eq!(
        sim_get(&c.http, &c.url("employees/"), Some(&access))
            .await
            .status,
        200
    );
    control.revoke_all_tokens();
    let r = sim_get(&c.http, &c.url("employees/"), Some(&access)).await;
    assert_error(&r, 401, "AUTHENTICATION_FAILED");
    let r = sim_post(
        &c.http,
        &c.url("token/refresh/"),
        None,
        &json!({"refresh": refresh}),
    )
    .await;
    assert_error(&r, 401, "INVALID_REFRESH_TOKEN");
    let (fresh, _) = sim_tokens(&c.http, &c.base, &c.company.api_key).await;
    assert_eq!(
        sim_get(&c.http, &c.url("employees/"), Some(&fresh))
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_refuses_missing_or_bad_tokens() {
    let c = Ctx::new(sim_options()).await;
    let other = sim_start(SimOptions {
        seed: 7,
        ..sim_options()
    })
    .await;
    let (foreign, _) = sim_tokens(&c.http, &other.base_url(), &other.companies()[0].api_key).await;
    let mut tampered = c.access.clone();
    let last = tampered.pop().expect("non-empty");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let gets = [
        "employees/",
        "employees/1/",
        "successors/",
        "successors/1/",
        "bench-strength/",
    ];
    for path in gets {
        let r = sim_get(&c.http, &c.url(path), None).await;
        assert_error(&r, 401, "AUTHENTICATION_FAILED");
        assert_eq!(
            r.json["error"]["message"],
            "Authentication credentials were not provided"
        );
        for bad in [
            "garbage",
            tampered.as_str(),
            foreign.as_str(),
            c.refresh.as_str(),
        ] {
            let r = sim_get(&c.http, &c.url(path), Some(bad)).await;
            assert_error(&r, 401, "AUTHENTICATION_FAILED");
        }
        let basic = sim_send(c.http.get(c.url(path)).header("Authorization", "Basic abc")).await;
        assert_error(&basic, 401, "AUTHENTICATION_FAILED");
    }
    let invite = json!({"email": "x@y.example", "first_name": "a", "last_name": "b", "department_name": "Sales", "position": "p"});
    let r = sim_post(&c.http, &c.url("invite-to-hrwise/"), None, &invite).await;
    assert_error(&r, 401, "AUTHENTICATION_FAILED");
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invite_creates_updates_and_validates() {
    let c = Ctx::new(sim_options()).await;
    let url = c.url("invite-to-hrwise/");
    let body = json!({"email": "jane.smith@company.example", "first_name": "Jane", "last_name": "Smith", "department_name": "engineering", "position": "Software Engineer"});
    let r = sim_post(&c.http, &url, Some(&c.access), &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_fields(
        r.data(),
        &[
            "message",
            "employee_id",
            "email",
            "user_created",
            "employee_created",
            "invitation_sent",
        ],
        "invite",
    );
    assert_eq!(
        r.data()["message"],
        "Employee created and invitation sent successfully"
    );
    assert_eq!(
        (
            r.data()["user_created"].clone(),
            r.data()["employee_created"].clone(),
            r.data()["invitation_sent"].clone()
        ),
        (json!(true), json!(true), json!(true))
    );
    let id = r.data()["employee_id"].as_i64().expect("integer id");
    let created = c.get(&format!("employees/{id}/")).await;
    assert_eq!(created.data()["full_name"], "Jane Smith");
    assert_eq!(created.data()["department"]["name"], "Engineering");
    assert_eq!(c.get("employees/").await.data()["count"], 121);

    let update = json!({"email": "Jane.Smith@company.example", "first_name": "Jane", "last_name": "Smith-Jones", "department_name": "Sales", "position": "Account Executive"});
    let r = sim_post(&c.http, &url, Some(&c.access), &update).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            r.data()["employee_id"].as_i64(),
            r.data()["employee_created"].clone()
        ),
        (Some(id), json!(false))
    );
    let updated = c.get("employees/jane.smith@company.example/").await;
    assert_eq!(updated.data()["full_name"], "Jane Smith-Jones");
    assert_eq!(updated.data()["department"]["name"], "Sales");
    assert_eq!(updated.data()["position"], "Account Executive");
    assert!(updated.data()["modified"].as_str() > created.data()["modified"].as_str());
    c.sim.control().set_invite_update_status(201);
    assert_eq!(
        sim_post(&c.http, &url, Some(&c.access), &update)
            .await
            .status,
        201
    );

    for (missing, message) in [
        ("email", "Email is required"),
        ("first_name", "First name is required"),
        ("last_name", "Last name is required"),
        ("department_name", "Department name is required"),
        ("position", "Position is required"),
    ] {
        let mut b = body.clone();
        b.as_object_mut().expect("object").remove(missing);
        let r = sim_post(&c.http, &url, Some(&c.access), &b).await;
        assert_error(&r, 400, "VALIDATION_ERROR");
        assert_eq!(r.json["error"]["message"], message);
    }
    for bad in [
        "no-at-sign",
        "a@b",
        "@x.example",
        "a b@x.example",
        "a@@x.example",
    ] {
        let mut b = body.clone();
        b["email"] = json!(bad);
        let r = sim_post(&c.http, &url, Some(&c.access), &b).await;
        assert_error(&r, 400, "VALIDATION_ERROR");
        assert_eq!(r.json["error"]["message"], "Invalid email format", "{bad}");
    }
    let mut b = body.clone();
    b["department_name"] = json!("Marketing");
    let r = sim_post(&c.http, &url, Some(&c.access), &b).await;
    assert_error(&r, 400, "DEPARTMENT_NOT_FOUND");
    assert_eq!(
        r.json["error"]["message"],
        "Department 'Marketing' does not exist in your company"
    );
    assert_eq!(
        r.json["error"]["detail"],
        "Please create the department first"
    );
    let other = c.sim.companies()[1].id;
    let theirs = c.sim.control().snapshot(other)["employees"][0]["email"].clone();
    let mut b = body.clone();
    b["email"] = theirs;
    let r = sim_post(&c.http, &url, Some(&c.access), &b).await;
    assert_error(&r, 400, "EMAIL_ALREADY_REGISTERED");
    assert_eq!(
        r.json["error"]["message"],
        "A user with this email already exists in another company"
    );
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_holds_under_a_concurrent_burst() {
    let c = Ctx::new(sim_options()).await;
    const LIMIT: usize = 50;
    const BURST: usize = 1200;
    c.sim
        .control()
        .set_rate_limit(LIMIT as u32, Duration::from_secs(60));
    c.sim.control().reset_counts();
    let tasks: Vec<_> = (0..BURST)
        .map(|i| {
            let (http, url, token) = (
                c.http.clone(),
                c.url(if i % 2 == 0 {
                    "employees/?page_size=5"
                } else {
                    "bench-strength/"
                }),
                c.access.clone(),
            );
            tokio::spawn(async move { sim_get(&http, &url, Some(&token)).await })
        })
        .collect();
    let mut ok_remaining = Vec::new();
    let mut limited = 0;
    for t in tasks {
        let r = t.await.expect("request task");
        assert_rate_headers(&r);
        assert_eq!(r.header("x-ratelimit-limit"), Some("50"));
        match r.status {
            200 => {
                assert_eq!(r.json["success"], true);
                ok_remaining.push(
                    r.header("x-ratelimit-remaining")
                        .and_then(|v| v.parse::<usize>().ok())
                        .expect("remaining"),
                );
            }
            429 => {
                assert_error(&r, 429, "RATE_LIMIT_EXCEEDED");
                assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
                let retry: u64 = r
                    .header("retry-after")
                    .and_then(|v| v.parse().ok())
                    .expect("Retry-After seconds");
                assert!((1..=60).contains(&retry));
                limited += 1;
            }
            other => panic!("unexpected status {other}: {}", r.text),
        }
    }
    ok_remaining.sort_unstable();
    assert_eq!(
        ok_remaining,
        (0..LIMIT).collect::<Vec<_>>(),
        "exactly {LIMIT} admitted, each once"
    );
    assert_eq!(limited, BURST - LIMIT);
    let counts = c.sim.control().counts(c.company.id);
    assert_eq!(counts.total, BURST as u64);
    assert_eq!(counts.rate_limited, (BURST - LIMIT) as u64);
    assert_eq!(counts.by_status.get(&200), Some(&(LIMIT as u64)));
    // The other company's quota is its own.
    let other = c.sim.companies()[1].clone();
    let (token, _) = sim_tokens(&c.http, &c.base, &other.api_key).await;
    assert_eq!(
        sim_get(&c.http, &c.url("employees/"), Some(&token))
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_window_resets_and_headers_describe_it() {
    let c = Ctx::new(sim_options()).await;
    let control = c.sim.control();
    control.set_rate_limit(3, Duration::from_secs(1));
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    for left in ["2", "1", "0"] {
        let r = c.get("employees/").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-ratelimit-remaining"), Some(left));
        let reset: u64 = r
            .header("x-ratelimit-reset")
            .and_then(|v| v.parse().ok())
            .expect("reset");
        assert!(
            (before..=before + 3).contains(&reset),
            "reset {reset} is epoch seconds near now {before}"
        );
    }
    let r = c.get("employees/").await;
    assert_error(&r, 429, "RATE_LIMIT_EXCEEDED");
    assert_eq!(r.header("retry-after"), Some("1"));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = c.get("employees/").await;
        if r.status == 200 {
            assert_eq!(r.header("x-ratelimit-remaining"), Some("2"));
            break;
        }
        assert_eq!(r.status, 429);
        assert!(Instant::now() < deadline, "the window never reset");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    control.set_reset_header_style(ResetStyle::SecondsFromNow);
    control.set_rate_limit(10, Duration::from_secs(30));
    let r = c.get("employees/").await;
    assert_eq!(r.header("x-ratelimit-reset"), Some("30"));
    // Token calls count by default; they can be switched off.
    let r = sim_post(
        &c.http,
        &c.url("token/"),
        None,
        &json!({"api_key": c.company.api_key}),
    )
    .await;
    assert_eq!(r.header("x-ratelimit-remaining"), Some("8"));
    control.set_count_token_calls(false);
    let r = sim_post(
        &c.http,
        &c.url("token/"),
        None,
        &json!({"api_key": c.company.api_key}),
    )
    .await;
    assert_eq!(r.header("x-ratelimit-remaining"), Some("8"));
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
async fn faults_and_latency_are_injected_and_spend_no_quota() {
    let c = Ctx::new(sim_options()).await;
    let control = c.sim.control();
    control.set_rate_limit(1000, Duration::from_secs(600));
    control.reset_counts();
    control.set_fault_rate(1.0);
    let (mut html, mut envelope) = (0, 0);
    for _ in 0..40 {
        let r = c.get("employees/").await;
        assert_eq!(r.status, 500);
        assert_rate_headers(&r);
        match r.header("content-type") {
            Some("text/html") => {
                assert!(r.text.contains("<html>"));
                html += 1;
            }
            _ => {
                assert_error(&r, 500, "INTERNAL_SERVER_ERROR");
                envelope += 1;
            }
        }
    }
    assert!(
        html > 0 && envelope > 0,
        "both kinds of 500: {html} html, {envelope} json"
    );
    let counts = control.counts(c.company.id);
    assert_eq!(
        (counts.faults, counts.total, counts.by_status.get(&500)),
        (40, 40, Some(&40))
    );
    control.set_fault_rate(0.0);
    let r = c.get("employees/").await;
    assert_eq!(
        r.header("x-ratelimit-remaining"),
        Some("999"),
        "faults spent no quota"
    );
    control.set_fault_rate(0.5);
    let mut faults = 0;
    for _ in 0..100 {
        if c.get("employees/?page_size=1").await.status == 500 {
            faults += 1;
        }
    }
    assert!((20..=80).contains(&faults), "about half faulted: {faults}");
    control.set_fault_rate(0.0);

    control.set_latency(Duration::from_millis(200));
    let t = Instant::now();
    assert_eq!(c.get("employees/").await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_by_endpoint_and_admin_routes_are_not_counted() {
    let c = Ctx::new(sim_options()).await;
    let control = c.sim.control();
    let paths = [
        ("employees/", "employees_list"),
        ("employees/1/", "employee_detail"),
        ("employees/1/?query=trainings", "employee_trainings"),
        ("employees/1/?query=tasks", "employee_tasks"),
        ("employees/1/?query=mentorships", "employee_mentorships"),
        ("employees/1/?query=skill_gaps", "employee_skill_gaps"),
        ("employees/1/?query=progress", "employee_progress"),
        ("successors/", "successors_list"),
        ("successors/1/", "successor_detail"),
        ("bench-strength/", "bench_strength"),
    ];
    for (path, _) in paths {
        c.get(path).await;
    }
    sim_post(
        &c.http,
        &c.url("invite-to-hrwise/"),
        Some(&c.access),
        &json!({}),
    )
    .await;
    sim_post(
        &c.http,
        &c.url("token/refresh/"),
        None,
        &json!({"refresh": c.refresh}),
    )
    .await;
    let counts = control.counts(c.company.id);
    for (_, kind) in paths {
        assert_eq!(counts.by_endpoint.get(kind), Some(&1), "{kind}");
    }
    for kind in ["token", "refresh", "invite"] {
        assert_eq!(counts.by_endpoint.get(kind), Some(&1), "{kind}");
    }
    assert_eq!(counts.total, 13);
    assert_eq!((counts.token_exchanges, counts.token_refreshes), (1, 1));

    let admin = format!("{}/_sim", c.base);
    let companies = sim_get(&c.http, &format!("{admin}/companies"), None).await;
    assert_eq!(companies.json[0]["api_key"], c.company.api_key.as_str());
    let r = sim_post(
        &c.http,
        &format!("{admin}/command"),
        None,
        &json!({"op": "add_employees", "company_id": c.company.id, "n": 2}),
    )
    .await;
    assert_eq!(
        r.json["result"].as_array().map(Vec::len),
        Some(2),
        "{}",
        r.text
    );
    let r = sim_post(
        &c.http,
        &format!("{admin}/command"),
        None,
        &json!({"op": "churn", "company_id": c.company.id, "seed": 3, "changes": 4}),
    )
    .await;
    assert!(r.json["result"].is_array(), "{}", r.text);
    let r = sim_post(
        &c.http,
        &format!("{admin}/command"),
        None,
        &json!({"op": "set_rate_limit", "requests": 5, "window_secs": 60}),
    )
    .await;
    assert_eq!(r.json["ok"], true);
    let counted = sim_get(&c.http, &format!("{admin}/counts/{}", c.company.id), None).await;
    assert_eq!(counted.json["total"], 13, "admin calls are not counted");
    let snap = sim_get(&c.http, &format!("{admin}/snapshot/{}", c.company.id), None).await;
    assert_eq!(snap.json, c.snapshot());
    assert_eq!(
        c.get("employees/").await.header("x-ratelimit-limit"),
        Some("5")
    );
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
