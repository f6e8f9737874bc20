//! Edges recorded by SBOMs: CycloneDX `dependencies` (`ref` → `dependsOn`) and SPDX relationships (`DEPENDS_ON`,
//! and `DEPENDENCY_OF` the other way round). The document's subject (CycloneDX `metadata.component`, what SPDX
//! `DESCRIBES`) is the project: what it depends on is named directly.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Edges;
use crate::model::Origin;
use crate::sources::purl::sbom_dependency;

/// The package name an entry is read as (the same name the SBOM readers give it).
fn entry_name(purl: Option<&str>, name: &str) -> String {
    sbom_dependency(purl, name, Origin::new("", 0, 0), Vec::new()).0.name
}

fn strings(value: Option<&Value>) -> impl Iterator<Item = &str> {
    value.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
}

/// Turns `(from, to)` references into edges: a reference to the subject names the roots.
fn edges(names: &BTreeMap<&str, String>, subjects: &[&str], references: Vec<(&str, &str)>) -> Edges {
    let mut edges = Edges::default();
    for (from, to) in references {
        let Some(child) = names.get(to) else { continue };
        if subjects.contains(&from) {
            edges.roots.get_or_insert_with(Vec::new).push(child.clone());
        } else if let Some(parent) = names.get(from) {
            edges.pairs.push((parent.clone(), child.clone()));
        }
    }
    edges
}

/// CycloneDX JSON; `None` when it has no `dependencies`.
pub(super) fn cyclonedx(text: &str) -> Option<Edges> {
    let document: Value = serde_json::from_str(text).ok()?;
    let dependencies = document.get("dependencies")?.as_array()?;
    let mut names = BTreeMap::new();
    let mut pending: Vec<&Value> = document.get("components").and_then(Value::as_array).into_iter().flatten().collect();
    while let Some(component) = pending.pop() {
        pending.extend(component.get("components").and_then(Value::as_array).into_iter().flatten());
        if let Some(reference) = component.get("bom-ref").and_then(Value::as_str) {
            let name = component.get("name").and_then(Value::as_str).unwrap_or_default();
            names.insert(reference, entry_name(component.get("purl").and_then(Value::as_str), name));
        }
    }
    let subject = document.pointer("/metadata/component/bom-ref").and_then(Value::as_str);
    let references = dependencies
        .iter()
        .filter_map(|entry| Some((entry.get("ref")?.as_str()?, entry.get("dependsOn"))))
        .flat_map(|(from, to)| strings(to).map(move |to| (from, to)))
        .collect();
    Some(edges(&names, subject.as_slice(), references))
}

/// SPDX 2.x JSON; `None` when it has no dependency relationship.
pub(super) fn spdx(text: &str) -> Option<Edges> {
    let document: Value = serde_json::from_str(text).ok()?;
    let mut names = BTreeMap::new();
    for package in document.get("packages").and_then(Value::as_array).into_iter().flatten() {
        let Some(id) = package.get("SPDXID").and_then(Value::as_str) else { continue };
        let purl = package
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|reference| reference.get("referenceType").and_then(Value::as_str) == Some("purl"))
            .and_then(|reference| reference.get("referenceLocator")?.as_str());
        names.insert(id, entry_name(purl, package.get("name").and_then(Value::as_str).unwrap_or_default()));
    }
    let mut subjects: Vec<&str> = strings(document.get("documentDescribes")).collect();
    let mut references = Vec::new();
    for relationship in document.get("relationships").and_then(Value::as_array).into_iter().flatten() {
        let field = |key| relationship.get(key).and_then(Value::as_str);
        let (Some(from), Some(kind), Some(to)) =
            (field("spdxElementId"), field("relationshipType"), field("relatedSpdxElement"))
        else {
            continue;
        };
        match kind {
            "DESCRIBES" => subjects.push(to),
            "DEPENDS_ON" => references.push((from, to)),
            "DEPENDENCY_OF" => references.push((to, from)),
            _ => {}
        }
    }
    if references.is_empty() {
        return None;
    }
    // A subject that is itself one of the packages read is the project: left out of the graph's edges.
    Some(edges(&names, &subjects, references))
}
