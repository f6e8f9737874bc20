//! A package's release list, as PyPI's JSON API gives it (`GET https://pypi.org/pypi/<name>/json`).
//!
//! Only what the range audit and the fix plans need is read: each release's version, how many files it has and how
//! many of them are yanked (PEP 592). PyPI's JSON API sends CORS headers, so the page can read it directly; the
//! browser side lives in `io::pypi_client`. Everything here is pure and tested on the host.

use std::rc::Rc;
use std::str::FromStr;

use pep508_rs::pep440_rs::Version;
use serde_json::Value;

use crate::model::normalize_name;

/// The PyPI used when nothing else is configured.
pub const DEFAULT_PYPI: &str = "https://pypi.org";

/// The path of a package's JSON document below the PyPI base URL. Normalised names hold only `a-z0-9-`, so the
/// path needs no escaping.
pub fn json_api_path(name: &str) -> String {
    format!("/pypi/{}/json", normalize_name(name))
}

/// One release of a package.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Release {
    /// The release's version.
    pub version: Version,
    /// Distribution files uploaded for it.
    pub files: usize,
    /// Files of it that are yanked.
    pub yanked_files: usize,
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

/// Every release of a package, ascending by version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReleaseList {
    /// The PEP 503 name.
    pub name: String,
    /// The releases, ascending.
    pub releases: Vec<Release>,
    /// Release keys PEP 440 cannot read (legacy versions); left out.
    pub unreadable: Vec<String>,
}

impl ReleaseList {
    /// Reads PyPI's JSON document for `name`. Fails when the body is not JSON or has no `releases` table.
    pub fn from_json(name: &str, body: &str) -> Result<Self, String> {
        // A generic JSON value, rather than derived types: the page already carries serde_json's `Value` reader,
        // and PyPI's documents are read once each.
        let document: Value =
            serde_json::from_str(body).map_err(|error| format!("PyPI sent an unreadable answer ({error})"))?;
        let releases =
            document.get("releases").and_then(Value::as_object).ok_or("PyPI's answer has no release list")?;
        let name = document.pointer("/info/name").and_then(Value::as_str).unwrap_or(name);
        let mut list =
            Self { name: normalize_name(name), releases: Vec::with_capacity(releases.len()), unreadable: Vec::new() };
        for (key, files) in releases {
            let Ok(version) = Version::from_str(key) else {
                list.unreadable.push(key.clone());
                continue;
            };
            let files = files.as_array().map_or(&[][..], Vec::as_slice);
            let yanked_files =
                files.iter().filter(|file| file.get("yanked").and_then(Value::as_bool) == Some(true)).count();
            // The keys come sorted as text; inserting in place sorts them by version without another sort routine.
            let at = list.releases.partition_point(|release| release.version < version);
            list.releases.insert(at, Release { version, files: files.len(), yanked_files });
        }
        Ok(list)
    }

    /// The release with exactly this version.
    pub fn find(&self, version: &Version) -> Option<&Release> {
        self.releases.binary_search_by(|release| release.version.cmp(version)).ok().map(|index| &self.releases[index])
    }
}

/// What the page learned about a package's release list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ReleaseLookup {
    /// PyPI answered with the list.
    Found(Rc<ReleaseList>),
    /// No list, and why (PyPI unreachable, unknown package, PyPI lookups switched off, …).
    Unavailable(String),
}

impl ReleaseLookup {
    /// The list, when there is one.
    pub fn list(&self) -> Option<&ReleaseList> {
        match self {
            Self::Found(list) => Some(list),
            Self::Unavailable(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> Version {
        Version::from_str(text).expect("test versions are valid")
    }

    #[test]
    fn reads_releases_files_and_yanks() {
        let body = r#"{
            "info": {"name": "Demo_Pkg", "version": "2.0"},
            "releases": {
                "2.0": [{"filename": "a.whl", "yanked": false}, {"filename": "a.tar.gz", "yanked": false}],
                "1.10": [{"yanked": true, "yanked_reason": "broken"}],
                "1.9": [{"yanked": true}, {"yanked": false}],
                "1.2": [],
                "not a version!": [{"yanked": false}]
            },
            "urls": [], "vulnerabilities": []
        }"#;
        let list = ReleaseList::from_json("demo-pkg", body).expect("reads");
        assert_eq!(list.name, "demo-pkg");
        let versions: Vec<String> = list.releases.iter().map(|release| release.version.to_string()).collect();
        assert_eq!(versions, ["1.2", "1.9", "1.10", "2.0"]);
        let release = |text: &str| list.find(&version(text)).expect("listed");
        assert!(release("1.10").is_yanked() && !release("1.10").is_installable());
        assert!(!release("1.9").is_yanked() && release("1.9").is_installable(), "one file is still available");
        assert!(!release("1.2").is_yanked() && !release("1.2").is_installable(), "no files to install");
        assert!(release("2.0").is_installable());
        assert_eq!(list.unreadable, ["not a version!"]);
        assert!(list.find(&version("3.0")).is_none());
    }

    #[test]
    fn a_document_without_releases_or_json_is_an_error() {
        assert!(ReleaseList::from_json("x", r#"{"info": {"name": "x"}}"#).unwrap_err().contains("no release list"));
        assert!(ReleaseList::from_json("x", "<html>").unwrap_err().contains("unreadable"));
    }

    #[test]
    fn the_path_uses_the_normalised_name() {
        assert_eq!(json_api_path("Zope.Interface"), "/pypi/zope-interface/json");
    }
}
