//! PEP 751 lockfiles: `pylock.toml` and `pylock.<name>.toml`.
//!
//! The document must have a `lock-version` whose major version is 1 and a `packages` array; otherwise it is one
//! error, as pip-audit does. Each package is pinned to its `version`. A package installed from version control
//! (`vcs`), a local `directory` or an `archive` is skipped with the reason; a package with no `version` is skipped
//! as "no version specified".

use std::str::FromStr;

use pep508_rs::pep440_rs::Version;

use super::locator::Locator;
use super::toml_doc::{self, Table};
use super::{entry, Format, ParsedFile};
use crate::model::{Dependency, Origin, SkipReason};

/// Parses a PEP 751 lockfile.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    let mut parsed = ParsedFile::new(file_name, Format::PyLock);
    let locator = Locator::new(file_name, text);
    let document = match toml_doc::parse(text, &locator) {
        Ok(document) => document,
        Err(error) => {
            parsed.errors.push(error);
            return parsed;
        }
    };
    let root = document.get_ref();
    let Some(lock_version) = toml_doc::get(root, "lock-version") else {
        parsed.errors.push(locator.error(0, 0, "missing `lock-version`; a PEP 751 lockfile must have one"));
        return parsed;
    };
    let major = lock_version
        .get_ref()
        .as_str()
        .and_then(|text| Version::from_str(text.trim()).ok())
        .map(|version| version.release().first().copied().unwrap_or_default());
    if major != Some(1) {
        parsed.errors.push(toml_doc::unsupported_version(&locator, lock_version, "lock-version", "version 1.x"));
        return parsed;
    }
    let Some(packages) = toml_doc::get(root, "packages") else {
        parsed.errors.push(locator.error(0, 0, "missing `packages`; a PEP 751 lockfile must list its packages"));
        return parsed;
    };
    let Some(packages) = packages.get_ref().as_array() else {
        let message = format!("`packages` is {}, not an array of tables", packages.get_ref().type_str());
        parsed.errors.push(locator.error(packages.span().start, packages.span().end, message));
        return parsed;
    };
    toml_doc::for_each_package(packages, "packages", &locator, &mut parsed, package);
    parsed
}

fn package(table: &Table<'_>, name: &str, origin: Origin) -> Dependency {
    match source_skip_reason(table) {
        Some(reason) => entry::skipped(name, reason, origin, Vec::new()),
        None => entry::dependency(name, toml_doc::locked_version(table), origin, Vec::new()),
    }
}

fn source_skip_reason(table: &Table<'_>) -> Option<SkipReason> {
    if let Some(vcs) = toml_doc::get_table(table, "vcs") {
        let kind = toml_doc::get_str(vcs, "type").unwrap_or("vcs");
        let location = toml_doc::get_str(vcs, "url").or(toml_doc::get_str(vcs, "path")).unwrap_or_default();
        return Some(SkipReason::Vcs(match toml_doc::get_str(vcs, "commit-id") {
            Some(commit) => format!("{kind}+{location}@{commit}"),
            None => format!("{kind}+{location}"),
        }));
    }
    if let Some(directory) = toml_doc::get_table(table, "directory") {
        return Some(SkipReason::LocalPath(toml_doc::get_str(directory, "path").unwrap_or_default().to_string()));
    }
    let archive = toml_doc::get_table(table, "archive")?;
    Some(match (toml_doc::get_str(archive, "url"), toml_doc::get_str(archive, "path")) {
        (Some(url), _) => SkipReason::Url(url.to_string()),
        (None, path) => SkipReason::LocalPath(path.unwrap_or_default().to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DependencyVersion;

    #[test]
    fn packages_are_pinned_and_sources_outside_an_index_are_skipped() {
        let text = "lock-version = \"1.0\"\n\n[[packages]]\nname = \"click\"\nversion = \"8.2.1\"\n\n[[packages]]\nname = \"mleroc\"\nvcs = { type = \"git\", url = \"https://example.com/m.git\", commit-id = \"7350\" }\n\n[[packages]]\nname = \"self\"\ndirectory = { path = \".\", editable = true }\n\n[[packages]]\nname = \"attrs\"\n";
        let parsed = parse("pylock.toml", text);
        assert!(parsed.errors.is_empty());
        let versions: Vec<_> = parsed.dependencies.iter().map(|dep| dep.version.clone()).collect();
        assert_eq!(versions[0].to_string(), "8.2.1");
        assert_eq!(
            versions[1],
            DependencyVersion::Skipped(SkipReason::Vcs("git+https://example.com/m.git@7350".into()))
        );
        assert_eq!(versions[2], DependencyVersion::Skipped(SkipReason::LocalPath(".".into())));
        assert_eq!(versions[3], DependencyVersion::Skipped(SkipReason::NoVersion));
        assert_eq!(parsed.dependencies[3].origin.line, 16);
    }

    #[test]
    fn the_lock_version_must_be_1() {
        for (text, line) in [("lock-version = '666'\n", 1), ("a = 1\nlock-version = 2\n", 2)] {
            let parsed = parse("pylock.toml", text);
            assert_eq!(parsed.errors.len(), 1, "{text}");
            assert_eq!(parsed.errors[0].line, line);
        }
        let missing = parse("pylock.toml", "packages = []\n");
        assert!(missing.errors[0].message.contains("missing `lock-version`"));
    }

    #[test]
    fn a_package_without_a_name_is_skipped_and_the_others_kept() {
        let text =
            "lock-version = \"1.0\"\n[[packages]]\nversion = \"1.0\"\n[[packages]]\nname = \"b\"\nversion = \"2.0\"\n";
        let parsed = parse("pylock.toml", text);
        assert_eq!(parsed.errors.len(), 1);
        assert!(matches!(parsed.dependencies[0].version, DependencyVersion::Skipped(SkipReason::InvalidEntry(_))));
        assert_eq!(parsed.dependencies[1].version.to_string(), "2.0");
        assert_eq!(parsed.errors[0].line, 2, "{}", parsed.errors[0]);
    }
}
