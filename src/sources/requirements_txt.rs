//! pip requirements files: `requirements.txt`, constraints files, and the output of `pip freeze` and `pip-compile`.
//!
//! The file is read as pip 25 reads it (`pip/_internal/req/req_file.py`), so that what osv-lens audits is what pip
//! would install:
//!
//! ```text
//! file        = line*
//! line        = (requirement options? | options)? comment?     (joined at a trailing `\`, comments cut after)
//! requirement = PEP 508 specifier [";" marker] | URL ["; " marker] | path[extras] [";" marker]
//! options     = words split like a shell; the first word starting with `-` begins them
//! comment     = "#" at the start of a line or after whitespace, to the end of the line
//! ```
//!
//! Supported:
//! - PEP 508 lines with extras, markers and `name @ url` (pep508_rs); `==`/`===` without a wildcard are pins,
//!   every other specifier is a range.
//! - `\` continuations (a dependency's origin is where its text starts), `#` comments, blank lines, CRLF, a UTF-8
//!   byte order mark, tabs.
//! - Every option pip accepts here, with `=value` or a separate value, abbreviated long names and attached short
//!   values (optparse's rules). None changes what is audited: each becomes a [`SourceNote`] at its place. Unknown
//!   options, for which pip would refuse the file, become warnings.
//! - `-e`, local paths, archive and VCS URLs and `name @ url` become skipped dependencies ([`SkipReason`]), named by
//!   `#egg=`, `name @` or a wheel's file name when one is known.
//! - `-r` and `-c` are resolved among the files given together ([`parse_files`](super::parse_files) does it); each
//!   file's dependencies stay under that file.
//!
//! Unsupported, by design: `${VAR}` references are kept as written (with a warning), because the page has no
//! environment; included files are never fetched from URLs or read from disk.
//!
//! [`SkipReason`]: crate::model::SkipReason

mod includes;
mod lines;
mod options;
mod requirement;
#[cfg(test)]
mod tests;

pub(crate) use includes::{resolve_includes, Include};

use std::borrow::Cow;

use super::{Format, LineIndex, NoteLevel, ParsedFile, SourceNote};
use lines::LogicalLine;
use options::{OptionItem, OptionKind, OptionSpec};
use requirement::{redact_credentials, Place};

/// Parses a requirements file. Its `-r` and `-c` lines need the other files given with it:
/// [`parse_files`](super::parse_files) resolves them.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    parse_with_includes(file_name, text).0
}

/// Parses a requirements file and returns its `-r` and `-c` lines too, in one pass over the file.
pub(crate) fn parse_with_includes(file_name: &str, text: &str) -> (ParsedFile, Vec<Include>) {
    parse_indexed(file_name, &LineIndex::new(text))
}

/// [`parse_with_includes`] over a text whose lines were already indexed.
pub(crate) fn parse_indexed(file_name: &str, index: &LineIndex<'_>) -> (ParsedFile, Vec<Include>) {
    let mut parsed = ParsedFile::new(file_name, Format::RequirementsTxt);
    let mut includes = Vec::new();
    let valid_markers = std::cell::RefCell::default();
    for line in lines::logical_lines(index) {
        let place = Place { file: file_name, index, line: &line, valid_markers: &valid_markers };
        includes.extend(read_line(&place, &mut parsed));
    }
    collapse_hash_notes(&mut parsed);
    crate::sorting::sort_by_key(&mut parsed.notes, |note| (note.origin.line, note.origin.column));
    (parsed, includes)
}

/// The start of the note on a line's `--hash` options.
const HASH_NOTE: &str = "option `--hash`";

/// A pip-compile file has `--hash` on every requirement: one note for the file says what they mean for a fix,
/// instead of one per line.
fn collapse_hash_notes(parsed: &mut ParsedFile) {
    // The per-requirement notes only: a misplaced `--hash` keeps its warning.
    let is_hash_note = |note: &SourceNote| note.level == NoteLevel::Info && note.message.starts_with(HASH_NOTE);
    let Some(first) = parsed.notes.iter().position(is_hash_note) else { return };
    let lines = parsed.notes.iter().filter(|note| is_hash_note(note)).count();
    let origin = parsed.notes[first].origin.clone();
    parsed.notes.retain(|note| !is_hash_note(note));
    let message = format!(
        "`--hash` on {}: pip installs only files with these hashes, so a new version needs new ones; recompile the \
         file (`pip-compile --generate-hashes`) rather than edit it",
        crate::report::counted(lines, "line", "lines")
    );
    parsed.notes.push(SourceNote { origin, level: NoteLevel::Info, message });
}

/// What a line holds besides its options.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A requirement (`pkg==1.0 --hash=…`).
    Requirement,
    /// An editable install (`-e path`).
    Editable,
    /// Options only (`--index-url …`, `-r other.txt`).
    Options,
}

/// A logical line split into the end of its requirement text (0 when there is none) and its options.
struct SplitLine<'a> {
    requirement_end: usize,
    options: Vec<OptionItem<'a>>,
    /// Why the options could not be split into words, and where.
    options_error: Option<options::SplitError>,
}

fn split_line<'a>(line: &'a LogicalLine<'_>) -> SplitLine<'a> {
    let options_at = options::options_start(&line.text);
    let requirement_end = line.text[..options_at].trim_end().len();
    match options::split_words(&line.text, options_at) {
        Ok(words) => SplitLine { requirement_end, options: options::read_options(&words), options_error: None },
        Err(error) => SplitLine { requirement_end, options: Vec::new(), options_error: Some(error) },
    }
}

/// Reads one logical line into `parsed`; returns its include, when it is a `-r` or `-c` line.
fn read_line(place: &Place<'_>, parsed: &mut ParsedFile) -> Option<includes::Include> {
    note_environment_variables(place, parsed);
    let split = split_line(place.line);
    if let Some(error) = &split.options_error {
        let message = format!("cannot split the options into words ({}); pip would stop here", error.message);
        note(place, parsed, error.at, NoteLevel::Warning, message);
    }
    let first_editable = split.options.iter().find_map(|item| match item {
        OptionItem::Known { spec, value: Some(value), start, .. } if spec.kind == OptionKind::Editable => {
            Some((value.to_string(), *start))
        }
        _ => None,
    });
    let (role, name) = if split.requirement_end > 0 {
        (Role::Requirement, push(parsed, requirement::requirement(place, 0, split.requirement_end)))
    } else if let Some((value, start)) = first_editable {
        (Role::Editable, push(parsed, requirement::editable(place, &value, start)))
    } else {
        (Role::Options, String::new())
    };
    note_options(place, parsed, &split.options, role, &name);
    (role == Role::Options).then(|| include_of(place, &split.options)).flatten()
}

/// The file an options-only line includes, as pip reads it: the first `-r`, or without one the first `-c`.
fn include_of(place: &Place<'_>, options: &[OptionItem]) -> Option<includes::Include> {
    let known = |kind: OptionKind| {
        options.iter().find_map(|item| match item {
            OptionItem::Known { spec, value: Some(value), start, .. } if spec.kind == kind => Some((value, *start)),
            _ => None,
        })
    };
    let (include, constraint) = match known(OptionKind::Requirement) {
        Some(include) => (include, false),
        None => (known(OptionKind::Constraint)?, true),
    };
    let (target, start) = include;
    let origin = place.index.origin(place.file, place.line.offset(start));
    Some(includes::Include { target: target.to_string(), constraint, origin })
}

fn push(parsed: &mut ParsedFile, outcome: requirement::Parsed) -> String {
    let name = outcome.dependency.name.clone();
    parsed.dependencies.push(outcome.dependency);
    parsed.errors.extend(outcome.error);
    name
}

/// Notes every option of a line: what pip does with it and that the audit does not use it.
fn note_options(place: &Place<'_>, parsed: &mut ParsedFile, items: &[OptionItem], role: Role, name: &str) {
    let mut first_include = true;
    let mut first_editable = true;
    let has_requirement_option =
        items.iter().any(|item| matches!(item, OptionItem::Known { spec, .. } if spec.kind == OptionKind::Requirement));
    for item in items {
        match item {
            OptionItem::Known { spec, value, start, .. } => {
                let option = spec.name();
                match (spec.kind, role) {
                    (OptionKind::Requirement | OptionKind::Constraint, Role::Options) => {
                        let read = first_include && (spec.kind == OptionKind::Requirement || !has_requirement_option);
                        if read {
                            first_include = false;
                        } else {
                            let message = format!("pip reads one file per line; `{option}` is ignored here");
                            note(place, parsed, *start, NoteLevel::Warning, message);
                        }
                    }
                    (OptionKind::Editable, Role::Editable) if first_editable => first_editable = false,
                    (OptionKind::Editable, Role::Editable) => {
                        let message = format!("pip reads one `{option}` per line; `{}` is ignored", value_text(value));
                        note(place, parsed, *start, NoteLevel::Warning, message);
                    }
                    (OptionKind::Index, Role::Options) => {
                        let message = format!(
                            "option `{option}`{} is not used by the audit: packages are looked up by name in OSV",
                            shown_value(value)
                        );
                        note(place, parsed, *start, NoteLevel::Info, message);
                    }
                    (OptionKind::Install, Role::Options) => {
                        let message =
                            format!("option `{option}`{} only changes how pip installs; not used", shown_value(value));
                        note(place, parsed, *start, NoteLevel::Info, message);
                    }
                    // Noted once per option name, below.
                    (OptionKind::PerRequirement, _) if applies_per_requirement(spec, role) => {}
                    (OptionKind::PerRequirement, Role::Options) => {
                        let message = format!("option `{option}` without a requirement is ignored by pip");
                        note(place, parsed, *start, NoteLevel::Warning, message);
                    }
                    _ => {
                        let message = format!("option `{option}` has no effect on a requirement line (pip ignores it)");
                        note(place, parsed, *start, NoteLevel::Warning, message);
                    }
                }
            }
            OptionItem::Invalid { message, start } => {
                let message = format!("{message}; pip would stop here, osv-lens ignores it");
                note(place, parsed, *start, NoteLevel::Warning, message);
            }
            OptionItem::Stray { text, start } => {
                let message = match role {
                    Role::Options => {
                        format!("`{text}` follows an option and is ignored by pip; give it a line of its own")
                    }
                    Role::Requirement | Role::Editable => format!("`{text}` after the options is ignored by pip"),
                };
                note(place, parsed, *start, NoteLevel::Warning, message);
            }
        }
    }
    note_per_requirement_options(place, parsed, items, role, name);
}

/// Whether `spec` is a per-requirement option that pip applies on a line of this role: any of them to a requirement,
/// only `--config-settings` to an editable install.
fn applies_per_requirement(spec: &OptionSpec, role: Role) -> bool {
    spec.kind == OptionKind::PerRequirement
        && match role {
            Role::Requirement => true,
            Role::Editable => spec.name() == "--config-settings",
            Role::Options => false,
        }
}

/// Per-requirement options repeat (one `--hash` per wheel): one note per option name and line, at its first use.
fn note_per_requirement_options(
    place: &Place<'_>,
    parsed: &mut ParsedFile,
    items: &[OptionItem],
    role: Role,
    name: &str,
) {
    let per_requirement = |item: &OptionItem| match item {
        OptionItem::Known { spec, .. } if applies_per_requirement(spec, role) => Some(spec.name()),
        _ => None,
    };
    for (index, item) in items.iter().enumerate() {
        let (Some(option), OptionItem::Known { start, .. }) = (per_requirement(item), item) else { continue };
        if items[..index].iter().any(|earlier| per_requirement(earlier) == Some(option)) {
            continue;
        }
        let count = items[index..].iter().filter(|later| per_requirement(later) == Some(option)).count();
        // Joined rather than formatted: a pip-compile file has one of these per requirement.
        let values = if count == 1 { String::new() } else { format!(" ({count} values)") };
        let message =
            ["option `", option, "`", &values, " only changes how pip installs `", name, "`; not used"].concat();
        note(place, parsed, *start, NoteLevel::Info, message);
    }
}

fn value_text(value: &Option<Cow<'_, str>>) -> String {
    value.as_deref().map(redact_credentials).unwrap_or_default()
}

fn shown_value(value: &Option<Cow<'_, str>>) -> String {
    match value {
        Some(value) => format!(" `{}`", redact_credentials(value)),
        None => String::new(),
    }
}

/// Warns about `${NAME}` references (pip's `\$\{[A-Z0-9_]+\}`): pip would substitute them from the environment,
/// which the page does not have.
fn note_environment_variables(place: &Place<'_>, parsed: &mut ParsedFile) {
    if !place.line.may_hold_variable {
        return;
    }
    let text = &place.line.text;
    let mut from = 0;
    // A `$` is searched (a byte search), then the `{` after it checked: most lines have neither.
    while let Some(found) = text[from..].find('$') {
        let start = from + found;
        if !text[start + 1..].starts_with('{') {
            from = start + 1;
            continue;
        }
        let name_start = start + 2;
        let name_len = text[name_start..].find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'));
        from = name_start;
        if let Some(name_len) = name_len.filter(|&len| len > 0 && text[name_start + len..].starts_with('}')) {
            let variable = &text[start..name_start + name_len + 1];
            let message = format!("`{variable}` is kept as written; pip would replace it with the environment's value");
            note(place, parsed, start, NoteLevel::Warning, message);
        }
    }
}

fn note(place: &Place<'_>, parsed: &mut ParsedFile, at: usize, level: NoteLevel, message: String) {
    let origin = place.index.origin(place.file, place.line.offset(at));
    parsed.notes.push(SourceNote { origin, level, message });
}

/// Where the parts of one logical line of a requirements file sit, for the fix plan's patched file, which changes
/// a requirement's specifier in place.
#[derive(Debug, Clone)]
pub(crate) struct LineLayout<'a> {
    /// The logical line: continuations joined, the comment cut, trimmed; never empty.
    line: LogicalLine<'a>,
    /// Where the requirement ends in the text (0 when the line holds only options).
    pub requirement_end: usize,
    /// The spans in the text of the line's `--hash` options, each with its value.
    pub hashes: Vec<(usize, usize)>,
}

impl LineLayout<'_> {
    /// The logical line's text.
    pub fn text(&self) -> &str {
        &self.line.text
    }

    /// The file offset of byte `index` of the text; the text's length gives the place just past its last byte.
    pub fn offset(&self, index: usize) -> usize {
        self.line.offset(index)
    }
}

/// The layout of every logical line of a requirements file, in order.
pub(crate) fn line_layouts(text: &str) -> Vec<LineLayout<'_>> {
    lines::logical_lines(&LineIndex::new(text))
        .into_iter()
        .map(|line| {
            let split = split_line(&line);
            let hashes = split
                .options
                .iter()
                .filter_map(|item| match item {
                    OptionItem::Known { spec, start, end, .. } if spec.name() == "--hash" => Some((*start, *end)),
                    _ => None,
                })
                .collect();
            let requirement_end = split.requirement_end;
            LineLayout { line, requirement_end, hashes }
        })
        .collect()
}
