//! The shared types' own rules.

use super::*;

fn file(yanked: Option<&str>, uploaded: Option<i64>) -> DistFile {
    DistFile {
        filename: "demo-1.0.tar.gz".into(),
        url: "https://files.example/demo-1.0.tar.gz".into(),
        kind: FileKind::Sdist,
        requires_python: None,
        yanked: yanked.map(str::to_string),
        uploaded,
        core_metadata: false,
        size: None,
    }
}

fn release(files: Vec<DistFile>) -> Release {
    Release { version: "1.0".parse().expect("valid"), files }
}

#[test]
fn a_release_is_yanked_when_every_file_is() {
    let none = release(Vec::new());
    assert_eq!((none.yanked(), none.is_installable()), (None, false));
    let some = release(vec![file(Some("bad"), None), file(None, None)]);
    assert_eq!((some.yanked(), some.is_installable()), (None, true));
    let all = release(vec![file(Some(""), None), file(Some("made-up: broken"), None), file(Some("other"), None)]);
    assert_eq!((all.yanked(), all.is_yanked(), all.is_installable()), (Some("made-up: broken"), true, false));
    let silent = release(vec![file(Some(""), None)]);
    assert_eq!(silent.yanked(), Some(""));
}

#[test]
fn a_release_was_uploaded_with_its_first_file() {
    assert_eq!(release(vec![file(None, Some(20)), file(None, None), file(None, Some(10))]).uploaded(), Some(10));
    assert_eq!(release(vec![file(None, None)]).uploaded(), None);
}

#[test]
fn a_project_finds_releases_by_pep_440_equality() {
    let versions = ["0.9", "1.0", "1.1rc1"];
    let project = Project {
        name: PackageName::new("demo".into()).expect("valid"),
        releases: versions
            .iter()
            .map(|version| Release { version: version.parse().expect("valid"), files: vec![file(None, None)] })
            .collect(),
        unreadable_versions: Vec::new(),
        status: None,
    };
    assert!(project.find(&"1.0.0".parse().expect("valid")).is_some());
    assert!(project.find(&"1.1".parse().expect("valid")).is_none());
    let installable: Vec<String> = project.installable_versions().map(ToString::to_string).collect();
    assert_eq!(installable, versions);
}

#[test]
fn errors_say_what_happened() {
    assert_eq!(IndexError::NotFound.to_string(), "PyPI does not know this package");
    assert_eq!(IndexError::Fetch(FetchError::Status(503)).to_string(), "PyPI answered HTTP 503");
    assert_eq!(IndexError::Malformed("truncated".into()).to_string(), "PyPI sent an unreadable answer (truncated)");
    assert_eq!(IndexError::from(FetchError::NotFound), IndexError::NotFound);
    assert_eq!(
        IndexError::NotAsked("PyPI lookups are switched off".into()).to_string(),
        "PyPI lookups are switched off"
    );
}
