//! Building dependencies from the fields of one entry of a lockfile, manifest or SBOM.

use std::str::FromStr;

use pep508_rs::pep440_rs::{Operator, Version, VersionSpecifiers};
use pep508_rs::VersionOrUrl;

use super::pep508::{parse_requirement, written_marker, written_specifier, Pep508Problem};
use crate::model::{Dependency, DependencyVersion, Origin, SkipReason};

/// A dependency with the name normalised. A name that is not a valid PEP 508 name (lockfiles, pip list JSON and
/// SBOMs can hold anything) cannot be looked up: the dependency is skipped with that reason, never shown clean.
pub(crate) fn dependency(name: &str, version: DependencyVersion, origin: Origin, groups: Vec<String>) -> Dependency {
    let version = match version {
        DependencyVersion::Skipped(reason) => DependencyVersion::Skipped(reason),
        _ if !is_valid_name(name.trim()) => DependencyVersion::Skipped(SkipReason::InvalidEntry(format!(
            "`{}` is not a valid package name (PEP 508: letters, digits, `.`, `_` and `-`, starting and ending with \
             a letter or digit)",
            name.chars().take(100).collect::<String>()
        ))),
        version => version,
    };
    Dependency { groups, ..Dependency::new(name, version, origin) }
}

/// True for a valid PEP 508 distribution name: ASCII letters and digits, with `.`, `_` and `-` between them.
pub(crate) fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let alphanumeric = |byte: &u8| byte.is_ascii_alphanumeric();
    bytes.first().is_some_and(alphanumeric)
        && bytes.last().is_some_and(alphanumeric)
        && bytes.iter().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
}

/// A dependency skipped for `reason`.
pub(crate) fn skipped(name: &str, reason: SkipReason, origin: Origin, groups: Vec<String>) -> Dependency {
    dependency(name, DependencyVersion::Skipped(reason), origin, groups)
}

/// The version of a locked entry: pinned when it is PEP 440, skipped with the parser's message when it is not.
pub(crate) fn pinned_version(version: &str) -> DependencyVersion {
    match Version::from_str(version.trim()) {
        Ok(version) => DependencyVersion::Pinned(version),
        Err(error) => DependencyVersion::Skipped(SkipReason::InvalidVersion {
            version: version.to_string(),
            message: error.to_string(),
        }),
    }
}

/// Why a direct URL cannot be looked up: version control, a local file, or an archive on some server.
pub(crate) fn url_skip_reason(url: &str) -> SkipReason {
    let lower = url.trim().to_ascii_lowercase();
    if ["git+", "hg+", "svn+", "bzr+"].iter().any(|scheme| lower.starts_with(scheme)) {
        SkipReason::Vcs(url.to_string())
    } else if lower.starts_with("file:") {
        SkipReason::LocalPath(url.to_string())
    } else {
        SkipReason::Url(url.to_string())
    }
}

/// The single version of a specifier set that is one `==` (or `===`) without a wildcard.
pub(crate) fn exact_pin(specifiers: &VersionSpecifiers) -> Option<Version> {
    let mut iter = specifiers.iter();
    match (iter.next(), iter.next()) {
        (Some(single), None) if matches!(single.operator(), Operator::Equal | Operator::ExactEqual) => {
            Some(single.version().clone())
        }
        _ => None,
    }
}

/// What a version specifier set asks for: a pin when it is one exact version, else a range.
pub(crate) fn version_from_specifiers(specifiers: VersionSpecifiers) -> DependencyVersion {
    match exact_pin(&specifiers) {
        Some(version) => DependencyVersion::Pinned(version),
        None => DependencyVersion::Range(specifiers),
    }
}

/// A PEP 508 requirement string, read.
#[derive(Debug)]
pub(crate) struct ParsedRequirement {
    /// The dependency; skipped with the parser's message when the string is not valid.
    pub dependency: Dependency,
    /// Why the string is not valid, with the byte span of the problem within the string.
    pub problem: Option<RequirementProblem>,
}

/// What is wrong with a requirement string, and where.
#[derive(Debug)]
pub(crate) struct RequirementProblem {
    /// The start of the span, in bytes from the start of the string.
    pub start: usize,
    /// The end of the span.
    pub end: usize,
    /// The parser's message.
    pub message: String,
}

/// Parses a PEP 508 requirement string (`requests[socks]>=2.19; python_version>"3.8"`) into a dependency.
pub(crate) fn requirement(text: &str, origin: Origin, groups: Vec<String>) -> ParsedRequirement {
    match parse_requirement(text) {
        Ok(requirement) => {
            let version = match requirement.version_or_url {
                Some(VersionOrUrl::VersionSpecifier(specifiers)) => version_from_specifiers(specifiers),
                Some(VersionOrUrl::Url(url)) => DependencyVersion::Skipped(url_skip_reason(&url.0)),
                None => DependencyVersion::Range(VersionSpecifiers::empty()),
            };
            let mut dependency = dependency(requirement.name.as_ref(), version, origin, groups);
            dependency.extras = requirement.extras.iter().map(ToString::to_string).collect();
            // As written: turning the parsed marker back into text needs its normal form, whose size grows fast
            // with a hostile marker, and the report shows the marker the file has.
            if !requirement.marker.is_true() {
                dependency.marker = written_marker(text).map(str::to_string);
            }
            if matches!(dependency.version, DependencyVersion::Range(_)) {
                dependency.written_specifier = written_specifier(text);
            }
            ParsedRequirement { dependency, problem: None }
        }
        Err(Pep508Problem { message, start, len }) => {
            let name = text.split(|c: char| !(c.is_alphanumeric() || "-_.".contains(c))).next().unwrap_or("");
            let name = if name.is_empty() { text.trim() } else { name };
            let start = start.min(text.len());
            let end = (start + len).min(text.len()).max(start);
            ParsedRequirement {
                dependency: skipped(name, SkipReason::InvalidEntry(message.clone()), origin, groups),
                problem: Some(RequirementProblem { start, end, message }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin::new("f", 1, 1)
    }

    #[test]
    fn requirements_become_pins_ranges_or_skips() {
        let pinned = requirement("Flask[async]==3.1.1", origin(), vec![]).dependency;
        assert_eq!((pinned.name.as_str(), pinned.version.to_string()), ("flask", "3.1.1".to_string()));
        let range = requirement("requests>=2.20.0; python_version >= \"3.8\"", origin(), vec![]).dependency;
        assert!(matches!(range.version, DependencyVersion::Range(_)));
        let wildcard = requirement("numpy==1.2.*", origin(), vec![]).dependency;
        assert!(matches!(wildcard.version, DependencyVersion::Range(_)));
        let vcs = requirement("pkg @ git+https://example.com/pkg.git", origin(), vec![]).dependency;
        assert!(matches!(vcs.version, DependencyVersion::Skipped(SkipReason::Vcs(_))));
        let url = requirement("pkg @ https://example.com/pkg-1.0.tar.gz", origin(), vec![]).dependency;
        assert!(matches!(url.version, DependencyVersion::Skipped(SkipReason::Url(_))));
    }

    #[test]
    fn names_that_are_not_pep_508_are_skipped_never_looked_up() {
        for name in ["requests", "zope.interface", "Foo_Bar", "a", "x-1.2"] {
            assert!(is_valid_name(name), "{name}");
            let kept = dependency(name, pinned_version("1.0"), origin(), vec![]);
            assert!(kept.is_auditable(), "{name}");
        }
        for name in ["../../etc/passwd", "-a", "a-", "a b", "é", "pkg;rm", "<b>x</b>", ".hidden", "a/b", ""] {
            assert!(!is_valid_name(name), "{name}");
            let skipped = dependency(name, pinned_version("1.0"), origin(), vec![]);
            assert!(
                matches!(&skipped.version, DependencyVersion::Skipped(SkipReason::InvalidEntry(reason))
                    if reason.contains("not a valid package name")),
                "{name}: {:?}",
                skipped.version
            );
        }
        // A reason already given is kept.
        let editable = dependency("a b", DependencyVersion::Skipped(SkipReason::Editable), origin(), vec![]);
        assert_eq!(editable.version, DependencyVersion::Skipped(SkipReason::Editable));
    }

    #[test]
    fn a_bad_requirement_is_skipped_with_the_place_of_the_problem() {
        let parsed = requirement("numpy ( ><1.19 )", origin(), vec![]);
        assert_eq!(parsed.dependency.name, "numpy");
        assert!(matches!(parsed.dependency.version, DependencyVersion::Skipped(SkipReason::InvalidEntry(_))));
        let problem = parsed.problem.unwrap();
        assert!(problem.start > 0 && problem.start <= problem.end);
    }

    #[test]
    fn a_name_ending_in_punctuation_before_more_text_is_an_error_not_a_panic() {
        for text in ["page. ==1", "lock- x", "a_ (", "ok.name.>=1"] {
            let parsed = requirement(text, origin(), vec![]);
            assert!(
                matches!(parsed.dependency.version, DependencyVersion::Skipped(SkipReason::InvalidEntry(_))),
                "{text}"
            );
        }
        assert_eq!(requirement("zope.interface >=5", origin(), vec![]).dependency.name, "zope-interface");
    }

    #[test]
    fn locked_versions_that_are_not_pep_440_are_skipped() {
        assert!(matches!(pinned_version("1.0.post1"), DependencyVersion::Pinned(_)));
        assert!(matches!(
            pinned_version("not a version"),
            DependencyVersion::Skipped(SkipReason::InvalidVersion { .. })
        ));
    }
}
