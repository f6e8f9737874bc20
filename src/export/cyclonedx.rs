//! CycloneDX 1.6 JSON: the pinned dependencies as components (with purls), and one vulnerability per primary ID,
//! with its aliases as references, its CVSS ratings, and the components it affects.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{dependencies, description, open_findings, osv_url, pinned, purl, TOOL_NAME, TOOL_VERSION};
use crate::report::{Finding, FindingDetail, Report};
use crate::severity::{Rating, SeveritySource};

/// The export. `generated_at` (RFC 3339) is the BOM's timestamp; empty leaves it out.
pub fn render(report: &Report, generated_at: &str) -> String {
    let mut components: BTreeMap<String, Value> = BTreeMap::new();
    // Primary ID → (the finding as first seen, the components it affects).
    let mut vulnerabilities: BTreeMap<String, (Finding, Vec<String>)> = BTreeMap::new();
    for dependency in dependencies(report) {
        let Some(version) = pinned(dependency) else { continue };
        let name = &dependency.dependency.name;
        let reference = purl(name, &version);
        components.entry(reference.clone()).or_insert_with(
            || json!({ "type": "library", "bom-ref": reference, "name": name, "version": version, "purl": reference }),
        );
        for finding in open_findings(dependency) {
            let entry = vulnerabilities.entry(finding.id.clone()).or_insert_with(|| (finding.clone(), Vec::new()));
            if !entry.1.contains(&reference) {
                entry.1.push(reference.clone());
            }
        }
    }
    let vulnerabilities: Vec<Value> =
        vulnerabilities.into_values().map(|(finding, affects)| vulnerability(&finding, &affects)).collect();
    let mut metadata = json!({
        "tools": { "components": [{ "type": "application", "name": TOOL_NAME, "version": TOOL_VERSION }] }
    });
    if !generated_at.is_empty() {
        metadata["timestamp"] = json!(generated_at);
    }
    let bom = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": metadata,
        "components": components.into_values().collect::<Vec<_>>(),
        "vulnerabilities": vulnerabilities,
    });
    serde_json::to_string_pretty(&bom).unwrap_or_default()
}

fn vulnerability(finding: &Finding, affects: &[String]) -> Value {
    let source = |id: &str| json!({ "name": "OSV", "url": osv_url(id) });
    let mut ratings: Vec<Value> = finding
        .severity
        .scores
        .iter()
        .map(|score| {
            json!({
                "source": source(&finding.id),
                "score": score.score,
                "severity": severity_word(score.rating),
                "method": score.version.cyclonedx_method(),
                "vector": score.vector,
            })
        })
        .collect();
    if ratings.is_empty() {
        let mut rating = json!({ "source": source(&finding.id), "severity": severity_word(finding.severity.rating) });
        if let SeveritySource::Database(_) = finding.severity.source {
            rating["method"] = json!("other");
        }
        ratings.push(rating);
    }
    let mut value = json!({
        "bom-ref": format!("vulnerability:{}", finding.id),
        "id": finding.id,
        "source": source(&finding.id),
        "references": finding.aliases.iter().map(|alias| json!({ "id": alias, "source": source(alias) })).collect::<Vec<_>>(),
        "ratings": ratings,
        "description": description(finding),
        "advisories": finding.references.iter()
            .filter(|reference| crate::markdown::is_web_url(&reference.url))
            .map(|reference| json!({ "url": reference.url }))
            .collect::<Vec<_>>(),
        "affects": affects.iter().map(|reference| json!({ "ref": reference })).collect::<Vec<_>>(),
    });
    if let FindingDetail::Record(record) = &finding.detail {
        if let Some(details) = record.details.as_ref().filter(|details| !details.trim().is_empty()) {
            value["detail"] = json!(details);
        }
    }
    if !finding.fixed_versions.is_empty() {
        value["recommendation"] = json!(format!("Upgrade to {}", finding.fixed_versions.join(" or ")));
    }
    if let Some(published) = finding.published.as_deref().filter(|date| looks_like_date_time(date)) {
        value["published"] = json!(published);
    }
    if let Some(modified) = finding.modified.as_deref().filter(|date| looks_like_date_time(date)) {
        value["updated"] = json!(modified);
    }
    value
}

fn severity_word(rating: Rating) -> &'static str {
    match rating {
        Rating::Unknown => "unknown",
        other => other.as_str(),
    }
}

/// A cheap check that a record's date is RFC 3339 date-time, as the schema requires; others are left out.
fn looks_like_date_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 20
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && crate::triage::is_date(&text[..10])
}
