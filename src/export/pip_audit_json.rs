//! pip-audit's `-f json` output, so that tools which read pip-audit read osv-lens:
//! `{"dependencies": [{"name", "version", "vulns": [{"id", "fix_versions", "aliases", "description"}]} |
//! {"name", "skip_reason"}], "fixes": []}`. Where a file records the dependency graph, each dependency also lists the
//! packages that require it (`required_by`, sorted; empty for one only the project names): pip-audit's readers
//! ignore keys they do not know.
//!
//! A dependency appears once per (name, version) even when several files list it. A dependency that could not be
//! checked is a skipped one with the reason: an empty `vulns` list would claim it clean.

use super::json_writer::JsonWriter;
use super::{description, not_checked_reason, open_findings, pinned};
use crate::report::{Finding, Report};

struct Entry<'a> {
    name: &'a str,
    version: String,
    skip_reason: Option<String>,
    vulns: Vec<&'a Finding>,
    /// The packages that require it, where a file records them (`None`: no file does).
    required_by: Option<Vec<String>>,
}

/// The export.
pub fn render(report: &Report) -> String {
    let mut entries: Vec<Entry> = Vec::new();
    let rows = report.files.iter().flat_map(|file| file.dependencies.iter().map(move |row| (file, row)));
    for (file, dependency) in rows {
        let name = dependency.dependency.name.as_str();
        let skip_reason = not_checked_reason(dependency);
        let version = pinned(dependency).unwrap_or_else(|| dependency.dependency.version.to_string());
        let known = entries.iter_mut().find(|entry| {
            entry.name == name && entry.version == version && entry.skip_reason.is_some() == skip_reason.is_some()
        });
        let entry = match known {
            Some(entry) => entry,
            None => {
                entries.push(Entry { name, version, skip_reason, vulns: Vec::new(), required_by: None });
                entries.last_mut().expect("just pushed")
            }
        };
        if let Some(node) = file.graph.as_deref().and_then(|graph| graph.node(name)) {
            let required_by = entry.required_by.get_or_insert_with(Vec::new);
            required_by.extend(node.via.iter().cloned());
            crate::sorting::sort(required_by);
            required_by.dedup();
        }
        for finding in open_findings(dependency) {
            if !entry.vulns.iter().any(|known| known.id == finding.id) {
                entry.vulns.push(finding);
            }
        }
    }
    let mut json = JsonWriter::default();
    json.object().key("dependencies").array();
    for entry in &entries {
        json.object().field("name", entry.name);
        match &entry.skip_reason {
            Some(reason) => {
                json.field("skip_reason", reason);
            }
            None => {
                json.field("version", &entry.version).key("vulns").array();
                for finding in &entry.vulns {
                    json.object()
                        .field("id", &finding.id)
                        .strings("fix_versions", &finding.fixed_versions)
                        .strings("aliases", &finding.aliases)
                        .field("description", &description(finding))
                        .end_object();
                }
                json.end_array();
            }
        }
        if let Some(required_by) = &entry.required_by {
            json.strings("required_by", required_by);
        }
        json.end_object();
    }
    json.end_array().key("fixes").array().end_array().end_object();
    json.finish()
}
