//! pip requirements files checked against the structured parses in aboutcode-org/pip-requirements-parser's test
//! data (`*-expected.json`): for every requirement, the name, specifiers, pin, extras, marker, editable, URL/VCS/path
//! kind and line, and the file's requirements with hashes; for every option line and invalid line, that osv-lens notes
//! it at that line.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::str::FromStr;

use osv_lens::model::{normalize_name, Dependency, DependencyVersion, SkipReason};
use osv_lens::pep440_rs::VersionSpecifiers;
use osv_lens::sources::{parse_files, InputFile, NoteLevel, ParsedFile};
use pep508_rs::{ExtraName, MarkerTree};
use serde_json::Value;

/// Lines where osv-lens deliberately reads something other than pip-requirements-parser, and why. The test fails
/// when this list is not exactly the set of lines that disagree, so a fix or a regression is noticed.
const DISAGREEMENTS: &[(&str, &[u32], &str)] = &[
    (
        "ministryofjustice-elasticsearch-formula-formula-requirements.txt",
        &[1, 2, 3, 4, 5, 6, 7],
        "`git@github.com:org/repo.git==v1.0.0` lines: pip reads `git @ github.com:…`, whose URL has no host, and \
         refuses them (packaging: invalid URL), as osv-lens does; they take them as local paths",
    ),
    (
        "pvernier-elpaso-requirements.txt",
        &[11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24],
        "`beautifulsoup4==4.5.*`: they count a `==X.*` wildcard as pinned; it admits many versions, so it is a range",
    ),
    (
        "requirement-parser-issues.txt",
        &[46, 47],
        "`psycopg2>=2.7.4 --no-binary psycopg2`: they reject a global option on a requirement line; pip accepts \
         the line and ignores the option, so osv-lens keeps the requirement and warns about the option",
    ),
    (
        "requirementslib-tests.txt",
        &[19, 39],
        "`FooProject==1.2 --hash=…\"` (unclosed quote in the options): pip stops, they drop the line; osv-lens \
         keeps the requirement and warns. `git+git@host:user/repo.git#egg=myname`: not a URL pip knows and not a \
         valid requirement, so pip and osv-lens reject it; they keep it",
    ),
    (
        "vcs-git-requirements.txt",
        &[12, 13, 14],
        "`git://host/repo.git@tag#egg=name`: `git` is one of pip's VCS schemes, so it is a VCS URL; they call it \
         a local path",
    ),
    (
        "vcs_git.txt",
        &[12, 13, 14],
        "`git://host/repo.git@tag#egg=name`: `git` is one of pip's VCS schemes, so it is a VCS URL; they call it \
         a local path",
    ),
];

#[test]
fn requirements_match_pip_requirements_parser() {
    let root = common::fixtures("pip-requirements-parser/tests");
    let inputs = common::files_under(&root, &|path| {
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("");
        !name.contains("-expected") && Path::new(&format!("{}-expected.json", path.display())).is_file()
    });
    let mut disagreeing: BTreeSet<(String, u32)> = BTreeSet::new();
    let mut disagreeing_files = BTreeSet::new();
    let mut requirement_count = 0;
    for input in &inputs {
        let expected_path = format!("{}-expected.json", input.display());
        let expected: Value = serde_json::from_str(&std::fs::read_to_string(&expected_path).expect("readable"))
            .unwrap_or_else(|error| panic!("{expected_path}: {error}"));
        let file_name = input.file_name().and_then(|name| name.to_str()).unwrap_or("").to_string();
        let text = String::from_utf8_lossy(&std::fs::read(input).expect("readable fixture")).into_owned();
        let parsed = parse_files(&[InputFile::new(file_name.clone(), text)]).files.remove(0);
        requirement_count += expected["requirements"].as_array().map_or(0, Vec::len);
        for (line, problem) in compare(&parsed, &expected).into_iter().chain(compare_hashes(&parsed, &expected)) {
            eprintln!("{file_name}:{line}: {problem}");
            disagreeing.insert((file_name.clone(), line));
            disagreeing_files.insert(file_name.clone());
        }
    }
    let checked = inputs.len();
    eprintln!(
        "pip-requirements-parser: {} of {checked} files agree on every line ({requirement_count} requirements); \
         {} lines disagree, in {} files",
        checked - disagreeing_files.len(),
        disagreeing.len(),
        disagreeing_files.len()
    );
    assert_eq!(checked, 91, "the 91 fixture files with an -expected.json");
    let listed: BTreeSet<(String, u32)> =
        DISAGREEMENTS.iter().flat_map(|(file, lines, _)| lines.iter().map(|&line| (file.to_string(), line))).collect();
    assert_eq!(disagreeing, listed, "the lines that disagree are not the ones listed in DISAGREEMENTS");
}

fn is_invalid(dependency: &Dependency) -> bool {
    matches!(dependency.version, DependencyVersion::Skipped(SkipReason::InvalidEntry(_)))
}

/// Every disagreement between our parse and theirs, as (line, what).
fn compare(parsed: &ParsedFile, expected: &Value) -> Vec<(u32, String)> {
    let mut problems = Vec::new();
    let ours: Vec<&Dependency> = parsed.dependencies.iter().filter(|dependency| !is_invalid(dependency)).collect();
    let theirs = expected["requirements"].as_array().cloned().unwrap_or_default();
    for requirement in &theirs {
        let line = line_number(&requirement["requirement_line"]);
        match ours.iter().find(|dependency| dependency.origin.line == line) {
            Some(dependency) => {
                for problem in compare_requirement(dependency, requirement) {
                    problems.push((line, problem));
                }
            }
            None => problems.push((line, "a requirement for them, none for us".to_string())),
        }
    }
    for dependency in &ours {
        let line = dependency.origin.line;
        if !theirs.iter().any(|requirement| line_number(&requirement["requirement_line"]) == line) {
            problems.push((line, format!("`{}` is a requirement for us, not for them", dependency.name)));
        }
    }
    // Every invalid line of theirs is an invalid entry or a warning of ours, and every invalid entry of ours is an
    // invalid line of theirs.
    let their_invalid: BTreeSet<u32> =
        expected["invalid_lines"].as_array().into_iter().flatten().map(line_number).collect();
    let our_invalid: BTreeSet<u32> = parsed
        .dependencies
        .iter()
        .filter(|dependency| is_invalid(dependency))
        .map(|dependency| dependency.origin.line)
        .chain(parsed.errors.iter().map(|error| error.line))
        .collect();
    let our_warnings: BTreeSet<u32> =
        parsed.notes.iter().filter(|note| note.level == NoteLevel::Warning).map(|note| note.origin.line).collect();
    for &line in &their_invalid {
        if !our_invalid.contains(&line) && !our_warnings.contains(&line) {
            problems.push((line, "invalid for them, neither an error nor a warning for us".to_string()));
        }
    }
    for &line in our_invalid.difference(&their_invalid) {
        problems.push((line, "an error for us, valid for them".to_string()));
    }
    for option in expected["options"].as_array().into_iter().flatten() {
        let line = line_number(option);
        if !parsed.notes.iter().any(|note| note.origin.line == line) {
            problems.push((line, "an option line without a note".to_string()));
        }
    }
    problems
}

fn line_number(value: &Value) -> u32 {
    value["line_number"].as_u64().and_then(|line| u32::try_from(line).ok()).unwrap_or(0)
}

fn compare_requirement(dependency: &Dependency, requirement: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let flag = |key: &str| requirement[key].as_bool().unwrap_or(false);
    let link = requirement["link"].as_str();
    let reason = match &dependency.version {
        DependencyVersion::Skipped(reason) => Some(reason),
        _ => None,
    };

    // Name: theirs when they have one; otherwise the link as written (they normalise some paths, so the text of
    // the line will do), or the project of a wheel file.
    let line_text = requirement["requirement_line"]["line"].as_str().unwrap_or("");
    match (requirement["name"].as_str(), link) {
        (Some(name), _) if normalize_name(name) != dependency.name => {
            problems.push(format!("name `{}`, theirs `{name}`", dependency.name))
        }
        (None, Some(link))
            if dependency.name != link
                && !line_text.contains(&dependency.name)
                && Some(dependency.name.clone()) != wheel_project(link) =>
        {
            problems.push(format!("name `{}`, theirs has none (link `{link}`)", dependency.name))
        }
        _ => {}
    }

    // Kind: editable, VCS, URL, local path, or an index requirement.
    let kind = match reason {
        Some(SkipReason::Editable) => "editable",
        Some(SkipReason::Vcs(_)) => "vcs",
        Some(SkipReason::Url(_)) => "url",
        Some(SkipReason::LocalPath(_)) => "path",
        Some(_) => "other-skip",
        None => "index",
    };
    let their_kind = if flag("is_editable") {
        "editable"
    } else if link.is_none() {
        "index"
    } else if flag("is_vcs_url") {
        "vcs"
    } else if flag("is_url") && !link.is_some_and(|link| link.to_ascii_lowercase().starts_with("file:")) {
        "url"
    } else {
        "path"
    };
    if kind != their_kind {
        problems.push(format!("{kind}, theirs {their_kind}"));
    }

    // Pin and specifiers.
    let their_specifiers: Vec<String> = requirement["specifier"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(String::from))
        .collect();
    let is_pinned = matches!(dependency.version, DependencyVersion::Pinned(_));
    // pip reads a link as `name==version` from a wheel's file name or an `#egg=name==1.0` fragment; osv-lens skips
    // every link, as a file at a URL or path may not be the one on PyPI (the name is still checked above).
    let their_pin = flag("is_pinned") && link.is_none();
    if is_pinned != their_pin {
        problems.push(format!("pinned: {is_pinned}, theirs {}", flag("is_pinned")));
    }
    if kind == "index" {
        let theirs = VersionSpecifiers::from_str(&their_specifiers.join(","));
        match (&dependency.version, theirs) {
            (DependencyVersion::Pinned(version), Ok(theirs)) => {
                let single: Vec<_> = theirs.iter().collect();
                if single.len() != 1 || single[0].version() != version {
                    problems.push(format!("pinned to {version}, theirs {their_specifiers:?}"));
                }
            }
            (DependencyVersion::Range(ours), Ok(theirs)) => {
                if sorted_specifiers(ours) != sorted_specifiers(&theirs) {
                    problems.push(format!("specifiers `{ours}`, theirs {their_specifiers:?}"));
                }
            }
            (_, Err(error)) => problems.push(format!("their specifiers {their_specifiers:?} do not parse: {error}")),
            (DependencyVersion::Skipped(_), _) => {}
        }
    }

    // Extras and marker.
    let mut their_extras: Vec<String> = requirement["extras"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|extra| extra.as_str())
        .map(|extra| ExtraName::new(extra.to_string()).map_or(extra.to_string(), |extra| extra.to_string()))
        .collect();
    osv_lens::sorting::sort(&mut their_extras);
    let mut our_extras = dependency.extras.clone();
    osv_lens::sorting::sort(&mut our_extras);
    if our_extras != their_extras {
        problems.push(format!("extras {our_extras:?}, theirs {their_extras:?}"));
    }
    match (&dependency.marker, requirement["marker"].as_str()) {
        (None, None) => {}
        (Some(ours), Some(theirs)) => {
            let same = match (MarkerTree::from_str(ours), MarkerTree::from_str(theirs)) {
                (Ok(ours), Ok(theirs)) => ours == theirs,
                _ => false,
            };
            if !same {
                problems.push(format!("marker `{ours}`, theirs `{theirs}`"));
            }
        }
        (ours, theirs) => problems.push(format!("marker {ours:?}, theirs {theirs:?}")),
    }

    // Hashes are checked for the whole file, in `compare_hashes`.
    problems
}

/// The requirements with `--hash` options: the one note for the file counts exactly the requirements they saw
/// hashes on, and sits on the first of them.
fn compare_hashes(parsed: &ParsedFile, expected: &Value) -> Option<(u32, String)> {
    let hashed: Vec<u32> = expected["requirements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|requirement| requirement["hash_options"].as_array().is_some_and(|hashes| !hashes.is_empty()))
        .map(|requirement| line_number(&requirement["requirement_line"]))
        .collect();
    let note = parsed.notes.iter().find(|note| note.message.starts_with("`--hash` on "));
    let counted = note.and_then(|note| {
        note.message.trim_start_matches("`--hash` on ").split(' ').next().and_then(|count| count.parse::<usize>().ok())
    });
    let first = hashed.iter().min().copied();
    // The first hashed requirement's lines: up to the next requirement they read.
    let next = expected["requirements"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|requirement| line_number(&requirement["requirement_line"]))
        .filter(|&line| first.is_some_and(|first| line > first))
        .min()
        .unwrap_or(u32::MAX);
    match (note, first) {
        (None, None) => None,
        (Some(note), Some(first)) if counted == Some(hashed.len()) && (first..next).contains(&note.origin.line) => None,
        (note, first) => Some((
            first.unwrap_or_else(|| note.map_or(0, |note| note.origin.line)),
            format!("hash note {:?}, theirs {} hashed requirements", note.map(|note| &note.message), hashed.len()),
        )),
    }
}

fn sorted_specifiers(specifiers: &VersionSpecifiers) -> Vec<String> {
    let mut all: Vec<String> = specifiers.iter().map(ToString::to_string).collect();
    osv_lens::sorting::sort(&mut all);
    all
}

/// The normalised project of a wheel link (`…/name-1.0-py3-none-any.whl`).
fn wheel_project(link: &str) -> Option<String> {
    let file = link.split(['#', '?']).next()?.rsplit('/').next()?;
    file.to_ascii_lowercase().ends_with(".whl").then(|| normalize_name(file.split('-').next().unwrap_or("")))
}
