use super::*;
use crate::model::{Dependency, DependencyVersion, SkipReason};
use crate::sources::{parse_files, InputFile, NoteLevel, SourceNote};

fn parse_one(text: &str) -> ParsedFile {
    parse("requirements.txt", text)
}

/// `name version-summary` for each dependency: `==1.0` for a pin, the specifiers of a range (`*` for none), or
/// `skip:<kind>`.
fn summary(text: &str) -> Vec<String> {
    parse_one(text).dependencies.iter().map(describe).collect()
}

fn describe(dependency: &Dependency) -> String {
    let version = match &dependency.version {
        DependencyVersion::Pinned(version) => format!("=={version}"),
        DependencyVersion::Range(specifiers) if specifiers.is_empty() => "*".to_string(),
        DependencyVersion::Range(specifiers) => specifiers.to_string(),
        DependencyVersion::Skipped(SkipReason::Editable) => "skip:editable".to_string(),
        DependencyVersion::Skipped(SkipReason::LocalPath(path)) => format!("skip:path:{path}"),
        DependencyVersion::Skipped(SkipReason::Url(url)) => format!("skip:url:{url}"),
        DependencyVersion::Skipped(SkipReason::Vcs(url)) => format!("skip:vcs:{url}"),
        DependencyVersion::Skipped(SkipReason::InvalidEntry(_)) => "skip:invalid".to_string(),
        DependencyVersion::Skipped(other) => format!("skip:{other}"),
    };
    format!("{} {version}", dependency.name)
}

fn positions(parsed: &ParsedFile) -> Vec<(u32, u32)> {
    parsed.dependencies.iter().map(|dependency| (dependency.origin.line, dependency.origin.column)).collect()
}

fn notes(parsed: &ParsedFile) -> Vec<String> {
    parsed.notes.iter().map(describe_note).collect()
}

fn describe_note(note: &SourceNote) -> String {
    let level = match note.level {
        NoteLevel::Info => "info",
        NoteLevel::Warning => "warning",
    };
    format!("{}:{} {level}: {}", note.origin.line, note.origin.column, note.message)
}

#[test]
fn only_exact_pins_are_pinned() {
    let text = "a==1.0\nb===1.0\nc==1.2.*\nd>=1\ne~=1.4\nf!=1.5\ng<2\nh\ni==1.0,!=1.1\nj==1.0+local\n";
    assert_eq!(
        summary(text),
        [
            "a ==1.0",
            "b ==1.0",
            "c ==1.2.*",
            "d >=1",
            "e ~=1.4",
            "f !=1.5",
            "g <2",
            "h *",
            "i ==1.0, !=1.1",
            "j ==1.0+local",
        ]
    );
    let parsed = parse_one(text);
    let pinned: Vec<bool> = parsed.dependencies.iter().map(|d| d.version.pinned().is_some()).collect();
    assert_eq!(pinned, [true, true, false, false, false, false, false, false, false, true]);
}

#[test]
fn names_are_normalised_and_extras_and_markers_kept() {
    let parsed =
        parse_one("Zope.Interface==5.4.0\nFoo__Bar[Socks, SECURITY] >= 2 ; python_version < \"3.8\"\nUPPER==1\n");
    assert_eq!(
        parsed.dependencies.iter().map(describe).collect::<Vec<_>>(),
        ["zope-interface ==5.4.0", "foo-bar >=2", "upper ==1"]
    );
    assert_eq!(parsed.dependencies[1].extras, ["socks", "security"]);
    assert_eq!(parsed.dependencies[1].marker.as_deref(), Some("python_version < \"3.8\""));
    assert_eq!(parsed.dependencies[0].marker, None);
}

#[test]
fn origins_are_where_the_requirement_text_starts() {
    let text = "\u{feff}first==1\n\n  # comment\n\tindented==2\r\nsplit \\\r\n  ==3 \\\n  --hash=sha256:abc\nlast==4";
    let parsed = parse_one(text);
    assert_eq!(summary(text), ["first ==1", "indented ==2", "split ==3", "last ==4"]);
    assert_eq!(positions(&parsed), [(1, 1), (4, 2), (5, 1), (8, 1)]);
    assert!(parsed.errors.is_empty());
}

#[test]
fn a_continued_line_that_starts_empty_points_at_its_text() {
    let parsed = parse_one("foo==\\\n\\\n \\\n  \\\n1.2.3\n");
    assert_eq!(summary("foo==\\\n\\\n \\\n  \\\n1.2.3\n"), ["foo ==1.2.3"]);
    assert_eq!(positions(&parsed), [(1, 1)]);
}

#[test]
fn hashes_markers_and_urls_combine_as_pip_reads_them() {
    let text = concat!(
        "pkg==1.0 ; python_version<\"3.8\" --hash=sha256:aaa --hash sha256:bbb\n",
        "direct @ https://example.org/direct-1.0.tar.gz ; sys_platform == \"linux\"\n",
        "https://example.org/wheels/Some_Pkg-2.0-py3-none-any.whl; python_version >= \"3\"\n",
        "semi@https://example.org/semi-1.0.zip;python_version>='3'\n",
    );
    let parsed = parse_one(text);
    assert_eq!(
        parsed.dependencies.iter().map(describe).collect::<Vec<_>>(),
        [
            "pkg ==1.0",
            "direct skip:url:https://example.org/direct-1.0.tar.gz",
            "some-pkg skip:url:https://example.org/wheels/Some_Pkg-2.0-py3-none-any.whl",
            "semi skip:url:https://example.org/semi-1.0.zip",
        ]
    );
    let markers: Vec<Option<&str>> = parsed.dependencies.iter().map(|d| d.marker.as_deref()).collect();
    assert_eq!(
        markers,
        [
            Some("python_version<\"3.8\""),
            Some("sys_platform == \"linux\""),
            Some("python_version >= \"3\""),
            Some("python_version>='3'"),
        ]
    );
    assert_eq!(
        notes(&parsed),
        ["1:33 info: `--hash` on 1 line: pip installs only files with these hashes, so a new version needs new ones; \
          recompile the file (`pip-compile --generate-hashes`) rather than edit it"]
    );
}

#[test]
fn hashes_on_every_line_make_one_note_for_the_file() {
    let text: String = (0..57).map(|n| format!("pkg{n}==1.0 \\\n    --hash=sha256:aa --hash=sha256:bb\n")).collect();
    let parsed = parse("requirements.txt", &text);
    assert_eq!(parsed.dependencies.len(), 57);
    let notes = notes(&parsed);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].starts_with("2:5 info: `--hash` on 57 lines: "), "{}", notes[0]);
}

#[test]
fn editables_paths_urls_and_vcs_are_skipped_with_their_reason() {
    let text = concat!(
        "-e .\n",
        "--editable=git+https://github.com/org/repo.git@v1#egg=Repo_Name[extra]\n",
        "-e ./libs/local[dev]\n",
        "./pkg\n",
        "../dist/x-1.0-py3-none-any.whl\n",
        "/abs/file.tar.gz\n",
        "file:///opt/wheels/y.tar.gz\n",
        "https://example.org/archive/z-1.0.zip\n",
        "git+https://github.com/org/tool.git#egg=tool\n",
        "git+ssh://git@github.com/org/other.git\n",
        "named @ git+https://github.com/org/named.git@main\n",
        "local @ file:///srv/local-1.0.tar.gz\n",
    );
    assert_eq!(
        summary(text),
        [
            ". skip:editable",
            "repo-name skip:editable",
            "./libs/local skip:editable",
            "./pkg skip:path:./pkg",
            "x skip:path:../dist/x-1.0-py3-none-any.whl",
            "/abs/file.tar.gz skip:path:/abs/file.tar.gz",
            "file:///opt/wheels/y.tar.gz skip:path:file:///opt/wheels/y.tar.gz",
            "https://example.org/archive/z-1.0.zip skip:url:https://example.org/archive/z-1.0.zip",
            "tool skip:vcs:git+https://github.com/org/tool.git#egg=tool",
            "git+ssh://git@github.com/org/other.git skip:vcs:git+ssh://git@github.com/org/other.git",
            "named skip:vcs:git+https://github.com/org/named.git@main",
            "local skip:path:file:///srv/local-1.0.tar.gz",
        ]
    );
    let parsed = parse_one(text);
    assert_eq!(parsed.dependencies[1].extras, ["extra"]);
    assert_eq!(parsed.dependencies[2].extras, ["dev"]);
    assert!(parsed.errors.is_empty());
    assert!(parsed.notes.is_empty(), "{:?}", notes(&parsed));
}

#[test]
fn credentials_in_urls_are_not_repeated() {
    let text = concat!(
        "--index-url https://user:secret@pypi.example.org/simple/\n",
        "private @ https://token@pypi.example.org/private-1.0.tar.gz\n",
    );
    let parsed = parse_one(text);
    assert_eq!(summary(text), ["private skip:url:https://****@pypi.example.org/private-1.0.tar.gz"]);
    assert_eq!(
        notes(&parsed),
        ["1:1 info: option `--index-url` `https://user:****@pypi.example.org/simple/` is not used by the audit: \
         packages are looked up by name in OSV"]
    );
}

#[test]
fn every_option_is_noted_where_it_is_written() {
    let text = concat!(
        "-i https://a.example/simple\n",
        "--index-url=https://b.example/simple\n",
        "--extra-index-url https://c.example/simple\n",
        "-f ./wheels\n",
        "--find-links=https://d.example/links\n",
        "--pre\n",
        "--trusted-host d.example\n",
        "--only-binary :all:\n",
        "--no-binary=lxml\n",
        "--prefer-binary\n",
        "--require-hashes\n",
        "--use-feature fast-deps\n",
        "--no-index\n",
        "pkg==1 --global-option=--no-user-cfg --config-settings key=value -C other=1\n",
    );
    let parsed = parse_one(text);
    let summary: Vec<(u32, u32, NoteLevel, &str)> = parsed
        .notes
        .iter()
        .map(|note| (note.origin.line, note.origin.column, note.level, note.message.split(' ').nth(1).unwrap_or("")))
        .collect();
    use NoteLevel::Info;
    assert_eq!(
        summary,
        [
            (1, 1, Info, "`--index-url`"),
            (2, 1, Info, "`--index-url`"),
            (3, 1, Info, "`--extra-index-url`"),
            (4, 1, Info, "`--find-links`"),
            (5, 1, Info, "`--find-links`"),
            (6, 1, Info, "`--pre`"),
            (7, 1, Info, "`--trusted-host`"),
            (8, 1, Info, "`--only-binary`"),
            (9, 1, Info, "`--no-binary`"),
            (10, 1, Info, "`--prefer-binary`"),
            (11, 1, Info, "`--require-hashes`"),
            (12, 1, Info, "`--use-feature`"),
            (13, 1, Info, "`--no-index`"),
            (14, 8, Info, "`--global-option`"),
            (14, 38, Info, "`--config-settings`"),
        ]
    );
    assert_eq!(
        parsed.notes[14].message,
        "option `--config-settings` (2 values) only changes how pip installs `pkg`; not used"
    );
    assert_eq!(summary_of(&parsed), ["pkg ==1"]);
}

fn summary_of(parsed: &ParsedFile) -> Vec<String> {
    parsed.dependencies.iter().map(describe).collect()
}

#[test]
fn unknown_and_misplaced_options_warn_and_never_stop_the_file() {
    let text = concat!(
        "--unknown-option value\n",
        "--index-url https://a.example/simple SomePackage\n",
        "requests==2.0 --no-binary requests\n",
        "--hash=sha256:abc\n",
        "--hash\n",
        "-r a.txt -r b.txt\n",
        "kept==1.0 --hash=sha256:abc\" \n",
        "after==1.0\n",
    );
    let parsed = parse_one(text);
    assert_eq!(summary_of(&parsed), ["requests ==2.0", "kept ==1.0", "after ==1.0"]);
    assert_eq!(notes(&parsed), [
        "1:1 warning: unknown option `--unknown-option` (with `value`); pip would stop here, osv-lens ignores it",
        "2:1 info: option `--index-url` `https://a.example/simple` is not used by the audit: packages are looked up \
         by name in OSV",
        "2:38 warning: `SomePackage` follows an option and is ignored by pip; give it a line of its own",
        "3:15 warning: option `--no-binary` has no effect on a requirement line (pip ignores it)",
        "4:1 warning: option `--hash` without a requirement is ignored by pip",
        "5:1 warning: option `--hash` needs a value; pip would stop here, osv-lens ignores it",
        "6:10 warning: pip reads one file per line; `--requirement` is ignored here",
        "7:28 warning: cannot split the options into words (no closing quotation); pip would stop here",
    ]);
    assert!(parsed.errors.is_empty());
}

#[test]
fn environment_variables_are_kept_and_warned_about() {
    let text = "--index-url https://${PIP_USER}:${PIP_PASSWORD}@example.org/simple\nqwert==${VERSION}\nok==1\n";
    let parsed = parse_one(text);
    assert_eq!(summary_of(&parsed), ["qwert skip:invalid", "ok ==1"]);
    let warnings: Vec<String> = notes(&parsed).into_iter().filter(|note| note.contains("warning")).collect();
    assert_eq!(
        warnings,
        [
            "1:21 warning: `${PIP_USER}` is kept as written; pip would replace it with the environment's value",
            "1:33 warning: `${PIP_PASSWORD}` is kept as written; pip would replace it with the environment's value",
            "2:8 warning: `${VERSION}` is kept as written; pip would replace it with the environment's value",
        ]
    );
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!((parsed.errors[0].line, parsed.errors[0].column), (2, 6));
}

#[test]
fn project_root_is_never_expanded() {
    // pep508_rs would replace `${PROJECT_ROOT}` with the current directory (and panic in the browser, which has none).
    let parsed = parse_one("local @ file://${PROJECT_ROOT}/pkg\nbad ${PROJECT_ROOT}\n");
    assert_eq!(summary_of(&parsed)[0], "local skip:path:file://${PROJECT_ROOT}/pkg");
    assert!(parsed.errors[0].message.contains("${PROJECT_ROOT}") || !parsed.errors[0].message.contains("R00T"));
}

#[test]
fn a_bad_line_is_an_error_with_its_exact_span_and_the_rest_is_kept() {
    let text = "good==1.0\nnumpy ( ><1.19 )\nalso-good==2\n";
    let parsed = parse_one(text);
    assert_eq!(summary_of(&parsed), ["good ==1.0", "numpy skip:invalid", "also-good ==2"]);
    assert_eq!(parsed.errors.len(), 1);
    let error = &parsed.errors[0];
    assert_eq!((error.line, error.column), (2, 9));
    assert_eq!(error.to_string().lines().skip(1).collect::<Vec<_>>(), ["numpy ( ><1.19 )", "        ^^^^^^"]);
}

#[test]
fn an_error_in_a_continued_line_points_at_the_physical_place() {
    let text = "ok==1\nbroken \\\r\n    >=1.0 ; python_version <<< \"3\" \\\r\n    --hash=sha256:abc\r\n";
    let parsed = parse_one(text);
    assert_eq!(summary_of(&parsed), ["ok ==1", "broken skip:invalid"]);
    assert_eq!(positions(&parsed), [(1, 1), (2, 1)]);
    let error = &parsed.errors[0];
    assert_eq!(error.line, 3);
    assert_eq!(&error.snippet, "    >=1.0 ; python_version <<< \"3\" \\");
    assert_eq!(error.column, 28, "{error}");
}

#[test]
fn a_name_ending_in_punctuation_is_an_error_not_a_panic() {
    let parsed = parse_one("foo-==1.0\nbar_[x]\n");
    assert_eq!(summary_of(&parsed), ["foo skip:invalid", "bar skip:invalid"]);
    let columns: Vec<(u32, u32)> = parsed.errors.iter().map(|error| (error.line, error.column)).collect();
    assert_eq!(columns, [(1, 4), (2, 4)]);
}

#[test]
fn invalid_egg_fragments_are_errors_like_in_pip() {
    let parsed = parse_one("-e git+https://github.com/org/repo.git@8f4f9b2#egg=Lasagne==0.2.git\n");
    assert_eq!(summary_of(&parsed), ["lasagne skip:invalid"]);
    let error = &parsed.errors[0];
    assert_eq!((error.line, error.column, error.width), (1, 59, 9), "{error}");
}

#[test]
fn pip_freeze_output_is_read() {
    let text = concat!(
        "certifi==2024.2.2\n",
        "-e git+https://github.com/org/app.git@0a1b2c3d#egg=app\n",
        "## !! Could not determine repository location\n",
        "mylib @ file:///home/user/src/mylib\n",
        "zope.interface==6.1\n",
    );
    assert_eq!(
        summary(text),
        [
            "certifi ==2024.2.2",
            "app skip:editable",
            "mylib skip:path:file:///home/user/src/mylib",
            "zope-interface ==6.1",
        ]
    );
}

#[test]
fn pip_compile_output_is_read() {
    let text = concat!(
        "#\n",
        "# This file is autogenerated by pip-compile with Python 3.12\n",
        "# by the following command:\n",
        "#\n",
        "#    pip-compile --generate-hashes requirements.in\n",
        "#\n",
        "--index-url https://pypi.org/simple\n",
        "\n",
        "asgiref==3.8.1 \\\n",
        "    --hash=sha256:3e1e3ecc849832fe52ccf2cb6686b7a55f82bb1d6aed4a4c2d6e7c4baa9f8d8e \\\n",
        "    --hash=sha256:c343bd80a0bec947a9860adb4c432ffa7db769836c64238fc34bdc3fec84d590\n",
        "    # via django\n",
        "django==4.2.11 \\\n",
        "    --hash=sha256:6e6ff3db2d8dd0c986b4eec8554c8e4f919b5c1ff62a5b4390c17aff2ed6e5c4\n",
        "    # via\n",
        "    #   -r requirements.in\n",
        "    #   django-extensions\n",
        "sqlparse==0.5.0 \\\n",
        "    --hash=sha256:714d0a4932c059d16189f58ef5411ec2287a4360f17cdd0edd2d09d4c5087c93\n",
        "    # via django\n",
        "\n",
        "# The following packages are considered to be unsafe in a requirements file:\n",
        "# setuptools\n",
    );
    let parsed = parse_one(text);
    assert_eq!(summary_of(&parsed), ["asgiref ==3.8.1", "django ==4.2.11", "sqlparse ==0.5.0"]);
    assert_eq!(positions(&parsed), [(9, 1), (13, 1), (18, 1)]);
    // The index option, and one note for the hashes of every line.
    assert_eq!(parsed.notes.len(), 2, "{:?}", notes(&parsed));
    assert!(parsed.notes[1].message.starts_with("`--hash` on 3 lines: "));
    assert!(parsed.errors.is_empty());
}

fn input(name: &str, text: &str) -> InputFile {
    InputFile::new(name, text)
}

#[test]
fn includes_are_resolved_among_the_given_files_and_reported_once() {
    let files = [
        input("requirements/dev.txt", "-r base.txt\n-c ../constraints.txt\npytest==8.0\n"),
        input("requirements/base.txt", "django==4.2\n"),
        input("constraints.txt", "sqlparse==0.4.4\n"),
    ];
    let parsed = parse_files(&files);
    let names: Vec<Vec<String>> = parsed.files.iter().map(summary_of).collect();
    assert_eq!(names, [vec!["pytest ==8.0"], vec!["django ==4.2"], vec!["sqlparse ==0.4.4"]]);
    assert_eq!(
        notes(&parsed.files[0]),
        [
            "1:1 info: `-r base.txt` includes `requirements/base.txt`; its dependencies are listed under that file",
            "2:1 info: `-c ../constraints.txt` includes `constraints.txt`; its pins are audited under that file",
        ]
    );
}

#[test]
fn includes_match_by_file_name_when_folders_are_unknown() {
    let files = [input("dev.txt", "-r ./requirements/base.txt\n"), input("base.txt", "six==1.16.0\n")];
    let parsed = parse_files(&files);
    assert_eq!(
        notes(&parsed.files[0]),
        ["1:1 info: `-r ./requirements/base.txt` includes `base.txt`; its dependencies are listed under that file",]
    );
}

#[test]
fn a_missing_include_names_the_file() {
    let parsed = parse_files(&[input("requirements.txt", "requests==1.2.3\n\n-r ./does-not-exist.txt\n")]);
    assert_eq!(summary_of(&parsed.files[0]), ["requests ==1.2.3"]);
    assert_eq!(notes(&parsed.files[0]), [
        "3:1 warning: `-r ./does-not-exist.txt` names a file that was not given; add `./does-not-exist.txt` to audit it",
    ]);
}

#[test]
fn include_cycles_are_named_and_do_not_hang() {
    let files = [
        input("one.txt", "-r ./two.txt\none==1\n"),
        input("two.txt", "-r ./../x/one.txt\n-r three.txt\ntwo==2\n"),
        input("three.txt", "-r one.txt\nthree==3\n"),
        input("self.txt", "-r self.txt\nself==1\n"),
    ];
    let parsed = parse_files(&files);
    let all: Vec<String> = parsed.files.iter().flat_map(notes).collect();
    assert_eq!(
        all,
        [
            "1:1 info: `-r ./two.txt` includes `two.txt`; its dependencies are listed under that file",
            "1:1 warning: include cycle `one.txt` → `two.txt` → `one.txt`; pip refuses such files",
            "2:1 info: `-r three.txt` includes `three.txt`; its dependencies are listed under that file",
            "1:1 warning: include cycle `one.txt` → `two.txt` → `three.txt` → `one.txt`; pip refuses such files",
            "1:1 warning: include cycle `self.txt` → `self.txt`; pip refuses such files",
        ]
    );
    let counts: Vec<usize> = parsed.files.iter().map(|file| file.dependencies.len()).collect();
    assert_eq!(counts, [1, 1, 1, 1]);
}

#[test]
fn remote_includes_are_not_fetched() {
    let parsed = parse_files(&[input("r.txt", "-r https://example.org/requirements.txt\n")]);
    assert_eq!(
        notes(&parsed.files[0]),
        ["1:1 warning: `-r https://example.org/requirements.txt` is a remote file; osv-lens does not fetch it",]
    );
}

/// A small deterministic generator (xorshift), so the garbled input is the same on every run.
struct Garbler(u64);

impl Garbler {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn garbled_input_never_panics_and_positions_stay_in_the_file() {
    const PIECES: &[&str] = &[
        "pkg",
        "Foo.Bar_baz",
        "==",
        "===",
        ">=",
        "~=",
        "!=",
        "<",
        "1.0",
        "1.2.*",
        "[",
        "]",
        "extra",
        ",",
        ";",
        "; ",
        " ",
        "\t",
        "\\",
        "\\\n",
        "\r\n",
        "\n",
        "#",
        " # c",
        "@",
        " @ ",
        "https://",
        "git+https://",
        "file:",
        "./",
        "../",
        "/abs/",
        ".whl",
        ".tar.gz",
        "#egg=",
        "&subdirectory=",
        "-e",
        " -r ",
        "-c",
        "--hash",
        "=",
        "sha256:ab",
        " --hash=",
        "--index-url",
        "--no",
        "-C",
        "-",
        "--",
        "\"",
        "'",
        "(",
        ")",
        "python_version",
        "<'3'",
        "and",
        "${VAR}",
        "${PROJECT_ROOT}",
        "é",
        "\u{feff}",
        "\u{fffd}",
        "\u{0}",
        "\u{2028}",
        "ß",
        "名前",
        "😀",
        "%",
        " and ",
        " or ",
        " in ",
        " not in ",
        "extra",
        "'3.8'",
        "\"é\"",
        "platform_release",
        "python_full_version",
        "implementation_name",
        "sys_platform",
        "==",
        "~=",
        "<=",
        ">",
        "'",
        "x-",
        "y_",
        "z.",
        "-e ",
        "git+",
    ];
    // `OSV_LENS_GARBLE_ROUNDS=500 cargo test garbled` runs a longer search with other seeds.
    let rounds: u64 = std::env::var("OSV_LENS_GARBLE_ROUNDS").ok().and_then(|rounds| rounds.parse().ok()).unwrap_or(1);
    for round in 0..rounds {
        garble_round(0x9e37_79b9_7f4a_7c15 ^ round.wrapping_mul(0x2545_f491_4f6c_dd1d), PIECES);
    }
}

fn garble_round(seed: u64, pieces: &[&str]) {
    let mut garbler = Garbler(seed);
    let mut files = Vec::new();
    for file in 0..40 {
        let mut text = String::new();
        for _ in 0..100 {
            let count = 1 + garbler.next() % 12;
            for _ in 0..count {
                text.push_str(garbler.pick(pieces));
            }
            text.push('\n');
        }
        files.push(InputFile::new(format!("f{file}.txt"), text));
    }
    let parsed = parse_files(&files);
    for (file, input) in parsed.files.iter().zip(&files) {
        let lines = u32::try_from(input.text.split('\n').count()).unwrap_or(u32::MAX);
        for dependency in &file.dependencies {
            assert!(dependency.origin.line >= 1 && dependency.origin.line <= lines, "{dependency:?}");
            assert!(dependency.origin.column >= 1);
        }
        for error in &file.errors {
            assert!(error.line >= 1 && error.line <= lines && error.width >= 1, "{error:?}");
            // The caret rendering works on every error.
            assert!(!error.to_string().is_empty());
        }
        let invalid = file
            .dependencies
            .iter()
            .filter(|d| matches!(d.version, DependencyVersion::Skipped(SkipReason::InvalidEntry(_))))
            .count();
        assert_eq!(invalid, file.errors.len(), "every error is one skipped entry");
    }
    let total: usize = parsed.files.iter().map(|file| file.dependencies.len()).sum();
    assert!(total > 500, "the generator should produce many entries, got {total}");
}

#[test]
fn bytes_decode_like_the_browser() {
    let utf16: Vec<u8> =
        [0xFF, 0xFE].into_iter().chain("pkg==1.0\r\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
    assert_eq!(InputFile::from_bytes("r.txt", &utf16).text, "pkg==1.0\r\n");
    let utf16_be: Vec<u8> = [0xFE, 0xFF].into_iter().chain("é".encode_utf16().flat_map(u16::to_be_bytes)).collect();
    assert_eq!(InputFile::from_bytes("r.txt", &utf16_be).text, "é");
    assert_eq!(InputFile::from_bytes("r.txt", b"\xEF\xBB\xBFa==1").text, "a==1");
    assert_eq!(InputFile::from_bytes("r.txt", b"# caf\xE9\na==1").text, "# caf\u{fffd}\na==1");
    assert_eq!(InputFile::from_bytes("r.txt", &[0xFF, 0xFE, b'a', 0, b'b']).text, "a\u{fffd}");
}

#[test]
fn a_constraints_file_given_alone_is_audited() {
    let parsed = parse_files(&[input("constraints.txt", "# pins for the whole company\nurllib3==1.26.5\nidna<3\n")]);
    assert_eq!(summary_of(&parsed.files[0]), ["urllib3 ==1.26.5", "idna <3"]);
    assert!(parsed.files[0].notes.is_empty());
}

#[test]
fn chosen_files_in_utf16_are_decoded_and_binary_files_refused() {
    use crate::sources::{decode_file, DecodedFile};
    // What Windows PowerShell's `pip freeze > requirements.txt` writes: UTF-16LE with a byte order mark, CRLF.
    let freeze = "requests==2.19.0\r\nDjango==3.2.0\r\n";
    let le: Vec<u8> = [0xFF, 0xFE].into_iter().chain(freeze.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain(freeze.encode_utf16().flat_map(u16::to_be_bytes)).collect();
    let le_bare: Vec<u8> = freeze.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be_bare: Vec<u8> = freeze.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for bytes in [&le, &be, &le_bare, &be_bare] {
        assert_eq!(decode_file(bytes), DecodedFile::Text(freeze.to_string()));
    }
    let parsed = parse(
        "requirements.txt",
        match decode_file(&le) {
            DecodedFile::Text(text) => text,
            other => panic!("{other:?}"),
        }
        .as_str(),
    );
    assert_eq!(parsed.dependencies.len(), 2);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(decode_file(b"\xEF\xBB\xBFa==1\n"), DecodedFile::Text("a==1\n".into()));
    assert_eq!(decode_file(b"# caf\xE9\na==1"), DecodedFile::Legacy);
    assert_eq!(decode_file(b"PK\x03\x04\0\0\x14\0binary"), DecodedFile::Binary);
    assert_eq!(decode_file(&[0xFF, 0xFE, 0, 0, b'a', 0]), DecodedFile::Binary);
}
