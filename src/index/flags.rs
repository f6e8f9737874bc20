//! What the index says about a dependency beyond its advisories (issue 22): a pin on a yanked release (PEP 592),
//! the project's status (PEP 792), and a name the index does not know. Pure functions over the release list the
//! page holds ([`ReleaseLookup`]; a [`super::ProjectLookup`] converts with `ReleaseLookup::from`). A lookup that
//! failed, or was never made, says nothing: no flag, rather than a wrong one.

use pep508_rs::pep440_rs::Version;

use super::{ProjectStatus, StatusKind};
use crate::pypi::{ReleaseList, ReleaseLookup};

/// One flag on a dependency's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexFlag {
    /// The pinned release is yanked; the reason, when the index gave one.
    Yanked(Option<String>),
    /// The project is archived, quarantined or deprecated.
    Status(ProjectStatus),
    /// The index does not know the name: a private package, or a typo. A private name missing there can be
    /// registered by anyone (dependency confusion).
    NotOnIndex,
}

impl IndexFlag {
    /// The name in the automation contract's `data-flags`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Yanked(_) => "yanked",
            Self::Status(status) => status.kind.as_str(),
            Self::NotOnIndex => "not-on-pypi",
        }
    }

    /// The flag in a sentence, for the row.
    pub fn describe(&self, name: &str, version: Option<&Version>) -> String {
        let reason = |reason: Option<&str>| match reason {
            Some(reason) => format!(": {reason}"),
            None => String::new(),
        };
        match self {
            Self::Yanked(why) => {
                let pin = version.map_or_else(|| name.to_string(), |version| format!("{name} {version}"));
                format!("`{pin}` is yanked on the index{}", reason(why.as_deref()))
            }
            Self::Status(status) => {
                let what = match status.kind {
                    StatusKind::Archived => "is archived: no further releases are expected",
                    StatusKind::Quarantined => {
                        "is quarantined by the index, usually for malware: nothing can be installed"
                    }
                    StatusKind::Deprecated => "is deprecated by its maintainers",
                };
                format!("`{name}` {what}{}", reason(status.reason.as_deref()))
            }
            Self::NotOnIndex => format!(
                "`{name}` is not on the index: a private package or a typo. A private name that is missing on the \
                 public index can be registered there by anyone (dependency confusion)"
            ),
        }
    }
}

/// The yanked reason of `version` in `list` when that release is yanked (every file of it; an empty string when no
/// reason was given). A version the index does not list is not yanked.
pub fn pinned_yank<'a>(list: &'a ReleaseList, version: &Version) -> Option<&'a str> {
    let release = list.find(version)?;
    release.is_yanked().then(|| release.yanked_reason.as_deref().unwrap_or(""))
}

/// Every flag the index gives a dependency on `lookup`'s project, pinned at `pinned` when it is: not on the index;
/// else the project's status, then a yanked pin.
pub fn index_flags(lookup: &ReleaseLookup, pinned: Option<&Version>) -> Vec<IndexFlag> {
    let list = match lookup {
        ReleaseLookup::Found(list) => list,
        ReleaseLookup::NotOnIndex => return vec![IndexFlag::NotOnIndex],
        ReleaseLookup::Unavailable(_) => return Vec::new(),
    };
    let mut flags = Vec::new();
    if let Some(status) = &list.status {
        flags.push(IndexFlag::Status(status.clone()));
    }
    if let Some(reason) = pinned.and_then(|version| pinned_yank(list, version)) {
        flags.push(IndexFlag::Yanked((!reason.is_empty()).then(|| reason.to_string())));
    }
    flags
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use pep508_rs::PackageName;

    use super::*;
    use crate::http::FetchError;
    use crate::index::simple::read_project;
    use crate::index::{IndexError, ProjectLookup};

    /// The release list the page would hold for this simple-API page.
    fn page(name: &str, json: &str) -> ReleaseLookup {
        let name = PackageName::new(name.into()).expect("valid");
        let project = read_project(&name, "https://index.example/simple/x/", json.as_bytes()).expect("reads");
        ReleaseLookup::from(&Ok(Rc::new(project)))
    }

    fn failed(error: IndexError) -> ReleaseLookup {
        ReleaseLookup::from(&ProjectLookup::Err(error))
    }

    fn v(text: &str) -> Version {
        text.parse().expect("valid")
    }

    fn names(flags: &[IndexFlag]) -> Vec<&'static str> {
        flags.iter().map(IndexFlag::as_str).collect()
    }

    const REQUESTS: &str = r#"{"meta":{"api-version":"1.1"},"name":"requests","versions":["2.31.0","2.32.0","2.32.1"],
        "files":[
          {"filename":"requests-2.31.0-py3-none-any.whl","url":"r-2.31.0.whl","yanked":false},
          {"filename":"requests-2.32.0-py3-none-any.whl","url":"r-2.32.0.whl","yanked":"Yanked due to conflicts with CVE-2024-35195 mitigation"},
          {"filename":"requests-2.32.0.tar.gz","url":"r-2.32.0.tar.gz","yanked":"Yanked due to conflicts with CVE-2024-35195 mitigation"},
          {"filename":"requests-2.32.1-py3-none-any.whl","url":"r-2.32.1.whl","yanked":true},
          {"filename":"requests-2.32.1.tar.gz","url":"r-2.32.1.tar.gz","yanked":false}]}"#;

    #[test]
    fn a_pin_on_a_yanked_release_is_flagged_with_its_reason() {
        let lookup = page("requests", REQUESTS);
        let flags = index_flags(&lookup, Some(&v("2.32.0")));
        assert_eq!(flags, [IndexFlag::Yanked(Some("Yanked due to conflicts with CVE-2024-35195 mitigation".into()))]);
        assert_eq!(
            flags[0].describe("requests", Some(&v("2.32.0"))),
            "`requests 2.32.0` is yanked on the index: Yanked due to conflicts with CVE-2024-35195 mitigation"
        );
        assert!(index_flags(&lookup, Some(&v("2.31.0"))).is_empty());
        assert!(index_flags(&lookup, Some(&v("2.32.1"))).is_empty(), "one file of 2.32.1 is still available");
        assert!(index_flags(&lookup, Some(&v("9.9"))).is_empty(), "a version the index does not list");
        assert!(index_flags(&lookup, None).is_empty(), "a range is not a yanked pin");
        let bare =
            page("demo", r#"{"name":"demo","files":[{"filename":"demo-1.0.tar.gz","url":"d.tgz","yanked":true}]}"#);
        assert_eq!(index_flags(&bare, Some(&v("1.0"))), [IndexFlag::Yanked(None)]);
    }

    #[test]
    fn each_project_status_is_a_flag_with_its_reason() {
        for (status, flag) in [("archived", "archived"), ("quarantined", "quarantined"), ("deprecated", "deprecated")] {
            let json = format!(
                r#"{{"meta":{{"api-version":"1.4"}},"name":"old","files":[],"project-status":{{"status":"{status}","reason":"made-up: moved"}}}}"#
            );
            let flags = index_flags(&page("old", &json), Some(&v("1.0")));
            assert_eq!(names(&flags), [flag]);
            assert!(flags[0].describe("old", None).ends_with(": made-up: moved"), "{}", flags[0].describe("old", None));
        }
        for quiet in [r#""active""#, r#""on-holiday""#] {
            let json = format!(r#"{{"name":"old","files":[],"project-status":{{"status":{quiet}}}}}"#);
            assert!(index_flags(&page("old", &json), None).is_empty(), "{quiet}");
        }
        let both = r#"{"name":"old","files":[{"filename":"old-1.0.tar.gz","url":"o.tgz","yanked":true}],
            "project-status":{"status":"deprecated"}}"#;
        assert_eq!(names(&index_flags(&page("old", both), Some(&v("1.0")))), ["deprecated", "yanked"]);
    }

    #[test]
    fn a_name_the_index_does_not_know_is_flagged_and_a_failed_lookup_says_nothing() {
        let flags = index_flags(&failed(IndexError::NotFound), Some(&v("1.0")));
        assert_eq!(names(&flags), ["not-on-pypi"]);
        assert!(flags[0].describe("reqeusts", None).contains("dependency confusion"));
        for failed in [
            IndexError::Fetch(FetchError::Timeout),
            IndexError::Malformed("x".into()),
            IndexError::NotAsked("PyPI lookups are switched off".into()),
        ] {
            assert!(index_flags(&self::failed(failed), None).is_empty());
        }
    }
}
