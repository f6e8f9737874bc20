//! The package index: PyPI's JSON simple API (PEP 691, with PEP 700's versions and upload times, PEP 592's yanked
//! files and PEP 792's project status) and each file's core metadata (PEP 658/714).
//!
//! One client serves every part of the audit that needs the index: the resolver (dependencies of each candidate),
//! the range audits and fix plans (release lists), the supply-chain flags (yanked pins, project status, names that
//! are not on the index) and the dependency graph (parents' requirements). Everything here is pure and reaches the
//! index through [`crate::http::Transport`]; the page runs it in a Web Worker.

use std::rc::Rc;

use pep508_rs::pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName, Requirement};

use crate::http::FetchError;
use crate::sources::pep508::WrittenUrl;

/// The index used when nothing else is configured.
pub const DEFAULT_INDEX: &str = "https://pypi.org";

/// A project's page on the index: its releases, ascending by version, and its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The PEP 503 name.
    pub name: PackageName,
    /// Every release with at least one file, ascending by version.
    pub releases: Vec<Release>,
    /// Versions the index lists (PEP 700 `versions`) that PEP 440 cannot read; left out of `releases`.
    pub unreadable_versions: Vec<String>,
    /// The project's status (PEP 792), when the index gives one other than `active`.
    pub status: Option<ProjectStatus>,
}

/// One release: a version and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The version.
    pub version: Version,
    /// Its files (wheels and sdists), in the index's order.
    pub files: Vec<DistFile>,
}

impl Release {
    /// The yanked reason when every file is yanked (PEP 592: installers skip it unless a pin names it exactly); an
    /// empty string when the index gave no reason.
    pub fn yanked(&self) -> Option<&str> {
        if self.files.is_empty() {
            return None;
        }
        let mut reason = None;
        for file in &self.files {
            reason = Some(file.yanked.as_deref()?);
        }
        reason
    }

    /// The earliest upload time of its files, in seconds since the Unix epoch, when the index gives upload times.
    pub fn uploaded(&self) -> Option<i64> {
        self.files.iter().filter_map(|file| file.uploaded).min()
    }
}

/// One distribution file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistFile {
    /// The file name (`requests-2.32.3-py3-none-any.whl`).
    pub filename: String,
    /// The absolute URL, resolved against the page's URL.
    pub url: String,
    /// A wheel (with its tags) or an sdist.
    pub kind: FileKind,
    /// Its `Requires-Python`, when given.
    pub requires_python: Option<VersionSpecifiers>,
    /// `Some(reason)` when yanked (empty when no reason was given).
    pub yanked: Option<String>,
    /// The upload time in seconds since the Unix epoch (PEP 700), when given.
    pub uploaded: Option<i64>,
    /// True when the index says a core metadata file is served at `<url>.metadata` (PEP 658/714).
    pub core_metadata: bool,
    /// The size in bytes, when given.
    pub size: Option<u64>,
}

/// What kind of file a distribution file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// A wheel, with the tags its name carries.
    Wheel(WheelTags),
    /// A source distribution: its dependencies are known only from a build, unless its metadata is served.
    Sdist,
}

/// The compatibility tags of a wheel's file name (`{python tag}-{abi tag}-{platform tag}`, each possibly a
/// `.`-separated set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelTags {
    /// Python tags (`py3`, `cp312`).
    pub python: Vec<String>,
    /// ABI tags (`none`, `abi3`, `cp312`).
    pub abi: Vec<String>,
    /// Platform tags (`any`, `manylinux_2_17_x86_64`, `win_amd64`).
    pub platform: Vec<String>,
}

/// A project's status on the index (PEP 792), other than `active`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectStatus {
    /// The status.
    pub kind: StatusKind,
    /// The reason the index gave, if any.
    pub reason: Option<String>,
}

/// The PEP 792 statuses worth a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    /// No longer maintained; no new releases are expected.
    Archived,
    /// Hidden by the index's administrators, usually for malware: nothing can be installed.
    Quarantined,
    /// The maintainers advise against using it.
    Deprecated,
}

impl StatusKind {
    /// The name used in the automation contract's `data-flags`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Archived => "archived",
            Self::Quarantined => "quarantined",
            Self::Deprecated => "deprecated",
        }
    }
}

/// What a distribution's core metadata says about its dependencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreMetadata {
    /// `Name`, normalised.
    pub name: PackageName,
    /// `Version`.
    pub version: Version,
    /// `Requires-Dist`, with their markers.
    pub requires_dist: Vec<Requirement<WrittenUrl>>,
    /// `Requires-Python`.
    pub requires_python: Option<VersionSpecifiers>,
    /// `Provides-Extra`, normalised.
    pub provides_extra: Vec<ExtraName>,
}

/// Why the index gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexError {
    /// The index does not know the project (404).
    NotFound,
    /// The request failed, after its retries.
    Fetch(FetchError),
    /// The answer could not be read.
    Malformed(String),
    /// A release has no file whose metadata can be read without building it (only an sdist, or no file for the
    /// target), so its dependencies are unknown.
    NoMetadata(String),
}

/// What the audit learned from the index about one project, shared between the parts that use it.
pub type ProjectLookup = Result<Rc<Project>, IndexError>;
