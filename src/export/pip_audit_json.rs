//! pip-audit's `-f json` output, so that tools which read pip-audit read osv-lens:
//! `{"dependencies": [{"name", "version", "vulns": [{"id", "fix_versions", "aliases", "description"}]} |
//! {"name", "skip_reason"}], "fixes": []}`.
//!
//! A dependency appears once per (name, version) even when several files list it. A dependency that could not be
//! checked is a skipped one with the reason: an empty `vulns` list would claim it clean.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{dependencies, description, not_checked_reason, open_findings, pinned};
use crate::report::Report;

/// The export.
pub fn render(report: &Report) -> String {
    // Keyed by (name, version) to merge repeats; the first occurrence fixes the order.
    let mut order: Vec<(String, Option<String>)> = Vec::new();
    let mut entries: BTreeMap<(String, Option<String>), Value> = BTreeMap::new();
    for dependency in dependencies(report) {
        let name = dependency.dependency.name.clone();
        let entry = match not_checked_reason(dependency) {
            Some(reason) => {
                let key =
                    (name.clone(), pinned(dependency).or_else(|| Some(dependency.dependency.version.to_string())));
                (key, json!({ "name": name, "skip_reason": reason }))
            }
            None => {
                let version = pinned(dependency).unwrap_or_default();
                let vulns: Vec<Value> = open_findings(dependency)
                    .map(|finding| {
                        json!({
                            "id": finding.id,
                            "fix_versions": finding.fixed_versions,
                            "aliases": finding.aliases,
                            "description": description(finding),
                        })
                    })
                    .collect();
                ((name.clone(), Some(version.clone())), json!({ "name": name, "version": version, "vulns": vulns }))
            }
        };
        let (key, value) = entry;
        match entries.get_mut(&key) {
            Some(existing) => merge_vulns(existing, value),
            None => {
                order.push(key.clone());
                entries.insert(key, value);
            }
        }
    }
    let list: Vec<Value> = order.into_iter().filter_map(|key| entries.remove(&key)).collect();
    serde_json::to_string_pretty(&json!({ "dependencies": list, "fixes": [] })).unwrap_or_default()
}

/// Adds the vulns of a repeated dependency that the first occurrence lacks.
fn merge_vulns(existing: &mut Value, repeat: Value) {
    let (Some(known), Some(new)) = (existing.get_mut("vulns").and_then(Value::as_array_mut), repeat.get("vulns"))
    else {
        return;
    };
    for vuln in new.as_array().into_iter().flatten() {
        if !known.iter().any(|old| old.get("id") == vuln.get("id")) {
            known.push(vuln.clone());
        }
    }
}
