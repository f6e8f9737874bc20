//! OpenVEX 0.2.0: a document of statements, each a vulnerability, the products (package URLs) it is said of, and a
//! status. An ignored finding is `not_affected` with its reason as `impact_statement` (the specification asks for a
//! justification or an impact statement, and a reason is the latter); an open one is `affected` with its fix as
//! `action_statement`. Reading turns `not_affected` and `fixed` statements into ignore rules.

use serde_json::{json, Map, Value};

use super::{digest, rule_note, statements, words, Reading, VexFinding};
use crate::export::{TOOL_NAME, TOOL_VERSION};

/// The context of an OpenVEX 0.2.0 document.
pub const CONTEXT: &str = "https://openvex.dev/ns/v0.2.0";

/// The document for `findings`, made at `timestamp` (RFC 3339).
pub fn write(findings: &[VexFinding], timestamp: &str) -> String {
    let statements: Vec<Value> = statements(findings)
        .iter()
        .map(|statement| {
            let mut vulnerability = Map::new();
            vulnerability.insert("name".into(), statement.name.into());
            if !statement.aliases.is_empty() {
                vulnerability.insert("aliases".into(), statement.aliases.clone().into());
            }
            let products: Vec<Value> = statement.products.iter().map(|purl| json!({ "@id": purl })).collect();
            let mut value = json!({ "vulnerability": vulnerability, "products": products });
            match statement.rule {
                Some(rule) => {
                    value["status"] = "not_affected".into();
                    value["impact_statement"] = statement.reason().into();
                    if let Some(note) = rule_note(rule) {
                        value["status_notes"] = note.into();
                    }
                }
                None => {
                    value["status"] = "affected".into();
                    value["action_statement"] = statement.action().into();
                }
            }
            value
        })
        .collect();
    let statements = Value::Array(statements);
    // The identifier is made from the content, so that the same decisions at the same time give the same document.
    let id = format!("urn:osv-lens:openvex:{}", digest(&format!("{timestamp}{statements}")));
    let document = json!({
        "@context": CONTEXT,
        "@id": id,
        "author": TOOL_NAME,
        "timestamp": timestamp,
        "version": 1,
        "tooling": format!("{TOOL_NAME} {TOOL_VERSION}"),
        "statements": statements,
    });
    serde_json::to_string_pretty(&document).unwrap_or_default()
}

/// Reads an OpenVEX document's statements (0.2.0, and the earlier drafts whose `vulnerability` is a string).
pub(crate) fn read(document: &Value) -> Reading {
    let mut reading = Reading::default();
    for statement in document["statements"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let vulnerability = &statement["vulnerability"];
        let name = vulnerability.as_str().or_else(|| vulnerability["name"].as_str()).unwrap_or_default();
        let text = |key: &str| statement[key].as_str().map(str::trim).filter(|text| !text.is_empty());
        match statement["status"].as_str().unwrap_or_default() {
            status @ ("not_affected" | "fixed") => {
                let reason = text("impact_statement")
                    .map(str::to_string)
                    .or_else(|| text("justification").map(words))
                    .unwrap_or_else(|| format!("{} (OpenVEX)", words(status)));
                reading.rule(name, &reason, text("status_notes"));
            }
            "affected" => reading.skip("affected"),
            "under_investigation" => reading.skip("under investigation"),
            _ => reading.skip("with a status this page does not know"),
        }
    }
    reading
}
