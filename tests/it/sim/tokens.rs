//! The token lifecycle: exchange, refresh rotation, expiry and revocation, and every endpoint
//! refusing missing or bad tokens.

use std::time::{Duration, Instant};

use hrwise_sync::sim::SimOptions;
use serde_json::json;

use crate::support::{sim_get, sim_options, sim_post, sim_send, sim_start, sim_tokens};

use super::{Ctx, assert_error, assert_fields, assert_rate_headers};

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
