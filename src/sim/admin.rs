//! The `/_sim/` admin routes: [`SimControl`] over HTTP, for driving a simulator in another
//! process (`hrwise-sync sim`). Invariant: these routes sit outside `/api/v1/`, so they are
//! never rate-limited, faulted, delayed or counted.
//!
//! `GET /_sim/companies`, `GET /_sim/counts/{company_id}`, `GET /_sim/snapshot/{company_id}`,
//! and `POST /_sim/command` with one JSON command, e.g. `{"op":"churn","company_id":123,
//! "seed":1,"changes":5}` (see [`Command`] for every `op`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::control::SimControl;
use super::state::{ResetStyle, Shared};

/// One admin command; `op` names it, the other fields are its arguments.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    ResetCounts,
    SetFaultRate {
        rate: f64,
    },
    SetLatency {
        ms: u64,
    },
    SetRateLimit {
        requests: u32,
        window_secs: f64,
    },
    RevokeAllTokens,
    SetTokenTtls {
        access_secs: u64,
        refresh_secs: u64,
    },
    SetLinkHost {
        host: Option<String>,
    },
    SetResetHeaderStyle {
        style: ResetStyle,
    },
    SetInviteUpdateStatus {
        status: u16,
    },
    SetCountTokenCalls {
        count: bool,
    },
    UpdateEmployee {
        company_id: i64,
        id: i64,
    },
    AddEmployees {
        company_id: i64,
        n: usize,
    },
    DeleteEmployee {
        company_id: i64,
        id: i64,
    },
    ChangeChildren {
        company_id: i64,
        id: i64,
        bump_modified: bool,
    },
    MoveReadiness {
        company_id: i64,
        successor_id: i64,
        level: String,
    },
    DeleteSuccessor {
        company_id: i64,
        successor_id: i64,
    },
    Churn {
        company_id: i64,
        seed: u64,
        changes: usize,
    },
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/companies", get(companies))
        .route("/counts/{company_id}", get(counts))
        .route("/snapshot/{company_id}", get(snapshot))
        .route("/command", post(command))
}

fn control(shared: Arc<Shared>) -> SimControl {
    SimControl { shared }
}

async fn companies(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(control(s).companies()))
}

async fn counts(State(s): State<Arc<Shared>>, Path(company_id): Path<i64>) -> Json<Value> {
    Json(json!(control(s).counts(company_id)))
}

async fn snapshot(State(s): State<Arc<Shared>>, Path(company_id): Path<i64>) -> Json<Value> {
    Json(control(s).snapshot(company_id))
}

async fn command(State(s): State<Arc<Shared>>, Json(cmd): Json<Command>) -> Json<Value> {
    let c = control(s);
    let result = match cmd {
        Command::AddEmployees { company_id, n } => json!(c.add_employees(company_id, n)),
        Command::Churn {
            company_id,
            seed,
            changes,
        } => json!(c.churn(company_id, seed, changes)),
        other => {
            apply(&c, other);
            Value::Null
        }
    };
    Json(json!({"ok": true, "result": result}))
}

/// The commands that answer nothing but "done".
fn apply(c: &SimControl, cmd: Command) {
    match cmd {
        Command::ResetCounts => c.reset_counts(),
        Command::SetFaultRate { rate } => c.set_fault_rate(rate),
        Command::SetLatency { ms } => c.set_latency(Duration::from_millis(ms)),
        Command::SetRateLimit {
            requests,
            window_secs,
        } => {
            let window =
                Duration::try_from_secs_f64(window_secs).unwrap_or(Duration::from_secs(3600));
            c.set_rate_limit(requests, window)
        }
        Command::RevokeAllTokens => c.revoke_all_tokens(),
        Command::SetTokenTtls {
            access_secs,
            refresh_secs,
        } => c.set_token_ttls(
            Duration::from_secs(access_secs),
            Duration::from_secs(refresh_secs),
        ),
        Command::SetLinkHost { host } => c.set_link_host(host),
        Command::SetResetHeaderStyle { style } => c.set_reset_header_style(style),
        Command::SetInviteUpdateStatus { status } => c.set_invite_update_status(status),
        Command::SetCountTokenCalls { count } => c.set_count_token_calls(count),
        Command::UpdateEmployee { company_id, id } => c.update_employee(company_id, id),
        Command::DeleteEmployee { company_id, id } => c.delete_employee(company_id, id),
        Command::ChangeChildren {
            company_id,
            id,
            bump_modified,
        } => c.change_children(company_id, id, bump_modified),
        Command::MoveReadiness {
            company_id,
            successor_id,
            level,
        } => c.move_readiness(company_id, successor_id, &level),
        Command::DeleteSuccessor {
            company_id,
            successor_id,
        } => c.delete_successor(company_id, successor_id),
        Command::AddEmployees { company_id, n } => {
            c.add_employees(company_id, n);
        }
        Command::Churn {
            company_id,
            seed,
            changes,
        } => {
            c.churn(company_id, seed, changes);
        }
    }
}
