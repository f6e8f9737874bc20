//! Lockfiles are mostly values their readers never look at: a `uv.lock` spends four fifths of its bytes on the
//! `wheels` and `sdist` of its packages. Building the `toml` crate's spanned tree of them would be most of the time
//! taken to read a lockfile, so they are emptied before the `toml` crate reads the document.
//!
//! [`without_unread_values`] finds those values with a scan that only follows strings, comments and brackets, and
//! empties a value only when it is, byte for byte, a small and plainly valid kind of TOML: arrays and one-line
//! inline tables of bare keys, escape-free strings and decimal integers. Such a value is valid wherever a value may
//! stand, and so is the empty array or inline table left in its place. The emptied text comes with the segments
//! that map its offsets back to the original, so every span still points into the user's file. A document with
//! multi-line strings is left alone, as a line in one could look like anything.
//!
//! Because the scan does not validate the document, the caller reads the original text in full whenever the `toml`
//! crate finds the emptied one invalid: errors are always reported from the text as written.

use super::byte_scan::find_string_stop;
use super::locator::Segment;

/// Nesting allowed inside a value to empty (`wheels = [ { … } ]` needs 2).
const MAX_VALUE_DEPTH: usize = 4;

/// A document with some values emptied, and where its runs of text come from in the original.
pub(crate) struct Emptied {
    /// The text: the original without the insides of the emptied values (their brackets stay).
    pub text: String,
    /// Where each run of `text` starts in the original, for [`Locator::with_segments`].
    pub segments: Vec<Segment>,
}

/// `text` with the values of `keys` emptied in every item of the array of tables `item_table` (`[[package]]`);
/// `None` when there is nothing to empty (see the module documentation).
pub(crate) fn without_unread_values(text: &str, item_table: &str, keys: &[&str]) -> Option<Emptied> {
    let values = values_to_empty(text.as_bytes(), item_table.as_bytes(), keys)?;
    if values.is_empty() {
        return None;
    }
    let kept = text.len() - values.iter().map(|(start, end)| end - start - 2).sum::<usize>();
    let mut emptied = Emptied { text: String::with_capacity(kept), segments: Vec::with_capacity(values.len() + 1) };
    let mut from = 0;
    for (start, end) in values {
        // Up to and with the opening bracket, then on from the closing one: both brackets are ASCII, so both cuts
        // fall between characters.
        emptied.segments.push(Segment { derived_start: emptied.text.len(), original_start: from });
        emptied.text.push_str(&text[from..=start]);
        from = end - 1;
    }
    emptied.segments.push(Segment { derived_start: emptied.text.len(), original_start: from });
    emptied.text.push_str(&text[from..]);
    Some(emptied)
}

/// The spans (brackets included) of the values to empty, in order; `None` when the text has a multi-line string.
fn values_to_empty(bytes: &[u8], item_table: &[u8], keys: &[&str]) -> Option<Vec<(usize, usize)>> {
    let mut values = Vec::new();
    let mut in_item = false;
    // Brackets open at the end of the last line: a value that goes on.
    let mut depth = 0usize;
    let mut at = 0;
    while at < bytes.len() {
        if depth == 0 {
            // Blanks never include a line break, so this stays on the line.
            let first = at + leading_blanks(&bytes[at..]);
            if bytes.get(first) == Some(&b'[') {
                // A table header. (A line of a value that goes on cannot start here: depth is 0.)
                let line_end =
                    bytes[first..].iter().position(|&byte| byte == b'\n').map_or(bytes.len(), |end| first + end);
                in_item = is_item_header(&bytes[first..line_end], item_table);
                at = line_end + 1;
                continue;
            }
            if in_item {
                if let Some((start, end)) = key_value_to_empty(bytes, first, keys) {
                    values.push((start, end));
                    at = end;
                }
            }
        }
        at = follow_line(bytes, at, &mut depth)?;
    }
    Some(values)
}

fn leading_blanks(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|&&byte| byte == b' ' || byte == b'\t').count()
}

/// Whether a header line is exactly `[[item_table]]`, with nothing after it but blanks or a comment.
fn is_item_header(line: &[u8], item_table: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"[[").and_then(|rest| rest.strip_prefix(item_table)) else { return false };
    let Some(rest) = rest.strip_prefix(b"]]") else { return false };
    let rest = &rest[leading_blanks(rest)..];
    rest.is_empty() || rest == b"\r" || rest.starts_with(b"#")
}

/// The span of the value at `first` when the line there is `key = value` with one of `keys` and a value to empty.
fn key_value_to_empty(bytes: &[u8], first: usize, keys: &[&str]) -> Option<(usize, usize)> {
    let key_end = first + bytes[first..].iter().take_while(|&&byte| is_bare_key_byte(byte)).count();
    let key = &bytes[first..key_end];
    if !keys.iter().any(|known| known.as_bytes() == key) {
        return None;
    }
    let mut at = key_end + leading_blanks(&bytes[key_end..]);
    if bytes.get(at) != Some(&b'=') {
        return None;
    }
    at += 1;
    at += leading_blanks(&bytes[at..]);
    if !matches!(bytes.get(at), Some(b'[' | b'{')) {
        return None;
    }
    let end = PlainValue { bytes, at }.container(0)?;
    Some((at, end))
}

fn is_bare_key_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// Reads on from `at` to the start of the next line, keeping count of the brackets that are not in a string or a
/// comment; `None` at a multi-line string, where a line could hold anything. No other judgement: the `toml` crate
/// reads the document afterwards.
fn follow_line(bytes: &[u8], mut at: usize, depth: &mut usize) -> Option<usize> {
    while let Some(&byte) = bytes.get(at) {
        at += 1;
        match byte {
            b'\n' => return Some(at),
            b'#' => at += bytes[at..].iter().take_while(|&&byte| byte != b'\n').count(),
            b'"' | b'\'' if bytes[at..].starts_with(&[byte, byte]) => return None,
            b'"' | b'\'' => {
                while let Some(&inner) = bytes.get(at) {
                    if inner == b'\n' {
                        break;
                    }
                    at += 1;
                    if inner == byte {
                        break;
                    }
                    if inner == b'\\' && byte == b'"' {
                        at += 1;
                    }
                }
            }
            b'[' | b'{' => *depth += 1,
            b']' | b'}' => *depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Some(at)
}

/// A cursor over a value that must be of the plain kinds that are emptied; every method returns `None` as soon as
/// the value is anything else.
struct PlainValue<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl PlainValue<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Spaces and tabs; line breaks too when `lines` (inside an array).
    fn skip_blanks(&mut self, lines: bool) {
        while let Some(byte) = self.peek() {
            let is_blank = match byte {
                b' ' | b'\t' => true,
                b'\n' => lines,
                b'\r' => lines && self.bytes.get(self.at + 1) == Some(&b'\n'),
                _ => false,
            };
            if !is_blank {
                return;
            }
            self.at += 1;
        }
    }

    /// An array or an inline table at the cursor; the index just past its closing bracket.
    fn container(&mut self, depth: usize) -> Option<usize> {
        if depth >= MAX_VALUE_DEPTH {
            return None;
        }
        match self.peek()? {
            b'[' => self.array(depth),
            b'{' => self.inline_table(depth),
            _ => None,
        }
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'[' | b'{' => self.container(depth + 1).map(drop),
            b'"' | b'\'' => self.string(),
            b'0'..=b'9' => self.integer(),
            _ => None,
        }
    }

    /// `[ value, value, ]`, over lines.
    fn array(&mut self, depth: usize) -> Option<usize> {
        self.at += 1;
        self.skip_blanks(true);
        while self.peek()? != b']' {
            self.value(depth)?;
            self.skip_blanks(true);
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    self.skip_blanks(true);
                }
                b']' => {}
                _ => return None,
            }
        }
        self.at += 1;
        Some(self.at)
    }

    /// `{ key = value, key = value }` on one line, each key bare and used once.
    fn inline_table(&mut self, depth: usize) -> Option<usize> {
        self.at += 1;
        self.skip_blanks(false);
        let mut keys: Vec<&[u8]> = Vec::new();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(self.at);
        }
        loop {
            let key_start = self.at;
            while self.peek().is_some_and(is_bare_key_byte) {
                self.at += 1;
            }
            let key = &self.bytes[key_start..self.at];
            if key.is_empty() || keys.contains(&key) {
                return None;
            }
            keys.push(key);
            self.skip_blanks(false);
            if self.peek()? != b'=' {
                return None;
            }
            self.at += 1;
            self.skip_blanks(false);
            self.value(depth)?;
            self.skip_blanks(false);
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    self.skip_blanks(false);
                }
                b'}' => {
                    self.at += 1;
                    return Some(self.at);
                }
                _ => return None,
            }
        }
    }

    /// A one-line string without escapes or control characters (tabs allowed).
    fn string(&mut self) -> Option<()> {
        let quote = self.peek()?;
        self.at += 1;
        loop {
            self.at += find_string_stop(&self.bytes[self.at..], quote);
            let byte = self.peek()?;
            self.at += 1;
            match byte {
                b'\t' => {}
                _ if byte == quote => return Some(()),
                _ => return None,
            }
        }
    }

    /// A decimal integer without sign, underscores or leading zeros.
    fn integer(&mut self) -> Option<()> {
        let start = self.at;
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
        let digits = &self.bytes[start..self.at];
        (digits.len() == 1 || digits[0] != b'0').then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::locator::Locator;

    const KEYS: &[&str] = &["wheels", "sdist"];

    fn empty_values(text: &str) -> Option<Emptied> {
        without_unread_values(text, "package", KEYS)
    }

    #[test]
    fn the_values_of_the_keys_are_emptied_and_offsets_map_back() {
        let text = "version = 1\n\n[[package]]\nname = \"a\"\nsdist = { url = \"https://x/a.tar.gz\", size = 12 }\n\
                    wheels = [\n    { url = \"https://x/a.whl\", hash = \"sha256:ab\", tags = ['x', \"y\"] },\n]\n\n\
                    [package.metadata]\nwheels = [\"kept: not the item's own key\"]\n";
        let emptied = empty_values(text).expect("values to empty");
        assert!(!emptied.text.contains("a.tar.gz") && !emptied.text.contains("a.whl"), "{}", emptied.text);
        assert!(emptied.text.contains("sdist = {}\nwheels = []\n"), "{}", emptied.text);
        assert!(emptied.text.contains("kept: not the item's own key"), "{}", emptied.text);
        let locator = Locator::with_segments("uv.lock", text, emptied.segments.clone());
        for probe in ["version", "name", "sdist", "wheels", "]\n\n[package.metadata]", "kept"] {
            let derived = emptied.text.find(probe).expect(probe);
            assert_eq!(locator.to_original(derived), text.find(probe).expect(probe), "{probe}");
        }
        let document = toml::de::DeTable::parse(&emptied.text).expect("still TOML");
        assert!(document.get_ref().get("package").is_some());
    }

    #[test]
    fn values_that_are_not_plain_stay() {
        let texts = [
            // Escapes, control characters, other scalars, comments, quoted, dotted or repeated keys.
            "[[package]]\nwheels = [ { url = \"a\\u0041\" } ]\n",
            "[[package]]\nwheels = [ { url = \"a\u{1}\" } ]\n",
            "[[package]]\nwheels = [ 1.5, 2024-01-01 ]\n",
            "[[package]]\nwheels = [ 007 ]\n",
            "[[package]]\nwheels = [ true ]\n",
            "[[package]]\nwheels = [ # note\n]\n",
            "[[package]]\nwheels = [ { \"url\" = \"a\" } ]\n",
            "[[package]]\nwheels = [ { a.b = \"a\" } ]\n",
            "[[package]]\nwheels = [ { url = \"a\", url = \"b\" } ]\n",
            // Unfinished or malformed values.
            "[[package]]\nwheels = [ { url = } ]\n",
            "[[package]]\nwheels = [ { url = \"a\" ]\n",
            "[[package]]\nwheels = [ \"a\" \"b\" ]\n",
            "[[package]]\nsdist = { url = \"a\",\n size = 1 }\n",
            // Deeper than plain values go.
            "[[package]]\nwheels = [[[[[1]]]]]\n",
            // Not a key of a package item.
            "[package]\nwheels = [ \"a\" ]\n",
            "[[package]]\n[package.metadata]\nwheels = [ \"a\" ]\n",
            "[[ package ]]\nwheels = [ \"a\" ]\n",
            "[[package]]\nwheels.x = [ \"a\" ]\n",
            "[[package]]\nx = [\n\"a\",\n]\n",
            // A line inside a value that goes on, which only looks like a key.
            "[[package]]\nx = { a = [\nwheels = [ \"a\" ]\n] }\n",
            // A multi-line string anywhere.
            "[[package]]\nwheels = [ \"a\" ]\nnote = \"\"\"\nx\n\"\"\"\n",
            "",
        ];
        for text in texts {
            assert!(empty_values(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn strings_comments_and_brackets_are_followed_across_lines() {
        // The array of `x` goes on over lines holding brackets in strings and comments; `wheels` after it is the
        // package's own key again.
        let text = "[[package]]\nx = [ \"]\", '[', # ] [\n  \"\\\"]\",\n]\nwheels = [ \"a\" ]\n";
        let emptied = empty_values(text).expect("a value to empty");
        assert!(emptied.text.ends_with("wheels = []\n"), "{}", emptied.text);
        assert!(toml::de::DeTable::parse(&emptied.text).is_ok());
    }
}
