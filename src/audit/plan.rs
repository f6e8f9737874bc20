//! The record phase: after querybatch named the records each package version is affected by, fetch the ones the
//! cache does not hold, by one of two plans, whichever needs fewer round trips.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::rc::Rc;

use futures::stream::{self, StreamExt};

use super::cache::CachedRecord;
use super::osv_online::{queries_in_words, too_many_pages};
use super::{AuditEvent, LookupError, LookupSettings, PackageKey};
use crate::http::{encode_path_segment, read_json, send_with_retries, HttpRequest, Transport};
use crate::osv::api::Query;
use crate::osv::Vulnerability;

/// How the records are fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordPlan {
    /// One `GET /v1/vulns/{id}` per record.
    ById,
    /// One `POST /v1/query` per affected package version, which answers with all of its records at once (following
    /// `next_page_token`); only the records querybatch listed are kept.
    ByPackage,
}

impl RecordPlan {
    /// What one request of the plan fetches, for progress bars: `records` or `package queries`.
    pub fn unit(self) -> &'static str {
        match self {
            Self::ById => "records",
            Self::ByPackage => "package queries",
        }
    }

    /// A short name for the page and for tests' `data-plan`: `by-id` or `by-package`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ById => "by-id",
            Self::ByPackage => "by-package",
        }
    }
}

impl fmt::Display for RecordPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ById => f.write_str("one GET /v1/vulns/{id} per record"),
            Self::ByPackage => f.write_str("one POST /v1/query per affected package"),
        }
    }
}

/// The plan an audit chose, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanSummary {
    /// The plan.
    pub plan: RecordPlan,
    /// Records the cache served.
    pub cached: usize,
    /// Records to fetch.
    pub records: usize,
    /// Package versions those records belong to.
    pub packages: usize,
    /// Requests the plan starts with (pages of `/v1/query` may add some).
    pub requests: usize,
}

/// Chooses the plan for fetching `records` records that belong to `packages` package versions from a server that
/// answers `parallel` requests at once: the one with fewer round trips, where a plan of `n` requests takes
/// `⌈n / parallel⌉` round trips. On a tie, one GET per record wins, because its answers carry exactly the records needed, while a
/// package query also returns records the cache already holds.
///
/// A browser opens 6 HTTP/1.1 connections per host, so 40 records of 5 packages take 7 round trips by ID and 1 by
/// package; 5 records of 5 packages take 1 either way, and go by ID.
pub fn choose(records: usize, packages: usize, parallel: usize) -> RecordPlan {
    let round_trips = |requests: usize| requests.div_ceil(parallel.max(1));
    if round_trips(packages) < round_trips(records) {
        RecordPlan::ByPackage
    } else {
        RecordPlan::ById
    }
}

/// One record fetched or finally failed.
type Answer = (String, Result<Rc<Vulnerability>, LookupError>);

/// A record read from an answer, with its JSON as sent.
type WithJson = (Vulnerability, String);

/// Fetches each of `ids` with `GET /v1/vulns/{id}`, `concurrency` at a time, reporting each as it arrives.
/// Progress counts records. Returns the records fetched, with querybatch's `modified`, for the cache.
pub(super) async fn fetch_by_id<T: Transport>(
    transport: &T,
    settings: &LookupSettings,
    ids: Vec<String>,
    modified: &BTreeMap<String, String>,
    emit: &mut dyn FnMut(AuditEvent),
) -> Vec<CachedRecord> {
    let total = ids.len();
    emit(AuditEvent::RecordProgress { done: 0, total });
    let mut fetched = Vec::new();
    fetch_each(transport, settings, ids, modified, emit, (0, total), &mut fetched).await;
    fetched
}

/// Fetches each of `ids` by ID into `fetched`, reporting each record and the progress, which starts at
/// `(done, total)` of the phase this is part of.
async fn fetch_each<T: Transport>(
    transport: &T,
    settings: &LookupSettings,
    ids: Vec<String>,
    modified: &BTreeMap<String, String>,
    emit: &mut dyn FnMut(AuditEvent),
    (mut done, total): (usize, usize),
    fetched: &mut Vec<CachedRecord>,
) {
    let mut answers = stream::iter(ids.into_iter().map(|id| async move {
        let result = fetch_record(transport, settings, &id).await;
        (id, result)
    }))
    .buffer_unordered(settings.concurrency.max(1));
    while let Some((id, result)) = answers.next().await {
        done += 1;
        let result = result.map(|(record, json)| {
            let record = Rc::new(record);
            fetched.push(cached(&id, &record, json, modified));
            record
        });
        emit(AuditEvent::Record(id, result));
        emit(AuditEvent::RecordProgress { done, total });
    }
}

/// Fetches the records of `packages` with one `POST /v1/query` per package version (each listing the IDs it
/// needs), `concurrency` at a time, following pages. Keeps only the needed IDs. An ID that no query delivered
/// (its queries failed, or a successful answer left it out) is fetched by ID afterwards. Progress counts requests:
/// package queries and their pages, then those fallback fetches.
pub(super) async fn fetch_by_package<T: Transport>(
    transport: &T,
    settings: &LookupSettings,
    packages: Vec<(PackageKey, Vec<String>)>,
    modified: &BTreeMap<String, String>,
    emit: &mut dyn FnMut(AuditEvent),
) -> Vec<CachedRecord> {
    let mut total = packages.len();
    let mut done = 0;
    emit(AuditEvent::RecordProgress { done, total });
    let mut fetched = Vec::new();
    let mut delivered: BTreeSet<String> = BTreeSet::new();
    // The needed IDs no answer has delivered yet.
    let mut undelivered: BTreeSet<String> = BTreeSet::new();
    let mut answers = stream::iter(packages.into_iter().map(|(key, ids)| async move {
        let answer = query_package(transport, settings, &key).await;
        (ids, answer)
    }))
    .buffer_unordered(settings.concurrency.max(1));
    while let Some((ids, answer)) = answers.next().await {
        let mut batch: Vec<Answer> = Vec::new();
        let pages = match answer {
            Ok((records, pages)) => {
                // A package's records are few: a list serves as well as a map, with less code in the page.
                let mut records: Vec<Option<WithJson>> = records.into_iter().map(Some).collect();
                for id in ids {
                    if delivered.contains(&id) {
                        continue;
                    }
                    let found =
                        records.iter_mut().find(|entry| entry.as_ref().is_some_and(|(record, _)| record.id == id));
                    match found.and_then(Option::take) {
                        Some((record, json)) => {
                            let record = Rc::new(record);
                            fetched.push(cached(&id, &record, json, modified));
                            undelivered.remove(&id);
                            delivered.insert(id.clone());
                            batch.push((id, Ok(record)));
                        }
                        // A successful answer without the ID: fetched by ID below.
                        None => {
                            undelivered.insert(id);
                        }
                    }
                }
                pages
            }
            Err((_, pages)) => {
                undelivered.extend(ids.into_iter().filter(|id| !delivered.contains(id)));
                pages
            }
        };
        done += 1 + pages;
        total += pages;
        if !batch.is_empty() {
            emit(AuditEvent::Records(batch));
        }
        emit(AuditEvent::RecordProgress { done, total });
    }
    drop(answers);

    // An ID a successful answer left out, and one whose package query kept failing, get a second chance by ID: a
    // different request, retried on its own, and the record is what the report needs to group aliases and say
    // what to upgrade. The error the report shows, if that fails too, is the by-ID fetch's.
    let missing: Vec<String> = undelivered.into_iter().collect();
    if !missing.is_empty() {
        total += missing.len();
        emit(AuditEvent::RecordProgress { done, total });
        fetch_each(transport, settings, missing, modified, emit, (done, total), &mut fetched).await;
    }
    fetched
}

fn cached(id: &str, record: &Rc<Vulnerability>, json: String, modified: &BTreeMap<String, String>) -> CachedRecord {
    CachedRecord {
        id: id.to_string(),
        modified: modified.get(id).cloned().unwrap_or_else(|| record.modified.clone()),
        record: Rc::clone(record),
        json,
    }
}

/// One page of a `POST /v1/query` answer, with each record's JSON kept as sent.
#[derive(serde::Deserialize)]
struct QueryPage {
    #[serde(default)]
    vulns: Vec<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// Reads a page of `/v1/query`: every record with its JSON. One unreadable record makes the page unreadable.
pub(crate) fn read_query_page(body: &[u8]) -> Result<(Vec<WithJson>, Option<String>), LookupError> {
    let page: QueryPage = read_json(body)?;
    let records = page
        .vulns
        .into_iter()
        .map(|raw| read_json::<Vulnerability>(raw.get().as_bytes()).map(|record| (record, raw.get().to_string())))
        .collect::<Result<_, _>>()?;
    Ok((records, page.next_page_token))
}

/// Every record `POST /v1/query` returns for `key` (with its JSON), following `next_page_token`, and the number of
/// extra pages. A failure of any page fails the whole query (a partial list is not an answer), with the pages sent
/// so far.
async fn query_package<T: Transport>(
    transport: &T,
    settings: &LookupSettings,
    key: &PackageKey,
) -> Result<(Vec<WithJson>, usize), (LookupError, usize)> {
    let version = Some(key.version.as_str()).filter(|version| !version.is_empty());
    let mut records = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = Query::pypi(&key.name, version);
        query.page_token = token.take();
        let carries = queries_in_words(std::slice::from_ref(&query));
        let body = serde_json::to_string(&query).expect("a query always serialises");
        let request = HttpRequest::post_json(settings.endpoint.url("/v1/query"), body, settings.retry.timeout_ms)
            .carrying(carries);
        let (page, next) =
            send_with_retries(transport, &settings.retry, &request, |response| read_query_page(&response.body))
                .await
                .map_err(|error| (error, pages))?;
        records.extend(page);
        match next.filter(|token| !token.is_empty()) {
            Some(_) if pages >= super::osv_online::MAX_PAGES => return Err((too_many_pages(), pages)),
            Some(next) => {
                token = Some(next);
                pages += 1;
            }
            None => return Ok((records, pages)),
        }
    }
}

/// `GET /v1/vulns/{id}`, refusing an answer about another ID. Returns the record and its JSON.
pub(super) async fn fetch_record<T: Transport>(
    transport: &T,
    settings: &LookupSettings,
    id: &str,
) -> Result<WithJson, LookupError> {
    let url = settings.endpoint.url(&format!("/v1/vulns/{}", encode_path_segment(id)));
    let request = HttpRequest::get(url, settings.retry.timeout_ms).carrying(vec![id.to_string()]);
    send_with_retries(transport, &settings.retry, &request, |response| {
        let record: Vulnerability = read_json(&response.body)?;
        if record.id == id {
            Ok((record, response.text()))
        } else {
            Err(LookupError::Malformed(format!("asked for `{id}` but got `{}`", record.id)))
        }
    })
    .await
}
