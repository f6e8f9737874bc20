//! Poetry's `poetry.lock`, lock formats 1.x and 2.x.
//!
//! Every `[[package]]` is a locked distribution. Groups come from `category` (1.x: `main`, `dev`) or `groups`
//! (2.x); an `optional = true` package also gets the group `optional`. Packages whose `[package.source]` is `git`,
//! `directory`, `file` or `url` are not from an index and are skipped with the reason; `legacy` (a private index)
//! is read like PyPI. A `[metadata] lock-version` other than 1.x or 2.x is an error; a lockfile without one (Poetry
//! before 1.0) is read as 1.x.

use super::locator::Locator;
use super::toml_doc::{self, Table};
use super::{entry, Format, ParsedFile};
use crate::model::{Dependency, Origin, SkipReason};

/// Parses a `poetry.lock`.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    let mut parsed = ParsedFile::new(file_name, Format::PoetryLock);
    let locator = Locator::new(file_name, text);
    let document = match toml_doc::parse(text, &locator) {
        Ok(document) => document,
        Err(error) => {
            parsed.errors.push(error);
            return parsed;
        }
    };
    let root = document.get_ref();
    if let Some(lock_version) =
        toml_doc::get_table(root, "metadata").and_then(|meta| toml_doc::get(meta, "lock-version"))
    {
        let major = lock_version.get_ref().as_str().and_then(|text| text.trim().split('.').next()?.parse::<u64>().ok());
        if !matches!(major, Some(1 | 2)) {
            parsed.errors.push(toml_doc::unsupported_version(
                &locator,
                lock_version,
                "Poetry lock-version",
                "1.x and 2.x",
            ));
            return parsed;
        }
    }
    let packages = toml_doc::get_array(root, "package");
    toml_doc::for_each_package(packages, "package", &locator, &mut parsed, package);
    parsed
}

fn package(table: &Table<'_>, name: &str, origin: Origin) -> Dependency {
    let mut groups = toml_doc::get_strings(table, "groups");
    if let Some(category) = toml_doc::get_str(table, "category") {
        groups.push(category.to_string());
    }
    if toml_doc::get_bool(table, "optional") == Some(true) {
        groups.push("optional".to_string());
    }
    match source_skip_reason(table) {
        Some(reason) => entry::skipped(name, reason, origin, groups),
        None => entry::dependency(name, toml_doc::locked_version(table), origin, groups),
    }
}

/// Why a package with a `[package.source]` that is not an index cannot be looked up.
fn source_skip_reason(table: &Table<'_>) -> Option<SkipReason> {
    let source = toml_doc::get_table(table, "source")?;
    let url = toml_doc::get_str(source, "url").unwrap_or_default().to_string();
    let kind = toml_doc::get_str(source, "type").unwrap_or_default();
    match kind {
        "git" | "hg" | "svn" | "bzr" => {
            let reference = toml_doc::get_str(source, "resolved_reference").or(toml_doc::get_str(source, "reference"));
            Some(SkipReason::Vcs(match reference {
                Some(reference) if !reference.is_empty() => format!("{kind}+{url}@{reference}"),
                _ => format!("{kind}+{url}"),
            }))
        }
        "directory" | "file" => Some(SkipReason::LocalPath(url)),
        "url" => Some(SkipReason::Url(url)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DependencyVersion;

    #[test]
    fn packages_are_pinned_with_their_groups_and_lines() {
        let text = "[[package]]\nname = \"Numpy\"\nversion = \"1.23.3\"\ncategory = \"main\"\n\n[[package]]\nname = \"faker\"\nversion = \"33.3.0\"\noptional = true\ngroups = [\"dev\", \"test\"]\n\n[metadata]\nlock-version = \"2.1\"\n";
        let parsed = parse("poetry.lock", text);
        assert!(parsed.errors.is_empty());
        let found: Vec<_> = parsed
            .dependencies
            .iter()
            .map(|dep| (dep.name.as_str(), dep.version.to_string(), dep.origin.line, dep.groups.clone()))
            .collect();
        assert_eq!(
            found,
            [
                ("numpy", "1.23.3".to_string(), 2, vec!["main".to_string()]),
                ("faker", "33.3.0".to_string(), 7, vec!["dev".to_string(), "test".to_string(), "optional".to_string()]),
            ]
        );
    }

    #[test]
    fn an_unknown_lock_version_is_one_error_at_its_value() {
        let parsed =
            parse("poetry.lock", "[[package]]\nname = \"a\"\nversion = \"1\"\n[metadata]\nlock-version = \"3.0\"\n");
        assert!(parsed.dependencies.is_empty());
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!((parsed.errors[0].line, parsed.errors[0].column), (5, 16));
        assert!(parsed.errors[0].message.contains("`3.0`"), "{}", parsed.errors[0].message);
    }

    #[test]
    fn non_index_sources_are_skipped_with_the_reason() {
        let text = "[[package]]\nname = \"ike\"\nversion = \"0.2.0\"\n[package.source]\ntype = \"git\"\nurl = \"https://example.com/ike\"\nresolved_reference = \"abc\"\n\n[[package]]\nname = \"mine\"\nversion = \"1.0\"\nsource = { type = \"directory\", url = \"../mine\" }\n";
        let parsed = parse("poetry.lock", text);
        assert_eq!(
            parsed.dependencies[0].version,
            DependencyVersion::Skipped(SkipReason::Vcs("git+https://example.com/ike@abc".to_string()))
        );
        assert_eq!(parsed.dependencies[1].version, DependencyVersion::Skipped(SkipReason::LocalPath("../mine".into())));
    }
}
