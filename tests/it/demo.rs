//! `hrwise-sync demo` as a new user runs it, and the file it leaves opened by the analysts'
//! own DuckDB: the Python `duckdb` package (CI installs it).

use std::process::Command;

#[test]
fn demo_syncs_a_file_that_python_duckdb_opens() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hrwise-sync"))
        .args(["demo", "--employees", "120"])
        .current_dir(dir.path())
        .env_remove("HRWISE_CONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("succeeded"), "{stdout}");
    assert!(stdout.contains("bench strength by role"), "{stdout}");
    let db = dir.path().join("hrwise-demo.duckdb");
    assert!(db.exists());

    let script = r#"
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
employees = con.execute("SELECT count(*) FROM employees WHERE deleted_at IS NULL").fetchone()[0]
bsi = con.execute("SELECT count(*) FROM bsi_latest").fetchone()[0]
status = con.execute("SELECT status FROM sync_runs ORDER BY id DESC LIMIT 1").fetchone()[0]
print(duckdb.__version__, employees, bsi, status)
"#;
    let text = python_reads(script, &db, None);
    let fields: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(fields[1], "120", "{text}");
    assert!(fields[2].parse::<u32>().unwrap() > 0, "{text}");
    assert_eq!(fields[3], "succeeded", "{text}");

    // The oldest DuckDB the file is written for (STORAGE_VERSION v1.4.0): .ci/run installs
    // duckdb 1.4 beside the current one and names it here.
    match std::env::var_os("HRWISE_TEST_DUCKDB_1_4") {
        Some(path) => {
            let text = python_reads(script, &db, Some(&path));
            assert!(text.starts_with("1.4."), "{text}");
            assert_eq!(text.split_whitespace().nth(1), Some("120"), "{text}");
        }
        None => {
            eprintln!("skipped: DuckDB 1.4 check (HRWISE_TEST_DUCKDB_1_4 not set; .ci/run sets it)")
        }
    }
}

fn python_reads(
    script: &str,
    db: &std::path::Path,
    pythonpath: Option<&std::ffi::OsStr>,
) -> String {
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(script).arg(db);
    if let Some(p) = pythonpath {
        cmd.env("PYTHONPATH", p);
    }
    let py = cmd.output().expect("python3 runs");
    let text = String::from_utf8_lossy(&py.stdout).to_string();
    assert!(
        py.status.success(),
        "Python duckdb could not read the warehouse (is the `duckdb` package installed?): {}",
        String::from_utf8_lossy(&py.stderr)
    );
    text
}
