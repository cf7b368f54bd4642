//! Packaging: the container's environment and healthcheck, `healthcheck` with nothing
//! listening, and the systemd unit.

use std::path::Path;
use std::time::Duration;

use crate::support::{daemon_command, daemon_poll};

use super::{Daemon, PATIENCE, sim};

#[test]
fn healthcheck_fails_with_exit_1_when_nothing_listens() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = daemon_command(&[("HRWISE_LISTEN", format!("0.0.0.0:{port}"))])
        .arg("healthcheck")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = daemon_command(&[("HRWISE_LISTEN", "off".into())])
        .arg("healthcheck")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// `ENV` of the Dockerfile's runtime stage, as (name, value).
fn dockerfile_env() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile")).unwrap();
    let runtime = text.rsplit_once("\nFROM ").map(|(_, stage)| stage).unwrap();
    let joined = runtime.replace("\\\n", " ");
    joined
        .lines()
        .filter_map(|l| l.trim().strip_prefix("ENV "))
        .flat_map(|rest| {
            rest.split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_container_environment_runs_the_daemon_and_its_healthcheck() {
    let sim = sim(10, |_| {}).await;
    let data = tempfile::tempdir().unwrap();
    let secrets = tempfile::tempdir().unwrap();
    std::fs::write(
        secrets.path().join("hrwise_api_key"),
        &sim.companies()[0].api_key,
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Exactly the image's variables; only the paths of the volume and the secret, and the port,
    // are mapped to this machine. The base URL is the operator's (`-e HRWISE_BASE_URL`).
    let image_env = dockerfile_env();
    for name in ["HRWISE_DATABASE", "HRWISE_API_KEY_FILE", "HRWISE_LISTEN"] {
        assert!(
            image_env.iter().any(|(k, _)| k == name),
            "the image sets {name}: {image_env:?}"
        );
    }
    let mut vars: Vec<(&str, String)> = image_env
        .iter()
        .map(|(k, v)| {
            let v = v
                .replace("/data", &data.path().display().to_string())
                .replace("/run/secrets", &secrets.path().display().to_string())
                .replace(":9464", &format!(":{port}"));
            (k.as_str(), v)
        })
        .collect();
    vars.push(("HRWISE_BASE_URL", sim.base_url()));
    let mut d = Daemon::spawn(&vars, data.path(), "container");
    daemon_poll("the first sync to succeed", PATIENCE, || {
        (d.last_finished()?.0 == "succeeded").then_some(())
    })
    .await;
    // The HEALTHCHECK command, with the same environment (0.0.0.0 is reached via loopback).
    let out = daemon_command(&vars).arg("healthcheck").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(data.path().join("hrwise.duckdb").exists());
    d.signal("TERM");
    assert_eq!(
        d.exit(Duration::from_secs(15)).await.code(),
        Some(0),
        "{}",
        d.output()
    );
}

#[test]
fn the_systemd_unit_verifies() {
    let Ok(which) = std::process::Command::new("sh")
        .args(["-c", "command -v systemd-analyze"])
        .output()
    else {
        eprintln!("SKIPPED the_systemd_unit_verifies: no shell to look for systemd-analyze");
        return;
    };
    if !which.status.success() {
        eprintln!("SKIPPED the_systemd_unit_verifies: systemd-analyze is not installed here");
        return;
    }
    let unit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/hrwise-sync.service"),
    )
    .unwrap();
    // `verify` checks that ExecStart's binary exists: point it at the one just built.
    let unit = unit.replace(
        "/usr/local/bin/hrwise-sync",
        env!("CARGO_BIN_EXE_hrwise-sync"),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hrwise-sync.service");
    std::fs::write(&path, unit).unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "systemd-analyze verify failed: {text}"
    );
    let about_ours: Vec<&str> = text.lines().filter(|l| l.contains("hrwise-sync")).collect();
    assert!(
        about_ours.is_empty(),
        "systemd-analyze verify warns about the unit: {about_ours:?}"
    );
}
