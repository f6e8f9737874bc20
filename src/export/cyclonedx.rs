//! CycloneDX 1.6 JSON: the pinned dependencies as components (with purls), the graph the files record as
//! `dependencies` (each component's `dependsOn`), and one vulnerability per primary ID, with its aliases as
//! references, its CVSS ratings, and the components it affects.

use super::json_writer::JsonWriter;
use super::{dependencies, description, open_findings, osv_url, pinned, purl, TOOL_NAME, TOOL_VERSION};
use crate::report::{Finding, FindingDetail, FindingKind, Report, MALICIOUS_ADVICE};
use crate::severity::{Rating, SeveritySource};

/// The export. `generated_at` (RFC 3339) is the BOM's timestamp; empty leaves it out.
pub fn render(report: &Report, generated_at: &str) -> String {
    // Components by purl, and per primary ID the finding as first seen with the components it affects; both sorted.
    let mut components: Vec<(String, &str, String)> = Vec::new();
    let mut vulnerabilities: Vec<(&Finding, Vec<String>)> = Vec::new();
    for dependency in dependencies(report) {
        let Some(version) = pinned(dependency) else { continue };
        let name = dependency.dependency.name.as_str();
        let reference = purl(name, &version);
        if !components.iter().any(|(known, _, _)| *known == reference) {
            components.push((reference.clone(), name, version));
        }
        for finding in open_findings(dependency) {
            match vulnerabilities.iter_mut().find(|(known, _)| known.id == finding.id) {
                Some((_, affects)) if !affects.contains(&reference) => affects.push(reference.clone()),
                Some(_) => {}
                None => vulnerabilities.push((finding, vec![reference.clone()])),
            }
        }
    }
    crate::sorting::sort_by(&mut components, |a, b| a.0.cmp(&b.0));
    crate::sorting::sort_by(&mut vulnerabilities, |a, b| a.0.id.cmp(&b.0.id));
    let graph = dependency_graph(report);

    let mut json = JsonWriter::default();
    json.object().field("$schema", "http://cyclonedx.org/schema/bom-1.6.schema.json");
    json.field("bomFormat", "CycloneDX").field("specVersion", "1.6").key("version").number(1.0);
    json.key("metadata").object();
    if !generated_at.is_empty() {
        json.field("timestamp", generated_at);
    }
    json.key("tools").object().key("components").array().object();
    json.field("type", "application").field("name", TOOL_NAME).field("version", TOOL_VERSION);
    json.end_object().end_array().end_object();
    if let Some(resolution) = &report.resolved_for {
        json.key("properties").array().object().field("name", "osv-lens:resolution").field("value", resolution);
        json.end_object().end_array();
    }
    json.end_object();
    json.key("components").array();
    for (reference, name, version) in &components {
        json.object().field("type", "library").field("bom-ref", reference).field("name", name);
        json.field("version", version).field("purl", reference).end_object();
    }
    json.end_array();
    if !graph.is_empty() {
        json.key("dependencies").array();
        for (reference, depends_on) in &graph {
            json.object().field("ref", reference).key("dependsOn").array();
            for child in depends_on {
                json.string(child);
            }
            json.end_array().end_object();
        }
        json.end_array();
    }
    json.key("vulnerabilities").array();
    for (finding, affects) in &vulnerabilities {
        vulnerability(&mut json, finding, affects);
    }
    json.end_array().end_object();
    json.finish()
}

/// Each pinned component of a file that records its graph, with the components it requires in that file (by purl),
/// sorted.
fn dependency_graph(report: &Report) -> Vec<(String, Vec<String>)> {
    let mut graph: Vec<(String, Vec<String>)> = Vec::new();
    for file in &report.files {
        let Some(edges) = file.graph.as_deref() else { continue };
        let reference_of = |name: &str| {
            let row = file.dependencies.iter().find(|row| row.dependency.name == name)?;
            Some(purl(name, &pinned(row)?))
        };
        for row in &file.dependencies {
            let name = row.dependency.name.as_str();
            let Some(reference) = reference_of(name) else { continue };
            let children = edges.node(name).map(|node| node.requires.as_slice()).unwrap_or_default();
            let children = children.iter().filter_map(|child| reference_of(child));
            match graph.iter_mut().find(|(known, _)| *known == reference) {
                Some((_, depends_on)) => depends_on.extend(children),
                None => graph.push((reference, children.collect())),
            }
        }
    }
    for (_, depends_on) in &mut graph {
        crate::sorting::sort(depends_on);
        depends_on.dedup();
    }
    crate::sorting::sort(&mut graph);
    graph
}

fn source(json: &mut JsonWriter, id: &str) {
    json.key("source").object().field("name", "OSV").field("url", &osv_url(id)).end_object();
}

fn vulnerability(json: &mut JsonWriter, finding: &Finding, affects: &[String]) {
    json.object().field("bom-ref", &format!("vulnerability:{}", finding.id)).field("id", &finding.id);
    source(json, &finding.id);
    json.key("references").array();
    for alias in &finding.aliases {
        json.object().field("id", alias);
        source(json, alias);
        json.end_object();
    }
    json.end_array().key("ratings").array();
    for score in &finding.severity.scores {
        json.object();
        source(json, &finding.id);
        json.key("score").number(score.score).field("severity", severity_word(score.rating));
        json.field("method", score.version.cyclonedx_method()).field("vector", &score.vector).end_object();
    }
    if finding.severity.scores.is_empty() {
        json.object();
        source(json, &finding.id);
        json.field("severity", severity_word(finding.severity.rating));
        if let SeveritySource::Database(_) = finding.severity.source {
            json.field("method", "other");
        }
        json.end_object();
    }
    json.end_array().field("description", &description(finding));
    if let FindingDetail::Record(record) = &finding.detail {
        if let Some(details) = record.details.as_ref().filter(|details| !details.trim().is_empty()) {
            json.field("detail", details);
        }
    }
    if finding.kind == FindingKind::Malicious {
        // CWE-506: embedded malicious code.
        json.field("recommendation", MALICIOUS_ADVICE).key("cwes").array().number(506.0).end_array();
    } else if !finding.fixed_versions.is_empty() {
        json.field("recommendation", &format!("Upgrade to {}", finding.fixed_versions.join(" or ")));
    }
    json.key("advisories").array();
    for reference in finding.references.iter().filter(|reference| crate::advisory_markdown::is_web_url(&reference.url))
    {
        json.object().field("url", &reference.url).end_object();
    }
    json.end_array();
    if let Some(published) = finding.published.as_deref().filter(|date| looks_like_date_time(date)) {
        json.field("published", published);
    }
    if let Some(modified) = finding.modified.as_deref().filter(|date| looks_like_date_time(date)) {
        json.field("updated", modified);
    }
    json.key("affects").array();
    for reference in affects {
        json.object().field("ref", reference).end_object();
    }
    json.end_array().end_object();
}

fn severity_word(rating: Rating) -> &'static str {
    rating.as_str()
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
