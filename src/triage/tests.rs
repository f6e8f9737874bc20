use super::*;
use crate::export::tests::sample_report;

#[test]
fn rules_read_like_osv_scanner_toml_and_expire() {
    let rule = Ignore::new(" OSVLENS-TEST-2 ", "  not reachable  ", Some("2027-01-01")).expect("valid");
    assert_eq!((rule.id.as_str(), rule.reason.as_str()), ("OSVLENS-TEST-2", "not reachable"));
    assert!(rule.is_active("2026-12-31"));
    assert!(!rule.is_active("2027-01-01"));
    assert!(Ignore::new("X", "", None).expect("valid").is_active("9999-12-31"));
    assert!(Ignore::new("X", "", Some("next week")).is_err());
    assert!(Ignore::new("X", "", Some("2026-13-01")).is_err());
    let json = serde_json::to_string(&rule).expect("writes");
    assert_eq!(json, r#"{"id":"OSVLENS-TEST-2","reason":"not reachable","ignoreUntil":"2027-01-01"}"#);
    let long = Ignore::new("X", &"y".repeat(2 * MAX_REASON_CHARS), None).expect("valid");
    assert_eq!(long.reason.chars().count(), MAX_REASON_CHARS);
}

#[test]
fn ignored_findings_leave_the_totals_but_stay_listed() {
    let mut report = sample_report();
    let before = report.summary;
    assert_eq!(before.findings, 4);
    // Ignore by an alias: the rule names the CVE, the finding's primary ID is the PYSEC one.
    let rules = vec![
        Ignore::new("CVE-2099-1000", "dev only", None).expect("valid"),
        Ignore::new("OSVLENS-TEST-2", "expired", Some("2020-01-01")).expect("valid"),
    ];
    apply(&mut report, &rules, "2026-11-25");
    assert_eq!(report.summary.findings, 3);
    assert_eq!(report.summary.ignored, 1);
    let listing = list(&report, &View::default());
    assert_eq!(listing.shown.len(), 3);
    assert_eq!(listing.ignored.len(), 1);
    let ignored = &listing.ignored[0];
    let finding = &report.files[ignored.file].dependencies[ignored.dependency].findings[ignored.finding];
    assert_eq!(finding.id, "PYSEC-2099-1");
    assert_eq!(finding.ignored.as_ref().map(|rule| rule.reason.as_str()), Some("dev only"));
    // Lifting the rules restores the totals.
    apply(&mut report, &[], "2026-11-25");
    assert_eq!(report.summary, before);
}

fn ids(report: &Report, refs: &[FindingRef]) -> Vec<String> {
    refs.iter()
        .map(|at| {
            let dependency = &report.files[at.file].dependencies[at.dependency];
            format!("{}:{}", dependency.dependency.name, dependency.findings[at.finding].id)
        })
        .collect()
}

#[test]
fn the_list_sorts_by_severity_package_or_id() {
    let report = sample_report();
    let by = |sort| ids(&report, &list(&report, &View { sort, ..View::default() }).shown);
    assert_eq!(
        by(SortKey::Severity),
        ["alpha:PYSEC-2099-1", "beta:GHSA-bbbb-0000-0000", "alpha:OSVLENS-TEST-2", "beta:OSVLENS-TEST-9"]
    );
    assert_eq!(
        by(SortKey::Package),
        ["alpha:PYSEC-2099-1", "alpha:OSVLENS-TEST-2", "beta:GHSA-bbbb-0000-0000", "beta:OSVLENS-TEST-9"]
    );
    assert_eq!(
        by(SortKey::Id),
        ["beta:GHSA-bbbb-0000-0000", "alpha:OSVLENS-TEST-2", "beta:OSVLENS-TEST-9", "alpha:PYSEC-2099-1"]
    );
}

#[test]
fn direct_first_puts_what_the_project_names_before_what_it_pulls_in() {
    let mut report = sample_report();
    let edges = crate::graph::Edges { pairs: vec![("beta".into(), "alpha".into())], roots: Some(vec!["beta".into()]) };
    report.files[0].graph = Some(std::rc::Rc::new(crate::graph::Graph::new(["alpha", "beta"], edges)));
    let listing = list(&report, &View { sort: SortKey::Direct, ..View::default() });
    assert_eq!(
        ids(&report, &listing.shown),
        ["beta:GHSA-bbbb-0000-0000", "beta:OSVLENS-TEST-9", "alpha:PYSEC-2099-1", "alpha:OSVLENS-TEST-2"]
    );
}

#[test]
fn filters_count_what_they_hide_and_say_so_for_unknowns() {
    let report = sample_report();
    let high_only = View { ratings: [Rating::Critical, Rating::High].into_iter().collect(), ..View::default() };
    let listing = list(&report, &high_only);
    assert_eq!(ids(&report, &listing.shown), ["alpha:PYSEC-2099-1", "beta:GHSA-bbbb-0000-0000"]);
    assert_eq!((listing.hidden, listing.hidden_unknown), (2, 1));

    let with_fix = list(&report, &View { fix: FixFilter::HasFix, ..View::default() });
    assert_eq!(ids(&report, &with_fix.shown), ["alpha:PYSEC-2099-1", "alpha:OSVLENS-TEST-2"]);
    let without_fix = list(&report, &View { fix: FixFilter::NoFix, ..View::default() });
    assert_eq!(without_fix.shown.len(), 2);

    let package = list(&report, &View { package: " BET ".into(), ..View::default() });
    assert_eq!(package.shown.len(), 2);
    assert!(View::default().is_unfiltered() && !high_only.is_unfiltered());
}

#[test]
fn dates_are_checked() {
    assert!(is_date("2026-02-28"));
    for bad in ["2026-2-28", "20260228", "2026-00-01", "2026-01-32", "abcd-ef-gh", "2026-01-01T"] {
        assert!(!is_date(bad), "{bad}");
    }
}

#[test]
fn a_finding_ref_resolves_in_its_report_and_nowhere_past_it() {
    let report = sample_report();
    let listing = list(&report, &View::default());
    for at in &listing.shown {
        let (dependency, finding) = at.resolve(&report).expect("a listed finding resolves");
        assert_eq!(finding.id, report.files[at.file].dependencies[at.dependency].findings[at.finding].id);
        assert_eq!(dependency.dependency, report.files[at.file].dependencies[at.dependency].dependency);
    }
    let at = listing.shown[0];
    for past in [
        FindingRef { file: report.files.len(), ..at },
        FindingRef { dependency: usize::MAX, ..at },
        FindingRef { finding: usize::MAX, ..at },
    ] {
        assert!(past.resolve(&report).is_none(), "{past:?}");
    }
}

#[test]
fn a_range_that_allows_vulnerable_versions_ranks_below_a_vulnerable_pin_of_the_same_rating() {
    use crate::audit::{AuditEvent, Lookups, PackageKey};
    use crate::osv::api::VulnRef;
    use crate::sources::{parse_files, InputFile};
    // The range comes first in the file and its record scores higher; the pin still leads.
    let parsed = parse_files(&[InputFile::new("requirements.txt", "ranged>=1.0\npinned==1.0\n")]);
    let mut lookups = Lookups::default();
    for (id, package, vector) in [
        ("R-1", "ranged", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        ("P-1", "pinned", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:L"),
    ] {
        let json = format!(
            r#"{{"id":"{id}","modified":"m","severity":[{{"type":"CVSS_V3","score":"{vector}"}}],"affected":[{{"package":{{"ecosystem":"PyPI","name":"{package}"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"1.5"}}]}}]}}]}}"#
        );
        let record = std::rc::Rc::new(serde_json::from_str::<crate::osv::Vulnerability>(&json).expect("valid"));
        lookups.apply(&AuditEvent::Record(id.into(), Ok(record)));
        let version = if package == "pinned" { "1.0" } else { "" };
        let refs = vec![VulnRef { id: id.into(), modified: String::new() }];
        lookups.queries.insert(PackageKey { name: package.into(), version: version.into() }, Ok(refs));
    }
    let report = crate::report::build(&parsed, &lookups);
    let shown = list(&report, &View::default()).shown;
    let ratings: Vec<Rating> = shown
        .iter()
        .map(|at| report.files[at.file].dependencies[at.dependency].findings[at.finding].severity.rating)
        .collect();
    assert_eq!(ratings, [Rating::Critical, Rating::Critical]);
    assert_eq!(ids(&report, &shown), ["pinned:P-1", "ranged:R-1"]);
}

#[test]
fn the_file_filter_shows_one_files_findings() {
    use crate::audit::{AuditEvent, Lookups, PackageKey};
    use crate::osv::api::VulnRef;
    use crate::sources::{parse_files, InputFile};
    let parsed = parse_files(&[
        InputFile::new("a/requirements.txt", "alpha==1.0\n"),
        InputFile::new("b/requirements.txt", "alpha==1.0\nbeta==1.0\n"),
    ]);
    let mut lookups = Lookups::default();
    for (id, package) in [("A-1", "alpha"), ("B-1", "beta")] {
        let json = format!(
            r#"{{"id":"{id}","modified":"m","affected":[{{"package":{{"ecosystem":"PyPI","name":"{package}"}},"versions":["1.0"]}}]}}"#
        );
        let record = std::rc::Rc::new(serde_json::from_str::<crate::osv::Vulnerability>(&json).expect("valid"));
        lookups.apply(&AuditEvent::Record(id.into(), Ok(record)));
        let refs = vec![VulnRef { id: id.into(), modified: String::new() }];
        lookups.queries.insert(PackageKey { name: package.into(), version: "1.0".into() }, Ok(refs));
    }
    let report = crate::report::build(&parsed, &lookups);
    assert_eq!(list(&report, &View::default()).shown.len(), 3);
    let only_b = View { file: "b/requirements.txt".into(), ..View::default() };
    let listing = list(&report, &only_b);
    assert_eq!(ids(&report, &listing.shown), ["alpha:A-1", "beta:B-1"]);
    assert_eq!(listing.hidden, 1);
    assert!(!only_b.is_unfiltered());
}

#[test]
fn an_until_fixed_rule_ends_when_the_finding_has_a_fix() {
    let mut report = sample_report();
    let until_fixed =
        |id: &str| Ignore { until_fixed: true, ..Ignore::new(id, "waiting for upstream", None).expect("ok") };
    // PYSEC-2099-1 (alpha) is fixed in 1.4 and 1.5; GHSA-bbbb-0000-0000 (beta) has no fix.
    apply(&mut report, &[until_fixed("CVE-2099-1000"), until_fixed("GHSA-bbbb-0000-0000")], "2026-11-25");
    let finding = |report: &Report, id: &str| {
        report.files[0].dependencies.iter().flat_map(|d| &d.findings).find(|f| f.id == id).cloned().expect("there")
    };
    let fixed = finding(&report, "PYSEC-2099-1");
    assert!(fixed.ignored.is_none() && fixed.ignore_ended, "a fix exists: the ignore ended");
    let unfixed = finding(&report, "GHSA-bbbb-0000-0000");
    assert!(unfixed.ignored.is_some() && !unfixed.ignore_ended, "no fix yet: still ignored");
    assert_eq!(report.summary.ignored, 1);
    // A plain rule for the same finding still ignores it: the ended one does not stand in its way.
    let plain = Ignore::new("PYSEC-2099-1", "not used", None).expect("ok");
    apply(&mut report, &[until_fixed("CVE-2099-1000"), plain], "2026-11-25");
    let both = finding(&report, "PYSEC-2099-1");
    assert!(both.ignored.is_some() && !both.ignore_ended);
    // Lifting the rules clears the mark.
    apply(&mut report, &[], "2026-11-25");
    assert!(!finding(&report, "PYSEC-2099-1").ignore_ended);
}

#[test]
fn until_fixed_is_stored_and_old_rules_still_read() {
    let rule = Ignore { until_fixed: true, ..Ignore::new("X-1", "r", None).expect("ok") };
    let json = serde_json::to_string(&rule).expect("writes");
    assert_eq!(json, r#"{"id":"X-1","reason":"r","untilFixed":true}"#);
    assert_eq!(serde_json::from_str::<Ignore>(&json).expect("reads"), rule);
    // A rule written before the field existed reads as a plain rule.
    let old: Ignore = serde_json::from_str(r#"{"id":"X-1","reason":"r"}"#).expect("reads");
    assert!(!old.until_fixed);
    assert!(!old.ended_by_fix(true) && rule.ended_by_fix(true) && !rule.ended_by_fix(false));
}

#[test]
fn rules_that_name_no_finding_are_found() {
    let report = sample_report();
    let rule = |id: &str| Ignore::new(id, "", None).expect("ok");
    assert!(!matches_nothing(&report, &rule("PYSEC-2099-1")), "a primary ID");
    assert!(!matches_nothing(&report, &rule("CVE-2099-1000")), "an alias");
    // An expired rule still names its finding: it is not a stale rule.
    assert!(!matches_nothing(&report, &Ignore::new("OSVLENS-TEST-9", "", Some("2020-01-01")).expect("ok")));
    assert!(matches_nothing(&report, &rule("CVE-1999-0001")));
    assert!(matches_nothing(&Report::default(), &rule("PYSEC-2099-1")));
}
