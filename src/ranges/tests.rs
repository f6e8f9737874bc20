use std::str::FromStr;

use super::*;
use crate::index::simple::test_page;

/// A compiled record of `demo` with one ECOSYSTEM range of `events` (`introduced:0`, `fixed:1.2`, …).
fn record(events: &[&str]) -> CompiledVulnerability {
    let events: Vec<String> = events
        .iter()
        .map(|event| {
            let (kind, version) = event.split_once(':').expect("kind:version");
            format!(r#"{{"{kind}":"{version}"}}"#)
        })
        .collect();
    let json = format!(
        r#"{{"id":"T","modified":"m","affected":[{{"package":{{"ecosystem":"PyPI","name":"demo"}},"ranges":[{{"type":"ECOSYSTEM","events":[{}]}}]}}]}}"#,
        events.join(",")
    );
    CompiledVulnerability::new(&serde_json::from_str(&json).expect("test records are valid"))
}

/// The release list of `demo`, read from its simple-API page: each entry is a version, `!yanked` for a yanked
/// release, `!nofiles` for one without files.
fn releases(entries: &[&str]) -> ReleaseLookup {
    ReleaseLookup::from(&test_page("demo", entries))
}

fn v(text: &str) -> Version {
    Version::from_str(text).expect("test versions are valid")
}

fn spec(text: &str) -> VersionSpecifiers {
    VersionSpecifiers::from_str(text).expect("test specifiers are valid")
}

fn texts(versions: &[Version]) -> Vec<String> {
    versions.iter().map(ToString::to_string).collect()
}

const LIST: &[&str] = &["2.9.0", "2.10.0", "2.10.1", "2.10.2", "2.10.3", "2.11.0", "3.0.0"];

#[test]
fn every_allowed_version_affected() {
    let fixed_in_2_11 = record(&["introduced:0", "fixed:2.11.0"]);
    let verdict = evaluate("demo", &spec(">=2.10,<2.11"), &[&fixed_in_2_11], Some(&releases(LIST)));
    assert_eq!(verdict.state, RangeState::AllAffected);
    assert_eq!(texts(&verdict.allowed), ["2.10.0", "2.10.1", "2.10.2", "2.10.3"]);
    assert_eq!(verdict.affected, verdict.allowed);
    assert!(verdict.safe.is_empty());
    assert_eq!(verdict.safe_lower_bound, None);
    assert_eq!(verdict.source, VersionSource::ReleaseList);
}

#[test]
fn some_allowed_versions_affected_names_the_safe_ones_and_the_lowest_safe_bound() {
    let fixed_in_2_10_2 = record(&["introduced:2.10.0", "fixed:2.10.2"]);
    let verdict = evaluate("demo", &spec(">=2.9,<3"), &[&fixed_in_2_10_2], Some(&releases(LIST)));
    assert_eq!(verdict.state, RangeState::SomeAffected);
    assert_eq!(texts(&verdict.affected), ["2.10.0", "2.10.1"]);
    assert_eq!(texts(&verdict.safe), ["2.9.0", "2.10.2", "2.10.3", "2.11.0"]);
    assert_eq!(verdict.safe_lower_bound, Some(v("2.10.2")));
}

#[test]
fn no_allowed_version_affected() {
    let old = record(&["introduced:0", "fixed:2.0"]);
    let verdict = evaluate("demo", &spec("~=2.10"), &[&old], Some(&releases(LIST)));
    assert_eq!(verdict.state, RangeState::NoneAffected);
    assert_eq!(texts(&verdict.allowed), ["2.10.0", "2.10.1", "2.10.2", "2.10.3", "2.11.0"]);
    let nothing = evaluate("demo", &spec(">=99"), &[], Some(&releases(LIST)));
    assert_eq!(nothing.state, RangeState::NoneAffected, "a package without advisories is clean whatever it allows");
}

#[test]
fn pre_releases_count_only_when_the_specifier_names_one_or_nothing_else_is_allowed() {
    let list = releases(&["1.0", "1.1rc1", "1.1", "2.0b1"]);
    // Only 1.1rc1 is affected: a plain range never installs it.
    let rc_only = record(&["introduced:1.1rc1", "fixed:1.1"]);
    let plain = evaluate("demo", &spec(">=1.0"), &[&rc_only], Some(&list));
    assert_eq!(texts(&plain.allowed), ["1.0", "1.1"]);
    assert_eq!(plain.state, RangeState::NoneAffected);
    let asking = evaluate("demo", &spec(">=1.1rc1"), &[&rc_only], Some(&list));
    assert_eq!(texts(&asking.allowed), ["1.1rc1", "1.1", "2.0b1"]);
    assert_eq!(asking.state, RangeState::SomeAffected);
    // When only pre-releases match, installers take them.
    let only_pre = evaluate("demo", &spec(">=2.0a1"), &[], Some(&list));
    assert_eq!(texts(&only_pre.allowed), ["2.0b1"]);
    let fallback = evaluate("demo", &spec(">1.1"), &[&record(&["introduced:2.0b1"])], Some(&list));
    assert!(fallback.prereleases_only);
    assert_eq!(fallback.state, RangeState::AllAffected);
    assert!(allows(&spec(">=1.0"), &v("1.5")));
    assert!(!allows(&spec(">=1.0"), &v("1.5.dev1")));
}

#[test]
fn yanked_releases_and_releases_without_files_are_left_out() {
    let list = releases(&["1.0", "1.1!yanked", "1.2!nofiles", "1.3"]);
    let bad_1_1 = record(&["introduced:1.1", "fixed:1.2"]);
    let verdict = evaluate("demo", &spec(">=1.0"), &[&bad_1_1], Some(&list));
    assert_eq!(texts(&verdict.allowed), ["1.0", "1.3"]);
    assert_eq!(verdict.state, RangeState::NoneAffected, "the only affected release is yanked");
    // A yanked release is used when nothing else matches, as installers do.
    let only_yanked = evaluate("demo", &spec("==1.1.*"), &[&bad_1_1], Some(&list));
    assert!(only_yanked.yanked_only);
    assert_eq!(only_yanked.state, RangeState::AllAffected);
}

#[test]
fn without_a_release_list_the_versions_come_from_the_advisories_and_the_specifier() {
    let unavailable = ReleaseLookup::Unavailable("PyPI could not be reached".into());
    let record_a = record(&["introduced:2.10.0", "fixed:2.10.2"]);
    let verdict = evaluate("demo", &spec(">=2.9,<3"), &[&record_a], Some(&unavailable));
    assert_eq!(texts(&verdict.allowed), ["2.9", "2.10.0", "2.10.2"]);
    assert_eq!(verdict.state, RangeState::SomeAffected);
    assert_eq!(verdict.safe_lower_bound, Some(v("2.10.2")));
    assert_eq!(verdict.source, VersionSource::AdvisoryVersions("PyPI could not be reached".into()));
    assert!(verdict.source.describe().contains("PyPI could not be reached"));
    let not_asked = evaluate("demo", &spec(""), &[&record_a], None);
    assert_eq!(not_asked.state, RangeState::SomeAffected);
    assert_eq!(not_asked.source, VersionSource::AdvisoryVersions("not fetched".into()));
}

#[test]
fn a_range_no_known_version_falls_into_is_undetermined() {
    let everything = record(&["introduced:0"]);
    let verdict = evaluate("demo", &spec(">1.5,<2"), &[&everything], None);
    assert!(verdict.allowed.is_empty());
    assert_eq!(verdict.state, RangeState::Undetermined);
    // With a release list, the releases inside are known.
    let listed = evaluate("demo", &spec(">1.5,<2"), &[&everything], Some(&releases(&["1.6", "2.0"])));
    assert_eq!(listed.state, RangeState::AllAffected);
}

#[test]
fn other_packages_in_a_record_do_not_count() {
    let verdict = evaluate("other", &spec(">=1"), &[&record(&["introduced:0"])], Some(&releases(&["1.0"])));
    assert_eq!(verdict.state, RangeState::NoneAffected);
}
