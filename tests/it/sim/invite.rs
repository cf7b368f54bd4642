//! The invite endpoint: creating, updating and validating employees.

use serde_json::json;

use crate::support::{sim_options, sim_post};

use super::{Ctx, assert_error, assert_fields};

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
