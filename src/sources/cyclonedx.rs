//! CycloneDX SBOMs in JSON.
//!
//! Every component, nested ones included, is read in document order. A `pkg:pypi` purl gives the package and its
//! pinned version; a purl with a `vcs_url` or `download_url` qualifier was not installed from an index and is
//! skipped with that URL; purls of other ecosystems and components without a purl are skipped as not PyPI.
//! The groups that cyclonedx-py records as properties (`cdx:poetry:group`, `cdx:pipenv:category`) are kept. The
//! SBOM's own subject (`metadata.component`) is not a dependency and is left out.

use serde_json::Value;

use super::json_doc::{self, JsonOffsets};
use super::locator::Locator;
use super::purl::sbom_dependency;
use super::{Format, ParsedFile};

/// Property names under which SBOM generators record a component's dependency group.
const GROUP_PROPERTIES: [&str; 2] = ["cdx:poetry:group", "cdx:pipenv:category"];

/// Parses a CycloneDX JSON SBOM.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    let mut parsed = ParsedFile::new(file_name, Format::CycloneDx);
    let locator = Locator::new(file_name, text);
    let document = match json_doc::parse(text, &locator) {
        Ok(document) => document,
        Err(error) => {
            parsed.errors.push(error);
            return parsed;
        }
    };
    if !document.is_object() {
        let message = format!("expected a CycloneDX JSON object, found {}", json_doc::type_name(&document));
        parsed.errors.push(locator.error(0, 1, message));
        return parsed;
    }
    let offsets = JsonOffsets::scan(text);
    // Depth-first in document order; serde_json's depth limit bounds the stack.
    let mut pending: Vec<(Vec<String>, &Value)> = Vec::new();
    push_components(&mut pending, Vec::new(), &document);
    while let Some((path, component)) = pending.pop() {
        let purl = json_doc::get_str(component, "purl");
        let key = if purl.is_some() { "purl" } else { "name" };
        let offset = offsets.nearest(&[path.clone(), vec![key.to_string()]].concat());
        let name = json_doc::get_str(component, "name").unwrap_or_default();
        let (dependency, problem) = sbom_dependency(purl, name, locator.origin(offset), groups(component));
        if let Some(message) = problem {
            parsed.errors.push(locator.error(offset, offset + 1, message));
        }
        parsed.dependencies.push(dependency);
        push_components(&mut pending, path, component);
    }
    parsed
}

/// Queues the `components` of `parent` so that they pop in document order.
fn push_components<'v>(pending: &mut Vec<(Vec<String>, &'v Value)>, path: Vec<String>, parent: &'v Value) {
    let Some(components) = parent.get("components").and_then(Value::as_array) else { return };
    for (at, component) in components.iter().enumerate().rev().filter(|(_, component)| component.is_object()) {
        let mut child = path.clone();
        child.extend(["components".to_string(), at.to_string()]);
        pending.push((child, component));
    }
}

fn groups(component: &Value) -> Vec<String> {
    let properties = component.get("properties").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    properties
        .iter()
        .filter(|property| json_doc::get_str(property, "name").is_some_and(|name| GROUP_PROPERTIES.contains(&name)))
        .filter_map(|property| json_doc::get_str(property, "value"))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DependencyVersion, SkipReason};

    const SBOM: &str = r#"{
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "metadata": {"component": {"name": "app", "purl": "pkg:pypi/app@1.0"}},
  "components": [
    {"name": "Requests", "purl": "pkg:pypi/Requests@2.31.0",
     "properties": [{"name": "cdx:poetry:group", "value": "main"}],
     "components": [
       {"name": "inner", "purl": "pkg:pypi/zope.interface@5.4.0"}
     ]},
    {"name": "left-pad", "purl": "pkg:npm/left-pad@1.3.0"},
    {"name": "local-thing", "version": "1.0"},
    {"name": "broken", "purl": "not a purl"}
  ]
}"#;

    #[test]
    fn components_are_read_in_document_order() {
        let parsed = parse("bom.json", SBOM);
        let found: Vec<_> = parsed
            .dependencies
            .iter()
            .map(|dep| (dep.name.as_str(), dep.version.clone(), dep.origin.line, dep.groups.clone()))
            .collect();
        assert_eq!(found.len(), 5);
        assert_eq!((found[0].0, found[0].1.to_string(), found[0].2), ("requests", "2.31.0".to_string(), 6));
        assert_eq!(found[0].3, ["main"]);
        assert_eq!((found[1].0, found[1].1.to_string(), found[1].2), ("zope-interface", "5.4.0".to_string(), 9));
        assert_eq!(found[2].1, DependencyVersion::Skipped(SkipReason::NotPypi("pkg:npm".into())));
        assert!(
            matches!(&found[3].1, DependencyVersion::Skipped(SkipReason::NotPypi(reason)) if reason.contains("purl"))
        );
        assert!(matches!(found[4].1, DependencyVersion::Skipped(SkipReason::InvalidEntry(_))));
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, 13);
    }
}
