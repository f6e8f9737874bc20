//! The output of `pip list --format=json` (or `pip freeze`'s JSON cousin): an array of `{"name", "version"}`.
//!
//! Each installed distribution is pinned to its version. One installed in editable mode
//! (`editable_project_location`) is skipped as editable.

use serde_json::Value;

use super::json_doc::{self, JsonOffsets};
use super::locator::Locator;
use super::{entry, Format, ParsedFile};
use crate::model::SkipReason;

/// Parses `pip list --format=json` output.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    let mut parsed = ParsedFile::new(file_name, Format::PipList);
    let locator = Locator::new(file_name, text);
    let document = match json_doc::parse(text, &locator) {
        Ok(document) => document,
        Err(error) => {
            parsed.errors.push(error);
            return parsed;
        }
    };
    let Some(items) = document.as_array() else {
        let message = format!(
            "expected the JSON array that `pip list --format=json` prints, found {}",
            json_doc::type_name(&document)
        );
        parsed.errors.push(locator.error(0, 1, message));
        return parsed;
    };
    let offsets = JsonOffsets::scan(text);
    for (at, item) in items.iter().enumerate() {
        let index = at.to_string();
        let item_offset = offsets.nearest(&[index.as_str()]);
        let Some(name) = json_doc::get_str(item, "name").filter(|name| !name.trim().is_empty()) else {
            let message = format!("item #{} has no `name`", at + 1);
            parsed.errors.push(locator.error(item_offset, item_offset + 1, message.clone()));
            let label = format!("item #{}", at + 1);
            let origin = locator.origin(item_offset);
            parsed.dependencies.push(entry::skipped(&label, SkipReason::InvalidEntry(message), origin, Vec::new()));
            continue;
        };
        let origin = locator.origin(offsets.nearest(&[index.as_str(), "name"]));
        let dependency = if item.get("editable_project_location").is_some_and(|location| !location.is_null()) {
            entry::skipped(name, SkipReason::Editable, origin, Vec::new())
        } else {
            match item.get("version").and_then(Value::as_str) {
                Some(version) => entry::dependency(name, entry::pinned_version(version), origin, Vec::new()),
                None => entry::skipped(name, SkipReason::NoVersion, origin, Vec::new()),
            }
        };
        parsed.dependencies.push(dependency);
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DependencyVersion;

    #[test]
    fn installed_distributions_are_pinned() {
        let text = "[\n  {\"name\": \"Django\", \"version\": \"4.2.1\"},\n  {\"name\": \"mine\", \"version\": \"0.1\", \"editable_project_location\": \"/src/mine\"},\n  {\"version\": \"1.0\"},\n  {\"name\": \"odd\", \"version\": \"not-a-version\"}\n]";
        let parsed = parse("pip-list.json", text);
        let found: Vec<_> =
            parsed.dependencies.iter().map(|dep| (dep.name.as_str(), dep.version.clone(), dep.origin.line)).collect();
        assert_eq!((found[0].0, found[0].1.to_string(), found[0].2), ("django", "4.2.1".to_string(), 2));
        assert_eq!(found[1].1, DependencyVersion::Skipped(SkipReason::Editable));
        assert!(matches!(found[2].1, DependencyVersion::Skipped(SkipReason::InvalidEntry(_))));
        assert_eq!(found[2].2, 4);
        assert!(matches!(found[3].1, DependencyVersion::Skipped(SkipReason::InvalidVersion { .. })));
        assert_eq!(parsed.errors.len(), 1);
    }
}
