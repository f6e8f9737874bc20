//! Measures the audit's two record plans over real HTTP, against the local OSV API with the real PyPI records and
//! 40 ms of latency per request, with six requests in flight as in a browser:
//!
//! ```text
//! cargo test --profile xtask -p xtask record_plans -- --ignored --nocapture
//! ```
//!
//! It audits `tests/fixtures/bench/requirements.txt` with each plan forced, checks that both find exactly the same
//! records, and prints requests and times (the median of three runs), and the plan the audit would choose.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use osv_lens::audit::{
    self, plan, AuditEvent, HttpRequest, HttpResponse, LookupSettings, Method, RecordPlan, Transport, TransportError,
};
use osv_lens::osv::database::Database;
use osv_lens::report::package_key;
use osv_lens::sources::{parse_files, InputFile};

use crate::server::{Knobs, Server};

/// A transport that sends each request on a thread of its own over a fresh connection, so that the audit's
/// concurrency is real.
struct ThreadTransport {
    address: String,
}

impl Transport for ThreadTransport {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let (sender, receiver) = futures::channel::oneshot::channel();
        let (address, request) = (self.address.clone(), request.clone());
        std::thread::spawn(move || {
            let _ = sender.send(send_blocking(&address, &request));
        });
        receiver.await.unwrap_or_else(|_| Err(TransportError::Network("the request thread ended".into())))
    }

    async fn sleep(&self, millis: u32) {
        let (sender, receiver) = futures::channel::oneshot::channel::<()>();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(millis.into()));
            let _ = sender.send(());
        });
        let _ = receiver.await;
    }

    fn random(&self) -> f64 {
        0.5
    }
}

fn send_blocking(address: &str, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
    let network = |error: std::io::Error| TransportError::Network(error.to_string());
    let mut stream = TcpStream::connect(address).map_err(network)?;
    stream.set_read_timeout(Some(Duration::from_millis(request.timeout_ms.into()))).map_err(network)?;
    let method = match request.method {
        Method::Get => "GET",
        Method::Post => "POST",
    };
    let body = request.body.as_deref().unwrap_or("");
    let head = format!(
        "{method} {} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        request.path,
        body.len()
    );
    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes())).map_err(network)?;
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(error) if matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
            return Err(TransportError::Timeout)
        }
        Err(error) => return Err(network(error)),
    }
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| TransportError::Network("no header end".into()))?;
    let status = head.split_whitespace().nth(1).and_then(|status| status.parse().ok()).unwrap_or(0);
    let retry_after = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("retry-after").then(|| value.trim().to_string())
    });
    Ok(HttpResponse { status, body: body.to_string(), retry_after })
}

/// One audit: requests sent in the record phase, its time, the whole audit's time, and the records found.
struct Run {
    record_requests: usize,
    record_phase: Duration,
    total: Duration,
    records: Vec<String>,
}

fn audit_once(server: &Server, packages: &[audit::PackageKey], plan: RecordPlan) -> Run {
    let transport = ThreadTransport { address: server.origin().trim_start_matches("http://").to_string() };
    // Six in flight, as a browser's six HTTP/1.1 connections answer them: the measure of the plans' round trips.
    let settings = LookupSettings { record_plan: Some(plan), concurrency: 6, ..LookupSettings::default() };
    let started = Instant::now();
    let mut planned_at = None;
    let mut record_requests = 0;
    let lookups = futures::executor::block_on(audit::run(&transport, packages, &settings, &mut |event| {
        if let AuditEvent::RecordPlan(_) = event {
            planned_at = Some(Instant::now());
        }
        if let AuditEvent::RecordProgress { total, .. } = event {
            record_requests = total;
        }
    }));
    let total = started.elapsed();
    let record_phase = planned_at.map_or(Duration::ZERO, |at| at.elapsed());
    assert!(lookups.queries.values().all(Result::is_ok), "every query answered");
    assert!(lookups.records.values().all(Result::is_ok), "every record fetched");
    Run { record_requests, record_phase, total, records: lookups.records.keys().cloned().collect() }
}

#[test]
#[ignore = "a measurement: needs ../shared/data and takes a few seconds"]
fn record_plans() {
    let Some(path) = crate::osv_data::shared_records() else {
        println!("record_plans: ../shared/data is absent; nothing measured");
        return;
    };
    let records = crate::osv_data::load(&path).expect("the shared records load");
    let knobs = Knobs { latency_ms: 40, ..Knobs::default() };
    let server = Server::start(0, None, Some(Database::new(records)), knobs).expect("the server starts");
    let root = crate::toolchain::root();
    let text = std::fs::read_to_string(root.join("tests/fixtures/bench/requirements.txt")).expect("the bench input");
    let parsed = parse_files(&[InputFile::new("requirements.txt", text)]);
    let packages: Vec<_> = parsed.dependencies().filter_map(package_key).collect();

    let mut found = Vec::new();
    for plan in [RecordPlan::ById, RecordPlan::ByPackage] {
        let mut runs: Vec<Run> = (0..3).map(|_| audit_once(&server, &packages, plan)).collect();
        runs.sort_by_key(|run| run.total);
        let median = &runs[1];
        println!(
            "record_plans: {plan}: {} record requests, record phase {} ms, whole audit {} ms (median of 3), {} records",
            median.record_requests,
            median.record_phase.as_millis(),
            median.total.as_millis(),
            median.records.len()
        );
        found.push(median.records.clone());
    }
    assert_eq!(found[0], found[1], "both plans fetch the same records");
    let by_package = audit_once(&server, &packages, RecordPlan::ByPackage).record_requests;
    let chosen = plan::choose(found[0].len(), by_package, LookupSettings::default().parallel_answers);
    println!(
        "record_plans: {} packages, {} records in {by_package} affected package versions; the audit chooses: {chosen}",
        packages.len(),
        found[0].len()
    );
}
