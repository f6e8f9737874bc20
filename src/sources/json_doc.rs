//! Reading JSON documents, and finding where each value was written.
//!
//! `serde_json` checks the document and reports a syntax error with its line and column, but its values carry no
//! positions. [`JsonOffsets`] is a second, cheap scan over the text (already known to be valid JSON) that records
//! where each value sits, keyed by its JSON pointer (RFC 6901): an object member at its key, an array item at its
//! first character. serde_json refuses nesting deeper than 128, and the scan keeps its own stack on the heap, so
//! neither can overflow the call stack.

use std::collections::HashMap;

use serde_json::Value;

use super::locator::Locator;
use super::SourceError;

/// Parses `text` as JSON; a syntax error becomes one [`SourceError`] at its place.
pub(crate) fn parse(text: &str, locator: &Locator<'_>) -> Result<Value, SourceError> {
    serde_json::from_str(text).map_err(|error| {
        let full = error.to_string();
        let message = full.rfind(" at line ").map_or(full.as_str(), |at| &full[..at]);
        locator.error_at_line_column(text, error.line(), error.column(), format!("invalid JSON: {message}"))
    })
}

/// Where each value of a JSON text was written, by JSON pointer.
#[derive(Debug, Default)]
pub(crate) struct JsonOffsets {
    offsets: HashMap<String, usize>,
}

/// serde_json's own limit: deeper documents are refused before they are scanned.
const MAX_DEPTH: usize = 128;

enum Frame {
    Object { base: usize },
    Array { base: usize, index: usize },
}

enum State {
    Value,
    ObjectStart,
    Key,
    ArrayStart,
    AfterValue,
}

impl JsonOffsets {
    /// Scans `text`. On text that is not valid JSON the scan stops early and keeps what it found.
    pub fn scan(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut offsets = HashMap::new();
        let mut path = String::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut state = State::Value;
        let mut at = 0;
        loop {
            at = skip_whitespace(bytes, at);
            let Some(&byte) = bytes.get(at) else { break };
            if stack.len() > MAX_DEPTH {
                break;
            }
            state = match state {
                State::Value => match byte {
                    b'{' => {
                        stack.push(Frame::Object { base: path.len() });
                        at += 1;
                        State::ObjectStart
                    }
                    b'[' => {
                        stack.push(Frame::Array { base: path.len(), index: 0 });
                        at += 1;
                        State::ArrayStart
                    }
                    b'"' => {
                        at = skip_string(bytes, at);
                        State::AfterValue
                    }
                    _ => {
                        at = skip_scalar(bytes, at);
                        State::AfterValue
                    }
                },
                State::ObjectStart if byte == b'}' => {
                    at += 1;
                    close(&mut stack, &mut path);
                    State::AfterValue
                }
                State::ObjectStart | State::Key => {
                    let Some(Frame::Object { base }) = stack.last() else { break };
                    if byte != b'"' {
                        break;
                    }
                    let end = skip_string(bytes, at);
                    let raw = &text[at..end];
                    let key = serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_string());
                    path.truncate(*base);
                    push_segment(&mut path, &key);
                    offsets.insert(path.clone(), at);
                    at = skip_whitespace(bytes, end);
                    if bytes.get(at) != Some(&b':') {
                        break;
                    }
                    at += 1;
                    State::Value
                }
                State::ArrayStart if byte == b']' => {
                    at += 1;
                    close(&mut stack, &mut path);
                    State::AfterValue
                }
                State::ArrayStart => {
                    let Some(Frame::Array { base, .. }) = stack.last() else { break };
                    path.truncate(*base);
                    push_segment(&mut path, "0");
                    offsets.insert(path.clone(), at);
                    State::Value
                }
                State::AfterValue => match (stack.last_mut(), byte) {
                    (Some(Frame::Object { .. }), b',') => {
                        at += 1;
                        State::Key
                    }
                    (Some(Frame::Array { base, index }), b',') => {
                        *index += 1;
                        at = skip_whitespace(bytes, at + 1);
                        path.truncate(*base);
                        push_segment(&mut path, &index.to_string());
                        offsets.insert(path.clone(), at);
                        State::Value
                    }
                    (Some(Frame::Object { .. }), b'}') | (Some(Frame::Array { .. }), b']') => {
                        at += 1;
                        close(&mut stack, &mut path);
                        State::AfterValue
                    }
                    _ => break,
                },
            };
        }
        Self { offsets }
    }

    /// The offset of the value at `path` (object keys and array indices, unescaped).
    pub fn offset<S: AsRef<str>>(&self, path: &[S]) -> Option<usize> {
        let mut pointer = String::new();
        for segment in path {
            push_segment(&mut pointer, segment.as_ref());
        }
        self.offsets.get(&pointer).copied()
    }

    /// The offset of the value at `path`, or of the nearest enclosing value that was found, or 0.
    pub fn nearest<S: AsRef<str>>(&self, path: &[S]) -> usize {
        (0..=path.len()).rev().find_map(|len| self.offset(&path[..len])).unwrap_or(0)
    }
}

fn close(stack: &mut Vec<Frame>, path: &mut String) {
    if let Some(Frame::Object { base } | Frame::Array { base, .. }) = stack.pop() {
        path.truncate(base);
    }
}

/// Appends `/segment` to a JSON pointer, escaping `~` and `/` (RFC 6901).
fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
}

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|byte| matches!(byte, b' ' | b'\t' | b'\r' | b'\n')) {
        at += 1;
    }
    at
}

/// The offset just after the string that starts (with its quote) at `at`.
fn skip_string(bytes: &[u8], mut at: usize) -> usize {
    at += 1;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

fn skip_scalar(bytes: &[u8], mut at: usize) -> usize {
    let start = at;
    while bytes.get(at).is_some_and(|byte| !matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')) {
        at += 1;
    }
    at.max(start + 1)
}

/// The string at `key` of a JSON object.
pub(crate) fn get_str<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// The type of a JSON value, for messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_point_at_their_keys_and_items_at_their_start() {
        let text = "{\n \"a\": {\"x/y\": 1, \"b\": [ {\"n\": 2}, 3 ]},\n \"c\": \"}\\\"\"\n}";
        let offsets = JsonOffsets::scan(text);
        assert_eq!(offsets.offset(&["a"]), Some(3));
        assert_eq!(offsets.offset(&["a", "x/y"]), Some(9));
        assert_eq!(offsets.offset(&["a", "b", "0"]), Some(26));
        assert_eq!(offsets.offset(&["a", "b", "0", "n"]), Some(27));
        assert_eq!(offsets.offset(&["a", "b", "1"]), Some(36));
        assert_eq!(offsets.offset(&["c"]), Some(43));
        assert_eq!(offsets.offset(&["d"]), None);
        assert_eq!(offsets.nearest(&["a", "b", "7"]), 19);
    }

    #[test]
    fn escaped_keys_are_found_by_their_value() {
        let offsets = JsonOffsets::scan(r#"{"\u0041b": [1]}"#);
        assert_eq!(offsets.offset(&["Ab", "0"]), Some(13));
    }

    #[test]
    fn broken_text_does_not_panic_or_hang() {
        for text in ["{", "[", "{\"a\"", "{\"a\":", "[1,", "\"", "{\"a\":[}", "}}]]", "{1:2}", "[\"\\"] {
            let _ = JsonOffsets::scan(text);
        }
    }

    #[test]
    fn a_syntax_error_has_its_line_and_column() {
        let text = "{\n  \"a\": x,\n}";
        let error = parse(text, &Locator::new("f.json", text)).unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.message.starts_with("invalid JSON: "), "{}", error.message);
        assert!(!error.message.contains("at line"), "{}", error.message);
    }

    #[test]
    fn nesting_deeper_than_serde_json_allows_is_an_error() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&text, &Locator::new("f.json", &text)).is_err());
        let _ = JsonOffsets::scan(&text);
    }
}
