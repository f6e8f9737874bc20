//! Pipenv's `Pipfile.lock` (JSON).
//!
//! Every top-level object except `_meta` is a group of locked packages: `default`, `develop`, and the custom
//! categories of Pipenv 2023+. Each package is pinned by its `"version": "==1.2"`. Entries installed from `git` (or
//! another VCS), a local `path` or a `file` URL are skipped with the reason, as are entries without a version.

use std::str::FromStr;

use pep508_rs::pep440_rs::VersionSpecifiers;
use serde_json::Value;

use super::json_doc::{self, JsonOffsets};
use super::locator::Locator;
use super::{entry, Format, ParsedFile};
use crate::model::{Dependency, DependencyVersion, Origin, SkipReason};

/// Parses a `Pipfile.lock`.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    let mut parsed = ParsedFile::new(file_name, Format::PipfileLock);
    let locator = Locator::new(file_name, text);
    let document = match json_doc::parse(text, &locator) {
        Ok(document) => document,
        Err(error) => {
            parsed.errors.push(error);
            return parsed;
        }
    };
    let Some(root) = document.as_object() else {
        let message =
            format!("expected a JSON object with `default` and `develop`, found {}", json_doc::type_name(&document));
        parsed.errors.push(locator.error(0, 1, message));
        return parsed;
    };
    let offsets = JsonOffsets::scan(text);
    let mut found = Vec::new();
    for (group, packages) in root.iter().filter(|(key, _)| key.as_str() != "_meta") {
        let Some(packages) = packages.as_object() else { continue };
        for (name, package) in packages {
            let offset = offsets.nearest(&[group.as_str(), name.as_str()]);
            found.push((offset, group, name, package));
        }
    }
    // serde_json keeps object keys sorted; the offsets give back the file order.
    crate::sorting::sort_by_key(&mut found, |(offset, ..)| *offset);
    for (offset, group, name, package) in found {
        let origin = locator.origin(offset);
        if !package.is_object() {
            let message = format!("the entry for `{name}` is {}, not an object", json_doc::type_name(package));
            parsed.errors.push(locator.error(offset, offset + 1, message.clone()));
            parsed.dependencies.push(entry::skipped(
                name,
                SkipReason::InvalidEntry(message),
                origin,
                vec![group.clone()],
            ));
            continue;
        }
        parsed.dependencies.push(package_dependency(name, package, origin, vec![group.clone()]));
    }
    parsed
}

fn package_dependency(name: &str, package: &Value, origin: Origin, groups: Vec<String>) -> Dependency {
    for vcs in ["git", "hg", "svn", "bzr"] {
        if let Some(url) = json_doc::get_str(package, vcs) {
            // Pipenv writes the URL with or without its `git+` prefix.
            let prefix = if url.starts_with(&format!("{vcs}+")) { "" } else { vcs };
            let separator = if prefix.is_empty() { "" } else { "+" };
            let url = match json_doc::get_str(package, "ref") {
                Some(reference) => format!("{prefix}{separator}{url}@{reference}"),
                None => format!("{prefix}{separator}{url}"),
            };
            return entry::skipped(name, SkipReason::Vcs(url), origin, groups);
        }
    }
    if let Some(path) = json_doc::get_str(package, "path") {
        let reason = if path == "." { SkipReason::OwnProject } else { SkipReason::LocalPath(path.to_string()) };
        return entry::skipped(name, reason, origin, groups);
    }
    if let Some(file) = json_doc::get_str(package, "file") {
        let reason =
            if file.contains("://") { entry::url_skip_reason(file) } else { SkipReason::LocalPath(file.into()) };
        return entry::skipped(name, reason, origin, groups);
    }
    let version = match package.get("version") {
        None => DependencyVersion::Skipped(SkipReason::NoVersion),
        Some(Value::String(version)) if version.trim().is_empty() || version.trim() == "*" => {
            DependencyVersion::Skipped(SkipReason::NoVersion)
        }
        Some(Value::String(version)) => match VersionSpecifiers::from_str(version) {
            Ok(specifiers) => entry::version_from_specifiers(specifiers),
            Err(error) => DependencyVersion::Skipped(SkipReason::InvalidVersion {
                version: version.clone(),
                message: error.to_string().lines().next().unwrap_or_default().to_string(),
            }),
        },
        Some(other) => DependencyVersion::Skipped(SkipReason::InvalidVersion {
            version: other.to_string(),
            message: "expected a string such as `==1.2.3`".to_string(),
        }),
    };
    entry::dependency(name, version, origin, groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"{
    "_meta": {"pipfile-spec": 6},
    "default": {
        "markupsafe": {"version": "==2.1.1"},
        "itsdangerous": {"version": "==2.1.2"}
    },
    "develop": {
        "markupsafe": {"editable": true, "git": "https://example.com/markupsafe", "ref": "b360"},
        "prefixed": {"git": "git+ssh://git@example.com/prefixed.git"},
        "local": {"path": "./local"},
        "loose": {"version": "*"}
    }
}"#;

    #[test]
    fn sections_become_groups_in_file_order() {
        let parsed = parse("Pipfile.lock", LOCK);
        assert!(parsed.errors.is_empty());
        let found: Vec<_> = parsed
            .dependencies
            .iter()
            .map(|dep| (dep.name.as_str(), dep.version.to_string(), dep.origin.line, dep.groups.join(",")))
            .collect();
        assert_eq!(found[0], ("markupsafe", "2.1.1".to_string(), 4, "default".to_string()));
        assert_eq!(found[1], ("itsdangerous", "2.1.2".to_string(), 5, "default".to_string()));
        assert_eq!(found[2].2, 8);
        assert_eq!(found[2].3, "develop");
    }

    #[test]
    fn vcs_path_and_unversioned_entries_are_skipped() {
        let parsed = parse("Pipfile.lock", LOCK);
        let versions: Vec<_> = parsed.dependencies.iter().map(|dep| dep.version.clone()).collect();
        assert_eq!(
            versions[2],
            DependencyVersion::Skipped(SkipReason::Vcs("git+https://example.com/markupsafe@b360".into()))
        );
        assert_eq!(
            versions[3],
            DependencyVersion::Skipped(SkipReason::Vcs("git+ssh://git@example.com/prefixed.git".into()))
        );
        assert_eq!(versions[4], DependencyVersion::Skipped(SkipReason::LocalPath("./local".into())));
        assert_eq!(versions[5], DependencyVersion::Skipped(SkipReason::NoVersion));
    }

    #[test]
    fn broken_json_is_one_error_with_its_place() {
        let parsed = parse("Pipfile.lock", "{\n  \"default\": {\n    \"a\": {\"version\": \"==1\"\n  }\n");
        assert!(parsed.dependencies.is_empty());
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, 5);
    }
}
