//! Reading the user's dependency files: one module per input format.
//!
//! [`parse_files`] takes every file the user gave at once, detects each one's [`Format`] from its name and content,
//! and parses it. Each dependency keeps its [`Origin`](crate::model::Origin). A broken document gives one
//! [`SourceError`]; a bad entry becomes a skipped dependency, and the good entries are kept.

mod byte_scan;
pub mod conda_environment;
pub mod cyclonedx;
mod detect;
mod entry;
mod error;
mod json_doc;
mod locator;
pub mod pdm_lock;
pub mod pep508;
pub mod pep723_script;
pub mod pip_inspect;
pub mod pip_list;
pub mod pipfile_lock;
pub mod poetry_constraint;
pub mod poetry_lock;
pub(crate) mod purl;
pub mod pylock;
pub mod pyproject_toml;
pub mod requirements_txt;
pub mod spdx;
pub(crate) mod toml_doc;
mod toml_unread;
pub mod uv_lock;

pub use error::{LineIndex, NoteLevel, SourceError, SourceNote};

use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::model::Dependency;

/// One file given by the user: pasted text or a chosen file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// The file name (`requirements.txt` for a paste).
    pub name: String,
    /// The whole text.
    pub text: String,
}

impl InputFile {
    /// A file called `name` holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self { name: name.into(), text: text.into() }
    }

    /// A file called `name` from its bytes, decoded as the browser decodes a chosen file (the Encoding Standard's
    /// `decode`, used by `FileReader.readAsText`): a byte order mark selects UTF-8, UTF-16LE or UTF-16BE, anything
    /// else is UTF-8, and bytes that are not valid become U+FFFD. A cp1252 or Latin-1 file keeps its ASCII text
    /// (package names and versions) and loses only its other letters; PowerShell's `pip freeze > file` (UTF-16)
    /// reads correctly.
    pub fn from_bytes(name: impl Into<String>, bytes: &[u8]) -> Self {
        let text = match bytes {
            [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
            [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
            [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
            _ => String::from_utf8_lossy(bytes).into_owned(),
        };
        Self { name: name.into(), text }
    }
}

/// UTF-16 code units in the given byte order, unpaired surrogates and an odd last byte becoming U+FFFD.
fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let pairs = bytes.chunks_exact(2);
    let odd_byte = (!pairs.remainder().is_empty()).then_some(char::REPLACEMENT_CHARACTER);
    let units = pairs.map(|pair| unit([pair[0], pair[1]]));
    let text = char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER));
    text.chain(odd_byte).collect::<String>()
}

/// What the bytes of a chosen file hold, for the page's file reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodedFile {
    /// Unicode text: UTF-8 (with or without its byte order mark) or UTF-16 in either byte order.
    Text(String),
    /// Not valid UTF-8 and no UTF-16: a legacy 8-bit encoding, for the page to decode (as Windows-1252).
    Legacy,
    /// Not text: NUL bytes outside UTF-16.
    Binary,
}

/// Tells how a chosen file is encoded and decodes it when it is Unicode. UTF-16 is what Windows PowerShell's
/// `pip freeze > requirements.txt` writes (little-endian with a byte order mark); without the mark, ASCII text in
/// UTF-16 is recognised by its NUL bytes, every other byte in the first 512.
pub fn decode_file(bytes: &[u8]) -> DecodedFile {
    let checked = |text: String| if text.contains('\0') { DecodedFile::Binary } else { DecodedFile::Text(text) };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => return checked(utf16(rest, u16::from_le_bytes)),
        [0xFE, 0xFF, rest @ ..] => return checked(utf16(rest, u16::from_be_bytes)),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(512)];
    let ascii_utf16 = |nul_at: usize| {
        head.len() >= 2
            && bytes.len().is_multiple_of(2)
            && head.iter().enumerate().all(|(at, byte)| (at % 2 == nul_at) == (*byte == 0))
    };
    if ascii_utf16(1) {
        return checked(utf16(bytes, u16::from_le_bytes));
    }
    if ascii_utf16(0) {
        return checked(utf16(bytes, u16::from_be_bytes));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return DecodedFile::Binary;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => DecodedFile::Text(text.to_string()),
        Err(_) => DecodedFile::Legacy,
    }
}

/// The input formats osv-lens reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    /// pip's requirements files (`requirements.txt`, `constraints.txt`, pip freeze and pip-compile output).
    RequirementsTxt,
    /// Poetry's `poetry.lock`.
    PoetryLock,
    /// Pipenv's `Pipfile.lock`.
    PipfileLock,
    /// PDM's `pdm.lock`.
    PdmLock,
    /// uv's `uv.lock`.
    UvLock,
    /// PEP 751 `pylock.toml`.
    PyLock,
    /// `pyproject.toml` (PEP 621, PEP 735 and Poetry dependency tables).
    PyprojectToml,
    /// A Python script with inline metadata (PEP 723 `# /// script` block).
    Pep723Script,
    /// conda's `environment.yml` (its `pip:` section).
    CondaEnvironment,
    /// The JSON output of `pip list --format=json`.
    PipList,
    /// The JSON report of `pip inspect`.
    PipInspect,
    /// A CycloneDX SBOM in JSON.
    CycloneDx,
    /// An SPDX 2.x SBOM in JSON.
    Spdx,
    /// Not a file: the packages the resolver added to what the files name.
    Resolution,
}

impl Format {
    /// A short human name.
    pub fn label(self) -> &'static str {
        match self {
            Self::RequirementsTxt => "requirements file",
            Self::PoetryLock => "Poetry lockfile",
            Self::PipfileLock => "Pipenv lockfile (Pipfile.lock)",
            Self::PdmLock => "PDM lockfile",
            Self::UvLock => "uv lockfile",
            Self::PyLock => "PEP 751 lockfile (pylock.toml)",
            Self::PyprojectToml => "pyproject.toml",
            Self::Pep723Script => "Python script with inline metadata (PEP 723)",
            Self::CondaEnvironment => "conda environment file",
            Self::PipList => "pip list (JSON)",
            Self::PipInspect => "pip inspect report",
            Self::CycloneDx => "CycloneDX SBOM (JSON)",
            Self::Spdx => "SPDX SBOM (JSON)",
            Self::Resolution => "resolved from the files above",
        }
    }

    /// Parses `text`, the content of `file_name`, as this format.
    pub fn parse(self, file_name: &str, text: &str) -> ParsedFile {
        let parse = match self {
            Self::RequirementsTxt => requirements_txt::parse,
            Self::PoetryLock => poetry_lock::parse,
            Self::PipfileLock => pipfile_lock::parse,
            Self::PdmLock => pdm_lock::parse,
            Self::UvLock => uv_lock::parse,
            Self::PyLock => pylock::parse,
            Self::PyprojectToml => pyproject_toml::parse,
            Self::Pep723Script => pep723_script::parse,
            Self::CondaEnvironment => conda_environment::parse,
            Self::PipList => pip_list::parse,
            Self::PipInspect => pip_inspect::parse,
            Self::CycloneDx => cyclonedx::parse,
            Self::Spdx => spdx::parse,
            // Never a file's format: the resolver makes this section.
            Self::Resolution => |name: &str, _: &str| ParsedFile::new(name, Format::Resolution),
        };
        parse(file_name, text)
    }
}

/// What was read from one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    /// The file name.
    pub name: String,
    /// The detected format.
    pub format: Format,
    /// Every dependency, skipped ones included, in file order.
    pub dependencies: Vec<Dependency>,
    /// Problems that point at a place in the file.
    pub errors: Vec<SourceError>,
    /// Options understood and skipped, and other remarks.
    pub notes: Vec<SourceNote>,
    /// The text that was read ([`parse_files`] keeps it, so that a fix can patch the very text audited; empty
    /// otherwise).
    pub text: Rc<str>,
    /// True when another file given includes this one with `-c` and none with `-r`: its entries constrain what the
    /// others require (for the resolver) and install nothing by themselves.
    pub constraints_only: bool,
    /// The dependency graph the file records, made when the report first needs it ([`crate::graph::of_file`]).
    pub graph: crate::graph::GraphCell,
}

impl ParsedFile {
    /// An empty result for `name` in `format`.
    pub fn new(name: &str, format: Format) -> Self {
        Self {
            name: name.to_string(),
            format,
            dependencies: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            text: Rc::from(""),
            constraints_only: false,
            graph: crate::graph::GraphCell::default(),
        }
    }
}

/// What was read from all the files given together.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedInput {
    /// One entry per input file, in input order.
    pub files: Vec<ParsedFile>,
}

impl ParsedInput {
    /// Every dependency of every file, in order.
    pub fn dependencies(&self) -> impl Iterator<Item = &Dependency> {
        self.files.iter().flat_map(|file| file.dependencies.iter())
    }
}

/// The most lines one input may have. A 5,000-package uv.lock has about 68,000; beyond this the report could not
/// be rendered without freezing the tab, so the file is refused whole rather than cut at an arbitrary line.
pub const MAX_LINES_PER_INPUT: usize = 80_000;

/// A file over [`MAX_LINES_PER_INPUT`] lines, refused with one error at the first line past the limit.
fn refuse_too_many_lines(file: &InputFile, index: &LineIndex<'_>, format: Format) -> Option<ParsedFile> {
    let lines = index.line_count();
    if lines <= MAX_LINES_PER_INPUT {
        return None;
    }
    let mut refused = ParsedFile::new(&file.name, format);
    refused.errors.push(SourceError {
        file: file.name.clone(),
        line: u32::try_from(MAX_LINES_PER_INPUT + 1).unwrap_or(u32::MAX),
        column: 1,
        width: 1,
        message: format!(
            "this input has {lines} lines; the limit is {MAX_LINES_PER_INPUT}, so it was not read (split it into \
             smaller files)"
        ),
        snippet: String::new(),
    });
    Some(refused)
}

/// Detects and parses every file, then resolves the `-r`/`-c` includes of requirements files among them.
pub fn parse_files(files_given: &[InputFile]) -> ParsedInput {
    let mut includes = Vec::with_capacity(files_given.len());
    let files = files_given
        .iter()
        .map(|file| {
            // The newlines are found once, for the detection, the line limit and the requirements parser.
            let index = LineIndex::new(&file.text);
            let format = Format::detect_indexed(&file.name, &index);
            if let Some(refused) = refuse_too_many_lines(file, &index, format) {
                includes.push(Vec::new());
                return refused;
            }
            let (mut parsed, file_includes) = match format {
                Format::RequirementsTxt => requirements_txt::parse_indexed(&file.name, &index),
                format => (format.parse(&file.name, &file.text), Vec::new()),
            };
            includes.push(file_includes);
            parsed.text = Rc::from(file.text.as_str());
            parsed
        })
        .collect();
    let mut parsed = ParsedInput { files };
    requirements_txt::resolve_includes(files_given, &mut parsed, &includes);
    parsed
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    fn pins(count: usize) -> String {
        (0..count).map(|index| format!("package-{index}==1.0\n")).collect()
    }

    #[test]
    fn an_input_at_the_line_limit_is_read() {
        let parsed = parse_files(&[InputFile::new("requirements.txt", pins(MAX_LINES_PER_INPUT))]);
        assert!(parsed.files[0].errors.is_empty());
        assert_eq!(parsed.dependencies().count(), MAX_LINES_PER_INPUT);
    }

    #[test]
    fn an_input_past_the_line_limit_is_refused_with_one_error_and_other_files_still_read() {
        let parsed = parse_files(&[
            InputFile::new("huge.txt", pins(100_000)),
            InputFile::new("requirements.txt", "requests==2.0\n"),
        ]);
        let huge = &parsed.files[0];
        assert!(huge.dependencies.is_empty());
        assert_eq!(huge.errors.len(), 1);
        assert_eq!(huge.errors[0].line, 80_001);
        assert!(huge.errors[0].message.contains("100000 lines"), "{}", huge.errors[0].message);
        assert_eq!(parsed.files[1].dependencies.len(), 1);
    }
}
