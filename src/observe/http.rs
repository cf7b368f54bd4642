//! The daemon's HTTP listener: `/healthz` (the process answers), `/readyz` (the data is
//! fresh, see `LiveState::readiness`) and `/metrics` (Prometheus text). Invariant: handlers
//! only read the live state; they never wait on the sync.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::Utc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::live::Live;
use super::metrics;

/// Binds the listener (before anything else starts, so a taken port fails the start).
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// Serves until `stop` fires.
pub async fn serve(
    listener: TcpListener,
    live: Live,
    stop: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router(live))
        .with_graceful_shutdown(stop.cancelled_owned())
        .await
}

pub fn router(live: Live) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_page))
        .with_state(live)
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(live): State<Live>) -> impl IntoResponse {
    let r = live.readiness(Utc::now());
    let code = if r.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        format!(
            "{}: {}\n",
            if r.ready { "ready" } else { "not ready" },
            r.reason
        ),
    )
}

async fn metrics_page(State(live): State<Live>) -> impl IntoResponse {
    let now = Utc::now();
    let readiness = live.readiness(now);
    let body = metrics::render(&live.snapshot(), &readiness, now);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{CronSchedule, History, Timetable};
    use crate::sync::{SyncError, SyncMode};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn health_readiness_and_metrics_over_a_real_socket() {
        let t = Timetable {
            incremental: CronSchedule::parse("0 * * * *", chrono_tz::Tz::UTC).unwrap(),
            full: None,
        };
        let live = Live::new(t, None, &History::default(), Utc::now());
        let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = CancellationToken::new();
        let server = tokio::spawn(serve(listener, live.clone(), stop.clone()));

        let probe = |path: &'static str| {
            tokio::task::spawn_blocking(move || {
                super::super::probe::get(
                    &format!("http://{addr}{path}"),
                    std::time::Duration::from_secs(5),
                )
            })
        };
        assert_eq!(probe("/healthz").await.unwrap(), Ok(200));
        assert_eq!(probe("/readyz").await.unwrap(), Ok(200));
        live.update(|s| {
            s.begin(
                SyncMode::Incremental,
                crate::schedule::daemon::Trigger::Schedule,
                Utc::now(),
            );
            s.finish(
                &Err(SyncError::Other("the API answered 500".into())),
                Utc::now(),
            );
        });
        assert_eq!(probe("/readyz").await.unwrap(), Ok(503));
        let body = reqwest::get(format!("http://{addr}/readyz"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains("the API answered 500"), "{body}");
        let metrics = reqwest::get(format!("http://{addr}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains("hrwise_syncs_total{status=\"failed\"} 1"),
            "{metrics}"
        );
        assert!(metrics.contains("hrwise_ready 0"), "{metrics}");
        stop.cancel();
        server.await.unwrap().unwrap();
    }
}
