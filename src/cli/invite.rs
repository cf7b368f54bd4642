//! `hrwise-sync invite`: the documented invite call for one person (flags) or many (`--csv`).
//! Every row is validated before any request; a bad row is reported with its line number and
//! skipped, never sent. Exit 0 if every row succeeded, 1 if any failed, 2 for bad usage.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

use anyhow::anyhow;

use super::{CliError, CliResult};
use crate::fetch::models::InviteRequest;
use crate::fetch::{Client, ClientOptions, FetchError};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A CSV file with a header row naming the columns email, first_name, last_name,
    /// department_name and position (any order; other columns are ignored).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["email", "first_name", "last_name", "department", "position"])]
    pub csv: Option<PathBuf>,
    /// The person's email address.
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub first_name: Option<String>,
    #[arg(long)]
    pub last_name: Option<String>,
    /// The department's name (it must exist in the company).
    #[arg(long)]
    pub department: Option<String>,
    /// The job position or title.
    #[arg(long)]
    pub position: Option<String>,
    /// Validate every row and print what would be sent, without any request.
    #[arg(long)]
    pub dry_run: bool,
}

/// The columns a CSV must have.
pub const COLUMNS: [&str; 5] = [
    "email",
    "first_name",
    "last_name",
    "department_name",
    "position",
];

/// One row of input: its line and either a valid request or why it is not one.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The line of the file (1 is the header), or 0 for flags.
    pub line: u64,
    /// The row's email cell as written (`-` if it has none), to name the row in reports.
    pub label: String,
    pub request: Result<InviteRequest, String>,
}

pub fn run(args: Args, config: crate::config::Config) -> CliResult {
    let rows = match &args.csv {
        Some(path) => {
            let mut text = String::new();
            std::fs::File::open(path)
                .and_then(|mut f| f.read_to_string(&mut text))
                .map_err(|e| CliError::Usage(anyhow!("{}: {e}", path.display())))?;
            parse_csv(&text).map_err(|e| CliError::Usage(anyhow!("{}: {e}", path.display())))?
        }
        None => vec![from_flags(&args)?],
    };
    if rows.is_empty() {
        return Err(CliError::Usage(anyhow!("the CSV file has no rows")));
    }
    let client = if args.dry_run {
        None
    } else {
        let opts = ClientOptions::from_config(&config).map_err(|e| CliError::Usage(e.into()))?;
        Some(Client::new(opts).map_err(|e| CliError::Usage(e.into()))?)
    };
    let outcomes = match client {
        None => rows
            .iter()
            .map(|r| {
                r.request
                    .as_ref()
                    .map(|_| "valid (dry run)".to_string())
                    .map_err(Clone::clone)
            })
            .collect(),
        Some(client) => super::runtime()?.block_on(send_all(client, &rows)),
    };
    let mut failed = 0;
    for (row, outcome) in rows.iter().zip(&outcomes) {
        let who = &row.label;
        let place = if row.line == 0 {
            String::new()
        } else {
            format!("line {}: ", row.line)
        };
        match outcome {
            Ok(what) => println!("{place}{who}: {what}"),
            Err(why) => {
                failed += 1;
                println!("{place}{who}: failed: {why}");
            }
        }
    }
    let total = rows.len();
    if args.dry_run {
        println!(
            "{} of {total} valid, {failed} invalid; nothing was sent (dry run)",
            total - failed
        );
        if failed > 0 {
            return Err(CliError::Failed(anyhow!(
                "{failed} of {total} rows are invalid"
            )));
        }
        return Ok(());
    }
    println!("{} of {total} succeeded, {failed} failed", total - failed);
    if failed > 0 {
        return Err(CliError::Failed(anyhow!(
            "{failed} of {total} invitations failed"
        )));
    }
    Ok(())
}

/// Sends every valid row (several at once: the client keeps the in-flight limit and the quota)
/// and returns one outcome per row, in order.
async fn send_all(client: Client, rows: &[Row]) -> Vec<Result<String, String>> {
    let handles: Vec<_> = rows
        .iter()
        .map(|row| {
            let (client, req) = (client.clone(), row.request.clone());
            tokio::spawn(async move {
                let req = req?;
                match client.invite(&req).await {
                    Ok(o) => Ok(match (o.created(), o.response.employee_id) {
                        (true, Some(id)) => format!("created (employee {id})"),
                        (true, None) => "created".into(),
                        (false, Some(id)) => format!("updated (employee {id})"),
                        (false, None) => "updated".into(),
                    }),
                    Err(FetchError::Api {
                        code,
                        message,
                        status,
                        ..
                    }) => Err(format!("{code}: {message} (HTTP {status})")),
                    Err(e) => Err(e.to_string()),
                }
            })
        })
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(
            h.await
                .unwrap_or_else(|e| Err(format!("internal error: {e}"))),
        );
    }
    out
}

fn from_flags(args: &Args) -> Result<Row, CliError> {
    let fields = [
        ("--email", &args.email),
        ("--first-name", &args.first_name),
        ("--last-name", &args.last_name),
        ("--department", &args.department),
        ("--position", &args.position),
    ];
    let missing: Vec<&str> = fields
        .iter()
        .filter(|(_, v)| v.as_deref().is_none_or(|s| s.trim().is_empty()))
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(CliError::Usage(anyhow!(
            "missing {} (or give --csv FILE)",
            missing.join(", ")
        )));
    }
    let get = |v: &Option<String>| v.as_deref().unwrap_or_default().trim().to_string();
    let req = InviteRequest {
        email: get(&args.email),
        first_name: get(&args.first_name),
        last_name: get(&args.last_name),
        department_name: get(&args.department),
        position: get(&args.position),
    };
    validate(&req).map_err(|e| CliError::Usage(anyhow!("{e}")))?;
    Ok(Row {
        line: 0,
        label: req.email.clone(),
        request: Ok(req),
    })
}

/// Reads an invite CSV. A missing column is a usage error; a bad row becomes a [`Row`] with
/// the reason, and the rest are still read. A second row for an email already seen is refused
/// (the two invites would race).
pub fn parse_csv(text: &str) -> Result<Vec<Row>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| format!("cannot read the header row: {e}"))?
        .clone();
    let index: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.to_ascii_lowercase(), i))
        .collect();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !index.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the header row lacks the column(s) {}; it needs {}",
            missing.join(", "),
            COLUMNS.join(", ")
        ));
    }
    let mut rows = Vec::new();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                rows.push(Row {
                    line,
                    label: "-".into(),
                    request: Err(format!("malformed CSV: {e}")),
                });
                continue;
            }
        }
        let line = record.position().map_or(line, |p| line_at(text, p.byte()));
        if record.iter().all(str::is_empty) {
            continue;
        }
        let request = (|| {
            if record.len() != headers.len() {
                return Err(format!(
                    "has {} fields, the header has {}",
                    record.len(),
                    headers.len()
                ));
            }
            let get = |c: &str| record.get(index[c]).unwrap_or_default().to_string();
            let req = InviteRequest {
                email: get("email"),
                first_name: get("first_name"),
                last_name: get("last_name"),
                department_name: get("department_name"),
                position: get("position"),
            };
            validate(&req)?;
            if let Some(earlier) = first_line_of.get(&req.email.to_ascii_lowercase()) {
                return Err(format!("the same email as line {earlier}"));
            }
            first_line_of.insert(req.email.to_ascii_lowercase(), line);
            Ok(req)
        })();
        let label = match record.get(index["email"]).unwrap_or_default() {
            "" => "-".to_string(),
            email => email.to_string(),
        };
        rows.push(Row {
            line,
            label,
            request,
        });
    }
    Ok(rows)
}

/// The line of the record starting at byte `at`. The csv crate reports a record that follows
/// blank lines at the first blank one; the record itself starts after them.
fn line_at(text: &str, at: u64) -> u64 {
    let at = (at as usize).min(text.len());
    let skipped = text[at..].len() - text[at..].trim_start_matches(['\r', '\n']).len();
    1 + text.as_bytes()[..at + skipped]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
}

/// The checks the API documents: every field present, the email well-formed.
pub fn validate(r: &InviteRequest) -> Result<(), String> {
    let fields = [
        ("email", &r.email),
        ("first_name", &r.first_name),
        ("last_name", &r.last_name),
        ("department_name", &r.department_name),
        ("position", &r.position),
    ];
    let empty: Vec<&str> = fields
        .iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(n, _)| *n)
        .collect();
    if !empty.is_empty() {
        return Err(format!("missing {}", empty.join(", ")));
    }
    if !is_email(&r.email) {
        return Err(format!("invalid email format: {:?}", r.email));
    }
    Ok(())
}

/// A pragmatic address check: one `@`, a non-empty local part, a dotted domain of letters,
/// digits and hyphens, no spaces.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[]\\,;:\"".contains(c))
        && domain.contains('.')
        && domain.split('.').all(label_ok)
        && s.len() <= 254
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_check() {
        for ok in [
            "jane.smith@company.com",
            "a+hr@x.io",
            "zoë@exämple.de",
            "o'neil@a-b.co.uk",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "jane",
            "@x.com",
            "jane@",
            "jane@x",
            "ja ne@x.com",
            "a@@x.com",
            "a@x..com",
            ".a@x.com",
            "a@-x.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn csv_columns_in_any_order_with_extra_ones() {
        let rows = parse_csv(
            "\u{feff}Position,email,extra,last_name,first_name,department_name\n\
             Engineer, jane@x.com ,?,Smith,Jane,Engineering\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        let r = rows[0].request.as_ref().unwrap();
        assert_eq!(
            (rows[0].line, r.email.as_str(), r.position.as_str()),
            (2, "jane@x.com", "Engineer")
        );
    }

    #[test]
    fn bad_rows_are_reported_with_their_line_and_the_rest_kept() {
        let rows = parse_csv(
            "email,first_name,last_name,department_name,position\n\
             jane@x.com,Jane,Smith,Engineering,Engineer\n\
             not-an-email,Bob,Jones,Sales,Rep\n\
             \n\
             carl@x.com,Carl,,Sales,Rep\n\
             dora@x.com,Dora,Diaz,Sales\n\
             \"eve@x.com\",\"Eve\",\"Multi\nLine\",Ops,Lead\n\
             JANE@x.com,Jane,Again,Sales,Rep\n\
             finn@x.com,Finn,Fox,Ops,Lead\n",
        )
        .unwrap();
        let lines: Vec<(u64, bool)> = rows.iter().map(|r| (r.line, r.request.is_ok())).collect();
        assert_eq!(
            lines,
            vec![
                (2, true),
                (3, false),
                (5, false),
                (6, false),
                (7, true),
                (9, false),
                (10, true)
            ]
        );
        assert!(
            rows[1]
                .request
                .as_ref()
                .unwrap_err()
                .contains("invalid email")
        );
        assert!(rows[2].request.as_ref().unwrap_err().contains("last_name"));
        assert!(rows[3].request.as_ref().unwrap_err().contains("4 fields"));
        assert!(rows[5].request.as_ref().unwrap_err().contains("line 2"));
    }

    #[test]
    fn missing_columns_are_a_usage_error() {
        let err = parse_csv("email,first_name,department\na@x.com,A,Sales\n").unwrap_err();
        assert!(
            err.contains("last_name")
                && err.contains("department_name")
                && err.contains("position"),
            "{err}"
        );
        assert!(parse_csv("").is_err());
    }
}
