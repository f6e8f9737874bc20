use super::*;
use crate::osv::{Package, Range};

fn version(text: &str) -> Version {
    Version::from_str(text).expect("test versions are valid")
}

fn event(kind: &str, text: &str) -> Event {
    match kind {
        "introduced" => Event::Introduced(text.into()),
        "fixed" => Event::Fixed(text.into()),
        "last_affected" => Event::LastAffected(text.into()),
        "limit" => Event::Limit(text.into()),
        _ => unreachable!("unknown event kind in a test"),
    }
}

fn range(kind: RangeType, events: &[(&str, &str)]) -> Range {
    Range { kind, repo: None, events: events.iter().map(|(kind, text)| event(kind, text)).collect() }
}

fn record(name: &str, ranges: Vec<Range>, versions: &[&str]) -> Vulnerability {
    Vulnerability {
        schema_version: None,
        id: "TEST-1".into(),
        modified: "2024-01-01T00:00:00Z".into(),
        published: None,
        withdrawn: None,
        aliases: vec![],
        related: vec![],
        summary: None,
        details: None,
        severity: vec![],
        affected: vec![Affected {
            package: Some(Package { ecosystem: "PyPI".into(), name: name.into(), purl: None }),
            ranges,
            versions: versions.iter().map(|text| text.to_string()).collect(),
            severity: vec![],
            ecosystem_specific: None,
            database_specific: None,
        }],
        references: vec![],
        database_specific: None,
    }
}

fn affected_versions(record: &Vulnerability, candidates: &[&str]) -> Vec<String> {
    let compiled = CompiledVulnerability::new(record);
    candidates
        .iter()
        .filter(|candidate| compiled.affects("demo", &version(candidate)).is_some())
        .map(|candidate| candidate.to_string())
        .collect()
}

const LADDER: &[&str] = &["0.1", "0.9", "1.0", "1.0.1", "1.1", "1.5", "2.0", "2.1", "3.0"];

#[test]
fn a_single_range_covers_introduced_to_fixed() {
    let record = record("demo", vec![range(RangeType::Ecosystem, &[("introduced", "1.0"), ("fixed", "2.0")])], &[]);
    assert_eq!(affected_versions(&record, LADDER), ["1.0", "1.0.1", "1.1", "1.5"]);
}

#[test]
fn unsorted_events_are_sorted_before_the_walk() {
    let record = record(
        "demo",
        vec![range(
            RangeType::Ecosystem,
            &[("fixed", "2.0"), ("introduced", "1.5"), ("fixed", "1.1"), ("introduced", "0")],
        )],
        &[],
    );
    assert_eq!(affected_versions(&record, LADDER), ["0.1", "0.9", "1.0", "1.0.1", "1.5"]);
}

#[test]
fn last_affected_is_inclusive() {
    let record =
        record("demo", vec![range(RangeType::Ecosystem, &[("introduced", "0"), ("last_affected", "1.0.1")])], &[]);
    assert_eq!(affected_versions(&record, LADDER), ["0.1", "0.9", "1.0", "1.0.1"]);
}

#[test]
fn limit_caps_the_range() {
    let record = record("demo", vec![range(RangeType::Ecosystem, &[("introduced", "1.0"), ("limit", "1.5")])], &[]);
    assert_eq!(affected_versions(&record, LADDER), ["1.0", "1.0.1", "1.1"]);
}

#[test]
fn several_ranges_each_count() {
    let record = record(
        "demo",
        vec![
            range(RangeType::Ecosystem, &[("introduced", "0"), ("fixed", "1.0")]),
            range(RangeType::Ecosystem, &[("introduced", "2.0"), ("fixed", "2.1")]),
        ],
        &[],
    );
    assert_eq!(affected_versions(&record, LADDER), ["0.1", "0.9", "2.0"]);
}

#[test]
fn git_ranges_are_ignored_and_the_explicit_list_still_counts() {
    let record =
        record("demo", vec![range(RangeType::Git, &[("introduced", "0"), ("fixed", "abc1234")])], &["1.1", "2.0"]);
    assert_eq!(affected_versions(&record, LADDER), ["1.1", "2.0"]);
}

#[test]
fn a_versions_list_that_disagrees_with_the_ranges_adds_to_them() {
    // The list names 3.0, which the range excludes; OSV's API reports a match for either.
    let record =
        record("demo", vec![range(RangeType::Ecosystem, &[("introduced", "1.0"), ("fixed", "1.1")])], &["3.0"]);
    assert_eq!(affected_versions(&record, LADDER), ["1.0", "1.0.1", "3.0"]);
    let compiled = CompiledVulnerability::new(&record);
    assert_eq!(compiled.affects("demo", &version("3.0")), Some(MatchReason::Listed));
}

#[test]
fn pre_post_local_and_epoch_versions_order_per_pep_440() {
    let record = record("demo", vec![range(RangeType::Ecosystem, &[("introduced", "1.0"), ("fixed", "2.0")])], &[]);
    let candidates = ["1.0rc1", "1.0", "1.0.post1", "1.0+local", "2.0rc1", "2.0.dev3", "2.0", "2.0.post1", "1!0.5"];
    assert_eq!(affected_versions(&record, &candidates), ["1.0", "1.0.post1", "1.0+local", "2.0rc1", "2.0.dev3"]);
}

#[test]
fn listed_versions_compare_as_pep_440_versions() {
    let record = record("demo", vec![], &["1.0"]);
    assert_eq!(affected_versions(&record, &["1.0.0", "1.0", "1.0.1"]), ["1.0.0", "1.0"]);
}

#[test]
fn withdrawn_records_affect_nothing() {
    let mut record = record("demo", vec![range(RangeType::Ecosystem, &[("introduced", "0")])], &[]);
    record.withdrawn = Some("2024-02-02T00:00:00Z".into());
    assert!(affected_versions(&record, LADDER).is_empty());
}

#[test]
fn names_compare_after_normalisation() {
    let record = record("Demo_Pkg", vec![range(RangeType::Ecosystem, &[("introduced", "0")])], &[]);
    let compiled = CompiledVulnerability::new(&record);
    assert!(compiled.affects("demo-pkg", &version("1.0")).is_some());
    assert!(compiled.affects("demo", &version("1.0")).is_none());
}

#[test]
fn the_reason_names_the_interval() {
    let record = record(
        "demo",
        vec![range(
            RangeType::Ecosystem,
            &[("introduced", "0"), ("fixed", "1.0"), ("introduced", "2.0"), ("last_affected", "2.1")],
        )],
        &[],
    );
    let compiled = CompiledVulnerability::new(&record);
    let reason = compiled.affects("demo", &version("2.0")).expect("2.0 is affected");
    assert_eq!(reason.to_string(), "in the range introduced 2.0 → last affected 2.1");
    let reason = compiled.affects("demo", &version("0.5")).expect("0.5 is affected");
    assert_eq!(reason.to_string(), "in the range introduced 0 → fixed 1.0");
}

#[test]
fn fixed_versions_are_sorted_and_unique() {
    let record = record(
        "demo",
        vec![
            range(RangeType::Ecosystem, &[("introduced", "0"), ("fixed", "2.0")]),
            range(RangeType::Ecosystem, &[("introduced", "0"), ("fixed", "1.5"), ("fixed", "2.0")]),
        ],
        &[],
    );
    let fixed: Vec<String> =
        CompiledVulnerability::new(&record).fixed_versions("demo").iter().map(ToString::to_string).collect();
    assert_eq!(fixed, ["1.5", "2.0"]);
}

/// The text comparison of plain release numbers in a `versions` list gives the same answers as PEP 440 equality, for
/// every pair drawn from a list with trailing zeros, leading zeros, epochs, pre-, post- and dev-releases and locals.
#[test]
fn listed_versions_compare_like_pep_440() {
    let texts: Vec<String> = [
        "0",
        "0.0",
        "1",
        "1.0",
        "1.0.0",
        "1.0.1",
        "1.10",
        "1.1",
        "01.0",
        "1.00",
        "2.0.0.0",
        "0!1.0",
        "1!1.0",
        "1.0rc1",
        "1.0.post0",
        "1.0-0",
        "1.0.dev0",
        "1.0+local",
        "v1.0",
        "10.0",
        "100",
        "1.0a",
        "999999999999999999999",
    ]
    .map(String::from)
    .to_vec();
    let mut parse = |text: &str| Version::from_str(text).ok();
    for listed_text in &texts {
        let listed = ListedVersions::new(std::slice::from_ref(listed_text), &mut parse);
        for probe in texts.iter().filter_map(|text| Version::from_str(text).ok()) {
            let expected = Version::from_str(listed_text).is_ok_and(|version| version == probe);
            assert_eq!(listed.contains(&probe), expected, "{listed_text} listed, {probe} asked");
        }
    }
}

#[test]
fn plain_versions_read_from_their_segments_equal_the_parsed_ones() {
    let texts = [
        "0",
        "1",
        "2.4.1",
        "2.4.1.0",
        "10.0.0",
        "1.2.3.4.5",
        "999999999999999999.1",
        "1.0a1",
        "v1.0",
        "01.0",
        "1.0.post1",
        "1!2.0",
        "1.0+local",
        "1.0.dev0",
        " 1.0",
        "1..0",
        "",
    ];
    for text in texts {
        let parsed = Version::from_str(text);
        let read = read_version(text);
        assert_eq!(read.is_ok(), parsed.is_ok(), "{text:?}");
        if let (Ok(read), Ok(parsed)) = (read, parsed) {
            assert_eq!(read, parsed, "{text:?}");
            assert_eq!(read.to_string(), parsed.to_string(), "{text:?}");
            assert_eq!(
                read.cmp(&Version::from_str("2.4.1").unwrap()),
                parsed.cmp(&Version::from_str("2.4.1").unwrap())
            );
        }
    }
}

#[test]
fn plain_release_keys_follow_the_segment_rules() {
    // The rules spelled out segment by segment, as the one-pass reader must apply them.
    fn by_segments(text: &str) -> Option<&str> {
        let plain = text.split('.').all(|segment| {
            !segment.is_empty()
                && segment.len() <= 18
                && segment.bytes().all(|byte| byte.is_ascii_digit())
                && (segment == "0" || !segment.starts_with('0'))
        });
        let mut key = plain.then_some(text)?;
        while let Some(rest) = key.strip_suffix(".0") {
            key = rest;
        }
        Some(key)
    }
    let texts = [
        "",
        "0",
        "00",
        "01",
        "10",
        "1.0",
        "2.0.0",
        "0.0",
        "1.10",
        "1.00",
        ".1",
        "1.",
        "1..2",
        "1.2a",
        "v1",
        "123456789012345678",
        "1234567890123456789",
        "1.123456789012345678",
        "1.0123",
        "٣.1",
        "1 .0",
        "1.0.post1",
    ];
    for text in texts {
        assert_eq!(plain_release_key(text), by_segments(text), "{text:?}");
    }
}

#[test]
fn a_compiled_record_carries_each_packages_severity_as_the_report_would_score_it() {
    let mut record = record("Demo_Package", vec![], &["1.0"]);
    record.severity = vec![crate::osv::Severity {
        kind: "CVSS_V3".into(),
        score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N".into(),
    }];
    let mut other = record.affected[0].clone();
    other.package = Some(Package { ecosystem: "PyPI".into(), name: "other.pkg".into(), purl: None });
    other.severity = vec![crate::osv::Severity {
        kind: "CVSS_V4".into(),
        score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
    }];
    record.affected.push(other);
    let compiled = CompiledVulnerability::new(&record);
    for name in ["demo-package", "other-pkg"] {
        let scored = compiled.severity(name).expect("the record names the package");
        assert_eq!(*scored, Severity::of_record(&record, name), "{name}");
    }
    assert_ne!(compiled.severity("demo-package"), compiled.severity("other-pkg"), "each package keeps its own vectors");
    assert_eq!(compiled.severity("unrelated"), None);
}
