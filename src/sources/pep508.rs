//! The one door to pep508_rs, with guards against the inputs it panics on.
//!
//! pep508_rs 0.9.2 panics on two kinds of input, found by the garbled-input test:
//! - a package or extra name that ends in `-`, `_` or `.` before another character (`foo-==1.0`, `foo_ ;marker`,
//!   `foo[bar-]`): the name is validated with an `expect`. These are caught first and reported as errors.
//! - a marker followed by non-ASCII text (`extra<'3'é`): a count of characters is used as a count of bytes to slice
//!   the input. Each non-ASCII character is given to pep508_rs as as many `?` as it has bytes, which keeps every
//!   byte offset; no valid marker or requirement needs non-ASCII outside a quoted string, and the texts kept for
//!   the report are the original ones.

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use pep508_rs::{MarkerTree, Pep508Url, Requirement};

/// The URL of a `name @ url` requirement, kept as written.
///
/// pep508_rs's default URL type expands `${VAR}` with a regex and resolves relative paths against the current
/// directory. We only skip URL requirements, so neither is needed; and leaving them out keeps the regex engine, the
/// URL parser and their Unicode tables (about 60 KB of the page, compressed) out of the wasm, and avoids a
/// `current_dir()` call that panics in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct WrittenUrl(pub String);

impl fmt::Display for WrittenUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Pep508Url for WrittenUrl {
    type Err = Infallible;

    fn parse_url(url: &str, _working_dir: Option<&Path>) -> Result<Self, Self::Err> {
        Ok(Self(url.to_string()))
    }
}

/// A PEP 508 problem: what is wrong and where, as a byte span of the parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pep508Problem {
    /// The message (pep508_rs's words where it reports the problem itself).
    pub message: String,
    /// Byte index of the problem in the parsed text.
    pub start: usize,
    /// Length in bytes (may be 0 at the end of the text).
    pub len: usize,
}

/// Parses a PEP 508 requirement (`name[extras] specifiers-or-url ; marker`).
pub(crate) fn parse_requirement(text: &str) -> Result<Requirement<WrittenUrl>, Pep508Problem> {
    if let Some(problem) = name_ending_in_punctuation(text) {
        return Err(problem);
    }
    Requirement::<WrittenUrl>::from_str(&ascii_only(text)).map_err(|error| Pep508Problem {
        message: restore_character(error.message.to_string(), text, error.start),
        start: error.start,
        len: error.len,
    })
}

/// Parses an environment marker (`python_version < "3.8"`).
pub(crate) fn parse_marker(text: &str) -> Result<MarkerTree, Pep508Problem> {
    MarkerTree::parse_str::<WrittenUrl>(&ascii_only(text)).map_err(|error| Pep508Problem {
        message: restore_character(error.message.to_string(), text, error.start),
        start: error.start,
        len: error.len,
    })
}

/// `text` with each non-ASCII character replaced by as many `?` as it has bytes.
fn ascii_only(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut ascii = String::with_capacity(text.len());
    for character in text.chars() {
        if character.is_ascii() {
            ascii.push(character);
        } else {
            ascii.extend(std::iter::repeat_n('?', character.len_utf8()));
        }
    }
    Cow::Owned(ascii)
}

/// Puts the original character back into a message that quotes the `?` standing for it (``found `?` ``).
fn restore_character(message: String, text: &str, at: usize) -> String {
    match text.get(at..).and_then(|rest| rest.chars().next()).filter(|character| !character.is_ascii()) {
        Some(character) => message.replace("`?`", &format!("`{character}`")).replace("'?'", &format!("'{character}'")),
        None => message,
    }
}

/// Follows pep508_rs's reading of the name and extras and finds a name it would panic on: one that ends in
/// punctuation and is followed by more text. Returns `None` as soon as pep508_rs would report an error by itself.
fn name_ending_in_punctuation(text: &str) -> Option<Pep508Problem> {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let is_punctuation = |c: char| matches!(c, '-' | '_' | '.');
    let mut chars = text.char_indices().peekable();
    let eat_whitespace = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    };
    let problem = |kind: &str, (at, c): (usize, char)| Pep508Problem {
        message: format!("{kind} must end with an alphanumeric character, not `{c}`"),
        start: at,
        len: c.len_utf8(),
    };

    eat_whitespace(&mut chars);
    let mut last = chars.next().filter(|(_, c)| c.is_ascii_alphanumeric())?;
    while let Some(next) = chars.next_if(|&(_, c)| is_name_char(c)) {
        last = next;
    }
    if is_punctuation(last.1) && chars.peek().is_some() {
        return Some(problem("Package name", last));
    }
    eat_whitespace(&mut chars);
    chars.next_if(|&(_, c)| c == '[')?;
    eat_whitespace(&mut chars);
    let mut first = true;
    loop {
        match chars.peek().map(|&(_, c)| c) {
            Some(']') => return None,
            Some(',') if first => return None,
            Some(',') => {
                chars.next();
            }
            Some(_) if !first => return None,
            _ => {}
        }
        eat_whitespace(&mut chars);
        let mut last = chars.next().filter(|(_, c)| c.is_ascii_alphanumeric())?;
        while let Some(next) = chars.next_if(|&(_, c)| is_name_char(c)) {
            last = next;
        }
        if chars.peek().is_some_and(|&(_, c)| c != ',' && c != ']' && !c.is_whitespace()) {
            return None;
        }
        if is_punctuation(last.1) {
            return Some(problem("Extra name", last));
        }
        eat_whitespace(&mut chars);
        first = false;
    }
}

/// The byte span of the version specifier in a requirement that pep508_rs has read (`name [extras] specifier`,
/// the marker already cut off), trimmed and without the parentheses PEP 508 allows around it. An empty span sits
/// just after the name and extras when there is no specifier; `None` for a `name @ url` requirement.
pub(crate) fn specifier_span(requirement: &str) -> Option<(usize, usize)> {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let name_start = requirement.len() - requirement.trim_start().len();
    let mut at =
        requirement[name_start..].find(|c: char| !is_name_char(c)).map_or(requirement.len(), |i| name_start + i);
    let after_name = at;
    let skip_space =
        |at: usize| requirement[at..].find(|c: char| !c.is_whitespace()).map_or(requirement.len(), |i| at + i);
    at = skip_space(at);
    let mut before_specifier = after_name;
    if requirement[at..].starts_with('[') {
        at += requirement[at..].find(']')? + 1;
        before_specifier = at;
        at = skip_space(at);
    }
    let end = requirement.trim_end().len().max(at);
    let rest = &requirement[at..end];
    if rest.starts_with('@') {
        return None;
    }
    if rest.is_empty() {
        return Some((before_specifier, before_specifier));
    }
    match rest.strip_prefix('(').and_then(|inner| inner.strip_suffix(')')) {
        Some(inner) => {
            let start = at + 1 + (inner.len() - inner.trim_start().len());
            Some((start, start + inner.trim().len()))
        }
        None => Some((at, end)),
    }
}

/// The version specifier of a requirement string as written (`requests [socks] >= 2.8 ; python_version > "3"`
/// gives `>= 2.8`); `None` for a `name @ url` requirement.
pub(crate) fn written_specifier(requirement: &str) -> Option<String> {
    let head = requirement.split(';').next().unwrap_or(requirement);
    specifier_span(head).map(|(start, end)| head[start..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_would_panic_are_errors() {
        for (text, start) in [("foo-==1.0", 3), ("foo_ ; python_version > '3'", 3), ("a.[x]", 1), ("x- @ https://e", 1)]
        {
            let problem = parse_requirement(text).expect_err(text);
            assert_eq!(problem.start, start, "{text}");
            assert!(problem.message.starts_with("Package name must end"), "{text}");
        }
        for (text, start) in [("foo[bar-]", 7), ("foo[a, b_ ]", 8), ("foo[ok,bad.", 10)] {
            let problem = parse_requirement(text).expect_err(text);
            assert_eq!(problem.start, start, "{text}");
            assert!(problem.message.starts_with("Extra name must end"), "{text}");
        }
    }

    #[test]
    fn non_ascii_text_is_an_error_not_a_panic() {
        let problem = parse_marker("extra<'3'é").expect_err("not a marker");
        assert_eq!(problem.start, 9);
        assert!(problem.message.contains("'é'"), "{}", problem.message);
        assert!(parse_marker("platform_release == 'é'").is_ok());
        assert!(parse_requirement("naïve==1.0").is_err());
    }

    #[test]
    fn valid_and_ordinarily_invalid_text_goes_to_pep508_rs() {
        assert!(parse_requirement("foo-bar[a-b, c]>=1.0").is_ok());
        let trailing = parse_requirement("foo-").expect_err("pep508_rs reports a trailing `-` itself");
        assert_eq!((trailing.start, trailing.len), (3, 1));
        assert!(parse_requirement("foo[,a-]").is_err());
    }

    #[test]
    fn specifiers_are_found_as_written() {
        let cases = [
            ("requests>=2.10,<2.11", Some(">=2.10,<2.11")),
            ("requests [security] >= 2.8.1, == 2.8.* ", Some(">= 2.8.1, == 2.8.*")),
            ("name (>=1.0, <2)", Some(">=1.0, <2")),
            ("name[extra]", Some("")),
            ("name", Some("")),
            ("name @ https://example.org/x.whl", None),
            ("Mopidy-Dirble~=1.1 ; python_version<'3.8'", Some("~=1.1")),
        ];
        for (requirement, written) in cases {
            assert_eq!(written_specifier(requirement).as_deref(), written, "{requirement}");
        }
        assert_eq!(specifier_span("name[extra] ; marker".split(';').next().unwrap()), Some((11, 11)));
    }
}
