//! The page's offline audit against its online audit through the real local OSV API server, on large inputs.
//!
//! The server is the one `cargo xtask serve --osv-data ../shared/data/osv-pypi/all.zip` runs, loaded by this crate's
//! own zip reader and answering over real HTTP; the online side is the core's `OnlineOsv` over a small HTTP/1.1
//! client. The offline side is the core's archive loader and `offline_database::lookups`, as in the page. Both must give the
//! same lookups and the same report, for the benchmark's 348 pins and for about 10,000 pins drawn from the records'
//! own packages and versions. The records are read at test time from the shared test data; without it the tests
//! fail, naming the missing path.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use futures::executor::block_on;
use osv_lens::audit::{AtHand, LookupSettings, Lookups, NoCache, OnlineOsv, OsvService};
use osv_lens::http::Endpoint;
use osv_lens::offline_database::{self, Loader, OfflineDatabase};
use osv_lens::osv::archive::Limits;
use osv_lens::osv::database::Database;
use osv_lens::osv::{Event, Vulnerability};
use osv_lens::report::{self, package_key, DependencyState};
use osv_lens::sources::{parse_files, InputFile};

use crate::http_client::ThreadTransport;
use crate::server::{Knobs, Server, Services};
use crate::{osv_data, toolchain};

/// The real PyPI export in the shared test data; fails the test, naming the path, when it is absent.
fn shared_archive() -> PathBuf {
    let path = osv_data::shared_data().join("osv-pypi/all.zip");
    assert!(path.is_file(), "{} is absent: this test needs the shared test data", path.display());
    path
}

/// The local OSV API server over the real records, and the offline database loaded from the same archive by the
/// core's loader. Started once for all the tests here.
struct Fixture {
    address: String,
    records: Vec<Vulnerability>,
    offline: OfflineDatabase,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let archive = shared_archive();
        let records = osv_data::load(&archive).expect("the server's loader reads all.zip");
        let server = Server::start_services(
            0,
            Services { database: Some(Database::new(records.clone())), ..Services::default() },
            Knobs::default(),
        )
        .expect("the local OSV API starts");
        let address = server.origin().trim_start_matches("http://").to_string();
        std::mem::forget(server); // It serves until the test process ends.
        let bytes = std::fs::read(&archive).expect("all.zip reads");
        let offline = Loader::open(bytes, &Limits::default())
            .and_then(Loader::finish)
            .expect("the core's loader reads all.zip within the limits");
        Fixture { address, records, offline }
    })
}

/// Audits `text` as a requirements file both ways and checks that the lookups and the reports are the same.
/// Returns the online lookups and the number of requests they took, for the callers' own checks.
fn assert_agreement(fixture: &Fixture, text: &str) -> (Lookups, report::Summary) {
    let parsed = parse_files(&[InputFile::new("requirements.txt", text)]);
    let packages: Vec<_> = parsed.dependencies().filter_map(package_key).collect();
    let settings =
        LookupSettings { endpoint: Endpoint::new(&format!("http://{}", fixture.address)), ..LookupSettings::default() };
    let osv = OnlineOsv { transport: &ThreadTransport, cache: None::<&NoCache>, settings };
    let (online, _) = block_on(osv.look_up(&packages, &AtHand::default(), &mut |_| {}));
    let offline = offline_database::lookups(&fixture.offline, &packages);

    assert_eq!(online.queries.len(), offline.queries.len());
    for (key, answer) in &online.queries {
        assert!(answer.is_ok(), "{key:?}: the local API failed: {answer:?}");
        assert_eq!(Some(answer), offline.queries.get(key), "{} {}", key.name, key.version);
    }
    assert_eq!(online.records.keys().collect::<Vec<_>>(), offline.records.keys().collect::<Vec<_>>());
    for (id, record) in &online.records {
        assert_eq!(Some(record), offline.records.get(id), "{id}");
    }
    let online_report = report::build(&parsed, &online);
    let offline_report = report::build(&parsed, &offline);
    assert_eq!(online_report.summary, offline_report.summary);
    for (online_file, offline_file) in online_report.files.iter().zip(&offline_report.files) {
        for (a, b) in online_file.dependencies.iter().zip(&offline_file.dependencies) {
            assert_eq!(a, b, "{} {:?}", a.dependency.name, a.dependency.version);
        }
    }
    assert_eq!(online_report, offline_report);
    let pending = online_report
        .files
        .iter()
        .flat_map(|file| &file.dependencies)
        .filter(|dependency| matches!(dependency.state, DependencyState::Pending | DependencyState::Unchecked(_)))
        .count();
    assert_eq!(pending, 0, "every dependency was checked");
    (online, online_report.summary)
}

#[test]
fn offline_agrees_with_the_local_api_on_the_benchmark_requirements() {
    let fixture = fixture();
    let text = std::fs::read_to_string(toolchain::root().join("tests/fixtures/bench/requirements.txt"))
        .expect("the benchmark requirements read");
    let (lookups, summary) = assert_agreement(fixture, &text);
    assert_eq!(lookups.queries.len(), 348);
    // The benchmark pins old versions on purpose: many are vulnerable, many are not.
    assert!(summary.vulnerable > 30 && summary.clean > 100, "{summary:?}");
    eprintln!("benchmark requirements: {summary:?}, {} records", lookups.records.len());
}

/// About 10,000 pins drawn from the records: every 13th (package, version) the records name in `versions` lists
/// and range events, the versions just below and above each range event, a far-future version per package, and
/// packages that no record names; plus some unpinned lines for range audits.
fn generated_requirements(records: &[Vulnerability]) -> (String, usize) {
    let mut named: BTreeSet<(String, String)> = BTreeSet::new();
    let mut edges: BTreeSet<(String, String)> = BTreeSet::new();
    let mut packages: BTreeSet<String> = BTreeSet::new();
    for record in records {
        for affected in &record.affected {
            let Some(package) = affected.package.as_ref().filter(|package| package.ecosystem == "PyPI") else {
                continue;
            };
            let name = osv_lens::model::normalize_name(&package.name);
            packages.insert(name.clone());
            for version in &affected.versions {
                named.insert((name.clone(), version.clone()));
            }
            for range in &affected.ranges {
                for event in &range.events {
                    let version = match event {
                        Event::Introduced(version) | Event::Fixed(version) | Event::LastAffected(version) => version,
                        _ => continue,
                    };
                    if version != "0" {
                        named.insert((name.clone(), version.clone()));
                        // Just below and just above the boundary, in PEP 440 order.
                        edges.insert((name.clone(), format!("{version}.dev0")));
                        edges.insert((name.clone(), format!("{version}.post1")));
                    }
                }
            }
        }
    }
    let mut pins: BTreeSet<(String, String)> = named.iter().step_by(13).cloned().collect();
    pins.extend(edges.iter().step_by(11).cloned());
    pins.extend(packages.iter().step_by(3).map(|name| (name.clone(), "99999.0".to_string())));
    pins.extend((0..300).map(|index| (format!("osv-lens-unknown-{index}"), "1.0".to_string())));
    let mut lines: Vec<String> = pins.iter().map(|(name, version)| format!("{name}=={version}")).collect();
    lines.extend(packages.iter().step_by(40).map(|name| format!("{name}>=0")));
    let count = lines.len();
    (lines.join("\n"), count)
}

#[test]
fn offline_agrees_with_the_local_api_on_ten_thousand_generated_pins() {
    let fixture = fixture();
    let (text, lines) = generated_requirements(&fixture.records);
    assert!((9_000..=12_000).contains(&lines), "{lines} lines");
    let (lookups, summary) = assert_agreement(fixture, &text);
    assert!(lookups.queries.len() > 9_000, "{} distinct queries", lookups.queries.len());
    assert!(summary.vulnerable > 3_000 && summary.clean > 1_000, "{summary:?}");
    eprintln!("{lines} generated lines: {summary:?}, {} records", lookups.records.len());
}
