//! Rewriting a range's specifier for a new lower bound, in the style it was written in.
//!
//! The new bound replaces the `>=`/`>` clauses; a `~=` clause the target satisfies is rewritten to start at the
//! target when that says the same (`~=1.1` → `~=1.3` for `1.3.0`); every other clause the target satisfies is
//! kept as written, and the clauses it breaks are dropped and reported. No upper bound is invented.

use std::str::FromStr;

use pep508_rs::pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};

/// How a specifier is written: `>= 1.0, < 2` (spaced) or `>=1.0,<2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecifierStyle {
    /// A space between operator and version.
    pub spaced: bool,
    /// `, ` between clauses rather than `,`.
    pub comma_space: bool,
}

impl SpecifierStyle {
    /// The style of `written`. `gap_before` says whether the requirement puts whitespace between the name (or
    /// extras) and the specifier, which also makes the rewrite spaced, as osv-scalibr's rewriter does.
    pub fn of(written: &str, gap_before: bool) -> Self {
        let bytes = written.as_bytes();
        let operator_then_space =
            bytes.windows(2).any(|pair| b"<>=!~".contains(&pair[0]) && pair[1].is_ascii_whitespace());
        let spaced = gap_before || operator_then_space;
        Self { spaced, comma_space: spaced || written.contains(", ") }
    }

    /// One clause in this style.
    pub fn clause(&self, specifier: &VersionSpecifier) -> String {
        let star = if matches!(specifier.operator(), Operator::EqualStar | Operator::NotEqualStar) { ".*" } else { "" };
        let space = if self.spaced { " " } else { "" };
        format!("{}{space}{}{star}", specifier.operator(), specifier.version())
    }

    /// Clauses joined in this style.
    pub fn join(&self, clauses: &[String]) -> String {
        clauses.join(if self.comma_space { ", " } else { "," })
    }
}

/// A rewritten specifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaisedSpecifier {
    /// The new specifier text.
    pub text: String,
    /// Clauses of the old specifier the target breaks, as written.
    pub dropped: Vec<String>,
}

/// The clauses of `written` in order, each with its text; `None` when the text is not a PEP 440 specifier list
/// (a Poetry constraint such as `^2.1`).
fn written_clauses(written: &str) -> Option<Vec<(VersionSpecifier, String)>> {
    written
        .split(',')
        .map(str::trim)
        .filter(|clause| !clause.is_empty())
        .map(|clause| VersionSpecifier::from_str(clause).ok().map(|specifier| (specifier, clause.to_string())))
        .collect()
}

/// The clauses of `specifiers` that still limit the range above `bound`: those `bound` satisfies, except the
/// lower bounds a new `>=bound` replaces.
pub(super) fn kept_above(specifiers: &VersionSpecifiers, bound: &Version) -> VersionSpecifiers {
    specifiers
        .iter()
        .filter(|specifier| {
            !matches!(specifier.operator(), Operator::GreaterThan | Operator::GreaterThanEqual)
                && specifier.contains(bound)
        })
        .cloned()
        .collect()
}

/// `~=T` that allows exactly the versions `>=target` that `~=compatible` allows, when there is one: the target is a
/// final release whose segments past the clause's length are zero.
fn compatible_release(compatible: &Version, target: &Version) -> Option<Version> {
    let length = compatible.release().len();
    let release = target.release();
    let plain = target.epoch() == compatible.epoch()
        && !target.any_prerelease()
        && !target.is_post()
        && !target.is_local()
        && release.iter().skip(length).all(|&segment| segment == 0);
    if !plain {
        return None;
    }
    let segments: Vec<u64> = (0..length).map(|index| release.get(index).copied().unwrap_or(0)).collect();
    Some(Version::new(segments).with_epoch(target.epoch()))
}

/// The specifier `written` (or, when it is not PEP 440 text, `specifiers`) with its lower bound raised to `target`.
pub fn raise_lower_bound(
    written: Option<&str>,
    specifiers: &VersionSpecifiers,
    target: &Version,
    style: SpecifierStyle,
) -> RaisedSpecifier {
    let clauses = written
        .and_then(written_clauses)
        .unwrap_or_else(|| specifiers.iter().map(|specifier| (specifier.clone(), specifier.to_string())).collect());
    let bound = VersionSpecifier::greater_than_equal_version(target.clone());
    let mut kept: Vec<String> = Vec::new();
    let mut dropped = Vec::new();
    let mut placed = false;
    for (clause, text) in clauses {
        let operator = *clause.operator();
        if matches!(operator, Operator::GreaterThan | Operator::GreaterThanEqual) {
            if !placed {
                kept.push(style.clause(&bound));
                placed = true;
            }
            continue;
        }
        if !clause.contains(target) {
            dropped.push(text);
            continue;
        }
        if operator == Operator::TildeEqual && !placed {
            if let Some(start) = compatible_release(clause.version(), target) {
                let rewritten = VersionSpecifier::from_version(Operator::TildeEqual, start)
                    .expect("a compatible release keeps the clause's two or more segments");
                kept.push(style.clause(&rewritten));
                placed = true;
                continue;
            }
        }
        kept.push(text);
    }
    if !placed {
        kept.insert(0, style.clause(&bound));
    }
    RaisedSpecifier { text: style.join(&kept), dropped }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raise(written: &str, target: &str) -> (String, Vec<String>) {
        let specifiers = VersionSpecifiers::from_str(written).unwrap_or_else(|_| VersionSpecifiers::empty());
        let target = Version::from_str(target).expect("valid");
        let raised = raise_lower_bound(Some(written), &specifiers, &target, SpecifierStyle::of(written, false));
        (raised.text, raised.dropped)
    }

    #[test]
    fn the_lower_bound_moves_and_the_rest_is_kept_as_written() {
        assert_eq!(raise(">=2.10,<2.11", "2.10.3"), (">=2.10.3,<2.11".into(), vec![]));
        assert_eq!(raise(">= 1.0, != 1.5, < 3", "2.1"), (">= 2.1, != 1.5, < 3".into(), vec![]));
        assert_eq!(raise("<2", "1.5"), (">=1.5,<2".into(), vec![]));
        assert_eq!(raise("", "1.5"), (">=1.5".into(), vec![]));
        assert_eq!(raise(">1.0", "1.2"), (">=1.2".into(), vec![]));
    }

    #[test]
    fn clauses_the_target_breaks_are_dropped_and_named() {
        assert_eq!(raise(">= 2.8.1, == 2.8.*", "2.32.4"), (">= 2.32.4".into(), vec!["== 2.8.*".to_string()]));
        assert_eq!(raise(">=1.0,<2", "2.0"), (">=2.0".into(), vec!["<2".to_string()]));
        assert_eq!(raise("~=1.1", "2.0.1"), (">=2.0.1".into(), vec!["~=1.1".to_string()]));
    }

    #[test]
    fn compatible_releases_start_at_the_target_when_that_says_the_same() {
        assert_eq!(raise("~=1.1", "1.3.0"), ("~=1.3".into(), vec![]));
        assert_eq!(raise("~=1.0.0", "1.0.5"), ("~=1.0.5".into(), vec![]));
        assert_eq!(raise("~=1.1.0", "1.3"), (">=1.3".into(), vec!["~=1.1.0".to_string()]));
        // 1.3.2 has a non-zero segment past the clause: `~=1.3` would allow 1.3.0 and 1.3.1 again.
        assert_eq!(raise("~=1.1", "1.3.2"), (">=1.3.2,~=1.1".into(), vec![]));
        assert_eq!(raise("~=1.1", "1.3.0.post1"), (">=1.3.0.post1,~=1.1".into(), vec![]));
    }

    #[test]
    fn the_style_follows_the_original() {
        assert!(SpecifierStyle::of(">= 1.0", false).spaced);
        assert!(!SpecifierStyle::of(">=1.0,<2", false).spaced);
        assert!(SpecifierStyle::of(">=1.0,<2", true).spaced);
        let style = SpecifierStyle::of(">=1.0, <2", false);
        assert!(!style.spaced && style.comma_space);
        let star = VersionSpecifier::from_str("== 2.8.*").expect("valid");
        assert_eq!(SpecifierStyle::of("", true).clause(&star), "== 2.8.*");
    }

    #[test]
    fn a_poetry_constraint_falls_back_to_its_pep_440_clauses() {
        let specifiers = VersionSpecifiers::from_str(">=2.1,<3.0").expect("valid");
        let target = Version::from_str("2.4").expect("valid");
        let raised = raise_lower_bound(Some("^2.1"), &specifiers, &target, SpecifierStyle::of("^2.1", false));
        assert_eq!(raised.text, ">=2.4,<3.0");
    }
}
