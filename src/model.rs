//! The dependencies read from the user's files, before any lookup.

use std::fmt;

use pep508_rs::pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::PackageName;
use serde::{Deserialize, Serialize};

/// Where a dependency was written: the file and the 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Origin {
    /// The file name as the user gave it.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
}

impl Origin {
    /// An origin at `line`, `column` of `file`.
    pub fn new(file: impl Into<String>, line: u32, column: u32) -> Self {
        Self { file: file.into(), line, column }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// What version of a package a file asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DependencyVersion {
    /// Exactly one version (`==` or `===` pins, lockfiles, SBOMs).
    Pinned(Version),
    /// A range of versions (`>=`, `~=`, `<`, `!=`, or no specifier at all).
    Range(VersionSpecifiers),
    /// A dependency that cannot be looked up, with the reason.
    Skipped(SkipReason),
}

impl DependencyVersion {
    /// The pinned version, if there is one.
    pub fn pinned(&self) -> Option<&Version> {
        match self {
            Self::Pinned(version) => Some(version),
            _ => None,
        }
    }
}

impl fmt::Display for DependencyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pinned(version) => write!(f, "{version}"),
            Self::Range(specifiers) if specifiers.is_empty() => f.write_str("*"),
            Self::Range(specifiers) => write!(f, "{specifiers}"),
            Self::Skipped(_) => Ok(()),
        }
    }
}

/// Why a dependency is not looked up. Skipping is data, not an error: the report shows it with this reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SkipReason {
    /// An editable install (`-e`).
    Editable,
    /// A local file or directory.
    LocalPath(String),
    /// A direct URL (`name @ https://…`) or an archive URL.
    Url(String),
    /// A version-control URL (`git+https://…`).
    Vcs(String),
    /// The version could not be parsed.
    InvalidVersion {
        /// The version as written.
        version: String,
        /// What the version parser said.
        message: String,
    },
    /// The entry could not be parsed at all.
    InvalidEntry(String),
    /// The entry names no version.
    NoVersion,
    /// A package that does not come from PyPI (a conda package, another purl ecosystem, …).
    NotPypi(String),
    /// The project's own package, which is not installed from an index.
    OwnProject,
    /// Not installed in the target environment: its marker does not hold there (the marker and the target).
    NotForTarget(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Editable => f.write_str("editable install; not from an index"),
            Self::LocalPath(path) => write!(f, "local path `{path}`; not from an index"),
            Self::Url(url) => write!(f, "direct URL `{url}`; not from an index"),
            Self::Vcs(url) => write!(f, "version-control URL `{url}`; not from an index"),
            Self::InvalidVersion { version, message } => write!(f, "invalid version `{version}`: {message}"),
            Self::InvalidEntry(message) => write!(f, "invalid entry: {message}"),
            Self::NoVersion => f.write_str("no version specified"),
            Self::NotPypi(what) => write!(f, "not a PyPI package ({what})"),
            Self::OwnProject => f.write_str("the project's own package"),
            Self::NotForTarget(why) => write!(f, "not installed in the target environment (marker `{why}`)"),
        }
    }
}

/// One dependency read from an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The PEP 503 normalised name, or the raw text when the entry has no usable name.
    pub name: String,
    /// What the file asks for.
    pub version: DependencyVersion,
    /// Where the file asks for it.
    pub origin: Origin,
    /// Dependency groups (`dev`, `default`, extras, …), in file order.
    pub groups: Vec<String>,
    /// The extras asked for (`requests[socks]` → `socks`), PEP 685 normalised, in file order.
    pub extras: Vec<String>,
    /// The environment marker as written (`python_version < "3.8"`), when the entry has one. The dependency only
    /// applies where the marker holds.
    pub marker: Option<String>,
    /// A range's version specifier as the file writes it (`>= 2.10, <2.11`, Poetry's `^2.10`), when it was read
    /// from text; the report shows ranges this way, never as a single version.
    pub written_specifier: Option<String>,
    /// For a dependency the resolver pinned: what the file wrote (a range, `*` for a bare name, or the pin).
    pub resolved_from: Option<String>,
}

impl Dependency {
    /// A dependency on `name` (normalised here) with the given version.
    pub fn new(name: &str, version: DependencyVersion, origin: Origin) -> Self {
        Self::named(normalize_name(name), version, origin)
    }

    /// A dependency on a project whose name pep508_rs has read, and so has already put in PEP 503 form.
    pub fn of_package(name: &PackageName, version: DependencyVersion, origin: Origin) -> Self {
        Self::named(name.as_ref().to_owned(), version, origin)
    }

    /// A dependency whose name is used as given: already normalised, or a path or URL that names no project.
    pub fn named(name: String, version: DependencyVersion, origin: Origin) -> Self {
        Self {
            name,
            version,
            origin,
            groups: Vec::new(),
            extras: Vec::new(),
            marker: None,
            written_specifier: None,
            resolved_from: None,
        }
    }

    /// The version as the report and the automation contract show it: the pinned version, or a range's specifier
    /// as written (`>=2.10,<2.11`; `*` for any version). Empty for a skipped dependency.
    pub fn version_text(&self) -> String {
        match (&self.version, self.written_specifier.as_deref().map(str::trim)) {
            (DependencyVersion::Range(_), Some(written)) if !written.is_empty() => written.to_string(),
            (DependencyVersion::Range(specifiers), _) if !specifiers.is_empty() => {
                specifiers.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
            }
            (version, _) => version.to_string(),
        }
    }

    /// True when the dependency can be looked up in OSV.
    pub fn is_auditable(&self) -> bool {
        !matches!(self.version, DependencyVersion::Skipped(_))
    }
}

/// Normalises a distribution name per PEP 503. Names that are not valid are lower-cased as they are, so that the
/// caller can still show them.
pub fn normalize_name(name: &str) -> String {
    let name = name.trim();
    if is_normalized(name) {
        // Most names arrive normalised (lockfiles write them so; pep508_rs gives them so); they are copied as they
        // are rather than validated and rebuilt.
        return name.to_string();
    }
    match PackageName::new(name.to_string()) {
        Ok(package) => package.to_string(),
        Err(_) => name.to_lowercase(),
    }
}

/// True when `name` is a valid name already in PEP 503 form: lower-case ASCII letters and digits, with single `-`
/// between them.
fn is_normalized(name: &str) -> bool {
    // One pass, without a substring search for `--`: setting one up costs more than the whole check.
    let bytes = name.as_bytes();
    let alphanumeric = |byte: u8| byte.is_ascii_lowercase() || byte.is_ascii_digit();
    let mut previous = b'-';
    for &byte in bytes {
        if !(alphanumeric(byte) || (byte == b'-' && previous != b'-')) {
            return false;
        }
        previous = byte;
    }
    previous != b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_per_pep_503() {
        assert_eq!(normalize_name("Django"), "django");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_name("Foo__Bar-.baz"), "foo-bar-baz");
        for normal in ["django", "zope-interface", "a", "py3-x2"] {
            assert!(is_normalized(normal), "{normal}");
            assert_eq!(normalize_name(normal), normal);
        }
        for other in ["", "-a", "a-", "a--b", "A", "a_b", "a.b", "a b", "é"] {
            assert!(!is_normalized(other), "{other}");
        }
        assert_eq!(normalize_name("  requests "), "requests");
    }

    #[test]
    fn skip_reasons_say_why() {
        assert_eq!(SkipReason::Editable.to_string(), "editable install; not from an index");
        assert_eq!(SkipReason::NoVersion.to_string(), "no version specified");
    }
}
