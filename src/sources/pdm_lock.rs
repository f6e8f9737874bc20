//! PDM's `pdm.lock` (lock versions 3.x and 4.x).
//!
//! Every `[[package]]` is a locked distribution. Its `groups` (PDM 2.11+ with `inherit_metadata`) are kept; a package
//! without its own list gets the lockfile's `[metadata] groups` only when that names a single group, because then
//! every package belongs to it. Packages locked from `git`, a local `path` or a direct `url` are skipped with the
//! reason.

use super::locator::Locator;
use super::toml_doc::{self, Table};
use super::{entry, Format, ParsedFile};
use crate::model::{Dependency, Origin, SkipReason};

/// Parses a `pdm.lock`.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    let mut parsed = ParsedFile::new(file_name, Format::PdmLock);
    let locator = Locator::new(file_name, text);
    let document = match toml_doc::parse(text, &locator) {
        Ok(document) => document,
        Err(error) => {
            parsed.errors.push(error);
            return parsed;
        }
    };
    let root = document.get_ref();
    let metadata = toml_doc::get_table(root, "metadata");
    if let Some(lock_version) = metadata.and_then(|meta| toml_doc::get(meta, "lock_version")) {
        let major = lock_version.get_ref().as_str().and_then(|text| text.trim().split('.').next()?.parse::<u64>().ok());
        if !matches!(major, Some(3 | 4)) {
            parsed.errors.push(toml_doc::unsupported_version(
                &locator,
                lock_version,
                "PDM lock_version",
                "3.x and 4.x",
            ));
            return parsed;
        }
    }
    let lock_groups = metadata.map(|meta| toml_doc::get_strings(meta, "groups")).unwrap_or_default();
    let shared_group = match lock_groups.as_slice() {
        [only] => vec![only.clone()],
        _ => Vec::new(),
    };
    let packages = toml_doc::get_array(root, "package");
    toml_doc::for_each_package(packages, "package", &locator, &mut parsed, |table, name, origin| {
        package(table, name, origin, &shared_group)
    });
    parsed
}

fn package(table: &Table<'_>, name: &str, origin: Origin, shared_group: &[String]) -> Dependency {
    let mut groups = toml_doc::get_strings(table, "groups");
    if toml_doc::get(table, "groups").is_none() {
        groups = shared_group.to_vec();
    }
    let reason = if let Some(git) = toml_doc::get_str(table, "git") {
        Some(SkipReason::Vcs(match toml_doc::get_str(table, "revision") {
            Some(revision) => format!("git+{git}@{revision}"),
            None => format!("git+{git}"),
        }))
    } else if let Some(path) = toml_doc::get_str(table, "path") {
        Some(SkipReason::LocalPath(path.to_string()))
    } else {
        toml_doc::get_str(table, "url").map(entry::url_skip_reason)
    };
    match reason {
        Some(reason) => entry::skipped(name, reason, origin, groups),
        None => entry::dependency(name, toml_doc::locked_version(table), origin, groups),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DependencyVersion;

    #[test]
    fn packages_keep_their_own_groups_and_git_ones_are_skipped() {
        let text = "[metadata]\ngroups = [\"default\", \"dev\"]\nlock_version = \"4.4.1\"\n\n[[package]]\nname = \"pyroute2\"\nversion = \"0.7.11\"\ngroups = [\"dev\"]\n\n[[package]]\nname = \"toml\"\nversion = \"0.10.2\"\ngit = \"https://example.com/toml.git\"\nrevision = \"65ba\"\ngroups = [\"default\"]\n";
        let parsed = parse("pdm.lock", text);
        assert!(parsed.errors.is_empty());
        assert_eq!(parsed.dependencies[0].version.to_string(), "0.7.11");
        assert_eq!(parsed.dependencies[0].groups, ["dev"]);
        assert_eq!(parsed.dependencies[0].origin.line, 6);
        assert_eq!(
            parsed.dependencies[1].version,
            DependencyVersion::Skipped(SkipReason::Vcs("git+https://example.com/toml.git@65ba".into()))
        );
    }

    #[test]
    fn a_single_lock_group_applies_to_packages_without_groups() {
        let text = "[metadata]\ngroups = [\"default\"]\nlock_version = \"4.0\"\n[[package]]\nname = \"six\"\nversion = \"1.16.0\"\n";
        assert_eq!(parse("pdm.lock", text).dependencies[0].groups, ["default"]);
    }

    #[test]
    fn an_unknown_lock_version_is_an_error() {
        let parsed = parse("pdm.lock", "[metadata]\nlock_version = \"9.0\"\n");
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, 2);
    }
}
