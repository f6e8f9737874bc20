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

/// `bytes` (a zip) with every entry's field at `offset` (from its local or central header signature) set to `value`.
fn patched(mut bytes: Vec<u8>, local: Option<usize>, central: usize, value: &[u8]) -> Vec<u8> {
    let signatures: [(&[u8], Option<usize>); 2] = [(b"PK\x03\x04", local), (b"PK\x01\x02", Some(central))];
    for (signature, offset) in signatures {
        let Some(offset) = offset else { continue };
        let starts: Vec<usize> =
            bytes.windows(4).enumerate().filter(|(_, w)| w == &signature).map(|(at, _)| at).collect();
        for start in starts {
            bytes[start + offset..start + offset + value.len()].copy_from_slice(value);
        }
    }
    bytes
}

#[test]
fn an_archive_whose_entries_cannot_be_read_says_why_not_that_it_holds_no_record() {
    let records: Vec<(String, String)> = (1..=3)
        .map(|n| (format!("T-{n}.json"), record(&format!("T-{n}"), "2024-01-01T00:00:00Z", "PyPI", "a", "")))
        .collect();
    let entries: Vec<(&str, &[u8])> = records.iter().map(|(name, text)| (name.as_str(), text.as_bytes())).collect();
    // Compression method 12 (bzip2) in both headers, as a zip made with bzip2 has.
    let bzip2 = load(patched(zip_of(&entries), Some(8), 10, &12_u16.to_le_bytes()));
    assert!(bzip2.is_empty());
    let reason = bzip2.empty_reason("all.zip");
    assert!(reason.starts_with("`all.zip` cannot be used for audits: 3 of its entries could not be read"), "{reason}");
    assert!(reason.contains("T-1.json: compression method 12 is not supported"), "{reason}");
    // A CRC-32 that does not match the data.
    let crc = load(patched(zip_of(&entries[..1]), None, 16, &[0, 0, 0, 0]));
    let reason = crc.empty_reason("all.zip");
    assert!(
        reason.contains("its one record could not be read (T-1.json: its CRC-32 does not match its data)"),
        "{reason}"
    );
    // An archive of other ecosystems still says that it holds no PyPI record.
    let npm = record("N-1", "2024-01-01T00:00:00Z", "npm", "a", "");
    let other = load(zip_of(&[("N-1.json", npm.as_bytes())]));
    assert_eq!(
        other.empty_reason("npm.zip"),
        "`npm.zip` holds no OSV record for PyPI packages, so it cannot be used for audits."
    );
}
