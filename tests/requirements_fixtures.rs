//! Requirements files from osv-scanner, osv-scalibr and cyclonedx-python, read through `parse_files`.
//!
//! osv-scanner's and osv-scalibr's expectations live in Go tests that are not part of the shared data, so the facts
//! below were stated by reading each file against pip's rules: every dependency with its line, column, normalised
//! name, version (`==` pin, range, `*` for none, or `skip:<reason>`), extras and marker, and the notes that matter
//! (includes, cycles, missing files, environment variables). cyclonedx-python ships its expected SBOMs, which are
//! compared directly.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use osv_lens::model::{normalize_name, DependencyVersion, SkipReason};
use osv_lens::pep440_rs::Version;
use osv_lens::sources::{parse_files, InputFile, NoteLevel, ParsedInput};
use serde_json::Value;

/// One or more files given together, and what must come out of each.
struct Case {
    /// Paths under `../shared/data/fixtures/`, given together; the facts are about the last. (Include cycles are
    /// reported at the include that closes them, following the files in the order given.)
    files: &'static [&'static str],
    /// Every dependency of the last file, as [`common::describe`] writes it.
    dependencies: &'static [&'static str],
    /// Notes of the last file that must be there: `line:column level` and a part of the message.
    notes: &'static [(&'static str, &'static str)],
}

const PIP: &str = "osv-scanner/pkg/lockfile/fixtures/pip";
const LOCKS: &str = "osv-scanner/cmd/osv-scanner/scan/source/testdata/locks-requirements";
const SCALIBR: &str = "osv-scalibr/extractor/filesystem/language/python/requirements/testdata";
const RELAX: &str = "osv-scalibr/guidedremediation/internal/strategy/relax/testdata/python";

fn cases() -> Vec<(Vec<String>, Case)> {
    let case = |folder: &str, files: &'static [&'static str], dependencies, notes| {
        (files.iter().map(|file| format!("{folder}/{file}")).collect(), Case { files, dependencies, notes })
    };
    vec![
        // osv-scanner, legacy pip fixtures.
        case(
            PIP,
            &["cyclic-r-complex-2.txt", "cyclic-r-complex-3.txt", "cyclic-r-complex-1.txt"],
            &["3:1 cyclic-r-complex ==1"],
            &[("1:1 warning", "include cycle `cyclic-r-complex-2.txt` → `cyclic-r-complex-1.txt` → `cyclic-r-complex-2.txt`")],
        ),
        case(
            PIP,
            &["cyclic-r-complex-1.txt", "cyclic-r-complex-3.txt", "cyclic-r-complex-2.txt"],
            &["4:1 cyclic-r-complex ==2"],
            &[
                ("1:1 warning", "include cycle `cyclic-r-complex-1.txt` → `cyclic-r-complex-2.txt` → `cyclic-r-complex-1.txt`"),
                ("2:1 info", "`-r ./cyclic-r-complex-3.txt` includes `cyclic-r-complex-3.txt`"),
            ],
        ),
        case(
            PIP,
            &["cyclic-r-complex-1.txt", "cyclic-r-complex-2.txt", "cyclic-r-complex-3.txt"],
            &["4:1 cyclic-r-complex ==3"],
            &[
                ("1:1 warning", "`cyclic-r-complex-1.txt` → `cyclic-r-complex-2.txt` → `cyclic-r-complex-3.txt` → `cyclic-r-complex-1.txt`"),
                ("2:1 warning", "`cyclic-r-complex-2.txt` → `cyclic-r-complex-3.txt` → `cyclic-r-complex-2.txt`"),
            ],
        ),
        case(PIP, &["cyclic-r-self.txt"], &["3:1 requests ==1.2.3", "4:1 pandas ==0.23.4"], &[(
            "1:1 warning",
            "include cycle `",
        )]),
        case(
            PIP,
            &["duplicate-r-base.txt", "duplicate-r-test.txt", "duplicate-r-dev.txt"],
            &["4:1 pandas ==0.23.4", "5:1 requests ==1.2.3"],
            &[("1:1 info", "`-r ./duplicate-r-base.txt` includes"), ("2:1 info", "`-r ./duplicate-r-test.txt` includes")],
        ),
        case(PIP, &["duplicate-r-base.txt", "duplicate-r-test.txt"], &["3:1 requests ==1.2.3", "4:1 unittest ==1.0.0"], &[
            ("1:1 info", "includes"),
        ]),
        case(PIP, &["duplicate-r-base.txt"], &["1:1 django ==0.1.0"], &[]),
        case(PIP, &["empty.txt"], &[], &[]),
        case(PIP, &["only-comments.txt"], &[], &[]),
        case(
            PIP,
            &["other-file.txt", "file-format-example.txt"],
            &[
                "3:1 pytest *",
                "4:1 pytest-cov *",
                "5:1 beautifulsoup4 *",
                "9:1 docopt ==0.6.1",
                "10:1 keyring >=4.1.1",
                "11:1 coverage !=3.5",
                "12:1 mopidy-dirble ~=1.1",
                "18:1 numpy skip:path",
                "19:1 wxpython-phoenix skip:url",
                "23:1 rejected *",
                "24:1 green *",
            ],
            &[("15:1 info", "`-r other-file.txt` includes `")],
        ),
        // pip drops every backslash at both ends of a continued line, so `bar == 4.5\\` + `.6` is `bar == 4.5.6`,
        // and the comment on line 13 swallows line 14.
        case(
            PIP,
            &["line-continuation.txt"],
            &["2:1 foo ==1.2.3", "9:1 bar ==4.5.6", "13:1 baz ==7.8.9", "17:1 qux ==10.11.12"],
            &[],
        ),
        case(
            PIP,
            &["multiple-packages-constrained.txt"],
            &[
                "1:1 astroid ==2.5.1",
                "3:1 beautifulsoup4 ==4.9.3",
                "5:1 boto3 ==1.17.19",
                "7:1 botocore ==1.20.19",
                "11:1 certifi ==2020.12.5",
                "13:1 chardet ==4.0.0",
                "15:1 circus ==0.17.1",
                "17:1 click ==7.1.2",
                "19:1 django-debug-toolbar ==3.2.1",
                "21:1 django-filter ==2.4.0",
                "23:1 django-nose ==1.4.7",
                "25:1 django-storages ==1.11.1",
                "27:1 django ==2.2.24",
            ],
            &[],
        ),
        case(
            PIP,
            &["multiple-packages-mixed.txt"],
            &[
                "1:1 flask *",
                "2:1 flask-cors *",
                "3:1 pandas ==0.23.4",
                "4:1 numpy ==1.16.0",
                "5:1 scikit-learn ==0.20.1",
                "6:1 sklearn *",
                "7:1 requests *",
                "8:1 gevent *",
            ],
            &[],
        ),
        case(
            PIP,
            &["non-normalized-names.txt"],
            &["1:1 zope-interface ==5.4.0", "6:1 pillow ==1.0.0", "8:1 twisted ==20.3.0 [http2]"],
            &[],
        ),
        case(PIP, &["one-package-constrained.txt"], &["1:1 django ==2.2.24"], &[]),
        case(PIP, &["one-package-unconstrained.txt"], &["1:1 flask *"], &[]),
        case(PIP, &["other-file.txt"], &["1:1 django ==2.2.24"], &[]),
        case(PIP, &["with-added-support.txt"], &["1:1 twisted ==20.3.0 [http2]"], &[]),
        case(PIP, &["with-bad-r-option.txt"], &["1:1 requests ==1.2.3"], &[(
            "3:1 warning",
            "`-r ./does-not-exist.txt` names a file that was not given",
        )]),
        case(
            PIP,
            &["one-package-constrained.txt", "multiple-packages-mixed.txt", "with-multiple-r-options.txt"],
            &["4:1 requests ==1.2.3", "5:1 pandas ==0.23.4"],
            &[("1:1 info", "includes `"), ("2:1 info", "includes `")],
        ),
        case(
            PIP,
            &["with-per-requirement-options.txt"],
            &["1:1 boto3 ==1.26.121", "2:1 foo ==1.0.0", "6:1 fooproject ==1.2", "12:1 barproject >=1.2"],
            &[
                ("1:17 info", "`--hash` on 2 lines: pip installs only files with these hashes"),
                ("12:19 info", "`--global-option` only changes how pip installs `barproject`"),
            ],
        ),
        // osv-scanner, current scan fixtures.
        case(LOCKS, &["my-requirements.txt"], &["1:1 flask ==1.0.0"], &[]),
        case(LOCKS, &["requirements-dev.txt"], &["1:1 black ==25.1.0"], &[]),
        case(LOCKS, &["requirements.txt", "requirements-transitive.txt"], &["1:1 numpy ==2.3.1"], &[(
            "2:1 info",
            "`-r requirements.txt` includes",
        )]),
        case(LOCKS, &["requirements.prod.txt"], &["1:1 django ==2.2.24"], &[]),
        case(LOCKS, &["requirements.txt"], &["1:1 flask ==1.0.0", "2:1 django ==1.11.29", "3:1 requests ==2.20.0"], &[]),
        case(LOCKS, &["the_requirements_for_test.txt"], &["1:1 numpy ==2.3.1"], &[]),
        case(
            LOCKS,
            &["unresolvable-requirements.txt"],
            &["1:1 flask ==1.0.0", "2:1 flask-cors ==1.0.0", "3:1 pandas ==0.23.4"],
            &[],
        ),
        case(
            "osv-scanner/cmd/osv-scanner/scan/image/testdata/python-fixture",
            &["requirements.txt"],
            &[
                "1:1 flask ==0.12.2",
                "2:1 django ==1.11.29",
                "3:1 requests ==2.20.0",
                "6:1 certifi ==2025.11.12",
                "7:1 chardet ==3.0.4",
                "8:1 click ==8.1.8",
                "9:1 django ==1.11.29",
                "10:1 flask ==0.12.2",
                "11:1 idna ==2.7",
                "12:1 itsdangerous ==2.2.0",
                "13:1 jinja2 ==3.1.6",
                "14:1 markupsafe ==3.0.3",
                "15:1 pytz ==2025.2",
                "16:1 requests ==2.20.0",
                "17:1 urllib3 ==1.24.3",
                "18:1 werkzeug ==3.1.4",
            ],
            &[],
        ),
        // osv-scalibr's requirements extractor.
        case(
            SCALIBR,
            &["comments.txt"],
            &["2:1 pycrypto ==1.2a0", "3:1 gmpy2 ==1", "6:1 sympy ==1.2", "7:1 requests ==1.0", "8:1 six ==1.2"],
            &[],
        ),
        case(SCALIBR, &["env_var.txt"], &["1:1 asdf ==1.2", "2:1 qwert skip:invalid", "3:1 another ==1.0"], &[(
            "2:8 warning",
            "`${MY_VARIABLE_1}` is kept as written",
        )]),
        case(
            SCALIBR,
            &["other-requirements.txt", "example.txt"],
            &[
                "3:1 pytest *",
                "4:1 pytest-cov *",
                "5:1 beautifulsoup4 *",
                "8:1 docopt ==0.6.1",
                "9:1 requests ==2.8.*, >=2.8.1 [security] ; python_version < \"2.7\"",
                "10:1 urllib3 skip:url",
                "13:1 keyring >=4.1.1",
                "15:1 coverage !=3.5",
                "17:1 mopidy-dirble ~=1.1",
                "25:1 numpy skip:path",
                "28:1 wxpython-phoenix skip:url",
            ],
            &[
                ("21:1 info", "`-r other-requirements.txt` includes `"),
                ("22:1 warning", "`-c constraints.txt` names a file that was not given"),
            ],
        ),
        case(SCALIBR, &["extras.txt"], &["1:1 pyjwt ==2.1.0 [crypto]", "2:1 celery ==4.4.7 [redis,pytest]"], &[]),
        // `-foo==1.0` is `-f oo==1.0` to optparse: a find-links option, not a requirement.
        case(
            SCALIBR,
            &["invalid.txt"],
            &["1:1 asdf skip:invalid", "2:1 ==1.0 skip:invalid", "3:1 asdf skip:invalid", "4:1 urllib3 skip:url"],
            &[("5:1 info", "option `--find-links` `oo==1.0`")],
        ),
        case(SCALIBR, &["other-loop.txt", "loop.txt"], &[], &[(
            "2:1 warning",
            "include cycle `other-loop.txt` → `loop.txt` → `other-loop.txt`",
        )]),
        case(SCALIBR, &["loop.txt", "other-loop.txt"], &[], &[(
            "2:1 warning",
            "include cycle `loop.txt` → `other-loop.txt` → `loop.txt`",
        )]),
        case(SCALIBR, &["multiline_and_comments.txt"], &["3:1 pkga ==1.0", "7:1 pkgb ==2.0"], &[(
            "4:3 info",
            "`--hash` on 1 line: pip installs only files with these hashes",
        )]),
        case(SCALIBR, &["no_version.txt"], &["1:1 pycrypto *", "2:1 gmpy2 *", "3:1 sympy *"], &[]),
        case(SCALIBR, &["other-requirements.txt"], &["1:1 pandas ==2.2.3"], &[]),
        case(
            SCALIBR,
            &["per_req_options.txt"],
            &[
                "1:1 foo1 ==1.0",
                "3:1 foo2 ==1.0",
                "5:1 foo3 ==1.0",
                "7:1 foo4 ==1.0",
                "9:1 foo5 ==1.0 ; python_version < \"2.7\"",
                "11:1 foo6 ==1.0",
                "13:1 foo7 skip:invalid",
                "15:1 foo8 ==1.0",
                "17:1 foo9 ==1.0",
                "20:1 foo10 skip:invalid",
                "22:1 foo11 ==1.0",
                "24:1 foo12 ==1.0",
                "26:1 foo13 ==1.0",
                "28:1 foo14 ==1.0",
                "30:1 foo15 skip:invalid",
                "32:1 foo16-client ==1.0",
                "34:1 foo17-hash ==1.0",
                "36:1 foo18-client ==1.0",
            ],
            &[
                ("1:11 info", "`--hash` on 13 lines"),
                ("3:29 info", "`--global-option`"),
                ("3:49 info", "`--config-settings`"),
                ("11:29 warning", "`unexpected_text_after_options_does_not_stay_around` after the options is ignored"),
                ("28:12 info", "`--config-settings` only changes how pip installs `foo14`"),
            ],
        ),
        case(SCALIBR, &["trailing_backslash.txt"], &["1:1 pkg1 ==1.0"], &[]),
        case(
            SCALIBR,
            &["with_versions.txt"],
            &[
                "1:1 nltk ==3.2.2",
                "2:1 tabulate ==0.7.7",
                "3:1 newspaper3k >=0.2.2",
                "4:1 asdf ==0.7.*",
                "5:1 qwerty ==0.1",
                "7:1 hy-phen ==1.2",
                "8:1 under-score ==1.3",
                "9:1 pkg-dot-name ==5.0.0",
                "10:1 combination-also-valid >=3.5",
                "11:1 yolo ==1.0",
                "12:1 pkg <=1.2.3",
            ],
            &[],
        ),
        // osv-scalibr's guided remediation inputs.
        case(
            "osv-scalibr/guidedremediation/internal/manifest/python/testdata/requirements",
            &["requirements.txt"],
            &[
                "3:1 pytest *",
                "4:1 pytest-cov *",
                "5:1 beautifulsoup4 *",
                "8:1 docopt ==0.6.1",
                "9:1 requests ==2.8.*, >=2.8.1 [security] ; python_version < \"2.7\"",
                "10:1 urllib3 skip:url",
                "13:1 keyring >=4.1.1",
                "15:1 coverage !=3.5",
                "17:1 mopidy-dirble ~=1.1",
                "25:1 numpy skip:path",
                "28:1 wxpython-phoenix skip:url",
            ],
            &[("21:1 warning", "was not given"), ("22:1 warning", "was not given")],
        ),
        case(
            "osv-scalibr/guidedremediation/testdata/python/relax/requirements",
            &["requirements.txt"],
            &[
                "2:1 direct1 ==1.0.0",
                "3:1 direct2 >=1.0.0, <2.0.0",
                "4:1 direct3 ~=1.0.0",
                "5:1 direct4 ~=1.0.0",
                "6:1 direct5 ~=1.0.0",
                "7:1 direct6 ==1.0.0",
                "8:1 direct7 >=1.0.0, <2.0.0",
                "9:1 direct8 ~=1.0.0",
                "10:1 direct9 ~=1.0.0",
                "11:1 direct10 ~=1.0.0",
            ],
            &[("1:1 info", "option `--no-index` is not used by the audit")],
        ),
        case(
            "osv-scalibr/guidedremediation/internal/strategy/relax/testdata/python/simple",
            &["requirements.txt"],
            &["2:1 direct1 ==1.0.0", "3:1 direct2 >=1.0.0, <2.0.0"],
            &[("1:1 info", "`--no-index`")],
        ),
        case(RELAX, &["deepen/requirements.txt"], &["2:1 direct10 ~=1.0.0"], &[("1:1 info", "`--no-index`")]),
        case(RELAX, &["diamond/requirements.txt"], &["2:1 direct4 ~=1.0.0", "3:1 direct5 ~=1.0.0"], &[(
            "1:1 info",
            "`--no-index`",
        )]),
        case(RELAX, &["introduce/requirements.txt"], &["1:1 direct7 ~=1.0.0"], &[]),
        case(RELAX, &["max-depth/requirements.txt"], &["2:1 direct10 ~=1.0.0"], &[("1:1 info", "`--no-index`")]),
        case(RELAX, &["no-fix/requirements.txt"], &["2:1 direct3 ~=1.0.0"], &[("1:1 info", "`--no-index`")]),
        case(RELAX, &["non-constraining/requirements.txt"], &["2:1 direct8 ~=1.0.0", "3:1 direct9 ~=1.0.0"], &[(
            "1:1 info",
            "`--no-index`",
        )]),
        case(RELAX, &["removed/requirements.txt"], &["2:1 direct6 ==1.0.0"], &[("1:1 info", "`--no-index`")]),
    ]
}

#[test]
fn osv_scanner_and_osv_scalibr_requirements_read_as_stated() {
    let root = common::fixtures("");
    let mut checked = 0;
    let mut failures = Vec::new();
    for (paths, case) in cases() {
        let inputs: Vec<InputFile> = paths
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(root.join(path)).unwrap_or_else(|error| panic!("{path}: {error}"));
                InputFile::new(Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or(path), text)
            })
            .collect();
        let parsed = parse_files(&inputs);
        let subject = paths.last().expect("a file");
        let file = parsed.files.last().expect("a parsed file");
        let ours: Vec<String> = file.dependencies.iter().map(common::describe).collect();
        if ours != case.dependencies {
            failures.push(format!("{subject}: dependencies\n  ours:   {ours:?}\n  stated: {:?}", case.dependencies));
        }
        for (place, part) in case.notes {
            let found = file.notes.iter().any(|note| {
                let level = if note.level == NoteLevel::Info { "info" } else { "warning" };
                format!("{}:{} {level}", note.origin.line, note.origin.column) == *place && note.message.contains(part)
            });
            if !found {
                let notes: Vec<String> = file
                    .notes
                    .iter()
                    .map(|note| {
                        format!("{}:{} {:?} {}", note.origin.line, note.origin.column, note.level, note.message)
                    })
                    .collect();
                failures.push(format!("{subject}: no note `{place}` with `{part}`; notes: {notes:#?}"));
            }
        }
        // Every invalid entry comes with exactly one error on its line.
        for dependency in &file.dependencies {
            if matches!(dependency.version, DependencyVersion::Skipped(SkipReason::InvalidEntry(_))) {
                let errors = file.errors.iter().filter(|error| error.line == dependency.origin.line).count();
                if errors != 1 {
                    failures.push(format!("{subject}: {errors} errors for `{}`", dependency.name));
                }
            }
        }
        assert_eq!(case.files.len(), paths.len());
        checked += 1;
    }
    eprintln!("osv-scanner and osv-scalibr: {} of {checked} cases read as stated", checked - failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_peer_requirements_fixture_is_covered_by_a_case() {
    let root = common::fixtures("");
    let stated: BTreeSet<String> = cases().into_iter().flat_map(|(paths, _)| paths).collect();
    let mut missing = Vec::new();
    for folder in [PIP, LOCKS, SCALIBR, RELAX] {
        for path in common::files_under(&root.join(folder), &|path| path.extension().is_some_and(|e| e == "txt")) {
            let relative = path.strip_prefix(&root).expect("under root").to_string_lossy().replace('\\', "/");
            if !stated.contains(&relative) {
                missing.push(relative);
            }
        }
    }
    assert!(missing.is_empty(), "fixtures without a stated case: {missing:#?}");
}

/// Every requirements-like text file of every peer (with or without expectations) parses without a panic, and every
/// skipped invalid entry comes with its error.
#[test]
fn every_requirements_file_in_the_shared_data_parses() {
    let root = common::fixtures("");
    let files = common::files_under(&root, &|path| {
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("");
        (name.ends_with(".txt") || name.ends_with(".in") || name.ends_with(".txt.bin")) && !name.contains("-expected")
    });
    let inputs: Vec<InputFile> = files
        .iter()
        .map(|path| {
            let name = path.strip_prefix(&root).expect("under root").to_string_lossy().into_owned();
            InputFile::from_bytes(name, &std::fs::read(path).expect("readable file"))
        })
        .collect();
    let parsed = parse_files(&inputs);
    let mut dependencies = 0;
    for file in &parsed.files {
        let invalid = file
            .dependencies
            .iter()
            .filter(|dependency| matches!(dependency.version, DependencyVersion::Skipped(SkipReason::InvalidEntry(_))))
            .count();
        assert_eq!(invalid, file.errors.len(), "{}", file.name);
        dependencies += file.dependencies.len();
    }
    eprintln!("{} text files in the shared data: {dependencies} dependencies", inputs.len());
    assert!(inputs.len() > 150, "found only {} files", inputs.len());
}

/// cyclonedx-python's SBOM snapshots: the input files behind each, given together when one includes another.
const CYCLONEDX_INPUTS: &[(&str, &[&str])] = &[
    ("file_frozen_1.6.json.bin", &["frozen.txt"]),
    ("index_auth_frozen_1.6.json.bin", &["frozen.txt"]),
    ("file_local_1.6.json.bin", &["local.txt"]),
    ("file_nested_1.6.json.bin", &["nested.txt", "frozen.txt"]),
    ("file_private-packages_1.6.json.bin", &["private-packages.txt"]),
    ("file_regression-issue448.cp1252.txt_1.6.json.bin", &["regression-issue448.cp1252.txt.bin"]),
    ("file_with-comments_1.6.json.bin", &["with-comments.txt"]),
    ("file_with-extras_1.6.json.bin", &["with-extras.txt"]),
    ("file_with-hashes_1.6.json.bin", &["with-hashes.txt"]),
    ("file_with-urls_1.6.json.bin", &["with-urls.txt"]),
    ("file_without-pinned-versions_1.6.json.bin", &["without-pinned-versions.txt"]),
];

/// What an SBOM says about the input: `name@version` of index packages, the names of unpinned ones, the names of
/// packages from a URL (purls with `download_url` or `vcs_url`), and the number of components with no purl (local
/// files and URLs that name no project).
#[derive(Debug, Default, PartialEq, Eq)]
struct Components {
    pinned: BTreeSet<String>,
    unpinned: BTreeSet<String>,
    from_urls: BTreeSet<String>,
    local: usize,
}

fn sbom_components(sbom: &Value) -> Components {
    let mut components = Components::default();
    for component in sbom["components"].as_array().into_iter().flatten() {
        let Some(purl) = component["purl"].as_str() else {
            components.local += 1;
            continue;
        };
        let purl = purl.strip_prefix("pkg:pypi/").expect("a PyPI purl");
        let (coordinates, qualifiers) = purl.split_once('?').unwrap_or((purl, ""));
        let (name, version) = coordinates.split_once('@').unwrap_or((coordinates, ""));
        let name = normalize_name(name);
        if !qualifiers.is_empty() {
            components.from_urls.insert(name);
        } else if version.is_empty() {
            components.unpinned.insert(name);
        } else {
            let version: Version = version.replace("%2B", "+").parse().expect("a PEP 440 version");
            components.pinned.insert(format!("{name}@{version}"));
        }
    }
    components
}

fn our_components(parsed: &ParsedInput) -> Components {
    let mut components = Components::default();
    for dependency in parsed.dependencies() {
        match &dependency.version {
            DependencyVersion::Pinned(version) => {
                components.pinned.insert(format!("{}@{version}", dependency.name));
            }
            DependencyVersion::Range(_) => {
                components.unpinned.insert(dependency.name.clone());
            }
            DependencyVersion::Skipped(SkipReason::Url(_) | SkipReason::Vcs(_)) if is_project(&dependency.name) => {
                components.from_urls.insert(dependency.name.clone());
            }
            DependencyVersion::Skipped(SkipReason::Url(_) | SkipReason::Vcs(_)) => components.local += 1,
            DependencyVersion::Skipped(SkipReason::LocalPath(_) | SkipReason::Editable) => components.local += 1,
            DependencyVersion::Skipped(other) => panic!("`{}` skipped: {other}", dependency.name),
        }
    }
    components
}

/// A normalised project name, rather than the text of an unnamed URL or path.
fn is_project(name: &str) -> bool {
    !name.is_empty() && normalize_name(name) == name && !name.contains(['/', ':'])
}

#[test]
fn cyclonedx_python_sboms_list_what_we_pin() {
    let root = common::fixtures("cyclonedx-python/tests/_data");
    let mut agreeing = 0;
    for (snapshot, files) in CYCLONEDX_INPUTS {
        let sbom: Value = serde_json::from_slice(
            &std::fs::read(root.join("snapshots/requirements").join(snapshot)).expect("readable snapshot"),
        )
        .expect("JSON");
        let inputs: Vec<InputFile> = files
            .iter()
            .map(|file| {
                let bytes = std::fs::read(root.join("infiles/requirements").join(file)).expect("readable input");
                InputFile::from_bytes(*file, &bytes)
            })
            .collect();
        let parsed = parse_files(&inputs);
        for file in &parsed.files {
            assert!(file.errors.is_empty(), "{snapshot}: {:?}", file.errors);
        }
        let theirs = sbom_components(&sbom);
        let ours = our_components(&parsed);
        assert_eq!(ours.pinned, theirs.pinned, "{snapshot}: pinned packages");
        assert_eq!(ours.unpinned, theirs.unpinned, "{snapshot}: unpinned packages");
        assert_eq!(ours.from_urls, theirs.from_urls, "{snapshot}: packages from URLs");
        assert_eq!(ours.local, theirs.local, "{snapshot}: local files");
        agreeing += 1;
    }
    eprintln!("cyclonedx-python: {agreeing} of {} SBOMs agree", CYCLONEDX_INPUTS.len());
}

/// The cp1252 file reaches osv-lens as the browser decodes it: not valid UTF-8, so its accented comment letters
/// become U+FFFD while every requirement, all ASCII, is kept; its CRLF line ends are read as line ends.
#[test]
fn a_cp1252_file_decodes_with_replacement_characters_and_keeps_its_requirements() {
    let root = common::fixtures("cyclonedx-python/tests/_data/infiles/requirements");
    let bytes = std::fs::read(root.join("regression-issue448.cp1252.txt.bin")).expect("readable input");
    assert!(std::str::from_utf8(&bytes).is_err(), "the fixture is meant not to be UTF-8");
    let input = InputFile::from_bytes("requirements.txt", &bytes);
    assert!(input.text.contains('\u{fffd}'));
    let parsed = parse_files(&[input]);
    let file = &parsed.files[0];
    let ours: Vec<String> = file.dependencies.iter().map(common::describe).collect();
    assert_eq!(ours, ["6:1 packageurl-python >=0.9.4", "7:1 requirements-parser >=0.2.0", "8:1 setuptools >=50.3.2"]);
    assert!(file.errors.is_empty() && file.notes.is_empty());
}
