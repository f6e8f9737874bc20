//! Logical lines: pip's `preprocess` (join `\` continuations, then strip comments), keeping the file position of
//! every byte so that errors point at the physical place.

use std::borrow::Cow;

use crate::sources::byte_scan::find_either;
use crate::sources::LineIndex;

/// One logical line: physical lines joined at `\` continuations, the comment removed, trimmed. Never empty.
#[derive(Debug, Clone)]
pub(super) struct LogicalLine<'a> {
    /// The joined, comment-free, trimmed text: the file's own text when the line continues nothing (most lines).
    pub text: Cow<'a, str>,
    /// The file offset of the text's first byte: where its first piece starts.
    start: usize,
    /// Where the text's later pieces come from: `(index in text, offset in the file)` of the first byte of each
    /// piece after the first, in order. A piece's bytes are consecutive in the file. (One entry per piece rather than
    /// per byte, and none for a line of one piece: a large file's parse spent much of its time allocating these.)
    later_pieces: Vec<(usize, usize)>,
    /// False when the text has no `$`, so no `${VAR}` to look for (found in the search for the comment).
    pub may_hold_variable: bool,
}

impl<'a> LogicalLine<'a> {
    /// The file offset of byte `index` of the text; `index == text.len()` gives the place just after the last byte.
    pub fn offset(&self, index: usize) -> usize {
        if index >= self.text.len() {
            return if self.text.is_empty() { 0 } else { self.offset(self.text.len() - 1) + 1 };
        }
        let later = self.later_pieces.partition_point(|&(start, _)| start <= index);
        let (start, file_offset) = match later {
            0 => (0, self.start),
            _ => self.later_pieces[later - 1],
        };
        file_offset + (index - start)
    }

    /// The logical line of a physical line that continues nothing and is not continued, which starts at
    /// `file_offset`; `None` when nothing is left once the comment is cut.
    fn single(content: &'a str, file_offset: usize) -> Option<Self> {
        let (cut, may_hold_variable) = comment_start(content);
        let kept = content[..cut.unwrap_or(content.len())].trim_end();
        let trimmed = kept.trim_start();
        if trimmed.is_empty() {
            return None;
        }
        let start = file_offset + (kept.len() - trimmed.len());
        Some(Self { text: Cow::Borrowed(trimmed), start, later_pieces: Vec::new(), may_hold_variable })
    }

    /// The file span of the text bytes `start..end`, as `(start, end)` offsets with `end` just past the last byte.
    pub fn span(&self, start: usize, end: usize) -> (usize, usize) {
        let file_start = self.offset(start);
        let file_end = if end > start { self.offset(end - 1) + 1 } else { file_start };
        (file_start, file_end)
    }
}

/// Splits a requirements file into logical lines the way pip does: physical lines ending in `\` are joined to the
/// next one (all backslashes at either end of a joined line are dropped, as pip's `strip("\\")` does), except that a
/// comment line never continues; then the comment is cut and the line trimmed; blank lines are dropped. A UTF-8 byte
/// order mark at the start is skipped.
pub(super) fn logical_lines<'a>(index: &LineIndex<'a>) -> Vec<LogicalLine<'a>> {
    let mut lines = Vec::new();
    // One builder for the whole file: its buffers keep their room from one continued line to the next.
    let mut builder = Builder::new();
    let mut pending = false;
    for (line_start, line) in index.physical_lines() {
        let content = line.trim_end_matches('\r');
        let is_comment = content.trim_start().starts_with('#');
        if !pending && (is_comment || !content.ends_with('\\')) {
            // A line of its own, the common case: no joining, so no builder.
            lines.extend(LogicalLine::single(content, line_start));
        } else if is_comment || !content.ends_with('\\') {
            if is_comment {
                // pip prefixes a space so that the comment is cut even when it ends a continued line.
                builder.push_str(" ", line_start);
            }
            builder.push_str(content, line_start);
            lines.extend(builder.finish());
            pending = false;
        } else {
            let kept = content.trim_start_matches('\\');
            let kept_start = line_start + (content.len() - kept.len());
            builder.push_str(kept.trim_end_matches('\\'), kept_start);
            pending = true;
        }
    }
    if pending {
        lines.extend(builder.finish());
    }
    lines
}

/// Collects the pieces of one logical line.
struct Builder {
    text: String,
    pieces: Vec<(usize, usize)>,
}

impl Builder {
    fn new() -> Self {
        Self { text: String::new(), pieces: Vec::new() }
    }

    fn push_str(&mut self, piece: &str, file_offset: usize) {
        if !piece.is_empty() {
            self.pieces.push((self.text.len(), file_offset));
            self.text.push_str(piece);
        }
    }

    /// Cuts the comment (pip's `(^|\s+)#.*$`: a `#` at the start or after whitespace) and trims; `None` when
    /// nothing is left. The builder is empty afterwards, ready for the next line.
    fn finish<'a>(&mut self) -> Option<LogicalLine<'a>> {
        let (cut, may_hold_variable) = comment_start(&self.text);
        let cut = cut.unwrap_or(self.text.len());
        let end = self.text[..cut].trim_end().len();
        let start = end - self.text[..end].trim_start().len();
        let line = (start < end).then(|| {
            // The pieces of the kept bytes `start..end`, renumbered from 0; the first may begin before `start`.
            let first = self.pieces.partition_point(|&(piece_start, _)| piece_start <= start).saturating_sub(1);
            let mut pieces = self.pieces[first..].iter().take_while(|&&(piece_start, _)| piece_start < end).map(
                |&(piece_start, file_offset)| match piece_start.checked_sub(start) {
                    Some(index) => (index, file_offset),
                    None => (0, file_offset + (start - piece_start)),
                },
            );
            let (_, text_start) = pieces.next().expect("the kept bytes lie in a piece");
            let later_pieces = pieces.collect();
            let text = Cow::Owned(self.text[start..end].to_string());
            LogicalLine { text, start: text_start, later_pieces, may_hold_variable }
        });
        self.text.clear();
        self.pieces.clear();
        line
    }
}

/// The byte index of the first `#` that starts the text or follows whitespace, and whether a `$` comes before it
/// (or anywhere, without a comment). Both are ASCII, so the bytes are searched together, and only the character
/// before each `#` is decoded.
fn comment_start(text: &str) -> (Option<usize>, bool) {
    let bytes = text.as_bytes();
    let mut dollar_seen = false;
    let mut from = 0;
    while let Some(found) = find_either(&bytes[from..], b'#', b'$') {
        let at = from + found;
        if bytes[at] == b'$' {
            dollar_seen = true;
        } else if text[..at].chars().next_back().is_none_or(char::is_whitespace) {
            return (Some(at), dollar_seen);
        }
        from = at + 1;
    }
    (None, dollar_seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        logical_lines(&LineIndex::new(text)).into_iter().map(|line| line.text.into_owned()).collect()
    }

    #[test]
    fn comments_need_whitespace_before_the_hash() {
        assert_eq!(texts("# top\na==1 # why\nb==2#not-a-comment\n\tc\t#tab\n"), ["a==1", "b==2#not-a-comment", "c"]);
    }

    #[test]
    fn comments_and_dollars_are_found_in_one_search() {
        // The rule spelled out: a `#` at the start or after whitespace; a `$` counts only before the comment.
        fn by_characters(text: &str) -> (Option<usize>, bool) {
            let cut = text
                .char_indices()
                .find(|&(at, c)| c == '#' && text[..at].chars().next_back().is_none_or(char::is_whitespace))
                .map(|(at, _)| at);
            (cut, text[..cut.unwrap_or(text.len())].contains('$'))
        }
        let texts = [
            "",
            "#",
            "a#b #c",
            "a==1 ${X} # $",
            "a==1 # ${X}",
            "é#\u{a0}#x",
            "x\u{3000}#y$",
            "$",
            "#$",
            "abcdefghijklmnop$q",
            "abcdefgh#ijklmnop #q",
            "--hash=sha256:0123456789abcdef0123456789abcdef $ #",
        ];
        for text in texts {
            assert_eq!(comment_start(text), by_characters(text), "{text:?}");
        }
    }

    #[test]
    fn continuations_join_before_comments_are_cut() {
        // pip joins first: the comment swallows the continued line.
        assert_eq!(texts("baz == 7.8.9 # \\\nbaz == 1.2.3\nqux\n"), ["baz == 7.8.9", "qux"]);
        // A comment line ends a continuation instead of continuing it.
        assert_eq!(texts("a==1 \\\n# note \\\nb==2\n"), ["a==1", "b==2"]);
        // Every backslash at either end of a continued line goes, as with pip's `strip("\\")`.
        assert_eq!(texts("foo==\\\n\\\n \\\n  \\\n1.2.3\nbar == 4.5\\\\\n.6\n"), ["foo==   1.2.3", "bar == 4.5.6"]);
        assert_eq!(texts("last==1.0\\"), ["last==1.0"]);
    }

    #[test]
    fn offsets_point_into_the_physical_lines() {
        let text = "\u{feff}a==1 \\\r\n  --hash=x\r\n";
        let lines = logical_lines(&LineIndex::new(text));
        assert_eq!(lines[0].text, "a==1   --hash=x");
        assert_eq!(lines[0].offset(0), 3);
        let hash = lines[0].text.find("--hash").unwrap();
        assert_eq!(&text[lines[0].offset(hash)..lines[0].offset(hash) + 6], "--hash");
        assert_eq!(lines[0].span(hash, lines[0].text.len()), (text.find("--hash").unwrap(), text.len() - 2));
    }
}
