//! A package's release list as the page reads it: the summary of its project page on the package index (the JSON
//! simple API, read by [`crate::index`] into a [`Project`]) that range audits, fix plans and the supply-chain flags
//! need, small enough to cross from the package-index worker to the page.
//!
//! Each release keeps its version, how many files it has, how many of them are yanked (PEP 592) and the yank's
//! reason; the list keeps the project's status (PEP 792). Everything here is pure and tested on the host.

use std::rc::Rc;

use pep508_rs::pep440_rs::Version;
use serde::{Deserialize, Serialize};

use crate::index::{IndexError, Project, ProjectLookup, ProjectStatus};

mod health;

pub use health::{FailureMemo, IndexHealth, INDEX_OFF, INDEX_OFFLINE};

/// The package index used when nothing else is configured.
pub const DEFAULT_PYPI: &str = crate::index::DEFAULT_INDEX;

/// One release of a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// The release's version.
    pub version: Version,
    /// Distribution files uploaded for it.
    pub files: usize,
    /// Files of it that are yanked.
    pub yanked_files: usize,
    /// The yank's reason when every file is yanked (empty when the index gave none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yanked_reason: Option<String>,
}

impl Release {
    /// True when every file is yanked: installers skip it unless a pin names it exactly (PEP 592).
    pub fn is_yanked(&self) -> bool {
        self.files > 0 && self.yanked_files == self.files
    }

    /// True when a file of the release can be installed: it has files and not all of them are yanked.
    pub fn is_installable(&self) -> bool {
        self.files > self.yanked_files
    }
}

/// Every release of a package, ascending by version, and the project's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseList {
    /// The PEP 503 name.
    pub name: String,
    /// The releases, ascending.
    pub releases: Vec<Release>,
    /// Versions the index lists that PEP 440 cannot read; left out.
    pub unreadable: Vec<String>,
    /// The project's status (PEP 792), when it is not `active`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ProjectStatus>,
}

impl ReleaseList {
    /// The release list of `project`.
    pub fn from_project(project: &Project) -> Self {
        let releases = project
            .releases
            .iter()
            .map(|release| Release {
                version: release.version.clone(),
                files: release.files.len(),
                yanked_files: release.files.iter().filter(|file| file.yanked.is_some()).count(),
                yanked_reason: release.yanked().map(str::to_string),
            })
            .collect();
        Self {
            name: project.name.to_string(),
            releases,
            unreadable: project.unreadable_versions.clone(),
            status: project.status.clone(),
        }
    }

    /// The release with exactly this version.
    pub fn find(&self, version: &Version) -> Option<&Release> {
        self.releases.binary_search_by(|release| release.version.cmp(version)).ok().map(|index| &self.releases[index])
    }
}

/// What the page learned about a package's release list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReleaseLookup {
    /// The index answered with the list.
    Found(Rc<ReleaseList>),
    /// The index does not know the package (404): a private name or a typo.
    NotOnIndex,
    /// No list, and why (the index unreachable, lookups switched off, …).
    Unavailable(String),
}

impl ReleaseLookup {
    /// The list, when there is one.
    pub fn list(&self) -> Option<&ReleaseList> {
        match self {
            Self::Found(list) => Some(list),
            Self::NotOnIndex | Self::Unavailable(_) => None,
        }
    }

    /// Why there is no list, in words for the report; `None` when there is one.
    pub fn reason(&self) -> Option<String> {
        match self {
            Self::Found(_) => None,
            Self::NotOnIndex => Some(IndexError::NotFound.to_string()),
            Self::Unavailable(why) => Some(why.clone()),
        }
    }
}

impl From<&ProjectLookup> for ReleaseLookup {
    fn from(lookup: &ProjectLookup) -> Self {
        match lookup {
            Ok(project) => Self::Found(Rc::new(ReleaseList::from_project(project))),
            Err(IndexError::NotFound) => Self::NotOnIndex,
            Err(error) => Self::Unavailable(error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::http::FetchError;
    use crate::index::simple::read_project;
    use crate::index::{PackageName, StatusKind};

    fn version(text: &str) -> Version {
        Version::from_str(text).expect("test versions are valid")
    }

    const PAGE: &str = r#"{"meta": {"api-version": "1.4"}, "name": "demo-pkg",
        "versions": ["1.2", "1.9", "1.10", "2.0", "not a version!"],
        "files": [
            {"filename": "demo_pkg-2.0-py3-none-any.whl", "url": "a.whl", "yanked": false},
            {"filename": "demo_pkg-2.0.tar.gz", "url": "a.tar.gz", "yanked": false},
            {"filename": "demo_pkg-1.10.tar.gz", "url": "b.tar.gz", "yanked": "broken"},
            {"filename": "demo_pkg-1.9-py3-none-any.whl", "url": "c.whl", "yanked": true},
            {"filename": "demo_pkg-1.9.tar.gz", "url": "c.tar.gz", "yanked": false}],
        "project-status": {"status": "archived", "reason": "made-up: moved"}}"#;

    fn lookup() -> ProjectLookup {
        let name = PackageName::from_str("demo-pkg").expect("valid");
        Ok(Rc::new(read_project(&name, "https://index.example/simple/demo-pkg/", PAGE.as_bytes()).expect("reads")))
    }

    #[test]
    fn a_page_becomes_its_release_list() {
        let ReleaseLookup::Found(list) = ReleaseLookup::from(&lookup()) else { panic!("a list") };
        assert_eq!(list.name, "demo-pkg");
        let versions: Vec<String> = list.releases.iter().map(|release| release.version.to_string()).collect();
        assert_eq!(versions, ["1.2", "1.9", "1.10", "2.0"]);
        let release = |text: &str| list.find(&version(text)).expect("listed");
        assert!(release("1.10").is_yanked() && !release("1.10").is_installable());
        assert_eq!(release("1.10").yanked_reason.as_deref(), Some("broken"));
        assert!(!release("1.9").is_yanked() && release("1.9").is_installable(), "one file is still available");
        assert_eq!(release("1.9").yanked_reason, None);
        assert!(!release("1.2").is_yanked() && !release("1.2").is_installable(), "no files to install");
        assert!(release("2.0").is_installable());
        assert_eq!(list.unreadable, ["not a version!"]);
        assert_eq!(list.status.as_ref().map(|status| status.kind), Some(StatusKind::Archived));
        assert!(list.find(&version("3.0")).is_none());
    }

    #[test]
    fn a_missing_project_and_a_failed_lookup_stay_apart() {
        assert_eq!(ReleaseLookup::from(&Err(IndexError::NotFound)), ReleaseLookup::NotOnIndex);
        assert_eq!(ReleaseLookup::NotOnIndex.reason().as_deref(), Some("PyPI does not know this package"));
        let failed = ReleaseLookup::from(&Err(IndexError::Fetch(FetchError::Status(503))));
        assert_eq!(failed, ReleaseLookup::Unavailable("PyPI answered HTTP 503".into()));
        assert_eq!(failed.reason().as_deref(), Some("PyPI answered HTTP 503"));
    }

    #[test]
    fn the_list_crosses_to_the_page_and_back() {
        let list = ReleaseLookup::from(&lookup());
        let json = serde_json::to_string(&list).expect("serialises");
        assert_eq!(serde_json::from_str::<ReleaseLookup>(&json).expect("reads"), list);
        // A list written before the reasons and statuses were kept still reads.
        let older =
            r#"{"Found":{"name":"x","releases":[{"version":"1.0","files":1,"yanked_files":0}],"unreadable":[]}}"#;
        assert!(serde_json::from_str::<ReleaseLookup>(older).is_ok());
    }
}
