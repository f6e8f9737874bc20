//! Poetry's version constraints (`^1.2`, `~1.2`, `1.2.*`, `>=1,<2`, `1.2 || 2.0`) as PEP 440 specifiers.
//!
//! Poetry's own rules (poetry-core's constraint parser), written out:
//!
//! | Poetry        | PEP 440                | rule                                                             |
//! |---------------|------------------------|------------------------------------------------------------------|
//! | `^1.2.3`      | `>=1.2.3, <2.0.0`      | bump the first non-zero part (`^0.2.3` → `<0.3.0`, `^0.0.3` → `<0.0.4`) |
//! | `^0`, `^0.0`  | `<1`, `<0.1`           | when all given parts are zero, bump the last one given           |
//! | `~1.2.3`      | `>=1.2.3, <1.3.0`      | bump the minor part; `~1` bumps the major part (`<2`)            |
//! | `~=1.2`       | `~=1.2`                | PEP 440's compatible release, unchanged                          |
//! | `1.2.*`, `1.2.x` | `==1.2.*`           | wildcard                                                         |
//! | `1.2.3`, `=1.2.3` | `==1.2.3`          | an exact version                                                 |
//! | `*`, empty    | (no specifier)         | any version                                                      |
//! | `>=1, <2`, `>=1 <2` | `>=1, <2`        | `,` and spaces join constraints that must all hold               |
//! | `^1 \|\| ^2`  | two specifier sets     | `\|\|` (or `\|`) separates alternatives                          |
//!
//! PEP 440 specifier sets cannot express "or", so each alternative is its own set. The upper bound keeps as many
//! release parts as the constraint gave (`^1.2` → `<2.0`), which compares the same as any other spelling.

use std::str::FromStr;

use pep508_rs::pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};

/// A Poetry constraint that could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Poetry version constraint `{constraint}`: {message}")]
pub struct PoetryConstraintError {
    /// The constraint as written.
    pub constraint: String,
    /// What is wrong with it.
    pub message: String,
}

/// Converts a Poetry version constraint into PEP 440 specifier sets, one per `||` alternative. A version matches the
/// constraint when it matches any of the sets.
///
/// ```
/// use osv_lens::sources::poetry_constraint::poetry_constraint_to_pep440;
///
/// let sets = poetry_constraint_to_pep440("^1.2.3").unwrap();
/// assert_eq!(sets.len(), 1);
/// assert_eq!(sets[0].to_string(), ">=1.2.3, <2.0.0");
/// ```
pub fn poetry_constraint_to_pep440(constraint: &str) -> Result<Vec<VersionSpecifiers>, PoetryConstraintError> {
    let error = |message: String| PoetryConstraintError { constraint: constraint.to_string(), message };
    let sets = constraint
        .split('|')
        .filter(|alternative| !alternative.trim().is_empty() || !constraint.contains('|'))
        .map(|alternative| alternative_to_pep440(alternative).map_err(error))
        .collect::<Result<Vec<_>, _>>()?;
    if sets.is_empty() {
        return Err(error("`|` separates nothing".to_string()));
    }
    Ok(sets)
}

/// One alternative: constraints that must all hold.
fn alternative_to_pep440(alternative: &str) -> Result<VersionSpecifiers, String> {
    let mut specifiers = Vec::new();
    for term in terms(alternative) {
        specifiers.extend(term_to_pep440(&term)?);
    }
    Ok(specifiers.into_iter().collect())
}

/// Splits an alternative at `,` and spaces, keeping an operator written apart from its version (`>= 1.2`) together.
fn terms(alternative: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    let mut pending_operator = String::new();
    for token in alternative.split([',', ' ', '\t']).filter(|token| !token.is_empty()) {
        if token.chars().all(|c| "<>=!~^".contains(c)) {
            pending_operator.push_str(token);
        } else {
            terms.push(format!("{}{token}", std::mem::take(&mut pending_operator)));
        }
    }
    if !pending_operator.is_empty() {
        terms.push(pending_operator);
    }
    terms
}

fn term_to_pep440(term: &str) -> Result<Vec<VersionSpecifier>, String> {
    if term == "*" {
        return Ok(Vec::new());
    }
    if let Some(version) = term.strip_prefix('^') {
        let version = parse_version(version)?;
        let upper = bump(&version, caret_part(version.release()));
        return bounded(version, upper);
    }
    if term.starts_with("~=") {
        return VersionSpecifier::from_str(term).map(|specifier| vec![specifier]).map_err(|error| error.to_string());
    }
    if let Some(version) = term.strip_prefix('~') {
        let version = parse_version(version)?;
        let part = if version.release().len() == 1 { 0 } else { 1 };
        let upper = bump(&version, part);
        return bounded(version, upper);
    }
    let operator_len = term.find(|c: char| !"<>=!".contains(c)).unwrap_or(term.len());
    let (operator, version) = term.split_at(operator_len);
    let operator = match operator {
        "" | "=" => "==",
        other => other,
    };
    if version.is_empty() {
        return Err(format!("`{term}` has no version"));
    }
    let version = wildcard_as_star(version);
    VersionSpecifier::from_str(&format!("{operator}{version}"))
        .map(|specifier| vec![specifier])
        .map_err(|error| error.to_string().lines().next().unwrap_or_default().trim_end_matches(':').to_string())
}

/// `1.2.x` and `1.2.X` are Poetry's spellings of `1.2.*`.
fn wildcard_as_star(version: &str) -> String {
    match version.strip_suffix(".x").or_else(|| version.strip_suffix(".X")) {
        Some(base) => format!("{base}.*"),
        None => version.to_string(),
    }
}

fn parse_version(text: &str) -> Result<Version, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("a version is missing after the operator".to_string());
    }
    Version::from_str(text).map_err(|error| error.to_string())
}

/// Which release part a caret constraint bumps: the first non-zero one, or the last one given when all are zero
/// (considering at most major, minor and patch).
fn caret_part(release: &[u64]) -> usize {
    let given = release.len().min(3);
    (0..given).find(|&part| release[part] != 0).unwrap_or(given.saturating_sub(1))
}

/// The version with release part `part` incremented and every later part set to zero, keeping as many parts as
/// were given (at least `part + 1`).
fn bump(version: &Version, part: usize) -> Version {
    let mut release = version.release().to_vec();
    release.resize(release.len().max(part + 1), 0);
    release[part] = release[part].saturating_add(1);
    for later in release.iter_mut().skip(part + 1) {
        *later = 0;
    }
    Version::new(release).with_epoch(version.epoch())
}

fn bounded(lower: Version, upper: Version) -> Result<Vec<VersionSpecifier>, String> {
    let lower = VersionSpecifier::from_version(Operator::GreaterThanEqual, lower).map_err(|error| error.to_string())?;
    let upper = VersionSpecifier::from_version(Operator::LessThan, upper).map_err(|error| error.to_string())?;
    Ok(vec![lower, upper])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn converted(constraint: &str) -> Vec<VersionSpecifiers> {
        poetry_constraint_to_pep440(constraint).unwrap_or_else(|error| panic!("{error}"))
    }

    fn pep440(text: &str) -> VersionSpecifiers {
        VersionSpecifiers::from_str(text).unwrap()
    }

    #[test]
    fn caret_bumps_the_first_non_zero_part() {
        for (poetry, expected) in [
            ("^1.2.3", ">=1.2.3,<2.0.0"),
            ("^1.2", ">=1.2,<2.0"),
            ("^1", ">=1,<2"),
            ("^0.2.3", ">=0.2.3,<0.3.0"),
            ("^0.0.3", ">=0.0.3,<0.0.4"),
            ("^0.0", ">=0.0,<0.1"),
            ("^0", ">=0,<1"),
            ("^1.2.3b1", ">=1.2.3b1,<2.0.0"),
            ("^ 2.0", ">=2.0,<3.0"),
        ] {
            assert_eq!(converted(poetry), [pep440(expected)], "{poetry}");
        }
    }

    #[test]
    fn tilde_bumps_the_minor_part_unless_only_major_is_given() {
        for (poetry, expected) in [
            ("~1.2.3", ">=1.2.3,<1.3.0"),
            ("~1.2", ">=1.2,<1.3"),
            ("~1", ">=1,<2"),
            ("~=1.2", "~=1.2"),
            ("~=1.2.3", "~=1.2.3"),
        ] {
            assert_eq!(converted(poetry), [pep440(expected)], "{poetry}");
        }
    }

    #[test]
    fn exact_versions_wildcards_and_comparisons() {
        for (poetry, expected) in [
            ("1.2.3", "==1.2.3"),
            ("=1.2.3", "==1.2.3"),
            ("==1.2.3", "==1.2.3"),
            ("1.2.*", "==1.2.*"),
            ("1.2.x", "==1.2.*"),
            ("!=1.5.*", "!=1.5.*"),
            ("*", ""),
            ("", ""),
            (">=1,<2", ">=1,<2"),
            (">= 1.0, < 2.0", ">=1.0,<2.0"),
            (">=1.0 <2.0", ">=1.0,<2.0"),
            (">2.0,!=2.5,<=3", ">2.0,!=2.5,<=3"),
        ] {
            assert_eq!(converted(poetry), [pep440(expected)], "{poetry}");
        }
    }

    #[test]
    fn alternatives_become_separate_sets() {
        assert_eq!(converted("^1.2 || ^2.0"), [pep440(">=1.2,<2.0"), pep440(">=2.0,<3.0")]);
        assert_eq!(converted("1.0|2.0"), [pep440("==1.0"), pep440("==2.0")]);
    }

    #[test]
    fn the_sets_contain_what_poetry_allows() {
        let caret = &converted("^0.2.3")[0];
        assert!(caret.contains(&Version::from_str("0.2.9").unwrap()));
        assert!(!caret.contains(&Version::from_str("0.3.0").unwrap()));
        assert!(!caret.contains(&Version::from_str("0.2.2").unwrap()));
    }

    #[test]
    fn nonsense_is_an_error_that_names_the_constraint() {
        for bad in ["^", "~", ">=", "^abc", "1..2", ">=1.2.*", "||"] {
            let error = poetry_constraint_to_pep440(bad).unwrap_err();
            assert_eq!(error.constraint, bad);
            assert!(error.to_string().contains(&format!("`{bad}`")), "{error}");
        }
    }
}
