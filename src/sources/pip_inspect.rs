//! The report of `pip inspect` (format version 1): `installed[].metadata.name` and `.version`.
//!
//! Each installed distribution is pinned. One installed from version control, a local directory or a direct
//! archive URL (its `direct_url`, PEP 610) is skipped with that source.

use serde_json::Value;

use super::json_doc::{self, JsonOffsets};
use super::locator::Locator;
use super::{entry, Format, ParsedFile};
use crate::model::SkipReason;

/// Parses the JSON report of `pip inspect`.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    let mut parsed = ParsedFile::new(file_name, Format::PipInspect);
    let locator = Locator::new(file_name, text);
    let document = match json_doc::parse(text, &locator) {
        Ok(document) => document,
        Err(error) => {
            parsed.errors.push(error);
            return parsed;
        }
    };
    let offsets = JsonOffsets::scan(text);
    if let Some(version) = document.get("version") {
        if version.as_str() != Some("1") {
            let at = offsets.nearest(&["version"]);
            let message = format!("unsupported `pip inspect` report version {version}; osv-lens reads version \"1\"");
            parsed.errors.push(locator.error(at, at + "\"version\"".len(), message));
            return parsed;
        }
    }
    let Some(installed) = document.get("installed").and_then(Value::as_array) else {
        let message = "expected the object that `pip inspect` prints, with an `installed` array";
        parsed.errors.push(locator.error(0, 1, message));
        return parsed;
    };
    for (at, item) in installed.iter().enumerate() {
        let index = at.to_string();
        let name = item.get("metadata").and_then(|metadata| json_doc::get_str(metadata, "name"));
        let Some(name) = name.filter(|name| !name.trim().is_empty()) else {
            let offset = offsets.nearest(&["installed", index.as_str()]);
            let message = format!("installed item #{} has no `metadata.name`", at + 1);
            parsed.errors.push(locator.error(offset, offset + 1, message.clone()));
            let label = format!("installed item #{}", at + 1);
            let origin = locator.origin(offset);
            parsed.dependencies.push(entry::skipped(&label, SkipReason::InvalidEntry(message), origin, Vec::new()));
            continue;
        };
        let origin = locator.origin(offsets.nearest(&["installed", index.as_str(), "metadata", "name"]));
        let version = item.get("metadata").and_then(|metadata| json_doc::get_str(metadata, "version"));
        let dependency = match (direct_url_skip_reason(item), version) {
            (Some(reason), _) => entry::skipped(name, reason, origin, Vec::new()),
            (None, Some(version)) => entry::dependency(name, entry::pinned_version(version), origin, Vec::new()),
            (None, None) => entry::skipped(name, SkipReason::NoVersion, origin, Vec::new()),
        };
        parsed.dependencies.push(dependency);
    }
    parsed
}

/// Why a distribution installed from a PEP 610 direct URL cannot be looked up.
fn direct_url_skip_reason(item: &Value) -> Option<SkipReason> {
    let direct = item.get("direct_url")?;
    let url = json_doc::get_str(direct, "url").unwrap_or_default().to_string();
    if let Some(vcs) = direct.get("vcs_info") {
        let kind = json_doc::get_str(vcs, "vcs").unwrap_or("vcs");
        return Some(SkipReason::Vcs(match json_doc::get_str(vcs, "commit_id") {
            Some(commit) => format!("{kind}+{url}@{commit}"),
            None => format!("{kind}+{url}"),
        }));
    }
    if let Some(dir) = direct.get("dir_info") {
        let editable = dir.get("editable").and_then(Value::as_bool) == Some(true);
        return Some(if editable { SkipReason::Editable } else { SkipReason::LocalPath(url) });
    }
    Some(entry::url_skip_reason(&url))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DependencyVersion;

    #[test]
    fn installed_distributions_are_pinned_and_direct_urls_skipped() {
        let text = r#"{
  "version": "1",
  "pip_version": "24.0",
  "installed": [
    {"metadata": {"metadata_version": "2.1", "name": "certifi", "version": "2024.2.2"}, "requested": false},
    {"metadata": {"name": "mine", "version": "0.1"}, "direct_url": {"url": "file:///src/mine", "dir_info": {"editable": true}}},
    {"metadata": {"name": "six", "version": "1.16.0"}, "direct_url": {"url": "https://example.com/six.git", "vcs_info": {"vcs": "git", "commit_id": "abc"}}}
  ]
}"#;
        let parsed = parse("inspect.json", text);
        assert!(parsed.errors.is_empty());
        let found: Vec<_> =
            parsed.dependencies.iter().map(|dep| (dep.name.as_str(), dep.version.clone(), dep.origin.line)).collect();
        assert_eq!((found[0].0, found[0].1.to_string(), found[0].2), ("certifi", "2024.2.2".to_string(), 5));
        assert_eq!(found[1].1, DependencyVersion::Skipped(SkipReason::Editable));
        assert_eq!(
            found[2].1,
            DependencyVersion::Skipped(SkipReason::Vcs("git+https://example.com/six.git@abc".into()))
        );
    }

    #[test]
    fn another_report_version_is_an_error() {
        let parsed = parse("inspect.json", "{\"version\": \"2\", \"installed\": []}");
        assert_eq!(parsed.errors.len(), 1);
    }
}
