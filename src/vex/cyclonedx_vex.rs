//! CycloneDX 1.6 VEX: the packages as components and one vulnerability per decision, its `analysis` saying it: an
//! ignored finding is `not_affected` with its reason as `detail`, an open one `exploitable` with its fix as the
//! recommendation. Reading turns `not_affected`, `false_positive` and `resolved` analyses into ignore rules.

use serde_json::{json, Value};

use super::{rule_note, statements, words, Reading, VexFinding};
use crate::export::{osv_url, TOOL_NAME, TOOL_VERSION};

/// The property that carries an ignore rule's expiry and "until fixed" (see [`super::rule_note`]).
const RULE_PROPERTY: &str = "osv-lens:ignore-rule";

/// The document for `findings`, made at `timestamp` (RFC 3339).
pub fn write(findings: &[VexFinding], timestamp: &str) -> String {
    let mut components: Vec<Value> = Vec::new();
    for finding in findings {
        let purl = super::purl(&finding.package, finding.version.as_deref());
        if components.iter().any(|component| component["bom-ref"] == purl.as_str()) {
            continue;
        }
        let mut component = json!({ "type": "library", "bom-ref": purl, "name": finding.package, "purl": purl });
        if let Some(version) = &finding.version {
            component["version"] = version.as_str().into();
        }
        components.push(component);
    }
    crate::sorting::sort_by(&mut components, |a, b| a["bom-ref"].as_str().cmp(&b["bom-ref"].as_str()));
    let source = |id: &str| json!({ "name": "OSV", "url": osv_url(id) });
    let vulnerabilities: Vec<Value> = statements(findings)
        .iter()
        .enumerate()
        .map(|(index, statement)| {
            let references: Vec<Value> =
                statement.aliases.iter().map(|alias| json!({ "id": alias, "source": source(alias) })).collect();
            let affects: Vec<Value> = statement.products.iter().map(|purl| json!({ "ref": purl })).collect();
            let mut vulnerability = json!({
                "bom-ref": format!("vulnerability-{}:{}", index + 1, statement.name),
                "id": statement.name,
                "source": source(statement.name),
                "references": references,
                "affects": affects,
            });
            match statement.rule {
                Some(rule) => {
                    vulnerability["analysis"] = json!({ "state": "not_affected", "detail": statement.reason() });
                    if let Some(note) = rule_note(rule) {
                        vulnerability["properties"] = json!([{ "name": RULE_PROPERTY, "value": note }]);
                    }
                }
                None => {
                    let mut analysis = json!({ "state": "exploitable" });
                    if !statement.fixed.is_empty() && !statement.malicious {
                        analysis["response"] = json!(["update"]);
                    }
                    vulnerability["analysis"] = analysis;
                    vulnerability["recommendation"] = statement.action().into();
                }
            }
            vulnerability
        })
        .collect();
    let document = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": { "components": [{ "type": "application", "name": TOOL_NAME, "version": TOOL_VERSION }] },
        },
        "components": components,
        "vulnerabilities": vulnerabilities,
    });
    serde_json::to_string_pretty(&document).unwrap_or_default()
}

/// Reads a CycloneDX document's vulnerabilities and their analyses.
pub(crate) fn read(document: &Value) -> Reading {
    let mut reading = Reading::default();
    for vulnerability in document["vulnerabilities"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let id = vulnerability["id"].as_str().unwrap_or_default();
        let analysis = &vulnerability["analysis"];
        let text = |value: &Value| value.as_str().map(str::trim).filter(|text| !text.is_empty()).map(str::to_string);
        match analysis["state"].as_str() {
            Some(state @ ("not_affected" | "false_positive" | "resolved" | "resolved_with_pedigree")) => {
                let reason = text(&analysis["detail"])
                    .or_else(|| text(&analysis["justification"]).map(|word| words(&word)))
                    .unwrap_or_else(|| format!("{} (CycloneDX VEX)", words(state)));
                let note = vulnerability["properties"]
                    .as_array()
                    .and_then(|properties| properties.iter().find(|property| property["name"] == RULE_PROPERTY))
                    .and_then(|property| property["value"].as_str());
                reading.rule(id, &reason, note);
            }
            Some("exploitable") => reading.skip("exploitable"),
            Some("in_triage") => reading.skip("in triage"),
            Some(_) => reading.skip("with a state this page does not know"),
            None => reading.skip("without an analysis"),
        }
    }
    reading
}
