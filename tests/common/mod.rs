//! Helpers shared by the fixture tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use osv_lens::model::{Dependency, DependencyVersion, SkipReason};
use osv_lens::sources::ParsedFile;

/// The shared test data: `$OSV_LENS_SHARED_DATA` when set, else `../shared/data` beside the repository.
pub fn shared_data_root() -> PathBuf {
    match std::env::var_os("OSV_LENS_SHARED_DATA") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    }
}

/// `relative` below the shared test data. A test that needs it fails here, naming the path, when it is absent: CI
/// always has the data, so a test that needs it never passes without it.
pub fn shared_path(relative: &str) -> PathBuf {
    let root = shared_data_root();
    let path = if relative.is_empty() { root } else { root.join(relative) };
    assert!(
        path.exists(),
        "{} is absent: this test needs the shared test data (../shared/data beside the repository, or the folder \
         OSV_LENS_SHARED_DATA names)",
        path.display()
    );
    path
}

/// `fixtures/<repository>` below the shared test data; fails the test, naming the path, when it is absent.
pub fn fixtures(repository: &str) -> PathBuf {
    shared_path(&format!("fixtures/{repository}"))
}

/// Every file under `root` whose path satisfies `keep`, sorted.
pub fn files_under(root: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("readable folder") {
            let path = entry.expect("readable entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if keep(&path) {
                found.push(path);
            }
        }
    }
    osv_lens::sorting::sort(&mut found);
    found
}

/// A short description of a dependency's version: `==1.0`, `>=1`, `*`, or `skip:<kind>`.
pub fn version_summary(dependency: &Dependency) -> String {
    match &dependency.version {
        DependencyVersion::Pinned(version) => format!("=={version}"),
        DependencyVersion::Range(specifiers) if specifiers.is_empty() => "*".to_string(),
        DependencyVersion::Range(specifiers) => specifiers.to_string(),
        DependencyVersion::Skipped(reason) => format!("skip:{}", skip_kind(reason)),
    }
}

/// `line:column name version`, then ` [extras]` and ` ; marker` when present: one dependency in a line of text.
pub fn describe(dependency: &Dependency) -> String {
    let mut text = format!(
        "{}:{} {} {}",
        dependency.origin.line,
        dependency.origin.column,
        dependency.name,
        version_summary(dependency)
    );
    if !dependency.extras.is_empty() {
        text.push_str(&format!(" [{}]", dependency.extras.join(",")));
    }
    if let Some(marker) = &dependency.marker {
        text.push_str(&format!(" ; {marker}"));
    }
    text
}

/// The kind of a skip reason, without its payload.
pub fn skip_kind(reason: &SkipReason) -> &'static str {
    match reason {
        SkipReason::Editable => "editable",
        SkipReason::LocalPath(_) => "path",
        SkipReason::Url(_) => "url",
        SkipReason::Vcs(_) => "vcs",
        SkipReason::InvalidVersion { .. } => "invalid-version",
        SkipReason::InvalidEntry(_) => "invalid",
        SkipReason::NoVersion => "no-version",
        SkipReason::NotPypi(_) => "not-pypi",
        SkipReason::OwnProject => "own-project",
        SkipReason::NotForTarget(_) => "not-for-target",
    }
}

/// `tests/fixtures/<folder>/<file>`.
pub fn own_fixture(folder: &str, file: &str) -> (String, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(folder).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    (file.to_string(), text)
}

/// The shared test data folder; fails the test, naming the path, when it is absent.
pub fn shared_data() -> PathBuf {
    shared_path("")
}

/// One line per dependency (`name version @line:column [groups]`, `skip(reason)` for skipped ones), then one per
/// error (`! line:column message`).
pub fn describe_file(parsed: &ParsedFile) -> Vec<String> {
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

/// Like [`describe_file`] without columns: `name version @line [groups]`, then `! line:column message` per error.
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
