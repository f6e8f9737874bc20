//! Whether a version of a PyPI package is affected by an OSV record, and why.
//!
//! The algorithm follows the OSV schema's evaluation of ranges: the explicit `versions` list is checked first, then
//! each `ECOSYSTEM` (or `SEMVER`) range is walked over a sorted copy of its events. `GIT` ranges are skipped: they
//! describe commits, not releases. Versions compare per PEP 440, through pep440_rs. The local OSV API server and the
//! page's offline mode use this same code, so that online and offline answers agree.

use std::fmt::{self, Write as _};
use std::str::FromStr;

use pep508_rs::pep440_rs::Version;
use serde::{Deserialize, Serialize};

use crate::model::normalize_name;
use crate::osv::{Affected, Event, RangeType, Vulnerability, PYPI};
use crate::severity::Severity;

/// Where a version matched a record, so that the user can check the claim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MatchReason {
    /// The version is in the record's explicit `versions` list.
    Listed,
    /// The version is inside an `ECOSYSTEM` range.
    InRange {
        /// The `introduced` event that opens the interval (`0` for "from the start").
        introduced: String,
        /// The event that closes it, if any.
        until: Option<RangeEnd>,
    },
}

/// The event that ends an affected interval.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RangeEnd {
    /// Versions from this one on are fixed.
    Fixed(String),
    /// This is the last affected version.
    LastAffected(String),
}

impl fmt::Display for MatchReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Listed => f.write_str("listed in the record's affected versions"),
            Self::InRange { introduced, until } => {
                write!(f, "in the range introduced {introduced}")?;
                match until {
                    Some(RangeEnd::Fixed(version)) => write!(f, " → fixed {version}"),
                    Some(RangeEnd::LastAffected(version)) => write!(f, " → last affected {version}"),
                    None => f.write_str(" → no fix yet"),
                }
            }
        }
    }
}

/// A version bound in a compiled range. `introduced: "0"` is the start of all versions.
#[derive(Debug, Clone)]
enum Bound {
    Zero,
    At(Version),
}

impl Bound {
    fn le(&self, version: &Version) -> bool {
        match self {
            Self::Zero => true,
            Self::At(bound) => bound <= version,
        }
    }
}

#[derive(Debug, Clone)]
enum CompiledEvent {
    Introduced(Bound, String),
    Fixed(Version, String),
    LastAffected(Version, String),
}

impl CompiledEvent {
    fn sort_key(&self) -> Option<&Version> {
        match self {
            Self::Introduced(Bound::Zero, _) => None,
            Self::Introduced(Bound::At(version), _) | Self::Fixed(version, _) | Self::LastAffected(version, _) => {
                Some(version)
            }
        }
    }
}

#[derive(Debug, Clone)]
struct CompiledRange {
    events: Vec<CompiledEvent>,
    limits: Vec<Version>,
}

impl CompiledRange {
    fn reason_for(&self, version: &Version) -> Option<MatchReason> {
        if !self.limits.is_empty() && !self.limits.iter().any(|limit| version < limit) {
            return None;
        }
        let mut opened_by: Option<&str> = None;
        let mut position = 0;
        for (index, event) in self.events.iter().enumerate() {
            match event {
                CompiledEvent::Introduced(bound, text) if bound.le(version) => {
                    opened_by = Some(text);
                    position = index + 1;
                }
                CompiledEvent::Fixed(fixed, _) if fixed <= version => opened_by = None,
                CompiledEvent::LastAffected(last, _) if last < version => opened_by = None,
                _ => {}
            }
        }
        let introduced = opened_by?.to_string();
        let until = self.events[position..].iter().find_map(|event| match event {
            CompiledEvent::Fixed(fixed, text) if fixed > version => Some(RangeEnd::Fixed(text.clone())),
            CompiledEvent::LastAffected(last, text) if last >= version => Some(RangeEnd::LastAffected(text.clone())),
            _ => None,
        });
        Some(MatchReason::InRange { introduced, until })
    }
}

/// A record's `versions` list for one package. Most PyPI versions are plain release numbers (`2.4.1`); two of those
/// are equal per PEP 440 exactly when their texts agree once trailing `.0` segments are dropped. Those are kept as
/// text and compared as text; only the others are parsed. A record lists up to thousands of versions: parsing and
/// hashing each would be most of the cost of reading an advisory, and even a string each would be most of the cost
/// of compiling an audit's records, so the plain ones share one string.
#[derive(Debug, Clone, Default)]
struct ListedVersions {
    /// Plain release numbers, trailing `.0` segments dropped, each followed by a newline; a newline first.
    plain: String,
    /// Where each plain number starts in `plain`; the numbers are in the order of their texts, so that a lookup is a
    /// binary search, not a scan of `plain` (a fix search asks about every release of a package, for every record).
    by_text: Vec<u32>,
    /// Every other listed version, parsed.
    parsed: Vec<Version>,
}

impl ListedVersions {
    fn new(texts: &[String], parse: &mut impl FnMut(&str) -> Option<Version>) -> Self {
        let mut listed = Self::default();
        let mut keys: Vec<&str> = Vec::new();
        for text in texts {
            match plain_release_key(text) {
                Some(key) => keys.push(key),
                None => listed.parsed.extend(parse(text)),
            }
        }
        crate::sorting::sort(&mut keys);
        keys.dedup();
        if !keys.is_empty() {
            listed.plain.push('\n');
        }
        for key in keys {
            listed.by_text.push(u32::try_from(listed.plain.len()).unwrap_or(u32::MAX));
            listed.plain.push_str(key);
            listed.plain.push('\n');
        }
        listed
    }

    fn contains(&self, version: &Version) -> bool {
        if self.parsed.contains(version) {
            return true;
        }
        let is_plain = version.epoch() == 0
            && version.pre().is_none()
            && version.post().is_none()
            && version.dev().is_none()
            && version.local().is_empty();
        if !is_plain || self.plain.is_empty() {
            return false;
        }
        let mut release = version.release();
        while let [rest @ .., 0] = release {
            if rest.is_empty() {
                break;
            }
            release = rest;
        }
        let mut key = String::with_capacity(4 * release.len());
        for (index, segment) in release.iter().enumerate() {
            if index > 0 {
                key.push('.');
            }
            // Writing to a String cannot fail.
            let _ = write!(key, "{segment}");
        }
        self.by_text.binary_search_by(|&start| key_at(&self.plain, start).cmp(key.as_str())).is_ok()
    }

    fn versions(&self) -> impl Iterator<Item = Version> + '_ {
        self.plain.lines().filter_map(|text| read_version(text).ok()).chain(self.parsed.iter().cloned())
    }
}

/// The plain number that starts at `start` in a [`ListedVersions::plain`].
fn key_at(plain: &str, start: u32) -> &str {
    let rest = plain.get(start as usize..).unwrap_or_default();
    rest.split('\n').next().unwrap_or_default()
}

/// Reads a version per PEP 440. A plain release number (`2.4.1`, most versions in OSV records) is built from its
/// segments rather than run through the full parser, which would take about half the time of compiling a record.
fn read_version(text: &str) -> Result<Version, pep440_rs::VersionParseError> {
    if plain_release_key(text).is_some() {
        let segments: Option<Vec<u64>> = text.split('.').map(|segment| segment.parse().ok()).collect();
        if let Some(segments) = segments {
            return Ok(Version::new(segments));
        }
    }
    Version::from_str(text)
}

/// `text` without its trailing `.0` segments when it is a plain release number: dot-separated decimal segments,
/// none with a leading zero or too long for a `u64`. `None` for anything else, which must be parsed.
fn plain_release_key(text: &str) -> Option<&str> {
    // One pass over the bytes: a record lists thousands of versions, and this runs for each.
    let mut digits = 0;
    let mut leading = 0;
    for &byte in text.as_bytes() {
        if byte == b'.' {
            if digits == 0 {
                return None;
            }
            digits = 0;
            continue;
        }
        if !byte.is_ascii_digit() || (digits == 1 && leading == b'0') || digits == 18 {
            return None;
        }
        if digits == 0 {
            leading = byte;
        }
        digits += 1;
    }
    if digits == 0 {
        return None;
    }
    let mut key = text;
    while let Some(rest) = key.strip_suffix(".0") {
        key = rest;
    }
    Some(key)
}

#[derive(Debug, Clone)]
struct CompiledAffected {
    name: String,
    listed: ListedVersions,
    ranges: Vec<CompiledRange>,
    fixed: Vec<Version>,
}

/// An OSV record with its PyPI versions parsed once, ready for repeated matching, and its severity for each of its
/// packages scored once, ready for every report that shows it.
#[derive(Debug, Clone)]
pub struct CompiledVulnerability {
    affected: Vec<CompiledAffected>,
    /// [`Severity::of_record`] for each PyPI package the record names (PEP 503 normalised), by name.
    severities: Vec<(String, Severity)>,
    withdrawn: bool,
    /// Version strings in the record that PEP 440 cannot read; they are left out of matching.
    pub unreadable_versions: Vec<String>,
}

impl CompiledVulnerability {
    /// Parses the PyPI parts of `record` and scores its severities.
    pub fn new(record: &Vulnerability) -> Self {
        let mut unreadable_versions = Vec::new();
        let mut parse = |text: &str| match read_version(text) {
            Ok(version) => Some(version),
            Err(_) => {
                unreadable_versions.push(text.to_string());
                None
            }
        };
        let affected: Vec<CompiledAffected> = record
            .affected
            .iter()
            .filter_map(|affected| {
                let package = affected.package.as_ref().filter(|package| package.ecosystem == PYPI)?;
                let listed = ListedVersions::new(&affected.versions, &mut parse);
                let ranges: Vec<CompiledRange> = ecosystem_ranges(affected)
                    .map(|events| {
                        let mut limits = Vec::new();
                        let mut compiled: Vec<CompiledEvent> = events
                            .iter()
                            .filter_map(|event| match event {
                                Event::Introduced(text) if text == "0" => {
                                    Some(CompiledEvent::Introduced(Bound::Zero, text.clone()))
                                }
                                Event::Introduced(text) => parse(text)
                                    .map(|version| CompiledEvent::Introduced(Bound::At(version), text.clone())),
                                Event::Fixed(text) => {
                                    parse(text).map(|version| CompiledEvent::Fixed(version, text.clone()))
                                }
                                Event::LastAffected(text) => {
                                    parse(text).map(|version| CompiledEvent::LastAffected(version, text.clone()))
                                }
                                Event::Limit(text) if text == "*" => None,
                                Event::Limit(text) => {
                                    if let Some(version) = parse(text) {
                                        limits.push(version);
                                    }
                                    None
                                }
                                Event::Unknown => None,
                            })
                            .collect();
                        // A stable sort of a copy: the record's own order breaks ties.
                        crate::sorting::sort_by(&mut compiled, |a, b| a.sort_key().cmp(&b.sort_key()));
                        CompiledRange { events: compiled, limits }
                    })
                    .collect();
                let mut fixed: Vec<Version> = ranges
                    .iter()
                    .flat_map(|range| range.events.iter())
                    .filter_map(|event| match event {
                        CompiledEvent::Fixed(version, _) => Some(version.clone()),
                        _ => None,
                    })
                    .collect();
                crate::sorting::sort(&mut fixed);
                fixed.dedup();
                Some(CompiledAffected { name: normalize_name(&package.name), listed, ranges, fixed })
            })
            .collect();
        let mut names: Vec<&str> = affected.iter().map(|affected| affected.name.as_str()).collect();
        crate::sorting::sort(&mut names);
        names.dedup();
        let severities = names.into_iter().map(|name| (name.to_string(), Severity::of_record(record, name))).collect();
        Self { affected, severities, withdrawn: record.is_withdrawn(), unreadable_versions }
    }

    /// The record's severity for the package `name` (PEP 503 normalised), as [`Severity::of_record`] gives it;
    /// `None` for a package the record does not name.
    pub fn severity(&self, name: &str) -> Option<&Severity> {
        self.severities.iter().find(|(named, _)| named == name).map(|(_, severity)| severity)
    }

    /// Why `version` of the package `name` (PEP 503 normalised) is affected, or `None` when it is not.
    /// A withdrawn record affects nothing.
    pub fn affects(&self, name: &str, version: &Version) -> Option<MatchReason> {
        if self.withdrawn {
            return None;
        }
        let entries = self.affected.iter().filter(|affected| affected.name == name);
        let mut range_reason = None;
        for affected in entries {
            if affected.listed.contains(version) {
                return Some(MatchReason::Listed);
            }
            if range_reason.is_none() {
                range_reason = affected.ranges.iter().find_map(|range| range.reason_for(version));
            }
        }
        range_reason
    }

    /// True when the record names the package `name` (PEP 503 normalised) at all.
    pub fn mentions(&self, name: &str) -> bool {
        !self.withdrawn && self.affected.iter().any(|affected| affected.name == name)
    }

    /// The normalised names of the PyPI packages the record covers.
    pub fn package_names(&self) -> impl Iterator<Item = &str> {
        self.affected.iter().map(|affected| affected.name.as_str())
    }

    /// Every version the record names for the package `name`: its `versions` list and the versions of its range
    /// events (`introduced` other than `0`, `fixed`, `last_affected`, `limit`), ascending and without duplicates.
    /// Without a release list, these are the versions a range can be evaluated on.
    pub fn mentioned_versions(&self, name: &str) -> Vec<Version> {
        let mut versions: Vec<Version> = Vec::new();
        for affected in self.affected.iter().filter(|affected| affected.name == name) {
            versions.extend(affected.listed.versions());
            for range in &affected.ranges {
                versions.extend(range.limits.iter().cloned());
                versions.extend(range.events.iter().filter_map(|event| event.sort_key().cloned()));
            }
        }
        crate::sorting::sort(&mut versions);
        versions.dedup();
        versions
    }

    /// Every `fixed` version of the package's ranges, ascending and without duplicates.
    pub fn fixed_versions(&self, name: &str) -> Vec<Version> {
        let mut fixed: Vec<Version> = self
            .affected
            .iter()
            .filter(|affected| affected.name == name)
            .flat_map(|affected| affected.fixed.iter().cloned())
            .collect();
        crate::sorting::sort(&mut fixed);
        fixed.dedup();
        fixed
    }
}

fn ecosystem_ranges(affected: &Affected) -> impl Iterator<Item = &Vec<Event>> {
    affected
        .ranges
        .iter()
        .filter(|range| matches!(range.kind, RangeType::Ecosystem | RangeType::Semver))
        .map(|range| &range.events)
}

#[cfg(test)]
mod tests;
