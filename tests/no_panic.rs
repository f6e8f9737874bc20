//! No input may panic or hang: truncated and garbled versions of every fixture go through every parser.
//! (pep508_rs 0.9.2 panics on some inputs; every parser reaches it through the guards in `sources::pep508`.)

mod common;

use std::path::{Path, PathBuf};

use osv_lens::sources::{parse_files, Format, InputFile};

const FORMATS: [Format; 13] = [
    Format::RequirementsTxt,
    Format::PoetryLock,
    Format::PipfileLock,
    Format::PdmLock,
    Format::UvLock,
    Format::PyLock,
    Format::PyprojectToml,
    Format::Pep723Script,
    Format::CondaEnvironment,
    Format::PipList,
    Format::PipInspect,
    Format::CycloneDx,
    Format::Spdx,
];

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Cuts at evenly spaced places, and single characters replaced by TOML, JSON and YAML punctuation.
fn variants(text: &str) -> Vec<String> {
    let boundaries: Vec<usize> = text.char_indices().map(|(at, _)| at).chain([text.len()]).collect();
    let pick = |count: usize| -> Vec<usize> {
        (0..count).map(|step| boundaries[step * (boundaries.len() - 1) / count.max(1)]).collect()
    };
    let mut out: Vec<String> = pick(24).into_iter().map(|cut| text[..cut].to_string()).collect();
    for (round, at) in pick(16).into_iter().enumerate() {
        let garble =
            ["[", "{", "\"", "\n", "#", "=", "]", "}", "'", "- ", ":", "\\", "[[", "\u{0}", "é", ","][round % 16];
        let next = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        out.push(format!("{}{garble}{}", &text[..at], &text[next..]));
    }
    out.push(format!("{}{text}", "[".repeat(5000)));
    out.push(format!("{text}{}", "{\"a\":".repeat(5000)));
    out
}

fn check_all(path: &Path) -> usize {
    let Ok(text) = std::fs::read_to_string(path) else { return 0 };
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut count = 0;
    for variant in variants(&text) {
        for format in FORMATS {
            let parsed = format.parse(&name, &variant);
            for error in &parsed.errors {
                assert!(error.line >= 1 && error.column >= 1, "{name} as {format:?}: {error:?}");
            }
            count += 1;
        }
        if Format::detect(&name, &variant) != Format::RequirementsTxt {
            let _ = parse_files(&[InputFile::new(name.clone(), variant)]);
        }
    }
    count
}

#[test]
fn own_fixtures_truncated_and_garbled_never_panic() {
    let mut files = Vec::new();
    files_under(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"), &mut files);
    assert!(files.len() > 20);
    let parses: usize = files.iter().map(|path| check_all(path)).sum();
    eprintln!("{parses} parses of {} own fixtures' variants", files.len());
}

#[test]
fn peer_fixtures_truncated_and_garbled_never_panic() {
    let data = common::shared_data();
    let mut files = Vec::new();
    for dir in ["poetrylock", "pipfilelock", "pdmlock", "uvlock", "pylock", "pyprojecttoml"] {
        files_under(&data.join("fixtures/osv-scalibr/extractor/filesystem/language/python").join(dir), &mut files);
    }
    files_under(&data.join("fixtures/pip-audit/test/assets"), &mut files);
    let cyclonedx = data.join("fixtures/cyclonedx-python/tests/_data");
    files.push(cyclonedx.join("infiles/pipenv/with-urls/Pipfile.lock"));
    files.push(cyclonedx.join("infiles/poetry/with-urls/lock20/poetry.lock"));
    files.push(cyclonedx.join("snapshots/pipenv/plain_with-urls_1.6.json.bin"));
    let parses: usize = files.iter().map(|path| check_all(path)).sum();
    eprintln!("{parses} parses of {} peer fixtures' variants", files.len());
}

#[test]
fn requirements_txt_survives_a_name_ending_in_punctuation() {
    for text in ["page. ==1\n", "lock- x\n", "a_ (\n"] {
        let parsed = Format::RequirementsTxt.parse("requirements.txt", text);
        assert_eq!(parsed.errors.len(), 1, "{text:?}");
    }
}
