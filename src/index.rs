//! The package index: PyPI's JSON simple API (PEP 691, with PEP 700's versions and upload times, PEP 592's yanked
//! files and PEP 792's project status) and each file's core metadata (PEP 658/714).
//!
//! One client serves every part of the audit that needs the index: the resolver (dependencies of each candidate),
//! the range audits and fix plans (release lists), the supply-chain flags (yanked pins, project status, names that
//! are not on the index) and the dependency graph (parents' requirements). Everything here is pure and reaches the
//! index through [`crate::http::Transport`]; the page runs it in a Web Worker.
//!
//! - [`simple`] reads a project's page (and writes the trimmed copy the caches keep);
//! - [`filename`] reads wheel and sdist file names;
//! - [`metadata`] reads a core metadata file (`METADATA`, `PKG-INFO`);
//! - [`wheel`] reads a wheel's `METADATA` with HTTP range requests when the index serves no metadata file;
//! - [`cache`] keeps pages and metadata, with their freshness and validators;
//! - [`client`] is [`IndexClient`], which fetches through all of the above;
//! - [`flags`] answers issue 22's questions (yanked pin, project status, not on the index) from a lookup.
//!
//! One [`IndexClient`] is made per page (or Web Worker) and shared: `IndexClient::new(transport, cache, options,
//! clock)`, then [`IndexClient::project`] (or [`IndexClient::projects`] for many, each answer as it arrives) and
//! [`IndexClient::metadata`] for a file of a release. Pages are parsed like this:
//!
//! ```
//! use osv_lens::index::{index_flags, simple::read_project, IndexFlag, PackageName};
//! use osv_lens::pypi::ReleaseLookup;
//!
//! let page = br#"{"meta": {"api-version": "1.1"}, "name": "demo", "versions": ["1.0", "1.1"], "files": [
//!     {"filename": "demo-1.0-py3-none-any.whl", "url": "../../files/demo-1.0-py3-none-any.whl", "yanked": false},
//!     {"filename": "demo-1.1.tar.gz", "url": "https://files.example/demo-1.1.tar.gz", "yanked": "broken"}]}"#;
//! let name: PackageName = "Demo".parse().unwrap();
//! let project = read_project(&name, "https://pypi.org/simple/demo/", page).unwrap();
//! assert_eq!(project.releases[0].files[0].url, "https://pypi.org/files/demo-1.0-py3-none-any.whl");
//! assert_eq!(project.releases[1].yanked(), Some("broken"));
//! let pinned = "1.1".parse().unwrap();
//! let list = ReleaseLookup::from(&Ok(project.into()));
//! assert_eq!(index_flags(&list, Some(&pinned)), [IndexFlag::Yanked(Some("broken".into()))]);
//! ```

mod bounded;
pub mod cache;
pub mod client;
pub mod filename;
pub mod flags;
pub mod metadata;
pub mod simple;
mod time;
mod url;
pub mod wheel;

use std::fmt;
use std::rc::Rc;

use pep508_rs::pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, Requirement};

use crate::http::FetchError;
use crate::sources::pep508::WrittenUrl;

pub use pep508_rs::PackageName;

pub use cache::{CachedPage, MemoryCache, MissingMetadata, PageCache};
pub use client::{IndexClient, IndexOptions, IndexStats};
pub use filename::{parse_filename, BuildTag, WheelName};
pub use flags::{index_flags, pinned_yank, IndexFlag};
pub use metadata::{parse_metadata, MetadataFile, MetadataProblem};
pub use time::{format_rfc3339, parse_rfc3339};
pub use url::{project_url, resolve_url, IndexUrl};

/// The index used when nothing else is configured.
pub const DEFAULT_INDEX: &str = "https://pypi.org";

/// A project's page on the index: its releases, ascending by version, and its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The PEP 503 name.
    pub name: PackageName,
    /// Every release the index lists, ascending by version: each version with files, and each version PEP 700's
    /// `versions` lists without any (all its files were deleted, or none is of a kind installers use); then its
    /// `files` is empty.
    pub releases: Vec<Release>,
    /// Versions the index lists (PEP 700 `versions`) that PEP 440 cannot read; left out of `releases`.
    pub unreadable_versions: Vec<String>,
    /// The project's status (PEP 792), when the index gives one other than `active`.
    pub status: Option<ProjectStatus>,
}

impl Project {
    /// The release with exactly this version (PEP 440 equality: `1.0` is `1.0.0`).
    pub fn find(&self, version: &Version) -> Option<&Release> {
        self.releases.binary_search_by(|release| release.version.cmp(version)).ok().map(|index| &self.releases[index])
    }

    /// The versions an installer may choose without a pin naming them exactly: releases with a file that is not
    /// yanked, ascending.
    pub fn installable_versions(&self) -> impl Iterator<Item = &Version> {
        self.releases.iter().filter(|release| release.is_installable()).map(|release| &release.version)
    }
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
    /// The yanked reason when every file is yanked (PEP 592: installers skip it unless a pin names it exactly): the
    /// first reason the index gave, or an empty string when it gave none.
    pub fn yanked(&self) -> Option<&str> {
        if self.files.is_empty() {
            return None;
        }
        let mut reason = "";
        for file in &self.files {
            let given = file.yanked.as_deref()?;
            if reason.is_empty() {
                reason = given;
            }
        }
        Some(reason)
    }

    /// True when every file is yanked (PEP 592).
    pub fn is_yanked(&self) -> bool {
        self.yanked().is_some()
    }

    /// True when a file of the release can be installed: it has files and not all of them are yanked.
    pub fn is_installable(&self) -> bool {
        self.files.iter().any(|file| file.yanked.is_none())
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
/// `.`-separated set). The rest of the name (project, version, build tag) is read by [`parse_filename`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelTags {
    /// Python tags (`py3`, `cp312`).
    pub python: Vec<String>,
    /// ABI tags (`none`, `abi3`, `cp312`).
    pub abi: Vec<String>,
    /// Platform tags (`any`, `manylinux_2_17_x86_64`, `win_amd64`).
    pub platform: Vec<String>,
    /// The build tag (`-1-` before the Python tag), which orders wheels of one version with the same tags.
    pub build: Option<BuildTag>,
}

/// A project's status on the index (PEP 792), other than `active`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProjectStatus {
    /// The status.
    pub kind: StatusKind,
    /// The reason the index gave, if any.
    pub reason: Option<String>,
}

/// The PEP 792 statuses worth a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
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
    /// The index does not know the project (404), or has no such file.
    NotFound,
    /// The request failed, after its retries.
    Fetch(FetchError),
    /// The answer could not be read.
    Malformed(String),
    /// A release has no file whose metadata can be read without building it (only an sdist, or no file for the
    /// target), so its dependencies are unknown.
    NoMetadata(String),
    /// The index was not asked, for this reason (lookups switched off, offline mode).
    NotAsked(String),
}

/// The index's name in the report: PyPI, the default, as the settings and the report call it.
const INDEX_NAME: &str = "PyPI";

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound => write!(f, "{INDEX_NAME} does not know this package"),
            Self::Fetch(error) => f.write_str(&error.describe(INDEX_NAME)),
            Self::Malformed(message) => write!(f, "{INDEX_NAME} sent an unreadable answer ({message})"),
            Self::NoMetadata(reason) | Self::NotAsked(reason) => f.write_str(reason),
        }
    }
}

impl From<FetchError> for IndexError {
    fn from(error: FetchError) -> Self {
        match error {
            FetchError::NotFound => Self::NotFound,
            other => Self::Fetch(other),
        }
    }
}

/// What the audit learned from the index about one project, shared between the parts that use it.
pub type ProjectLookup = Result<Rc<Project>, IndexError>;

#[cfg(test)]
mod tests;
