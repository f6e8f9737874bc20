//! Reading TOML documents with a span on every key and value.
//!
//! The `toml` crate's [`DeTable`] keeps the byte span of every key, value and array item, so each dependency can
//! point at its own line without a second scan of the text. Its parser stops at a nesting depth of 80 with an error,
//! so deeply nested input (`[[[[…` or `{a={a={…`) cannot overflow the stack.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::entry;
use super::locator::Locator;
use super::{ParsedFile, SourceError};
use crate::model::{DependencyVersion, Origin, SkipReason};

/// A TOML value with its span.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;
/// A TOML table (keys in sorted order, each with its span).
pub(crate) type Table<'i> = DeTable<'i>;

/// Parses `text` as TOML; a syntax error becomes one [`SourceError`] at its place.
pub(crate) fn parse<'i>(text: &'i str, locator: &Locator<'_>) -> Result<Spanned<Table<'i>>, SourceError> {
    DeTable::parse(text).map_err(|error| {
        let span = error.span().unwrap_or_else(|| {
            // The toml crate gives no place for a dotted key past its depth limit (`a.a.a…`, 80 parts): the first
            // line with that many nesting characters is where it is.
            let line_start = text
                .split_inclusive('\n')
                .scan(0, |start, line| {
                    let at = *start;
                    *start += line.len();
                    Some((at, line))
                })
                .find(|(_, line)| line.bytes().filter(|byte| matches!(byte, b'.' | b'[' | b'{')).count() >= 80)
                .map_or(0, |(at, _)| at);
            line_start..line_start
        });
        let message = error.message().trim().replace('\n', "; ");
        locator.error(span.start, span.end, format!("invalid TOML: {message}"))
    })
}

/// The value of `key` in `table`.
pub(crate) fn get<'a, 'i>(table: &'a Table<'i>, key: &str) -> Option<&'a Value<'i>> {
    table.get(key)
}

/// The value of `key` when it is a table.
pub(crate) fn get_table<'a, 'i>(table: &'a Table<'i>, key: &str) -> Option<&'a Table<'i>> {
    get(table, key).and_then(|value| value.get_ref().as_table())
}

/// The value of `key` when it is a string.
pub(crate) fn get_str<'a>(table: &'a Table<'_>, key: &str) -> Option<&'a str> {
    get(table, key).and_then(|value| value.get_ref().as_str())
}

/// The value of `key` when it is a boolean.
pub(crate) fn get_bool(table: &Table<'_>, key: &str) -> Option<bool> {
    get(table, key).and_then(|value| value.get_ref().as_bool())
}

/// The items of the array `key` (an inline array or an array of tables); empty when absent or not an array.
pub(crate) fn get_array<'a, 'i>(table: &'a Table<'i>, key: &str) -> &'a [Value<'i>] {
    get(table, key).and_then(|value| value.get_ref().as_array()).map_or(&[], |array| array)
}

/// The entries of `table` in file order (the table itself keeps them sorted by key).
pub(crate) fn entries_in_file_order<'a, 'i>(table: &'a Table<'i>) -> Vec<(&'a str, &'a Value<'i>)> {
    let mut entries: Vec<_> =
        table.iter().map(|(key, value)| (key.span().start, key.get_ref().as_ref(), value)).collect();
    crate::sorting::sort_by_key(&mut entries, |(start, _, _)| *start);
    entries.into_iter().map(|(_, key, value)| (key, value)).collect()
}

/// Where the content of the string value starting at `value_start` begins, when the value is written without escape
/// sequences (so that offsets into the string are offsets into the file). `None` when escapes make that untrue.
pub(crate) fn string_content_start(source: &str, value_start: usize, content: &str) -> Option<usize> {
    let rest = source.get(value_start..)?;
    let quote_len = if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
        3
    } else if rest.starts_with('"') || rest.starts_with('\'') {
        1
    } else {
        return None;
    };
    let start = value_start + quote_len;
    (source.get(start..start + content.len()) == Some(content)).then_some(start)
}

/// Where `key` of `table` is written, or `fallback` when it is absent.
pub(crate) fn key_start(table: &Table<'_>, key: &str, fallback: usize) -> usize {
    table.get_key_value(key).map_or(fallback, |(key, _)| key.span().start)
}

/// The version of a locked package entry: pinned, or skipped when absent or not PEP 440.
pub(crate) fn locked_version(table: &Table<'_>) -> DependencyVersion {
    match get(table, "version").map(Spanned::get_ref) {
        None => DependencyVersion::Skipped(SkipReason::NoVersion),
        Some(DeValue::String(version)) if version.trim().is_empty() => {
            DependencyVersion::Skipped(SkipReason::NoVersion)
        }
        Some(DeValue::String(version)) => entry::pinned_version(version),
        Some(other) => DependencyVersion::Skipped(SkipReason::InvalidVersion {
            version: other.type_str().to_string(),
            message: "expected a string".to_string(),
        }),
    }
}

/// The strings of the array `key` (`groups = ["main", "dev"]`); other items are left out.
pub(crate) fn get_strings(table: &Table<'_>, key: &str) -> Vec<String> {
    get_array(table, key).iter().filter_map(|item| item.get_ref().as_str()).map(str::to_string).collect()
}

/// Visits the package tables of a lockfile's `[[package]]` array in file order. An item that is not a table, or has
/// no `name`, becomes a skipped dependency and an error, and the other items are still read. `each` gets the table,
/// the package name and the origin of its `name` key, and returns the dependency.
pub(crate) fn for_each_package<'i>(
    items: &[Value<'i>],
    array_key: &str,
    locator: &Locator<'_>,
    parsed: &mut ParsedFile,
    mut each: impl FnMut(&Table<'i>, &str, Origin) -> crate::model::Dependency,
) {
    for (position, item) in items.iter().enumerate() {
        let label = format!("{array_key} #{}", position + 1);
        let item_start = item.span().start;
        let Some(table) = item.get_ref().as_table() else {
            let message = format!("{label} is {}, not a table", item.get_ref().type_str());
            parsed.errors.push(locator.error(item_start, item.span().end, message.clone()));
            let reason = SkipReason::InvalidEntry(message);
            parsed.dependencies.push(entry::skipped(&label, reason, locator.origin(item_start), Vec::new()));
            continue;
        };
        match get(table, "name").map(|name| (name, name.get_ref().as_str())) {
            Some((_, Some(name))) if !name.trim().is_empty() => {
                let origin = locator.origin(key_start(table, "name", item_start));
                let dependency = each(table, name, origin);
                parsed.dependencies.push(dependency);
            }
            found => {
                let message = match found {
                    Some((value, None)) => {
                        format!("the `name` of {label} is {}, not a string", value.get_ref().type_str())
                    }
                    _ => format!("{label} has no `name`"),
                };
                let at = found.map_or(item_start, |(value, _)| value.span().start);
                parsed.errors.push(locator.error(at, at + 1, message.clone()));
                let reason = SkipReason::InvalidEntry(message);
                parsed.dependencies.push(entry::skipped(&label, reason, locator.origin(at), Vec::new()));
            }
        }
    }
}

/// The error for a document whose lock version this parser does not read.
pub(crate) fn unsupported_version(
    locator: &Locator<'_>,
    value: &Value<'_>,
    what: &str,
    supported: &str,
) -> SourceError {
    let shown = match value.get_ref() {
        DeValue::String(text) => text.to_string(),
        DeValue::Integer(integer) => integer.as_str().to_string(),
        DeValue::Float(float) => float.as_str().to_string(),
        other => other.type_str().to_string(),
    };
    let span = value.span();
    locator.error(span.start, span.end, format!("unsupported {what} `{shown}`; osv-lens reads {supported}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locator(text: &str) -> Locator<'_> {
        Locator::new("f.toml", text)
    }

    #[test]
    fn a_syntax_error_has_its_line_and_column() {
        let text = "a = 1\nb = = 2\n";
        let error = parse(text, &locator(text)).unwrap_err();
        assert_eq!((error.line, error.column), (2, 5));
        assert!(error.message.starts_with("invalid TOML: "), "{}", error.message);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        for text in [
            "[".repeat(100_000),
            format!("a = {}1{}", "[".repeat(100_000), "]".repeat(100_000)),
            format!("a = {}1{}", "{b=".repeat(100_000), "}".repeat(100_000)),
            format!("{} = 1", vec!["a"; 100_000].join(".")),
        ] {
            assert!(parse(&text, &locator(&text)).is_err());
        }
    }

    #[test]
    fn array_of_tables_items_and_keys_keep_their_spans() {
        let text = "[[package]]\nname = \"a\"\n\n[[package]]\nname = \"b\"\n";
        let doc = parse(text, &locator(text)).unwrap();
        let names: Vec<_> = get_array(doc.get_ref(), "package")
            .iter()
            .map(|item| {
                let name = get(item.get_ref().as_table().unwrap(), "name").unwrap();
                (name.get_ref().as_str().unwrap().to_string(), locator(text).origin(name.span().start).line)
            })
            .collect();
        assert_eq!(names, [("a".to_string(), 2), ("b".to_string(), 5)]);
    }

    #[test]
    fn string_content_starts_after_the_quote_unless_escaped() {
        let text = "a = \"x>=1\"\nb = \"\\u0078\"\n";
        assert_eq!(string_content_start(text, 4, "x>=1"), Some(5));
        assert_eq!(string_content_start(text, 15, "x"), None);
    }
}
