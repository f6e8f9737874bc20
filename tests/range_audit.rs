//! Range audits and fix plans through the whole core: parsing, the lookups against the in-memory OSV database (the
//! same code the local OSV API server runs), release lists from the index's JSON simple API through
//! [`IndexClient`] (the made-up projects of `tests/fixtures/index/made-up`, served as the local index serves them),
//! the report and the patched file.

use std::cell::RefCell;
use std::rc::Rc;

use futures::executor::block_on;
use osv_lens::audit::{self, AuditPlan, IndexAccess, LookupSettings, Lookups, NoCache, OnlineOsv};
use osv_lens::fix::{self, FileFix};
use osv_lens::http::{HttpRequest, HttpResponse, Transport, TransportError};
use osv_lens::index::{IndexClient, IndexOptions, IndexUrl, MemoryCache};
use osv_lens::osv::database::Database;
use osv_lens::osv::Vulnerability;
use osv_lens::ranges::RangeState;
use osv_lens::report::{self, DependencyState, Report};
use osv_lens::sources::{parse_files, InputFile, ParsedInput};

/// Answers from the in-memory database and remembers every request.
struct DatabaseTransport {
    database: Database,
    sent: RefCell<Vec<HttpRequest>>,
}

impl Transport for DatabaseTransport {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.borrow_mut().push(request.clone());
        let path = request.url.strip_prefix(osv_lens::osv::DEFAULT_ENDPOINT).expect("requests go to the default API");
        let answer = self.database.handle(request.method.as_str(), path, request.body.as_deref().unwrap_or(""));
        Ok(HttpResponse::new(answer.status, answer.body))
    }

    async fn sleep(&self, _millis: u32) {}

    fn random(&self) -> f64 {
        0.5
    }
}

fn fixture_records() -> Vec<Vulnerability> {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/osv");
    let mut records = Vec::new();
    for entry in std::fs::read_dir(folder).expect("the fixture folder exists") {
        let text = std::fs::read_to_string(entry.expect("readable entry").path()).expect("readable record");
        records.push(serde_json::from_str(&text).expect("the fixture records are valid"));
    }
    records
}

/// The made-up projects' pages, as the local index serves them at `/simple/<name>/` (it writes each file's URL).
struct MadeUpIndex {
    asked: RefCell<Vec<String>>,
}

impl Transport for MadeUpIndex {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.asked.borrow_mut().push(request.url.clone());
        let name = request.url.strip_prefix("https://pypi.org/simple/").and_then(|rest| rest.strip_suffix('/'));
        let path = format!("{}/tests/fixtures/index/made-up/{}.json", env!("CARGO_MANIFEST_DIR"), name.unwrap_or(""));
        let Ok(text) = std::fs::read_to_string(path) else { return Ok(HttpResponse::new(404, "Not Found")) };
        let mut bundle: serde_json::Value = serde_json::from_str(&text).expect("a bundle");
        for file in bundle["page"]["files"].as_array_mut().expect("files") {
            let url = format!("https://pypi.org/files/{}", file["filename"].as_str().expect("a name"));
            file["url"] = serde_json::Value::String(url);
        }
        Ok(HttpResponse::new(200, serde_json::to_vec(&bundle["page"]).expect("serialises")))
    }

    async fn sleep(&self, _millis: u32) {}

    fn random(&self) -> f64 {
        0.5
    }
}

type FixtureIndex = IndexClient<MadeUpIndex, MemoryCache>;

fn fixture_index() -> FixtureIndex {
    let options = IndexOptions { index: IndexUrl::new("https://pypi.org"), ..IndexOptions::default() };
    IndexClient::new(MadeUpIndex { asked: RefCell::default() }, MemoryCache::new(), options, Rc::new(|| 0))
}

/// Runs the whole audit over the in-memory OSV database.
fn run_audit(parsed: &ParsedInput, index: IndexAccess<'_, FixtureIndex>) -> (Lookups, Vec<HttpRequest>) {
    let transport = DatabaseTransport { database: Database::new(fixture_records()), sent: RefCell::default() };
    let osv = OnlineOsv { transport: &transport, cache: None::<&NoCache>, settings: LookupSettings::default() };
    let plan = AuditPlan { input: std::rc::Rc::new(parsed.clone()), ..AuditPlan::default() };
    let lookups = block_on(audit::run(&osv, index, plan, &mut |_| {}, drop));
    (lookups, transport.sent.into_inner())
}

/// Audits `text` as a requirements file; with `pypi`, the fixture release lists are known.
fn audit(text: &str, pypi: bool) -> (ParsedInput, Report, Vec<HttpRequest>) {
    let parsed = parse_files(&[InputFile::new("requirements.txt", text)]);
    let client = fixture_index();
    let index = if pypi { IndexAccess::On(&client) } else { IndexAccess::Off("PyPI is off".into()) };
    let (lookups, sent) = run_audit(&parsed, index);
    let report = report::build(&parsed, &lookups);
    (parsed, report, sent)
}

#[test]
fn a_range_is_queried_without_a_version_and_judged_on_every_advisory() {
    let (_, report, sent) = audit("osv-lens-demo>=1.3,<1.4\nosv-lens-other>=2.0\nosv-lens-demo-clean\n", true);
    let batch = sent.iter().find(|request| request.url.ends_with("/v1/querybatch")).expect("one querybatch");
    let body = batch.body.as_deref().expect("a body");
    assert!(!body.contains("\"version\""), "range queries carry no version: {body}");
    let rows = &report.files[0].dependencies;
    let states: Vec<(&str, String, &str)> = rows
        .iter()
        .map(|row| (row.dependency.name.as_str(), row.dependency.version_text(), row.state.as_str()))
        .collect();
    assert_eq!(
        states,
        [
            ("osv-lens-demo", ">=1.3,<1.4".to_string(), "vulnerable"),
            ("osv-lens-other", ">=2.0".to_string(), "vulnerable"),
            ("osv-lens-demo-clean", "*".to_string(), "clean"),
        ]
    );
    let demo = rows[0].range.as_ref().expect("a verdict");
    assert_eq!(demo.state, RangeState::AllAffected);
    // The withdrawn OSVLENS-TEST-3 names every version, but is not a finding.
    let ids: Vec<&str> = rows[0].findings.iter().map(|finding| finding.id.as_str()).collect();
    assert_eq!(ids, ["OSVLENS-TEST-1", "OSVLENS-TEST-2"]);
    assert_eq!(rows[0].fix.as_ref().and_then(|plan| plan.new_specifier.as_deref()), Some(">=1.4.1"));
    let other = rows[1].range.as_ref().expect("a verdict");
    assert_eq!(
        (other.state, other.safe_lower_bound.as_ref().map(ToString::to_string)),
        (RangeState::SomeAffected, Some("2.6".into()))
    );
    assert_eq!(rows[2].range.as_ref().map(|verdict| verdict.state), Some(RangeState::NoneAffected));
}

#[test]
fn a_missing_advisory_keeps_a_range_unchecked_not_clean() {
    let parsed = parse_files(&[InputFile::new("requirements.txt", "osv-lens-demo>=1.4.1\n")]);
    let (mut lookups, _) = run_audit(&parsed, IndexAccess::On(&fixture_index()));
    assert_eq!(report::build(&parsed, &lookups).files[0].dependencies[0].state, DependencyState::Clean);
    lookups.records.insert("OSVLENS-TEST-2".into(), Err(audit::LookupError::Timeout));
    let state = report::build(&parsed, &lookups).files[0].dependencies[0].state.clone();
    assert!(matches!(&state, DependencyState::Unchecked(reason) if reason.contains("OSVLENS-TEST-2")), "{state:?}");
}

#[test]
fn the_patched_file_follows_the_plans() {
    let text = "osv-lens-demo==1.3.2 --hash=sha256:00\nosv-lens-other>=2.0  # keep\nosv-lens-major~=1.0\n";
    let (parsed, report, _) = audit(text, true);
    let file = &report.files[0];
    let FileFix::Patched(patched) = fix::file_fix_of(file, &parsed.files[0].text) else {
        panic!("a requirements file is patched");
    };
    // ~=1.0 allows 1.x only; the fix, 2.0.0, is outside, so the clause goes.
    assert_eq!(patched.text, "osv-lens-demo==1.4.1\nosv-lens-other>=2.6  # keep\nosv-lens-major>=2.0.0\n");
    assert_eq!(patched.changed, 3);
    let major = file.dependencies[2].fix.as_ref().expect("a plan");
    assert_eq!(major.dropped, ["~=1.0"]);
    assert_eq!(major.major_jump, Some((1, 2)));
}

#[test]
fn without_release_lists_the_plans_use_the_advisories_versions() {
    let (_, report, _) = audit("osv-lens-demo==1.3.2\nosv-lens-other==2.1\n", false);
    let rows = &report.files[0].dependencies;
    let targets: Vec<Option<String>> = rows
        .iter()
        .map(|row| row.fix.as_ref().and_then(|plan| plan.target.as_ref()).map(ToString::to_string))
        .collect();
    assert_eq!(targets, [Some("1.4.0".to_string()), None]);
}

#[test]
fn the_index_is_asked_once_per_name_and_its_answers_give_the_flags() {
    use osv_lens::audit::PackageIndex;
    use osv_lens::index::{index_flags, IndexFlag};
    let client = fixture_index();
    let parsed = parse_files(&[InputFile::new("requirements.txt", "osv-lens-demo==1.3.2\nosv-lens-demo-clean\n")]);
    let (lookups, _) = run_audit(&parsed, IndexAccess::On(&client));
    let listed: Vec<&String> = lookups.releases.keys().collect();
    assert_eq!(listed, ["osv-lens-demo", "osv-lens-demo-clean"], "every name, for the flags");
    assert_eq!(client.stats().requests, 2, "once each");
    // The name the index does not know is flagged on its row.
    let report = osv_lens::report::build(&parsed, &lookups);
    let flags: Vec<Vec<&str>> = report.files[0].dependencies.iter().map(|row| row.flag_names()).collect();
    assert_eq!(flags, [vec![], vec!["not-on-pypi"]]);
    let demo = &lookups.releases["osv-lens-demo"];
    assert!(index_flags(demo, Some(&"1.3.2".parse().expect("a version"))).is_empty());
    let flags = index_flags(demo, Some(&"1.4.0".parse().expect("a version")));
    assert_eq!(flags, [IndexFlag::Yanked(Some("made-up: broken upload".into()))]);
    for (name, flag) in [
        ("osv-lens-archived", "archived"),
        ("osv-lens-quarantined", "quarantined"),
        ("osv-lens-deprecated", "deprecated"),
    ] {
        let lookup = block_on(client.release_list(name));
        let flags: Vec<&str> = index_flags(&lookup, None).iter().map(IndexFlag::as_str).collect();
        assert_eq!(flags, [flag], "{name}");
    }
    assert!(index_flags(&block_on(client.release_list("osv-lens-active")), None).is_empty());
    let missing = block_on(client.release_list("osv-lens-typo"));
    assert_eq!(index_flags(&missing, None), [IndexFlag::NotOnIndex]);
}
