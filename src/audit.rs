//! The audit's lookups against an OSV API: batched queries with paging, then the full records, with time-outs,
//! retries and bounded concurrency.
//!
//! The code here is pure: it talks to the network only through the [`Transport`] trait, which the browser shell
//! implements with `fetch` and the host tests implement in memory or over a local server, and keeps records
//! between audits only through the [`RecordCache`] trait (IndexedDB in the page).
//!
//! An audit runs in two phases. Querybatch names the records that affect each package version, with their
//! `modified` times; then the records the cache does not hold with that same time are fetched, by the
//! [`RecordPlan`] that needs fewer round trips ([`plan::choose`]), and kept in the cache.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use futures::stream::{self, StreamExt};

pub mod cache;
pub mod plan;
pub mod sent;
mod warm_up;

pub use cache::{CachedRecord, InFront, MemoryCache, NoCache, RecordCache, WithKnown};
pub use plan::{PlanSummary, RecordPlan};
pub use warm_up::{warm_up, Rehearsal, WARM_UP_STEPS};

use crate::matching::CompiledVulnerability;
use crate::osv::api::{BatchResult, Query, QueryBatchRequest, QueryBatchResponse, VulnRef, MAX_BATCH_QUERIES};
use crate::osv::Vulnerability;
use crate::pypi::ReleaseLookup;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST, with a JSON body.
    Post,
}

/// A request to the OSV API. `path` starts with `/v1/`; the transport prefixes the base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// GET or POST.
    pub method: Method,
    /// The path, such as `/v1/querybatch`.
    pub path: String,
    /// The JSON body of a POST.
    pub body: Option<String>,
    /// How long the transport waits for the whole answer.
    pub timeout_ms: u32,
}

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: String,
    /// The `Retry-After` header, when present.
    pub retry_after: Option<String>,
}

/// A body's bytes as text, as `Response.text()` reads them: UTF-8 without a leading byte order mark, with a
/// replacement character for each invalid sequence. (The page reads answers as bytes, which it can copy into the wasm
/// at once, instead of as a JavaScript string that it would have to encode back into UTF-8.)
pub fn body_text(bytes: Vec<u8>) -> String {
    let text = String::from_utf8(bytes).unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// Why a request got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The connection failed (offline, refused, CORS, …).
    Network(String),
    /// No answer within the time-out.
    Timeout,
}

/// How the audit reaches the OSV API.
#[allow(async_fn_in_trait)] // The page runs on one thread; no `Send` bound is wanted.
pub trait Transport {
    /// Sends one request and waits for its whole answer, or for the time-out.
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError>;
    /// Waits `millis` milliseconds.
    async fn sleep(&self, millis: u32);
    /// A random number in `0.0..1.0`, for retry jitter.
    fn random(&self) -> f64;
}

/// Limits and pacing of the lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupSettings {
    /// Queries per querybatch request (at most 1000).
    pub batch_size: usize,
    /// Requests in flight at once. More than a browser's 6 HTTP/1.1 connections per host: the browser queues the
    /// rest and sends each the moment a connection frees, while the page may be busy reading the answers before
    /// (with 6, the next request waited for the page, and a 65-query audit left connections idle for ~300 ms in
    /// all); over HTTP/2, as api.osv.dev speaks, they all go at once.
    pub concurrency: usize,
    /// The requests the server is assumed to answer at once, for choosing the record plan: 6, a browser's HTTP/1.1
    /// connections per host, the worst case.
    pub parallel_answers: usize,
    /// Tries per request, the first included.
    pub max_attempts: u32,
    /// Time-out of one try.
    pub timeout_ms: u32,
    /// The first retry waits about this long; each further retry doubles it.
    pub backoff_ms: u32,
    /// The longest wait between tries, `Retry-After` included.
    pub max_backoff_ms: u32,
    /// How to fetch records; `None` chooses per audit with [`plan::choose`].
    pub record_plan: Option<RecordPlan>,
}

impl Default for LookupSettings {
    fn default() -> Self {
        Self {
            batch_size: MAX_BATCH_QUERIES,
            concurrency: 32,
            parallel_answers: 6,
            max_attempts: 4,
            timeout_ms: 20_000,
            backoff_ms: 250,
            max_backoff_ms: 8_000,
            record_plan: None,
        }
    }
}

/// Why a lookup finally failed. The packages it concerns are reported as unchecked with this reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// The server answered with an error status.
    Status(u16),
    /// No connection.
    Network(String),
    /// No answer in time.
    Timeout,
    /// The answer was not the JSON expected.
    Malformed(String),
    /// The record does not exist.
    NotFound,
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(429) => f.write_str("the OSV API kept answering 429 Too Many Requests"),
            Self::Status(status) => write!(f, "the OSV API answered HTTP {status}"),
            Self::Network(message) => write!(f, "the OSV API could not be reached ({message})"),
            Self::Timeout => f.write_str("the OSV API did not answer in time"),
            Self::Malformed(message) => write!(f, "the OSV API sent an unreadable answer ({message})"),
            Self::NotFound => f.write_str("the OSV API has no such record"),
        }
    }
}

impl LookupError {
    fn is_retryable(&self) -> bool {
        match self {
            Self::Status(status) => *status == 429 || *status >= 500,
            Self::Network(_) | Self::Timeout | Self::Malformed(_) => true,
            Self::NotFound => false,
        }
    }
}

/// A package version to look up: the PEP 503 name and a PEP 440 version. An empty version looks up every record
/// of the package, for range audits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageKey {
    /// Normalised name.
    pub name: String,
    /// Normalised version; empty for every version.
    pub version: String,
}

/// What the audit reports while it runs.
#[derive(Debug, Clone)]
pub enum AuditEvent {
    /// Progress of the querybatch phase, in requests.
    QueryProgress {
        /// Requests answered.
        done: usize,
        /// Requests planned so far (pages add to it).
        total: usize,
    },
    /// Final answers for some packages.
    Queried(Vec<(PackageKey, Result<Vec<VulnRef>, LookupError>)>),
    /// The record phase's plan, once the cache has answered.
    RecordPlan(PlanSummary),
    /// Progress of the record phase, in the plan's requests ([`RecordPlan::unit`]).
    RecordProgress {
        /// Requests answered or finally failed.
        done: usize,
        /// Requests planned so far (pages add to it).
        total: usize,
    },
    /// One record arrived, or finally failed.
    Record(String, Result<Rc<Vulnerability>, LookupError>),
    /// Several records at once: the cache's, or a package query's.
    Records(Vec<(String, Result<Rc<Vulnerability>, LookupError>)>),
    /// The cache failed (storage full, or unavailable); the audit goes on without it.
    CacheFailed(String),
}

/// Everything the lookups learned: the answer for each package and each record.
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    /// The IDs OSV lists for each package version, or why the query failed.
    pub queries: BTreeMap<PackageKey, Result<Vec<VulnRef>, LookupError>>,
    /// The full records, by ID, or why fetching failed.
    pub records: BTreeMap<String, Result<Rc<Vulnerability>, LookupError>>,
    /// The records compiled for matching, once each, by ID.
    pub compiled: BTreeMap<String, Arc<CompiledVulnerability>>,
    /// PyPI release lists, by PEP 503 name, for range audits and fix plans.
    pub releases: BTreeMap<String, ReleaseLookup>,
}

impl Lookups {
    /// Record `id` compiled for matching: the copy compiled when it arrived, or one compiled now for a record that
    /// came another way; `None` while it is missing or failed, and when it is withdrawn.
    pub fn compiled_record(&self, id: &str) -> Option<Arc<CompiledVulnerability>> {
        let record = self.records.get(id)?.as_ref().ok()?;
        if record.is_withdrawn() {
            return None;
        }
        Some(self.compiled.get(id).cloned().unwrap_or_else(|| Arc::new(CompiledVulnerability::new(record))))
    }

    /// Records an event, so that a caller that follows the events holds the same state as [`run`]'s result.
    pub fn apply(&mut self, event: &AuditEvent) {
        match event {
            AuditEvent::Queried(results) => {
                for (key, result) in results {
                    self.queries.insert(key.clone(), result.clone());
                }
            }
            AuditEvent::Record(id, result) => self.add_record(id, result),
            AuditEvent::Records(records) => {
                for (id, result) in records {
                    self.add_record(id, result);
                }
            }
            AuditEvent::QueryProgress { .. }
            | AuditEvent::RecordProgress { .. }
            | AuditEvent::RecordPlan(_)
            | AuditEvent::CacheFailed(_) => {}
        }
    }

    fn add_record(&mut self, id: &str, result: &Result<Rc<Vulnerability>, LookupError>) {
        if let Ok(record) = result {
            self.compiled.insert(id.to_string(), Arc::new(CompiledVulnerability::new(record)));
        }
        self.records.insert(id.to_string(), result.clone());
    }
}

/// Sends `request`, retrying 429, 5xx, network errors, time-outs and unreadable answers with exponential backoff
/// and jitter, honouring `Retry-After`. `read` turns a 200 body into a value.
pub async fn send_with_retries<T, R, F>(
    transport: &T,
    settings: &LookupSettings,
    request: &HttpRequest,
    read: F,
) -> Result<R, LookupError>
where
    T: Transport,
    F: Fn(&str) -> Result<R, LookupError>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (error, retry_after) = match transport.send(request).await {
            Ok(response) if response.status == 200 => match read(&response.body) {
                Ok(value) => return Ok(value),
                Err(error) => (error, None),
            },
            Ok(response) if response.status == 404 => return Err(LookupError::NotFound),
            Ok(response) => (LookupError::Status(response.status), response.retry_after),
            Err(TransportError::Timeout) => (LookupError::Timeout, None),
            Err(TransportError::Network(message)) => (LookupError::Network(message), None),
        };
        if !error.is_retryable() || attempt >= settings.max_attempts {
            return Err(error);
        }
        transport.sleep(backoff_ms(transport, settings, attempt, retry_after.as_deref())).await;
    }
}

/// The wait before retry number `attempt`: `Retry-After` when the server gave seconds, otherwise exponential
/// backoff with "equal jitter" (half fixed, half random), capped.
fn backoff_ms<T: Transport>(transport: &T, settings: &LookupSettings, attempt: u32, retry_after: Option<&str>) -> u32 {
    if let Some(seconds) = retry_after.and_then(|value| value.trim().parse::<f64>().ok()) {
        if seconds.is_finite() && seconds >= 0.0 {
            return ((seconds * 1000.0) as u32).min(settings.max_backoff_ms);
        }
    }
    let exponential = settings.backoff_ms.saturating_mul(1 << (attempt - 1).min(16)).min(settings.max_backoff_ms);
    let half = exponential / 2;
    half + (f64::from(half) * transport.random()) as u32
}

pub(crate) fn read_json<R: serde::de::DeserializeOwned>(body: &str) -> Result<R, LookupError> {
    serde_json::from_str(body).map_err(|error| LookupError::Malformed(error.to_string()))
}

/// Looks up every package with querybatch, following pages, then fetches every listed record once, without a
/// cache. Events go to `on_event` as answers arrive; the return value holds the same information.
pub async fn run<T: Transport>(
    transport: &T,
    packages: &[PackageKey],
    settings: &LookupSettings,
    on_event: &mut dyn FnMut(AuditEvent),
) -> Lookups {
    run_with_cache(transport, &NoCache, packages, settings, on_event).await
}

/// Like [`run`], consulting `cache` with querybatch's (ID, `modified`) pairs: only records it lacks, or keeps with
/// another `modified`, are fetched, and those are stored in it. When the cache fails, the audit reports
/// [`AuditEvent::CacheFailed`] and goes on without it.
pub async fn run_with_cache<T: Transport, C: RecordCache>(
    transport: &T,
    cache: &C,
    packages: &[PackageKey],
    settings: &LookupSettings,
    on_event: &mut dyn FnMut(AuditEvent),
) -> Lookups {
    let (lookups, unsaved) = look_up_with_cache(transport, cache, packages, settings, on_event).await;
    unsaved.save(cache, on_event).await;
    lookups
}

/// Records fetched by an audit that the cache does not keep yet.
#[must_use = "the records are kept only once saved"]
pub struct Unsaved(Vec<CachedRecord>);

impl Unsaved {
    /// Stores the records in `cache`; a failure is reported as [`AuditEvent::CacheFailed`].
    pub async fn save<C: RecordCache>(self, cache: &C, on_event: &mut dyn FnMut(AuditEvent)) {
        if self.0.is_empty() {
            return;
        }
        if let Err(reason) = cache.store(&self.0).await {
            on_event(AuditEvent::CacheFailed(reason));
        }
    }
}

/// [`run_with_cache`] without the saving: the lookups, and the fetched records for the caller to save when it
/// suits it (the page saves them after the report is shown).
pub async fn look_up_with_cache<T: Transport, C: RecordCache>(
    transport: &T,
    cache: &C,
    packages: &[PackageKey],
    settings: &LookupSettings,
    on_event: &mut dyn FnMut(AuditEvent),
) -> (Lookups, Unsaved) {
    let mut lookups = Lookups::default();
    let mut emit = |event: AuditEvent| {
        lookups.apply(&event);
        on_event(event);
    };

    let unique: Vec<PackageKey> = packages.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
    let chunks: Vec<Vec<PackageKey>> =
        unique.chunks(settings.batch_size.clamp(1, MAX_BATCH_QUERIES)).map(<[_]>::to_vec).collect();
    let mut total = chunks.len();
    let mut done = 0;
    emit(AuditEvent::QueryProgress { done, total });

    // What querybatch listed: each package version's IDs, and each ID's `modified`.
    let mut listed: Vec<(PackageKey, Vec<String>)> = Vec::new();
    let mut modified: BTreeMap<String, String> = BTreeMap::new();
    let mut answers = stream::iter(chunks.into_iter().map(|chunk| query_chunk(transport, settings, chunk)))
        .buffer_unordered(settings.concurrency.max(1));
    while let Some((results, pages)) = answers.next().await {
        done += 1 + pages;
        total += pages;
        for (key, result) in &results {
            if let Ok(vulns) = result {
                for vuln in vulns {
                    modified.entry(vuln.id.clone()).or_insert_with(|| vuln.modified.clone());
                }
                if !vulns.is_empty() {
                    listed.push((key.clone(), vulns.iter().map(|vuln| vuln.id.clone()).collect()));
                }
            }
        }
        emit(AuditEvent::Queried(results));
        emit(AuditEvent::QueryProgress { done, total });
    }
    drop(answers);

    // A record listed without a `modified` time cannot be checked for freshness, so it is always fetched.
    let wanted: Vec<VulnRef> = modified
        .iter()
        .filter(|(_, modified)| !modified.is_empty())
        .map(|(id, modified)| VulnRef { id: id.clone(), modified: modified.clone() })
        .collect();
    let mut cache_works = true;
    let loaded = if wanted.is_empty() { Ok(BTreeMap::new()) } else { cache.load(&wanted).await };
    let hits: Vec<(String, Rc<Vulnerability>)> = match loaded {
        // A cache entry under the wrong ID is not an answer.
        Ok(found) => found.into_iter().filter(|(id, record)| modified.contains_key(id) && record.id == *id).collect(),
        Err(reason) => {
            cache_works = false;
            emit(AuditEvent::CacheFailed(reason));
            Vec::new()
        }
    };
    let cached: BTreeSet<String> = hits.iter().map(|(id, _)| id.clone()).collect();
    if !hits.is_empty() {
        emit(AuditEvent::Records(hits.into_iter().map(|(id, record)| (id, Ok(record))).collect()));
    }

    let needed: Vec<String> = modified.keys().filter(|id| !cached.contains(*id)).cloned().collect();
    let packages: Vec<(PackageKey, Vec<String>)> = listed
        .into_iter()
        .filter_map(|(key, ids)| {
            let ids: Vec<String> = ids.into_iter().filter(|id| !cached.contains(id)).collect();
            (!ids.is_empty()).then_some((key, ids))
        })
        .collect();
    let plan =
        settings.record_plan.unwrap_or_else(|| plan::choose(needed.len(), packages.len(), settings.parallel_answers));
    let requests = match plan {
        RecordPlan::ById => needed.len(),
        RecordPlan::ByPackage => packages.len(),
    };
    emit(AuditEvent::RecordPlan(PlanSummary {
        plan,
        cached: cached.len(),
        records: needed.len(),
        packages: packages.len(),
        requests,
    }));
    let fetched = match plan {
        RecordPlan::ById => plan::fetch_by_id(transport, settings, needed, &modified, &mut emit).await,
        RecordPlan::ByPackage => plan::fetch_by_package(transport, settings, packages, &modified, &mut emit).await,
    };
    let unsaved = Unsaved(if cache_works { fetched } else { Vec::new() });
    (lookups, unsaved)
}

/// Runs one chunk of queries, following `next_page_token` until every query is complete. Returns the results and
/// the number of extra page requests that were needed.
async fn query_chunk<T: Transport>(
    transport: &T,
    settings: &LookupSettings,
    chunk: Vec<PackageKey>,
) -> (Vec<(PackageKey, Result<Vec<VulnRef>, LookupError>)>, usize) {
    let mut collected: Vec<Vec<VulnRef>> = vec![Vec::new(); chunk.len()];
    let mut pending: Vec<(usize, Option<String>)> = (0..chunk.len()).map(|index| (index, None)).collect();
    let mut pages = 0;
    loop {
        let queries = pending
            .iter()
            .map(|(index, token)| {
                // An empty version asks for every record of the package (range audits).
                let version = Some(chunk[*index].version.as_str()).filter(|version| !version.is_empty());
                let mut query = Query::pypi(&chunk[*index].name, version);
                query.page_token = token.clone();
                query
            })
            .collect();
        let body = serde_json::to_string(&QueryBatchRequest { queries }).expect("a query batch always serialises");
        let request = HttpRequest {
            method: Method::Post,
            path: "/v1/querybatch".into(),
            body: Some(body),
            timeout_ms: settings.timeout_ms,
        };
        let expected = pending.len();
        let answer = send_with_retries(transport, settings, &request, |body| {
            let answer: QueryBatchResponse = read_json(body)?;
            if answer.results.len() == expected {
                Ok(answer.results)
            } else {
                Err(LookupError::Malformed(format!("{} results for {expected} queries", answer.results.len())))
            }
        })
        .await;
        match answer {
            Ok(results) => {
                let mut next = Vec::new();
                for ((index, _), BatchResult { vulns, next_page_token }) in pending.iter().zip(results) {
                    collected[*index].extend(vulns);
                    if let Some(token) = next_page_token.filter(|token| !token.is_empty()) {
                        next.push((*index, Some(token)));
                    }
                }
                if next.is_empty() {
                    let results =
                        chunk.into_iter().zip(collected).map(|(key, vulns)| (key, Ok(dedup(vulns)))).collect();
                    return (results, pages);
                }
                pending = next;
                pages += 1;
            }
            Err(error) => {
                // Packages whose earlier pages arrived are still incomplete: a partial list is not an answer.
                let results = chunk.into_iter().map(|key| (key, Err(error.clone()))).collect();
                return (results, pages);
            }
        }
    }
}

fn dedup(mut vulns: Vec<VulnRef>) -> Vec<VulnRef> {
    let mut seen = BTreeSet::new();
    vulns.retain(|vuln| seen.insert(vuln.id.clone()));
    vulns
}

/// Percent-encodes everything but unreserved characters, so that an ID from an answer cannot change the path.
pub(crate) fn encode_path_segment(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests;
