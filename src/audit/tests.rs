use std::cell::RefCell;
use std::collections::VecDeque;

use futures::executor::block_on;

use super::*;
use crate::osv::database::Database;

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
        let method = match request.method {
            Method::Get => "GET",
            Method::Post => "POST",
        };
        let answer = self.database.handle(method, &request.path, request.body.as_deref().unwrap_or(""));
        Ok(HttpResponse { status: answer.status, body: answer.body, retry_after: None })
    }

    async fn sleep(&self, millis: u32) {
        self.slept.borrow_mut().push(millis);
    }

    fn random(&self) -> f64 {
        0.5
    }
}

fn status(status: u16, retry_after: Option<&str>) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse { status, body: String::new(), retry_after: retry_after.map(str::to_string) })
}

fn ok(body: &str) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse { status: 200, body: body.to_string(), retry_after: None })
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
    let batches = sent.iter().filter(|request| request.path == "/v1/querybatch").count();
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
    let settings = LookupSettings { max_attempts: 1, ..LookupSettings::default() };
    transport.answer_next(ok(r#"{"results":[{}]}"#));
    let lookups = block_on(run(&transport, &[key("alpha", "1.0"), key("beta", "0.5")], &settings, &mut |_| {}));
    assert!(lookups.queries.values().all(|result| matches!(result, Err(LookupError::Malformed(_)))));
}

#[test]
fn a_record_whose_id_differs_from_the_request_is_refused() {
    let transport = TestTransport::new(database());
    let settings = LookupSettings { max_attempts: 1, ..LookupSettings::default() };
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
