//! Every supported format, given as a file and as a paste, yields the same two pinned dependencies with their lines.
//! The browser tests audit the same fixtures end to end (`tests/browser/formats.test.mjs`).

use std::path::Path;

use osv_lens::model::DependencyVersion;
use osv_lens::sources::{parse_files, Format, InputFile};

/// Each fixture, its format, and the lines of its two packages.
const FIXTURES: [(&str, Format, [u32; 2]); 13] = [
    ("requirements.txt", Format::RequirementsTxt, [2, 3]),
    ("poetry.lock", Format::PoetryLock, [4, 13]),
    ("Pipfile.lock", Format::PipfileLock, [9, 12]),
    ("pdm.lock", Format::PdmLock, [9, 15]),
    ("uv.lock", Format::UvLock, [15, 20]),
    ("pylock.toml", Format::PyLock, [5, 9]),
    ("pyproject.toml", Format::PyprojectToml, [5, 9]),
    ("script.py", Format::Pep723Script, [4, 5]),
    ("environment.yml", Format::CondaEnvironment, [8, 9]),
    ("pip-list.json", Format::PipList, [1, 1]),
    ("pip-inspect.json", Format::PipInspect, [5, 6]),
    ("bom.cdx.json", Format::CycloneDx, [6, 7]),
    ("sbom.spdx.json", Format::Spdx, [8, 10]),
];

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/browser").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn pins(file: &InputFile) -> (Format, Vec<(String, String, u32)>) {
    let parsed = parse_files(std::slice::from_ref(file));
    let file = &parsed.files[0];
    assert!(file.errors.is_empty(), "{}: {:?}", file.name, file.errors);
    let pins = file
        .dependencies
        .iter()
        .filter(|dependency| dependency.name.starts_with("osv-lens-demo"))
        .map(|dependency| match &dependency.version {
            DependencyVersion::Pinned(version) => {
                (dependency.name.clone(), version.to_string(), dependency.origin.line)
            }
            other => panic!("{}: {} is not pinned: {other:?}", file.name, dependency.name),
        })
        .collect();
    (file.format, pins)
}

#[test]
fn every_format_reads_as_a_file_and_as_a_paste() {
    for (name, format, lines) in FIXTURES {
        let text = read(name);
        let expected = vec![
            ("osv-lens-demo".to_string(), "1.3.2".to_string(), lines[0]),
            ("osv-lens-demo-clean".to_string(), "1.0".to_string(), lines[1]),
        ];
        assert_eq!(pins(&InputFile::new(name, text.clone())), (format, expected.clone()), "{name} as a file");
        assert_eq!(pins(&InputFile::new("pasted", text)), (format, expected), "{name} pasted");
    }
}
