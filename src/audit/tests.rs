use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use futures::executor::block_on;

use super::*;
use crate::graph::facts::{GraphFacts, GraphQuestion};
use crate::http::{encode_path_segment, HttpRequest, HttpResponse, Method, RetryPolicy, Transport, TransportError};
use crate::osv::api::VulnRef;
use crate::osv::database::Database;
use crate::resolve::ResolvedSet;

/// The OSV phase over `transport` without a cache.
async fn run(
    transport: &TestTransport,
    packages: &[PackageKey],
    settings: &LookupSettings,
    on_event: &mut dyn FnMut(AuditEvent),
) -> Lookups {
    let osv = OnlineOsv { transport, cache: None::<&NoCache>, settings: settings.clone() };
    osv.look_up(packages, &AtHand::default(), on_event).await.0
}

/// The OSV phase over `transport` with `cache`, whose fetched records are then saved in it.
async fn run_with_cache<C: RecordCache>(
    transport: &TestTransport,
    cache: &C,
    packages: &[PackageKey],
    settings: &LookupSettings,
    on_event: &mut dyn FnMut(AuditEvent),
) -> Lookups {
    let osv = OnlineOsv { transport, cache: Some(cache), settings: settings.clone() };
    let (lookups, unsaved) = osv.look_up(packages, &AtHand::default(), on_event).await;
    unsaved.save(cache, on_event).await;
    lookups
}

/// A transport answered by the in-memory database, with scripted answers served first.
struct TestTransport {
    database: Database,
    scripted: RefCell<VecDeque<Result<HttpResponse, TransportError>>>,
    sent: RefCell<Vec<HttpRequest>>,
    slept: RefCell<Vec<u32>>,
}

impl TestTransport {
    fn new(database: Database) -> Self {
        Self { database, scripted: RefCell::default(), sent: RefCell::default(), slept: RefCell::default() }
    }

    fn answer_next(&self, answer: Result<HttpResponse, TransportError>) {
        self.scripted.borrow_mut().push_back(answer);
    }
}

impl Transport for TestTransport {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.borrow_mut().push(request.clone());
        if let Some(answer) = self.scripted.borrow_mut().pop_front() {
            return answer;
        }
        let answer =
            self.database.handle(request.method.as_str(), path_of(request), request.body.as_deref().unwrap_or(""));
        Ok(HttpResponse::new(answer.status, answer.body))
    }

    async fn sleep(&self, millis: u32) {
        self.slept.borrow_mut().push(millis);
    }

    fn random(&self) -> f64 {
        0.5
    }
}

/// The path of a request to the default endpoint.
fn path_of(request: &HttpRequest) -> &str {
    request.url.strip_prefix(crate::osv::DEFAULT_ENDPOINT).expect("requests go to the default endpoint")
}

fn status(status: u16, retry_after: Option<&str>) -> Result<HttpResponse, TransportError> {
    let response = HttpResponse::new(status, "");
    Ok(match retry_after {
        Some(value) => response.with_header("Retry-After", value),
        None => response,
    })
}

fn ok(body: &str) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse::new(200, body))
}

fn database() -> Database {
    let records = [
        r#"{"id":"T-1","modified":"m1","affected":[{"package":{"ecosystem":"PyPI","name":"alpha"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0"}]}]}]}"#,
        r#"{"id":"T-2","modified":"m2","affected":[{"package":{"ecosystem":"PyPI","name":"alpha"},"versions":["1.0"]}]}"#,
        r#"{"id":"T-3","modified":"m3","affected":[{"package":{"ecosystem":"PyPI","name":"beta"},"versions":["0.5"]}]}"#,
    ];
    Database::new(records.iter().map(|json| serde_json::from_str(json).expect("test records are valid")))
}

fn key(name: &str, version: &str) -> PackageKey {
    PackageKey { name: name.into(), version: version.into() }
}

fn ids(lookups: &Lookups, package: &PackageKey) -> Vec<String> {
    lookups.queries[package].as_ref().expect("lookup succeeded").iter().map(|vuln| vuln.id.clone()).collect()
}

#[test]
fn queries_are_batched_deduplicated_and_records_fetched_once() {
    let transport = TestTransport::new(database());
    let packages = [key("alpha", "1.0"), key("beta", "0.5"), key("alpha", "1.0"), key("gamma", "1.0")];
    let settings = LookupSettings { batch_size: 2, ..LookupSettings::default() };
    let lookups = block_on(run(&transport, &packages, &settings, &mut |_| {}));

    assert_eq!(ids(&lookups, &key("alpha", "1.0")), ["T-1", "T-2"]);
    assert_eq!(ids(&lookups, &key("beta", "0.5")), ["T-3"]);
    assert!(ids(&lookups, &key("gamma", "1.0")).is_empty());
    let sent = transport.sent.borrow();
    let batches = sent.iter().filter(|request| path_of(request) == "/v1/querybatch").count();
    let gets = sent.iter().filter(|request| request.method == Method::Get).count();
    assert_eq!(batches, 2, "three distinct packages in batches of two");
    assert_eq!(gets, 3, "each distinct record once");
    assert!(lookups.records.values().all(Result::is_ok));
}

#[test]
fn pages_are_followed_until_no_token_is_left() {
    let mut database = database();
    database.page_size = Some(1);
    let transport = TestTransport::new(database);
    let mut progress = Vec::new();
    let packages = [key("alpha", "1.0"), key("beta", "0.5")];
    let lookups = block_on(run(&transport, &packages, &LookupSettings::default(), &mut |event| {
        if let AuditEvent::QueryProgress { done, total } = event {
            progress.push((done, total));
        }
    }));
    assert_eq!(ids(&lookups, &key("alpha", "1.0")), ["T-1", "T-2"]);
    assert_eq!(ids(&lookups, &key("beta", "0.5")), ["T-3"]);
    let second = &transport.sent.borrow()[1];
    let body = second.body.as_deref().expect("a POST body");
    assert!(body.contains(r#""page_token":"page:1""#), "{body}");
    assert!(!body.contains("beta"), "only the query with a token is sent again: {body}");
    assert_eq!(progress.last(), Some(&(2, 2)));
}

#[test]
fn server_errors_and_429_are_retried_with_backoff_and_retry_after() {
    let transport = TestTransport::new(database());
    transport.answer_next(status(503, None));
    transport.answer_next(status(429, Some("3")));
    transport.answer_next(Err(TransportError::Timeout));
    let lookups = block_on(run(&transport, &[key("beta", "0.5")], &LookupSettings::default(), &mut |_| {}));
    assert_eq!(ids(&lookups, &key("beta", "0.5")), ["T-3"]);
    // 250 ms, then Retry-After's 3 s, then 1000 ms: each with equal jitter (random = 0.5) but the server's wait.
    assert_eq!(*transport.slept.borrow(), [187, 3000, 750]);
}

#[test]
fn a_lookup_that_keeps_failing_is_an_error_never_an_empty_answer() {
    let transport = TestTransport::new(database());
    for _ in 0..4 {
        transport.answer_next(status(503, None));
    }
    let lookups = block_on(run(&transport, &[key("alpha", "1.0")], &LookupSettings::default(), &mut |_| {}));
    assert_eq!(lookups.queries[&key("alpha", "1.0")], Err(LookupError::Status(503)));
    assert!(lookups.records.is_empty());
}

#[test]
fn client_errors_are_not_retried() {
    let transport = TestTransport::new(database());
    transport.answer_next(status(400, None));
    let lookups = block_on(run(&transport, &[key("alpha", "1.0")], &LookupSettings::default(), &mut |_| {}));
    assert_eq!(lookups.queries[&key("alpha", "1.0")], Err(LookupError::Status(400)));
    assert_eq!(transport.sent.borrow().len(), 1);
}

#[test]
fn malformed_json_is_retried_then_reported() {
    let transport = TestTransport::new(database());
    for _ in 0..4 {
        transport.answer_next(ok("{\"results\":["));
    }
    let lookups = block_on(run(&transport, &[key("alpha", "1.0")], &LookupSettings::default(), &mut |_| {}));
    assert!(matches!(lookups.queries[&key("alpha", "1.0")], Err(LookupError::Malformed(_))));
}

#[test]
fn a_batch_answer_with_the_wrong_number_of_results_is_malformed() {
    let transport = TestTransport::new(database());
    let settings = LookupSettings {
        retry: RetryPolicy { max_attempts: 1, ..RetryPolicy::default() },
        ..LookupSettings::default()
    };
    transport.answer_next(ok(r#"{"results":[{}]}"#));
    let lookups = block_on(run(&transport, &[key("alpha", "1.0"), key("beta", "0.5")], &settings, &mut |_| {}));
    assert!(lookups.queries.values().all(|result| matches!(result, Err(LookupError::Malformed(_)))));
}

#[test]
fn a_record_whose_id_differs_from_the_request_is_refused() {
    let transport = TestTransport::new(database());
    let settings = LookupSettings {
        retry: RetryPolicy { max_attempts: 1, ..RetryPolicy::default() },
        ..LookupSettings::default()
    };
    let batch = transport.database.handle(
        "POST",
        "/v1/querybatch",
        r#"{"queries":[{"package":{"name":"beta","ecosystem":"PyPI"},"version":"0.5"}]}"#,
    );
    transport.answer_next(ok(&batch.body));
    transport.answer_next(ok(r#"{"id":"T-999","modified":"x"}"#));
    let lookups = block_on(run(&transport, &[key("beta", "0.5")], &settings, &mut |_| {}));
    assert!(matches!(&lookups.records["T-3"], Err(LookupError::Malformed(message)) if message.contains("T-999")));
}

#[test]
fn events_rebuild_the_same_lookups_as_the_result() {
    let transport = TestTransport::new(database());
    let mut followed = Lookups::default();
    let lookups = block_on(run(&transport, &[key("alpha", "1.0")], &LookupSettings::default(), &mut |event| {
        followed.apply(&event)
    }));
    assert_eq!(followed.queries, lookups.queries);
    assert_eq!(followed.records.keys().collect::<Vec<_>>(), lookups.records.keys().collect::<Vec<_>>());
}

#[test]
fn record_ids_are_percent_encoded_in_the_path() {
    assert_eq!(encode_path_segment("PYSEC-2021-1"), "PYSEC-2021-1");
    assert_eq!(encode_path_segment("../x?y"), "..%2Fx%3Fy");
}

fn record_json(id: &str, modified: &str, package: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"{modified}","affected":[{{"package":{{"ecosystem":"PyPI","name":"{package}"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"9.0"}}]}}]}}]}}"#
    )
}

fn database_of(records: &[String]) -> Database {
    Database::new(records.iter().map(|json| serde_json::from_str(json).expect("test records are valid")))
}

/// Requests with this method to `path`, or under it when it ends with `/`.
fn count(transport: &TestTransport, method: Method, path: &str) -> usize {
    let matches = |sent: &str| sent == path || (path.ends_with('/') && sent.starts_with(path));
    transport.sent.borrow().iter().filter(|request| request.method == method && matches(path_of(request))).count()
}

fn plans(events: &[AuditEvent]) -> Vec<PlanSummary> {
    events
        .iter()
        .filter_map(|event| if let AuditEvent::RecordPlan(plan) = event { Some(*plan) } else { None })
        .collect()
}

#[test]
fn a_warm_re_audit_sends_one_querybatch_and_no_record_fetch() {
    let cache = MemoryCache::default();
    let packages = [key("alpha", "1.0"), key("beta", "0.5")];
    let cold = TestTransport::new(database());
    let first = block_on(run_with_cache(&cold, &cache, &packages, &LookupSettings::default(), &mut |_| {}));
    assert_eq!(count(&cold, Method::Get, "/v1/vulns/"), 3);
    assert_eq!(cache.len(), 3);
    assert_eq!(cache.modified("T-1").as_deref(), Some("m1"));

    let warm = TestTransport::new(database());
    let mut events = Vec::new();
    let second =
        block_on(run_with_cache(&warm, &cache, &packages, &LookupSettings::default(), &mut |event| events.push(event)));
    let sent: Vec<String> = warm.sent.borrow().iter().map(|request| path_of(request).to_string()).collect();
    assert_eq!(sent, ["/v1/querybatch"], "exactly one request in all");
    assert_eq!(second.queries, first.queries);
    assert_eq!(second.records.keys().collect::<Vec<_>>(), ["T-1", "T-2", "T-3"]);
    assert!(second.records.values().all(Result::is_ok));
    assert_eq!(plans(&events)[0].cached, 3);
    assert_eq!(plans(&events)[0].requests, 0);
}

#[test]
fn a_thousand_packages_re_audit_from_the_cache_with_one_request() {
    let records: Vec<String> =
        (0..1000).map(|index| record_json(&format!("T-{index}"), "m", &format!("p{index}"))).collect();
    let packages: Vec<PackageKey> = (0..1000).map(|index| key(&format!("p{index}"), "1.0")).collect();
    let cache = MemoryCache::default();
    let cold = TestTransport::new(database_of(&records));
    block_on(run_with_cache(&cold, &cache, &packages, &LookupSettings::default(), &mut |_| {}));
    assert_eq!(cache.len(), 1000);
    let warm = TestTransport::new(database_of(&records));
    let lookups = block_on(run_with_cache(&warm, &cache, &packages, &LookupSettings::default(), &mut |_| {}));
    assert_eq!(warm.sent.borrow().len(), 1);
    assert_eq!(lookups.records.values().filter(|result| result.is_ok()).count(), 1000);
}

#[test]
fn a_changed_modified_time_refetches_only_that_record() {
    let cache = MemoryCache::default();
    let packages = [key("alpha", "1.0")];
    let first = [record_json("T-1", "m1", "alpha"), record_json("T-2", "m2", "alpha")];
    block_on(run_with_cache(
        &TestTransport::new(database_of(&first)),
        &cache,
        &packages,
        &LookupSettings::default(),
        &mut |_| {},
    ));
    let changed = [record_json("T-1", "m1-later", "alpha"), record_json("T-2", "m2", "alpha")];
    let transport = TestTransport::new(database_of(&changed));
    let lookups = block_on(run_with_cache(&transport, &cache, &packages, &LookupSettings::default(), &mut |_| {}));
    let gets: Vec<String> = transport
        .sent
        .borrow()
        .iter()
        .filter(|request| request.method == Method::Get)
        .map(|request| path_of(request).to_string())
        .collect();
    assert_eq!(gets, ["/v1/vulns/T-1"]);
    assert_eq!(lookups.records["T-1"].as_ref().expect("fetched").modified, "m1-later");
    assert_eq!(cache.modified("T-1").as_deref(), Some("m1-later"), "the new copy replaced the old one");
}

/// A cache whose reads or writes fail, as IndexedDB does when the disk is full.
struct FailingCache {
    load_fails: bool,
}

impl RecordCache for FailingCache {
    async fn load(&self, _wanted: &[VulnRef]) -> Result<BTreeMap<String, Rc<Vulnerability>>, String> {
        if self.load_fails {
            Err("unavailable".into())
        } else {
            Ok(BTreeMap::new())
        }
    }

    async fn store(&self, _records: &[CachedRecord]) -> Result<(), String> {
        Err("the browser's storage is full".into())
    }
}

#[test]
fn a_failing_cache_is_reported_and_the_audit_goes_on() {
    for load_fails in [false, true] {
        let transport = TestTransport::new(database());
        let mut failures = Vec::new();
        let lookups = block_on(run_with_cache(
            &transport,
            &FailingCache { load_fails },
            &[key("alpha", "1.0")],
            &LookupSettings::default(),
            &mut |event| {
                if let AuditEvent::CacheFailed(reason) = event {
                    failures.push(reason);
                }
            },
        ));
        assert_eq!(failures.len(), 1, "one report, then the cache is left alone: {failures:?}");
        assert_eq!(ids(&lookups, &key("alpha", "1.0")), ["T-1", "T-2"]);
        assert!(lookups.records.values().all(Result::is_ok));
    }
}

#[test]
fn records_at_hand_are_not_fetched_again() {
    let database = database();
    let first = Rc::new(database.get("T-1").expect("T-1 exists").as_ref().clone());
    let known = BTreeMap::from([("T-1".to_string(), first)]);
    let transport = TestTransport::new(database);
    let cache = WithKnown { known, inner: &NoCache };
    let lookups =
        block_on(run_with_cache(&transport, &cache, &[key("alpha", "1.0")], &LookupSettings::default(), &mut |_| {}));
    assert_eq!(count(&transport, Method::Get, "/v1/vulns/T-1"), 0);
    assert_eq!(count(&transport, Method::Get, "/v1/vulns/T-2"), 1);
    assert!(lookups.records["T-1"].is_ok());
}

#[test]
fn an_audit_again_reuses_the_records_of_the_last_one_while_querybatch_lists_the_same_time() {
    let transport = TestTransport::new(database());
    let packages = [key("alpha", "1.0")];
    let first = block_on(run(&transport, &packages, &LookupSettings::default(), &mut |_| {}));
    let sent_first = transport.sent.borrow().len();
    let earlier = MemoryCache::of_lookups(&first);
    assert_eq!(earlier.len(), 2);
    let cache = InFront { front: &earlier, back: &NoCache };
    let again = block_on(run_with_cache(&transport, &cache, &packages, &LookupSettings::default(), &mut |_| {}));
    assert_eq!(transport.sent.borrow().len() - sent_first, 1, "only querybatch");
    assert_eq!(again.records.keys().collect::<Vec<_>>(), first.records.keys().collect::<Vec<_>>());

    // A record kept with another time than querybatch now lists is fetched again.
    let mut kept = first.clone();
    for vulns in kept.queries.values_mut().filter_map(|result| result.as_mut().ok()) {
        for vuln in vulns.iter_mut().filter(|vuln| vuln.id == "T-1") {
            vuln.modified = "1999-01-01T00:00:00Z".into();
        }
    }
    let older = MemoryCache::of_lookups(&kept);
    let cache = InFront { front: &older, back: &NoCache };
    let before = transport.sent.borrow().len();
    block_on(run_with_cache(&transport, &cache, &packages, &LookupSettings::default(), &mut |_| {}));
    assert_eq!(transport.sent.borrow().len() - before, 2, "querybatch and T-1 again");
}

#[test]
fn the_plan_with_fewer_round_trips_wins_and_ties_go_by_id() {
    assert_eq!(plan::choose(40, 5, 6), RecordPlan::ByPackage, "7 round trips against 1");
    assert_eq!(plan::choose(7, 1, 6), RecordPlan::ByPackage, "2 against 1");
    assert_eq!(plan::choose(6, 1, 6), RecordPlan::ById, "1 against 1");
    assert_eq!(plan::choose(5, 5, 6), RecordPlan::ById);
    assert_eq!(plan::choose(13, 12, 6), RecordPlan::ByPackage, "3 against 2");
    assert_eq!(plan::choose(12, 12, 6), RecordPlan::ById, "2 against 2");
    assert_eq!(plan::choose(0, 0, 6), RecordPlan::ById);
    assert_eq!(plan::choose(3, 1, 0), RecordPlan::ByPackage, "a parallelism of 0 counts as 1");
}

#[test]
fn many_records_in_few_packages_are_fetched_by_package() {
    let mut records: Vec<String> = (0..9).map(|index| record_json(&format!("A-{index}"), "m", "alpha")).collect();
    records.push(record_json("B-1", "m", "beta"));
    let transport = TestTransport::new(database_of(&records));
    let mut events = Vec::new();
    let packages = [key("alpha", "1.0"), key("beta", "1.0"), key("gamma", "1.0")];
    let lookups = block_on(run(&transport, &packages, &LookupSettings::default(), &mut |event| events.push(event)));
    let plan = plans(&events)[0];
    assert_eq!(plan, PlanSummary { plan: RecordPlan::ByPackage, cached: 0, records: 10, packages: 2, requests: 2 });
    assert_eq!(count(&transport, Method::Post, "/v1/query"), 2, "one query per affected package, none for gamma");
    assert_eq!(count(&transport, Method::Get, "/v1/vulns/"), 0);
    assert_eq!(lookups.records.len(), 10);
    assert!(lookups.records.values().all(Result::is_ok));
    let last = events.iter().rev().find_map(|event| match event {
        AuditEvent::RecordProgress { done, total } => Some((*done, *total)),
        _ => None,
    });
    assert_eq!(last, Some((2, 2)), "progress counts package queries");
}

#[test]
fn package_queries_follow_pages_and_keep_only_the_listed_records() {
    let mut database = database();
    database.page_size = Some(1);
    let transport = TestTransport::new(database);
    let settings = LookupSettings { record_plan: Some(RecordPlan::ByPackage), ..LookupSettings::default() };
    let lookups = block_on(run(&transport, &[key("alpha", "1.0")], &settings, &mut |_| {}));
    assert_eq!(lookups.records.keys().collect::<Vec<_>>(), ["T-1", "T-2"]);
    assert_eq!(count(&transport, Method::Post, "/v1/query"), 2, "one package query over two pages");

    let transport =
        TestTransport::new(database_of(&[record_json("T-1", "m", "alpha"), record_json("T-2", "m", "alpha")]));
    let batch = transport.database.handle(
        "POST",
        "/v1/querybatch",
        r#"{"queries":[{"package":{"name":"alpha","ecosystem":"PyPI"},"version":"1.0"}]}"#,
    );
    // Querybatch lists T-1 only; the package query then answers T-1 and T-2 over two pages.
    let listed = batch.body.replace(r#",{"id":"T-2","modified":"m"}"#, "");
    transport.answer_next(ok(&listed));
    transport.answer_next(ok(&format!(r#"{{"vulns":[{}],"next_page_token":"p2"}}"#, record_json("T-2", "m", "alpha"))));
    transport.answer_next(ok(&format!(r#"{{"vulns":[{}]}}"#, record_json("T-1", "m", "alpha"))));
    let lookups = block_on(run(&transport, &[key("alpha", "1.0")], &settings, &mut |_| {}));
    assert_eq!(lookups.records.keys().collect::<Vec<_>>(), ["T-1"], "T-2 was not listed by querybatch");
    let second_page = transport.sent.borrow()[2].body.clone().expect("a POST body");
    assert!(second_page.contains(r#""page_token":"p2""#), "{second_page}");
}

#[test]
fn a_record_no_package_query_delivered_is_fetched_by_id() {
    let records = [record_json("T-1", "m", "alpha"), record_json("T-2", "m", "alpha"), record_json("T-3", "m", "beta")];
    let transport = TestTransport::new(database_of(&records));
    let settings = LookupSettings {
        record_plan: Some(RecordPlan::ByPackage),
        retry: RetryPolicy { max_attempts: 1, ..RetryPolicy::default() },
        ..LookupSettings::default()
    };
    let batch = transport.database.handle(
        "POST",
        "/v1/querybatch",
        r#"{"queries":[{"package":{"name":"alpha","ecosystem":"PyPI"},"version":"1.0"},{"package":{"name":"beta","ecosystem":"PyPI"},"version":"1.0"}]}"#,
    );
    transport.answer_next(ok(&batch.body));
    // alpha's query answers without T-2; beta's query fails.
    transport.answer_next(ok(&format!(r#"{{"vulns":[{}]}}"#, record_json("T-1", "m", "alpha"))));
    transport.answer_next(status(503, None));
    let lookups = block_on(run(&transport, &[key("alpha", "1.0"), key("beta", "1.0")], &settings, &mut |_| {}));
    assert!(lookups.records["T-1"].is_ok());
    assert!(lookups.records["T-2"].is_ok(), "fetched by ID after the package query left it out");
    assert!(lookups.records["T-3"].is_ok(), "fetched by ID after its package query failed");
    assert_eq!(count(&transport, Method::Get, "/v1/vulns/"), 2);
}

/// Records fetched by package, one request at a time and one try each, so that scripted answers meet known requests.
fn by_package_one_at_a_time() -> LookupSettings {
    LookupSettings {
        record_plan: Some(RecordPlan::ByPackage),
        retry: RetryPolicy { max_attempts: 1, ..RetryPolicy::default() },
        concurrency: 1,
        ..LookupSettings::default()
    }
}

#[test]
fn a_record_that_fails_by_package_and_by_id_carries_the_last_error() {
    let records = [record_json("T-1", "m", "alpha"), record_json("T-2", "m", "alpha")];
    let transport = TestTransport::new(database_of(&records));
    let settings = by_package_one_at_a_time();
    let batch = transport.database.handle(
        "POST",
        "/v1/querybatch",
        r#"{"queries":[{"package":{"name":"alpha","ecosystem":"PyPI"},"version":"1.0"}]}"#,
    );
    transport.answer_next(ok(&batch.body));
    transport.answer_next(status(503, None));
    // The fallback fetches run in ID order: T-1 fails again, T-2 arrives.
    transport.answer_next(status(500, None));
    let lookups = block_on(run(&transport, &[key("alpha", "1.0")], &settings, &mut |_| {}));
    assert_eq!(lookups.records["T-1"], Err(LookupError::Status(500)));
    assert!(lookups.records["T-2"].is_ok());
    assert_eq!(lookups.queries[&key("alpha", "1.0")].as_ref().map(Vec::len), Ok(2), "the package is still listed");
}

#[test]
fn a_record_shared_by_two_packages_is_kept_when_one_query_fails() {
    let shared = r#"{"id":"S-1","modified":"m","affected":[{"package":{"ecosystem":"PyPI","name":"alpha"},"versions":["1.0"]},{"package":{"ecosystem":"PyPI","name":"beta"},"versions":["1.0"]}]}"#;
    let transport = TestTransport::new(database_of(&[shared.to_string()]));
    let settings = by_package_one_at_a_time();
    let batch = transport.database.handle(
        "POST",
        "/v1/querybatch",
        r#"{"queries":[{"package":{"name":"alpha","ecosystem":"PyPI"},"version":"1.0"},{"package":{"name":"beta","ecosystem":"PyPI"},"version":"1.0"}]}"#,
    );
    transport.answer_next(ok(&batch.body));
    transport.answer_next(status(500, None));
    let lookups = block_on(run(&transport, &[key("alpha", "1.0"), key("beta", "1.0")], &settings, &mut |_| {}));
    assert!(lookups.records["S-1"].is_ok(), "beta's query delivered it");
}

/// A cache that keeps what it was asked to store.
#[derive(Default)]
struct CapturingCache {
    stored: RefCell<Vec<CachedRecord>>,
}

impl RecordCache for CapturingCache {
    async fn load(&self, _wanted: &[VulnRef]) -> Result<BTreeMap<String, Rc<Vulnerability>>, String> {
        Ok(BTreeMap::new())
    }

    async fn store(&self, records: &[CachedRecord]) -> Result<(), String> {
        self.stored.borrow_mut().extend(records.iter().cloned());
        Ok(())
    }
}

#[test]
fn both_plans_store_each_record_with_the_json_the_server_sent() {
    for plan in [RecordPlan::ById, RecordPlan::ByPackage] {
        let transport = TestTransport::new(database());
        let cache = CapturingCache::default();
        let settings = LookupSettings { record_plan: Some(plan), ..LookupSettings::default() };
        block_on(run_with_cache(
            &transport,
            &cache,
            &[key("alpha", "1.0"), key("beta", "0.5")],
            &settings,
            &mut |_| {},
        ));
        let stored = cache.stored.borrow();
        let ids: BTreeSet<&str> = stored.iter().map(|entry| entry.id.as_str()).collect();
        assert_eq!(ids, BTreeSet::from(["T-1", "T-2", "T-3"]), "{plan:?}");
        for entry in stored.iter() {
            let served = transport.database.handle("GET", &format!("/v1/vulns/{}", entry.id), "").body;
            assert_eq!(entry.json, served, "{plan:?}: the JSON as sent");
            assert_eq!(entry.record.id, entry.id);
            assert_eq!(entry.modified, entry.record.modified, "querybatch's modified, the same here");
        }
    }
}

/// A package index with release lists for some names and one resolution, that remembers what it was asked.
#[derive(Default)]
struct FakeIndex {
    known: Vec<&'static str>,
    asked: RefCell<Vec<String>>,
    resolution: Option<ResolvedSet>,
    questions: RefCell<Vec<GraphQuestion>>,
}

impl PackageIndex for FakeIndex {
    async fn graph_facts(&self, question: &GraphQuestion) -> GraphFacts {
        self.questions.borrow_mut().push(question.clone());
        GraphFacts::from(vec!["env\tuv.lock\t+alpha==1.0".to_string()])
    }

    async fn resolve(&self, job: &ResolveJob) -> Result<ResolvedSet, String> {
        self.asked.borrow_mut().push(format!("resolve {} files for {}", job.files.len(), job.target));
        self.resolution.clone().ok_or_else(|| "no resolution here".to_string())
    }

    async fn release_list(&self, name: &str) -> ReleaseLookup {
        self.asked.borrow_mut().push(name.to_string());
        if self.known.contains(&name) {
            let list = crate::pypi::ReleaseList {
                name: name.to_string(),
                releases: Vec::new(),
                unreadable: Vec::new(),
                status: None,
            };
            ReleaseLookup::Found(Rc::new(list))
        } else {
            ReleaseLookup::Unavailable("unknown here".into())
        }
    }
}

/// The names of the events, in order, without their progress events.
fn event_names(events: &[AuditEvent]) -> Vec<String> {
    events
        .iter()
        .filter(|event| !matches!(event, AuditEvent::QueryProgress { .. } | AuditEvent::RecordProgress { .. }))
        .map(|event| match event {
            AuditEvent::ReleaseList(name, ReleaseLookup::Found(_)) => format!("release list {name}"),
            AuditEvent::ReleaseList(name, ReleaseLookup::Unavailable(why)) => format!("no release list {name}: {why}"),
            AuditEvent::IndexPlanned(count) => format!("index planned {count}"),
            other => format!("{other:?}").split(['(', ' ']).next().unwrap_or_default().to_string(),
        })
        .collect()
}

#[test]
fn the_pipeline_ends_the_osv_phase_before_it_asks_the_index_for_every_name_once_advisories_first() {
    let transport = TestTransport::new(database());
    let osv = OnlineOsv { transport: &transport, cache: None::<&NoCache>, settings: LookupSettings::default() };
    let index = FakeIndex { known: vec!["alpha"], ..FakeIndex::default() };
    let plan = AuditPlan {
        only: Some(vec![key("gamma", "1.0"), key("alpha", "1.0"), key("beta", "0.5"), key("gamma", "2.0")]),
        ..AuditPlan::default()
    };
    let mut events = Vec::new();
    let lookups = block_on(super::run(&osv, IndexAccess::On(&index), plan, &mut |event| events.push(event), drop));
    let names = event_names(&events);
    let osv_done = names.iter().position(|name| name == "OsvComplete").expect("the OSV phase ends");
    assert!(names[..osv_done].iter().all(|name| !name.contains("release list")), "{names:?}");
    assert_eq!(names[osv_done + 1], "index planned 3");
    let asked = index.asked.borrow().clone();
    assert_eq!(asked, ["alpha", "beta", "gamma"], "gamma has no advisory: asked last, for its flags, and once");
    assert_eq!(names.last().map(String::as_str), Some("FixesConfirmed"));
    assert!(names.contains(&"release list alpha".to_string()));
    assert!(names.contains(&"no release list beta: unknown here".to_string()));
    // The result holds what the events add up to.
    let mut followed = Lookups::default();
    events.iter().for_each(|event| followed.apply(event));
    assert_eq!(followed.releases.keys().collect::<Vec<_>>(), lookups.releases.keys().collect::<Vec<_>>());
    assert_eq!(followed.records.len(), lookups.records.len());
    assert_eq!(lookups.records.len(), 3);
}

/// An index that never answers, as one does while a new audit cancels the old one in its index phase.
struct SilentIndex;

impl PackageIndex for SilentIndex {
    async fn release_list(&self, _name: &str) -> ReleaseLookup {
        futures::future::pending().await
    }
}

#[test]
fn the_records_for_the_cache_are_handed_over_when_the_osv_phase_ends_not_when_the_audit_does() {
    use futures::FutureExt;
    let transport = TestTransport::new(database());
    let cache = MemoryCache::default();
    let osv = OnlineOsv { transport: &transport, cache: Some(&cache), settings: LookupSettings::default() };
    let plan = AuditPlan { only: Some(vec![key("alpha", "1.0"), key("beta", "0.5")]), ..AuditPlan::default() };
    let kept = RefCell::new(None);
    let mut on_event = |_| {};
    let keep = |unsaved| *kept.borrow_mut() = Some(unsaved);
    let mut audit = Box::pin(super::run(&osv, IndexAccess::On(&SilentIndex), plan, &mut on_event, keep));
    assert!((&mut audit).now_or_never().is_none(), "the index phase waits for an answer");
    drop(audit);
    let unsaved = kept.borrow_mut().take().expect("the records were handed over before the index phase ended");
    block_on(unsaved.save(&cache, &mut |_| {}));
    assert_eq!(cache.len(), 3);
}

#[test]
fn with_the_index_off_every_release_list_says_why_and_a_retry_skips_known_lists() {
    let transport = TestTransport::new(database());
    let osv = OnlineOsv { transport: &transport, cache: None::<&NoCache>, settings: LookupSettings::default() };
    let plan = AuditPlan {
        only: Some(vec![key("alpha", "1.0"), key("beta", "0.5")]),
        releases_known: vec!["alpha".into()],
        ..AuditPlan::default()
    };
    let mut events = Vec::new();
    let off = IndexAccess::<NoIndex>::Off("PyPI lookups are switched off".into());
    let lookups = block_on(super::run(&osv, off, plan, &mut |event| events.push(event), drop));
    let names = event_names(&events);
    assert!(names.contains(&"index planned 1".to_string()), "{names:?}");
    assert!(names.contains(&"no release list beta: PyPI lookups are switched off".to_string()), "{names:?}");
    assert!(!lookups.releases.contains_key("alpha"), "a known list is not asked again");
}

#[test]
fn records_of_the_last_report_and_of_a_retry_are_served_from_memory() {
    let transport = TestTransport::new(database());
    let osv = OnlineOsv { transport: &transport, cache: None::<&NoCache>, settings: LookupSettings::default() };
    let first = block_on(run(&transport, &[key("alpha", "1.0")], &LookupSettings::default(), &mut |_| {}));
    let sent_before = transport.sent.borrow().len();
    // The last report's records are served while querybatch lists the same `modified`.
    let at_hand = AtHand { last_report: MemoryCache::of_lookups(&first), ..AtHand::default() };
    let (again, _) = block_on(osv.look_up(&[key("alpha", "1.0")], &at_hand, &mut |_| {}));
    assert_eq!(transport.sent.borrow().len() - sent_before, 1, "one querybatch, no record fetch");
    assert_eq!(again.records.len(), 2);
    // A retried report's records are served whatever their `modified`.
    let retried = first.records.iter().map(|(id, record)| (id.clone(), Rc::clone(record.as_ref().unwrap()))).collect();
    let at_hand = AtHand { retried, ..AtHand::default() };
    let sent_before = transport.sent.borrow().len();
    let (again, _) = block_on(osv.look_up(&[key("alpha", "1.0")], &at_hand, &mut |_| {}));
    assert_eq!(transport.sent.borrow().len() - sent_before, 1);
    assert!(again.records.values().all(Result::is_ok));
}

/// An API that always says another page follows (querybatch too, unless `batch_ends`).
#[derive(Default)]
struct EndlessPages {
    sent: RefCell<usize>,
    batch_ends: bool,
}

impl Transport for EndlessPages {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        *self.sent.borrow_mut() += 1;
        let body = if request.url.ends_with("/v1/querybatch") && self.batch_ends {
            r#"{"results":[{"vulns":[{"id":"T-1","modified":"m1"}]}]}"#
        } else if request.url.ends_with("/v1/querybatch") {
            r#"{"results":[{"vulns":[{"id":"T-1","modified":"m1"}],"next_page_token":"again"}]}"#
        } else {
            r#"{"vulns":[],"next_page_token":"again"}"#
        };
        Ok(HttpResponse::new(200, body))
    }

    async fn sleep(&self, _millis: u32) {}

    fn random(&self) -> f64 {
        0.5
    }
}

#[test]
fn paging_stops_after_the_cap_and_the_package_is_unchecked() {
    let transport = EndlessPages::default();
    for plan in [RecordPlan::ById, RecordPlan::ByPackage] {
        *transport.sent.borrow_mut() = 0;
        let settings = LookupSettings { record_plan: Some(plan), ..LookupSettings::default() };
        let osv = OnlineOsv { transport: &transport, cache: None::<&NoCache>, settings };
        let (lookups, _) = block_on(osv.look_up(&[key("alpha", "1.0")], &AtHand::default(), &mut |_| {}));
        let result = &lookups.queries[&key("alpha", "1.0")];
        assert!(
            matches!(result, Err(LookupError::Malformed(message)) if message.contains("past 100 pages")),
            "{result:?}"
        );
        assert_eq!(*transport.sent.borrow(), 1 + osv_online::MAX_PAGES, "{plan:?}: no record is fetched after it");
    }
    // A package query that keeps paging is stopped too; its record is then asked for by ID.
    let transport = EndlessPages { batch_ends: true, ..EndlessPages::default() };
    let settings = LookupSettings {
        record_plan: Some(RecordPlan::ByPackage),
        retry: RetryPolicy { max_attempts: 1, ..RetryPolicy::default() },
        ..LookupSettings::default()
    };
    let osv = OnlineOsv { transport: &transport, cache: None::<&NoCache>, settings };
    let (lookups, _) = block_on(osv.look_up(&[key("alpha", "1.0")], &AtHand::default(), &mut |_| {}));
    assert!(lookups.records["T-1"].is_err());
    assert_eq!(*transport.sent.borrow(), 1 + (1 + osv_online::MAX_PAGES) + 1);
}

fn resolved(packages: &[(&str, &str, bool)]) -> ResolvedSet {
    ResolvedSet {
        packages: packages
            .iter()
            .map(|(name, version, named)| crate::resolve::ResolvedRow {
                name: (*name).into(),
                version: (*version).into(),
                extras: Vec::new(),
                named: *named,
                required_by: if *named { Vec::new() } else { vec!["alpha".into()] },
            })
            .collect(),
        ..ResolvedSet::default()
    }
}

#[test]
fn a_resolution_runs_first_and_its_packages_are_what_is_looked_up() {
    let transport = TestTransport::new(database());
    let osv = OnlineOsv { transport: &transport, cache: None::<&NoCache>, settings: LookupSettings::default() };
    let files = vec![crate::sources::InputFile::new("requirements.in", "alpha>=0.1\n")];
    let input = Rc::new(crate::sources::parse_files(&files));
    let index = FakeIndex {
        resolution: Some(resolved(&[("alpha", "1.0", true), ("beta", "0.5", false)])),
        ..FakeIndex::default()
    };
    let plan =
        AuditPlan { input, resolve: Some(ResolveJob { files, ..ResolveJob::default() }), ..AuditPlan::default() };
    let mut events = Vec::new();
    let lookups = block_on(super::run(&osv, IndexAccess::On(&index), plan, &mut |event| events.push(event), drop));
    let names = event_names(&events);
    assert_eq!(&names[..2], ["ResolutionStarted", "Resolved"], "{names:?}");
    let looked_up: Vec<&PackageKey> = lookups.queries.keys().collect();
    assert_eq!(looked_up, [&key("alpha", "1.0"), &key("beta", "0.5")], "the resolved versions, the pulled-in one too");
    let AuditEvent::Resolved(_, applied) = &events[1] else { panic!("the resolution comes second") };
    assert_eq!(applied.files[0].dependencies[0].resolved_from.as_deref(), Some(">=0.1"));
    assert!(index.asked.borrow()[0].starts_with("resolve 1 files for CPython"));
}

#[test]
fn without_the_index_the_input_is_audited_as_written_and_the_resolution_says_why() {
    let transport = TestTransport::new(database());
    let osv = OnlineOsv { transport: &transport, cache: None::<&NoCache>, settings: LookupSettings::default() };
    let files = vec![crate::sources::InputFile::new("requirements.in", "alpha>=0.1\n")];
    let plan = AuditPlan {
        input: Rc::new(crate::sources::parse_files(&files)),
        resolve: Some(ResolveJob { files, ..ResolveJob::default() }),
        ..AuditPlan::default()
    };
    let mut events = Vec::new();
    let off = IndexAccess::<NoIndex>::Off("PyPI lookups are switched off".into());
    let lookups = block_on(super::run(&osv, off, plan, &mut |event| events.push(event), drop));
    assert!(matches!(&events[1], AuditEvent::ResolutionFailed(why) if why.contains("switched off")));
    assert_eq!(lookups.queries.keys().collect::<Vec<_>>(), [&key("alpha", "")], "the range as written");
}

#[test]
fn after_the_index_phase_a_lockfile_asks_about_its_environments_and_the_parents_of_its_vulnerable_packages() {
    let lock = "version = 1\nrevision = 2\n\n[[package]]\nname = \"app\"\nversion = \"0.1\"\nsource = { virtual = \".\" }\n\
                dependencies = [{ name = \"beta\" }]\n\n[[package]]\nname = \"beta\"\nversion = \"0.6\"\n\
                source = { registry = \"https://pypi.org/simple\" }\ndependencies = [{ name = \"alpha\" }]\n\n\
                [[package]]\nname = \"alpha\"\nversion = \"1.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
    let audit_of = |name: &str, text: &str, only: Option<Vec<PackageKey>>| {
        let transport = TestTransport::new(database());
        let osv = OnlineOsv { transport: &transport, cache: None::<&NoCache>, settings: LookupSettings::default() };
        let index = FakeIndex::default();
        let input = Rc::new(crate::sources::parse_files(&[crate::sources::InputFile::new(name, text)]));
        let target = TargetEnvironment { python: "3.11".parse().unwrap(), ..TargetEnvironment::default() };
        let plan = AuditPlan { input, only, target, ..AuditPlan::default() };
        let mut events = Vec::new();
        let lookups = block_on(super::run(&osv, IndexAccess::On(&index), plan, &mut |event| events.push(event), drop));
        (event_names(&events), lookups, index.questions.into_inner())
    };
    let (names, lookups, questions) = audit_of("uv.lock", lock, None);
    assert_eq!(&names[names.len() - 3..], ["IndexComplete", "GraphFacts", "FixesConfirmed"]);
    assert_eq!(lookups.graph_facts.as_deref().and_then(|facts| facts.env("uv.lock", "alpha", "1.0")), Some("target"));
    // Where packages install, asked beside the OSV phase; then the parents of the vulnerable one.
    let [early, question] = questions.as_slice() else { panic!("two questions: {questions:?}") };
    assert_eq!((early.job.files.len(), early.fixes.len()), (1, 0));
    let at = |name: &str| names.iter().position(|event| event == name).expect(name);
    assert!(at("GraphFacts") < at("IndexComplete"), "{names:?}");
    assert_eq!(question.job.files.len(), 1);
    assert_eq!(question.job.target.python.to_string(), "3.11");
    assert_eq!(question.fixes, ["uv.lock\talpha\t2.0"], "alpha is pulled in by beta; T-1 is fixed in 2.0");
    // A plain requirements file has nothing to ask; a retry keeps what the first audit learned.
    assert!(audit_of("requirements.txt", "alpha==1.0\n", None).2.is_empty());
    // A pylock.toml that records no edges still has markers to read.
    let pylock = "lock-version = \"1.0\"\ncreated-by = \"hand\"\n\n[[packages]]\nname = \"alpha\"\nversion = \"1.0\"\n\
                  marker = \"sys_platform == 'win32'\"\n";
    let questions = audit_of("pylock.toml", pylock, None).2;
    assert_eq!((questions.len(), questions[0].fixes.len()), (1, 0), "asked once, beside the OSV phase: {questions:?}");
    assert!(audit_of("uv.lock", lock, Some(vec![key("alpha", "1.0")])).2.is_empty());
}

#[test]
fn with_the_index_off_a_lockfile_is_still_asked_about_but_no_release_list_is() {
    let lock = "version = 1\nrevision = 2\n\n[[package]]\nname = \"alpha\"\nversion = \"1.0\"\n\
                source = { registry = \"https://pypi.org/simple\" }\n";
    let transport = TestTransport::new(database());
    let osv = OnlineOsv { transport: &transport, cache: None::<&NoCache>, settings: LookupSettings::default() };
    let index = FakeIndex { known: vec!["alpha"], ..FakeIndex::default() };
    let input = Rc::new(crate::sources::parse_files(&[crate::sources::InputFile::new("uv.lock", lock)]));
    let plan = AuditPlan { input, ..AuditPlan::default() };
    let mut events = Vec::new();
    let access = IndexAccess::FilesOnly(&index, "PyPI lookups are switched off".into());
    let lookups = block_on(super::run(&osv, access, plan, &mut |event| events.push(event), drop));
    let names = event_names(&events);
    assert_eq!(&names[names.len() - 2..], ["IndexComplete", "FixesConfirmed"]);
    assert!(names.iter().position(|name| name == "GraphFacts") < names.iter().position(|name| name == "IndexComplete"));
    assert_eq!(index.questions.borrow().len(), 1, "where alpha installs, asked once beside the OSV phase");
    assert!(index.asked.borrow().is_empty(), "no release list was asked: {:?}", index.asked.borrow());
    let Some(ReleaseLookup::Unavailable(reason)) = lookups.releases.get("alpha") else {
        panic!("{:?}", lookups.releases)
    };
    assert!(reason.contains("switched off"), "{reason}");
}

#[test]
fn a_shared_record_is_compiled_once_for_every_copy_of_the_lookups() {
    let record: Rc<Vulnerability> =
        Rc::new(serde_json::from_str(&record_json("T-1", "2024-01-01T00:00:00Z", "alpha")).unwrap());
    let event = AuditEvent::Record("T-1".into(), Ok(Rc::clone(&record)));
    let (mut audit_side, mut page_side) = (Lookups::default(), Lookups::default());
    audit_side.apply(&event);
    page_side.apply(&event);
    let compiled = |lookups: &Lookups| Arc::clone(lookups.compiled.get("T-1").expect("compiled when it arrived"));
    assert!(Arc::ptr_eq(&compiled(&audit_side), &compiled(&page_side)));
    assert!(Arc::ptr_eq(&compiled(&audit_side), &crate::audit::compiled(&record)));
    // An equal record read again (another object) is compiled for itself.
    let reread = Rc::new(Vulnerability::clone(&record));
    assert!(!Arc::ptr_eq(&compiled(&audit_side), &crate::audit::compiled(&reread)));
}
