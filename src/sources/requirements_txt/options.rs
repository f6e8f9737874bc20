//! The options pip reads in a requirements file: splitting a line into its requirement and its options
//! (pip's `break_args_options`), shell-like word splitting (`shlex.split`) and optparse's rules for long, short,
//! abbreviated and attached-value options.

use std::borrow::Cow;

use crate::sources::byte_scan::{find_word_break_candidate, split_at_byte};

/// What an option does, as far as the audit cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OptionKind {
    /// `-r`: reads another requirements file.
    Requirement,
    /// `-c`: reads a constraints file.
    Constraint,
    /// `-e`: an editable install.
    Editable,
    /// Where pip finds packages (`--index-url`, `--find-links`, …).
    Index,
    /// How pip installs, for the whole file (`--pre`, `--no-binary`, …).
    Install,
    /// Options of a single requirement (`--hash`, `--global-option`, `--config-settings`).
    PerRequirement,
}

/// One option pip knows.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct OptionSpec {
    /// The long names; the first is the canonical one.
    pub long: &'static [&'static str],
    /// The short name, if any.
    pub short: Option<char>,
    /// Whether the option takes a value.
    pub takes_value: bool,
    /// What it does.
    pub kind: OptionKind,
}

/// pip's `SUPPORTED_OPTIONS` and `SUPPORTED_OPTIONS_REQ` (`pip/_internal/req/req_file.py`, pip 25).
pub(super) const OPTIONS: &[OptionSpec] = &[
    spec(&["--index-url", "--pypi-url"], Some('i'), true, OptionKind::Index),
    spec(&["--extra-index-url"], None, true, OptionKind::Index),
    spec(&["--no-index"], None, false, OptionKind::Index),
    spec(&["--constraint"], Some('c'), true, OptionKind::Constraint),
    spec(&["--requirement"], Some('r'), true, OptionKind::Requirement),
    spec(&["--editable"], Some('e'), true, OptionKind::Editable),
    spec(&["--find-links"], Some('f'), true, OptionKind::Index),
    spec(&["--no-binary"], None, true, OptionKind::Install),
    spec(&["--only-binary"], None, true, OptionKind::Install),
    spec(&["--prefer-binary"], None, false, OptionKind::Install),
    spec(&["--require-hashes"], None, false, OptionKind::Install),
    spec(&["--pre"], None, false, OptionKind::Install),
    spec(&["--trusted-host"], None, true, OptionKind::Index),
    spec(&["--use-feature"], None, true, OptionKind::Install),
    spec(&["--global-option"], None, true, OptionKind::PerRequirement),
    spec(&["--hash"], None, true, OptionKind::PerRequirement),
    spec(&["--config-settings"], Some('C'), true, OptionKind::PerRequirement),
];

const fn spec(long: &'static [&'static str], short: Option<char>, takes_value: bool, kind: OptionKind) -> OptionSpec {
    OptionSpec { long, short, takes_value, kind }
}

impl OptionSpec {
    /// The canonical long name.
    pub fn name(&self) -> &'static str {
        self.long[0]
    }
}

/// Splits a logical line into the requirement part and the options part, as pip does: words are separated by
/// spaces, and the options start at the first word that begins with `-`. Tabs separate words too (pip only splits
/// on spaces, which turns `pkg==1.0<TAB>--hash=…` into an invalid requirement; reading it as meant is kinder).
/// Returns the byte index where the options start (the text's length when there are none).
pub(super) fn options_start(line: &str) -> usize {
    // Bytes suffice: the three characters looked for are ASCII, and no byte of a multi-byte character is ASCII.
    let mut word_start = 0;
    for (index, byte) in line.bytes().enumerate() {
        if byte == b' ' || byte == b'\t' {
            word_start = index + 1;
        } else if index == word_start && byte == b'-' {
            return index;
        }
    }
    line.len()
}

/// A word of the options part, with its quotes and escapes resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Word<'a> {
    /// The word after quote removal: the line's own text when it had no quotes or escapes (most words).
    pub text: Cow<'a, str>,
    /// Byte span in the line text (the word as written, quotes included).
    pub start: usize,
    /// End of the span.
    pub end: usize,
}

/// Why the options part could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SplitError {
    /// What went wrong (the words `shlex` would say).
    pub message: &'static str,
    /// Byte index in the line text where the problem starts.
    pub at: usize,
}

/// Splits `line[start..]` into words like Python's `shlex.split` (POSIX mode, no comments): single quotes keep
/// everything, double quotes allow `\"` and `\\` only, a backslash outside quotes escapes the next character.
pub(super) fn split_words(line: &str, start: usize) -> Result<Vec<Word<'_>>, SplitError> {
    let mut words = Vec::new();
    let mut current: Option<Word> = None;
    let next_char = |at: usize| line[at..].chars().next();
    // The byte index of the next character to read.
    let mut at = start;
    while let Some(character) = next_char(at) {
        let index = at;
        at += character.len_utf8();
        if character.is_whitespace() {
            words.extend(current.take());
            continue;
        }
        let word = current.get_or_insert(Word { text: Cow::Borrowed(""), start: index, end: index });
        match character {
            '\'' | '"' => {
                let quote = character;
                loop {
                    let Some(inner) = next_char(at) else {
                        return Err(SplitError { message: "no closing quotation", at: index });
                    };
                    let inner_at = at;
                    at += inner.len_utf8();
                    if inner == quote {
                        break;
                    }
                    if inner == '\\' && quote == '"' {
                        match next_char(at) {
                            Some(escaped @ ('"' | '\\')) => {
                                word.text.to_mut().push(escaped);
                                at += 1;
                            }
                            Some(_) => word.text.to_mut().push('\\'),
                            None => return Err(SplitError { message: "no closing quotation", at: inner_at }),
                        }
                    } else {
                        word.text.to_mut().push(inner);
                    }
                }
            }
            '\\' => match next_char(at) {
                Some(escaped) => {
                    word.text.to_mut().push(escaped);
                    at += escaped.len_utf8();
                }
                None => return Err(SplitError { message: "no escaped character", at: index }),
            },
            _ => {
                // A run of plain characters is copied at once (a `--hash=sha256:…` value is 71 of them).
                at = plain_run_end(line, index);
                if word.text.is_empty() {
                    word.text = Cow::Borrowed(&line[index..at]);
                } else {
                    word.text.to_mut().push_str(&line[index..at]);
                }
            }
        }
        word.end = at;
    }
    words.extend(current);
    Ok(words)
}

/// The end of the run of characters from `start` that are neither whitespace nor a quote or backslash. ASCII bytes
/// are judged as bytes; only other characters are decoded.
fn plain_run_end(line: &str, start: usize) -> usize {
    let bytes = line.as_bytes();
    let mut at = start + find_word_break_candidate(&bytes[start..]);
    while let Some(&byte) = bytes.get(at) {
        if byte.is_ascii() {
            if matches!(byte, b'\t'..=b'\r' | b' ' | b'\'' | b'"' | b'\\') {
                break;
            }
            at += 1;
        } else {
            let character = line[at..].chars().next().expect("`at` is on a character boundary");
            if character.is_whitespace() {
                break;
            }
            at += character.len_utf8();
        }
    }
    at
}

/// One item of an options part, after optparse's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum OptionItem<'a> {
    /// A known option, with its value when it takes one.
    Known {
        /// Which option.
        spec: &'static OptionSpec,
        /// The value.
        value: Option<Cow<'a, str>>,
        /// Byte index in the line where the option starts.
        start: usize,
        /// Byte index just past the option's value.
        end: usize,
    },
    /// Something pip would reject: an unknown or ambiguous option, a missing or unexpected value.
    Invalid {
        /// What is wrong.
        message: String,
        /// Byte index in the line.
        start: usize,
    },
    /// A word that is not an option; pip ignores it.
    Stray {
        /// The word.
        text: Cow<'a, str>,
        /// Byte index in the line.
        start: usize,
    },
}

/// Reads the words of an options part the way optparse does: `--name=value`, `--name value`, unique prefixes of
/// long names, `-xVALUE` and `-x VALUE`; a value is taken even when it starts with `-`; `--` ends the options.
pub(super) fn read_options<'a>(words: &[Word<'a>]) -> Vec<OptionItem<'a>> {
    let mut items = Vec::new();
    let mut index = 0;
    while index < words.len() {
        let word = &words[index];
        index += 1;
        let text = &*word.text;
        if text == "--" {
            items.extend(
                words[index..].iter().map(|word| OptionItem::Stray { text: word.text.clone(), start: word.start }),
            );
            break;
        }
        if let Some(long) = text.strip_prefix("--") {
            let (name, attached) = match split_at_byte(long, b'=') {
                Some((name, value)) => (name, Some(tail(&word.text, text.len() - value.len()))),
                None => (long, None),
            };
            let spec = match find_long(name) {
                Ok(spec) => spec,
                Err(message) => {
                    let swallowed = skip_strays(words, &mut index);
                    items.push(OptionItem::Invalid { message: format!("{message}{swallowed}"), start: word.start });
                    continue;
                }
            };
            match (spec.takes_value, attached) {
                (true, Some(value)) => items.push(known(spec, Some(value), word.start, word.end)),
                (true, None) => match words.get(index) {
                    Some(value) => {
                        index += 1;
                        items.push(known(spec, Some(value.text.clone()), word.start, value.end));
                    }
                    None => items.push(missing_value(spec, word.start)),
                },
                (false, Some(_)) => items.push(OptionItem::Invalid {
                    message: format!("option `{}` takes no value", spec.name()),
                    start: word.start,
                }),
                (false, None) => items.push(known(spec, None, word.start, word.end)),
            }
        } else if let Some(short) = text.strip_prefix('-').filter(|short| !short.is_empty()) {
            let mut characters = short.chars();
            let letter = characters.next().unwrap_or('-');
            let rest = characters.as_str();
            match OPTIONS.iter().find(|spec| spec.short == Some(letter)) {
                // Every short option pip reads takes a value, attached or in the next word.
                Some(spec) if !rest.is_empty() => {
                    items.push(known(spec, Some(tail(&word.text, text.len() - rest.len())), word.start, word.end))
                }
                Some(spec) => match words.get(index) {
                    Some(value) => {
                        index += 1;
                        items.push(known(spec, Some(value.text.clone()), word.start, value.end));
                    }
                    None => items.push(missing_value(spec, word.start)),
                },
                None => {
                    let swallowed = skip_strays(words, &mut index);
                    items.push(OptionItem::Invalid {
                        message: format!("unknown option `-{letter}`{swallowed}"),
                        start: word.start,
                    });
                }
            }
        } else {
            items.push(OptionItem::Stray { text: word.text.clone(), start: word.start });
        }
    }
    items
}

/// `text[from..]`, borrowed from the line when `text` is.
fn tail<'a>(text: &Cow<'a, str>, from: usize) -> Cow<'a, str> {
    match text {
        Cow::Borrowed(text) => Cow::Borrowed(&text[from..]),
        Cow::Owned(text) => Cow::Owned(text[from..].to_string()),
    }
}

fn known<'a>(spec: &'static OptionSpec, value: Option<Cow<'a, str>>, start: usize, end: usize) -> OptionItem<'a> {
    OptionItem::Known { spec, value, start, end }
}

fn missing_value(spec: &OptionSpec, start: usize) -> OptionItem<'static> {
    OptionItem::Invalid { message: format!("option `{}` needs a value", spec.name()), start }
}

/// After an unknown option, the words up to the next option may be its values: they are named in the message
/// rather than reported one by one.
fn skip_strays(words: &[Word], index: &mut usize) -> String {
    let first = *index;
    while words.get(*index).is_some_and(|word| !word.text.starts_with('-')) {
        *index += 1;
    }
    let skipped: Vec<&str> = words[first..*index].iter().map(|word| &*word.text).collect();
    if skipped.is_empty() {
        String::new()
    } else {
        format!(" (with `{}`)", skipped.join(" "))
    }
}

/// optparse's `_match_abbrev`: an exact long name, or the one long name that starts with `name`.
fn find_long(name: &str) -> Result<&'static OptionSpec, String> {
    // Exact names first: nearly every option is written in full, and a length check rules most names out at once.
    if let Some(spec) = OPTIONS.iter().find(|spec| spec.long.iter().any(|long| &long[2..] == name)) {
        return Ok(spec);
    }
    let mut candidates: Vec<(&'static str, &'static OptionSpec)> = Vec::new();
    for spec in OPTIONS {
        for &long in spec.long {
            if long[2..].starts_with(name) && !name.is_empty() {
                candidates.push((long, spec));
            }
        }
    }
    let written = format!("--{name}");
    match candidates.as_slice() {
        [(_, spec)] => Ok(spec),
        [] => Err(format!("unknown option `{written}`")),
        several => {
            let names: Vec<String> = several.iter().map(|(long, _)| format!("`{long}`")).collect();
            Err(format!("option `{written}` is ambiguous ({})", names.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(options: &str) -> Vec<String> {
        let words = split_words(options, 0).expect("splits");
        read_options(&words)
            .into_iter()
            .map(|item| match item {
                OptionItem::Known { spec, value: Some(value), .. } => format!("{}={value}", spec.name()),
                OptionItem::Known { spec, value: None, .. } => spec.name().to_string(),
                OptionItem::Invalid { message, .. } => format!("invalid: {message}"),
                OptionItem::Stray { text, .. } => format!("stray: {text}"),
            })
            .collect()
    }

    #[test]
    fn options_start_at_the_first_word_with_a_dash() {
        assert_eq!(options_start("pkg==1.0 --hash=x"), 9);
        assert_eq!(options_start("pkg==1.0\t--hash=x"), 9);
        assert_eq!(options_start("-r other.txt"), 0);
        assert_eq!(options_start("pkg-name==1.0"), 13);
        assert_eq!(options_start("foo; python_version<\"3.8\" --hash=x"), 26);
    }

    #[test]
    fn values_attached_separate_and_abbreviated() {
        assert_eq!(
            read("-i https://a --extra-index-url=https://b -fhttps://c"),
            ["--index-url=https://a", "--extra-index-url=https://b", "--find-links=https://c"]
        );
        assert_eq!(
            read("--hash sha256:1 --hash=sha256:2 -C k=v --pref"),
            ["--hash=sha256:1", "--hash=sha256:2", "--config-settings=k=v", "--prefer-binary"]
        );
        assert_eq!(read("--config-settings --hash=x"), ["--config-settings=--hash=x"]);
        assert_eq!(read("--pre SomePackage"), ["--pre", "stray: SomePackage"]);
    }

    #[test]
    fn bad_options_are_reported_not_fatal() {
        assert_eq!(
            read("--unknown junk more --pre"),
            ["invalid: unknown option `--unknown` (with `junk more`)", "--pre"]
        );
        assert_eq!(read("--no"), ["invalid: option `--no` is ambiguous (`--no-index`, `--no-binary`)"]);
        assert_eq!(read("--hash"), ["invalid: option `--hash` needs a value"]);
        assert_eq!(read("--pre=yes"), ["invalid: option `--pre` takes no value"]);
        assert_eq!(read("-x"), ["invalid: unknown option `-x`"]);
    }

    #[test]
    fn words_split_like_shlex() {
        let words = split_words(r#"--global-option="--no-user-cfg" 'a b' c\ d "e\"f""#, 0).unwrap();
        let texts: Vec<&str> = words.iter().map(|word| &*word.text).collect();
        assert_eq!(texts, ["--global-option=--no-user-cfg", "a b", "c d", "e\"f"]);
        assert_eq!((words[1].start, words[1].end), (32, 37));
        assert_eq!(split_words("--hash=x\"", 0).unwrap_err(), SplitError { message: "no closing quotation", at: 8 });
        assert_eq!(split_words("x\\", 0).unwrap_err().message, "no escaped character");
    }
}
