use super::*;
use crate::osv::archive::tests::zip_of;

fn record(id: &str, modified: &str, ecosystem: &str, name: &str, extra: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"{modified}",{extra}"affected":[{{"package":{{"ecosystem":"{ecosystem}","name":"{name}"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"2.0"}}]}}]}}]}}"#
    )
}

fn archive() -> Vec<u8> {
    let records = [
        ("T-1.json", record("T-1", "2024-03-01T10:00:00Z", "PyPI", "Demo_Pkg", "")),
        ("T-2.json", record("T-2", "2024-03-01T10:00:00.5Z", "PyPI", "demo-pkg", r#""aliases":["CVE-1"],"#)),
        (
            "T-3.json",
            record("T-3", "2025-01-01T00:00:00Z", "PyPI", "demo-pkg", r#""withdrawn":"2025-01-02T00:00:00Z","#),
        ),
        ("N-1.json", record("N-1", "2030-01-01T00:00:00Z", "npm", "demo-pkg", "")),
        ("T-1-again.json", record("T-1", "2031-01-01T00:00:00Z", "PyPI", "other", "")),
        ("bad.json", "[1, 2".to_string()),
        ("T-4.json", record("T-4", "2023-01-01T00:00:00Z", "PyPI", "other", "")),
    ];
    let entries: Vec<(&str, &[u8])> = records.iter().map(|(name, text)| (*name, text.as_bytes())).collect();
    zip_of(&entries)
}

fn load(bytes: Vec<u8>) -> OfflineDatabase {
    Loader::open(bytes, &Limits::default()).expect("opens").finish().expect("loads")
}

#[test]
fn loading_in_steps_reports_progress_and_what_was_left_out() {
    let mut loader = Loader::open(archive(), &Limits::default()).expect("opens");
    assert_eq!((loader.done(), loader.total(), loader.records()), (0, 7, 0));
    loader.step(2).expect("two entries");
    assert_eq!((loader.done(), loader.records()), (2, 2));
    assert!(!loader.is_finished());
    loader.step(100).expect("the rest");
    assert!(loader.is_finished());
    let database = loader.finish().expect("finished");
    assert_eq!(database.len(), 4, "T-1, T-2, the withdrawn T-3 and T-4");
    let report = &database.report;
    assert_eq!(
        (report.entries, report.records, report.other_ecosystems, report.duplicates, report.unreadable),
        (7, 4, 1, 1, 1)
    );
    // The newest record kept dates the database; the npm record and the repeated ID do not count.
    assert_eq!(report.newest_modified.as_deref(), Some("2025-01-01T00:00:00Z"));
    assert_eq!(database.newest_day(), Some("2025-01-01"));
    let notes = report.notes();
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(notes[0].starts_with("1 entry is not a readable OSV record and was left out: bad.json: not an OSV record"));
    assert_eq!(notes[1], "1 record names no PyPI package and was left out");
    assert_eq!(notes[2], "1 repeated IDs were left out (the first record with an ID is kept)");
}

#[test]
fn fractional_seconds_of_any_length_compare_as_times() {
    assert!(later("2024-03-01T10:00:00.5Z", "2024-03-01T10:00:00.123456Z"));
    assert!(later("2024-03-01T10:00:01Z", "2024-03-01T10:00:00.999Z"));
    assert!(!later("2024-03-01T10:00:00Z", "2024-03-01T10:00:00.000001Z"));
    assert!(!later("2024-03-01T10:00:00.5Z", "2024-03-01T10:00:00.50Z"));
}

#[test]
fn lookups_match_versions_ranges_and_names_like_the_api() {
    let database = load(archive());
    let key = |name: &str, version: &str| PackageKey { name: name.into(), version: version.into() };
    let packages = [
        key("demo-pkg", "1.5"),
        key("demo-pkg", "2.0"),
        key("demo-pkg", ""),
        key("other", "1.0"),
        key("demo-pkg", "1.5"),
    ];
    let lookups = lookups(&database, &packages);
    let ids = |key: &PackageKey| -> Vec<String> {
        lookups.queries[key].as_ref().expect("answered").iter().map(|vuln| vuln.id.clone()).collect()
    };
    // The name matches after PEP 503 normalisation; the withdrawn T-3 never matches.
    assert_eq!(ids(&packages[0]), ["T-1", "T-2"]);
    assert_eq!(ids(&packages[1]), Vec::<String>::new());
    assert_eq!(ids(&packages[2]), ["T-1", "T-2"]);
    assert_eq!(ids(&packages[3]), ["T-4"]);
    assert_eq!(lookups.queries.len(), 4, "repeated keys are answered once");
    assert_eq!(lookups.queries[&packages[0]].as_ref().expect("answered")[1].modified, "2024-03-01T10:00:00.5Z");
    // Every listed record is there, compiled, exactly as in the archive.
    assert_eq!(lookups.records.keys().collect::<Vec<_>>(), ["T-1", "T-2", "T-4"]);
    assert_eq!(lookups.compiled.keys().collect::<Vec<_>>(), ["T-1", "T-2", "T-4"]);
    let t2 = lookups.records["T-2"].as_ref().expect("a record");
    assert_eq!(t2.aliases, ["CVE-1"]);
    assert!(lookups.releases.is_empty());
}

#[test]
fn an_unreadable_version_matches_nothing() {
    let database = load(archive());
    let key = PackageKey { name: "demo-pkg".into(), version: "not a version".into() };
    let lookups = lookups(&database, std::slice::from_ref(&key));
    assert_eq!(lookups.queries[&key], Ok(Vec::new()));
}

#[test]
fn a_hostile_archive_stops_loading() {
    let blanks = vec![b' '; 10_000_000];
    let error = Loader::open(zip_of(&[("bomb.json", &blanks)]), &Limits::default()).expect_err("refused");
    assert!(matches!(error, ExportError::SuspiciousRatio { .. }));
}

#[test]
fn days_between_dates() {
    assert_eq!(days_between("2024-01-01", "2024-01-01"), Some(0));
    assert_eq!(days_between("2024-02-28", "2024-03-01"), Some(2), "2024 is a leap year");
    assert_eq!(days_between("2023-02-28", "2023-03-01"), Some(1));
    assert_eq!(days_between("1970-01-01T00:00:00Z", "2000-03-01"), Some(11_017));
    assert_eq!(days_between("2026-07-23T12:00:00.5Z", "2026-08-02"), Some(10));
    assert_eq!(days_between("2026-08-02", "2026-07-23"), Some(-10));
    assert_eq!(days_between("2026-13-01", "2026-07-23"), None);
    assert_eq!(days_between("yesterday", "2026-07-23"), None);
}
