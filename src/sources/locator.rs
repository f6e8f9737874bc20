//! Turning byte offsets of the text a parser reads into places in the user's file.
//!
//! Most formats parse the file as it is, so an offset is a place in the file. An inline script block (PEP 723) is
//! parsed after its `# ` prefixes are removed: its [`Locator`] carries one [`Segment`] per line to map offsets in that
//! derived text back to the `.py` file.

use super::{LineIndex, SourceError};
use crate::model::Origin;

/// A run of derived text that was copied unchanged from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    /// Where the run starts in the derived text.
    pub derived_start: usize,
    /// Where the run starts in the file.
    pub original_start: usize,
}

/// Maps offsets of a parsed text to origins and errors in a file.
#[derive(Debug, Clone)]
pub(crate) struct Locator<'a> {
    file: &'a str,
    index: LineIndex<'a>,
    /// Sorted by `derived_start`; empty when the parsed text is the file itself.
    segments: Vec<Segment>,
}

impl<'a> Locator<'a> {
    /// A locator for a parser that reads `text`, the whole of `file`.
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Self { file, index: LineIndex::new(text), segments: Vec::new() }
    }

    /// A locator for a parser that reads text derived from `original` by copying the given segments.
    pub fn with_segments(file: &'a str, original: &'a str, segments: Vec<Segment>) -> Self {
        Self { file, index: LineIndex::new(original), segments }
    }

    /// The offset in the file of `offset` in the parsed text.
    pub fn to_original(&self, offset: usize) -> usize {
        if self.segments.is_empty() {
            return offset;
        }
        let after = self.segments.partition_point(|segment| segment.derived_start <= offset);
        match after.checked_sub(1).and_then(|at| self.segments.get(at)) {
            Some(segment) => segment.original_start + (offset - segment.derived_start),
            None => self.segments.first().map_or(0, |segment| segment.original_start),
        }
    }

    /// The origin of `offset` in the parsed text.
    pub fn origin(&self, offset: usize) -> Origin {
        self.index.origin(self.file, self.to_original(offset))
    }

    /// An error for the span `start..end` of the parsed text.
    pub fn error(&self, start: usize, end: usize, message: impl Into<String>) -> SourceError {
        let original_start = self.to_original(start);
        let original_end = self.to_original(end.max(start)).max(original_start);
        self.index.error(self.file, original_start, original_end, message)
    }

    /// An error at 1-based `line` and byte `column` of the parsed text, as JSON parsers report them.
    pub fn error_at_line_column(
        &self,
        text: &str,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> SourceError {
        let offset = offset_of_line_column(text, line, column);
        self.error(offset, offset + 1, message)
    }
}

/// The byte offset of 1-based `line` and 1-based byte `column` in `text`, clamped to the text.
fn offset_of_line_column(text: &str, line: usize, column: usize) -> usize {
    let line_start =
        if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2).map_or(text.len(), |(at, _)| at + 1) };
    (line_start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_of_derived_text_map_back_through_segments() {
        let original = "x = 1\n# a = 1\n# b = 2\n";
        // The derived text is "a = 1\nb = 2\n": line 1 starts at 8 in the file, line 2 at 16.
        let segments =
            vec![Segment { derived_start: 0, original_start: 8 }, Segment { derived_start: 6, original_start: 16 }];
        let locator = Locator::with_segments("s.py", original, segments);
        assert_eq!(locator.origin(0), Origin::new("s.py", 2, 3));
        assert_eq!(locator.origin(8), Origin::new("s.py", 3, 5));
    }

    #[test]
    fn json_style_line_and_column_become_an_error_with_a_caret() {
        let text = "{\n  \"a\": x\n}";
        let error = Locator::new("f.json", text).error_at_line_column(text, 2, 8, "expected value");
        assert_eq!((error.line, error.column), (2, 8));
    }
}
