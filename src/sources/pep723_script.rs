//! Inline script metadata (PEP 723): the `# /// script` block of a `.py` file.
//!
//! The block opens with the line `# /// script` and closes with the last `# ///` line among the comment lines that
//! follow (each `#` alone or `# ` and text), as the PEP's reference regular expression does. Its content, with the
//! `# ` prefixes removed, is TOML; `dependencies` is a list of PEP 508 requirement strings. Lines and columns point
//! at the `.py` file itself. Two `script` blocks, or a block that is never closed, are errors.

use super::locator::{Locator, Segment};
use super::pyproject_toml::ManifestReader;
use super::toml_doc;
use super::{Format, LineIndex, NoteLevel, ParsedFile, SourceNote};

/// The TOML of a script block, and where each of its lines came from.
struct ScriptBlock {
    toml: String,
    segments: Vec<Segment>,
}

/// Parses the inline script metadata of a Python file.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    let mut parsed = ParsedFile::new(file_name, Format::Pep723Script);
    let plain = Locator::new(file_name, text);
    let lines = lines_with_offsets(text);
    let mut blocks = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        if lines[at].1 != "# /// script" {
            at += 1;
            continue;
        }
        let run_end = (at + 1..lines.len()).find(|&next| !is_comment_line(lines[next].1)).unwrap_or(lines.len());
        match (at + 1..run_end).rev().find(|&next| lines[next].1 == "# ///") {
            Some(close) => {
                blocks.push((at, close));
                at = close + 1;
            }
            None => {
                let start = lines[at].0;
                parsed.errors.push(plain.error(
                    start,
                    start + lines[at].1.len(),
                    "the `# /// script` block is not closed by a `# ///` line",
                ));
                return parsed;
            }
        }
    }
    let (open, close) = match blocks.as_slice() {
        [] => {
            let message = "no `# /// script` block: the script declares no dependencies";
            parsed.notes.push(SourceNote {
                origin: LineIndex::new(text).origin(file_name, 0),
                level: NoteLevel::Info,
                message: message.to_string(),
            });
            return parsed;
        }
        [only] => *only,
        [_, second, ..] => {
            let start = lines[second.0].0;
            parsed.errors.push(plain.error(
                start,
                start + lines[second.0].1.len(),
                "a second `# /// script` block; PEP 723 allows one",
            ));
            return parsed;
        }
    };
    let block = script_block(&lines[open + 1..close]);
    let locator = Locator::with_segments(file_name, text, block.segments);
    let document = match toml_doc::parse(&block.toml, &locator) {
        Ok(document) => document,
        Err(error) => {
            parsed.errors.push(error);
            return parsed;
        }
    };
    let mut reader = ManifestReader { source: &block.toml, locator: &locator, parsed: &mut parsed };
    match toml_doc::get(document.get_ref(), "dependencies") {
        Some(list) => reader.requirement_list(list, "dependencies", &[]),
        None => {
            let origin = LineIndex::new(text).origin(file_name, lines[open].0);
            let message = "the `# /// script` block has no `dependencies`";
            parsed.notes.push(SourceNote { origin, level: NoteLevel::Info, message: message.to_string() });
        }
    }
    parsed
}

/// Each line's start offset and its text without the line ending.
fn lines_with_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n')
        .map(|line| {
            let start = offset;
            offset += line.len();
            (start, line.trim_end_matches(['\n', '\r']))
        })
        .collect()
}

fn is_comment_line(line: &str) -> bool {
    line == "#" || line.starts_with("# ")
}

fn script_block(content: &[(usize, &str)]) -> ScriptBlock {
    let mut toml = String::new();
    let mut segments = Vec::new();
    for &(start, line) in content {
        let prefix = if line == "#" { 1 } else { 2 };
        segments.push(Segment { derived_start: toml.len(), original_start: start + prefix });
        toml.push_str(line.get(prefix..).unwrap_or_default());
        toml.push('\n');
    }
    ScriptBlock { toml, segments }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DependencyVersion, SkipReason};

    const SCRIPT: &str = "#!/usr/bin/env python\n# /// script\n# requires-python = \">=3.11\"\n# dependencies = [\n#   \"requests<3\",\n#   \"rich==13.7.1\",\n# ]\n#\n# ///\n\nimport requests\n";

    #[test]
    fn dependencies_point_at_their_lines_in_the_script() {
        let parsed = parse("script.py", SCRIPT);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let found: Vec<_> = parsed
            .dependencies
            .iter()
            .map(|dep| (dep.name.as_str(), dep.version.to_string(), dep.origin.line, dep.origin.column))
            .collect();
        assert_eq!(found, [("requests", "<3".to_string(), 5, 5), ("rich", "13.7.1".to_string(), 6, 5)]);
    }

    #[test]
    fn errors_inside_the_block_point_into_the_script() {
        let text = "# /// script\n# dependencies = [\n#   \"ok==1\",\n#   \"bad ( ><1 )\",\n# ]\n# ///\n";
        let parsed = parse("s.py", text);
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, 4);
        assert!(parsed.errors[0].column > 5, "{}", parsed.errors[0]);
        assert!(matches!(parsed.dependencies[1].version, DependencyVersion::Skipped(SkipReason::InvalidEntry(_))));
        let broken = parse("s.py", "# /// script\n# dependencies = [\n# ///\n");
        assert_eq!(broken.errors.len(), 1);
        assert_eq!(broken.errors[0].line, 2, "{}", broken.errors[0]);
    }

    #[test]
    fn unclosed_and_repeated_blocks_are_errors() {
        let unclosed = parse("s.py", "# /// script\n# dependencies = []\nprint()\n");
        assert_eq!((unclosed.errors.len(), unclosed.errors[0].line), (1, 1));
        let twice = parse("s.py", "# /// script\n# ///\n\n# /// script\n# ///\n");
        assert_eq!((twice.errors.len(), twice.errors[0].line), (1, 4));
    }

    #[test]
    fn a_script_without_a_block_has_a_note_and_no_dependencies() {
        let parsed = parse("s.py", "print('hi')\n");
        assert!(parsed.dependencies.is_empty() && parsed.errors.is_empty());
        assert_eq!(parsed.notes.len(), 1);
    }
}
