//! SARIF 2.1.0: one rule per vulnerability, one result per (dependency, vulnerability), located at the file, line
//! and column where the dependency is written. Ignored findings are results with an external suppression that
//! carries the reason, so that code-scanning tools show them as dismissed.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{dependencies, description, osv_url, pinned, PATH_SEGMENT, TOOL_NAME, TOOL_VERSION};
use crate::report::{Finding, Report};
use crate::severity::Rating;

/// The schema the output declares.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The export.
pub fn render(report: &Report) -> String {
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let mut results = Vec::new();
    for file in &report.files {
        for dependency in &file.dependencies {
            let version = pinned(dependency).unwrap_or_else(|| dependency.dependency.version.to_string());
            for finding in &dependency.findings {
                rules.entry(finding.id.clone()).or_insert_with(|| rule(finding));
                let origin = &dependency.dependency.origin;
                let mut message = format!(
                    "{} {} is affected by {}{}.",
                    dependency.dependency.name,
                    version,
                    finding.id,
                    if finding.aliases.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", finding.aliases.join(", "))
                    }
                );
                if finding.fixed_versions.is_empty() {
                    message.push_str(" No fixed version is known.");
                } else {
                    message.push_str(&format!(" Fixed in {}.", finding.fixed_versions.join(", ")));
                }
                let mut result = json!({
                    "ruleId": finding.id,
                    "level": level(finding.severity.rating),
                    "message": { "text": message },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": file_uri(&file.name) },
                            "region": { "startLine": origin.line.max(1), "startColumn": origin.column.max(1) }
                        }
                    }],
                    "partialFingerprints": {
                        "osvLens/v1": format!("{}|{}|{}|{}", file.name, dependency.dependency.name, version, finding.id)
                    },
                    "properties": {
                        "package": dependency.dependency.name,
                        "version": version,
                        "severity": finding.severity.rating.as_str(),
                        "fixedVersions": finding.fixed_versions,
                    }
                });
                if let Some(ignore) = &finding.ignored {
                    let mut justification = ignore.reason.clone();
                    if let Some(until) = &ignore.until {
                        justification.push_str(&format!(" (ignored until {until})"));
                    }
                    result["suppressions"] = json!([{ "kind": "external", "justification": justification }]);
                }
                results.push(result);
            }
        }
    }
    let rule_index: BTreeMap<String, usize> = rules.keys().enumerate().map(|(index, id)| (id.clone(), index)).collect();
    for result in &mut results {
        let index = result["ruleId"].as_str().and_then(|id| rule_index.get(id)).copied().unwrap_or(0);
        result["ruleIndex"] = json!(index);
    }
    let artifacts: Vec<Value> =
        report.files.iter().map(|file| json!({ "location": { "uri": file_uri(&file.name) } })).collect();
    let sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": TOOL_NAME,
                    "version": TOOL_VERSION,
                    "informationUri": "https://osv.dev",
                    "rules": rules.into_values().collect::<Vec<_>>(),
                }
            },
            "artifacts": artifacts,
            "results": results,
        }]
    });
    // Dependencies that were not checked are not results, but a reader should know the run was incomplete.
    let unchecked = dependencies(report).filter(|dependency| super::not_checked_reason(dependency).is_some()).count();
    let mut sarif = sarif;
    sarif["runs"][0]["properties"] = json!({ "uncheckedOrSkippedDependencies": unchecked });
    serde_json::to_string_pretty(&sarif).unwrap_or_default()
}

fn rule(finding: &Finding) -> Value {
    let summary = description(finding);
    let short = if summary.trim().is_empty() { finding.id.clone() } else { summary };
    let mut properties = json!({ "tags": ["security", "vulnerability"] });
    if let Some(score) = finding.severity.score() {
        // GitHub code scanning reads this property to rank security results.
        properties["security-severity"] = json!(format!("{score:.1}"));
    }
    json!({
        "id": finding.id,
        "shortDescription": { "text": short },
        "helpUri": osv_url(&finding.id),
        "help": { "text": format!("See {} for the advisory.", osv_url(&finding.id)) },
        "defaultConfiguration": { "level": level(finding.severity.rating) },
        "properties": properties,
    })
}

/// SARIF's level for a rating. Unknown severities are warnings: not knowing is no reason to play it down.
fn level(rating: Rating) -> &'static str {
    match rating {
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
