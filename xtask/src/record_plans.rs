//! Measures the audit's two record plans over real HTTP, against the local OSV API with the real PyPI records and
//! 40 ms of latency per request, with six requests in flight as in a browser:
//!
//! ```text
//! cargo test --profile xtask -p xtask record_plans -- --ignored --nocapture
//! ```
//!
//! It audits `tests/fixtures/bench/requirements.txt` with each plan forced, checks that both find exactly the same
//! records, and prints requests and times (the median of three runs), and the plan the audit would choose.

use std::time::{Duration, Instant};

use osv_lens::audit::{self, plan, AtHand, AuditEvent, LookupSettings, NoCache, OnlineOsv, OsvService, RecordPlan};
use osv_lens::http::Endpoint;
use osv_lens::osv::database::Database;
use osv_lens::report::package_key;
use osv_lens::sources::{parse_files, InputFile};

use crate::http_client::ThreadTransport;
use crate::server::{Knobs, Server, Services};

/// One audit: requests sent in the record phase, its time, the whole audit's time, and the records found.
struct Run {
    record_requests: usize,
    record_phase: Duration,
    total: Duration,
    records: Vec<String>,
}

fn audit_once(server: &Server, packages: &[audit::PackageKey], plan: RecordPlan) -> Run {
    let transport = ThreadTransport;
    // Six in flight, as a browser's six HTTP/1.1 connections answer them: the measure of the plans' round trips.
    let settings = LookupSettings {
        record_plan: Some(plan),
        concurrency: 6,
        endpoint: Endpoint::new(server.origin()),
        ..LookupSettings::default()
    };
    let started = Instant::now();
    let mut planned_at = None;
    let mut record_requests = 0;
    let osv = OnlineOsv { transport: &transport, cache: None::<&NoCache>, settings };
    let (lookups, _) = futures::executor::block_on(osv.look_up(packages, &AtHand::default(), &mut |event| {
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
    let path = crate::osv_data::shared_data().join("osv-pypi/records");
    assert!(path.is_dir(), "{} is absent: this measurement needs the shared test data", path.display());
    let records = crate::osv_data::load(&path).expect("the shared records load");
    let knobs = Knobs { latency_ms: 40, ..Knobs::default() };
    let server =
        Server::start_services(0, Services { database: Some(Database::new(records)), ..Services::default() }, knobs)
            .expect("the server starts");
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
