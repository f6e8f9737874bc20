//! Fix plans: for each vulnerable package, the lowest version that fixes each finding and the lowest version that
//! fixes all of them, and how to get there (a patched requirements file, or the commands that update a lockfile).
//!
//! This is pip-audit's fix loop without the network: every candidate is checked against the records already
//! fetched, and the lowest one that none of them affects wins. The candidates are PyPI's installable releases when
//! the page could read the release list (so a yanked or missing version is never suggested), and otherwise the
//! `fixed` versions the records name. Pre-releases are candidates only when the current version is one, or when
//! nothing else fixes. A pinned dependency was looked up at its own version, so its records are the ones that affect
//! that version: an advisory that only affects newer versions is not known here, and the plan says so.
//!
//! A range moves its lower bound instead: the new bound is the lowest version from which no version the range still
//! allows is affected. Clauses the new bound breaks (an upper bound below it, say) are dropped, and the plan lists
//! them.

mod commands;
mod patched_check;
mod requirements;
mod specifier;

pub use commands::{file_fix, file_fix_of, plans_of, FileFix, FixCommand};
pub use patched_check::{PatchedCheck, PatchedState};
pub use requirements::{patch_requirements, DiffLine, DiffLineKind, NewSpecifier, PatchedFile, SpecifierEdit};
pub use specifier::{raise_lower_bound, RaisedSpecifier, SpecifierStyle};

use pep508_rs::pep440_rs::{Version, VersionSpecifiers};

use crate::matching::CompiledVulnerability;
use crate::pypi::ReleaseLookup;
use crate::ranges::{self, KnownVersions, RangeVerdict};

/// One record of a package, by ID.
#[derive(Debug, Clone, Copy)]
pub struct PackageRecord<'a> {
    /// The record's ID.
    pub id: &'a str,
    /// The record, compiled for matching.
    pub record: &'a CompiledVulnerability,
}

/// The fix for one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingFix {
    /// The record's ID.
    pub id: String,
    /// The lowest candidate this record does not affect; `None` when there is none.
    pub fixed_in: Option<Version>,
}

/// Where the candidate versions came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CandidateSource {
    /// PyPI's installable releases.
    ReleaseList,
    /// The versions the records name, because there was no release list, for this reason.
    RecordVersions(String),
}

/// A version a record names as fixed that the release list rules out (listed by record, then version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassedOver {
    /// The version.
    pub version: Version,
    /// The record that names it.
    pub id: String,
    /// True when PyPI has it but yanked; false when PyPI does not have it at all (or it has no files).
    pub yanked: bool,
}

/// What the current dependency asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Current {
    /// A pin.
    Pinned(Version),
    /// A range, with the specifier as written.
    Range(String),
}

/// The fix plan of one vulnerable dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixPlan {
    /// The PEP 503 name.
    pub package: String,
    /// What the dependency asks for now.
    pub current: Current,
    /// The lowest fix of each finding, in finding order.
    pub per_finding: Vec<FindingFix>,
    /// The lowest version that fixes every finding: the new pin, or the new lower bound of a range.
    pub target: Option<Version>,
    /// The new specifier (`==1.4.0`, `>=2.10.3,<2.11`), when there is a target.
    pub new_specifier: Option<String>,
    /// Clauses of the range the target breaks, dropped from the new specifier.
    pub dropped: Vec<String>,
    /// Where the candidates came from.
    pub candidates: CandidateSource,
    /// Fixed versions the release list rules out.
    pub passed_over: Vec<PassedOver>,
    /// The major versions (from, to) when the target starts a new major version.
    pub major_jump: Option<(u64, u64)>,
    /// True when the target is a pre-release, because no final release fixes.
    pub prerelease: bool,
    /// When no version fixes every finding: the version that fixes the most of them (the lowest such among the
    /// versions that fix one), and the IDs of the findings it leaves open.
    pub best: Option<(Version, Vec<String>)>,
}

impl FixPlan {
    /// One sentence for the report: what to upgrade to, or that no fix exists.
    pub fn headline(&self) -> String {
        let findings = self.per_finding.len();
        let all = if findings == 1 { "the advisory".to_string() } else { format!("all {findings} advisories") };
        match (&self.target, &self.current) {
            (Some(target), Current::Pinned(_)) => format!("Upgrade to {target}: it fixes {all}."),
            (Some(target), Current::Range(_)) => {
                format!("Raise the lower bound to {target} ({}): it fixes {all}.", self.new_specifier_text())
            }
            (None, _) if self.per_finding.iter().any(|fix| fix.fixed_in.is_some()) => match &self.best {
                Some((version, open)) => format!(
                    "No known version fixes every advisory; {version} fixes {} of {findings}.",
                    findings - open.len()
                ),
                None => "No known version fixes every advisory.".to_string(),
            },
            (None, _) => "No fixed version is known.".to_string(),
        }
    }

    fn new_specifier_text(&self) -> &str {
        self.new_specifier.as_deref().unwrap_or("")
    }

    /// The plan's details as sentences: each finding's fix, then warnings.
    pub fn details(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .per_finding
            .iter()
            .map(|fix| match &fix.fixed_in {
                Some(version) => format!("{} → fixed in {version}", fix.id),
                None => format!("{} → no fixed version known", fix.id),
            })
            .collect();
        if let Some((version, open)) = &self.best {
            lines.push(format!("Still open at {version}: {}.", open.join(", ")));
        }
        if let Some((from, to)) = self.major_jump {
            lines.push(format!("Major version jump from {from}.x to {to}.x: expect breaking changes."));
        }
        if self.prerelease {
            lines.push("Only a pre-release fixes every advisory.".into());
        }
        if !self.dropped.is_empty() {
            lines.push(format!("The fix lies outside the range you allowed: drops `{}`.", self.dropped.join("`, `")));
        }
        for passed in &self.passed_over {
            let why = if passed.yanked { "yanked" } else { "not available" };
            lines.push(format!(
                "{} (named fixed by {}) is {why} on PyPI, so it is passed over.",
                passed.version, passed.id
            ));
        }
        // Where the candidates came from (PyPI's release list, or the advisories' versions when it could not be
        // read) is said once for the audit, at the top, rather than in every plan.
        lines
    }
}

/// PyPI's installable releases, ascending, or `record_versions` when there is no release list; and where they came
/// from.
fn candidate_versions(
    releases: Option<&ReleaseLookup>,
    record_versions: Vec<Version>,
) -> (Vec<Version>, CandidateSource) {
    match releases {
        Some(ReleaseLookup::Found(list)) => (
            list.releases
                .iter()
                .filter(|release| release.is_installable())
                .map(|release| release.version.clone())
                .collect(),
            CandidateSource::ReleaseList,
        ),
        other => {
            let why = other.and_then(ReleaseLookup::reason).unwrap_or_else(|| "not fetched".into());
            (record_versions, CandidateSource::RecordVersions(why))
        }
    }
}

fn fixed_versions(name: &str, records: &[PackageRecord<'_>]) -> Vec<Version> {
    let mut versions: Vec<Version> = records.iter().flat_map(|record| record.record.fixed_versions(name)).collect();
    crate::sorting::sort(&mut versions);
    versions.dedup();
    versions
}

fn passed_over(
    name: &str,
    records: &[PackageRecord<'_>],
    releases: Option<&ReleaseLookup>,
    above: &Version,
) -> Vec<PassedOver> {
    let Some(ReleaseLookup::Found(list)) = releases else { return Vec::new() };
    let mut passed = Vec::new();
    for record in records {
        for version in record.record.fixed_versions(name).into_iter().filter(|version| version > above) {
            match list.find(&version) {
                Some(release) if release.is_installable() => {}
                found => passed.push(PassedOver {
                    version,
                    id: record.id.to_string(),
                    yanked: found.is_some_and(|release| release.is_yanked()),
                }),
            }
        }
    }
    passed
}

fn major(version: &Version) -> u64 {
    version.release().first().copied().unwrap_or(0)
}

fn major_jump(from: Option<&Version>, to: Option<&Version>) -> Option<(u64, u64)> {
    let (from, to) = (major(from?), major(to?));
    (to > from).then_some((from, to))
}

/// How a candidate is judged: a new pin must itself be unaffected; a range's new lower bound must leave every
/// candidate above it that the range still allows unaffected.
#[derive(Clone, Copy)]
enum Search<'a> {
    Pin,
    Bound(&'a VersionSpecifiers),
}

/// True when `candidates[index]` passes `search` against `records`.
fn passes(
    name: &str,
    search: Search<'_>,
    candidates: &[Version],
    index: usize,
    records: &[&CompiledVulnerability],
) -> bool {
    match search {
        Search::Pin => !ranges::is_affected(name, records, &candidates[index]),
        Search::Bound(specifiers) => {
            let kept = specifier::kept_above(specifiers, &candidates[index]);
            candidates[index..]
                .iter()
                .filter(|version| kept.contains(version))
                .all(|version| !ranges::is_affected(name, records, version))
        }
    }
}

/// The lowest of `candidates` (ascending) that passes `search` against `records`.
fn lowest(
    name: &str,
    search: Search<'_>,
    candidates: &[Version],
    records: &[&CompiledVulnerability],
) -> Option<Version> {
    (0..candidates.len())
        .find(|&index| passes(name, search, candidates, index, records))
        .map(|index| candidates[index].clone())
}

/// [`lowest`] among the final releases of `everything`, or, when none passes, among the pre-releases too; and
/// whether the answer is a pre-release.
fn lowest_final_first(
    name: &str,
    search: Search<'_>,
    everything: &[Version],
    allow_prereleases: bool,
    records: &[&CompiledVulnerability],
) -> (Option<Version>, bool) {
    let finals: Vec<Version> =
        everything.iter().filter(|version| allow_prereleases || !version.any_prerelease()).cloned().collect();
    match lowest(name, search, &finals, records) {
        Some(version) => (Some(version), false),
        None if finals.len() != everything.len() => {
            let found = lowest(name, search, everything, records);
            let prerelease = found.as_ref().is_some_and(Version::any_prerelease);
            (found, prerelease)
        }
        None => (None, false),
    }
}

/// The fix of each record among `findings`, and the lowest candidate that fixes every record.
fn search_all(
    name: &str,
    search: Search<'_>,
    candidates: &[Version],
    allow_prereleases: bool,
    records: &[PackageRecord<'_>],
    findings: &[&str],
) -> (Vec<FindingFix>, Option<Version>, bool) {
    let per_finding = records
        .iter()
        .filter(|record| findings.contains(&record.id))
        .map(|record| FindingFix {
            id: record.id.to_string(),
            fixed_in: lowest_final_first(name, search, candidates, allow_prereleases, &[record.record]).0,
        })
        .collect();
    let all: Vec<&CompiledVulnerability> = records.iter().map(|record| record.record).collect();
    let (target, prerelease) = lowest_final_first(name, search, candidates, allow_prereleases, &all);
    (per_finding, target, prerelease)
}

/// For a plan without a target: the version among the findings' own fixes that fixes the most findings (the lowest on a
/// tie), with the IDs it leaves open. Counting every candidate would cost candidates² range checks for a range.
fn best_partial(
    name: &str,
    search: Search<'_>,
    candidates: &[Version],
    per_finding: &[FindingFix],
    records: &[PackageRecord<'_>],
) -> Option<(Version, Vec<String>)> {
    let mut fixes: Vec<&Version> = per_finding.iter().filter_map(|fix| fix.fixed_in.as_ref()).collect();
    crate::sorting::sort(&mut fixes);
    fixes.dedup();
    let judged: Vec<&PackageRecord<'_>> =
        records.iter().filter(|record| per_finding.iter().any(|fix| fix.id == record.id)).collect();
    let mut best: Option<(Version, Vec<String>)> = None;
    for version in fixes {
        let Some(start) = candidates.iter().position(|candidate| candidate == version) else { continue };
        let open: Vec<String> = judged
            .iter()
            .filter(|record| !passes(name, search, candidates, start, &[record.record]))
            .map(|record| record.id.to_string())
            .collect();
        if best.as_ref().is_none_or(|(_, fewest)| open.len() < fewest.len()) {
            best = Some((version.clone(), open));
        }
    }
    best
}

/// The plan for `name` pinned at `current`, checked against `records` (the findings of that pin).
pub fn plan_pinned(
    name: &str,
    current: &Version,
    records: &[PackageRecord<'_>],
    releases: Option<&ReleaseLookup>,
) -> FixPlan {
    let (versions, source) = candidate_versions(releases, fixed_versions(name, records));
    let above: Vec<Version> = versions.into_iter().filter(|version| version > current).collect();
    let ids: Vec<&str> = records.iter().map(|record| record.id).collect();
    let (per_finding, target, prerelease) =
        search_all(name, Search::Pin, &above, current.any_prerelease(), records, &ids);
    let best = target.is_none().then(|| best_partial(name, Search::Pin, &above, &per_finding, records)).flatten();
    FixPlan {
        best,
        package: name.to_string(),
        current: Current::Pinned(current.clone()),
        per_finding,
        new_specifier: target.as_ref().map(|target| format!("=={target}")),
        major_jump: major_jump(Some(current), target.as_ref()),
        target,
        dropped: Vec::new(),
        candidates: source,
        passed_over: passed_over(name, records, releases, current),
        prerelease,
    }
}

/// The plan for the range `specifiers` (written `written`) of `name`. `records` are every record of the package,
/// `findings` the IDs of those that affect an allowed version, and `verdict` the range's evaluation.
pub fn plan_range(
    name: &str,
    specifiers: &VersionSpecifiers,
    written: Option<&str>,
    records: &[PackageRecord<'_>],
    findings: &[&str],
    releases: Option<&ReleaseLookup>,
    verdict: &RangeVerdict,
) -> FixPlan {
    let compiled: Vec<&CompiledVulnerability> = records.iter().map(|record| record.record).collect();
    let known = KnownVersions::new(name, specifiers, &compiled, releases);
    let source = match known.source {
        ranges::VersionSource::ReleaseList => CandidateSource::ReleaseList,
        ranges::VersionSource::AdvisoryVersions(why) => CandidateSource::RecordVersions(why),
    };
    // A new lower bound never goes below what the range allows now.
    let floor = verdict.allowed.first().cloned().unwrap_or_else(|| Version::new([0]));
    let candidates: Vec<Version> = known.installable.into_iter().filter(|version| *version >= floor).collect();
    let allow_prereleases = specifiers.iter().any(|specifier| specifier.any_prerelease());
    let (per_finding, target, prerelease) =
        search_all(name, Search::Bound(specifiers), &candidates, allow_prereleases, records, findings);
    let style = SpecifierStyle::of(written.unwrap_or(""), false);
    let raised = target.as_ref().map(|target| raise_lower_bound(written, specifiers, target, style));
    let best = target
        .is_none()
        .then(|| best_partial(name, Search::Bound(specifiers), &candidates, &per_finding, records))
        .flatten();
    FixPlan {
        best,
        package: name.to_string(),
        current: Current::Range(written.map_or_else(|| specifiers.to_string(), str::to_string)),
        per_finding,
        major_jump: major_jump(verdict.allowed.last(), target.as_ref()),
        target,
        new_specifier: raised.as_ref().map(|raised| raised.text.clone()),
        dropped: raised.map(|raised| raised.dropped).unwrap_or_default(),
        candidates: source,
        passed_over: passed_over(name, records, releases, &floor),
        prerelease,
    }
}

#[cfg(test)]
mod tests;
