//! Triage: findings the user chose to ignore (with a reason and an optional expiry, as osv-scanner.toml's
//! `[[IgnoredVulns]]` allows), and the filter and sort of the findings list.
//!
//! Ignored findings stay in the report, marked, so that the page can show them under "Ignored"; they leave the
//! totals. Filters never hide a finding silently: [`Listing`] counts what they hid, unknown severities apart.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub use crate::ignore_rule::{is_date, Ignore, MAX_REASON_CHARS};
use crate::model::DependencyVersion;
use crate::report::{summarize, DependencyReport, Finding, FindingKind, Report, Summary};
use crate::severity::Rating;

/// Marks the findings that an active rule ignores, and recounts the summary. An "until fixed" rule does not ignore a
/// finding that has a fixed version: the finding is marked `ignore_ended` instead, so that the card can say why.
pub fn apply(report: &mut Report, ignores: &[Ignore], today: &str) {
    for finding in report.files.iter_mut().flat_map(|file| file.dependencies.iter_mut()).flat_map(|d| &mut d.findings) {
        let has_fix = !finding.fixed_versions.is_empty();
        let mut naming =
            ignores.iter().filter(|rule| rule.is_active(today) && rule.matches(&finding.id, &finding.aliases));
        finding.ignore_ended = false;
        finding.ignored = naming
            .find(|rule| {
                let ended = rule.ended_by_fix(has_fix);
                finding.ignore_ended |= ended;
                !ended
            })
            .cloned();
        finding.ignore_ended &= finding.ignored.is_none();
    }
    report.summary = Summary { unaudited: report.unaudited.len(), ..summarize(&report.files) };
}

/// True when `rule` names no finding of `report` (by primary ID or alias, active or not): the package was removed
/// or upgraded, or the ID is wrong.
pub fn matches_nothing(report: &Report, rule: &Ignore) -> bool {
    !report
        .files
        .iter()
        .flat_map(|file| &file.dependencies)
        .flat_map(|dependency| &dependency.findings)
        .any(|finding| rule.matches(&finding.id, &finding.aliases))
}

/// Which findings to show by fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixFilter {
    /// All.
    #[default]
    Any,
    /// Only those with a fixed version.
    HasFix,
    /// Only those without one.
    NoFix,
}

/// The order of the findings list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SortKey {
    /// Worst first.
    #[default]
    Severity,
    /// By package name, then version.
    Package,
    /// By primary ID.
    Id,
    /// What the project names first, then by distance from it (where the file records a graph), then worst first.
    Direct,
}

/// The findings list's filter and sort.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct View {
    /// The ratings shown; empty shows all.
    #[serde(default)]
    pub ratings: BTreeSet<Rating>,
    /// Fix filter.
    #[serde(default)]
    pub fix: FixFilter,
    /// Shows only packages whose name contains this text (case-insensitive); empty shows all.
    #[serde(default)]
    pub package: String,
    /// The order.
    #[serde(default)]
    pub sort: SortKey,
    /// Shows only the findings of the file with this name; empty shows every file's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub file: String,
}

impl View {
    /// True when the filter shows everything.
    pub fn is_unfiltered(&self) -> bool {
        self.ratings.is_empty() && self.fix == FixFilter::Any && self.package.trim().is_empty() && self.file.is_empty()
    }
}

/// Where a finding is in the report: file, dependency and finding indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingRef {
    /// Index into `report.files`.
    pub file: usize,
    /// Index into the file's dependencies.
    pub dependency: usize,
    /// Index into the dependency's findings.
    pub finding: usize,
}

impl FindingRef {
    /// The dependency and the finding this points at in `report`, when it has them.
    pub fn resolve<'r>(&self, report: &'r Report) -> Option<(&'r DependencyReport, &'r Finding)> {
        let dependency = report.files.get(self.file)?.dependencies.get(self.dependency)?;
        Some((dependency, dependency.findings.get(self.finding)?))
    }
}

/// The findings list as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Listing {
    /// Open findings that pass the filter, in the view's order.
    pub shown: Vec<FindingRef>,
    /// Ignored findings, all of them (filters do not apply), in the view's order.
    pub ignored: Vec<FindingRef>,
    /// Open findings the filter hid.
    pub hidden: usize,
    /// Of those, how many have an unknown severity.
    pub hidden_unknown: usize,
}

/// Filters and sorts the report's findings.
pub fn list(report: &Report, view: &View) -> Listing {
    let needle = view.package.trim().to_lowercase();
    let mut listing = Listing::default();
    for (file_index, file) in report.files.iter().enumerate() {
        for (dependency_index, dependency) in file.dependencies.iter().enumerate() {
            for (finding_index, finding) in dependency.findings.iter().enumerate() {
                let at = FindingRef { file: file_index, dependency: dependency_index, finding: finding_index };
                if finding.ignored.is_some() {
                    listing.ignored.push(at);
                    continue;
                }
                let rating = finding.severity.rating;
                // A malicious finding stands above every severity: the severity filter never hides it.
                let malicious = finding.kind == FindingKind::Malicious;
                let passes = (malicious || view.ratings.is_empty() || view.ratings.contains(&rating))
                    && match view.fix {
                        FixFilter::Any => true,
                        FixFilter::HasFix => !finding.fixed_versions.is_empty(),
                        FixFilter::NoFix => finding.fixed_versions.is_empty(),
                    }
                    && (needle.is_empty() || dependency.dependency.name.contains(&needle))
                    && (view.file.is_empty() || view.file == file.name);
                if passes {
                    listing.shown.push(at);
                } else {
                    listing.hidden += 1;
                    if rating == Rating::Unknown {
                        listing.hidden_unknown += 1;
                    }
                }
            }
        }
    }
    // One key type for every order, so that one sort is compiled (page weight); the sort is stable, so ties keep
    // file order.
    let key = |at: &FindingRef| {
        let dependency = &report.files[at.file].dependencies[at.dependency];
        let finding = &dependency.findings[at.finding];
        // Worse first: the rating and the score are negated. A range that allows vulnerable versions ranks below a
        // vulnerable pin of the same rating (the score's place is shared: a range adds 200, past any score).
        let range = if matches!(dependency.dependency.version, DependencyVersion::Range(_)) { 200 } else { 0 };
        let severity = (
            -(finding.severity.rating as i32),
            range + finding.severity.score().map_or(1, |score| -((score * 10.0) as i32)),
        );
        let name = &dependency.dependency.name;
        let id = finding.id.clone();
        // Malicious findings come first in every order.
        let kind = finding.kind;
        match view.sort {
            SortKey::Severity => (kind, String::new(), severity, name.clone(), id),
            // Versions of one package (from several files) compare as text here; they are rarely more than one.
            SortKey::Package => {
                (kind, format!("{name}\0{}", dependency.dependency.version), severity, id, String::new())
            }
            SortKey::Id => (kind, id, (0, 0), name.clone(), String::new()),
            SortKey::Direct => {
                let graph = report.files[at.file].graph.as_deref();
                // Depth before rating in one number: a rating spans less than 16 (page weight: no padded text).
                let depth = graph.and_then(|graph| graph.node(name)?.depth).unwrap_or(u32::MAX).min(1 << 20) as i32;
                (kind, String::new(), (depth * 16 + severity.0, severity.1), name.clone(), id)
            }
        }
    };
    let sort = |refs: &mut Vec<FindingRef>| {
        let mut keyed: Vec<_> = refs.iter().map(|at| (key(at), *at)).collect();
        crate::sorting::sort_by(&mut keyed, |a, b| a.0.cmp(&b.0));
        *refs = keyed.into_iter().map(|(_, at)| at).collect();
    };
    sort(&mut listing.shown);
    sort(&mut listing.ignored);
    listing
}

#[cfg(test)]
mod tests;
