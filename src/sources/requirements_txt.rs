//! pip requirements files.
//!
//! Supported: PEP 508 lines (extras, markers, URLs), `==` and `===` pins, ranges, comments, blank lines, `\` line
//! continuations and CRLF. Option lines are recognised and noted. Editable installs, paths and URLs become skipped
//! dependencies.

use pep508_rs::pep440_rs::{Operator, Version};
use pep508_rs::{Requirement, VerbatimUrl, VersionOrUrl};

use super::{Format, LineIndex, NoteLevel, ParsedFile, SourceNote};
use crate::model::{Dependency, DependencyVersion, SkipReason};

/// A logical line: physical lines joined at `\` continuations, comments removed.
struct LogicalLine {
    /// The joined text.
    text: String,
    /// The byte offset in the file of each byte of `text`, so that errors point at the physical place.
    offsets: Vec<usize>,
}

impl LogicalLine {
    fn offset(&self, index: usize) -> usize {
        self.offsets.get(index).copied().or_else(|| self.offsets.last().map(|last| last + 1)).unwrap_or(0)
    }
}

/// Splits `text` into logical lines.
fn logical_lines(text: &str) -> Vec<LogicalLine> {
    let mut lines = Vec::new();
    let mut current = LogicalLine { text: String::new(), offsets: Vec::new() };
    let mut line_start = 0;
    for raw in text.split_inclusive('\n') {
        let content = raw.trim_end_matches(['\n', '\r']);
        let content = strip_comment(content);
        let (content, continues) = match content.strip_suffix('\\') {
            Some(rest) => (rest, true),
            None => (content, false),
        };
        for (index, _) in content.char_indices() {
            let next = content[index..].chars().next().map_or(1, char::len_utf8);
            current.text.push_str(&content[index..index + next]);
            current.offsets.extend((0..next).map(|byte| line_start + index + byte));
        }
        if !continues {
            lines.push(std::mem::replace(&mut current, LogicalLine { text: String::new(), offsets: Vec::new() }));
        }
        line_start += raw.len();
    }
    if !current.text.is_empty() {
        lines.push(current);
    }
    lines
}

/// Removes a comment: `#` at the start of the line or after whitespace (pip's rule).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'#' && (index == 0 || bytes[index - 1].is_ascii_whitespace()) {
            return &line[..index];
        }
    }
    line
}

/// Parses a requirements file.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    let index = LineIndex::new(text);
    let mut parsed = ParsedFile::new(file_name, Format::RequirementsTxt);
    for line in logical_lines(text) {
        let trimmed = line.text.trim_start();
        if trimmed.trim().is_empty() {
            continue;
        }
        let start = line.text.len() - trimmed.len();
        let origin = index.origin(file_name, line.offset(start));
        if trimmed.starts_with('-') {
            if let Some(rest) = trimmed.strip_prefix("-e").or_else(|| trimmed.strip_prefix("--editable")) {
                let target = rest.trim_start_matches(['=', ' ', '\t']).trim();
                parsed.dependencies.push(Dependency {
                    name: target.to_string(),
                    version: DependencyVersion::Skipped(SkipReason::Editable),
                    origin,
                    groups: Vec::new(),
                });
            } else {
                let option = trimmed.split_whitespace().next().unwrap_or(trimmed);
                parsed.notes.push(SourceNote {
                    origin,
                    level: NoteLevel::Info,
                    message: format!("option `{option}` is not used by the audit"),
                });
            }
            continue;
        }
        let requirement_text = strip_hash_options(trimmed);
        match requirement_text.parse::<Requirement<VerbatimUrl>>() {
            Ok(requirement) => {
                let version = match requirement.version_or_url {
                    Some(VersionOrUrl::VersionSpecifier(specifiers)) => match pinned_version(&specifiers) {
                        Some(version) => DependencyVersion::Pinned(version),
                        None => DependencyVersion::Range(specifiers),
                    },
                    Some(VersionOrUrl::Url(url)) => DependencyVersion::Skipped(SkipReason::Url(url.to_string())),
                    None => DependencyVersion::Range(Default::default()),
                };
                parsed.dependencies.push(Dependency::new(requirement.name.as_ref(), version, origin));
            }
            Err(error) => {
                let error_start = line.offset(start + error.start.min(requirement_text.len()));
                let error_end = line.offset(start + (error.start + error.len).min(requirement_text.len()));
                let source_error =
                    index.error(file_name, error_start, error_end.max(error_start + 1), error.message.to_string());
                let name =
                    requirement_text.split(|c: char| !(c.is_alphanumeric() || "-_.".contains(c))).next().unwrap_or("");
                let name = if name.is_empty() { requirement_text.trim() } else { name };
                parsed.dependencies.push(Dependency::new(
                    name,
                    DependencyVersion::Skipped(SkipReason::InvalidEntry(error.message.to_string())),
                    origin,
                ));
                parsed.errors.push(source_error);
            }
        }
    }
    parsed
}

/// Drops `--hash=…` options that follow a requirement.
fn strip_hash_options(line: &str) -> &str {
    match line.find(" --hash").or_else(|| line.find("\t--hash")) {
        Some(at) => line[..at].trim_end(),
        None => line.trim_end(),
    }
}

/// The version of a specifier set that is a single `==` or `===` without a wildcard.
fn pinned_version(specifiers: &pep508_rs::pep440_rs::VersionSpecifiers) -> Option<Version> {
    match specifiers.iter().collect::<Vec<_>>().as_slice() {
        [single] if matches!(single.operator(), Operator::Equal | Operator::ExactEqual) => {
            Some(single.version().clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(text: &str) -> Vec<(String, String)> {
        parse("requirements.txt", text)
            .dependencies
            .into_iter()
            .map(|dependency| (dependency.name, dependency.version.to_string()))
            .collect()
    }

    #[test]
    fn pins_extras_markers_and_comments() {
        let text = "# top\nDjango==1.11.29\nrequests[socks] == 2.19.0 ; python_version >= '3.6'  # why\n\nFlask>=1.0\n";
        assert_eq!(
            versions(text),
            [
                ("django".to_string(), "1.11.29".to_string()),
                ("requests".to_string(), "2.19.0".to_string()),
                ("flask".to_string(), ">=1.0".to_string())
            ]
        );
    }

    #[test]
    fn continuation_lines_join_and_keep_the_first_line() {
        let parsed = parse("r.txt", "a==1 \\\n    --hash=sha256:abc\r\nb==2\r\n");
        let lines: Vec<u32> = parsed.dependencies.iter().map(|dependency| dependency.origin.line).collect();
        assert_eq!(lines, [1, 3]);
    }

    #[test]
    fn a_bad_line_is_skipped_with_an_error_and_the_rest_is_kept() {
        let parsed = parse("r.txt", "good==1.0\nnumpy ( ><1.19 )\nalso-good==2\n");
        assert_eq!(parsed.dependencies.len(), 3);
        assert!(matches!(parsed.dependencies[1].version, DependencyVersion::Skipped(SkipReason::InvalidEntry(_))));
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, 2);
    }
}
