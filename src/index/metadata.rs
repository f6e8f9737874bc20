//! Core metadata files (a wheel's `METADATA`, PEP 658's `<file>.metadata`, an sdist's `PKG-INFO`): RFC 822 style
//! headers, read up to the first blank line (the description that follows is not needed).
//!
//! Continuation lines (starting with a space or a tab) are joined to the header before them. Requirements are read
//! through the project's one door to PEP 508 ([`crate::sources::pep508::parse_requirement`]), which bounds nesting
//! and never panics. A line that cannot be read (a requirement, an extra, `Requires-Python`) is reported with its
//! line and column and left out; only a file without a readable `Name` and `Version` is refused.

use std::fmt;
use std::rc::Rc;
use std::str::FromStr;

use pep508_rs::pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName};

use super::{CoreMetadata, IndexError};
use crate::sources::pep508::parse_requirement;

/// The largest metadata file read (inflated, for one read out of a wheel).
pub const MAX_METADATA_BYTES: usize = 8 << 20;

/// A line of a metadata file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataProblem {
    /// The 1-based line.
    pub line: usize,
    /// The 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for MetadataProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

/// A metadata file as read: what it says, which fields it marks as dynamic, and the lines that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataFile {
    /// What it says about the distribution's dependencies.
    pub core: Rc<CoreMetadata>,
    /// `Metadata-Version`, as written.
    pub metadata_version: Option<String>,
    /// `Dynamic` fields (PEP 643), lower case: fields an sdist's build may still change.
    pub dynamic: Vec<String>,
    /// Lines left out, with the reason.
    pub problems: Vec<MetadataProblem>,
}

impl MetadataFile {
    /// True when the dependencies stated here are final even for an sdist: metadata 2.2 or later (PEP 643) that
    /// marks none of `Requires-Dist`, `Requires-Python` and `Provides-Extra` as dynamic. A wheel's metadata is
    /// always final.
    pub fn dependencies_are_static(&self) -> bool {
        let version: Vec<u64> = self
            .metadata_version
            .as_deref()
            .unwrap_or("")
            .split('.')
            .map(|part| part.trim().parse().unwrap_or(0))
            .collect();
        let recent = version.as_slice() >= [2, 2].as_slice();
        recent
            && !self
                .dynamic
                .iter()
                .any(|field| matches!(field.as_str(), "requires-dist" | "requires-python" | "provides-extra"))
    }
}

/// One header, its value unfolded, and where the value starts.
struct Header<'a> {
    name: &'a str,
    value: String,
    line: usize,
    column: usize,
}

/// Reads a metadata file (`bytes`, UTF-8; invalid sequences become replacement characters).
pub fn parse_metadata(bytes: &[u8]) -> Result<MetadataFile, IndexError> {
    if bytes.len() > MAX_METADATA_BYTES {
        return Err(IndexError::Malformed(format!(
            "the metadata file is {} MB, over the {} MB read",
            bytes.len() >> 20,
            MAX_METADATA_BYTES >> 20
        )));
    }
    let text = crate::http::body_text(bytes);
    let mut problems = Vec::new();
    let mut headers: Vec<Header<'_>> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            match headers.last_mut() {
                Some(header) => {
                    header.value.push(' ');
                    header.value.push_str(line.trim());
                }
                None => problems.push(MetadataProblem {
                    line: number,
                    column: 1,
                    message: "a continuation line before any header".into(),
                }),
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            problems.push(MetadataProblem { line: number, column: 1, message: "not a `Name: value` header".into() });
            continue;
        };
        let leading = value.len() - value.trim_start().len();
        let column = name.chars().count() + 2 + value[..leading].chars().count();
        headers.push(Header { name: name.trim(), value: value.trim().to_string(), line: number, column });
    }
    let (mut name, mut version, mut requires_python, mut metadata_version) = (None, None, None, None);
    let (mut requires_dist, mut provides_extra, mut dynamic) = (Vec::new(), Vec::new(), Vec::new());
    for header in headers {
        let problem = |message: String| MetadataProblem { line: header.line, column: header.column, message };
        match header.name.to_ascii_lowercase().as_str() {
            "metadata-version" => metadata_version = Some(header.value.clone()),
            "name" => match PackageName::new(header.value.clone()) {
                Ok(read) => name = Some(read),
                Err(error) => problems.push(problem(error.to_string())),
            },
            "version" => match Version::from_str(&header.value) {
                Ok(read) => version = Some(read),
                Err(error) => problems.push(problem(error.to_string())),
            },
            "requires-python" => match VersionSpecifiers::from_str(&header.value) {
                Ok(read) => requires_python = Some(read),
                Err(error) => problems.push(problem(format!("`Requires-Python`: {error}"))),
            },
            "requires-dist" => match parse_requirement(&header.value) {
                Ok(requirement) => requires_dist.push(requirement),
                Err(error) => {
                    let column = header.column + header.value[..error.start.min(header.value.len())].chars().count();
                    problems.push(MetadataProblem { line: header.line, column, message: error.message });
                }
            },
            "provides-extra" => match ExtraName::new(header.value.clone()) {
                Ok(extra) if !provides_extra.contains(&extra) => provides_extra.push(extra),
                Ok(_) => {}
                Err(error) => problems.push(problem(error.to_string())),
            },
            "dynamic" => dynamic.push(header.value.to_ascii_lowercase()),
            _ => {}
        }
    }
    let missing = |field: &str| IndexError::Malformed(format!("the metadata file has no readable `{field}`"));
    Ok(MetadataFile {
        core: Rc::new(CoreMetadata {
            name: name.ok_or_else(|| missing("Name"))?,
            version: version.ok_or_else(|| missing("Version"))?,
            requires_dist,
            requires_python,
            provides_extra,
        }),
        metadata_version,
        dynamic,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLASK: &str = "Metadata-Version: 2.3\r\nName: Flask\r\nVersion: 3.0.3\r\nSummary: A simple framework\r\n\
Requires-Python: >=3.8\r\nRequires-Dist: Werkzeug>=3.0.0\r\nRequires-Dist: Jinja2>=3.1.2\r\n\
Requires-Dist: importlib-metadata>=3.6.0; python_version < '3.10'\r\n\
Requires-Dist: asgiref>=3.2 ; extra == 'async'\r\nProvides-Extra: async\r\nProvides-Extra: Dot_Env\r\n\
Classifier: Framework :: Flask\r\n\r\n# Flask\r\n\r\nRequires-Dist: not-a-header-here\r\n";

    #[test]
    fn reads_the_headers_and_ignores_the_body() {
        let file = parse_metadata(FLASK.as_bytes()).expect("reads");
        assert_eq!(file.core.name.to_string(), "flask");
        assert_eq!(file.core.version.to_string(), "3.0.3");
        assert_eq!(file.core.requires_python.as_ref().map(ToString::to_string).as_deref(), Some(">=3.8"));
        let requirements: Vec<String> = file.core.requires_dist.iter().map(ToString::to_string).collect();
        assert_eq!(
            requirements,
            [
                "werkzeug>=3.0.0",
                "jinja2>=3.1.2",
                "importlib-metadata>=3.6.0 ; python_full_version < '3.10'",
                "asgiref>=3.2 ; extra == 'async'",
            ]
        );
        let extras: Vec<String> = file.core.provides_extra.iter().map(ToString::to_string).collect();
        assert_eq!(extras, ["async", "dot-env"]);
        assert_eq!(file.metadata_version.as_deref(), Some("2.3"));
        assert!(file.problems.is_empty(), "{:?}", file.problems);
    }

    #[test]
    fn continuation_lines_join_their_header() {
        let text = "Name: demo\nVersion: 1.0\nRequires-Dist: urllib3\n  >=2 ;\n\tpython_version >= '3.9'\n";
        let file = parse_metadata(text.as_bytes()).expect("reads");
        assert_eq!(file.core.requires_dist[0].to_string(), "urllib3>=2 ; python_full_version >= '3.9'");
    }

    #[test]
    fn bad_lines_are_reported_with_their_place_and_left_out() {
        let text = " stray continuation\nName: demo\nVersion: 1.0\nno colon here\nRequires-Dist: good>=1\n\
Requires-Dist:  bad[extra >=1\nRequires-Python: >=3.x\nProvides-Extra: -bad-\nRequires-Dist: also-good\n";
        let file = parse_metadata(text.as_bytes()).expect("a file with a name and version is read");
        let requirements: Vec<String> = file.core.requires_dist.iter().map(ToString::to_string).collect();
        assert_eq!(requirements, ["good>=1", "also-good"]);
        assert_eq!(file.core.requires_python, None);
        assert!(file.core.provides_extra.is_empty());
        let places: Vec<(usize, usize)> = file.problems.iter().map(|problem| (problem.line, problem.column)).collect();
        assert_eq!(places, [(1, 1), (4, 1), (6, 27), (7, 18), (8, 17)]);
        assert!(
            file.problems[3].to_string().starts_with("line 7, column 18: `Requires-Python`"),
            "{}",
            file.problems[3]
        );
    }

    #[test]
    fn a_file_without_name_or_version_is_refused() {
        for text in ["Version: 1.0\n", "Name: demo\n", "Name: demo\nVersion: not a version\n", "", "\n\nName: x"] {
            assert!(matches!(parse_metadata(text.as_bytes()), Err(IndexError::Malformed(_))), "{text:?}");
        }
        let huge = vec![b'a'; MAX_METADATA_BYTES + 1];
        assert!(matches!(parse_metadata(&huge), Err(IndexError::Malformed(message)) if message.contains("MB")));
    }

    #[test]
    fn hostile_text_never_panics() {
        let nested = format!(
            "Name: x\nVersion: 1\nRequires-Dist: a ; {}python_version > '3'{}\n",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        let file = parse_metadata(nested.as_bytes()).expect("name and version read");
        assert!(file.core.requires_dist.is_empty() && file.problems.len() == 1);
        let garbage: Vec<u8> = (0..=255u8).cycle().take(20_000).collect();
        let _ = parse_metadata(&garbage);
        let text = "Name: é\nVersion: 1\nRequires-Dist: é ; extra<'3'é\nRequires-Dist: foo-==1.0\n";
        let file = parse_metadata(text.as_bytes());
        assert!(file.is_err(), "`é` is not a package name");
    }

    #[test]
    fn sdists_state_final_dependencies_only_from_metadata_2_2_without_dynamic_ones() {
        let read = |text: &str| parse_metadata(text.as_bytes()).expect("reads").dependencies_are_static();
        assert!(read("Metadata-Version: 2.2\nName: a\nVersion: 1\nDynamic: Description\n"));
        assert!(read("Metadata-Version: 2.4\nName: a\nVersion: 1\n"));
        assert!(!read("Metadata-Version: 2.1\nName: a\nVersion: 1\n"));
        assert!(!read("Name: a\nVersion: 1\n"));
        assert!(!read("Metadata-Version: 2.2\nName: a\nVersion: 1\nDynamic: Requires-Dist\n"));
        assert!(!read("Metadata-Version: 2.3\nName: a\nVersion: 1\nDynamic: provides-extra\n"));
        assert!(read("Metadata-Version: 10.0\nName: a\nVersion: 1\n"));
    }
}
