use std::rc::Rc;

use serde_json::Value;

use super::*;
use crate::audit::{LookupError, Lookups, PackageKey};
use crate::osv::api::VulnRef;
use crate::osv::Vulnerability;
use crate::sources::{parse_files, InputFile};

fn record(json: &str) -> Rc<Vulnerability> {
    Rc::new(serde_json::from_str(json).expect("test records are valid"))
}

/// A report with aliasing records, every kind of severity, a skipped and an unchecked dependency, and advisory text
/// written to break exports (formula, pipes, quotes, markup).
pub(crate) fn sample_report() -> Report {
    sample_report_in_order(false)
}

/// The sample report, with OSV's answers listed in reverse order when `reverse` is set.
fn sample_report_in_order(reverse: bool) -> Report {
    let parsed = parse_files(&[InputFile::new("requirements.txt", "alpha==1.0\nbeta==2.0\n-e ./local\ngamma==3.0\n")]);
    let mut lookups = Lookups::default();
    let refs = |ids: &[&str]| {
        let mut refs: Vec<VulnRef> =
            ids.iter().map(|id| VulnRef { id: id.to_string(), modified: String::new() }).collect();
        if reverse {
            refs.reverse();
        }
        Ok(refs)
    };
    lookups.queries.insert(
        PackageKey { name: "alpha".into(), version: "1.0".into() },
        refs(&["GHSA-aaaa-0000-0000", "OSVLENS-TEST-2", "PYSEC-2099-1"]),
    );
    lookups.queries.insert(
        PackageKey { name: "beta".into(), version: "2.0".into() },
        refs(&["OSVLENS-TEST-9", "GHSA-bbbb-0000-0000"]),
    );
    lookups.queries.insert(PackageKey { name: "gamma".into(), version: "3.0".into() }, Err(LookupError::Status(503)));
    let records = [
        r#"{"id":"PYSEC-2099-1","modified":"2026-01-02T00:00:00Z","published":"2026-01-01T00:00:00Z",
            "aliases":["CVE-2099-1000","GHSA-aaaa-0000-0000"],"summary":"=HYPERLINK(\"http://evil\") in alpha, \"quoted\"",
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "affected":[{"package":{"ecosystem":"PyPI","name":"alpha"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.5"}]}]}],
            "references":[{"type":"ADVISORY","url":"https://example.org/a"},{"type":"FIX","url":"https://example.org/fix"}]}"#,
        r#"{"id":"GHSA-aaaa-0000-0000","modified":"2026-03-01T00:00:00Z","published":"2025-12-30T00:00:00Z",
            "aliases":["CVE-2099-1000"],"summary":"alpha lets anyone in",
            "severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}],
            "database_specific":{"severity":"CRITICAL"},
            "affected":[{"package":{"ecosystem":"PyPI","name":"alpha"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.4"}]}]}],
            "references":[{"type":"ADVISORY","url":"https://example.org/a"},{"type":"WEB","url":"javascript:alert(1)"}]}"#,
        r#"{"id":"OSVLENS-TEST-2","modified":"2026-02-01T00:00:00Z","summary":"alpha | pipes <b>and</b> markup",
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"}],
            "affected":[{"package":{"ecosystem":"PyPI","name":"alpha"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"}]}]}]}"#,
        r#"{"id":"GHSA-bbbb-0000-0000","modified":"2026-02-01T00:00:00Z","summary":"beta, high by word only",
            "database_specific":{"severity":"HIGH"},
            "affected":[{"package":{"ecosystem":"PyPI","name":"beta"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#,
        r#"{"id":"OSVLENS-TEST-9","modified":"2026-02-01T00:00:00Z","details":"Line one\nline two, with a comma",
            "affected":[{"package":{"ecosystem":"PyPI","name":"beta"},"versions":["2.0"]}]}"#,
    ];
    for json in records {
        let record = record(json);
        lookups.apply(&crate::audit::AuditEvent::Record(record.id.clone(), Ok(record)));
    }
    crate::report::build(&parsed, &lookups)
}

/// A report with a vulnerable pin and a malicious one, the malicious record made up in the shape of the OpenSSF
/// malicious-packages database's (a `MAL-` ID, one version, no fix, no severity).
pub(crate) fn malicious_report() -> Report {
    let parsed = parse_files(&[InputFile::new("requirements.txt", "alpha==1.0\nrequets==0.1\n")]);
    let mut lookups = Lookups::default();
    let refs =
        |ids: &[&str]| Ok(ids.iter().map(|id| VulnRef { id: id.to_string(), modified: String::new() }).collect());
    lookups.queries.insert(PackageKey { name: "alpha".into(), version: "1.0".into() }, refs(&["OSVLENS-TEST-2"]));
    lookups.queries.insert(PackageKey { name: "requets".into(), version: "0.1".into() }, refs(&["MAL-2099-7"]));
    let records = [
        r#"{"id":"OSVLENS-TEST-2","modified":"2026-02-01T00:00:00Z","summary":"alpha leaks",
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "affected":[{"package":{"ecosystem":"PyPI","name":"alpha"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"}]}]}]}"#,
        r#"{"id":"MAL-2099-7","modified":"2026-02-01T00:00:00Z","published":"2026-01-30T00:00:00Z",
            "summary":"Malicious code in requets (PyPI)","details":"A made-up typosquat that reads environment variables.",
            "affected":[{"package":{"ecosystem":"PyPI","name":"requets"},"versions":["0.1"]}],
            "database_specific":{"malicious-packages-origins":[{"source":"made-up"}]}}"#,
    ];
    for json in records {
        let record = record(json);
        lookups.apply(&crate::audit::AuditEvent::Record(record.id.clone(), Ok(record)));
    }
    crate::report::build(&parsed, &lookups)
}

#[test]
fn a_malicious_package_leads_every_export_with_its_id_and_no_upgrade() {
    let report = malicious_report();
    // SARIF: level error, though the record gives no severity; the advice instead of a fix.
    let sarif = json(&ExportFormat::Sarif.render(&report, ""));
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let mal = results.iter().find(|result| result["ruleId"] == "MAL-2099-7").expect("the MAL result");
    assert_eq!(mal["level"], "error");
    assert_eq!(mal["properties"]["kind"], "malicious");
    let text = mal["message"]["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("requets 0.1 is a malicious package MAL-2099-7.") && text.contains("Remove it"), "{text}");
    assert!(!text.contains("Fixed in") && !text.contains("No fixed version"), "{text}");
    let rule = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|rule| rule["id"] == "MAL-2099-7")
        .cloned()
        .expect("the MAL rule");
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    // CycloneDX: the ID, the advice as the recommendation, CWE-506.
    let bom = json(&ExportFormat::CycloneDx.render(&report, "2026-11-25T12:00:00Z"));
    let vuln = bom["vulnerabilities"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|vuln| vuln["id"] == "MAL-2099-7")
        .cloned()
        .expect("the MAL vulnerability");
    assert!(vuln["recommendation"].as_str().unwrap_or_default().contains("Remove it"));
    assert_eq!(vuln["cwes"], serde_json::json!([506]));
    // pip-audit JSON: the ID, and no fix version.
    let pip = json(&ExportFormat::Json.render(&report, ""));
    let requets = &pip["dependencies"][1];
    assert_eq!((requets["name"].as_str(), requets["vulns"][0]["id"].as_str()), (Some("requets"), Some("MAL-2099-7")));
    assert_eq!(requets["vulns"][0]["fix_versions"], serde_json::json!([]));
    // Markdown: the malicious package at the top, before what to change, where it is to be removed.
    let markdown = ExportFormat::Markdown.render(&report, "");
    let section = markdown.find("### Malicious packages (1)").expect("the section");
    let table = markdown.find("### What to change").expect("the table");
    assert!(section < table, "{markdown}");
    assert!(markdown[section..table].contains("`requets` `0.1`"), "{markdown}");
    let row = markdown[table..].lines().find(|line| line.starts_with("| `requets`")).expect("its row");
    assert!(row.contains("remove it"), "{row}");
    // The fix plans leave it out.
    let requets_row = &report.files[0].dependencies[1];
    assert_eq!(requets_row.fix, None);
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("the export is JSON")
}

#[test]
fn aliasing_records_are_one_finding_led_by_the_pysec_id() {
    let report = sample_report();
    let alpha = &report.files[0].dependencies[0];
    let ids: Vec<(&str, Vec<&str>)> = alpha
        .findings
        .iter()
        .map(|finding| (finding.id.as_str(), finding.aliases.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(ids, [("OSVLENS-TEST-2", vec![]), ("PYSEC-2099-1", vec!["CVE-2099-1000", "GHSA-aaaa-0000-0000"])]);
    let merged = &alpha.findings[1];
    assert_eq!(merged.records, ["PYSEC-2099-1", "GHSA-aaaa-0000-0000"]);
    assert_eq!(merged.fixed_versions, ["1.4", "1.5"]);
    assert_eq!(merged.severity.score(), Some(9.8));
    assert_eq!(merged.severity.scores.len(), 2, "the v4 vector is kept for the exports");
    assert_eq!(merged.published.as_deref(), Some("2025-12-30T00:00:00Z"));
    assert_eq!(merged.modified.as_deref(), Some("2026-03-01T00:00:00Z"));
    let urls: Vec<&str> = merged.references.iter().map(|reference| reference.url.as_str()).collect();
    assert_eq!(urls, ["https://example.org/a", "https://example.org/fix", "javascript:alert(1)"]);
    assert_eq!(report.summary.findings, 4);
    let beta_unknown = &report.files[0].dependencies[1].findings[1];
    assert_eq!(beta_unknown.details, [("OSVLENS-TEST-9".to_string(), "Line one\nline two, with a comma".to_string())]);
}

#[test]
fn grouping_does_not_depend_on_the_order_of_answers() {
    let reversed = sample_report_in_order(true);
    assert_eq!(sample_report(), reversed);
}

#[test]
fn pip_audit_json_has_pip_audits_shape() {
    let value = json(&ExportFormat::Json.render(&sample_report(), ""));
    let object = value.as_object().expect("an object");
    assert_eq!(object.keys().collect::<Vec<_>>(), ["dependencies", "fixes"]);
    assert_eq!(value["fixes"], serde_json::json!([]));
    let dependencies = value["dependencies"].as_array().expect("a list");
    let names: Vec<&str> = dependencies.iter().map(|dependency| dependency["name"].as_str().unwrap_or("")).collect();
    assert_eq!(names, ["alpha", "beta", "./local", "gamma"]);
    let alpha = &dependencies[0];
    let mut keys: Vec<&String> = alpha.as_object().expect("object").keys().collect();
    crate::sorting::sort(&mut keys);
    assert_eq!(keys, ["name", "version", "vulns"]);
    assert_eq!(alpha["version"], "1.0");
    let vuln = &alpha["vulns"][1];
    let mut keys: Vec<&String> = vuln.as_object().expect("object").keys().collect();
    crate::sorting::sort(&mut keys);
    assert_eq!(keys, ["aliases", "description", "fix_versions", "id"]);
    assert_eq!(vuln["id"], "PYSEC-2099-1");
    assert_eq!(vuln["fix_versions"], serde_json::json!(["1.4", "1.5"]));
    assert_eq!(vuln["aliases"], serde_json::json!(["CVE-2099-1000", "GHSA-aaaa-0000-0000"]));
    // Skipped and unchecked dependencies are skips with a reason, never an empty (clean) vulns list.
    assert_eq!(dependencies[2].as_object().map(|object| object.len()), Some(2));
    assert!(dependencies[2]["skip_reason"].as_str().is_some_and(|reason| reason.contains("editable")));
    assert!(dependencies[3]["skip_reason"].as_str().is_some_and(|reason| reason.contains("503")));
    assert!(dependencies[3].get("vulns").is_none());
}

#[test]
fn ignored_findings_leave_pip_audit_json_but_stay_in_sarif_as_suppressed() {
    let mut report = sample_report();
    crate::triage::apply(
        &mut report,
        &[crate::triage::Ignore::new("PYSEC-2099-1", "dev only", None).expect("ok")],
        "2026-01-01",
    );
    let value = json(&ExportFormat::Json.render(&report, ""));
    assert_eq!(value["dependencies"][0]["vulns"].as_array().map(Vec::len), Some(1));
    let sarif = json(&ExportFormat::Sarif.render(&report, ""));
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let suppressed: Vec<&Value> = results.iter().filter(|result| result.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "PYSEC-2099-1");
    assert_eq!(suppressed[0]["suppressions"][0]["justification"], "dev only");
}

#[test]
fn sarif_results_point_at_the_file_and_line() {
    let sarif = json(&ExportFormat::Sarif.render(&sample_report(), ""));
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    let beta = results.iter().find(|result| result["ruleId"] == "GHSA-bbbb-0000-0000").expect("beta's finding");
    let location = &beta["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "requirements.txt");
    assert_eq!(location["region"]["startLine"], 2);
    assert_eq!(location["region"]["startColumn"], 1);
    assert_eq!(beta["level"], "error");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().expect("rules");
    let index = beta["ruleIndex"].as_u64().expect("an index") as usize;
    assert_eq!(rules[index]["id"], "GHSA-bbbb-0000-0000");
    let pysec = rules.iter().find(|rule| rule["id"] == "PYSEC-2099-1").expect("rule");
    assert_eq!(pysec["properties"]["security-severity"], "9.8");
}

#[test]
fn cyclonedx_lists_components_vulnerabilities_ratings_and_affects() {
    let bom = json(&ExportFormat::CycloneDx.render(&sample_report(), "2026-11-25T12:00:00Z"));
    assert_eq!((bom["bomFormat"].as_str(), bom["specVersion"].as_str()), (Some("CycloneDX"), Some("1.6")));
    let purls: Vec<&str> =
        bom["components"].as_array().expect("components").iter().map(|c| c["purl"].as_str().unwrap_or("")).collect();
    assert_eq!(purls, ["pkg:pypi/alpha@1.0", "pkg:pypi/beta@2.0", "pkg:pypi/gamma@3.0"]);
    let vulnerabilities = bom["vulnerabilities"].as_array().expect("vulnerabilities");
    let pysec = vulnerabilities.iter().find(|v| v["id"] == "PYSEC-2099-1").expect("PYSEC");
    let methods: Vec<&str> =
        pysec["ratings"].as_array().expect("ratings").iter().map(|r| r["method"].as_str().unwrap_or("")).collect();
    assert_eq!(methods, ["CVSSv4", "CVSSv31"]);
    assert_eq!(pysec["ratings"][1]["score"], 9.8);
    assert_eq!(pysec["ratings"][1]["severity"], "critical");
    assert_eq!(pysec["ratings"][1]["vector"], "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_eq!(pysec["affects"], serde_json::json!([{ "ref": "pkg:pypi/alpha@1.0" }]));
    let references: Vec<&str> =
        pysec["references"].as_array().expect("refs").iter().map(|r| r["id"].as_str().unwrap_or("")).collect();
    assert_eq!(references, ["CVE-2099-1000", "GHSA-aaaa-0000-0000"]);
    let unknown = vulnerabilities.iter().find(|v| v["id"] == "OSVLENS-TEST-9").expect("unknown");
    assert_eq!(unknown["ratings"][0]["severity"], "unknown");
    // Only web links become advisories.
    let advisories = pysec["advisories"].as_array().expect("advisories");
    assert!(advisories.iter().all(|advisory| advisory["url"].as_str().is_some_and(|url| url.starts_with("https://"))));
}

#[test]
fn csv_quotes_per_rfc_4180_and_defuses_formulas() {
    let csv = ExportFormat::Csv.render(&sample_report(), "");
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert!(lines[0].starts_with("file,line,column,package,version,id,aliases,severity,score"));
    let pysec = lines.iter().find(|line| line.contains("PYSEC-2099-1")).expect("a row");
    assert!(pysec.contains(r#""'=HYPERLINK(""http://evil"") in alpha, ""quoted""""#), "{pysec}");
    assert_eq!(csv::quote("line one\nline two"), "\"line one\nline two\"", "a multi-line cell stays one quoted cell");
    assert_eq!(csv::quote("-1+2"), "'-1+2");
    assert_eq!(csv::quote("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(csv::quote("+x"), "'+x");
    assert_eq!(csv::quote("plain"), "plain");
    assert_eq!(csv::quote("a,b"), "\"a,b\"");
    assert!(csv.ends_with("\r\n"));
}

#[test]
fn markdown_leads_with_what_to_change_and_escapes_advisory_text() {
    let markdown = ExportFormat::Markdown.render(&sample_report(), "");
    assert!(markdown.starts_with("## osv-lens audit"));
    let table = markdown.find("| Package | From | To | Fixes | Worst |").expect("the fixes table");
    let details = markdown.find("<details><summary>alpha 1.0: 2 advisories</summary>").expect("alpha's advisories");
    assert!(table < details, "{markdown}");
    // One row per package: alpha moves to 1.5, which fixes both its findings; beta has no fixed version.
    let rows: Vec<&str> = markdown.lines().filter(|line| line.starts_with("| `")).collect();
    assert_eq!(
        rows,
        ["| `alpha` | `1.0` | `1.5` | 2 of 2 | Critical |", "| `beta` | `2.0` | no fix known | 0 of 2 | High |"]
    );
    // One line per advisory, escaped, linked, never its whole text.
    assert!(markdown.contains("alpha \\| pipes \\<b\\>and\\</b\\> markup"), "{markdown}");
    assert!(markdown.contains("- [PYSEC-2099-1](https://osv.dev/vulnerability/PYSEC-2099-1) · Critical · "));
    assert!(!markdown.contains("line two, with a comma"), "details stay out: {markdown}");
    assert!(markdown.contains("Not checked or skipped (2)"));
    assert_eq!(markdown.matches("<details>").count(), markdown.matches("</details>").count());
    assert!(!markdown.contains("Cut to fit"));
}

#[test]
fn markdown_past_the_comment_limit_is_cut_and_says_what_with_the_share_link() {
    // 40 packages of 20 advisories, each summary 300 characters: some 280 KB of advisories in full.
    let text: String = (0..40).map(|package| format!("pkg{package}==1.0\n")).collect();
    let parsed = parse_files(&[InputFile::new("requirements.txt", &text)]);
    let mut lookups = Lookups::default();
    let summary = "a".repeat(300);
    for package in 0..40 {
        let ids: Vec<String> = (0..20).map(|n| format!("TEST-{package}-{n}")).collect();
        for id in &ids {
            let json = format!(
                r#"{{"id":"{id}","modified":"m","summary":"{summary}","affected":[{{"package":{{"ecosystem":"PyPI","name":"pkg{package}"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"2.0"}}]}}]}}]}}"#
            );
            let record = record(&json);
            lookups.apply(&crate::audit::AuditEvent::Record(record.id.clone(), Ok(record)));
        }
        let refs = ids.iter().map(|id| VulnRef { id: id.clone(), modified: String::new() }).collect();
        lookups.queries.insert(PackageKey { name: format!("pkg{package}"), version: "1.0".into() }, Ok(refs));
    }
    let report = crate::report::build(&parsed, &lookups);
    assert_eq!(report.summary.findings, 800);
    let link = "https://osv-lens.example/#r=v1.abc";
    let markdown = markdown::render(&report, Some(link));
    assert!(markdown.chars().count() <= markdown::LIMIT, "{} characters", markdown.chars().count());
    assert!(markdown.len() > markdown::LIMIT - 2048, "the room is used: {}", markdown.len());
    // The whole fixes table is there; the advisories are cut, and the comment says so with the link.
    assert_eq!(markdown.lines().filter(|line| line.starts_with("| `pkg")).count(), 40);
    let listed = markdown.lines().filter(|line| line.starts_with("- [TEST-")).count();
    let note = markdown.lines().find(|line| line.starts_with("**Cut to fit")).expect("the note");
    assert!(note.contains(&format!("{} advisory lines left out", 800 - listed)) && note.contains(link), "{note}");
    assert_eq!(markdown.matches("<details>").count(), markdown.matches("</details>").count());
}

/// A published schema from the shared test data (`schemas/` in `$OSV_LENS_SHARED_DATA`, else in `../shared/data`
/// beside the repository). Fails the test, naming the path, when it is absent: CI always has it.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn schema(name: &str) -> Value {
    let root = match std::env::var_os("OSV_LENS_SHARED_DATA") {
        Some(path) if !path.is_empty() => std::path::PathBuf::from(path),
        _ => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    };
    let path = root.join("schemas").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}: this test needs the shared test data", path.display()));
    serde_json::from_str(&text).expect("a schema is JSON")
}

/// The schemas the CycloneDX schema references, served from the files instead of the network.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) struct SchemaFiles(pub(crate) Vec<(String, Value)>);

#[cfg(not(target_arch = "wasm32"))]
impl jsonschema::Retrieve for SchemaFiles {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.0
            .iter()
            .find(|(known, _)| known == uri.as_str())
            .map(|(_, schema)| schema.clone())
            .ok_or_else(|| format!("no local copy of {uri}").into())
    }
}

/// The published CycloneDX 1.6 schema, from the shared test data, with the schemas it references.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn cyclonedx_validator() -> jsonschema::Validator {
    let (spdx, jsf) = (schema("spdx.SNAPSHOT.schema.json"), schema("jsf-0.82.SNAPSHOT.schema.json"));
    let retriever = SchemaFiles(vec![
        ("http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json".into(), spdx),
        ("http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json".into(), jsf),
    ]);
    jsonschema::options()
        .should_validate_formats(true)
        .with_retriever(retriever)
        .build(&schema("bom-1.6.SNAPSHOT.schema.json"))
        .expect("the schema compiles")
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn assert_valid(schema: &jsonschema::Validator, document: &Value, what: &str) {
    let errors: Vec<String> =
        schema.iter_errors(document).map(|error| format!("{} at {}", error, error.instance_path())).collect();
    assert!(errors.is_empty(), "{what} is not valid:\n{}", errors.join("\n"));
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let schema = schema("sarif-schema-2.1.0.json");
    let validator = jsonschema::options().should_validate_formats(true).build(&schema).expect("the schema compiles");
    let mut report = sample_report();
    assert_valid(&validator, &json(&ExportFormat::Sarif.render(&report, "")), "SARIF");
    crate::triage::apply(
        &mut report,
        &[crate::triage::Ignore::new("CVE-2099-1000", "why", Some("2099-01-01")).expect("ok")],
        "2026-01-01",
    );
    assert_valid(&validator, &json(&ExportFormat::Sarif.render(&report, "")), "SARIF with a suppression");
    assert_valid(&validator, &json(&ExportFormat::Sarif.render(&Report::default(), "")), "an empty SARIF");
    assert_valid(&validator, &json(&ExportFormat::Sarif.render(&malicious_report(), "")), "SARIF with a MAL finding");
    // The validator does reject a broken document.
    let mut broken = json(&ExportFormat::Sarif.render(&report, ""));
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!validator.is_valid(&broken));
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn cyclonedx_validates_against_the_cyclonedx_1_6_schema() {
    let validator = cyclonedx_validator();
    assert_valid(
        &validator,
        &json(&ExportFormat::CycloneDx.render(&sample_report(), "2026-11-25T12:00:00Z")),
        "CycloneDX",
    );
    assert_valid(&validator, &json(&ExportFormat::CycloneDx.render(&Report::default(), "")), "an empty CycloneDX BOM");
    assert_valid(
        &validator,
        &json(&ExportFormat::CycloneDx.render(&malicious_report(), "2026-11-25T12:00:00Z")),
        "CycloneDX with a MAL finding",
    );
    let mut broken = json(&ExportFormat::CycloneDx.render(&sample_report(), ""));
    broken["vulnerabilities"][0]["ratings"][0]["severity"] = serde_json::json!("apocalyptic");
    assert!(!validator.is_valid(&broken));
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn how_the_input_was_resolved_is_printed_in_markdown_sarif_and_cyclonedx() {
    let mut report = sample_report();
    let resolution = "Resolved for CPython 3.12 on Linux x86_64 from https://pypi.org, as of 2025-06-01";
    for format in [ExportFormat::Markdown, ExportFormat::Sarif, ExportFormat::CycloneDx] {
        assert!(!format.render(&report, "").contains("Resolved for"), "nothing said when nothing was resolved");
    }
    report.resolved_for = Some(resolution.into());
    let markdown = ExportFormat::Markdown.render(&report, "");
    assert!(markdown.contains("Resolved for CPython 3.12 on Linux x86\\_64 from https://pypi.org, as of 2025-06-01."));
    let sarif = json(&ExportFormat::Sarif.render(&report, ""));
    assert_eq!(sarif["runs"][0]["properties"]["resolution"], resolution);
    let bom = json(&ExportFormat::CycloneDx.render(&report, "2026-11-25T12:00:00Z"));
    assert_eq!(bom["metadata"]["properties"][0]["name"], "osv-lens:resolution");
    assert_eq!(bom["metadata"]["properties"][0]["value"], resolution);

    let sarif_schema = schema("sarif-schema-2.1.0.json");
    let validator = jsonschema::options().build(&sarif_schema).expect("the schema compiles");
    assert_valid(&validator, &sarif, "SARIF with the resolution");
    let validator = cyclonedx_validator();
    assert_valid(&validator, &bom, "CycloneDX with the resolution");
}

/// The sample report where beta (named by the project) requires alpha, with the worker's parent check of alpha.
fn report_with_graph() -> Report {
    let mut report = sample_report();
    let edges = crate::graph::Edges { pairs: vec![("beta".into(), "alpha".into())], roots: Some(vec!["beta".into()]) };
    report.files[0].graph = Some(Rc::new(crate::graph::Graph::new(["alpha", "beta"], edges)));
    let line = "parent\trequirements.txt\talpha\tfalse\tbeta\t3.0\tuv lock --upgrade-package beta\t\
                alpha 1.5 is not allowed by beta 2.0 (alpha<1.2); beta 3.0 allows it";
    report.files[0].facts = Some(Rc::new(crate::graph::facts::GraphFacts::from(vec![line.into()])));
    report
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn exports_carry_the_path_the_parent_and_the_graph() {
    let report = report_with_graph();
    let markdown = ExportFormat::Markdown.render(&report, "");
    assert!(markdown.contains("Pulled in by beta → alpha.\n"), "{markdown}");
    assert!(markdown.contains("beta 3.0 allows it: `uv lock --upgrade-package beta`."), "{markdown}");
    assert_eq!(markdown.matches("Pulled in by").count(), 1, "beta is named directly");

    let sarif = json(&ExportFormat::Sarif.render(&report, ""));
    for result in sarif["runs"][0]["results"].as_array().expect("results") {
        let text = result["message"]["text"].as_str().expect("a message");
        let pulled_in = text.ends_with(" Pulled in by beta → alpha.");
        assert_eq!(pulled_in, result["properties"]["package"] == "alpha", "{text}");
    }

    let bom = json(&ExportFormat::CycloneDx.render(&report, "2026-11-25T12:00:00Z"));
    assert_eq!(
        bom["dependencies"],
        serde_json::json!([
            {"ref": "pkg:pypi/alpha@1.0", "dependsOn": []},
            {"ref": "pkg:pypi/beta@2.0", "dependsOn": ["pkg:pypi/alpha@1.0"]},
            {"ref": "pkg:pypi/gamma@3.0", "dependsOn": []},
        ])
    );
    assert!(
        json(&ExportFormat::CycloneDx.render(&sample_report(), ""))["dependencies"].is_null(),
        "no graph, no claim"
    );
    let validator = cyclonedx_validator();
    assert_valid(&validator, &bom, "CycloneDX with its dependency graph");

    let pip_audit = json(&ExportFormat::Json.render(&report, ""));
    let required_by: Vec<(String, Value)> = pip_audit["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .map(|entry| (entry["name"].as_str().unwrap_or_default().to_string(), entry["required_by"].clone()))
        .collect();
    assert_eq!(required_by[0], ("alpha".to_string(), serde_json::json!(["beta"])));
    assert_eq!(required_by[1], ("beta".to_string(), serde_json::json!([])));
    assert!(required_by[2..].iter().all(|(_, by)| by.is_null()), "{required_by:?}");
    assert!(json(&ExportFormat::Json.render(&sample_report(), ""))["dependencies"][0]["required_by"].is_null());
}
