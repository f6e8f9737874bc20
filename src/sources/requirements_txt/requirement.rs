//! One requirement of a requirements file, classified the way pip's `parse_req_from_line` and `parse_editable` do:
//! a URL, a local path, an editable install, or a PEP 508 specifier (parsed with pep508_rs).

use std::cell::RefCell;
use std::collections::BTreeSet;

use pep508_rs::pep440_rs::{Operator, VersionSpecifiers};
use pep508_rs::{PackageName, Requirement, VersionOrUrl};

use super::lines::LogicalLine;
use crate::model::{Dependency, DependencyVersion, Origin, SkipReason};
use crate::sources::byte_scan::{find_byte, split_at_byte};
use crate::sources::pep508::{parse_marker, parse_requirement, written_specifier, WrittenUrl};
use crate::sources::{LineIndex, SourceError};

/// What one requirement turned into.
pub(super) struct Parsed {
    /// The dependency (skipped with [`SkipReason::InvalidEntry`] when the requirement is malformed).
    pub dependency: Dependency,
    /// The problem, when the requirement is malformed.
    pub error: Option<SourceError>,
}

/// Where a requirement sits: the file, its line index and the logical line.
pub(super) struct Place<'a> {
    /// The file name.
    pub file: &'a str,
    /// Positions in the file.
    pub index: &'a LineIndex<'a>,
    /// The logical line being read.
    pub line: &'a LogicalLine<'a>,
    /// The markers of this file already read without error: a file repeats the same few markers on many lines,
    /// and reading one builds a decision diagram.
    pub valid_markers: &'a RefCell<BTreeSet<String>>,
}

impl Place<'_> {
    fn origin(&self, at: usize) -> Origin {
        self.index.origin(self.file, self.line.offset(at))
    }

    fn error(&self, start: usize, end: usize, message: impl Into<String>) -> SourceError {
        // At least one character is underlined, even for a problem at the end of the line.
        let end = end.clamp(start + 1, self.line.text.len().max(start + 1));
        let (file_start, file_end) = self.line.span(start, end);
        self.index.error(self.file, file_start, file_end, message)
    }
}

/// The schemes pip takes as a URL at the start of a requirement (`is_url`): web and file URLs and every scheme of
/// its version-control backends.
const URL_SCHEMES: &[&str] = &["http", "https", "file", "ftp"];
#[rustfmt::skip]
const VCS_SCHEMES: &[&str] = &[
    "git", "git+file", "git+https", "git+ssh", "git+http", "git+git",
    "hg", "hg+file", "hg+http", "hg+https", "hg+ssh", "hg+static-http",
    "svn", "svn+ssh", "svn+http", "svn+https", "svn+svn", "svn+file",
    "bzr", "bzr+http", "bzr+https", "bzr+ssh", "bzr+sftp", "bzr+ftp", "bzr+lp", "bzr+file",
];

/// Reads the requirement at `line.text[start..end]` (no options, already split off).
pub(super) fn requirement(place: &Place<'_>, start: usize, end: usize) -> Parsed {
    let text = &place.line.text[start..end];
    let origin = place.origin(start);
    // pip splits the marker off first: at `; ` after a URL (a URL may hold `;`), at the first `;` otherwise.
    // The head keeps the text's scheme (a known scheme has no `;`), so it is a URL exactly when the text is.
    let url = is_url(text);
    let found = if url { text.find("; ").map(|at| (at, 2)) } else { find_byte(text, b';').map(|at| (at, 1)) };
    let (head, marker_at) = match found {
        Some((at, separator_len)) => (&text[..at], Some(start + at + separator_len)),
        None => (text, None),
    };
    let head = head.trim_end();
    let marker = match marker_at {
        Some(marker_at) => match marker(place, marker_at, end) {
            Ok(marker) => marker,
            Err(error) => return invalid(head, origin, error),
        },
        None => None,
    };
    let mut parsed = if url {
        link(place, start, head, origin)
    } else if !is_name_at_url(head) && (looks_like_path(head) || is_archive(strip_extras(head).0)) {
        local_path(place, start, head, origin)
    } else {
        pep508(place, start, head, origin)
    };
    if parsed.error.is_none() {
        parsed.dependency.marker = marker;
    }
    parsed
}

/// Reads the value of `-e`/`--editable` at `line.text[start..]`: a local project or a VCS URL, named by its
/// `#egg=` fragment when it has one.
pub(super) fn editable(place: &Place<'_>, value: &str, start: usize) -> Parsed {
    let origin = place.origin(start);
    let (target, extras) = strip_extras(value);
    // The value's own position is not kept through word splitting; find it in the line to place egg errors.
    let value_start = place.line.text[start..].find(value).map_or(start, |at| start + at);
    named_skip(place, value_start, target, extras, origin, DependencyVersion::Skipped(SkipReason::Editable))
}

/// A requirement that is a URL by itself (`https://…/pkg.whl`, `git+https://…#egg=name`).
fn link(place: &Place<'_>, start: usize, url: &str, origin: Origin) -> Parsed {
    // pip rebuilds relative `file:` URLs from their path, which drops the `#egg=` fragment.
    let egg_is_lost = scheme(url).as_deref() == Some("file") && url.contains("../");
    let named_by = if egg_is_lost { url.split('#').next().unwrap_or(url) } else { url };
    let mut parsed = named_skip(place, start, named_by, "", origin, skip_url(url));
    if egg_is_lost {
        parsed.dependency.name = redact_credentials(url);
    }
    parsed
}

/// A local file or directory (`./pkg`, `../dist/pkg-1.0.tar.gz`, `pkg.whl[extra]`).
fn local_path(place: &Place<'_>, start: usize, head: &str, origin: Origin) -> Parsed {
    let (path, extras) = strip_extras(head);
    named_skip(place, start, path, extras, origin, skip_path(path))
}

/// A skipped URL or path, named like pip names it: by its `#egg=` fragment (read as a PEP 508 requirement, so it
/// may carry extras), else by a wheel's file name, else by the text itself.
fn named_skip(
    place: &Place<'_>,
    start: usize,
    target: &str,
    extras: &str,
    origin: Origin,
    version: DependencyVersion,
) -> Parsed {
    let mut dependency = match egg(place, start, target) {
        Some((_, Ok(requirement))) => {
            let mut dependency = Dependency::of_package(&requirement.name, version, origin);
            dependency.extras = requirement.extras.iter().map(ToString::to_string).collect();
            dependency
        }
        Some((fragment, Err(error))) => return invalid(fragment, origin, error),
        None => Dependency::named(wheel_name(target).unwrap_or_else(|| redact_credentials(target)), version, origin),
    };
    if !extras.is_empty() {
        dependency.extras = extras_of(extras);
    }
    Parsed { dependency, error: None }
}

/// The requirement named by the `#egg=` fragment of `target` (at `line.text[start..]`), which pip parses as a PEP
/// 508 string (pip's `[#&]egg=([^&]*)`); `None` without a fragment.
fn egg<'t>(
    place: &Place<'_>,
    start: usize,
    target: &'t str,
) -> Option<(&'t str, Result<Requirement<WrittenUrl>, SourceError>)> {
    let at = target.find("#egg=").or_else(|| target.find("&egg="))? + "#egg=".len();
    let fragment = target[at..].split('&').next().unwrap_or("");
    if fragment.is_empty() {
        return None;
    }
    let requirement = parse_requirement(fragment).map_err(|problem| {
        let message = format!("the `#egg=` fragment is not a requirement: {}", problem.message);
        pep508_error(place, start + at, fragment, problem.start, problem.len, message)
    });
    Some((fragment, requirement))
}

/// A PEP 508 requirement: `name[extras] (specifiers | @ url)`, the marker already split off.
fn pep508(place: &Place<'_>, start: usize, head: &str, origin: Origin) -> Parsed {
    let parsed = parse_requirement(&neutralise_env(head));
    let (requirement, version) = match parsed {
        Ok(requirement) => {
            let version = match &requirement.version_or_url {
                Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifier_version(specifiers),
                Some(VersionOrUrl::Url(_)) => skip_url(direct_target(head)),
                None => DependencyVersion::Range(VersionSpecifiers::empty()),
            };
            (requirement, version)
        }
        Err(problem) => {
            let message = problem.message.replace(NEUTRAL_PROJECT_ROOT, "${PROJECT_ROOT}");
            return invalid(head, origin, pep508_error(place, start, head, problem.start, problem.len, message));
        }
    };
    let mut dependency = Dependency::of_package(&requirement.name, version, origin);
    dependency.extras = requirement.extras.iter().map(ToString::to_string).collect();
    if matches!(dependency.version, DependencyVersion::Range(_)) {
        dependency.written_specifier = written_specifier(head);
    }
    Parsed { dependency, error: None }
}

/// An error at `error_start` (length `error_len`) of `text`, which starts at `line.text[start..]`.
fn pep508_error(
    place: &Place<'_>,
    start: usize,
    text: &str,
    error_start: usize,
    error_len: usize,
    message: String,
) -> SourceError {
    let from = start + error_start.min(text.len());
    let to = start + (error_start + error_len).min(text.len());
    place.error(from, to, message)
}

/// Parses the marker at `line.text[start..end]`; an empty marker is none, as with pip.
fn marker(place: &Place<'_>, start: usize, end: usize) -> Result<Option<String>, SourceError> {
    let written = &place.line.text[start..end];
    let trimmed = written.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if place.valid_markers.borrow().contains(trimmed) {
        return Ok(Some(trimmed.to_string()));
    }
    let marker_start = start + (written.len() - written.trim_start().len());
    match parse_marker(trimmed) {
        Ok(_) => {
            place.valid_markers.borrow_mut().insert(trimmed.to_string());
            Ok(Some(trimmed.to_string()))
        }
        Err(problem) => Err(pep508_error(place, marker_start, trimmed, problem.start, problem.len, problem.message)),
    }
}

/// A malformed requirement: skipped, named by its leading name-like characters (or the whole text), with the error.
fn invalid(head: &str, origin: Origin, error: SourceError) -> Parsed {
    let leading = head.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c))).next().unwrap_or("");
    let leading = leading.trim_end_matches(['-', '_', '.']);
    let name = package_name(leading).unwrap_or_else(|| redact_credentials(head.trim()));
    let reason = SkipReason::InvalidEntry(error.message.clone());
    Parsed { dependency: Dependency::named(name, DependencyVersion::Skipped(reason), origin), error: Some(error) }
}

/// `==` and `===` without a wildcard pin one version; anything else is a range.
fn specifier_version(specifiers: &VersionSpecifiers) -> DependencyVersion {
    match &specifiers[..] {
        [single] if matches!(single.operator(), Operator::Equal | Operator::ExactEqual) => {
            DependencyVersion::Pinned(single.version().clone())
        }
        _ => DependencyVersion::Range(specifiers.clone()),
    }
}

/// The text after the `@` of `name @ target`.
fn direct_target(head: &str) -> &str {
    head.split_once('@').map_or("", |(_, target)| target.trim())
}

/// Why a URL or path target is skipped: version control, a local file (`file:` or no scheme), or a web URL.
fn skip_url(target: &str) -> DependencyVersion {
    let reason = match scheme(target) {
        Some(scheme) if is_vcs_scheme(&scheme) => SkipReason::Vcs(redact_credentials(target)),
        Some(scheme) if scheme == "file" => SkipReason::LocalPath(target.to_string()),
        Some(_) => SkipReason::Url(redact_credentials(target)),
        None => SkipReason::LocalPath(target.to_string()),
    };
    DependencyVersion::Skipped(reason)
}

fn skip_path(path: &str) -> DependencyVersion {
    DependencyVersion::Skipped(SkipReason::LocalPath(path.to_string()))
}

/// pip's `get_url_scheme`: the lower-cased text before the first `:`. A one-letter scheme is a Windows drive.
fn scheme(text: &str) -> Option<String> {
    let (scheme, _) = text.split_once(':')?;
    let valid = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then(|| scheme.to_ascii_lowercase())
}

fn is_vcs_scheme(scheme: &str) -> bool {
    VCS_SCHEMES.contains(&scheme) || ["git+", "hg+", "svn+", "bzr+"].iter().any(|prefix| scheme.starts_with(prefix))
}

/// pip's `is_url`.
fn is_url(text: &str) -> bool {
    split_at_byte(text, b':').is_some_and(|(scheme, _)| {
        URL_SCHEMES.iter().chain(VCS_SCHEMES).any(|known| known.eq_ignore_ascii_case(scheme))
    })
}

/// pip's `_looks_like_path`: a path separator, or a leading dot.
fn looks_like_path(text: &str) -> bool {
    text.starts_with('.') || text.bytes().any(|byte| byte == b'/' || byte == b'\\')
}

/// `name @ target` where the name is not a path: pip reads it as PEP 508 even when the target looks like a file.
fn is_name_at_url(text: &str) -> bool {
    split_at_byte(text, b'@').is_some_and(|(before, _)| !looks_like_path(before))
}

/// pip's `is_archive_file`: the extensions pip unpacks.
fn is_archive(path: &str) -> bool {
    let path = path.as_bytes();
    [".zip", ".whl", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma", ".tar.gz", ".tgz", ".tar"]
        .iter()
        .any(|extension| {
            path.len() >= extension.len()
                && path[path.len() - extension.len()..].eq_ignore_ascii_case(extension.as_bytes())
        })
}

/// pip's `_strip_extras`: `path[extra1,extra2]` → (`path`, `[extra1,extra2]`).
fn strip_extras(text: &str) -> (&str, &str) {
    if !text.ends_with(']') {
        return (text, "");
    }
    match text.rfind('[') {
        Some(at) if at > 0 && !text[at + 1..text.len() - 1].contains(']') => text.split_at(at),
        _ => (text, ""),
    }
}

/// The normalised extras of a `[a,b]` suffix, read by pep508_rs; none when they do not parse.
fn extras_of(extras: &str) -> Vec<String> {
    if extras.is_empty() {
        return Vec::new();
    }
    parse_requirement(&format!("placeholder{extras}"))
        .map(|requirement| requirement.extras.iter().map(ToString::to_string).collect())
        .unwrap_or_default()
}

/// The project of a wheel file name (`name-version-…whl`), which is unambiguous, unlike an sdist's.
fn wheel_name(url_or_path: &str) -> Option<String> {
    let without_fragment = url_or_path.split(['#', '?']).next().unwrap_or("");
    let file = without_fragment.rsplit(['/', '\\']).next().unwrap_or("");
    if !file.to_ascii_lowercase().ends_with(".whl") {
        return None;
    }
    package_name(file.split('-').next().unwrap_or(""))
}

/// The PEP 503 normalised name, if `text` is a valid project name.
fn package_name(text: &str) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    PackageName::new(text.to_string()).ok().map(|name| name.to_string())
}

/// pep508_rs replaces `${PROJECT_ROOT}` in URLs with the current directory, which panics in the browser (there is
/// none). pip reads the same text from the environment only, so the name is spelled differently for pep508_rs.
const NEUTRAL_PROJECT_ROOT: &str = "${PROJECT_R00T}";

fn neutralise_env(text: &str) -> std::borrow::Cow<'_, str> {
    // A `$` is looked for first: a byte search, where a substring search takes longer to set up than to run.
    if text.contains('$') && text.contains("${PROJECT_ROOT}") {
        text.replace("${PROJECT_ROOT}", NEUTRAL_PROJECT_ROOT).into()
    } else {
        text.into()
    }
}

/// Hides the password of a URL's user information, and a lone user name on the web (where it is a token, as in
/// `https://<token>@github.com/…`), as pip's `redact_auth_from_url` does, so that credentials written in a
/// requirements file are not shown in the report. `git+ssh://git@host/…` keeps its `git`.
pub(super) fn redact_credentials(text: &str) -> String {
    let Some(authority_start) = text.find("://").map(|at| at + 3) else {
        return text.to_string();
    };
    let authority_end = text[authority_start..].find(['/', '?', '#']).map_or(text.len(), |at| authority_start + at);
    let authority = &text[authority_start..authority_end];
    let Some(at) = authority.rfind('@') else {
        return text.to_string();
    };
    let user_info = &authority[..at];
    let transport = text[..authority_start - 3].rsplit('+').next().unwrap_or("").to_ascii_lowercase();
    let redacted = match user_info.split_once(':') {
        Some((user, _)) => format!("{user}:****"),
        None if ["http", "https", "ftp"].contains(&transport.as_str()) => "****".to_string(),
        None => return text.to_string(),
    };
    format!("{}{redacted}{}", &text[..authority_start], &text[authority_start + at..])
}
