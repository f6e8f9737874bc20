//! conda's `environment.yml`: the `pip:` section is audited, conda packages are listed as skipped.
//!
//! A YAML crate would cost page weight for one small format, so this is a line reader for the subset that conda
//! environment files use:
//!
//! ```text
//! name: demo                  # top-level `key: value` lines; only `dependencies` is read
//! channels:
//!   - conda-forge
//! dependencies:               # a block list, its dashes indented or not
//!   - python=3.11             # a conda match spec: skipped, not a PyPI package
//!   - "numpy>=1.26"           # single or double quotes
//!   - pip:                    # the nested block list of pip requirements (PEP 508), audited
//!     - requests==2.31.0
//!     - -r requirements.txt   # pip options are noted, not followed
//! ```
//!
//! Not supported, each an error with its line and column: flow collections (`[a, b]`, `{a: b}`), block scalars
//! (`|`, `>`), multi-line plain values, anchors, aliases and tags, tab indentation, and entries of the dependency list
//! that are mappings other than `pip:`. Only the first YAML document is read. Such an error stops the reading and no
//! dependency is reported, because the structure after it is unknown; a bad quote in one entry only skips that entry.

use super::locator::Locator;
use super::{entry, Format, NoteLevel, ParsedFile, SourceError, SourceNote};
use crate::model::SkipReason;

/// Parses a conda environment file.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    let mut parsed = ParsedFile::new(file_name, Format::CondaEnvironment);
    let locator = Locator::new(file_name, text);
    let mut reader = Reader { locator: &locator, parsed: &mut parsed, section: Section::Outside, seen_content: false };
    if let Err(error) = reader.read(text) {
        parsed.dependencies.clear();
        parsed.notes.clear();
        parsed.errors = vec![error];
    }
    parsed
}

/// Where the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// In a top-level value other than `dependencies`.
    Outside,
    /// In the `dependencies` list, whose dashes are at `dash` once known.
    Dependencies { dash: Option<usize> },
    /// In the `pip:` list nested in the `dependencies` list.
    Pip { dash: usize, pip_dash: Option<usize> },
}

struct Reader<'a, 'p> {
    locator: &'a Locator<'a>,
    parsed: &'p mut ParsedFile,
    section: Section,
    seen_content: bool,
}

/// One line without its comment: the file offset of its first content character, its indentation and content.
struct Line<'t> {
    start: usize,
    indent: usize,
    content: &'t str,
}

impl Reader<'_, '_> {
    fn read(&mut self, text: &str) -> Result<(), SourceError> {
        let mut offset = 0;
        for raw in text.split_inclusive('\n') {
            let line_start = offset;
            offset += raw.len();
            let raw = raw.trim_end_matches(['\n', '\r']);
            let without_comment = strip_comment(raw).trim_end();
            let content = without_comment.trim_start_matches(' ');
            if content.is_empty() {
                continue;
            }
            let indent = without_comment.len() - content.len();
            if content.starts_with('\t') {
                return Err(self.error(line_start + indent, 1, "tabs cannot indent YAML; use spaces"));
            }
            let line = Line { start: line_start + indent, indent, content };
            if indent == 0 && (content == "---" || content.starts_with("--- ")) {
                if self.seen_content {
                    self.note(line.start, "only the first YAML document is read");
                    return Ok(());
                }
                continue;
            }
            if indent == 0 && content == "..." {
                return Ok(());
            }
            self.seen_content = true;
            self.line(&line)?;
        }
        Ok(())
    }

    fn line(&mut self, line: &Line<'_>) -> Result<(), SourceError> {
        let dash_item = line.content == "-" || line.content.starts_with("- ");
        if !dash_item {
            if line.indent > 0 {
                return match self.section {
                    Section::Outside => Ok(()),
                    _ => Err(self.error(
                        line.start,
                        line.content.len(),
                        "a value that continues on the next line is not supported; write each entry on one line",
                    )),
                };
            }
            return self.top_level_key(line);
        }
        match self.section {
            Section::Outside => Ok(()),
            Section::Dependencies { dash } => {
                let dash = dash.unwrap_or(line.indent);
                self.section = Section::Dependencies { dash: Some(dash) };
                if line.indent != dash {
                    return Err(self.error(line.start, 1, "this entry is not indented like the entries before it"));
                }
                self.dependency_item(line, dash)
            }
            Section::Pip { dash, pip_dash } => {
                if line.indent == dash {
                    self.section = Section::Dependencies { dash: Some(dash) };
                    return self.dependency_item(line, dash);
                }
                if line.indent < dash {
                    return Err(self.error(line.start, 1, "this entry is not indented like the entries before it"));
                }
                let pip_dash = pip_dash.unwrap_or(line.indent);
                if line.indent != pip_dash {
                    return Err(self.error(
                        line.start,
                        1,
                        "this `pip:` entry is not indented like the entries before it",
                    ));
                }
                self.section = Section::Pip { dash, pip_dash: Some(pip_dash) };
                self.pip_item(line);
                Ok(())
            }
        }
    }

    fn top_level_key(&mut self, line: &Line<'_>) -> Result<(), SourceError> {
        let Some((key, value)) = split_key(line.content) else {
            return Err(self.error(line.start, line.content.len(), "expected a `key: value` line at the top level"));
        };
        if key != "dependencies" {
            self.section = Section::Outside;
            return Ok(());
        }
        if !value.is_empty() {
            let at = line.start + line.content.len() - value.len();
            return Err(self.error(
                at,
                value.len(),
                "`dependencies` must be a block list (`- name` lines); flow lists and other values are not supported",
            ));
        }
        self.section = Section::Dependencies { dash: None };
        Ok(())
    }

    /// An entry of the `dependencies` list: a conda match spec or the `pip:` list.
    fn dependency_item(&mut self, line: &Line<'_>, dash: usize) -> Result<(), SourceError> {
        let (item_start, item) = item_text(line);
        if let Some((key, value)) = split_key(item) {
            if key == "pip" && value.is_empty() {
                self.section = Section::Pip { dash, pip_dash: None };
                return Ok(());
            }
            let message = if key == "pip" {
                "`pip:` must be followed by a block list of requirements on the next lines".to_string()
            } else {
                format!("the dependency entry `{key}:` is a mapping; only `pip:` is understood")
            };
            return Err(self.error(item_start, item.len(), message));
        }
        self.reject_unsupported(item_start, item)?;
        let spec = match unquote(item) {
            Ok(spec) => spec,
            Err(message) => {
                self.invalid_entry(item, item_start, message);
                return Ok(());
            }
        };
        let name = conda_package_name(&spec);
        let reason = SkipReason::NotPypi("conda package".to_string());
        self.parsed.dependencies.push(entry::skipped(name, reason, self.locator.origin(item_start), Vec::new()));
        Ok(())
    }

    /// An entry of the `pip:` list: a PEP 508 requirement or a pip option.
    fn pip_item(&mut self, line: &Line<'_>) {
        let (item_start, item) = item_text(line);
        if let Err(error) = self.reject_unsupported(item_start, item) {
            self.parsed.errors.push(error);
            let reason = SkipReason::InvalidEntry("unsupported YAML in the `pip:` list".to_string());
            self.parsed.dependencies.push(entry::skipped(
                item,
                reason,
                self.locator.origin(item_start),
                vec!["pip".into()],
            ));
            return;
        }
        let requirement = match unquote(item) {
            Ok(requirement) => requirement,
            Err(message) => {
                self.invalid_entry(item, item_start, message);
                return;
            }
        };
        let origin = self.locator.origin(item_start);
        if let Some(target) = requirement.strip_prefix("-e ").or_else(|| requirement.strip_prefix("--editable")) {
            let target = target.trim_start_matches(['=', ' ']).trim();
            self.parsed.dependencies.push(entry::skipped(target, SkipReason::Editable, origin, vec!["pip".into()]));
            return;
        }
        if requirement.starts_with('-') {
            let option = requirement.split_whitespace().next().unwrap_or(&requirement).to_string();
            self.note(item_start, &format!("pip option `{option}` is not used by the audit"));
            return;
        }
        let read = entry::requirement(&requirement, origin, vec!["pip".to_string()]);
        if let Some(problem) = read.problem {
            // Offsets into the requirement are offsets into the line only when it was not quoted.
            let (start, end) = if requirement == item {
                (item_start + problem.start, item_start + problem.end.max(problem.start + 1))
            } else {
                (item_start, item_start + item.len())
            };
            self.parsed.errors.push(self.locator.error(start, end, problem.message));
        }
        self.parsed.dependencies.push(read.dependency);
    }

    /// Flow collections, block scalars, anchors, aliases and tags are outside the subset this reader knows.
    fn reject_unsupported(&self, at: usize, item: &str) -> Result<(), SourceError> {
        let what = match item.chars().next() {
            Some('[' | '{') => "flow collections (`[…]`, `{…}`)",
            Some('|' | '>') => "block scalars (`|`, `>`)",
            Some('&') => "YAML anchors (`&`)",
            Some('*') => "YAML aliases (`*`)",
            Some('!') => "YAML tags (`!`)",
            _ => return Ok(()),
        };
        Err(self.error(at, 1, format!("{what} are not supported in environment files; write one plain entry per line")))
    }

    fn invalid_entry(&mut self, item: &str, at: usize, message: String) {
        self.parsed.errors.push(self.locator.error(at, at + item.len(), message.clone()));
        let origin = self.locator.origin(at);
        self.parsed.dependencies.push(entry::skipped(item, SkipReason::InvalidEntry(message), origin, Vec::new()));
    }

    fn note(&mut self, at: usize, message: &str) {
        let origin = self.locator.origin(at);
        self.parsed.notes.push(SourceNote { origin, level: NoteLevel::Info, message: message.to_string() });
    }

    fn error(&self, at: usize, len: usize, message: impl Into<String>) -> SourceError {
        self.locator.error(at, at + len.max(1), message)
    }
}

/// The text after the dash of a list item, and its offset.
fn item_text<'t>(line: &Line<'t>) -> (usize, &'t str) {
    let rest = line.content.strip_prefix('-').unwrap_or(line.content);
    let item = rest.trim_start();
    (line.start + line.content.len() - item.len(), item)
}

/// Splits `key: value` (or `key:` alone) when `text` is a plain mapping key; quoted or spec-like text is not.
fn split_key(text: &str) -> Option<(&str, &str)> {
    if text.starts_with(['"', '\'']) {
        return None;
    }
    let (key, value) = match text.find(": ") {
        Some(at) => (&text[..at], text[at + 2..].trim()),
        None => (text.strip_suffix(':')?, ""),
    };
    let plain_key = !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c));
    plain_key.then_some((key, value))
}

/// Removes a `#` comment: at the start or after a space, and not inside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    let mut chars = line.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match quote {
            Some('"') if c == '\\' => {
                chars.next();
            }
            Some('\'') if c == '\'' && chars.peek().is_some_and(|(_, next)| *next == '\'') => {
                chars.next();
            }
            Some(open) if c == open => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && (previous == ' ' || previous == '-' || at == 0) => quote = Some(c),
            None if c == '#' && (previous == ' ' || previous == '\t' || at == 0) => return &line[..at],
            None => {}
        }
        previous = c;
    }
    line
}

/// The value of a plain, single-quoted or double-quoted scalar.
fn unquote(item: &str) -> Result<String, String> {
    let Some(quote) = item.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return Ok(item.to_string());
    };
    let body = &item[1..];
    let mut value = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            ('\'', '\'') => match chars.next() {
                Some('\'') => value.push('\''),
                None => return Ok(value),
                Some(_) => return Err("text after the closing quote".to_string()),
            },
            ('"', '"') => {
                return if chars.as_str().is_empty() {
                    Ok(value)
                } else {
                    Err("text after the closing quote".to_string())
                };
            }
            ('"', '\\') => match chars.next() {
                Some(escaped @ ('"' | '\\' | '/')) => value.push(escaped),
                Some(other) => return Err(format!("the escape `\\{other}` is not supported here")),
                None => break,
            },
            (_, c) => value.push(c),
        }
    }
    Err(format!("the quote `{quote}` is not closed on this line"))
}

/// The package name of a conda match spec: `conda-forge::numpy>=1.26=py311_0` → `numpy`.
fn conda_package_name(spec: &str) -> &str {
    let spec = spec.rsplit("::").next().unwrap_or(spec).trim();
    let end = spec.find([' ', '=', '<', '>', '!', '~', '[']).unwrap_or(spec.len());
    &spec[..end]
}

#[cfg(test)]
mod tests;
