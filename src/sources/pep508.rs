//! The one door to PEP 508: requirement strings, read with pep508_rs's names and markers and pep440_rs's version
//! specifiers.
//!
//! pep508_rs 0.9.2 panics on some inputs, found by the garbled-input test, so every call goes through here:
//! - a package or extra name that ends in `-`, `_` or `.` before another character (`foo-==1.0`): its requirement
//!   parser validates names with an `expect`. The requirement's structure is read here instead (see
//!   [`parse_requirement`]).
//! - a marker followed by non-ASCII text (`extra<'3'é`): a count of characters is used as a count of bytes to slice
//!   the input. Each non-ASCII character is given to pep508_rs as as many `?` as it has bytes, which keeps every
//!   byte offset; no valid marker needs non-ASCII outside a quoted string, and the texts kept for the report are the
//!   original ones.

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use pep508_rs::pep440_rs::{VersionSpecifier, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerTree, PackageName, Pep508Url, Requirement, VersionOrUrl};

use crate::sources::byte_scan::find_byte;

/// The URL of a `name @ url` requirement, kept as written.
///
/// pep508_rs's default URL type expands `${VAR}` with a regex and resolves relative paths against the current
/// directory. We only skip URL requirements, so neither is needed; and leaving them out keeps the regex engine, the
/// URL parser and their Unicode tables out of the wasm (their weight is in `docs/benchmarks.md`), and avoids a
/// `current_dir()` call that panics in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WrittenUrl(pub String);

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
///
/// The structure (name, extras, specifier or URL, marker) is read here; the parts are read by pep508_rs (names,
/// extras, markers) and pep440_rs (version specifiers). pep508_rs's own requirement parser is not used: its error
/// path expands `${VAR}` with the `regex` crate, which would put the regex engine and its Unicode tables in the
/// page, a large share of its weight budget. It also panics on names that end in punctuation.
pub(crate) fn parse_requirement(text: &str) -> Result<Requirement<WrittenUrl>, Pep508Problem> {
    let mut cursor = Cursor { text, at: 0 };
    cursor.skip_whitespace();
    let name = cursor.name("Package name")?;
    let name =
        PackageName::new(name.to_string()).map_err(|error| cursor.problem_before(name.len(), error.to_string()))?;
    cursor.skip_whitespace();
    let extras = if cursor.peek() == Some('[') { cursor.extras()? } else { Vec::new() };
    cursor.skip_whitespace();
    let version_or_url = match cursor.peek() {
        Some('@') => {
            cursor.bump();
            cursor.skip_whitespace();
            let url = cursor.take_while(|c| !c.is_whitespace());
            if url.is_empty() {
                return Err(cursor.problem(0, "Expected a URL after `@`"));
            }
            cursor.skip_whitespace();
            match cursor.peek() {
                None | Some(';') => {}
                Some(other) => {
                    return Err(cursor.problem(other.len_utf8(), format!("Expected `;` or the end, found `{other}`")))
                }
            }
            Some(VersionOrUrl::Url(WrittenUrl(url.to_string())))
        }
        Some('(') => {
            cursor.bump();
            let inner_start = cursor.at;
            let Some(close) = text[inner_start..].find(')') else {
                return Err(Pep508Problem {
                    message: "Missing closing parenthesis (expected `)`)".into(),
                    start: inner_start - 1,
                    len: 1,
                });
            };
            let specifiers = specifiers(text, inner_start, inner_start + close)?;
            cursor.at = inner_start + close + 1;
            cursor.skip_whitespace();
            match cursor.peek() {
                None | Some(';') => {}
                Some(other) => {
                    return Err(cursor.problem(other.len_utf8(), format!("Expected `;` or the end, found `{other}`")))
                }
            }
            Some(VersionOrUrl::VersionSpecifier(specifiers))
        }
        Some('<' | '=' | '>' | '~' | '!') => {
            let end = find_byte(&text[cursor.at..], b';').map_or(text.len(), |offset| cursor.at + offset);
            let specifiers = specifiers(text, cursor.at, end)?;
            cursor.at = end;
            Some(VersionOrUrl::VersionSpecifier(specifiers))
        }
        None | Some(';') => None,
        Some(other) => {
            return Err(cursor.problem(
                other.len_utf8(),
                format!("Expected one of `@`, `(`, `<`, `=`, `>`, `~`, `!`, `;`, found `{other}`"),
            ))
        }
    };
    let marker = if cursor.peek() == Some(';') {
        let marker_start = cursor.at + 1;
        parse_marker(&text[marker_start..])
            .map_err(|problem| Pep508Problem { start: marker_start + problem.start, ..problem })?
    } else {
        MarkerTree::TRUE
    };
    Ok(Requirement { name, extras, version_or_url, marker, origin: None })
}

/// Reads `text[start..end]` as a comma-separated list of version specifiers, each with pep440_rs; a problem points
/// at the clause that could not be read.
fn specifiers(text: &str, start: usize, end: usize) -> Result<VersionSpecifiers, Pep508Problem> {
    let list = &text[start..end];
    if !list.contains(',') {
        // One clause, the usual case: no list to build and sort.
        return clause(list, start).map(VersionSpecifiers::from);
    }
    let mut clauses = Vec::new();
    let mut clause_start = start;
    for written in list.split(',') {
        clauses.push(clause(written, clause_start)?);
        clause_start += written.len() + 1;
    }
    Ok(clauses.into_iter().collect())
}

/// Reads one clause (`>= 1.0`), written at byte `start` of the requirement, with pep440_rs.
fn clause(written: &str, start: usize) -> Result<VersionSpecifier, Pep508Problem> {
    let trimmed = written.trim();
    let at = start + (written.len() - written.trim_start().len());
    if trimmed.is_empty() {
        return Err(Pep508Problem { message: "Expected a version specifier".into(), start: at, len: 0 });
    }
    VersionSpecifier::from_str(trimmed).map_err(|error| Pep508Problem {
        message: error.to_string(),
        start: at,
        len: trimmed.len(),
    })
}

/// A position in a requirement string, moving forward.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.at += c.len_utf8();
        }
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let start = self.at;
        let length = self.text[start..].find(|c: char| !keep(c)).unwrap_or(self.text.len() - start);
        self.at += length;
        &self.text[start..self.at]
    }

    fn skip_whitespace(&mut self) {
        // Most places have no whitespace at all: an ASCII byte that is not whitespace settles it.
        match self.text.as_bytes().get(self.at) {
            Some(byte) if byte.is_ascii() && !byte.is_ascii_whitespace() => {}
            None => {}
            Some(_) => {
                self.take_while(char::is_whitespace);
            }
        }
    }

    /// A problem spanning `len` bytes from here.
    fn problem(&self, len: usize, message: impl Into<String>) -> Pep508Problem {
        Pep508Problem { message: message.into(), start: self.at, len }
    }

    /// A problem spanning the `len` bytes just read.
    fn problem_before(&self, len: usize, message: impl Into<String>) -> Pep508Problem {
        Pep508Problem { message: message.into(), start: self.at - len, len }
    }

    /// A name per PEP 508: ASCII letters and digits, with `.`, `-` and `_` inside.
    fn name(&mut self, kind: &str) -> Result<&'a str, Pep508Problem> {
        match self.peek() {
            None => return Err(self.problem(0, format!("Expected a {}", kind.to_lowercase()))),
            Some(first) if !first.is_ascii_alphanumeric() => {
                let looks_like_a_path = matches!(first, '.' | '/' | '\\') || self.text[self.at..].contains("://");
                let message = if kind == "Package name" && looks_like_a_path {
                    "URL requirement must be preceded by a package name. Add the name of the package before the URL \
                     (e.g., `package_name @ /path/to/file`)."
                        .to_string()
                } else {
                    format!("Expected {} starting with an alphanumeric character, found `{first}`", kind.to_lowercase())
                };
                return Err(self.problem(first.len_utf8(), message));
            }
            Some(_) => {}
        }
        let name_len = self.text.as_bytes()[self.at..]
            .iter()
            .take_while(|&&byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
            .count();
        let name = &self.text[self.at..self.at + name_len];
        self.at += name_len;
        match name.chars().last() {
            Some(last) if !last.is_ascii_alphanumeric() => {
                Err(self.problem_before(1, format!("{kind} must end with an alphanumeric character, not `{last}`")))
            }
            _ => Ok(name),
        }
    }

    /// `[extra, …]`, the cursor on the `[`.
    fn extras(&mut self) -> Result<Vec<ExtraName>, Pep508Problem> {
        let open = self.at;
        self.bump();
        let mut extras = Vec::new();
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(']') if extras.is_empty() => {
                    self.bump();
                    return Ok(extras);
                }
                None => {
                    return Err(Pep508Problem {
                        message: "Missing closing bracket (expected `]`)".into(),
                        start: open,
                        len: 1,
                    })
                }
                Some(_) => {}
            }
            let name = self.name("Extra name")?;
            extras.push(
                ExtraName::new(name.to_string()).map_err(|error| self.problem_before(name.len(), error.to_string()))?,
            );
            self.skip_whitespace();
            match self.peek() {
                Some(',') => self.bump(),
                Some(']') => {
                    self.bump();
                    return Ok(extras);
                }
                None => {
                    return Err(Pep508Problem {
                        message: "Missing closing bracket (expected `]`)".into(),
                        start: open,
                        len: 1,
                    })
                }
                Some(other) => {
                    return Err(self.problem(
                        other.len_utf8(),
                        format!("Expected either `,` (separating extras) or `]` (ending the extras), found `{other}`"),
                    ))
                }
            }
        }
    }
}

/// How deeply parentheses may nest in a marker. pep508_rs reads markers by recursive descent, and the page's wasm
/// stack (about 1 MB) overflows at about 1,100 levels; real markers nest two or three deep.
pub(crate) const MAX_MARKER_NESTING: usize = 32;

/// Parses an environment marker (`python_version < "3.8"`).
pub(crate) fn parse_marker(text: &str) -> Result<MarkerTree, Pep508Problem> {
    if let Some(at) = too_deep(text) {
        return Err(Pep508Problem {
            message: format!("Parentheses nest more than {MAX_MARKER_NESTING} deep"),
            start: at,
            len: 1,
        });
    }
    MarkerTree::parse_str::<WrittenUrl>(&ascii_only(text)).map_err(|error| Pep508Problem {
        message: restore_character(error.message.to_string(), text, error.start),
        start: error.start,
        len: error.len,
    })
}

/// The byte index of the first `(` that opens a level past [`MAX_MARKER_NESTING`], outside quoted strings.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote = None;
    for (at, byte) in text.bytes().enumerate() {
        match (quote, byte) {
            (Some(open), _) if byte == open => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(byte),
            (None, b'(') => {
                depth += 1;
                if depth > MAX_MARKER_NESTING {
                    return Some(at);
                }
            }
            (None, b')') => depth = depth.saturating_sub(1),
            (None, _) => {}
        }
    }
    None
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

/// The environment marker of a requirement string as written, trimmed (`requests ; python_version > "3"` gives
/// `python_version > "3"`); `None` without one. The requirement must have been read by [`parse_requirement`], so
/// its first `;` outside a URL starts the marker.
pub(crate) fn written_marker(requirement: &str) -> Option<&str> {
    let head_end = match requirement.find('@') {
        // A URL has no whitespace and may hold `;`: the marker's `;` comes after the URL's end.
        Some(at) => {
            let url = at + 1 + (requirement[at + 1..].len() - requirement[at + 1..].trim_start().len());
            requirement[url..].find(char::is_whitespace).map_or(requirement.len(), |end| url + end)
        }
        None => 0,
    };
    let semicolon = head_end + requirement[head_end..].find(';')?;
    Some(requirement[semicolon + 1..].trim()).filter(|marker| !marker.is_empty())
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
    fn deep_nesting_is_an_error_at_the_first_parenthesis_too_many() {
        let nested = |levels: usize| format!("{}python_version > \"3\"{}", "(".repeat(levels), ")".repeat(levels));
        assert!(parse_marker(&nested(MAX_MARKER_NESTING)).is_ok());
        for levels in [MAX_MARKER_NESTING + 1, 1200, 100_000] {
            let problem = parse_marker(&nested(levels)).expect_err("too deep");
            assert_eq!((problem.start, problem.len), (MAX_MARKER_NESTING, 1));
            assert!(problem.message.contains("nest more than 32 deep"), "{}", problem.message);
        }
        // Parentheses inside a quoted string are text, not nesting.
        let quoted = format!("platform_release == '{}'", "(".repeat(100));
        assert!(parse_marker(&quoted).is_ok());
        let requirement = format!("six==1.16.0 ; {}", nested(1200));
        let problem = parse_requirement(&requirement).expect_err("too deep");
        assert_eq!(problem.start, "six==1.16.0 ; ".len() + MAX_MARKER_NESTING);
    }

    #[test]
    fn valid_and_ordinarily_invalid_text_goes_to_pep508_rs() {
        assert!(parse_requirement("foo-bar[a-b, c]>=1.0").is_ok());
        let trailing = parse_requirement("foo-").expect_err("pep508_rs reports a trailing `-` itself");
        assert_eq!((trailing.start, trailing.len), (3, 1));
        assert!(parse_requirement("foo[,a-]").is_err());
    }

    #[test]
    fn one_clause_and_lists_read_like_pep440_rs() {
        for text in ["==2.31.0", ">=1.0", " ~= 1.4 ", "==1.*", "===1.0", ">=1.0, <2", "<2,>=1.0", "==1.0rc1", "!=1.0"] {
            let read = specifiers(text, 0, text.len()).expect(text);
            assert_eq!(read, VersionSpecifiers::from_str(text).expect(text), "{text}");
        }
        for (text, at) in [("", 0), ("  ", 2), ("==", 0), (" >=x", 1), (">=1,", 4), (">=1, ~=1", 5)] {
            let problem = specifiers(text, 0, text.len()).expect_err(text);
            assert_eq!(problem.start, at, "{text}: {}", problem.message);
        }
    }

    #[test]
    fn markers_are_found_as_written() {
        assert_eq!(written_marker("requests ; python_version > \"3\""), Some("python_version > \"3\""));
        assert_eq!(written_marker("a>=1;extra=='x'"), Some("extra=='x'"));
        assert_eq!(written_marker("a @ https://e.org/a;b.whl ; os_name == 'nt'"), Some("os_name == 'nt'"));
        assert_eq!(written_marker("a>=1"), None);
        assert_eq!(written_marker("a>=1 ; "), None);
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
