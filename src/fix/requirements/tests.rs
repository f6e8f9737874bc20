use super::*;
use crate::sources::{parse_files, InputFile};

fn v(text: &str) -> Version {
    Version::from_str(text).expect("test versions are valid")
}

/// Edits for the dependencies named in `targets`, placed where the parser says each one starts.
fn edits(text: &str, targets: &[(&str, NewSpecifier)]) -> Vec<SpecifierEdit> {
    let parsed = parse_files(&[InputFile::new("requirements.txt", text)]);
    targets
        .iter()
        .map(|(name, new)| {
            let dependency = parsed.files[0]
                .dependencies
                .iter()
                .find(|dependency| dependency.name == *name)
                .unwrap_or_else(|| panic!("{name} is in the file"));
            SpecifierEdit { line: dependency.origin.line, column: dependency.origin.column, new: new.clone() }
        })
        .collect()
}

fn patch(text: &str, targets: &[(&str, NewSpecifier)]) -> PatchedFile {
    let patched = patch_requirements(text, &edits(text, targets));
    // The patched file still reads, and says what the edits asked for.
    let reread = parse_files(&[InputFile::new("requirements.txt", patched.text.as_str())]);
    assert!(reread.files[0].errors.is_empty(), "{:?}\n{}", reread.files[0].errors, patched.text);
    patched
}

fn pin(version: &str) -> NewSpecifier {
    NewSpecifier::Pin(v(version))
}

#[test]
fn only_the_version_changes_with_extras_markers_and_comments_kept() {
    let text = "# top comment\nRequests[socks] == 2.19.0 ; python_version >= \"3.8\"  # keep me\nother==1.0\n";
    let patched = patch(text, &[("requests", pin("2.20.0"))]);
    assert_eq!(
        patched.text,
        "# top comment\nRequests[socks] == 2.20.0 ; python_version >= \"3.8\"  # keep me\nother==1.0\n"
    );
    assert_eq!(patched.changed, 1);
    assert!(patched.notes.is_empty());
}

#[test]
fn arbitrary_equality_keeps_its_operator() {
    let patched = patch("legacy===1.0\n", &[("legacy", pin("1.0.1"))]);
    assert_eq!(patched.text, "legacy===1.0.1\n");
}

#[test]
fn hashes_of_a_changed_requirement_go_and_continuations_are_closed() {
    let text = "\
# pip-compile output
certifi==2023.7.22 \\
    --hash=sha256:aaaa \\
    --hash=sha256:bbbb
    # via requests
idna==3.4 \\
    --hash=sha256:cccc
    # via requests
";
    let patched = patch(text, &[("certifi", pin("2024.7.4"))]);
    assert_eq!(
        patched.text,
        "\
# pip-compile output
certifi==2024.7.4
    # via requests
idna==3.4 \\
    --hash=sha256:cccc
    # via requests
"
    );
    assert_eq!(patched.notes.len(), 2, "{:?}", patched.notes);
    assert!(patched.notes[0].starts_with("line 2: 2 hashes removed: a hash pins the exact file of the old version"));
    assert!(patched.notes[1].contains("Other requirements in this file keep their hashes"));
    let kinds: Vec<(DiffLineKind, &str)> = patched.diff.iter().map(|line| (line.kind, line.text.as_str())).collect();
    assert_eq!(
        kinds,
        [
            (DiffLineKind::Context, "# pip-compile output"),
            (DiffLineKind::Removed, "certifi==2023.7.22 \\"),
            (DiffLineKind::Removed, "    --hash=sha256:aaaa \\"),
            (DiffLineKind::Removed, "    --hash=sha256:bbbb"),
            (DiffLineKind::Added, "certifi==2024.7.4"),
            (DiffLineKind::Context, "    # via requests"),
            (DiffLineKind::Context, "idna==3.4 \\"),
            (DiffLineKind::Gap, ""),
        ]
    );
    let added = patched.diff.iter().find(|line| line.kind == DiffLineKind::Added).expect("one added line");
    assert_eq!(added.new, Some(2));
    let context = patched.diff.iter().filter(|line| line.kind == DiffLineKind::Context).nth(1).expect("context");
    assert_eq!((context.old, context.new), (Some(5), Some(3)));
}

#[test]
fn a_hash_before_other_options_and_a_comment_after_it() {
    let text = "pkg==1.0 --hash=sha256:aa --config-settings=k=v  # note\n";
    let patched = patch(text, &[("pkg", pin("1.1"))]);
    assert_eq!(patched.text, "pkg==1.1 --config-settings=k=v  # note\n");
}

#[test]
fn crlf_line_endings_stay() {
    let text = "a==1.0\r\nb==2.0 \\\r\n    --hash=sha256:ff\r\nc==3.0\r\n";
    let patched = patch(text, &[("b", pin("2.1")), ("a", pin("1.1"))]);
    assert_eq!(patched.text, "a==1.1\r\nb==2.1\r\nc==3.0\r\n");
    assert_eq!(patched.changed, 2);
    assert!(patched.diff.iter().all(|line| !line.text.contains('\r')));
}

#[test]
fn a_byte_order_mark_stays() {
    let text = "\u{feff}a==1.0\nb==1.0\n";
    let patched = patch(text, &[("a", pin("1.2"))]);
    assert_eq!(patched.text, "\u{feff}a==1.2\nb==1.0\n");
}

#[test]
fn ranges_raise_their_lower_bound_in_their_own_style() {
    let text = "flask >= 2.0, < 3  # web\njinja2>=3.0,<3.2\nbare\nbare-extra[x] ; python_version < \"4\"\n";
    let patched = patch(
        text,
        &[
            ("flask", NewSpecifier::LowerBound(v("2.2.5"))),
            ("jinja2", NewSpecifier::LowerBound(v("3.1.4"))),
            ("bare", NewSpecifier::LowerBound(v("1.2"))),
            ("bare-extra", NewSpecifier::LowerBound(v("0.5"))),
        ],
    );
    assert_eq!(
        patched.text,
        "flask >= 2.2.5, < 3  # web\njinja2>=3.1.4,<3.2\nbare>=1.2\nbare-extra[x]>=0.5 ; python_version < \"4\"\n"
    );
}

#[test]
fn a_specifier_split_over_a_continuation_is_rewritten_on_one_line() {
    let text = "foo >= 1.0, \\\n    < 2.0 \\\n    --hash=sha256:dd\nbar==1\n";
    let patched = patch(text, &[("foo", NewSpecifier::LowerBound(v("1.2.1")))]);
    assert_eq!(patched.text, "foo >= 1.2.1, < 2.0\nbar==1\n");
}

#[test]
fn a_requirement_that_is_not_there_is_reported_and_nothing_changes() {
    let text = "a==1.0\n";
    let patched = patch_requirements(text, &[SpecifierEdit { line: 3, column: 1, new: NewSpecifier::Pin(v("2.0")) }]);
    assert_eq!(patched.text, text);
    assert_eq!(patched.changed, 0);
    assert!(patched.diff.is_empty());
    assert_eq!(patched.notes, ["line 3: no requirement starts at column 1; left unchanged"]);
}

#[test]
fn the_diff_shows_hunks_with_context_and_gaps() {
    let text: String = (1..=12).map(|n| format!("p{n}==1.0\n")).collect();
    let patched = patch(&text, &[("p2", pin("1.1")), ("p10", pin("1.1"))]);
    let rendered: Vec<String> = patched
        .diff
        .iter()
        .map(|line| match line.kind {
            DiffLineKind::Context => format!(" {}", line.text),
            DiffLineKind::Removed => format!("-{}", line.text),
            DiffLineKind::Added => format!("+{}", line.text),
            DiffLineKind::Gap => "…".to_string(),
        })
        .collect();
    assert_eq!(
        rendered,
        [
            " p1==1.0",
            "-p2==1.0",
            "+p2==1.1",
            " p3==1.0",
            " p4==1.0",
            "…",
            " p8==1.0",
            " p9==1.0",
            "-p10==1.0",
            "+p10==1.1",
            " p11==1.0",
            " p12==1.0",
        ]
    );
}
