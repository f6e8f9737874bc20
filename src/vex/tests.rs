use serde_json::{json, Value};

use super::*;
use crate::export::tests::{cyclonedx_validator, malicious_report, sample_report};
use crate::triage::{self, Ignore};

const NOW: &str = "2026-12-07T12:00:00Z";

/// The sample report (alpha 1.0: PYSEC-2099-1 fixed in 1.4 and 1.5, alias CVE-2099-1000, and OSVLENS-TEST-2 fixed
/// in 1.2; beta 2.0: GHSA-bbbb-0000-0000 and OSVLENS-TEST-9, no fix) with rules of every kind: by an alias, with an
/// expiry, until fixed (on a finding with no fix, so it applies), without a reason, and one that names nothing.
fn triaged() -> (Report, Vec<Ignore>) {
    let mut report = sample_report();
    let rules = vec![
        Ignore::new("CVE-2099-1000", "only in tests", Some("2099-01-01")).expect("ok"),
        Ignore {
            until_fixed: true,
            ..Ignore::new("GHSA-bbbb-0000-0000", "not reachable: \"quoted\"", None).expect("ok")
        },
        Ignore::new("OSVLENS-TEST-9", "", None).expect("ok"),
    ];
    triage::apply(&mut report, &rules, "2026-12-07");
    (report, rules)
}

/// The findings the worker reads for `report` and `rules`, as the page sends them.
fn listed(report: &Report, rules: &[Ignore]) -> Vec<VexFinding> {
    findings_of(&export_input(report), &json!({ "ignores": rules }).to_string(), "2026-12-07")
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("the document is JSON")
}

fn read_back(text: &str, name: &str) -> VexImport {
    read(name, text.as_bytes()).expect("the document reads")
}

#[test]
fn the_findings_list_is_one_entry_per_package_version_and_id() {
    let (report, rules) = triaged();
    let findings = listed(&report, &rules);
    let rows: Vec<(&str, Option<&str>, &str, bool)> =
        findings.iter().map(|f| (f.package.as_str(), f.version.as_deref(), f.id.as_str(), f.rule.is_some())).collect();
    assert_eq!(
        rows,
        [
            ("alpha", Some("1.0"), "OSVLENS-TEST-2", false),
            ("alpha", Some("1.0"), "PYSEC-2099-1", true),
            ("beta", Some("2.0"), "GHSA-bbbb-0000-0000", true),
            ("beta", Some("2.0"), "OSVLENS-TEST-9", true),
        ]
    );
    assert_eq!(findings[1].fixed, ["1.4", "1.5"]);
    // The rules apply as on the page: an expired rule, or an "until fixed" rule on a finding with a fix, ignores
    // nothing.
    let ended = [
        Ignore::new("OSVLENS-TEST-2", "", Some("2026-12-07")).expect("ok"),
        Ignore { until_fixed: true, ..Ignore::new("PYSEC-2099-1", "", None).expect("ok") },
    ];
    assert!(listed(&report, &ended).iter().all(|finding| finding.rule.is_none()));
    // A range (written as its specifier) is a product without a version; a `MAL-` alias makes a finding malicious;
    // a skipped dependency gives nothing.
    let export = json!({ "dependencies": [
        { "name": "alpha", "version": ">=1.0", "vulns": [{ "id": "GHSA-x", "fix_versions": [], "aliases": ["MAL-2099-7"] }] },
        { "name": "beta", "skip_reason": "editable" }
    ] });
    let found = findings_of(&export.to_string(), "{}", "2026-12-07");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].version.as_deref(), found[0].malicious), (None, true));
}

#[test]
fn openvex_export_says_not_affected_with_the_reason_and_affected_with_the_fix() {
    let (report, rules) = triaged();
    let document = parse(&write(VexFormat::OpenVex, &listed(&report, &rules), NOW));
    assert_eq!(document["@context"], "https://openvex.dev/ns/v0.2.0");
    assert_eq!(document["timestamp"], NOW);
    let statements = document["statements"].as_array().expect("statements");
    let by_name = |name: &str| {
        statements.iter().find(|s| s["vulnerability"]["name"] == name).unwrap_or_else(|| panic!("{name}")).clone()
    };
    // Ignored by an alias: the statement names the vulnerability as the rule does; the primary ID is an alias.
    let alias = by_name("CVE-2099-1000");
    assert_eq!(alias["status"], "not_affected");
    assert_eq!(alias["impact_statement"], "only in tests");
    assert_eq!(alias["vulnerability"]["aliases"], json!(["PYSEC-2099-1", "GHSA-aaaa-0000-0000"]));
    assert_eq!(alias["products"], json!([{ "@id": "pkg:pypi/alpha@1.0" }]));
    assert_eq!(alias["status_notes"], "osv-lens ignore rule: until 2099-01-01");
    let open = by_name("OSVLENS-TEST-2");
    assert_eq!(
        (open["status"].as_str(), open["action_statement"].as_str()),
        (Some("affected"), Some("Upgrade to 1.2."))
    );
    assert_eq!(by_name("OSVLENS-TEST-9")["impact_statement"], NO_REASON);
    assert_eq!(by_name("GHSA-bbbb-0000-0000")["status_notes"], "osv-lens ignore rule: until fixed");
    assert_eq!(statements.len(), 4);
}

#[test]
fn openvex_round_trip_gives_the_same_rules() {
    let (report, rules) = triaged();
    let text = write(VexFormat::OpenVex, &listed(&report, &rules), NOW);
    let imported = read_back(&text, "osv-lens.openvex.json");
    let mut got = imported.rules.clone();
    crate::sorting::sort_by(&mut got, |a, b| a.id.cmp(&b.id));
    let mut want = rules.clone();
    crate::sorting::sort_by(&mut want, |a, b| a.id.cmp(&b.id));
    assert_eq!(got, want);
    assert_eq!(
        imported.summary,
        "3 ignore rules added from `osv-lens.openvex.json` (OpenVEX, 4 statements). 1 statement not used: 1 affected. Only not_affected, false_positive, resolved and fixed statements become ignore rules."
    );
    // Applied to the same report, the imported rules ignore the same findings.
    let mut again = sample_report();
    triage::apply(&mut again, &imported.rules, "2026-12-07");
    assert_eq!(again, report);
}

#[test]
fn cyclonedx_round_trip_gives_the_same_rules() {
    let (report, rules) = triaged();
    let text = write(VexFormat::CycloneDx, &listed(&report, &rules), NOW);
    let document = parse(&text);
    let states: Vec<(&str, &str)> = document["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities")
        .iter()
        .map(|v| (v["id"].as_str().unwrap_or(""), v["analysis"]["state"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        states,
        [
            ("CVE-2099-1000", "not_affected"),
            ("GHSA-bbbb-0000-0000", "not_affected"),
            ("OSVLENS-TEST-2", "exploitable"),
            ("OSVLENS-TEST-9", "not_affected")
        ]
    );
    let open = &document["vulnerabilities"][2];
    assert_eq!(open["recommendation"], "Upgrade to 1.2.");
    assert_eq!(open["analysis"]["response"], json!(["update"]));
    assert_eq!(open["affects"], json!([{ "ref": "pkg:pypi/alpha@1.0" }]));
    assert_eq!(document["vulnerabilities"][0]["analysis"]["detail"], "only in tests");
    let imported = read_back(&text, "bom.json");
    let mut got = imported.rules;
    crate::sorting::sort_by(&mut got, |a, b| a.id.cmp(&b.id));
    let mut want = rules;
    crate::sorting::sort_by(&mut want, |a, b| a.id.cmp(&b.id));
    assert_eq!(got, want);
    assert!(
        imported.summary.starts_with(
            "3 ignore rules added from `bom.json` (CycloneDX VEX, 4 statements). 1 statement not used: 1 exploitable."
        ),
        "{}",
        imported.summary
    );
}

#[test]
fn cyclonedx_vex_validates_against_the_cyclonedx_1_6_schema() {
    use crate::export::tests::assert_valid;
    let validator = cyclonedx_validator();
    let (report, rules) = triaged();
    assert_valid(&validator, &parse(&write(VexFormat::CycloneDx, &listed(&report, &rules), NOW)), "CycloneDX VEX");
    assert_valid(&validator, &parse(&write(VexFormat::CycloneDx, &[], NOW)), "an empty CycloneDX VEX");
    let malicious = listed(&malicious_report(), &[]);
    assert_valid(&validator, &parse(&write(VexFormat::CycloneDx, &malicious, NOW)), "CycloneDX VEX, malicious");
    // A range (no version) is a component without one.
    let range = VexFinding {
        package: "zope.interface".into(),
        version: None,
        id: "X-1".into(),
        aliases: Vec::new(),
        fixed: Vec::new(),
        malicious: false,
        rule: None,
    };
    let document = parse(&write(VexFormat::CycloneDx, &[range], NOW));
    assert_eq!(document["components"][0]["purl"], "pkg:pypi/zope.interface");
    assert_valid(&validator, &document, "CycloneDX VEX with a range");
    // The validator does reject a broken analysis.
    let mut broken = parse(&write(VexFormat::CycloneDx, &listed(&report, &rules), NOW));
    broken["vulnerabilities"][0]["analysis"]["state"] = json!("ignored");
    assert!(!validator.is_valid(&broken));
}

/// OpenVEX 0.2.0's requirements as a JSON Schema, written from the specification (`OPENVEX-SPEC.md` of
/// github.com/openvex/spec, v0.2.0): the published schema file ships in no package of the registries these tests
/// can reach, and the tests never fetch from elsewhere. It holds the document's required fields, the statement's
/// required vulnerability, products and status, the status and justification vocabularies, and the two rules the
/// specification puts on statuses: `not_affected` needs a justification or an impact statement, `affected` an
/// action statement.
fn openvex_spec_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["@context", "@id", "author", "timestamp", "version", "statements"],
        "properties": {
            "@context": { "type": "string", "pattern": "^https://openvex\\.dev/ns" },
            "@id": { "type": "string", "format": "iri" },
            "author": { "type": "string", "minLength": 1 },
            "role": { "type": "string" },
            "timestamp": { "type": "string", "format": "date-time" },
            "last_updated": { "type": "string", "format": "date-time" },
            "version": { "type": "integer", "minimum": 1 },
            "tooling": { "type": "string" },
            "statements": { "type": "array", "items": { "$ref": "#/$defs/statement" } }
        },
        "$defs": {
            "statement": {
                "type": "object",
                "required": ["vulnerability", "products", "status"],
                "properties": {
                    "@id": { "type": "string", "format": "iri" },
                    "vulnerability": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {
                            "@id": { "type": "string", "format": "iri" },
                            "name": { "type": "string", "minLength": 1 },
                            "description": { "type": "string" },
                            "aliases": { "type": "array", "items": { "type": "string" } }
                        },
                        "additionalProperties": false
                    },
                    "products": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/product" } },
                    "status": { "enum": ["not_affected", "affected", "fixed", "under_investigation"] },
                    "status_notes": { "type": "string" },
                    "justification": { "enum": [
                        "component_not_present", "vulnerable_code_not_present",
                        "vulnerable_code_not_in_execute_path", "vulnerable_code_cannot_be_controlled_by_adversary",
                        "inline_mitigations_already_exist"
                    ] },
                    "impact_statement": { "type": "string", "minLength": 1 },
                    "action_statement": { "type": "string", "minLength": 1 },
                    "action_statement_timestamp": { "type": "string", "format": "date-time" },
                    "timestamp": { "type": "string", "format": "date-time" },
                    "last_updated": { "type": "string", "format": "date-time" }
                },
                "additionalProperties": false,
                "allOf": [
                    { "if": { "properties": { "status": { "const": "not_affected" } } },
                      "then": { "anyOf": [ { "required": ["justification"] }, { "required": ["impact_statement"] } ] } },
                    { "if": { "properties": { "status": { "const": "affected" } } },
                      "then": { "required": ["action_statement"] } }
                ]
            },
            "product": {
                "type": "object",
                "anyOf": [ { "required": ["@id"] }, { "required": ["identifiers"] } ],
                "properties": {
                    "@id": { "type": "string", "format": "iri" },
                    "identifiers": { "type": "object" },
                    "hashes": { "type": "object" },
                    "subcomponents": { "type": "array" }
                }
            }
        }
    })
}

#[test]
fn openvex_validates_against_the_specifications_requirements() {
    use crate::export::tests::assert_valid;
    let schema = openvex_spec_schema();
    let validator = jsonschema::options().should_validate_formats(true).build(&schema).expect("the schema compiles");
    let (report, rules) = triaged();
    let document = parse(&write(VexFormat::OpenVex, &listed(&report, &rules), NOW));
    assert_valid(&validator, &document, "OpenVEX");
    assert_valid(&validator, &parse(&write(VexFormat::OpenVex, &[], NOW)), "an empty OpenVEX document");
    let malicious = parse(&write(VexFormat::OpenVex, &listed(&malicious_report(), &[]), NOW));
    assert_valid(&validator, &malicious, "OpenVEX, malicious");
    // The schema does catch what the specification forbids.
    for (pointer, value) in [
        ("/statements/0/status", json!("ignored")),
        ("/statements/0/impact_statement", Value::Null),
        ("/statements/2/action_statement", Value::Null),
        ("/timestamp", json!("yesterday")),
    ] {
        let mut broken = document.clone();
        let parent = pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
        let key = pointer.rsplit('/').next().unwrap_or_default();
        if value.is_null() {
            broken.pointer_mut(parent).and_then(Value::as_object_mut).expect("an object").remove(key);
        } else {
            *broken.pointer_mut(pointer).expect("there") = value;
        }
        assert!(!validator.is_valid(&broken), "{pointer} broken, still valid");
    }
}

#[test]
fn foreign_openvex_statements_become_rules_with_their_reasons() {
    let document = json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.org/vex/1",
        "author": "Someone",
        "timestamp": NOW,
        "version": 2,
        "statements": [
            { "vulnerability": { "name": "CVE-2024-1" }, "products": [{ "@id": "pkg:pypi/a@1" }],
              "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path" },
            { "vulnerability": { "name": "CVE-2024-1" }, "products": [{ "@id": "pkg:pypi/b@1" }],
              "status": "not_affected", "justification": "component_not_present" },
            { "vulnerability": "GHSA-old-draft", "status": "fixed", "status_notes": "patched downstream" },
            { "vulnerability": { "name": "CVE-2024-2" }, "status": "affected", "action_statement": "upgrade" },
            { "vulnerability": { "name": "CVE-2024-3" }, "status": "under_investigation" },
            { "vulnerability": { "name": "CVE-2024-4" }, "status": "not_affected", "impact_statement": "x",
              "status_notes": "osv-lens ignore rule: until someday; until 2030-02-03" },
            { "vulnerability": { "name": " " }, "status": "not_affected", "impact_statement": "no name" }
        ]
    });
    let imported = read_back(&document.to_string(), "vendor.vex.json");
    let rules: Vec<(&str, &str, Option<&str>, bool)> = imported
        .rules
        .iter()
        .map(|rule| (rule.id.as_str(), rule.reason.as_str(), rule.until.as_deref(), rule.until_fixed))
        .collect();
    assert_eq!(
        rules,
        [
            ("CVE-2024-1", "vulnerable code not in execute path", None, false),
            ("GHSA-old-draft", "fixed (OpenVEX)", None, false),
            ("CVE-2024-4", "x", Some("2030-02-03"), false),
        ]
    );
    assert_eq!(
        imported.summary,
        "3 ignore rules added from `vendor.vex.json` (OpenVEX, 7 statements). 3 statements not used: 1 affected, 1 \
         under investigation, 1 without a vulnerability name. Only not_affected, false_positive, resolved and fixed \
         statements become ignore rules."
    );
}

#[test]
fn foreign_cyclonedx_analyses_become_rules_with_their_reasons() {
    let document = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "vulnerabilities": [
            { "id": "CVE-2024-10", "analysis": { "state": "false_positive" } },
            { "id": "CVE-2024-11", "analysis": { "state": "not_affected", "justification": "code_not_reachable" } },
            { "id": "CVE-2024-12", "analysis": { "state": "resolved", "detail": "backported" } },
            { "id": "CVE-2024-13", "analysis": { "state": "in_triage" } },
            { "id": "CVE-2024-14" }
        ]
    });
    let imported = read_back(&document.to_string(), "sbom.cdx.json");
    let rules: Vec<(&str, &str)> = imported.rules.iter().map(|rule| (rule.id.as_str(), rule.reason.as_str())).collect();
    assert_eq!(
        rules,
        [
            ("CVE-2024-10", "false positive (CycloneDX VEX)"),
            ("CVE-2024-11", "code not reachable"),
            ("CVE-2024-12", "backported")
        ]
    );
    assert!(
        imported.summary.contains("2 statements not used: 1 in triage, 1 without an analysis."),
        "{}",
        imported.summary
    );
}

#[test]
fn what_is_not_vex_is_refused_naming_the_file() {
    let not_json = read("notes.txt", b"hello").expect_err("not JSON");
    assert!(not_json.starts_with("`notes.txt` could not be read as a VEX document: it is not JSON"), "{not_json}");
    let other = read("package.json", br#"{"name":"x"}"#).expect_err("not VEX");
    assert!(other.starts_with("`package.json` is not a VEX document"), "{other}");
    // A CycloneDX BOM with no vulnerabilities reads, and adds nothing.
    let empty = read("bom.json", br#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#).expect("reads");
    assert!(empty.rules.is_empty());
    assert_eq!(empty.summary, "0 ignore rules added from `bom.json` (CycloneDX VEX, 0 statements).");
}

#[test]
fn cut_or_garbled_documents_are_refused_or_read_never_a_panic() {
    let (report, rules) = triaged();
    for format in [VexFormat::OpenVex, VexFormat::CycloneDx] {
        let text = write(format, &listed(&report, &rules), NOW);
        for end in (0..text.len()).step_by(7) {
            if let Err(message) = read("cut.json", &text.as_bytes()[..end]) {
                assert!(message.contains("`cut.json`"), "{message}");
            }
        }
    }
    // Wrong types where strings and arrays belong read as nothing, not as a crash.
    for document in [
        json!({ "@context": "https://openvex.dev/ns/v0.2.0", "statements": { "not": "a list" } }),
        json!({ "@context": "https://openvex.dev/ns/v0.2.0", "statements": [1, null, { "vulnerability": 7, "status": "not_affected" }] }),
        json!({ "bomFormat": "CycloneDX", "vulnerabilities": [{ "id": ["x"], "analysis": { "state": "not_affected" } }, "y"] }),
    ] {
        let read = read("odd.json", document.to_string().as_bytes()).expect("reads");
        assert!(read.rules.is_empty(), "{:?}", read.rules);
    }
}
