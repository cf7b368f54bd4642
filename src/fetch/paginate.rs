//! Reading the employee list page by page (URLs from `links`). Invariants: pages are delivered
//! in order, each record once; a scan that saw the list change under it says so
//! (`complete: false`), because deletions must not be inferred from it.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinSet;
use url::Url;

use super::client::Client;
use super::endpoints::EmployeeFilters;
use super::error::{FetchError, excerpt};
use super::lenient::value_to_i64;
use super::links::{built_url, page_of, page_url, with_page};
use super::models::{Employee, Parsed};
/// A scan without `total_pages` stops here rather than follow links forever.
const MAX_PAGES: u32 = 100_000;

/// One page of `GET /api/v1/employees/`, with the paging fields as the server sent them.
#[derive(Debug, Clone, PartialEq)]
pub struct EmployeePage {
    pub records: Parsed<Employee>,
    pub count: Option<i64>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
    pub total_pages: Option<u32>,
    pub next: Option<String>,
    pub previous: Option<String>,
}

impl EmployeePage {
    /// Reads the `data` of a list answer; a bare array is one page holding everything.
    pub fn from_data(data: Value) -> Result<Self, String> {
        let num = |m: &serde_json::Map<String, Value>, k: &str| {
            value_to_i64(m.get(k))
                .ok()
                .flatten()
                .and_then(|n| u32::try_from(n).ok())
        };
        let link = |m: &serde_json::Map<String, Value>, k: &str| {
            m.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(String::from)
        };
        match data {
            Value::Array(_) => {
                let records = Parsed::from_array(data);
                let n = (records.records.len() + records.rejected.len()) as i64;
                Ok(EmployeePage {
                    records,
                    count: Some(n),
                    page: Some(1),
                    page_size: None,
                    total_pages: Some(1),
                    next: None,
                    previous: None,
                })
            }
            Value::Object(m) => Ok(EmployeePage {
                count: value_to_i64(m.get("count")).map_err(|e| format!("count: {e}"))?,
                page: num(&m, "page"),
                page_size: num(&m, "page_size"),
                total_pages: num(&m, "total_pages"),
                next: link(&m, "next"),
                previous: link(&m, "previous"),
                records: Parsed::from_array(m.get("results").cloned().unwrap_or(Value::Null)),
            }),
            other => Err(format!(
                "expected a page object, got {}",
                excerpt(other.to_string().as_bytes(), 80)
            )),
        }
    }
}

/// How a scan of the employee list went.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanSummary {
    /// Pages delivered.
    pub pages: u32,
    /// The `count` of the first page.
    pub count: Option<i64>,
    /// Records delivered (each id once) and records that could not be read.
    pub records: u64,
    pub rejected: u64,
    /// False if pages repeated, `count` changed mid-scan, or records went missing: the list
    /// changed under the scan, and deletions must not be inferred from it.
    pub complete: bool,
    pub problems: Vec<String>,
}

/// The consistency checks of one scan, page by page in order.
struct Scan {
    summary: ScanSummary,
    total_pages: Option<u32>,
    seen: HashSet<i64>,
}

enum Verdict {
    Continue,
    Stop,
}

impl Scan {
    fn problem(&mut self, p: String) {
        tracing::warn!(
            problem = p.as_str(),
            "employee scan: the list changed during the scan"
        );
        self.summary.complete = false;
        self.summary.problems.push(p);
    }

    /// Checks page `k` against the first, drops records already delivered, sends the rest.
    async fn deliver(
        &mut self,
        k: u32,
        mut page: EmployeePage,
        tx: &Sender<Parsed<Employee>>,
    ) -> Verdict {
        if k == 1 {
            self.summary.count = page.count;
            self.total_pages = page.total_pages;
        } else {
            if page.count != self.summary.count {
                self.problem(format!(
                    "count changed from {:?} to {:?} at page {k}; scan stopped",
                    self.summary.count, page.count
                ));
                return Verdict::Stop;
            }
            if page.total_pages.is_some() && page.total_pages != self.total_pages {
                self.problem(format!(
                    "total_pages changed from {:?} to {:?} at page {k}; scan stopped",
                    self.total_pages, page.total_pages
                ));
                return Verdict::Stop;
            }
            if page.page.is_some_and(|p| p != k) {
                self.problem(format!(
                    "asked for page {k}, got page {:?}; scan stopped",
                    page.page
                ));
                return Verdict::Stop;
            }
        }
        let ids: Vec<i64> = page.records.records.iter().map(|e| e.id).collect();
        let repeated = ids.iter().filter(|id| self.seen.contains(id)).count();
        if repeated > 0 && repeated == ids.len() {
            self.problem(format!(
                "page {k} repeats records already seen; scan stopped"
            ));
            return Verdict::Stop;
        }
        if repeated > 0 {
            self.problem(format!(
                "{repeated} records of page {k} were on an earlier page too"
            ));
            page.records.records.retain(|e| !self.seen.contains(&e.id));
        }
        self.seen.extend(ids);
        self.summary.pages += 1;
        self.summary.records += page.records.records.len() as u64;
        self.summary.rejected += page.records.rejected.len() as u64;
        if tx.send(page.records).await.is_err() {
            self.problem("the receiver of the pages went away; scan stopped".into());
            return Verdict::Stop;
        }
        Verdict::Continue
    }

    fn finish(mut self) -> ScanSummary {
        let got = (self.summary.records + self.summary.rejected) as i64;
        if let (true, Some(count)) = (self.summary.complete, self.summary.count)
            && got != count
        {
            self.problem(format!("count is {count} but the pages held {got} records"));
        }
        self.summary
    }
}

impl Client {
    /// `GET /api/v1/employees/?page=N&page_size=...` with `filters`.
    pub async fn employees_page(
        &self,
        page: u32,
        filters: &EmployeeFilters,
    ) -> Result<EmployeePage, FetchError> {
        let o = &self.inner.opts;
        self.fetch_page(built_url(&o.base_url, page, o.page_size, filters))
            .await
    }

    async fn fetch_page(&self, url: Url) -> Result<EmployeePage, FetchError> {
        let data = self.get_url("employees_list", url).await?.data;
        let raw = excerpt(data.to_string().as_bytes(), 160);
        EmployeePage::from_data(data).map_err(|reason| FetchError::Decode {
            endpoint: "employees_list".into(),
            reason,
            excerpt: raw,
        })
    }

    /// Every page of the list once, sent to `tx` in page order. Once page 1 tells how many
    /// there are, up to `max_in_flight` pages are fetched ahead; without `total_pages` (or a
    /// `count` to derive it from) the `next` links are followed one by one.
    pub async fn scan_employees(
        &self,
        filters: &EmployeeFilters,
        tx: Sender<Parsed<Employee>>,
    ) -> Result<ScanSummary, FetchError> {
        let o = &self.inner.opts;
        let mut scan = Scan {
            summary: ScanSummary {
                complete: true,
                ..Default::default()
            },
            total_pages: None,
            seen: HashSet::new(),
        };
        let first = self.employees_page(1, filters).await?;
        let size = first.page_size.filter(|s| *s > 0).unwrap_or(o.page_size);
        let total = first.total_pages.or_else(|| {
            first
                .count
                .and_then(|c| u32::try_from(c.max(0)).ok())
                .map(|c| c.div_ceil(size))
        });
        let template = page_url(&o.base_url, first.next.as_deref(), 2, o.page_size, filters);
        let mut next_link = first.next.clone();
        let mut last_len = first.records.records.len() + first.records.rejected.len();
        if let Verdict::Stop = scan.deliver(1, first, &tx).await {
            return Ok(scan.finish());
        }
        match total {
            Some(total) => self.fetch_ahead(&mut scan, &template, total, &tx).await?,
            None => {
                for k in 2..=MAX_PAGES {
                    // No link and a short page: that was the last one.
                    if next_link.is_none() && (last_len as u32) < size {
                        break;
                    }
                    let url = page_url(&o.base_url, next_link.as_deref(), k, o.page_size, filters);
                    let page = match self.fetch_page(url).await {
                        Ok(p) => p,
                        Err(e) if e.is_not_found() => break,
                        Err(e) => return Err(e),
                    };
                    if page.records.records.is_empty() && page.records.rejected.is_empty() {
                        break;
                    }
                    next_link = page.next.clone();
                    last_len = page.records.records.len() + page.records.rejected.len();
                    if let Verdict::Stop = scan.deliver(k, page, &tx).await {
                        break;
                    }
                }
            }
        }
        Ok(scan.finish())
    }

    /// Pages 2..=total, fetched up to `max_in_flight` ahead, delivered in order.
    async fn fetch_ahead(
        &self,
        scan: &mut Scan,
        template: &Url,
        total: u32,
        tx: &Sender<Parsed<Employee>>,
    ) -> Result<(), FetchError> {
        let ahead = self.inner.opts.max_in_flight.max(1) as u32;
        let mut tasks = JoinSet::new();
        let mut ready = BTreeMap::new();
        let (mut spawned, mut delivered) = (1u32, 1u32);
        while delivered < total {
            while spawned < total && spawned < delivered + ahead {
                spawned += 1;
                let (client, url) = (self.clone(), with_page(template, spawned));
                debug_assert_eq!(page_of(&url), Some(spawned));
                tasks.spawn(async move { (spawned, client.fetch_page(url).await) });
            }
            let k = delivered + 1;
            let Some(result) = ready.remove(&k) else {
                match tasks.join_next().await {
                    Some(Ok((n, r))) => {
                        ready.insert(n, r);
                    }
                    Some(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                    Some(Err(e)) => {
                        return Err(FetchError::Invalid {
                            message: format!("a page fetch was cancelled: {e}"),
                        });
                    }
                    None => unreachable!("a page is always in flight while one is missing"),
                }
                continue;
            };
            match result {
                Ok(page) => {
                    if let Verdict::Stop = scan.deliver(k, page, tx).await {
                        return Ok(());
                    }
                }
                Err(e) if e.is_not_found() => {
                    scan.problem(format!("page {k} of {total} was not found; scan stopped"));
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
            delivered = k;
        }
        Ok(())
    }

    /// Every employee matching `filters`, and how the scan went.
    pub async fn employees_all(
        &self,
        filters: &EmployeeFilters,
    ) -> Result<(Parsed<Employee>, ScanSummary), FetchError> {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Parsed<Employee>>(8);
        let collect = async move {
            let mut all = Parsed::default();
            while let Some(p) = rx.recv().await {
                all.records.extend(p.records);
                all.rejected.extend(p.rejected);
            }
            all
        };
        let (summary, all) = tokio::join!(self.scan_employees(filters, tx), collect);
        Ok((all, summary?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_parse_tolerantly() {
        let p = EmployeePage::from_data(json!({
            "count": "150", "next": "https://api.hrwise.ai/api/v1/employees/?page=2", "previous": null,
            "page": 1, "page_size": "50", "total_pages": 3, "extra": true,
            "results": [{"id": 1, "role_fit_score": "90"}, {"id": null}]
        }))
        .unwrap();
        assert_eq!(
            (p.count, p.page, p.page_size, p.total_pages),
            (Some(150), Some(1), Some(50), Some(3))
        );
        assert_eq!(p.records.records.len(), 1);
        assert_eq!(p.records.rejected.len(), 1);
        assert_eq!(p.previous, None);
        let empty =
            EmployeePage::from_data(json!({"count": 0, "total_pages": 0, "results": []})).unwrap();
        assert_eq!(empty.records.records.len(), 0);
        let bare = EmployeePage::from_data(json!([{"id": 1}])).unwrap();
        assert_eq!((bare.count, bare.total_pages), (Some(1), Some(1)));
        assert!(EmployeePage::from_data(json!("nope")).is_err());
    }
}
