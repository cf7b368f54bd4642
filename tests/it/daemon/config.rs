//! Configuration: each invalid configuration exiting 2 with one line naming the key, and
//! `config check` listing every key with the secret masked.

use std::time::Duration;

use crate::support::daemon_command;

use super::{assert_secret_absent, output_within};

#[test]
fn each_invalid_configuration_exits_2_with_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "hrw_do_not_print_this_0123456789";
    std::fs::create_dir(dir.path().join("a_directory")).unwrap();
    let dir_path = dir.path().join("a_directory").display().to_string();
    // (file content, environment, the key the error must name)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        ("bogus_key = 1", vec![], "bogus_key"),
        ("schedule = \"61 * * * *\"", vec![], "schedule"),
        ("schedule = \"0 0 30 2 *\"", vec![], "schedule"),
        (
            "full_sync_schedule = \"nightly\"",
            vec![],
            "full_sync_schedule",
        ),
        ("base_url = \"ftp://example.com\"", vec![], "base_url"),
        ("base_url = \"not a url\"", vec![], "base_url"),
        ("listen = \"nowhere\"", vec![], "listen"),
        (
            "api_key_file = \"/nonexistent/api_key\"",
            vec![],
            "api_key_file",
        ),
        (
            "",
            vec![("HRWISE_API_KEY_FILE", dir_path.as_str())],
            "api_key_file",
        ),
        ("timezone = \"Mars/Olympus_Mons\"", vec![], "timezone"),
        (
            "rate_limit_requests = \"many\"",
            vec![],
            "rate_limit_requests",
        ),
        ("page_size = 0", vec![], "page_size"),
        ("log_format = \"xml\"", vec![], "log_format"),
        ("sweep_max_share = 2.5", vec![], "sweep_max_share"),
        ("shutdown_timeout_secs = 0", vec![], "shutdown_timeout_secs"),
        ("listen = ", vec![], "listen"),
        ("api_key = 12345678901234", vec![], "api_key"),
        ("", vec![("HRWISE_SCHEDULE", "* * *")], "schedule"),
        ("", vec![("HRWISE_SHEDULE", "0 * * * *")], "HRWISE_SHEDULE"),
        ("", vec![("HRWISE_LISTEN", "localhost")], "listen"),
        ("", vec![("HRWISE_BASE_URL", "example.com")], "base_url"),
        (
            "",
            vec![("HRWISE_READY_MAX_AGE_SECS", "soon")],
            "ready_max_age_secs",
        ),
        ("", vec![("HRWISE_TIMEZONE", "CEST+2")], "timezone"),
        (
            "",
            vec![("HRWISE_API_KEY_FILE", "/nonexistent")],
            "api_key_file",
        ),
    ];
    let config = dir.path().join("hrwise-sync.toml");
    for (i, (file, vars, key)) in cases.iter().enumerate() {
        std::fs::write(&config, file).unwrap();
        let mut all: Vec<(&str, String)> = vars.iter().map(|(k, v)| (*k, v.to_string())).collect();
        if !file.contains("api_key") && !vars.iter().any(|(k, _)| k.contains("API_KEY")) {
            all.push(("HRWISE_API_KEY", secret.to_string()));
        }
        // `config check` and `run` validate the same way; alternate to cover both.
        let command = if i % 2 == 0 { "check" } else { "run" };
        let mut cmd = daemon_command(&all);
        cmd.arg("--config").arg(&config);
        if command == "check" {
            cmd.args(["config", "check"]);
        } else {
            cmd.arg("run");
        }
        let out = output_within(&mut cmd, Duration::from_secs(20));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let case = format!("case {i} ({command}) file {file:?} env {vars:?}: stderr {stderr:?}");
        assert_eq!(out.status.code(), Some(2), "{case}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{case}");
        assert!(lines[0].contains(&format!(": {key}: ")), "{case}");
        assert_secret_absent(&stderr, secret);
        assert_secret_absent(&stderr, "12345678901234");
    }
    // A missing --config file is a usage error too.
    let out = daemon_command(&[])
        .args(["--config", "/nonexistent.toml", "config", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--config"));
}

#[test]
fn config_check_lists_every_key_with_the_secret_masked() {
    let secret = "hrw_config_check_secret_0123456789";
    let out = daemon_command(&[
        ("HRWISE_API_KEY", secret.into()),
        ("HRWISE_TIMEZONE", "Europe/Berlin".into()),
    ])
    .args(["config", "check"])
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("api_key = \"***\"  # env HRWISE_API_KEY"),
        "{stdout}"
    );
    assert!(
        stdout.contains("timezone = \"Europe/Berlin\"  # env HRWISE_TIMEZONE"),
        "{stdout}"
    );
    assert!(
        stdout.contains("listen = \"127.0.0.1:9464\"  # default"),
        "{stdout}"
    );
    assert_secret_absent(&stdout, secret);
}
