//! SARIF 2.1.0: one rule per vulnerability, one result per (dependency, vulnerability), located at the file, line
//! and column where the dependency is written. Ignored findings are results with an external suppression that
//! carries the reason, so that code-scanning tools show them as dismissed.

use super::json_writer::JsonWriter;
use super::{dependencies, description, osv_url, pinned, PATH_SEGMENT, TOOL_NAME, TOOL_VERSION};
use crate::report::{Finding, FindingKind, Report, MALICIOUS_ADVICE};
use crate::severity::Rating;

/// The schema the output declares.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The export.
pub fn render(report: &Report) -> String {
    // Rules in ID order, one per primary ID.
    let mut rules: Vec<&Finding> = dependencies(report).flat_map(|dependency| dependency.findings.iter()).collect();
    crate::sorting::sort_by(&mut rules, |a, b| a.id.cmp(&b.id));
    rules.dedup_by(|a, b| a.id == b.id);

    let mut json = JsonWriter::default();
    json.object().field("$schema", SCHEMA).field("version", "2.1.0").key("runs").array().object();
    json.key("tool").object().key("driver").object();
    json.field("name", TOOL_NAME).field("version", TOOL_VERSION).field("informationUri", "https://osv.dev");
    json.key("rules").array();
    for finding in &rules {
        rule(&mut json, finding);
    }
    json.end_array().end_object().end_object();

    json.key("artifacts").array();
    for file in &report.files {
        json.object().key("location").object().field("uri", &file_uri(&file.name)).end_object().end_object();
    }
    json.end_array();

    json.key("results").array();
    for file in &report.files {
        for dependency in &file.dependencies {
            let version = pinned(dependency).unwrap_or_else(|| dependency.dependency.version.to_string());
            let name = &dependency.dependency.name;
            let origin = &dependency.dependency.origin;
            for finding in &dependency.findings {
                let index = rules.iter().position(|rule| rule.id == finding.id).unwrap_or(0);
                let aliases = if finding.aliases.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", finding.aliases.join(", "))
                };
                let malicious = finding.kind == FindingKind::Malicious;
                let fix = if malicious {
                    format!(" {MALICIOUS_ADVICE}")
                } else if finding.fixed_versions.is_empty() {
                    " No fixed version is known.".to_string()
                } else {
                    format!(" Fixed in {}.", finding.fixed_versions.join(", "))
                };
                json.object().field("ruleId", &finding.id).key("ruleIndex").number(index as f64);
                json.field("level", level(finding));
                let what = if malicious { "is a malicious package" } else { "is affected by" };
                let path =
                    super::pulled_in(file, name).map(|path| format!(" Pulled in by {path}.")).unwrap_or_default();
                json.key("message")
                    .object()
                    .field("text", &format!("{name} {version} {what} {}{aliases}.{fix}{path}", finding.id))
                    .end_object();
                json.key("locations").array().object().key("physicalLocation").object();
                json.key("artifactLocation").object().field("uri", &file_uri(&file.name)).end_object();
                json.key("region").object();
                json.key("startLine").number(f64::from(origin.line.max(1)));
                json.key("startColumn").number(f64::from(origin.column.max(1)));
                json.end_object().end_object().end_object().end_array();
                json.key("partialFingerprints").object();
                json.field("osvLens/v1", &format!("{}|{name}|{version}|{}", file.name, finding.id)).end_object();
                json.key("properties").object().field("package", name).field("version", &version);
                json.field("severity", finding.severity.rating.as_str()).field("kind", finding.kind.as_str());
                json.strings("fixedVersions", &finding.fixed_versions).end_object();
                if let Some(ignore) = &finding.ignored {
                    let mut justification = ignore.reason.clone();
                    if let Some(until) = &ignore.until {
                        justification.push_str(&format!(" (ignored until {until})"));
                    }
                    json.key("suppressions").array().object().field("kind", "external");
                    json.field("justification", &justification).end_object().end_array();
                }
                json.end_object();
            }
        }
    }
    json.end_array();
    // Dependencies that were not checked are not results, but a reader should know the run was incomplete.
    let unchecked = dependencies(report).filter(|dependency| super::not_checked_reason(dependency).is_some()).count();
    json.key("properties").object().key("uncheckedOrSkippedDependencies").number(unchecked as f64);
    if let Some(resolution) = &report.resolved_for {
        json.field("resolution", resolution);
    }
    json.end_object();
    json.end_object().end_array().end_object();
    json.finish()
}

fn rule(json: &mut JsonWriter, finding: &Finding) {
    let summary = description(finding);
    let short = if summary.trim().is_empty() { finding.id.clone() } else { summary };
    let url = osv_url(&finding.id);
    json.object().field("id", &finding.id);
    json.key("shortDescription").object().field("text", &short).end_object();
    json.field("helpUri", &url);
    let help = match finding.kind {
        FindingKind::Malicious => format!("{MALICIOUS_ADVICE} See {url} for the report."),
        FindingKind::Vulnerability => format!("See {url} for the advisory."),
    };
    json.key("help").object().field("text", &help).end_object();
    json.key("defaultConfiguration").object().field("level", level(finding)).end_object();
    json.key("properties").object().strings("tags", &["security".into(), finding.kind.as_str().into()]);
    if let Some(score) = finding.severity.score() {
        // GitHub code scanning reads this property to rank security results.
        json.field("security-severity", &format!("{score:.1}"));
    }
    json.end_object().end_object();
}

/// SARIF's level for a finding: `error` for a malicious package whatever its rating, else by rating. Unknown
/// severities are warnings: not knowing is no reason to play it down.
fn level(finding: &Finding) -> &'static str {
    if finding.kind == FindingKind::Malicious {
        return "error";
    }
    match finding.severity.rating {
        Rating::Critical | Rating::High => "error",
        Rating::Medium | Rating::Unknown => "warning",
        Rating::Low | Rating::None => "note",
    }
}

/// The file name as a relative URI reference (each path segment percent-encoded).
fn file_uri(name: &str) -> String {
    name.split(['/', '\\'])
        .map(|segment| percent_encoding::utf8_percent_encode(segment, PATH_SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}
