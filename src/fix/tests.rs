use std::str::FromStr;

use super::*;
use crate::index::simple::test_page;
use crate::ranges::evaluate;

/// A compiled record of `demo` with the ECOSYSTEM ranges `ranges`, each a list of `kind:version` events.
fn record(ranges: &[&[&str]]) -> CompiledVulnerability {
    let ranges: Vec<String> = ranges
        .iter()
        .map(|events| {
            let events: Vec<String> = events
                .iter()
                .map(|event| {
                    let (kind, version) = event.split_once(':').expect("kind:version");
                    format!(r#"{{"{kind}":"{version}"}}"#)
                })
                .collect();
            format!(r#"{{"type":"ECOSYSTEM","events":[{}]}}"#, events.join(","))
        })
        .collect();
    let json = format!(
        r#"{{"id":"T","modified":"m","affected":[{{"package":{{"ecosystem":"PyPI","name":"demo"}},"ranges":[{}]}}]}}"#,
        ranges.join(",")
    );
    CompiledVulnerability::new(&serde_json::from_str(&json).expect("test records are valid"))
}

/// The release list of `demo`, read from its simple-API page; `!yanked` marks a yanked release.
fn releases(entries: &[&str]) -> ReleaseLookup {
    ReleaseLookup::from(&test_page("demo", entries))
}

fn v(text: &str) -> Version {
    Version::from_str(text).expect("test versions are valid")
}

fn fixes(plan: &FixPlan) -> Vec<(String, Option<String>)> {
    plan.per_finding.iter().map(|fix| (fix.id.clone(), fix.fixed_in.as_ref().map(ToString::to_string))).collect()
}

#[test]
fn each_finding_gets_its_lowest_fix_and_the_plan_the_lowest_that_fixes_all() {
    let a = record(&[&["introduced:0", "fixed:1.4.0"]]);
    let b = record(&[&["introduced:1.3.0", "fixed:1.3.5"]]);
    let records = [PackageRecord { id: "A", record: &a }, PackageRecord { id: "B", record: &b }];
    let plan = plan_pinned("demo", &v("1.3.2"), &records, None);
    assert_eq!(fixes(&plan), [("A".into(), Some("1.4.0".into())), ("B".into(), Some("1.3.5".into()))]);
    assert_eq!(plan.target, Some(v("1.4.0")));
    assert_eq!(plan.new_specifier.as_deref(), Some("==1.4.0"));
    assert_eq!(plan.candidates, CandidateSource::RecordVersions("not fetched".into()));
    assert_eq!(plan.major_jump, None);
    assert_eq!(plan.headline(), "Upgrade to 1.4.0: it fixes all 2 advisories.");
}

#[test]
fn a_candidate_is_checked_against_every_record() {
    // A is fixed in 2.0, but 2.0 brings B, fixed in 2.1: the lowest version that fixes both is 2.1.
    let a = record(&[&["introduced:0", "fixed:2.0"]]);
    let b = record(&[&["introduced:2.0", "fixed:2.1"], &["introduced:0", "fixed:1.0.1"]]);
    let records = [PackageRecord { id: "A", record: &a }, PackageRecord { id: "B", record: &b }];
    let plan = plan_pinned("demo", &v("1.0"), &records, None);
    assert_eq!(fixes(&plan), [("A".into(), Some("2.0".into())), ("B".into(), Some("1.0.1".into()))]);
    assert_eq!(plan.target, Some(v("2.1")));
    assert_eq!(plan.major_jump, Some((1, 2)), "1.x to 2.x is a new major version");
}

#[test]
fn no_fix_is_said_so() {
    let unfixed = record(&[&["introduced:0"]]);
    let fixed = record(&[&["introduced:0", "fixed:3.0"]]);
    let only_unfixed = plan_pinned("demo", &v("1.0"), &[PackageRecord { id: "U", record: &unfixed }], None);
    assert_eq!(only_unfixed.target, None);
    assert_eq!(only_unfixed.new_specifier, None);
    assert_eq!(only_unfixed.headline(), "No fixed version is known.");
    let records = [PackageRecord { id: "F", record: &fixed }, PackageRecord { id: "U", record: &unfixed }];
    let mixed = plan_pinned("demo", &v("1.0"), &records, None);
    assert_eq!(fixes(&mixed), [("F".into(), Some("3.0".into())), ("U".into(), None)]);
    assert_eq!(mixed.headline(), "No known version fixes every advisory; 3.0 fixes 1 of 2.");
}

#[test]
fn with_a_release_list_only_real_installable_releases_are_suggested() {
    // The record names 1.4.0 as fixed, but PyPI has it yanked, and 1.4.1 was never released.
    let a = record(&[&["introduced:0", "fixed:1.4.0"]]);
    let list = releases(&["1.3.2", "1.4.0!yanked", "1.4.2", "2.0.0"]);
    let plan = plan_pinned("demo", &v("1.3.2"), &[PackageRecord { id: "A", record: &a }], Some(&list));
    assert_eq!(plan.target, Some(v("1.4.2")));
    assert_eq!(plan.candidates, CandidateSource::ReleaseList);
    assert_eq!(plan.passed_over, [PassedOver { version: v("1.4.0"), id: "A".into(), yanked: true }]);
    let missing = releases(&["1.3.2", "1.5"]);
    let plan = plan_pinned("demo", &v("1.3.2"), &[PackageRecord { id: "A", record: &a }], Some(&missing));
    assert_eq!(plan.target, Some(v("1.5")));
    assert_eq!(plan.passed_over, [PassedOver { version: v("1.4.0"), id: "A".into(), yanked: false }]);
}

#[test]
fn pre_releases_are_a_last_resort() {
    let a = record(&[&["introduced:0", "fixed:2.0rc1"]]);
    let list = releases(&["1.0", "2.0rc1", "2.0"]);
    let plan = plan_pinned("demo", &v("1.0"), &[PackageRecord { id: "A", record: &a }], Some(&list));
    assert_eq!((plan.target, plan.prerelease), (Some(v("2.0")), false));
    let only_pre = releases(&["1.0", "2.0rc1"]);
    let plan = plan_pinned("demo", &v("1.0"), &[PackageRecord { id: "A", record: &a }], Some(&only_pre));
    assert_eq!((plan.target, plan.prerelease), (Some(v("2.0rc1")), true));
}

#[test]
fn a_range_raises_its_lower_bound_to_the_lowest_safe_version() {
    let a = record(&[&["introduced:2.10.0", "fixed:2.10.2"]]);
    let specifiers = VersionSpecifiers::from_str(">=2.9,<2.11").expect("valid");
    let list = releases(&["2.9.0", "2.10.0", "2.10.1", "2.10.2", "2.10.3", "2.11.0"]);
    let verdict = evaluate("demo", &specifiers, &[&a], Some(&list));
    let records = [PackageRecord { id: "A", record: &a }];
    let plan = plan_range("demo", &specifiers, Some(">=2.9,<2.11"), &records, &["A"], Some(&list), &verdict);
    assert_eq!(plan.target, verdict.safe_lower_bound);
    assert_eq!(plan.new_specifier.as_deref(), Some(">=2.10.2,<2.11"));
    assert_eq!(plan.headline(), "Raise the lower bound to 2.10.2 (>=2.10.2,<2.11): it fixes the advisory.");
    assert!(plan.dropped.is_empty());
}

#[test]
fn a_range_that_is_affected_throughout_moves_past_its_upper_bound() {
    let a = record(&[&["introduced:0", "fixed:3.0.1"]]);
    let b = record(&[&["introduced:3.0.0", "fixed:3.0.2"]]);
    let specifiers = VersionSpecifiers::from_str(">=2.0,<3").expect("valid");
    let list = releases(&["2.0", "2.5", "3.0.0", "3.0.1", "3.0.2", "3.1"]);
    let verdict = evaluate("demo", &specifiers, &[&a, &b], Some(&list));
    let records = [PackageRecord { id: "A", record: &a }, PackageRecord { id: "B", record: &b }];
    let plan = plan_range("demo", &specifiers, Some(">=2.0,<3"), &records, &["A"], Some(&list), &verdict);
    assert_eq!(fixes(&plan), [("A".into(), Some("3.0.1".into()))]);
    assert_eq!(plan.target, Some(v("3.0.2")), "3.0.1 still has B");
    assert_eq!(plan.new_specifier.as_deref(), Some(">=3.0.2"));
    assert_eq!(plan.dropped, ["<3"]);
    assert_eq!(plan.major_jump, Some((2, 3)));
}

#[test]
fn a_range_with_an_unfixed_later_advisory_has_no_safe_bound() {
    // 1.5 is safe, but everything from 2.0 on is affected with no fix: no lower bound makes `>=1.0` safe.
    let later = record(&[&["introduced:2.0"]]);
    let early = record(&[&["introduced:0", "fixed:1.5"]]);
    let specifiers = VersionSpecifiers::from_str(">=1.0").expect("valid");
    let list = releases(&["1.0", "1.5", "2.0", "2.1"]);
    let verdict = evaluate("demo", &specifiers, &[&later, &early], Some(&list));
    let records = [PackageRecord { id: "E", record: &early }, PackageRecord { id: "L", record: &later }];
    let plan = plan_range("demo", &specifiers, Some(">=1.0"), &records, &["E", "L"], Some(&list), &verdict);
    assert_eq!(plan.target, None);
    assert_eq!(fixes(&plan), [("E".into(), Some("1.5".into())), ("L".into(), None)]);
}

#[test]
fn each_lockfile_gets_the_command_of_its_tool() {
    use crate::model::{Dependency, DependencyVersion, Origin};
    use crate::sources::Format;

    let a = record(&[&["introduced:0", "fixed:1.4.0"]]);
    let plan = plan_pinned("demo", &v("1.3.2"), &[PackageRecord { id: "A", record: &a }], None);
    let dependency = Dependency::new("demo", DependencyVersion::Pinned(v("1.3.2")), Origin::new("f", 1, 1));
    let step = |format: Format| match file_fix(format, "app.py", "", &[(&dependency, &plan)], &|_| None) {
        FileFix::Steps(steps) => (steps[0].command.clone(), steps[0].note.clone()),
        other => panic!("{format:?} gives {other:?}"),
    };
    assert_eq!(step(Format::UvLock).0.as_deref(), Some("uv lock --upgrade-package demo==1.4.0"));
    assert_eq!(step(Format::PoetryLock).0.as_deref(), Some("poetry update demo"));
    assert!(step(Format::PoetryLock).1.is_some_and(|note| note.contains("poetry add \"demo>=1.4.0\"")));
    assert_eq!(step(Format::PdmLock).0.as_deref(), Some("pdm update demo"));
    assert_eq!(step(Format::PipfileLock).0.as_deref(), Some("pipenv upgrade demo==1.4.0"));
    let (command, note) = step(Format::PyLock);
    assert_eq!(command, None, "pylock.toml is never edited by a command of ours");
    assert!(note.is_some_and(|note| note.contains("lock again")));
    assert_eq!(step(Format::Pep723Script).0.as_deref(), Some("uv add --script app.py \"demo==1.4.0\""));
    assert_eq!(step(Format::CycloneDx).0, None);
    // Nothing to do without a target.
    let unfixed = record(&[&["introduced:0"]]);
    let none = plan_pinned("demo", &v("1.0"), &[PackageRecord { id: "U", record: &unfixed }], None);
    assert_eq!(file_fix(Format::UvLock, "uv.lock", "", &[(&dependency, &none)], &|_| None), FileFix::Nothing);
    // A parent whose requirement forbids the fix: the tool upgrades the parent instead.
    let blocked = |format: Format, text: &str| match file_fix(format, "f", text, &[(&dependency, &plan)], &|name| {
        (name == "demo").then_some("demo-parent")
    }) {
        FileFix::Steps(steps) => steps[0].command.clone(),
        other => panic!("{format:?} gives {other:?}"),
    };
    assert_eq!(blocked(Format::UvLock, "").as_deref(), Some("uv lock --upgrade-package demo-parent"));
    assert_eq!(blocked(Format::PoetryLock, "").as_deref(), Some("poetry update demo-parent"));
    assert_eq!(blocked(Format::PdmLock, "").as_deref(), Some("pdm update demo-parent"));
    let compiled = "# This file is autogenerated by pip-compile\ndemo==1.3.2\n    # via demo-parent\n";
    assert_eq!(blocked(Format::RequirementsTxt, compiled).as_deref(), Some("pip-compile -P demo-parent"));
}

#[test]
fn without_a_full_fix_the_version_that_fixes_the_most_is_named() {
    // A is fixed in 2.0, B in 3.0, C never: 3.0 fixes two of three and leaves C open.
    let a = record(&[&["introduced:0", "fixed:2.0"]]);
    let b = record(&[&["introduced:0", "fixed:3.0"]]);
    let c = record(&[&["introduced:0"]]);
    let records = [
        PackageRecord { id: "A", record: &a },
        PackageRecord { id: "B", record: &b },
        PackageRecord { id: "C", record: &c },
    ];
    let plan = plan_pinned("demo", &v("1.0"), &records, None);
    assert_eq!(plan.target, None);
    assert_eq!(plan.best, Some((v("3.0"), vec!["C".to_string()])));
    assert_eq!(plan.headline(), "No known version fixes every advisory; 3.0 fixes 2 of 3.");
    assert!(plan.details().contains(&"Still open at 3.0: C.".to_string()));
}

#[test]
fn the_version_that_fixes_the_most_counts_findings_it_brings_back() {
    // 2.0 fixes A but brings B back (B affects 2.x); 1.5 fixes B alone and A is fixed only in 2.0, so 2.0 and 1.5
    // fix one each: the lower wins. U is never fixed, so no version fixes all.
    let a = record(&[&["introduced:0", "fixed:2.0"]]);
    let b = record(&[&["introduced:0", "fixed:1.5"], &["introduced:2.0"]]);
    let u = record(&[&["introduced:0"]]);
    let records = [
        PackageRecord { id: "A", record: &a },
        PackageRecord { id: "B", record: &b },
        PackageRecord { id: "U", record: &u },
    ];
    let plan = plan_pinned("demo", &v("1.0"), &records, Some(&releases(&["1.0", "1.5", "2.0", "2.1"])));
    assert_eq!(plan.target, None);
    assert_eq!(plan.best, Some((v("1.5"), vec!["A".to_string(), "U".to_string()])));
}

#[test]
fn a_full_fix_names_no_partial_one() {
    let a = record(&[&["introduced:0", "fixed:2.0"]]);
    let plan = plan_pinned("demo", &v("1.0"), &[PackageRecord { id: "A", record: &a }], None);
    assert_eq!(plan.best, None);
}

#[test]
fn a_lockfile_gets_one_command_and_a_compiled_file_its_compiler() {
    use crate::model::{Dependency, DependencyVersion, Origin};
    use crate::sources::Format;

    let a = record(&[&["introduced:0", "fixed:1.4.0"]]);
    let plan = plan_pinned("demo", &v("1.3.2"), &[PackageRecord { id: "A", record: &a }], None);
    let first = Dependency::new("demo", DependencyVersion::Pinned(v("1.3.2")), Origin::new("f", 5, 1));
    let second = Dependency::new("other", DependencyVersion::Pinned(v("1.3.2")), Origin::new("f", 9, 1));
    let plans = [(&first, &plan), (&second, &plan)];
    let steps = |format: Format, text: &str| match file_fix(format, "requirements.txt", text, &plans, &|_| None) {
        FileFix::Steps(steps) => steps,
        other => panic!("{format:?} gives {other:?}"),
    };
    let uv_lock = steps(Format::UvLock, "");
    assert_eq!(uv_lock.len(), 1, "one command for the whole lockfile");
    assert_eq!(
        uv_lock[0].command.as_deref(),
        Some("uv lock --upgrade-package demo==1.4.0 --upgrade-package other==1.4.0")
    );
    assert_eq!(uv_lock[0].package, "demo other");

    let uv = "# This file was autogenerated by uv via the following command:\n\
              #    uv pip compile requirements.in -o requirements.txt\n\
              demo==1.3.2 \\\n    --hash=sha256:1111\n";
    let compiled = steps(Format::RequirementsTxt, uv);
    assert_eq!(
        compiled[0].command.as_deref(),
        Some("uv pip compile requirements.in -o requirements.txt --upgrade-package demo==1.4.0 --upgrade-package other==1.4.0")
    );
    assert!(compiled[0].note.as_deref().is_some_and(|note| note.contains("compile it again")));

    let pip_tools = "#\n# This file is autogenerated by pip-compile with Python 3.12\n# by the following command:\n#\n\
                     #    pip-compile --generate-hashes\n#\ndemo==1.3.2\n";
    assert_eq!(
        steps(Format::RequirementsTxt, pip_tools)[0].command.as_deref(),
        Some("pip-compile --generate-hashes -P demo==1.4.0 -P other==1.4.0")
    );
    // A hand-written file is still patched.
    assert!(matches!(
        file_fix(Format::RequirementsTxt, "r.txt", "# ours\ndemo==1.3.2\n", &plans[..1], &|_| None),
        FileFix::Patched(_)
    ));
}

#[test]
fn a_patched_file_check_says_whether_it_installs() {
    use crate::fix::{PatchedCheck, PatchedState};
    use crate::resolve::ResolvedSet;
    let set = |failure: Option<Vec<String>>, not_resolved: Vec<String>, named: &[bool]| ResolvedSet {
        target: crate::environment::TargetEnvironment::default(),
        as_of: None,
        index: "https://pypi.org".into(),
        packages: named
            .iter()
            .enumerate()
            .map(|(at, named)| crate::resolve::ResolvedRow {
                name: format!("p{at}"),
                version: "1.0".into(),
                extras: Vec::new(),
                named: *named,
                required_by: Vec::new(),
            })
            .collect(),
        not_resolved,
        not_resolved_names: Vec::new(),
        failure,
        requirements_txt: String::new(),
    };
    let installs = PatchedCheck::of("requirements.txt", &Ok(set(None, Vec::new(), &[true, true, false])));
    assert_eq!(installs.state, PatchedState::Installs);
    assert!(installs.lines[0].starts_with("The patched requirements.txt resolves: its 2 requirements and 1 package they pull in install together for CPython"), "{installs:?}");
    let conflict =
        PatchedCheck::of("r.txt", &Ok(set(Some(vec!["Because a==1 depends on b<2 …".into()]), Vec::new(), &[])));
    assert_eq!((conflict.state, conflict.lines.len()), (PatchedState::Conflict, 2));
    assert!(conflict.lines[1].contains("a==1 depends on b<2"));
    let partial = PatchedCheck::of("r.txt", &Ok(set(None, vec!["c 1.0: only a source distribution".into()], &[true])));
    assert_eq!(partial.state, PatchedState::Unknown);
    let failed = PatchedCheck::of("r.txt", &Err("PyPI answered HTTP 503".into()));
    assert_eq!(failed.state, PatchedState::Unknown);
    assert!(failed.lines[0].ends_with("PyPI answered HTTP 503."));
}
