//! Triage: findings the user chose to ignore (with a reason and an optional expiry, as osv-scanner.toml's
//! `[[IgnoredVulns]]` allows), and the filter and sort of the findings list.
//!
//! Ignored findings stay in the report, marked, so that the page can show them under "Ignored"; they leave the
//! totals. Filters never hide a finding silently: [`Listing`] counts what they hid, unknown severities apart.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::report::{summarize, DependencyReport, Finding, Report};
use crate::severity::Rating;

/// The longest reason kept, in characters; the share link and storage carry it.
pub const MAX_REASON_CHARS: usize = 500;

/// One ignore rule, in osv-scanner.toml's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ignore {
    /// The vulnerability ID; it matches a finding whose primary ID or any alias is this ID.
    pub id: String,
    /// Why it is ignored.
    #[serde(default)]
    pub reason: String,
    /// The first day (`YYYY-MM-DD`) on which the rule no longer applies; none means for ever.
    #[serde(default, rename = "ignoreUntil", skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

impl Ignore {
    /// A rule for `id`. The reason is trimmed and cut to [`MAX_REASON_CHARS`]; an expiry that is not a
    /// `YYYY-MM-DD` date is an error.
    pub fn new(id: &str, reason: &str, until: Option<&str>) -> Result<Ignore, String> {
        let until = until.map(str::trim).filter(|date| !date.is_empty());
        if let Some(date) = until {
            if !is_date(date) {
                return Err(format!("`{date}` is not a date (YYYY-MM-DD)"));
            }
        }
        Ok(Ignore {
            id: id.trim().to_string(),
            reason: reason.trim().chars().take(MAX_REASON_CHARS).collect(),
            until: until.map(str::to_string),
        })
    }

    /// True when the rule applies on `today` (`YYYY-MM-DD`): it has no expiry, or the expiry is later.
    pub fn is_active(&self, today: &str) -> bool {
        self.until.as_deref().is_none_or(|until| today < until)
    }

    /// True when the rule names the finding by its primary ID or one of its aliases.
    pub fn matches(&self, finding: &Finding) -> bool {
        finding.id == self.id || finding.aliases.contains(&self.id)
    }
}

/// True for a `YYYY-MM-DD` date with a plausible month and day.
pub fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return false;
    }
    let month: u32 = text[5..7].parse().unwrap_or(0);
    let day: u32 = text[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// Marks the findings that an active rule ignores, and recounts the summary.
pub fn apply(report: &mut Report, ignores: &[Ignore], today: &str) {
    for finding in report.files.iter_mut().flat_map(|file| file.dependencies.iter_mut()).flat_map(|d| &mut d.findings) {
        finding.ignored = ignores.iter().find(|rule| rule.is_active(today) && rule.matches(finding)).cloned();
    }
    report.summary = summarize(&report.files);
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
}

impl View {
    /// True when the filter shows everything.
    pub fn is_unfiltered(&self) -> bool {
        self.ratings.is_empty() && self.fix == FixFilter::Any && self.package.trim().is_empty()
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
                let passes = (view.ratings.is_empty() || view.ratings.contains(&rating))
                    && match view.fix {
                        FixFilter::Any => true,
                        FixFilter::HasFix => !finding.fixed_versions.is_empty(),
                        FixFilter::NoFix => finding.fixed_versions.is_empty(),
                    }
                    && (needle.is_empty() || dependency.dependency.name.contains(&needle));
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
        // Worse first: the rating and the score are negated.
        let severity =
            (-(finding.severity.rating as i32), finding.severity.score().map_or(1, |score| -((score * 10.0) as i32)));
        let name = &dependency.dependency.name;
        let id = finding.id.clone();
        match view.sort {
            SortKey::Severity => (String::new(), severity, name.clone(), id),
            // Versions of one package (from several files) compare as text here; they are rarely more than one.
            SortKey::Package => (format!("{name}\0{}", dependency.dependency.version), severity, id, String::new()),
            SortKey::Id => (id, (0, 0), name.clone(), String::new()),
        }
    };
    let sort = |refs: &mut Vec<FindingRef>| {
        let mut keyed: Vec<_> = refs.iter().map(|at| (key(at), *at)).collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        *refs = keyed.into_iter().map(|(_, at)| at).collect();
    };
    sort(&mut listing.shown);
    sort(&mut listing.ignored);
    listing
}

#[cfg(test)]
mod tests;
