//! The daemon (`hrwise-sync run`) as operators run it: the real binary as a child process,
//! configured only by `HRWISE_*` variables, against the in-process simulator, with the
//! warehouse in a temp dir. Also: configuration errors, `status`, `healthcheck`, and the
//! packaging (the container's environment, the systemd unit).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::Duration;

use hrwise_sync::observe::probe;
use hrwise_sync::sim::{Sim, SimOptions};
use serde_json::Value;

use crate::support::{daemon_command, daemon_poll};

mod config;
mod observe;
mod packaging;
mod run;

/// Long enough for a debug build on a busy 2-core machine, short enough to fail usefully.
pub(super) const PATIENCE: Duration = Duration::from_secs(90);

/// A running `hrwise-sync run`, killed when dropped.
pub(super) struct Daemon {
    child: Child,
    dir: PathBuf,
    tag: String,
    status_file: PathBuf,
}

impl Daemon {
    pub(super) fn spawn(vars: &[(&str, String)], dir: &Path, tag: &str) -> Daemon {
        let out = File::create(dir.join(format!("{tag}.stdout"))).unwrap();
        let err = File::create(dir.join(format!("{tag}.stderr"))).unwrap();
        let child = daemon_command(vars)
            .arg("run")
            .current_dir(dir)
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap();
        let db = vars
            .iter()
            .find(|(k, _)| *k == "HRWISE_DATABASE")
            .map(|(_, v)| v.clone())
            .unwrap();
        Daemon {
            child,
            dir: dir.to_path_buf(),
            tag: tag.into(),
            status_file: PathBuf::from(format!("{db}.status.json")),
        }
    }

    /// The status file, if the daemon has written one.
    pub(super) fn status(&self) -> Option<Value> {
        let bytes = std::fs::read(&self.status_file).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The address the listener is bound to (`HRWISE_LISTEN=127.0.0.1:0` picks a free port).
    pub(super) async fn addr(&self) -> String {
        let d = self;
        daemon_poll("the listen address in the status file", PATIENCE, || {
            d.status()?.get("listen")?.as_str().map(String::from)
        })
        .await
    }

    pub(super) fn get(&self, addr: &str, path: &str) -> u16 {
        probe::get(&format!("http://{addr}{path}"), Duration::from_secs(10)).unwrap()
    }

    /// Syncs finished with `status` so far, per the status file's last outcome and metrics.
    pub(super) fn last_finished(&self) -> Option<(String, String)> {
        let last = self.status()?.get("last_finished")?.clone();
        Some((
            last["status"].as_str()?.to_string(),
            last["finished_at"].as_str()?.to_string(),
        ))
    }

    pub(super) fn signal(&self, name: &str) {
        let ok = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name} failed");
    }

    pub(super) async fn exit(&mut self, within: Duration) -> ExitStatus {
        let child = &mut self.child;
        daemon_poll("the daemon to exit", within, || child.try_wait().unwrap()).await
    }

    /// Everything it printed.
    pub(super) fn output(&self) -> String {
        let read = |ext: &str| {
            std::fs::read_to_string(self.dir.join(format!("{}.{ext}", self.tag)))
                .unwrap_or_default()
        };
        format!("{}{}", read("stdout"), read("stderr"))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) async fn sim(employees: usize, tune: impl FnOnce(&mut SimOptions)) -> Sim {
    let mut opts = SimOptions {
        companies: 1,
        employees,
        ..Default::default()
    };
    tune(&mut opts);
    Sim::start(opts).await.unwrap()
}

/// The variables of a daemon against `sim`, with the key in a file and the warehouse in `dir`.
pub(super) fn env(
    sim: &Sim,
    dir: &Path,
    schedule: &str,
    extra: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let key_file = dir.join("api_key");
    std::fs::write(&key_file, format!("{}\n", sim.companies()[0].api_key)).unwrap();
    let mut vars = vec![
        ("HRWISE_BASE_URL", sim.base_url()),
        ("HRWISE_API_KEY_FILE", key_file.display().to_string()),
        (
            "HRWISE_DATABASE",
            dir.join("hr.duckdb").display().to_string(),
        ),
        ("HRWISE_LISTEN", "127.0.0.1:0".to_string()),
        ("HRWISE_SCHEDULE", schedule.to_string()),
        ("HRWISE_LOG_FORMAT", "json".to_string()),
    ];
    for (k, v) in extra {
        vars.retain(|(name, _)| name != k);
        vars.push((k, v.to_string()));
    }
    vars
}

/// Sums a metric's samples (all label sets).
pub(super) fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

/// Runs `cmd` to its end, killing it after `timeout` (a config that wrongly validates must
/// fail the test, not hang it in `run`).
pub(super) fn output_within(
    cmd: &mut std::process::Command,
    timeout: Duration,
) -> std::process::Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + timeout;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

pub(super) fn assert_secret_absent(output: &str, secret: &str) {
    assert!(secret.len() > 8);
    if let Some(line) = output.lines().find(|l| l.contains(secret)) {
        panic!("the API key appears in the output: {line}");
    }
}

/// GET `path` on the daemon and return the body (a plain blocking request).
pub(super) fn http_get_body(addr: &str, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    // "HTTP/1.0 200 OK": hyper answers in the request's version.
    (head.split_whitespace().nth(1) == Some("200")).then(|| body.to_string())
}
