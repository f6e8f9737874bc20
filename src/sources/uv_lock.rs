//! uv's `uv.lock` (lock version 1).
//!
//! Every `[[package]]` is a locked distribution. The project itself (`source = { virtual = "." }` or
//! `{ editable = "." }`) is skipped as the project's own package; other editable or virtual members, `path` and
//! `directory` sources are local, `git` sources are version control and `url` sources are direct archives: all
//! skipped with the reason. Registry packages are pinned. A package listed in the project's `optional-dependencies`
//! or `dev-dependencies` gets those extra and group names as groups.

use std::collections::BTreeMap;

use super::locator::Locator;
use super::toml_doc::{self, Table, Value};
use super::toml_unread;
use super::{entry, Format, ParsedFile};
use crate::model::{normalize_name, Dependency, Origin, SkipReason};

/// The keys of a `[[package]]` that this reader never uses, and which make up most of a lock.
const UNREAD_KEYS: &[&str] = &["wheels", "sdist", "dependencies"];

/// Parses a `uv.lock`.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    if let Some(emptied) = toml_unread::without_unread_values(text, "package", UNREAD_KEYS) {
        let locator = Locator::with_segments(file_name, text, emptied.segments);
        if let Ok(document) = toml_doc::parse(&emptied.text, &locator) {
            return read(file_name, document.get_ref(), &locator);
        }
        // The emptying does not validate: the text as written is read again, for its error.
    }
    parse_in_full(file_name, text)
}

/// Parses a `uv.lock` with every value read by the `toml` crate.
fn parse_in_full(file_name: &str, text: &str) -> ParsedFile {
    let locator = Locator::new(file_name, text);
    match toml_doc::parse(text, &locator) {
        Ok(document) => read(file_name, document.get_ref(), &locator),
        Err(error) => {
            let mut parsed = ParsedFile::new(file_name, Format::UvLock);
            parsed.errors.push(error);
            parsed
        }
    }
}

/// Reads the packages of a parsed lock.
fn read(file_name: &str, root: &Table<'_>, locator: &Locator<'_>) -> ParsedFile {
    let mut parsed = ParsedFile::new(file_name, Format::UvLock);
    if let Some(version) = toml_doc::get(root, "version") {
        if version.get_ref().as_integer().map(|integer| integer.as_str()) != Some("1") {
            parsed.errors.push(toml_doc::unsupported_version(locator, version, "uv.lock version", "version 1"));
            return parsed;
        }
    }
    let packages = toml_doc::get_array(root, "package");
    let groups = project_groups(packages);
    toml_doc::for_each_package(packages, "package", locator, &mut parsed, |table, name, origin| {
        let groups = groups.get(&normalize_name(name)).cloned().unwrap_or_default();
        package(table, name, origin, groups)
    });
    parsed
}

fn package(table: &Table<'_>, name: &str, origin: Origin, groups: Vec<String>) -> Dependency {
    match toml_doc::get_table(table, "source").and_then(source_skip_reason) {
        Some(reason) => entry::skipped(name, reason, origin, groups),
        None => entry::dependency(name, toml_doc::locked_version(table), origin, groups),
    }
}

fn source_skip_reason(source: &Table<'_>) -> Option<SkipReason> {
    for key in ["virtual", "editable"] {
        if let Some(path) = toml_doc::get_str(source, key) {
            return Some(if path == "." { SkipReason::OwnProject } else { SkipReason::LocalPath(path.to_string()) });
        }
    }
    if let Some(git) = toml_doc::get_str(source, "git") {
        return Some(SkipReason::Vcs(format!("git+{git}")));
    }
    if let Some(path) = toml_doc::get_str(source, "path").or(toml_doc::get_str(source, "directory")) {
        return Some(SkipReason::LocalPath(path.to_string()));
    }
    toml_doc::get_str(source, "url").map(|url| SkipReason::Url(url.to_string()))
}

/// The extras and dependency groups of the project's own packages, by the normalised name of each member.
fn project_groups(packages: &[Value<'_>]) -> BTreeMap<String, Vec<String>> {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let own_packages = packages.iter().filter_map(|item| item.get_ref().as_table()).filter(|table| {
        toml_doc::get_table(table, "source")
            .is_some_and(|source| source_skip_reason(source) == Some(SkipReason::OwnProject))
    });
    for table in own_packages {
        for section in ["optional-dependencies", "dev-dependencies"] {
            let Some(section) = toml_doc::get_table(table, section) else { continue };
            for (group, members) in toml_doc::entries_in_file_order(section) {
                let members = members.get_ref().as_array().map_or(&[][..], |array| array);
                for member in members.iter().filter_map(|member| member.get_ref().as_table()) {
                    if let Some(name) = toml_doc::get_str(member, "name") {
                        let names = groups.entry(normalize_name(name)).or_default();
                        if !names.iter().any(|known| known == group) {
                            names.push(group.to_string());
                        }
                    }
                }
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DependencyVersion;

    const LOCK: &str = r#"version = 1
requires-python = ">=3.10"

[[package]]
name = "black"
version = "24.10.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "ruff"
version = "0.8.1"
source = { git = "https://example.com/ruff#84748be" }

[[package]]
name = "demo"
version = "0.1.0"
source = { virtual = "." }

[package.optional-dependencies]
dev = [{ name = "black" }]
"#;

    #[test]
    fn registry_packages_are_pinned_and_the_project_is_skipped() {
        let parsed = parse("uv.lock", LOCK);
        assert!(parsed.errors.is_empty());
        let found: Vec<_> =
            parsed.dependencies.iter().map(|dep| (dep.name.as_str(), dep.version.clone(), dep.origin.line)).collect();
        assert_eq!(found[0].0, "black");
        assert_eq!(found[0].1.to_string(), "24.10.0");
        assert_eq!(found[0].2, 5);
        assert_eq!(
            found[1].1,
            DependencyVersion::Skipped(SkipReason::Vcs("git+https://example.com/ruff#84748be".into()))
        );
        assert_eq!(found[2].1, DependencyVersion::Skipped(SkipReason::OwnProject));
        assert_eq!(parsed.dependencies[0].groups, ["dev"]);
    }

    /// Reading the lock with its unread values emptied gives what reading all of it gives: on the project's uv.lock
    /// fixtures, and on a real lock with one byte changed at a time.
    #[test]
    fn emptying_the_unread_values_changes_nothing_read() {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut texts: Vec<String> = Vec::new();
        for directory in ["uv-lock", "bench"] {
            for entry in std::fs::read_dir(format!("{fixtures}/{directory}")).expect("fixtures") {
                let path = entry.expect("fixture").path();
                if path.extension().is_some_and(|extension| extension == "lock") {
                    texts.push(std::fs::read_to_string(&path).expect("fixture text"));
                }
            }
        }
        let bench = std::fs::read_to_string(format!("{fixtures}/bench/uv.lock")).expect("bench lock");
        // The first twenty packages, changed at byte positions spread over them, into characters TOML cares about.
        let head_end = bench.match_indices("[[package]]").nth(20).map_or(bench.len(), |(at, _)| at);
        let head = &bench[..head_end];
        let replacements = ['"', '\\', '{', '}', '[', ']', '=', ',', '\n', '.', '#', ' ', 'x', '\u{1}', '\''];
        let mut position = 7usize;
        for round in 0..400 {
            position = (position * 7919 + 104_729) % head.len();
            while !head.is_char_boundary(position) {
                position -= 1;
            }
            let width = head[position..].chars().next().map_or(0, char::len_utf8);
            let replacement = replacements[round % replacements.len()].to_string();
            texts.push(format!("{}{replacement}{}", &head[..position], &head[position + width..]));
        }
        let mut emptied = 0;
        for text in &texts {
            emptied += usize::from(toml_unread::without_unread_values(text, "package", UNREAD_KEYS).is_some());
            assert_eq!(parse("uv.lock", text), parse_in_full("uv.lock", text), "{text}");
        }
        // Most changed locks are read through the emptied text.
        assert!(emptied > texts.len() / 2, "{emptied} of {}", texts.len());
    }

    #[test]
    fn another_lock_version_is_an_error() {
        let parsed = parse("uv.lock", "version = 2\n");
        assert_eq!(parsed.errors.len(), 1);
        assert!(parsed.errors[0].message.contains("`2`"), "{}", parsed.errors[0].message);
    }
}
