//! Errors and notes that point at a place in an input file.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::byte_scan::find_byte;
use crate::model::Origin;

/// Maps byte offsets of a text to 1-based lines and columns. Columns count characters, and `\r\n` ends a line
/// like `\n` does.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text`. A UTF-8 byte order mark at the start is not part of the first line.
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 }];
        // Searched eight bytes at a time: every file is indexed, and a lockfile can have 100,000 lines.
        let mut from = 0;
        while let Some(found) = find_byte(&text[from..], b'\n') {
            from += found + 1;
            line_starts.push(from);
        }
        Self { text, line_starts }
    }

    /// The indexed text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// How many lines the text has, counted as [`str::lines`] counts them (a final line ending starts no line).
    pub fn line_count(&self) -> usize {
        let starts = self.line_starts.len();
        if self.line_starts[starts - 1] == self.text.len() {
            starts - 1
        } else {
            starts
        }
    }

    /// Every physical line with the file offset of its start, without its `\n` (a `\r` before it is kept): the
    /// newlines were found once, here, so the parsers and the format detection need not search for them again.
    pub fn physical_lines(&self) -> impl Iterator<Item = (usize, &'a str)> + '_ {
        let text = self.text;
        let count = self.line_count();
        (0..count).map(move |index| {
            let start = self.line_starts[index];
            let end = self.line_starts.get(index + 1).map_or(text.len(), |next| next - 1);
            (start, &text[start..end])
        })
    }

    /// The 1-based line and column of byte `offset` (clamped to the text).
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&start| start <= offset).saturating_sub(1);
        let offset = offset.max(self.line_starts[line]);
        let column = self.text[self.line_starts[line]..offset].chars().count() + 1;
        (to_u32(line + 1), to_u32(column))
    }

    /// The text of 1-based `line`, without its line ending.
    pub fn line_text(&self, line: u32) -> &'a str {
        let index = (line as usize).saturating_sub(1).min(self.line_starts.len() - 1);
        let start = self.line_starts[index];
        let end = self.line_starts.get(index + 1).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// A [`SourceError`] for the byte span `start..end` of the text of `file`.
    pub fn error(&self, file: &str, start: usize, end: usize, message: impl Into<String>) -> SourceError {
        let (line, column) = self.position(start);
        let (end_line, end_column) = self.position(end.max(start));
        let width = if end_line == line { end_column.saturating_sub(column).max(1) } else { 1 };
        SourceError {
            file: file.to_string(),
            line,
            column,
            width,
            message: message.into(),
            snippet: self.line_text(line).to_string(),
        }
    }

    /// The [`Origin`] of byte `offset` in `file`.
    pub fn origin(&self, file: &str, offset: usize) -> Origin {
        let (line, column) = self.position(offset);
        Origin::new(file, line, column)
    }

    /// The byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: u32) -> usize {
        let index = (line as usize).saturating_sub(1).min(self.line_starts.len() - 1);
        self.line_starts[index]
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// A problem in an input file, with the place it occurred. Its `Display` draws the line with a caret under the
/// problem, like pep508_rs does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceError {
    /// The file name as the user gave it.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// How many characters the caret underlines (at least 1).
    pub width: u32,
    /// What is wrong, without a trailing period.
    pub message: String,
    /// The text of the line, for the caret rendering.
    pub snippet: String,
}

impl SourceError {
    /// An error at a known line and column, for parsers (TOML, JSON) that report positions themselves.
    pub fn at(file: &str, text: &str, line: u32, column: u32, message: impl Into<String>) -> Self {
        let index = LineIndex::new(text);
        Self {
            file: file.to_string(),
            line,
            column,
            width: 1,
            message: message.into(),
            snippet: index.line_text(line).to_string(),
        }
    }

    /// The caret line that underlines the problem in [`SourceError::snippet`].
    pub fn caret(&self) -> String {
        let indent = self.snippet.chars().take(self.column.saturating_sub(1) as usize).count();
        format!("{}{}", " ".repeat(indent), "^".repeat(self.width.max(1) as usize))
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)?;
        if !self.snippet.is_empty() {
            write!(f, "\n{}\n{}", self.snippet, self.caret())?;
        }
        Ok(())
    }
}

impl std::error::Error for SourceError {}

/// How much a note matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoteLevel {
    /// Understood and deliberately not acted on (an index URL, `--pre`, …).
    Info,
    /// Something the user should check (an unresolved `${VAR}`, a missing include, …).
    Warning,
}

/// A remark about an input file that is not a dependency: a skipped option, a warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceNote {
    /// Where the note applies.
    pub origin: Origin,
    /// Info or warning.
    pub level: NoteLevel,
    /// What the note says.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_handle_crlf() {
        let text = "a==1\r\nbé==2\r\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(6), (2, 1));
        assert_eq!(index.position(9), (2, 3));
        assert_eq!(index.line_text(2), "bé==2");
    }

    #[test]
    fn physical_lines_and_their_count_follow_str_lines() {
        for text in ["", "\n", "a", "a\n", "a\r\nb", "a\n\nb\n", "\u{feff}a\nb", "\u{feff}"] {
            let index = LineIndex::new(text);
            let lines: Vec<&str> = index.physical_lines().map(|(_, line)| line.trim_end_matches('\r')).collect();
            let expected: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
            assert_eq!(lines, expected, "{text:?}");
            assert_eq!(index.line_count(), expected.len(), "{text:?}");
            for (start, line) in index.physical_lines() {
                assert_eq!(&text[start..start + line.len()], line, "each line starts where it says");
            }
        }
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let text = "\u{feff}a==1\nb==2\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(3), (1, 1));
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.line_text(1), "a==1");
    }

    #[test]
    fn an_error_draws_a_caret_under_its_span() {
        let text = "requests==2.0\nnumpy ( ><1.19 )\n";
        let index = LineIndex::new(text);
        let error = index.error("requirements.txt", 22, 26, "expected a version operator");
        assert_eq!(
            error.to_string(),
            "requirements.txt:2:9: expected a version operator\nnumpy ( ><1.19 )\n        ^^^^"
        );
    }
}
