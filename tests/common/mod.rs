//! Helpers shared by the fixture-driven tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use osv_lens::model::{Dependency, DependencyVersion};
use osv_lens::sources::ParsedFile;

/// `tests/fixtures/<folder>/<file>`.
pub fn own_fixture(folder: &str, file: &str) -> (String, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(folder).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    (file.to_string(), text)
}

/// The shared test data folder (`../shared/data`), or `None` with a notice when it is absent.
pub fn shared_data(test: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("notice: {test} skipped: {} is absent", path.display());
        None
    }
}

/// One line per dependency (`name version @line:column [groups]`, `skip(reason)` for skipped ones), then one per
/// error (`! line:column message`).
pub fn describe(parsed: &ParsedFile) -> Vec<String> {
    let mut rows: Vec<String> = parsed.dependencies.iter().map(describe_dependency).collect();
    rows.extend(parsed.errors.iter().map(|error| format!("! {}:{} {}", error.line, error.column, error.message)));
    rows
}

/// `name version @line:column [groups]`.
pub fn describe_dependency(dependency: &Dependency) -> String {
    let version = match &dependency.version {
        DependencyVersion::Skipped(reason) => format!("skip({reason})"),
        DependencyVersion::Range(specifiers) if specifiers.is_empty() => "*".to_string(),
        DependencyVersion::Range(specifiers) => specifiers.to_string(),
        DependencyVersion::Pinned(version) => format!("=={version}"),
    };
    format!(
        "{} {version} @{}:{} [{}]",
        dependency.name,
        dependency.origin.line,
        dependency.origin.column,
        dependency.groups.join(",")
    )
}

/// Like [`describe`] without columns: `name version @line [groups]`, then `! line:column message` per error.
pub fn describe_short(parsed: &ParsedFile) -> Vec<String> {
    let mut rows: Vec<String> = parsed
        .dependencies
        .iter()
        .map(|dependency| {
            let full = describe_dependency(dependency);
            let (head, groups) = full.rsplit_once(" [").unwrap_or((&full, ""));
            let (head, _column) = head.rsplit_once(':').unwrap_or((head, ""));
            format!("{head} [{groups}")
        })
        .collect();
    rows.extend(parsed.errors.iter().map(|error| format!("! {}:{} {}", error.line, error.column, error.message)));
    rows
}
