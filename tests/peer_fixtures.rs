//! Other projects' test data, read from `../shared/data` at test time (never copied): osv-scalibr's per-format
//! testdata, pip-audit's pylock files, and cyclonedx-python's lockfile inputs with the SBOMs it expects. The
//! expectations here are facts checked by reading each file. Every test fails, naming the path, when the data is
//! absent.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{describe_short, shared_data};
use osv_lens::model::DependencyVersion;
use osv_lens::sources::{Format, ParsedFile};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Checks every file of `dir` against `expected` (file name → rows); a file missing from the table fails.
fn check_dir(format: Format, dir: &Path, expected: &[(&str, &[&str])]) -> usize {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    osv_lens::sorting::sort(&mut files);
    for file in &files {
        let rows =
            expected.iter().find(|(name, _)| name == file).unwrap_or_else(|| panic!("no expectation for {file}")).1;
        let parsed = format.parse(file, &read(&dir.join(file)));
        assert_eq!(describe_short(&parsed), rows, "{}", dir.join(file).display());
    }
    assert_eq!(files.len(), expected.len(), "{}: the table names files that are not there", dir.display());
    files.len()
}

const SCALIBR: &str = "fixtures/osv-scalibr/extractor/filesystem/language/python";
const NOT_TOML: &str = "! 1:6 invalid TOML: key with no value, expected `=`";

#[test]
fn osv_scalibr_poetry_lock() {
    let data = shared_data();
    let count = check_dir(
        Format::PoetryLock,
        &data.join(SCALIBR).join("poetrylock/testdata"),
        &[
            ("empty-file.lock", &[]),
            ("empty.lock", &[]),
            (
                "multiple-packages.v2.lock",
                &[
                    "async-timeout ==5.0.1 @4 [main,optional]",
                    "factory-boy ==3.3.1 @17 [dev]",
                    "faker ==33.3.0 @36 [dev,test]",
                    "proto-plus ==1.22.0 @52 [main]",
                    "proto-plus ==1.23.0 @71 [main]",
                    "protobuf ==4.25.5 @90 [main]",
                    "python-dateutil ==2.9.0.post0 @111 [dev,test]",
                    "redis ==5.2.1 @126 [main,optional]",
                    "six ==1.17.0 @146 [main,dev,test]",
                    "typing-extensions ==4.12.2 @158 [dev,test]",
                    "urllib3 ==2.3.0 @170 [dev]",
                ],
            ),
            ("names-outside-package-block.lock", &["first-pkg ==1.0.0 @5 []", "second-pkg ==2.0.0 @18 []"]),
            ("not-toml.txt", &[NOT_TOML]),
            ("one-package-with-metadata.lock", &["emoji ==2.0.0 @2 [main]"]),
            ("one-package.lock", &["numpy ==1.23.3 @2 [main]"]),
            ("optional-package.lock", &["numpy ==1.23.3 @2 [main,optional]"]),
            (
                "source-git.lock",
                &["ike skip(version-control URL `git+https://github.com/dzshn/ike@cd66602cd29f61a2d2e7fb995fef1e61708c034d`; not from an index) @2 [main]"],
            ),
            ("source-legacy.lock", &["appdirs ==1.4.4 @2 [main]"]),
            ("two-packages.lock", &["proto-plus ==1.22.0 @2 [main]", "protobuf ==4.21.5 @16 [main]"]),
        ],
    );
    eprintln!("osv-scalibr poetrylock: {count} files as expected");
}

#[test]
fn osv_scalibr_pipfile_lock() {
    let data = shared_data();
    let count = check_dir(
        Format::PipfileLock,
        &data.join(SCALIBR).join("pipfilelock/testdata"),
        &[
            ("empty-file", &["! 1:1 invalid JSON: EOF while parsing a value"]),
            ("empty.json", &[]),
            ("minified.json", &["markupsafe ==2.1.1 @1 [default]"]),
            (
                "multiple-packages.json",
                &[
                    "itsdangerous ==2.1.2 @19 [default]",
                    "pluggy ==1.0.1 @27 [default]",
                    "markupsafe ==2.1.1 @32 [default]",
                    "itsdangerous ==2.1.2 @80 [develop]",
                    "pluggy ==1.0.0 @88 [develop]",
                ],
            ),
            (
                "no-version.json",
                &[
                    "markupsafe skip(version-control URL `git+https://github.com/pallets/markupsafe@b36054111bc1e8bbadb5d0d60158feb72926f467`; not from an index) @19 [default]",
                    "itsdangerous skip(version-control URL `git+https://github.com/pallets/itsdangerous@de09cad488a4d7c7bbcbcdb8e1c2dfde64325f48`; not from an index) @26 [develop]",
                ],
            ),
            ("not-json.txt", &["! 1:2 invalid JSON: expected ident"]),
            ("one-package-dev.json", &["markupsafe ==2.1.1 @20 [develop]"]),
            ("one-package.json", &["markupsafe ==2.1.1 @19 [default]"]),
            ("two-packages-alt.json", &["itsdangerous ==2.1.2 @19 [default]", "markupsafe ==2.1.1 @27 [default]"]),
            ("two-packages.json", &["itsdangerous ==2.1.2 @19 [default]", "markupsafe ==2.1.1 @29 [develop]"]),
        ],
    );
    eprintln!("osv-scalibr pipfilelock: {count} files as expected");
}

#[test]
fn osv_scalibr_pdm_lock() {
    let data = shared_data();
    let count = check_dir(
        Format::PdmLock,
        &data.join(SCALIBR).join("pdmlock/testdata"),
        &[
            ("dev-dependency.toml", &["pyroute2 ==0.7.11 @11 [dev]", "toml ==0.10.2 @23 [default]", "win-inet-pton ==1.1.0 @34 [dev]"]),
            ("empty-file.toml", &[]),
            ("empty.toml", &[]),
            (
                "git-dependency.toml",
                &["toml skip(version-control URL `git+https://github.com/uiri/toml.git@65bab7582ce14c55cdeec2244c65ea23039c9e6f`; not from an index) @11 [default]"],
            ),
            ("names-outside-package-block.toml", &["first-pkg ==1.0.0 @12 [default]", "second-pkg ==2.0.0 @26 [default]"]),
            ("not-toml.txt", &[NOT_TOML]),
            ("optional-dependency.toml", &["pyroute2 ==0.7.11 @11 [tmp]", "toml ==0.10.2 @23 [default]", "win-inet-pton ==1.1.0 @34 [tmp]"]),
            ("single-package.toml", &["toml ==0.10.2 @11 [default]"]),
            ("two-packages.toml", &["six ==1.16.0 @11 [default]", "toml ==0.10.2 @22 [default]"]),
        ],
    );
    eprintln!("osv-scalibr pdmlock: {count} files as expected");
}

#[test]
fn osv_scalibr_uv_lock() {
    let data = shared_data();
    let own = "uv-lockfiles skip(the project's own package)";
    let count = check_dir(
        Format::UvLock,
        &data.join(SCALIBR).join("uvlock/testdata"),
        &[
            ("empty.lock", &[]),
            (
                "grouped-packages.lock",
                &[
                    "black ==24.10.0 @5 [dev,test]",
                    "click ==8.1.7 @39 [cli]",
                    "colorama ==0.4.6 @51 []",
                    "emoji ==2.14.0 @60 []",
                    "flake8 ==7.1.1 @69 [test]",
                    "mccabe ==0.7.0 @83 []",
                    "mypy-extensions ==1.0.0 @92 []",
                    "packaging ==24.2 @101 []",
                    "pathspec ==0.12.1 @110 []",
                    "platformdirs ==4.3.6 @119 []",
                    "pycodestyle ==2.12.1 @128 []",
                    "pyflakes ==3.2.0 @137 []",
                    "tomli ==2.2.1 @146 []",
                    "typing-extensions ==4.12.2 @185 []",
                    &format!("{own} @194 []"),
                ],
            ),
            ("names-outside-package-block.lock", &["first-pkg ==1.0.0 @5 []", "second-pkg ==2.0.0 @18 []"]),
            ("no-dependencies.lock", &[&format!("{own} @5 []")]),
            ("no-packages.lock", &[]),
            ("not-toml.txt", &[NOT_TOML]),
            ("one-package.lock", &["emoji ==2.14.0 @5 []", &format!("{own} @14 []")]),
            (
                "source-git.lock",
                &[
                    "ruff skip(version-control URL `git+https://github.com/astral-sh/ruff#84748be16341b76e073d117329f7f5f4ee2941ad`; not from an index) @5 []",
                    &format!("{own} @10 []"),
                ],
            ),
            ("two-packages.lock", &["emoji ==2.14.0 @5 []", "protobuf ==4.25.5 @14 []", &format!("{own} @28 []")]),
        ],
    );
    eprintln!("osv-scalibr uvlock: {count} files as expected");
}

#[test]
fn osv_scalibr_pylock() {
    let data = shared_data();
    let count = check_dir(
        Format::PyLock,
        &data.join(SCALIBR).join("pylock/testdata"),
        &[
            (
                "commits.toml",
                &[
                    "click ==8.2.1 @8 []",
                    "mleroc skip(version-control URL `git+https://github.com/Veggente/mleroc.git@735093f03c4d8be70bfaaae44074ac92d7419b6d`; not from an index) @15 []",
                    "net-inf-eval skip(local path `.`; not from an index) @20 []",
                    "packaging ==24.2 @24 []",
                    "pathspec ==0.12.1 @31 []",
                    "python-dateutil ==2.9.0.post0 @38 []",
                    "scikit-learn ==1.6.1 @45 []",
                    "tqdm ==4.67.1 @72 []",
                ],
            ),
            ("empty.toml", &["! 1:1 missing `lock-version`; a PEP 751 lockfile must have one"]),
            ("example.toml", &["attrs ==25.1.0 @7 []", "cattrs ==24.1.2 @20 []", "numpy ==2.2.3 @31 []"]),
            ("names-outside-package-block.toml", &["first-pkg ==1.0.0 @7 []", "second-pkg ==2.0.0 @20 []"]),
            ("not-toml.txt", &[NOT_TOML]),
            (
                "pdm-full.toml",
                &[
                    "certifi ==2025.1.31 @11 []",
                    "chardet ==3.0.4 @24 []",
                    "charset-normalizer ==2.0.12 @37 []",
                    "colorama ==0.3.9 @50 []",
                    "idna ==2.7 @63 []",
                    "py ==1.4.34 @76 []",
                    "pytest ==3.2.5 @89 []",
                    "requests ==2.27.1 @102 []",
                    "setuptools ==39.2.0 @115 []",
                    "urllib3 ==1.26.20 @128 []",
                ],
            ),
            (
                "pip-full.toml",
                &[
                    "annotated-types ==0.7.0 @5 []",
                    "packaging ==25.0 @16 []",
                    "pyproject-toml ==0.1.0 @27 []",
                    "setuptools ==80.9.0 @38 []",
                    "wheel ==0.45.1 @49 []",
                ],
            ),
            ("pip-just-self.toml", &["hspaans-github-io skip(local path `.`; not from an index) @4 []"]),
        ],
    );
    eprintln!("osv-scalibr pylock: {count} files as expected");
}

#[test]
fn osv_scalibr_pyproject_toml() {
    let data = shared_data();
    let dir = data.join(SCALIBR).join("pyprojecttoml/testdata");
    let count = check_dir(
        Format::PyprojectToml,
        &dir,
        &[
            ("dynamic_deps.toml", &[]),
            ("empty_deps.toml", &[]),
            ("env_markers.toml", &["requests >=2.20.0 @5 []", "importlib-metadata ==6.0.0 @6 []"]),
            ("extras_syntax.toml", &["flask ==3.1.1 @5 []", "requests >=2.20.0 @6 []"]),
            ("malformed.toml", &[NOT_TOML]),
            ("no_project_table.toml", &[]),
            (
                "optional_deps.toml",
                &[
                    "requests ==2.32.0 @9 []",
                    "pytest >=7.0.0 @14 [dev]",
                    "black ==23.1.0 @15 [dev]",
                    "aiohttp >=3.8.0 @18 [async]",
                ],
            ),
            ("simple_deps.toml", &["requests ==2.32.0 @9 []", "flask >=3.0.0 @10 []", "numpy * @11 []"]),
        ],
    );
    // The two files without dependencies say why in a note.
    for file in ["dynamic_deps.toml", "no_project_table.toml"] {
        let parsed = Format::PyprojectToml.parse(file, &read(&dir.join(file)));
        assert_eq!(parsed.notes.len(), 1, "{file}");
    }
    eprintln!("osv-scalibr pyprojecttoml: {count} files as expected");
}

#[test]
fn pip_audit_pylock_assets() {
    let data = shared_data();
    let dir = data.join("fixtures/pip-audit/test/assets");
    let count = check_dir(
        Format::PyLock,
        &dir,
        &[
            ("pylock.basic.toml", &["attrs ==25.1.0 @7 []", "cattrs ==24.1.2 @20 []", "numpy ==2.2.3 @29 []"]),
            ("pylock.invalid-version.toml", &["! 1:16 unsupported lock-version `666`; osv-lens reads version 1.x"]),
            ("pylock.invalid.toml", &[NOT_TOML]),
            ("pylock.missing-packages.toml", &["! 1:1 missing `packages`; a PEP 751 lockfile must list its packages"]),
            ("pylock.missing-version.toml", &["! 1:1 missing `lock-version`; a PEP 751 lockfile must have one"]),
            (
                "pylock.package-missing-name.toml",
                &[
                    "packages #1 skip(invalid entry: packages #1 has no `name`) @6 []",
                    "! 6:1 packages #1 has no `name`",
                ],
            ),
            ("pylock.skipped.toml", &["attrs skip(no version specified) @7 []"]),
        ],
    );
    // Each file is also detected as a PEP 751 lockfile by its name.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert_eq!(Format::detect(&name, ""), Format::PyLock, "{name}");
    }
    eprintln!("pip-audit pylock assets: {count} files as expected");
}

mod cyclonedx_python {
    //! cyclonedx-python's lockfile inputs against the CycloneDX 1.6 SBOMs it expects from them.

    use super::*;

    pub const DATA: &str = "fixtures/cyclonedx-python/tests/_data";

    /// The `name@version` of every pinned dependency.
    pub fn pinned(parsed: &ParsedFile) -> BTreeSet<String> {
        parsed
            .dependencies
            .iter()
            .filter_map(|dependency| {
                dependency.version.pinned().map(|version| format!("{}@{version}", dependency.name))
            })
            .collect()
    }

    /// Reads an input; a file holding only the name of a sibling `.bin` file (a symbolic link as git stores it on
    /// some systems) is read through it.
    pub fn read_input(path: &Path) -> String {
        let text = read(path);
        let target = text.trim();
        if target.ends_with(".bin") && !target.contains('\n') {
            return read(&path.parent().unwrap().join(target));
        }
        text
    }
}

/// One cyclonedx-python input, the snapshot variant compared with it, and the differences we expect.
struct SbomCase {
    input: &'static str,
    snapshot: &'static str,
    only_ours: &'static [&'static str],
    only_sbom: &'static [&'static str],
    reason: &'static str,
}

/// The honest disagreements: every other input gives exactly the SBOM's pinned PyPI components.
const DISAGREEMENTS: &[SbomCase] = &[
    SbomCase {
        input: "poetry/with-urls/lock10",
        snapshot: "plain_with-urls_lock10",
        only_ours: &[],
        only_sbom: &["numpy@1.24.4"],
        reason: "the lock takes numpy from a `url` source (a files.pythonhosted.org tarball); cyclonedx-py recognises \
                 the host as PyPI, we skip every direct-URL source as pip-audit does",
    },
    SbomCase {
        input: "poetry/with-urls/lock11",
        snapshot: "plain_with-urls_lock11",
        only_ours: &[],
        only_sbom: &["numpy@1.24.4"],
        reason: "as lock10",
    },
    SbomCase {
        input: "poetry/with-urls/lock20",
        snapshot: "plain_with-urls_lock20",
        only_ours: &[],
        only_sbom: &["numpy@1.24.4"],
        reason: "as lock10",
    },
    SbomCase {
        input: "poetry/with-urls/lock21",
        snapshot: "plain_with-urls_lock21",
        only_ours: &[],
        only_sbom: &["numpy@1.24.4"],
        reason: "as lock10",
    },
    SbomCase {
        input: "poetry/regression-issue702/lock10",
        snapshot: "plain_regression-issue702_lock10",
        only_ours: &["httptools@0.6.1", "python-dotenv@1.0.1", "uvloop@0.19.0", "websockets@12.0"],
        only_sbom: &[],
        reason: "locked as non-optional main packages, reached only through `uvicorn[standard]`; cyclonedx-py walks \
                 the tree from pyproject.toml and does not follow that extra in lock formats 1.x (it does from 2.0)",
    },
    SbomCase {
        input: "poetry/regression-issue702/lock11",
        snapshot: "plain_regression-issue702_lock11",
        only_ours: &["httptools@0.6.1", "python-dotenv@1.0.1", "uvloop@0.19.0", "websockets@12.0"],
        only_sbom: &[],
        reason: "as lock10",
    },
    SbomCase {
        input: "poetry/group-deps/lock11",
        snapshot: "plain_group-deps_lock11",
        only_ours: &["colorama@0.4.6"],
        only_sbom: &[],
        reason: "colorama is only in the optional Poetry group `groupA`, which no snapshot variant includes; we read \
                 every locked package",
    },
    SbomCase {
        input: "poetry/group-deps/lock20",
        snapshot: "plain_group-deps_lock20",
        only_ours: &["colorama@0.4.6"],
        only_sbom: &[],
        reason: "as lock11",
    },
    SbomCase {
        input: "poetry/group-deps/lock21",
        snapshot: "plain_group-deps_lock21",
        only_ours: &["colorama@0.4.6"],
        only_sbom: &[],
        reason: "as lock11",
    },
];

/// The optional packages of `with-optionals-no-extra` are in the lock but in no extra, so no cyclonedx-py run lists
/// them; we read every locked package. Checked as: the SBOM is empty and we pin exactly the lock's seven packages.
const OPTIONALS_WITHOUT_EXTRA: [&str; 6] = [
    "boolean-py@4.0",
    "defusedxml@0.7.1",
    "license-expression@30.3.1",
    "packageurl-python@0.16.0",
    "py-serializable@1.1.2",
    "sortedcontainers@2.4.0",
];

#[test]
fn cyclonedx_python_lockfiles_against_their_sboms() {
    let data = shared_data();
    let root = data.join(cyclonedx_python::DATA);
    let mut inputs = Vec::new();
    for kind in ["poetry", "pipenv"] {
        for entry in std::fs::read_dir(root.join("snapshots").join(kind)).unwrap() {
            let file = entry.unwrap().file_name().to_string_lossy().into_owned();
            let stem = file.trim_end_matches("_1.6.json.bin").to_string();
            let (variant, rest) = stem.split_once('_').unwrap();
            let input = if kind == "poetry" {
                let (scenario, lock) = rest.rsplit_once('_').unwrap();
                format!("poetry/{scenario}/{lock}")
            } else {
                format!("pipenv/{rest}")
            };
            inputs.push((input, variant.to_string(), stem));
        }
    }
    // The variant that reads everything the lockfile holds: all extras, all groups or categories.
    let preference = ["all-extras", "with-dev", "some-categories", "plain"];
    let mut chosen: Vec<(String, String)> = Vec::new();
    for (input, _, _) in &inputs {
        if chosen.iter().any(|(known, _)| known == input) {
            continue;
        }
        let snapshot = preference
            .iter()
            .find_map(|variant| inputs.iter().find(|(other, v, _)| other == input && v == variant))
            .map(|(_, _, stem)| stem.clone())
            .unwrap_or_else(|| panic!("no usable snapshot for {input}"));
        chosen.push((input.clone(), snapshot));
    }
    osv_lens::sorting::sort(&mut chosen);
    let (mut equal, mut explained) = (0, 0);
    for (input, snapshot) in &chosen {
        let kind = input.split('/').next().unwrap();
        let (format, file) =
            if kind == "poetry" { (Format::PoetryLock, "poetry.lock") } else { (Format::PipfileLock, "Pipfile.lock") };
        let ours = format.parse(file, &cyclonedx_python::read_input(&root.join("infiles").join(input).join(file)));
        assert!(ours.errors.is_empty(), "{input}: {:?}", ours.errors);
        let sbom_path = root.join("snapshots").join(kind).join(format!("{snapshot}_1.6.json.bin"));
        let sbom = Format::CycloneDx.parse("bom.json", &read(&sbom_path));
        assert!(sbom.errors.is_empty(), "{snapshot}: {:?}", sbom.errors);
        let (our_pins, sbom_pins) = (cyclonedx_python::pinned(&ours), cyclonedx_python::pinned(&sbom));
        let only_ours: Vec<&str> = our_pins.difference(&sbom_pins).map(String::as_str).collect();
        let only_sbom: Vec<&str> = sbom_pins.difference(&our_pins).map(String::as_str).collect();
        // What the SBOM cannot pin (VCS, direct URL, local, no purl) we skip too, under the same name.
        let our_skipped: BTreeSet<&str> =
            ours.dependencies.iter().filter(|dep| !dep.is_auditable()).map(|dep| dep.name.as_str()).collect();
        for dependency in sbom.dependencies.iter().filter(|dep| !dep.is_auditable()) {
            assert!(
                our_skipped.contains(dependency.name.as_str()),
                "{input}: the SBOM skips {} and we do not",
                dependency.name
            );
        }
        if input.contains("with-optionals-no-extra") {
            assert!(sbom_pins.is_empty(), "{snapshot}");
            let expected: Vec<&str> = OPTIONALS_WITHOUT_EXTRA.to_vec();
            let without_cyclonedx_lib: Vec<&str> =
                only_ours.iter().copied().filter(|pin| !pin.starts_with("cyclonedx-python-lib@")).collect();
            assert_eq!(without_cyclonedx_lib, expected, "{input}");
            assert_eq!(only_ours.len(), 7, "{input}");
            explained += 1;
            continue;
        }
        match DISAGREEMENTS.iter().find(|case| case.input == input) {
            Some(case) => {
                assert_eq!(case.snapshot, snapshot, "{input}");
                assert_eq!(
                    (only_ours, only_sbom),
                    (case.only_ours.to_vec(), case.only_sbom.to_vec()),
                    "{input}: {}",
                    case.reason
                );
                explained += 1;
            }
            None => {
                assert_eq!(
                    (only_ours, only_sbom),
                    (Vec::<&str>::new(), Vec::<&str>::new()),
                    "{input} against {snapshot}"
                );
                equal += 1;
            }
        }
    }
    assert_eq!(equal + explained, chosen.len());
    eprintln!(
        "cyclonedx-python: {equal} of {} inputs pin exactly the SBOM's PyPI components; {explained} differ as listed",
        chosen.len()
    );
    assert_eq!((equal, explained), (39, 13), "inputs that agree, inputs with listed disagreements");
}

#[test]
fn cyclonedx_python_snapshots_round_trip() {
    let data = shared_data();
    let root = data.join(cyclonedx_python::DATA).join("snapshots");
    let mut count = 0;
    for kind in ["poetry", "pipenv", "requirements"] {
        for entry in std::fs::read_dir(root.join(kind)).unwrap() {
            let path = entry.unwrap().path();
            let text = read(&path);
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert_eq!(Format::detect("pasted", &text), Format::CycloneDx, "{name}");
            let parsed = Format::CycloneDx.parse(&name, &text);
            assert!(parsed.errors.is_empty(), "{name}: {:?}", parsed.errors);
            // Independently of our parser: every `"purl": "pkg:pypi/…"` in the document, decoded and normalised.
            let document: serde_json::Value = serde_json::from_str(&text).unwrap();
            let mut expected = Vec::new();
            let mut pending: Vec<&serde_json::Value> = vec![&document];
            while let Some(node) = pending.pop() {
                for component in
                    node.get("components").and_then(|components| components.as_array()).into_iter().flatten().rev()
                {
                    pending.push(component);
                }
                if let Some(purl) = node.get("purl").and_then(|purl| purl.as_str()) {
                    expected.push(purl.to_string());
                }
            }
            let described: Vec<String> = parsed
                .dependencies
                .iter()
                .filter(|dep| {
                    !matches!(&dep.version, DependencyVersion::Skipped(osv_lens::model::SkipReason::NotPypi(_)))
                })
                .map(|dep| dep.name.clone())
                .collect();
            let expected_names: Vec<String> = expected
                .iter()
                .map(|purl| {
                    let path = purl.trim_start_matches("pkg:pypi/");
                    let name = path.split(['@', '?', '#']).next().unwrap();
                    osv_lens::model::normalize_name(&name.replace("%2B", "+").replace("%2b", "+"))
                })
                .collect();
            assert_eq!(described, expected_names, "{name}");
            // A pkg:pypi purl without a vcs_url or download_url qualifier is pinned to its own version.
            for (purl, dependency) in expected.iter().zip(parsed.dependencies.iter().filter(|dep| {
                !matches!(&dep.version, DependencyVersion::Skipped(osv_lens::model::SkipReason::NotPypi(_)))
            })) {
                let direct = purl.contains("vcs_url=") || purl.contains("download_url=");
                let version =
                    purl.split_once('@').map(|(_, rest)| rest.split(['?', '#']).next().unwrap().replace("%2B", "+"));
                match (direct, version) {
                    (false, Some(version)) => assert_eq!(dependency.version.to_string(), version, "{name}: {purl}"),
                    _ => assert!(!dependency.is_auditable(), "{name}: {purl}"),
                }
            }
            count += 1;
        }
    }
    eprintln!("cyclonedx-python snapshots read back: {count}");
    assert!(count > 90, "{count}");
}
