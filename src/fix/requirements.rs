//! A patched requirements file: only version specifiers change. Comments, options, markers, extras, line endings
//! and the order of lines stay as they were. A changed requirement loses its `--hash` options, since a hash pins
//! the exact file of the old version; the patch says so.
//!
//! Each edit names a requirement by its origin (where its text starts, as the parser reported it), so
//! continuation lines are followed: the specifier and the hashes may sit on any physical line of the requirement.

use std::str::FromStr;

use pep508_rs::pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};

use super::specifier::{raise_lower_bound, SpecifierStyle};
use crate::sources::pep508::specifier_span;
use crate::sources::requirements_txt::{line_layouts, LineLayout};
use crate::sources::LineIndex;

/// What a requirement's specifier becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewSpecifier {
    /// A pin to this version: the version of an `==`/`===` pin is replaced, operator and spacing kept.
    Pin(Version),
    /// A range whose lower bound rises to this version.
    LowerBound(Version),
    /// Exactly these clauses, written in the style of the old specifier.
    Clauses(Vec<VersionSpecifier>),
}

/// One change: the requirement whose text starts at `line`:`column` gets a new specifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecifierEdit {
    /// 1-based line of the requirement's origin.
    pub line: u32,
    /// 1-based column of the requirement's origin.
    pub column: u32,
    /// The new specifier.
    pub new: NewSpecifier,
}

/// The kind of a line of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffLineKind {
    /// Unchanged, shown for context.
    Context,
    /// Only in the old file.
    Removed,
    /// Only in the new file.
    Added,
    /// Unchanged lines left out.
    Gap,
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    /// What kind of line.
    pub kind: DiffLineKind,
    /// The 1-based line number in the old file (removed and context lines).
    pub old: Option<u32>,
    /// The 1-based line number in the new file (added and context lines).
    pub new: Option<u32>,
    /// The text, without its line ending.
    pub text: String,
}

/// The patched file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchedFile {
    /// The new text.
    pub text: String,
    /// The changes, with two lines of context.
    pub diff: Vec<DiffLine>,
    /// Remarks: hashes removed, requirements that could not be found.
    pub notes: Vec<String>,
    /// Requirements changed.
    pub changed: usize,
}

/// A replacement of the file's bytes `start..end`.
struct Splice {
    start: usize,
    end: usize,
    text: String,
}

/// The physical lines `first..=last` (0-based) rewritten.
struct Group {
    first: usize,
    last: usize,
    splices: Vec<Splice>,
}

/// Applies `edits` to the requirements file `text`.
pub fn patch_requirements(text: &str, edits: &[SpecifierEdit]) -> PatchedFile {
    let index = LineIndex::new(text);
    let layouts = line_layouts(text);
    let starts = line_starts(text);
    let mut notes = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut hashes_left_elsewhere = false;
    // Where each logical line starts, as the dependencies' origins give it.
    let positions: Vec<(u32, u32)> = layouts.iter().map(|layout| index.position(layout.offset(0))).collect();
    for (layout, &(line, column)) in layouts.iter().zip(&positions) {
        let start = layout.offset(0);
        let edit = edits.iter().find(|edit| edit.line == line && edit.column == column);
        let Some(edit) = edit else {
            hashes_left_elsewhere |= !layout.hashes.is_empty();
            continue;
        };
        let Some(splices) = splices(layout, &edit.new) else {
            notes.push(format!("line {line}: the version specifier could not be found; left unchanged"));
            continue;
        };
        let removed = layout.hashes.len();
        if removed > 0 {
            notes.push(format!(
                "line {line}: {removed} {} removed: a hash pins the exact file of the old version. Add the new \
                 version's hashes (`pip hash`, or `pip-compile --generate-hashes`) before installing with hashes",
                if removed == 1 { "hash" } else { "hashes" }
            ));
        }
        let last_byte = layout.offset(layout.text().len() - 1);
        groups.push(Group { first: line_of(&starts, start), last: line_of(&starts, last_byte), splices });
    }
    if hashes_left_elsewhere && notes.iter().any(|note| note.contains("removed: a hash")) {
        notes.push(
            "Other requirements in this file keep their hashes, so pip checks hashes for the whole file and will \
             refuse the changed lines until they have hashes again"
                .to_string(),
        );
    }
    for edit in edits {
        if !positions.contains(&(edit.line, edit.column)) {
            notes.push(format!("line {}: no requirement starts at column {}; left unchanged", edit.line, edit.column));
        }
    }
    rebuild(text, &starts, groups, notes)
}

/// The splices that give `layout`'s requirement its new specifier and drop its hashes; `None` when the requirement
/// has no specifier to change (a URL).
fn splices(layout: &LineLayout, new: &NewSpecifier) -> Option<Vec<Splice>> {
    let text = layout.text();
    let file_offset = |at: usize| layout.offset(at);
    let head = &text[..layout.requirement_end];
    let head = head.split(';').next().unwrap_or(head);
    let (start, end) = specifier_span(head)?;
    let written = &text[start..end];
    let gap_before = text[..start].ends_with(|c: char| c.is_whitespace());
    let style = SpecifierStyle::of(written, gap_before);
    let (splice_start, splice_end, replacement) = match new {
        NewSpecifier::Pin(version) => match pin_version_span(written) {
            Some((version_start, version_end)) => (start + version_start, start + version_end, version.to_string()),
            None => (start, end, style.clause(&VersionSpecifier::equals_version(version.clone()))),
        },
        NewSpecifier::LowerBound(version) => {
            let specifiers = VersionSpecifiers::from_str(written).unwrap_or_else(|_| VersionSpecifiers::empty());
            (start, end, raise_lower_bound(Some(written), &specifiers, version, style).text)
        }
        NewSpecifier::Clauses(clauses) => {
            let clauses: Vec<String> = clauses.iter().map(|clause| style.clause(clause)).collect();
            (start, end, style.join(&clauses))
        }
    };
    let mut splices = vec![if splice_start == splice_end {
        Splice { start: file_offset(splice_start), end: file_offset(splice_start), text: replacement }
    } else {
        Splice { start: file_offset(splice_start), end: file_offset(splice_end - 1) + 1, text: replacement }
    }];
    for &(hash_start, hash_end) in &layout.hashes {
        let before = text[..hash_start].trim_end_matches(|c: char| c.is_whitespace()).len();
        splices.push(Splice { start: file_offset(before), end: file_offset(hash_end - 1) + 1, text: String::new() });
    }
    Some(splices)
}

/// The span of the version in a single `==`/`===` clause (`== 1.0.0` → the `1.0.0`).
fn pin_version_span(written: &str) -> Option<(usize, usize)> {
    let specifier = VersionSpecifier::from_str(written.trim()).ok()?;
    #[allow(deprecated)]
    let is_pin = matches!(specifier.operator(), Operator::Equal | Operator::ExactEqual);
    if !is_pin {
        return None;
    }
    let after_operator = written.find(|c: char| !matches!(c, '=' | ' ' | '\t'))?;
    Some((after_operator, written.trim_end().len()))
}

/// The lines of `text`, each with its line ending.
fn physical_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// The byte offset where each physical line starts (a byte order mark belongs to the first line).
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(at, _)| at + 1).filter(|&start| start < text.len()));
    starts
}

/// The 0-based physical line holding byte `offset`.
fn line_of(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&start| start <= offset).saturating_sub(1)
}

fn without_ending(line: &str) -> String {
    line.trim_end_matches('\n').trim_end_matches('\r').to_string()
}

/// Applies the groups' splices and builds the diff.
/// `groups` come in file order, one per logical line.
fn rebuild(text: &str, starts: &[usize], groups: Vec<Group>, notes: Vec<String>) -> PatchedFile {
    let lines = physical_lines(text);
    let mut output = String::with_capacity(text.len());
    let mut changes: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let mut next_line = 0;
    let mut changed = 0;
    for group in groups {
        for line in &lines[next_line..group.first] {
            output.push_str(line);
        }
        let group_start = starts[group.first];
        let group_end = starts[group.last] + lines[group.last].len();
        let mut rewritten = text[group_start..group_end].to_string();
        // The splices come in file order (the specifier, then each hash); applied from the end backwards, earlier
        // offsets stay valid, and at one offset the removal goes before an insertion there.
        for splice in group.splices.into_iter().rev() {
            rewritten.replace_range(splice.start - group_start..splice.end - group_start, &splice.text);
        }
        if rewritten != text[group_start..group_end] {
            changed += 1;
            let new_lines = physical_lines(&rewritten).into_iter().map(without_ending).collect();
            changes.push((group.first, group.last, new_lines));
        }
        output.push_str(&rewritten);
        next_line = group.last + 1;
    }
    for line in &lines[next_line.min(lines.len())..] {
        output.push_str(line);
    }
    let diff = diff_lines(&lines, &changes);
    PatchedFile { text: output, diff, notes, changed }
}

/// A diff of the old `lines` and the `changes` (old lines `first..=last` become the new lines), with two lines of
/// context around each change and gaps between hunks.
fn diff_lines(lines: &[&str], changes: &[(usize, usize, Vec<String>)]) -> Vec<DiffLine> {
    const CONTEXT: usize = 2;
    let mut diff = Vec::new();
    let mut shift: i64 = 0;
    let mut shown_up_to = 0;
    for (number, (first, last, new_lines)) in changes.iter().enumerate() {
        let context_start = first.saturating_sub(CONTEXT).max(shown_up_to);
        if context_start > shown_up_to {
            diff.push(DiffLine { kind: DiffLineKind::Gap, old: None, new: None, text: String::new() });
        }
        let context = |at: usize, shift: i64| DiffLine {
            kind: DiffLineKind::Context,
            old: Some(at as u32 + 1),
            new: Some((at as i64 + shift) as u32 + 1),
            text: without_ending(lines[at]),
        };
        diff.extend((context_start..*first).map(|at| context(at, shift)));
        diff.extend(lines[*first..=*last].iter().enumerate().map(|(offset, line)| DiffLine {
            kind: DiffLineKind::Removed,
            old: Some((first + offset) as u32 + 1),
            new: None,
            text: without_ending(line),
        }));
        let new_start = (*first as i64 + shift) as u32 + 1;
        for (offset, text) in new_lines.iter().enumerate() {
            diff.push(DiffLine {
                kind: DiffLineKind::Added,
                old: None,
                new: Some(new_start + offset as u32),
                text: text.clone(),
            });
        }
        shift += new_lines.len() as i64 - (last - first + 1) as i64;
        let next_first = changes.get(number + 1).map_or(lines.len(), |next| next.0);
        let context_end = (last + 1 + CONTEXT).min(next_first).min(lines.len());
        diff.extend((last + 1..context_end).map(|at| context(at, shift)));
        shown_up_to = context_end;
    }
    if !changes.is_empty() && shown_up_to < lines.len() {
        diff.push(DiffLine { kind: DiffLineKind::Gap, old: None, new: None, text: String::new() });
    }
    diff
}

#[cfg(test)]
mod tests;
