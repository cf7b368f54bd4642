//! The body of one sync. Order matters for the quota: succession data first (2 requests, what
//! analysts look at most), then the employee list (which already carries skill gaps and
//! progress, so those are never requested), then children by plan. Every batch is committed
//! with its freshness marks as it arrives.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::NaiveDateTime;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{RowCounts, RunStatus, SyncError, SyncMode, SyncOutcome, SyncRequest, Syncer};
use crate::fetch::models::{Employee, Parsed, Rejected};
use crate::fetch::{Client, EmployeeFilters, FetchError, SuccessorFilters};
use crate::plan::{self, Listed};
use crate::transform;
use crate::warehouse::{
    ChildBatchItem, LoadCounts, RunRecord, RunStart, TableCounts, WarehouseHandle,
};

fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Above this, a quota wait first publishes what was fetched, so analysts see it.
const PUBLISH_BEFORE_WAIT: Duration = Duration::from_secs(20);

/// Rows changed per table, accumulated over a sync.
#[derive(Default)]
struct Tally(BTreeMap<String, RowCounts>);

impl Tally {
    fn add(&mut self, table: &str, c: LoadCounts) {
        let e = self.0.entry(table.to_string()).or_default();
        e.inserted += c.inserted;
        e.updated += c.updated;
        e.deleted += c.deleted;
    }
    fn add_all(&mut self, counts: &TableCounts) {
        for (t, c) in counts {
            self.add(t, *c);
        }
    }
    fn json(&self) -> serde_json::Value {
        self.0
            .iter()
            .map(|(t, c)| {
                (t.clone(), serde_json::json!({"inserted": c.inserted, "updated": c.updated, "deleted": c.deleted}))
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    }
}

/// How the children phase ended.
enum ChildrenEnd {
    Done,
    Cancelled,
    /// `max_wait` would be exceeded.
    WouldWait(Duration),
    Failed(String),
}

/// The path segment that names an employee without ambiguity: the integer id, unless an
/// all-digit `employee_id` elsewhere in the company reads the same (the server may match
/// either); then the email, or the employee_id itself.
fn identifier(e: &Ident, digit_ids: &HashSet<String>) -> String {
    let id = e.id.to_string();
    if !digit_ids.contains(&id) || e.employee_id.as_deref() == Some(id.as_str()) {
        return id;
    }
    e.email
        .clone()
        .or_else(|| e.employee_id.clone())
        .unwrap_or(id)
}

struct Ident {
    id: i64,
    email: Option<String>,
    employee_id: Option<String>,
}

pub(super) async fn run(
    syncer: &Syncer,
    req: SyncRequest,
    cancel: CancellationToken,
) -> Result<SyncOutcome, SyncError> {
    let started = Instant::now();
    let start_ts = now();
    let client = syncer.client.clone();
    let stats_before = client.stats();
    let requests_before = stats_before.requests();
    let wh = WarehouseHandle::open(&syncer.config.database)
        .await
        .map_err(SyncError::warehouse)?;

    let company = match client.company().await {
        Ok(c) => c,
        Err(e) => {
            let msg = e.to_string();
            let record = RunRecord {
                status: "failed",
                finished_at: Some(now()),
                requests: client.stats().requests().saturating_sub(requests_before),
                error: Some(msg.clone()),
                ..Default::default()
            };
            let mode = req.mode.as_str();
            // The company is unknown (no token): the run is recorded without one.
            let _ = wh
                .call(move |w| {
                    let id = w.record_unstarted_run(mode, start_ts)?;
                    w.update_run(id, &record)?;
                    w.publish()
                })
                .await;
            return Err(SyncError::Fetch(e));
        }
    };
    let company_id = company.id;
    let scan_fresh_since =
        start_ts - chrono::Duration::from_std(syncer.config.rate_limit_window).unwrap_or_default();
    let (resume, continue_from) = wh
        .call(move |w| {
            Ok((
                w.resume_point(company_id)?,
                w.continuation(company_id, scan_fresh_since)?,
            ))
        })
        .await
        .map_err(SyncError::warehouse)?;
    // `sync --full` asks for a new list scan; anything else continues an interrupted sync's.
    let continue_from = continue_from.filter(|_| !(req.mode == SyncMode::Full && resume.is_none()));
    // A full sync that did not finish is continued, whichever mode was asked for, so what it
    // fetched is not fetched again.
    let (mode, full_since) = match (req.mode, &resume) {
        (_, Some(r)) => (SyncMode::Full, Some(r.full_since)),
        (SyncMode::Full, None) => (SyncMode::Full, Some(start_ts)),
        (SyncMode::Incremental, None) => (SyncMode::Incremental, None),
    };
    if let Some(r) = &resume {
        tracing::info!(run = r.run_id, "resuming an unfinished full sync");
    }
    let run_start = RunStart {
        company_id,
        company_name: company.name.clone(),
        mode: mode.as_str(),
        started_at: start_ts,
        full_since,
    };
    let run_id = wh
        .call(move |w| w.begin_run(&run_start))
        .await
        .map_err(SyncError::warehouse)?;
    tracing::info!(
        run = run_id,
        company = company_id,
        mode = mode.as_str(),
        "sync started"
    );

    let progress = syncer.progress.clone();
    progress.start();
    let display_done = CancellationToken::new();
    let display = tokio::spawn(super::progress::display(
        progress.clone(),
        client.clone(),
        started,
        requests_before,
        display_done.clone(),
        syncer.terminal_progress,
    ));

    let mut tally = Tally::default();
    let mut rejected = 0u64;
    let mut ctx = Ctx {
        syncer,
        client: &client,
        wh: &wh,
        company_id,
        run_id,
        cancel: &cancel,
        progress: &progress,
        continue_from,
    };
    let result = ctx
        .body(mode, full_since, req.max_wait, &mut tally, &mut rejected)
        .await;
    display_done.cancel();
    let _ = display.await;
    progress.stop();

    let stats = client.stats();
    let requests = stats.requests().saturating_sub(requests_before);
    let by_endpoint: serde_json::Map<String, serde_json::Value> = stats
        .requests_by_endpoint
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                (v - stats_before
                    .requests_by_endpoint
                    .get(k)
                    .copied()
                    .unwrap_or(0))
                .into(),
            )
        })
        .collect();
    let (status, remaining, error, message) = match &result {
        Ok(b) => match &b.end {
            ChildrenEnd::Done => (RunStatus::Succeeded, 0, None, b.note.clone()),
            ChildrenEnd::Cancelled => (
                RunStatus::Interrupted,
                b.remaining,
                None,
                Some(format!(
                    "stopped by a signal; {} employees' children remain",
                    b.remaining
                )),
            ),
            ChildrenEnd::WouldWait(d) => (
                RunStatus::Incomplete,
                b.remaining,
                None,
                Some(format!(
                    "stopped: the quota would make it wait {} (over --max-wait); {} employees' children remain (~{} requests)",
                    humantime::format_duration(Duration::from_secs(d.as_secs())),
                    b.remaining,
                    b.remaining * 3
                )),
            ),
            ChildrenEnd::Failed(e) => (RunStatus::Failed, b.remaining, Some(e.clone()), None),
        },
        Err(e) => (RunStatus::Failed, 0, Some(e.to_string()), None),
    };
    let record = RunRecord {
        status: status.as_str(),
        finished_at: Some(now()),
        requests,
        requests_by_endpoint: by_endpoint.into(),
        rate_limited: stats.rate_limited.saturating_sub(stats_before.rate_limited),
        retries: stats.retries.saturating_sub(stats_before.retries),
        rows_changed: tally.json(),
        rejected,
        employees_planned: result.as_ref().map(|b| b.planned).unwrap_or(0),
        employees_remaining: remaining,
        error: error.clone(),
        message: message.clone(),
    };
    let window_start = SystemTime::now() - syncer.config.rate_limit_window;
    let sent: Vec<NaiveDateTime> = client
        .request_times()
        .into_iter()
        .filter(|t| *t >= window_start)
        .map(|t| chrono::DateTime::<chrono::Utc>::from(t).naive_utc())
        .collect();
    wh.call(move |w| {
        w.update_run(run_id, &record)?;
        w.save_quota_log(company_id, &sent)?;
        w.publish()
    })
    .await
    .map_err(SyncError::warehouse)?;

    let outcome = SyncOutcome {
        run_id,
        mode,
        status,
        requests,
        rows: tally.0,
        rejected,
        remaining,
        duration: started.elapsed(),
        message: message.or(error.clone()),
    };
    tracing::info!(
        run = run_id,
        status = status.as_str(),
        requests,
        remaining,
        seconds = outcome.duration.as_secs_f64(),
        "sync finished"
    );
    match (status, result) {
        (_, Err(e)) => Err(e),
        _ => Ok(outcome),
    }
}

struct Body {
    end: ChildrenEnd,
    planned: u64,
    remaining: u64,
    note: Option<String>,
}

struct Ctx<'a> {
    syncer: &'a Syncer,
    client: &'a Client,
    wh: &'a WarehouseHandle,
    company_id: i64,
    run_id: i64,
    cancel: &'a CancellationToken,
    progress: &'a Arc<super::Progress>,
    /// The list scan of the interrupted sync this one continues.
    continue_from: Option<NaiveDateTime>,
}

impl Ctx<'_> {
    async fn body(
        &mut self,
        mode: SyncMode,
        full_since: Option<NaiveDateTime>,
        max_wait: Option<Duration>,
        tally: &mut Tally,
        rejected: &mut u64,
    ) -> Result<Body, SyncError> {
        let (company_id, run_id) = (self.company_id, self.run_id);

        let mut note = None;
        let (mut listed, idents) = match self.continue_from {
            // The interrupted sync this one continues already stored succession data and the
            // employee list: plan from them instead of paying for them again.
            Some(listed_at) => {
                tracing::info!("continuing an interrupted sync from its stored employee list");
                let rows = self
                    .wh
                    .call(move |w| {
                        w.mark_listed(run_id, listed_at)?;
                        w.listed_employees(company_id)
                    })
                    .await
                    .map_err(SyncError::warehouse)?;
                let mut listed = Vec::with_capacity(rows.len());
                let mut idents = HashMap::with_capacity(rows.len());
                for (id, modified, email, employee_id) in rows {
                    listed.push(Listed { id, modified });
                    idents.insert(
                        id,
                        Ident {
                            id,
                            email,
                            employee_id,
                        },
                    );
                }
                (listed, idents)
            }
            None => {
                // A stop during the succession and list phase abandons the request in flight:
                // what was stored stays (each page is its own transaction), and the next sync
                // lists again.
                let cancel = self.cancel.clone();
                tokio::select! {
                    r = self.list(tally, rejected, &mut note) => r?,
                    _ = cancel.cancelled() => {
                        return Ok(Body { end: ChildrenEnd::Cancelled, planned: 0, remaining: 0, note });
                    }
                }
            }
        };
        // Duplicates across pages (records moving while paging) must not be fetched twice.
        let mut seen = HashSet::new();
        listed.retain(|l| seen.insert(l.id));

        // 3. The plan.
        self.progress.set_phase("planning");
        let stored = self
            .wh
            .call(move |w| w.employee_states(company_id))
            .await
            .map_err(SyncError::warehouse)?;
        let policy = self.syncer.sweep_policy();
        let full = (mode == SyncMode::Full).then_some(full_since);
        let plan = plan::plan(&listed, &stored, full, now(), &policy);
        if !plan.bound_met() {
            let text = format!(
                "the staleness bound ({}) cannot be met: the sweep may refresh {} employees per sync, {} are needed; raise sweep_max_share or children_max_age_days",
                humantime::format_duration(Duration::from_secs(policy.max_age.as_secs())),
                plan.sweep,
                plan.sweep_wanted
            );
            tracing::warn!(
                sweep = plan.sweep,
                wanted = plan.sweep_wanted,
                "staleness bound cannot be met"
            );
            note = Some(note.map_or(text.clone(), |n| format!("{n}; {text}")));
        }
        tracing::info!(
            listed = listed.len(),
            priority = plan.priority,
            sweep = plan.sweep,
            "planned children fetches"
        );
        self.progress
            .planned
            .store(plan.work.len() as u64, std::sync::atomic::Ordering::SeqCst);

        // 4. Children, committed in batches as they arrive.
        self.progress.set_phase("children");
        let digit_ids: HashSet<String> = idents
            .values()
            .filter_map(|i| i.employee_id.clone())
            .filter(|e| !e.is_empty() && e.chars().all(|c| c.is_ascii_digit()))
            .collect();
        let planned = plan.work.len() as u64;
        let (end, done) = self
            .children(&plan.work, &idents, &digit_ids, max_wait, tally, rejected)
            .await?;
        Ok(Body {
            end,
            planned,
            remaining: planned - done,
            note,
        })
    }

    /// Succession data, then the employee list page by page: stored as they arrive.
    async fn list(
        &mut self,
        tally: &mut Tally,
        rejected: &mut u64,
        note: &mut Option<String>,
    ) -> Result<(Vec<Listed>, HashMap<i64, Ident>), SyncError> {
        let (company_id, run_id) = (self.company_id, self.run_id);
        // 1. Succession: the positions with their successors, and the bench-strength table.
        self.progress.set_phase("succession");
        let positions = self.client.successors(&SuccessorFilters::default()).await?;
        let bench = self.client.bench_strength(None).await?;
        let mut succ_rejected: Vec<Rejected> = positions.rejected.clone();
        let mut successor_rows = Vec::new();
        for p in &positions.positions {
            for s in &p.successors.records {
                successor_rows.push(transform::successor_row(
                    company_id,
                    p.current_role_holder.as_ref(),
                    s,
                ));
            }
            succ_rejected.extend(p.successors.rejected.iter().cloned());
        }
        let position_rows: Vec<_> = positions
            .positions
            .iter()
            .map(|p| transform::position_row(company_id, p))
            .collect();
        let bench_rows =
            transform::bench_strength_rows(company_id, &bench.records, &positions.positions);
        succ_rejected.extend(bench.rejected.iter().cloned());
        // Deletions are inferred only from a list where every record could be read.
        let complete = succ_rejected.is_empty();
        *rejected += succ_rejected.len() as u64;
        let t = now();
        let counts = self
            .wh
            .call(move |w| {
                w.load_succession(
                    company_id,
                    run_id,
                    &position_rows,
                    &successor_rows,
                    &bench_rows,
                    &succ_rejected,
                    complete,
                    t,
                )
            })
            .await
            .map_err(SyncError::warehouse)?;
        tally.add_all(&counts);

        // 2. The employee list, page by page, stored as it arrives.
        self.progress.set_phase("employees");
        let scan_started = now();
        let (tx, mut rx) = mpsc::channel::<Parsed<Employee>>(4);
        let scan_client = self.client.clone();
        let scan = tokio::spawn(async move {
            scan_client
                .scan_employees(&EmployeeFilters::default(), tx)
                .await
        });
        let mut listed: Vec<Listed> = Vec::new();
        let mut idents: HashMap<i64, Ident> = HashMap::new();
        while let Some(page) = rx.recv().await {
            let rows: Vec<_> = page
                .records
                .iter()
                .map(|e| transform::employee_row(company_id, e))
                .collect();
            for e in &page.records {
                listed.push(Listed {
                    id: e.id,
                    modified: e.modified.as_deref().and_then(transform::parse_timestamp),
                });
                idents.insert(
                    e.id,
                    Ident {
                        id: e.id,
                        email: e.email.clone(),
                        employee_id: e.employee_id.clone(),
                    },
                );
            }
            self.progress
                .employees_listed
                .store(listed.len() as u64, std::sync::atomic::Ordering::SeqCst);
            *rejected += page.rejected.len() as u64;
            let rej = page.rejected;
            let t = now();
            let c = self
                .wh
                .call(move |w| w.load_employee_page(company_id, run_id, &rows, &rej, t))
                .await
                .map_err(SyncError::warehouse)?;
            tally.add("employees", c);
        }
        let summary = scan
            .await
            .map_err(|e| SyncError::Other(format!("employee scan task: {e}")))??;
        if summary.complete {
            let t = now();
            let deleted = self
                .wh
                .call(move |w| w.finish_employee_scan(company_id, scan_started, t))
                .await
                .map_err(SyncError::warehouse)?;
            tally.add(
                "employees",
                LoadCounts {
                    deleted,
                    ..Default::default()
                },
            );
        } else {
            let text = format!(
                "the employee list changed during the scan ({}); deletions were not inferred this time",
                summary.problems.join("; ")
            );
            tracing::warn!(problems = ?summary.problems, "incomplete employee scan");
            *note = Some(text);
        }
        let listed_at = now();
        self.wh
            .call(move |w| w.mark_listed(run_id, listed_at))
            .await
            .map_err(SyncError::warehouse)?;
        Ok((listed, idents))
    }

    /// Fetches and stores the children of `work`, in order, `max_in_flight` employees at a
    /// time. Returns how it ended and how many employees were stored.
    async fn children(
        &mut self,
        work: &[plan::Work],
        idents: &HashMap<i64, Ident>,
        digit_ids: &HashSet<String>,
        max_wait: Option<Duration>,
        tally: &mut Tally,
        rejected: &mut u64,
    ) -> Result<(ChildrenEnd, u64), SyncError> {
        let (company_id, run_id) = (self.company_id, self.run_id);
        // Each employee holds a permit from its first request until its children are
        // committed, so only a few employees' work is ever fetched but not yet stored: what a
        // SIGKILL can cost is bounded by that, however fast the API answers. Three requests
        // per employee: this many employees keep `max_in_flight` requests busy.
        let limit = self.syncer.config.max_in_flight.div_ceil(3) + 1;
        let outstanding = Arc::new(Semaphore::new(limit));
        let (tx, mut rx) = mpsc::unbounded_channel::<(ChildBatchItem, OwnedSemaphorePermit)>();
        // The writer: whatever has arrived while the previous batch was being committed is
        // the next batch.
        let wh = self.wh.clone();
        let progress = self.progress.clone();
        let writer = tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut stored = 0u64;
            let mut rejected = 0u64;
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < 500 {
                    match rx.try_recv() {
                        Ok(item) => batch.push(item),
                        Err(_) => break,
                    }
                }
                let (batch, permits): (Vec<ChildBatchItem>, Vec<OwnedSemaphorePermit>) =
                    batch.into_iter().unzip();
                let fresh = batch.iter().filter(|i| i.complete).count() as u64;
                rejected += batch.iter().map(|i| i.rejected.len() as u64).sum::<u64>();
                let t = now();
                let size = batch.len();
                let started = Instant::now();
                let counts = wh
                    .call(move |w| w.load_children(company_id, run_id, &batch, t))
                    .await?;
                tracing::debug!(
                    employees = size,
                    millis = started.elapsed().as_millis() as u64,
                    "stored a batch of children"
                );
                drop(permits);
                tally.add_all(&counts);
                stored += fresh;
                progress
                    .done
                    .fetch_add(fresh, std::sync::atomic::Ordering::SeqCst);
            }
            Ok::<_, crate::warehouse::WarehouseError>((tally, stored, rejected))
        });

        type Fetched = Result<Option<ChildBatchItem>, (i64, FetchError)>;
        let mut tasks: JoinSet<(Fetched, OwnedSemaphorePermit)> = JoinSet::new();
        let mut end = ChildrenEnd::Done;
        let mut published_for_wait = false;
        let mut next = 0usize;
        let mut spare: Option<OwnedSemaphorePermit> = None;
        loop {
            // Top up the in-flight set, unless stopping.
            while next < work.len() && matches!(end, ChildrenEnd::Done) {
                if self.cancel.is_cancelled() {
                    end = ChildrenEnd::Cancelled;
                    break;
                }
                let Some(permit) = spare
                    .take()
                    .or_else(|| outstanding.clone().try_acquire_owned().ok())
                else {
                    break;
                };
                // The quota this employee needs comes after what the ones in flight need.
                let busy = (limit - outstanding.available_permits()) as u64;
                let wait = self.client.estimate_wait(3 * busy);
                if let Some(max) = max_wait
                    && wait > max
                {
                    end = ChildrenEnd::WouldWait(wait);
                    break;
                }
                if wait > PUBLISH_BEFORE_WAIT {
                    self.progress.set_waiting(Some(SystemTime::now() + wait));
                    if !published_for_wait {
                        // A long wait for quota: let analysts see what is stored so far.
                        published_for_wait = true;
                        let _ = self.wh.call(|w| w.publish()).await;
                    }
                } else {
                    self.progress.set_waiting(None);
                    published_for_wait = false;
                }
                let w = work[next];
                next += 1;
                let ident = idents
                    .get(&w.id)
                    .map_or_else(|| w.id.to_string(), |i| identifier(i, digit_ids));
                let client = self.client.clone();
                let cancel = self.cancel.clone();
                tasks.spawn(async move {
                    let r = tokio::select! {
                        r = fetch_children(client, company_id, w, ident) => r,
                        _ = cancel.cancelled() => Ok(None),
                    };
                    (r, permit)
                });
            }
            if tasks.is_empty() {
                if next >= work.len() || !matches!(end, ChildrenEnd::Done) {
                    break;
                }
                // Every permit waits for a commit: wait for the writer.
                spare = outstanding.clone().acquire_owned().await.ok();
                continue;
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            let (joined, permit) = match joined {
                Ok((r, permit)) => (Ok(r), Some(permit)),
                Err(e) => (Err(e), None),
            };
            match joined {
                Ok(Ok(Some(item))) => {
                    if let Some(permit) = permit {
                        let _ = tx.send((item, permit));
                    }
                }
                Ok(Ok(None)) => {}
                Ok(Err((id, e))) if e.is_not_found() => {
                    // Deleted between the list and this request: the next scan marks it.
                    tracing::info!(
                        employee = id,
                        "employee vanished before its children were fetched"
                    );
                }
                Ok(Err((id, e))) if matches!(e, FetchError::Api { .. }) => {
                    tracing::warn!(employee = id, error = %e, "children could not be fetched");
                    let item = ChildBatchItem {
                        employee: id,
                        rejected: vec![Rejected {
                            entity: "employee_children",
                            raw: serde_json::json!({"employee": id}),
                            reason: e.to_string(),
                        }],
                        ..Default::default()
                    };
                    if let Some(permit) = permit {
                        let _ = tx.send((item, permit));
                    }
                }
                Ok(Err((_, e))) => {
                    if matches!(end, ChildrenEnd::Done) {
                        end = ChildrenEnd::Failed(e.to_string());
                    }
                }
                Err(e) => {
                    end = ChildrenEnd::Failed(format!("a fetch task failed: {e}"));
                }
            }
            if self.cancel.is_cancelled() && matches!(end, ChildrenEnd::Done) && next < work.len() {
                end = ChildrenEnd::Cancelled;
            }
        }
        self.progress.set_waiting(None);
        drop(tx);
        let (t, stored, rej) = writer
            .await
            .map_err(|e| SyncError::Other(format!("warehouse writer: {e}")))?
            .map_err(SyncError::warehouse)?;
        for (table, c) in t.0 {
            tally.add(
                &table,
                LoadCounts {
                    inserted: c.inserted,
                    updated: c.updated,
                    deleted: c.deleted,
                },
            );
        }
        *rejected += rej;
        if matches!(end, ChildrenEnd::Done)
            && self.cancel.is_cancelled()
            && stored < work.len() as u64
        {
            end = ChildrenEnd::Cancelled;
        }
        Ok((end, stored))
    }
}

/// The three child lists of one employee, fetched concurrently and transformed.
async fn fetch_children(
    client: Client,
    company_id: i64,
    w: plan::Work,
    ident: String,
) -> Result<Option<ChildBatchItem>, (i64, FetchError)> {
    let (tr, ta, me) = tokio::join!(
        client.trainings(&ident),
        client.tasks(&ident),
        client.mentorships(&ident)
    );
    let (tr, ta, me) = (
        tr.map_err(|e| (w.id, e))?,
        ta.map_err(|e| (w.id, e))?,
        me.map_err(|e| (w.id, e))?,
    );
    let mut rejected = Vec::new();
    rejected.extend(tr.rejected.iter().cloned());
    rejected.extend(ta.rejected.iter().cloned());
    rejected.extend(me.rejected.iter().cloned());
    let partial = !rejected.is_empty();
    Ok(Some(ChildBatchItem {
        employee: w.id,
        modified: w.modified,
        trainings: tr
            .records
            .iter()
            .map(|t| transform::training_row(company_id, w.id, t))
            .collect(),
        tasks: ta
            .records
            .iter()
            .map(|t| transform::task_row(company_id, w.id, t))
            .collect(),
        mentorships: me
            .records
            .iter()
            .map(|m| transform::mentorship_row(company_id, w.id, m))
            .collect(),
        complete: true,
        partial,
        rejected,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_avoid_ids_that_read_as_another_employees_employee_id() {
        let digits: HashSet<String> = ["42".to_string()].into();
        let plain = Ident {
            id: 7,
            email: Some("a@x".into()),
            employee_id: Some("E7".into()),
        };
        assert_eq!(identifier(&plain, &digits), "7");
        let clash = Ident {
            id: 42,
            email: Some("b+1@x".into()),
            employee_id: Some("E42".into()),
        };
        assert_eq!(identifier(&clash, &digits), "b+1@x");
        let own = Ident {
            id: 42,
            email: None,
            employee_id: Some("42".into()),
        };
        assert_eq!(identifier(&own, &digits), "42");
    }
}
