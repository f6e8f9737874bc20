//! The patched requirements file against osv-scalibr's guided-remediation fixtures (read from `../shared/data`).
//!
//! osv-scalibr's `relax` strategy resolves the whole dependency graph and loosens direct requirements so that
//! fixed transitive versions can be chosen; osv-lens has no resolver in the page and only raises the packages the
//! file names. So the fixtures are used two ways:
//! - With osv-scalibr's own decisions (the `versionTo` of each update), our rewriter must write exactly their
//!   `want.requirements.txt`: same lines, comments, markers, extras and spacing. It does, for both fixtures.
//! - With our own planner, the results differ where the strategies differ, and the differences are asserted and
//!   explained below.

mod common;

use std::str::FromStr;

use osv_lens::fix::{patch_requirements, NewSpecifier, SpecifierEdit};
use osv_lens::pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};
use osv_lens::sources::{parse_files, InputFile};

/// An edit for the dependency `name` of `text`, placed where the parser says it starts.
fn edit(text: &str, name: &str, new: NewSpecifier) -> SpecifierEdit {
    let parsed = parse_files(&[InputFile::new("requirements.txt", text)]);
    let dependency = parsed.files[0]
        .dependencies
        .iter()
        .find(|dependency| dependency.name == name)
        .unwrap_or_else(|| panic!("`{name}` is in the file"));
    SpecifierEdit { line: dependency.origin.line, column: dependency.origin.column, new }
}

/// osv-scalibr's `versionTo`: a single `==` pin is a pin, anything else the clauses it lists.
fn their_specifier(version_to: &str) -> NewSpecifier {
    let specifiers = VersionSpecifiers::from_str(version_to).expect("osv-scalibr writes PEP 440 specifiers");
    match specifiers.iter().collect::<Vec<_>>().as_slice() {
        [single] if *single.operator() == Operator::Equal => NewSpecifier::Pin(single.version().clone()),
        _ => {
            // Keep osv-scalibr's clause order (pep440_rs sorts them by version).
            let clauses = version_to.split(',').map(|clause| VersionSpecifier::from_str(clause.trim()).expect("valid"));
            NewSpecifier::Clauses(clauses.collect())
        }
    }
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn their_decisions_written_by_our_rewriter_give_their_manifest() {
    let root = common::fixtures("osv-scalibr/guidedremediation/internal/manifest/python/testdata/requirements");
    let text = read(&root.join("requirements.txt"));
    // The updates of osv-scalibr's TestWriteRequirements (requirements_test.go).
    let updates = [("docopt", "==0.6.2"), ("requests", ">=2.32.4,<3.0.0"), ("mopidy-dirble", ">=1.3.0,<2.0.0")];
    let edits: Vec<SpecifierEdit> = updates.iter().map(|(name, to)| edit(&text, name, their_specifier(to))).collect();
    let patched = patch_requirements(&text, &edits);
    assert_eq!(patched.text, read(&root.join("want.requirements.txt")));
    assert_eq!(patched.changed, 3);
}

#[test]
fn their_relax_decisions_written_by_our_rewriter_give_their_file() {
    let root = common::fixtures("osv-scalibr/guidedremediation/testdata/python/relax/requirements");
    let text = read(&root.join("requirements.txt"));
    let result: serde_json::Value = serde_json::from_str(&read(&root.join("result.json"))).expect("valid JSON");
    let mut edits = Vec::new();
    for patch in result["patches"].as_array().expect("patches") {
        for update in patch["packageUpdates"].as_array().expect("updates") {
            let name = update["name"].as_str().expect("a name");
            let to = update["versionTo"].as_str().expect("a version");
            edits.push(edit(&text, name, their_specifier(to)));
        }
    }
    assert_eq!(edits.len(), 8);
    let patched = patch_requirements(&text, &edits);
    assert_eq!(patched.text, read(&root.join("want.requirements.txt")));
}

#[test]
fn our_planner_on_their_relax_fixture_proposes_nothing() {
    // Every advisory of the fixture is about a transitive package (`bad1`, `bad2`, `bad3`, `nofix`); none of the
    // `direct*` packages written in the file is affected. osv-scalibr relaxes the direct requirements so that its
    // resolver can pick fixed transitive versions; osv-lens, with no resolver, finds nothing to change in this file.
    let root = common::fixtures("osv-scalibr/guidedremediation/testdata/python");
    let text = read(&root.join("relax/requirements/requirements.txt"));
    let records: serde_json::Value = serde_json::from_str(&read(&root.join("vulnerabilities.json"))).expect("JSON");
    let records: Vec<osv_lens::osv::Vulnerability> =
        serde_json::from_value(records["vulns"].clone()).expect("OSV records");
    let database = osv_lens::osv::database::Database::new(records);
    let parsed = parse_files(&[InputFile::new("requirements.txt", text.as_str())]);
    for dependency in parsed.dependencies() {
        assert!(database.matching(&dependency.name, None).is_empty(), "`{}` has no advisory", dependency.name);
    }
    assert_eq!(patch_requirements(&text, &[]).text, text);
}

#[test]
fn our_planner_on_their_manifest_differs_only_in_style() {
    let root = common::fixtures("osv-scalibr/guidedremediation/internal/manifest/python/testdata/requirements");
    let text = read(&root.join("requirements.txt"));
    let want = read(&root.join("want.requirements.txt"));
    // Our own advisories, one per package, fixed at the versions osv-scalibr's test moves to.
    let record = |id: &str, name: &str, fixed: &str| -> osv_lens::osv::Vulnerability {
        serde_json::from_str(&format!(
            r#"{{"id":"{id}","modified":"m","affected":[{{"package":{{"ecosystem":"PyPI","name":"{name}"}},
               "ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
        ))
        .expect("valid record")
    };
    let records = [
        record("X-1", "docopt", "0.6.2"),
        record("X-2", "requests", "2.32.4"),
        record("X-3", "mopidy-dirble", "1.3.0"),
    ];
    let compiled: Vec<_> = records.iter().map(osv_lens::matching::CompiledVulnerability::new).collect();
    let parsed = parse_files(&[InputFile::new("requirements.txt", text.as_str())]);
    let mut edits = Vec::new();
    for (record, compiled) in records.iter().zip(&compiled) {
        let name = record.affected[0].package.as_ref().expect("a package").name.as_str();
        let dependency = parsed.dependencies().find(|dependency| dependency.name == name).expect("in the file");
        let package = [osv_lens::fix::PackageRecord { id: &record.id, record: compiled }];
        let plan = match &dependency.version {
            osv_lens::model::DependencyVersion::Pinned(version) => {
                osv_lens::fix::plan_pinned(name, version, &package, None)
            }
            osv_lens::model::DependencyVersion::Range(specifiers) => {
                let verdict = osv_lens::ranges::evaluate(name, specifiers, &[compiled], None);
                let written = dependency.written_specifier.as_deref();
                osv_lens::fix::plan_range(name, specifiers, written, &package, &[record.id.as_str()], None, &verdict)
            }
            other => panic!("`{name}` is {other:?}"),
        };
        let target = plan.target.clone().expect("a fix");
        let new = if matches!(dependency.version, osv_lens::model::DependencyVersion::Pinned(_)) {
            NewSpecifier::Pin(target)
        } else {
            NewSpecifier::LowerBound(target)
        };
        edits.push(SpecifierEdit { line: dependency.origin.line, column: dependency.origin.column, new });
    }
    let ours = patch_requirements(&text, &edits).text;
    let differing: Vec<(&str, &str)> = ours.lines().zip(want.lines()).filter(|(ours, theirs)| ours != theirs).collect();
    assert_eq!(ours.lines().count(), want.lines().count(), "only specifiers change, no line is added or removed");
    assert_eq!(
        differing,
        [
            // osv-scalibr caps the range at the next major version; osv-lens invents no upper bound the file did not
            // have (`== 2.8.*` is dropped because 2.32.4 breaks it, and nothing replaces it).
            (
                "requests [security] >= 2.32.4 ; python_version < \"2.7\"",
                "requests [security] >= 2.32.4, < 3.0.0 ; python_version < \"2.7\""
            ),
            // The same versions in other words: `~=1.3` is `>=1.3, ==1.*`, which is `>=1.3.0,<2.0.0` (both leave out
            // 2.0 pre-releases). osv-lens keeps the compatible-release operator the file used.
            ("Mopidy-Dirble~=1.3  # Some comment", "Mopidy-Dirble>=1.3.0,<2.0.0  # Some comment"),
        ]
    );
    assert!(ours.contains("docopt == 0.6.2\n"), "the pin agrees");
    let compatible = VersionSpecifiers::from_str("~=1.3").expect("valid");
    let bounded = VersionSpecifiers::from_str(">=1.3.0,<2.0.0").expect("valid");
    for version in ["1.2.9", "1.3", "1.3.0", "1.9.9", "2.0.0", "2.0.0a1"] {
        let version = Version::from_str(version).expect("valid");
        assert_eq!(compatible.contains(&version), bounded.contains(&version), "{version}");
    }
}
