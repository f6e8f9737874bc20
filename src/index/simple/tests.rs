//! The page reader on hand-made pages: every field it reads, every way a file is skipped, hostile and broken
//! documents, and the trimmed copy the caches keep.

use super::*;
use crate::index::{FileKind, WheelTags};

const PAGE_URL: &str = "https://index.example/simple/demo-pkg/";

fn name(text: &str) -> PackageName {
    PackageName::new(text.to_string()).expect("test names are valid")
}

fn read(json: &str) -> Result<Project, IndexError> {
    read_project(&name("demo-pkg"), PAGE_URL, json.as_bytes())
}

fn versions(project: &Project) -> Vec<String> {
    project.releases.iter().map(|release| release.version.to_string()).collect()
}

/// Made-up, with every field the reader reads and several it skips.
const DEMO: &str = r#"{
  "meta": {"api-version": "1.4", "_last-serial": 123, "extra": {"nested": [1, {"deep": null}]}},
  "name": "demo-pkg",
  "alternate-locations": ["https://mirror.example/simple/demo-pkg/"],
  "versions": ["0.9", "1.0", "1.1", "2.0rc1", "not a version!"],
  "files": [
    {"filename": "demo_pkg-1.0-py3-none-any.whl", "url": "../../files/demo_pkg-1.0-py3-none-any.whl",
     "hashes": {"sha256": "00ff"}, "requires-python": ">=3.8", "size": 1200,
     "upload-time": "2024-01-02T03:04:05.678901Z", "yanked": false,
     "core-metadata": {"sha256": "aa"}, "data-dist-info-metadata": {"sha256": "aa"}, "provenance": null},
    {"filename": "demo-pkg-1.0.tar.gz", "url": "https://files.example/demo-pkg-1.0.tar.gz#sha256=00ff",
     "hashes": {}, "requires-python": "", "size": 900, "yanked": false},
    {"filename": "demo_pkg-1.1-1-cp312-abi3-manylinux_2_17_x86_64.whl", "url": "/files/d11.whl", "hashes": {},
     "requires-python": ">=3.9,<4", "yanked": "made-up: broken build", "dist-info-metadata": true},
    {"filename": "demo_pkg-1.1.tar.gz", "url": "d11.tar.gz", "hashes": {}, "yanked": true,
     "core-metadata": false, "dist-info-metadata": true, "requires-python": ">=3.x"},
    {"filename": "demo_pkg-2.0rc1-py3-none-any.whl", "url": "d2.whl", "yanked": "", "size": -1,
     "upload-time": "yesterday"},
    {"filename": "demo_pkg-1.0-py2.py3-none-any.egg", "url": "egg"},
    {"filename": "other_pkg-1.0-py3-none-any.whl", "url": "other.whl"},
    {"filename": "demo_pkg-1.0-py3-none.whl", "url": "bad-name.whl"},
    {"filename": "demo_pkg-1.0-py3-none-any.whl"},
    {"filename": 12, "url": "number.whl"},
    {"filename": "demo_pkg-3.0-py3-none-any.whl", "url": "javascript:alert(1)"},
    {"filename": "demo_pkg-\u0033.1-py3-none-any.whl", "url": "d31.whl", "yanked": {"reason": "odd"}}
  ],
  "project-status": {"status": "deprecated", "reason": "made-up: use demo-next"}
}"#;

#[test]
fn reads_every_field_it_uses() {
    let project = read(DEMO).expect("reads");
    assert_eq!(project.name.to_string(), "demo-pkg");
    assert_eq!(versions(&project), ["0.9", "1.0", "1.1", "2.0rc1", "3.1"]);
    assert_eq!(project.unreadable_versions, ["not a version!"]);
    assert_eq!(
        project.status,
        Some(ProjectStatus { kind: StatusKind::Deprecated, reason: Some("made-up: use demo-next".into()) })
    );
    let release = |text: &str| project.find(&text.parse().expect("valid")).expect("listed");
    assert!(release("0.9").files.is_empty(), "a version listed without files is a release without files");
    assert!(!release("0.9").is_installable() && !release("0.9").is_yanked());

    let one = &release("1.0").files;
    assert_eq!(one.len(), 2);
    let wheel = &one[0];
    assert_eq!(wheel.url, "https://index.example/files/demo_pkg-1.0-py3-none-any.whl");
    assert_eq!(
        wheel.kind,
        FileKind::Wheel(WheelTags {
            python: vec!["py3".into()],
            abi: vec!["none".into()],
            platform: vec!["any".into()],
            build: None
        })
    );
    assert_eq!(wheel.requires_python.as_ref().map(ToString::to_string).as_deref(), Some(">=3.8"));
    assert_eq!(
        (wheel.size, wheel.uploaded, wheel.core_metadata, &wheel.yanked),
        (Some(1200), Some(1_704_164_645), true, &None)
    );
    let sdist = &one[1];
    assert_eq!(
        (sdist.kind.clone(), sdist.url.as_str()),
        (FileKind::Sdist, "https://files.example/demo-pkg-1.0.tar.gz")
    );
    assert_eq!((sdist.requires_python.clone(), sdist.core_metadata, sdist.uploaded), (None, false, None));
    assert!(release("1.0").is_installable() && release("1.0").yanked().is_none());

    let eleven = &release("1.1").files;
    assert_eq!(eleven[0].url, "https://index.example/files/d11.whl");
    assert!(matches!(&eleven[0].kind, FileKind::Wheel(tags) if tags.build.as_ref().map(|b| b.number) == Some(1)));
    assert_eq!(eleven[0].yanked.as_deref(), Some("made-up: broken build"));
    assert!(eleven[0].core_metadata, "the older name counts without the newer one");
    assert_eq!(eleven[1].url, "https://index.example/simple/demo-pkg/d11.tar.gz");
    assert!(!eleven[1].core_metadata, "`core-metadata: false` wins over `dist-info-metadata`");
    assert_eq!(eleven[1].requires_python, None, "an unreadable Requires-Python is left out");
    // Every file is yanked: the release is, with the reason a file gave.
    assert_eq!(release("1.1").yanked(), Some("made-up: broken build"));
    assert!(!release("1.1").is_installable());

    let rc = &release("2.0rc1").files[0];
    assert_eq!((rc.yanked.clone(), rc.size, rc.uploaded), (None, None, None), "an empty reason is no yank");
    assert_eq!(release("3.1").files[0].filename, "demo_pkg-3.1-py3-none-any.whl", "escapes are read");
    assert_eq!(release("3.1").files[0].yanked, None, "a yank that is neither true nor a reason");
}

#[test]
fn pages_without_the_optional_fields_read() {
    let project = read(r#"{"files": [{"filename": "demo_pkg-1.0.zip", "url": "x.zip"}]}"#).expect("reads");
    assert_eq!(versions(&project), ["1.0"]);
    assert_eq!((project.status.clone(), project.unreadable_versions.len()), (None, 0));
    assert!(read(r#"{"name": "Demo.Pkg", "files": [], "meta": {}}"#).expect("reads").releases.is_empty());
    let empty_status = read(r#"{"files": [], "project-status": null}"#).expect("reads");
    assert_eq!(empty_status.status, None);
    // The same version written twice, by a file and by `versions`, is one release.
    let twice = read(r#"{"versions": ["1.0.0", "1.0"], "files": [{"filename": "demo_pkg-1.0.tar.gz", "url": "a"}]}"#);
    assert_eq!(twice.expect("reads").releases.len(), 1);
}

#[test]
fn documents_that_are_not_pages_are_errors_with_their_place() {
    let malformed = |json: &str| match read(json) {
        Err(IndexError::Malformed(message)) => message,
        other => panic!("{json}: {other:?}"),
    };
    assert!(malformed(r#"{"meta": {"api-version": "2.0"}, "files": []}"#).contains("version `2.0`"));
    assert!(malformed(r#"{"name": "other", "files": []}"#).contains("the page of `other`"));
    let truncated = &DEMO[..DEMO.len() / 2];
    assert!(malformed(truncated).contains("EOF while parsing"), "{}", malformed(truncated));
    assert!(malformed("<html><body>simple</body></html>").contains("line 1 column 1"));
    assert!(malformed("[]").contains("an object"));
    assert!(malformed(r#"{"files": {}}"#).contains("files"));
    assert!(malformed(r#"{"files": ["x.whl"]}"#).contains("a file of the page"));
    assert!(malformed(r#"{"files": []} trailing"#).contains("trailing"));
    assert!(malformed("").contains("EOF"));
    // A byte order mark is not an error.
    assert!(read("\u{feff}{\"files\": []}").is_ok());
}

#[test]
fn hostile_pages_are_bounded_and_never_panic() {
    // Deep nesting in the fields the reader skips or reads loosely is skipped without recursion (serde_json skips
    // with a stack of its own), so it cannot overflow the stack.
    for field in ["x", "name", "meta", "versions"] {
        let deep = format!(r#"{{"files": [], "{field}": [{}{}]}}"#, "[".repeat(100_000), "]".repeat(100_000));
        let answer = read(&deep);
        assert!(matches!(&answer, Ok(_) | Err(IndexError::Malformed(_))), "{field}: {answer:?}");
    }
    let deep_file = format!(r#"{{"files": [{{"hashes": {}{}}}]}}"#, "[".repeat(100_000), "]".repeat(100_000));
    assert!(read(&deep_file).expect("skipped").releases.is_empty());
    let oversized = vec![b' '; MAX_PAGE_BYTES + 1];
    assert!(
        matches!(read_project(&name("demo-pkg"), PAGE_URL, &oversized), Err(IndexError::Malformed(m)) if m.contains("MB"))
    );
    // Huge strings, numbers and lists where the reader expects small ones.
    let huge = format!(
        r#"{{"versions": [{}], "files": [{{"filename": "{}", "url": "{}", "size": 1e400, "yanked": 99999999999999999999999}}]}}"#,
        vec!["\"1.0\""; 50_000].join(","),
        "a".repeat(1 << 20),
        "b".repeat(1 << 20)
    );
    let project = read(&huge);
    assert!(matches!(&project, Err(IndexError::Malformed(_)) | Ok(_)), "{project:?}");
    // Invalid UTF-8 inside a string is a JSON error, not a panic.
    let mut bytes = br#"{"files": [{"filename": "demo_pkg-1.0.zip", "url": "x"#.to_vec();
    bytes.extend_from_slice(b"\xff\xfe\"}]}");
    assert!(matches!(read_project(&name("demo-pkg"), PAGE_URL, &bytes), Err(IndexError::Malformed(_))));
    // Every prefix of a real-shaped page: an answer or an error.
    for cut in (0..DEMO.len()).step_by(7) {
        let _ = read(&DEMO[..cut]);
    }
}

#[test]
fn the_kept_copy_reads_back_as_the_same_project() {
    let project = read(DEMO).expect("reads");
    let kept = write_project(&project);
    assert!(kept.len() < DEMO.len(), "hashes and skipped files are gone");
    let again = read_project(&name("demo-pkg"), "", kept.as_bytes()).expect("the kept copy reads");
    assert_eq!(again, project);
    assert!(!kept.contains("sha256") && !kept.contains("javascript"), "{kept}");
}
