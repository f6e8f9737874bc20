//! The OSV API as the audit's [`OsvService`]: querybatch with paging, then the records the cache lacks, by the
//! [`RecordPlan`] that needs fewer round trips ([`plan::choose`]), with time-outs, retries and bounded concurrency.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use futures::stream::{self, StreamExt};

use super::cache::{CachedRecord, InFront, RecordCache, WithKnown};
use super::plan::{self, PlanSummary, RecordPlan};
use super::{AtHand, AuditEvent, LookupError, Lookups, OsvService, PackageKey};
use crate::http::{read_json, send_with_retries, Endpoint, HttpRequest, RetryPolicy, Transport};
use crate::osv::api::{BatchResult, Query, QueryBatchRequest, QueryBatchResponse, VulnRef, MAX_BATCH_QUERIES};
use crate::osv::Vulnerability;

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
    /// Tries, time-outs and backoff of each request.
    pub retry: RetryPolicy,
    /// How to fetch records; `None` chooses per audit with [`plan::choose`].
    pub record_plan: Option<RecordPlan>,
    /// The OSV API.
    pub endpoint: Endpoint,
}

impl Default for LookupSettings {
    fn default() -> Self {
        Self {
            batch_size: MAX_BATCH_QUERIES,
            concurrency: 32,
            parallel_answers: 6,
            retry: RetryPolicy::default(),
            record_plan: None,
            endpoint: Endpoint::new(crate::osv::DEFAULT_ENDPOINT),
        }
    }
}

/// The OSV API reached over `transport`, with `cache` (when on) for the records between audits.
pub struct OnlineOsv<'a, T, C> {
    /// How requests reach the API.
    pub transport: &'a T,
    /// The record cache; `None` when switched off or broken.
    pub cache: Option<&'a C>,
    /// The endpoint, limits and pacing.
    pub settings: LookupSettings,
}

impl<T: Transport, C: RecordCache> OsvService for OnlineOsv<'_, T, C> {
    async fn look_up(
        &self,
        packages: &[PackageKey],
        at_hand: &AtHand,
        on_event: &mut dyn FnMut(AuditEvent),
    ) -> (Lookups, Unsaved) {
        // The records at hand are served first: those of a retried report whatever their `modified`, then those of
        // the last report while querybatch lists the same `modified`; then the cache.
        let in_front = InFront { front: &at_hand.last_report, back: &self.cache };
        let cache = WithKnown { known: at_hand.retried.clone(), inner: &in_front };
        let (lookups, unsaved) = look_up_with_cache(self.transport, &cache, packages, &self.settings, on_event).await;
        (lookups, if self.cache.is_some() { unsaved } else { Unsaved::default() })
    }
}

/// Records fetched by an audit that the cache does not keep yet.
#[must_use = "the records are kept only once saved"]
#[derive(Default)]
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

/// Looks up every package with querybatch, following pages, consulting `cache` with querybatch's (ID, `modified`)
/// pairs, then fetches the records it lacks (or keeps with another `modified`) once each. Returns the lookups and
/// the fetched records, for the caller to save when it suits it (the page saves them after the report is shown).
/// When the cache fails, the audit reports [`AuditEvent::CacheFailed`] and goes on without it.
async fn look_up_with_cache<T: Transport, C: RecordCache>(
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

    let unique: Vec<PackageKey> = crate::sorting::set_of(packages.iter().cloned()).into_iter().collect();
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
    let cached: BTreeSet<String> = crate::sorting::set_of(hits.iter().map(|(id, _)| id.clone()));
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
        let queries: Vec<Query> = pending
            .iter()
            .map(|(index, token)| {
                // An empty version asks for every record of the package (range audits).
                let version = Some(chunk[*index].version.as_str()).filter(|version| !version.is_empty());
                let mut query = Query::pypi(&chunk[*index].name, version);
                query.page_token = token.clone();
                query
            })
            .collect();
        let carries = queries_in_words(&queries);
        let body = serde_json::to_string(&QueryBatchRequest { queries }).expect("a query batch always serialises");
        let request = HttpRequest::post_json(settings.endpoint.url("/v1/querybatch"), body, settings.retry.timeout_ms)
            .carrying(carries);
        let expected = pending.len();
        let answer = send_with_retries(transport, &settings.retry, &request, |response| {
            let answer: QueryBatchResponse = read_json(&response.body)?;
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
                if next.is_empty() || pages >= MAX_PAGES {
                    // A query still paging after the cap is unchecked: a partial list is not an answer.
                    let unfinished: Vec<usize> = next.iter().map(|(index, _)| *index).collect();
                    let results = chunk
                        .into_iter()
                        .zip(collected)
                        .enumerate()
                        .map(|(index, (key, vulns))| match unfinished.contains(&index) {
                            true => (key, Err(too_many_pages())),
                            false => (key, Ok(dedup(vulns))),
                        })
                        .collect();
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

/// The most extra pages followed for one query: an API that always sends another `next_page_token` is stopped.
pub const MAX_PAGES: usize = 100;

/// Why a query that kept paging past [`MAX_PAGES`] has no answer.
pub(crate) fn too_many_pages() -> LookupError {
    LookupError::Malformed(format!("the answer went on past {MAX_PAGES} pages, so it was not followed further"))
}

/// What queries carry, in words: `name version`, or `name, every version`, and whether a page follows.
pub(crate) fn queries_in_words(queries: &[Query]) -> Vec<String> {
    queries
        .iter()
        .map(|query| {
            let name = query.package.as_ref().map_or("(no package)", |package| package.name.as_str());
            let mut line = match query.version.as_deref() {
                Some(version) => format!("{name} {version}"),
                None => format!("{name}, every version"),
            };
            if query.page_token.is_some() {
                line.push_str(" (next page)");
            }
            line
        })
        .collect()
}

fn dedup(mut vulns: Vec<VulnRef>) -> Vec<VulnRef> {
    let mut seen = BTreeSet::new();
    vulns.retain(|vuln| seen.insert(vuln.id.clone()));
    vulns
}
