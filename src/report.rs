//! The report: every dependency with its state and findings, grouped by file, built from the parsed input and
//! what the lookups learned. Every renderer (the page, the exports) reads this model.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

mod package_fixes;
mod range_report;

pub use package_fixes::{package_fixes, Advisory, PackageFix};

use pep508_rs::pep440_rs::Version;

use crate::audit::{Lookups, PackageKey, OSV_API};
use crate::fix::FixPlan;
use crate::ignore_rule::Ignore;
use crate::index::flags::{index_flags, IndexFlag};
use crate::matching::MatchReason;
use crate::model::{Dependency, DependencyVersion};
use crate::osv::{Reference, Vulnerability};
use crate::ranges::RangeVerdict;
use crate::severity::{Rating, Severity};
use crate::sources::{Format, ParsedInput, SourceError, SourceNote};

/// The state of one dependency. There is no other: a dependency is never "clean" unless it was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DependencyState {
    /// At least one finding.
    Vulnerable,
    /// Checked, and OSV lists nothing.
    Clean,
    /// Not looked up, for this reason (URL, path, editable, bad entry, …).
    Skipped(String),
    /// The lookup did not give an answer, for this reason. Not clean.
    Unchecked(String),
    /// The lookup has not answered yet.
    Pending,
}

impl DependencyState {
    /// The name used in the automation contract's `data-state`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Vulnerable => "vulnerable",
            Self::Clean => "clean",
            Self::Skipped(_) => "skipped",
            // A dependency still waiting for its answer is, so far, unchecked.
            Self::Unchecked(_) | Self::Pending => "unchecked",
        }
    }
}

/// The details of a finding, once its record has arrived.
#[derive(Debug, Clone)]
pub enum FindingDetail {
    /// The record is still being fetched.
    Pending,
    /// The record could not be fetched; the finding still stands, because OSV listed it.
    Unavailable(String),
    /// The record.
    Record(Rc<Vulnerability>),
}

impl PartialEq for FindingDetail {
    /// Reports rebuilt from the same lookups share each record's allocation, so the pointer answers at once; records
    /// from different lookups (online and offline) are compared by content.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Pending, Self::Pending) => true,
            (Self::Unavailable(a), Self::Unavailable(b)) => a == b,
            (Self::Record(a), Self::Record(b)) => Rc::ptr_eq(a, b) || a == b,
            _ => false,
        }
    }
}

/// What kind of finding it is: a flaw to upgrade away from, or a package published to do harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum FindingKind {
    /// A malicious package (an OSV `MAL-` record, or a record marked malicious): nothing fixes it but removing it.
    Malicious,
    /// A vulnerability.
    #[default]
    Vulnerability,
}

impl FindingKind {
    /// The name used in the automation contract's `data-kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malicious => "malicious",
            Self::Vulnerability => "vulnerability",
        }
    }

    /// The kind of record `id`: malicious when its ID, or any alias, is a `MAL-` ID, or when the record carries the
    /// OpenSSF malicious-packages database's origins.
    pub fn of(id: &str, record: Option<&Vulnerability>) -> Self {
        let marked = record.is_some_and(|record| {
            record.aliases.iter().any(|alias| is_malicious_id(alias))
                || record
                    .database_specific
                    .as_ref()
                    .is_some_and(|specific| specific.get("malicious-packages-origins").is_some())
        });
        if is_malicious_id(id) || marked {
            Self::Malicious
        } else {
            Self::Vulnerability
        }
    }
}

/// True for the IDs of the OpenSSF malicious-packages database (`MAL-2024-9933`).
pub fn is_malicious_id(id: &str) -> bool {
    id.starts_with("MAL-")
}

/// What to do about a malicious package, shown with every malicious finding and in the exports.
pub const MALICIOUS_ADVICE: &str = "Malicious package: upgrading does not fix it. Remove it, check every machine it \
                                    was installed on, and rotate the secrets (tokens, keys, passwords) it could read \
                                    there.";

/// One (dependency, vulnerability) pair. Records that alias each other (a PYSEC, a GHSA and a CVE for the same
/// flaw) are one finding: its `id` is the preferred record ID (see [`id_preference`]) and `aliases` holds every other
/// ID of the group.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The primary ID: the preferred ID among the group's records.
    pub id: String,
    /// Malicious or a vulnerability: malicious when any record of the group is.
    pub kind: FindingKind,
    /// Every other ID of the group (other records and their aliases), sorted.
    pub aliases: Vec<String>,
    /// The IDs of the records merged into this finding, the primary first.
    pub records: Vec<String>,
    /// How bad it is: the worst of the group's records.
    pub severity: Severity,
    /// When the vulnerability was first published (the earliest of the group), RFC 3339.
    pub published: Option<String>,
    /// When a record of the group last changed (the latest), RFC 3339.
    pub modified: Option<String>,
    /// The group's references, without duplicates, in record order.
    pub references: Vec<Reference>,
    /// The ignore rule that applies to this finding, if the user ignored it.
    pub ignored: Option<Ignore>,
    /// True when an "until fixed" rule named this finding and ended because the finding has a fixed version.
    pub ignore_ended: bool,
    /// The `details` (Markdown) of each record of the group that has any, by record ID, without repeats.
    pub details: Vec<(String, String)>,
    /// The record's one-line summary, or the first line of its details.
    pub summary: Option<String>,
    /// The versions that fix it, from the record's ranges, ascending.
    pub fixed_versions: Vec<String>,
    /// Where the version matched the record; `None` when OSV reported a match the local matcher cannot explain.
    pub reason: Option<MatchReason>,
    /// The record, or why it is missing.
    pub detail: FindingDetail,
    /// For a range dependency, the versions the range allows that this record affects; empty for a pin.
    pub range_versions: Vec<Version>,
}

/// One dependency in the report.
#[derive(Debug, Clone, PartialEq)]
pub struct DependencyReport {
    /// The dependency as read.
    pub dependency: Dependency,
    /// Its state.
    pub state: DependencyState,
    /// Its findings, by ID.
    pub findings: Vec<Finding>,
    /// For a range dependency whose advisories arrived, how much of the range is affected.
    pub range: Option<RangeVerdict>,
    /// For a vulnerable dependency whose advisories arrived, what to upgrade to. Malicious findings are never in
    /// it: nothing but removing the package fixes them.
    pub fix: Option<FixPlan>,
    /// What the package index says about it (yanked pin, project status, not on the index), once it answered.
    pub flags: Vec<IndexFlag>,
    /// Advisories OSV listed for it that the report leaves out, past [`MAX_FINDINGS_PER_PACKAGE`] or
    /// [`MAX_FINDINGS`].
    pub not_shown: usize,
}

impl DependencyReport {
    /// The report of `dependency` in `state` with `findings`: no range verdict, fix plan or flags yet.
    pub(crate) fn bare(dependency: &Dependency, state: DependencyState, findings: Vec<Finding>) -> Self {
        Self {
            dependency: dependency.clone(),
            state,
            findings,
            range: None,
            fix: None,
            flags: Vec::new(),
            not_shown: 0,
        }
    }

    /// True when an open (not ignored) finding says the package is malicious.
    pub fn is_malicious(&self) -> bool {
        self.findings.iter().any(|finding| finding.kind == FindingKind::Malicious && finding.ignored.is_none())
    }

    /// The row's flags, for the automation contract's `data-flags`: `malicious` first, then the index's.
    pub fn flag_names(&self) -> Vec<&'static str> {
        let malicious = self.is_malicious().then_some(FindingKind::Malicious.as_str());
        malicious.into_iter().chain(self.flags.iter().map(IndexFlag::as_str)).collect()
    }

    /// Each flag in a sentence, paired with its name, in the order of [`DependencyReport::flag_names`].
    pub fn flag_sentences(&self) -> Vec<(&'static str, String)> {
        let name = self.dependency.name.as_str();
        let mut sentences = Vec::new();
        if self.is_malicious() {
            let ids: Vec<&str> = self
                .findings
                .iter()
                .filter(|finding| finding.kind == FindingKind::Malicious)
                .map(|finding| finding.id.as_str())
                .collect();
            sentences.push((
                "malicious",
                format!("`{name}` is a malicious package ({}). {MALICIOUS_ADVICE}", ids.join(", ")),
            ));
        }
        let pinned = match &self.dependency.version {
            DependencyVersion::Pinned(version) => Some(version),
            _ => None,
        };
        sentences.extend(self.flags.iter().map(|flag| (flag.as_str(), flag.describe(name, pinned))));
        sentences
    }
}

/// The most findings the report shows for one dependency. The most any real PyPI release has is a few hundred
/// (old TensorFlow releases); a database of 100,000 records matching one package froze the tab for minutes.
pub const MAX_FINDINGS_PER_PACKAGE: usize = 500;
/// The most findings the report shows in all: at 2,500 the cards took seconds to complete while typing waited;
/// at this many the page keeps answering.
pub const MAX_FINDINGS: usize = 1_000;

/// One input file in the report.
#[derive(Debug, Clone, PartialEq)]
pub struct FileReport {
    /// The file name.
    pub name: String,
    /// Its format.
    pub format: Format,
    /// Its dependencies, in file order.
    pub dependencies: Vec<DependencyReport>,
    /// Problems that point at lines of the file.
    pub errors: Vec<SourceError>,
    /// Remarks (skipped options and the like).
    pub notes: Vec<SourceNote>,
    /// The dependency graph the file records; `None` when its format records none.
    pub graph: Option<std::rc::Rc<crate::graph::Graph>>,
    /// What the worker learned about the audit's lockfiles (environments, parents), once it answered.
    pub facts: Option<std::rc::Rc<crate::graph::facts::GraphFacts>>,
    /// Whether the file as patched installs, once the worker resolved it.
    pub patched_check: Option<std::rc::Rc<crate::fix::PatchedCheck>>,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Dependencies with findings.
    pub vulnerable: usize,
    /// Dependencies checked and clean.
    pub clean: usize,
    /// Dependencies skipped.
    pub skipped: usize,
    /// Dependencies whose lookup failed.
    pub unchecked: usize,
    /// Dependencies still waiting for an answer.
    pub pending: usize,
    /// Findings that are not ignored.
    pub findings: usize,
    /// Findings the user ignored; they are not in the other counts.
    pub ignored: usize,
    /// Findings whose advisory could not be fetched: they are real (the API listed them) but could not be grouped
    /// with their aliases, so the finding count may count one flaw twice.
    pub unavailable: usize,
    /// Findings that are not ignored, by rating.
    pub ratings: RatingCounts,
    /// Parts of the input the audit could not cover ([`Report::unaudited`]).
    pub unaudited: usize,
    /// Dependencies with an open malicious finding (counted in `vulnerable` too).
    pub malicious: usize,
    /// Dependencies whose name the package index does not know.
    pub not_on_index: usize,
    /// Advisories listed for the dependencies that the report leaves out at its caps.
    pub not_shown: usize,
}

/// Finding counts per rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RatingCounts {
    counts: [usize; 6],
}

impl RatingCounts {
    /// The count for `rating`.
    pub fn get(&self, rating: Rating) -> usize {
        self.counts[rating as usize]
    }

    /// Adds one for `rating`.
    pub fn add(&mut self, rating: Rating) {
        self.counts[rating as usize] += 1;
    }
}

impl Summary {
    /// Dependencies counted, in any state.
    pub fn dependencies(&self) -> usize {
        self.vulnerable + self.clean + self.skipped + self.unchecked + self.pending
    }

    /// A sentence for the summary bar. It says "no known vulnerabilities" only when everything was checked.
    pub fn sentence(&self) -> String {
        let checked = self.vulnerable + self.clean;
        let mut parts = Vec::new();
        if self.malicious > 0 {
            parts.push(format!("{} malicious", counted(self.malicious, "package is", "packages are")));
        }
        if self.pending > 0 {
            parts.push(format!("{} waiting for an answer", self.pending));
        }
        if self.findings > 0 {
            parts.push(format!(
                "{} known {} in {} {}",
                self.findings,
                plural(self.findings, "vulnerability", "vulnerabilities"),
                self.vulnerable,
                plural(self.vulnerable, "package", "packages")
            ));
        } else if self.unchecked == 0
            && self.pending == 0
            && self.unaudited == 0
            && self.not_on_index == 0
            && checked > 0
        {
            parts.push(format!(
                "no known vulnerabilities in {checked} checked {}",
                plural(checked, "package", "packages")
            ));
        } else if checked > 0 {
            parts.push(format!("no findings in {checked} checked {}", plural(checked, "package", "packages")));
        }
        if self.unavailable > 0 {
            parts.push(format!("{} could not be fetched", counted(self.unavailable, "advisory", "advisories")));
        }
        if self.unchecked > 0 {
            parts.push(format!("{} unchecked", self.unchecked));
        }
        if self.not_on_index > 0 {
            parts.push(format!("{} not on the package index", self.not_on_index));
        }
        if self.unaudited > 0 {
            parts.push(format!("{} of the tree not audited", counted(self.unaudited, "part", "parts")));
        }
        if self.skipped > 0 {
            parts.push(format!("{} skipped", self.skipped));
        }
        if self.ignored > 0 {
            parts.push(format!("{} ignored", self.ignored));
        }
        if self.not_shown > 0 {
            parts.push(format!("{} not shown", counted(self.not_shown, "more advisory", "more advisories")));
        }
        if parts.is_empty() {
            return "nothing to audit".to_string();
        }
        let mut sentence = parts.join(", ");
        if let Some(first) = sentence.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        sentence
    }
}

impl Summary {
    /// Why findings are missing from the report, when some are; `None` when it shows every one.
    pub fn cap_notice(&self) -> Option<String> {
        (self.not_shown > 0).then(|| {
            format!(
                "{} that OSV listed {} not shown: the report shows at most {MAX_FINDINGS_PER_PACKAGE} findings per \
                 package and {MAX_FINDINGS} in all, so that the page stays usable. The packages concerned are still \
                 counted as vulnerable.",
                counted(self.not_shown, "advisory", "advisories"),
                plural(self.not_shown, "is", "are"),
            )
        })
    }
}

/// `count` followed by the singular or plural noun: `1 package`, `2 packages`.
pub fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", plural(count, one, many))
}

fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 {
        one
    } else {
        many
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// One entry per input file.
    pub files: Vec<FileReport>,
    /// Counts.
    pub summary: Summary,
    /// What the audit could not cover, one sentence each (a subtree the resolver could not resolve, an input
    /// audited as written because it could not be resolved). The summary never says "no known vulnerabilities"
    /// while this holds anything.
    pub unaudited: Vec<String>,
    /// How the input was resolved (target, index, "as of" day), for the exports; `None` when it was not.
    pub resolved_for: Option<String>,
}

impl Report {
    /// Says what the audit could not cover.
    pub fn set_unaudited(&mut self, sentences: Vec<String>) {
        self.summary.unaudited = sentences.len();
        self.unaudited = sentences;
    }
}

/// The lookup key of a dependency, when it has one.
pub fn package_key(dependency: &Dependency) -> Option<PackageKey> {
    match &dependency.version {
        DependencyVersion::Pinned(version) => {
            Some(PackageKey { name: dependency.name.clone(), version: version.to_string() })
        }
        DependencyVersion::Range(_) => Some(PackageKey { name: dependency.name.clone(), version: String::new() }),
        DependencyVersion::Skipped(_) => None,
    }
}

/// Builds the report from what was parsed and what the lookups have learned so far.
pub fn build(parsed: &ParsedInput, lookups: &Lookups) -> Report {
    let mut room = MAX_FINDINGS;
    let project_names = crate::graph::project_names(parsed);
    let files: Vec<FileReport> = parsed
        .files
        .iter()
        .map(|file| FileReport {
            name: file.name.clone(),
            format: file.format,
            dependencies: file
                .dependencies
                .iter()
                .map(|dependency| capped(dependency_report(dependency, lookups), &mut room))
                .collect(),
            errors: file.errors.clone(),
            notes: file.notes.clone(),
            graph: file.graph.get_or_init(|| crate::graph::of_file(file, project_names.as_deref())),
            facts: lookups.graph_facts.clone(),
            patched_check: lookups.patched_checks.get(&file.name).cloned(),
        })
        .collect();
    let summary = summarize(&files);
    Report { files, summary, unaudited: Vec::new(), resolved_for: None }
}

/// `report` with at most `room` findings (and [`MAX_FINDINGS_PER_PACKAGE`]), the rest counted in `not_shown`;
/// `room` shrinks by what is kept.
fn capped(mut report: DependencyReport, room: &mut usize) -> DependencyReport {
    let keep = report.findings.len().min(MAX_FINDINGS_PER_PACKAGE).min(*room);
    report.not_shown += report.findings.len() - keep;
    report.findings.truncate(keep);
    *room -= keep;
    report
}

/// Counts the report's dependencies and findings. A dependency whose findings are all ignored still counts as
/// vulnerable only in its `data-state`; here it leaves the vulnerable total, as its findings leave theirs.
pub fn summarize(files: &[FileReport]) -> Summary {
    let mut summary = Summary::default();
    for report in files.iter().flat_map(|file| file.dependencies.iter()) {
        let open = report.findings.iter().filter(|finding| finding.ignored.is_none()).count();
        summary.malicious += usize::from(report.is_malicious());
        summary.not_on_index += usize::from(report.flags.contains(&IndexFlag::NotOnIndex));
        match &report.state {
            DependencyState::Vulnerable if open > 0 || report.not_shown > 0 => summary.vulnerable += 1,
            DependencyState::Vulnerable => {}
            DependencyState::Clean => summary.clean += 1,
            DependencyState::Skipped(_) => summary.skipped += 1,
            DependencyState::Unchecked(_) => summary.unchecked += 1,
            DependencyState::Pending => summary.pending += 1,
        }
        summary.not_shown += report.not_shown;
        for finding in &report.findings {
            if finding.ignored.is_some() {
                summary.ignored += 1;
            } else {
                summary.findings += 1;
                summary.ratings.add(finding.severity.rating);
            }
            if matches!(finding.detail, FindingDetail::Unavailable(_)) {
                summary.unavailable += 1;
            }
        }
    }
    summary
}

/// The rank of an ID in the order of preference for a group's primary ID, as pip-audit prefers them: PYSEC (the
/// Python Packaging Advisory Database), then GHSA, then CVE, then anything else.
pub fn id_preference(id: &str) -> u8 {
    if id.starts_with("PYSEC-") {
        0
    } else if id.starts_with("GHSA-") {
        1
    } else if id.starts_with("CVE-") {
        2
    } else {
        3
    }
}

fn dependency_report(dependency: &Dependency, lookups: &Lookups) -> DependencyReport {
    let mut report = checked_report(dependency, lookups);
    if !matches!(dependency.version, DependencyVersion::Skipped(_)) {
        if let Some(lookup) = lookups.releases.get(&dependency.name) {
            let pinned = match &dependency.version {
                DependencyVersion::Pinned(version) => Some(version),
                _ => None,
            };
            report.flags = index_flags(lookup, pinned);
        }
    }
    report
}

/// The report of a dependency as OSV's answers make it, without the index's flags.
fn checked_report(dependency: &Dependency, lookups: &Lookups) -> DependencyReport {
    let report = |state, findings| DependencyReport::bare(dependency, state, findings);
    let version = match &dependency.version {
        DependencyVersion::Skipped(reason) => return report(DependencyState::Skipped(reason.to_string()), Vec::new()),
        DependencyVersion::Range(specifiers) => return range_report::range_report(dependency, specifiers, lookups),
        DependencyVersion::Pinned(version) => version,
    };
    let key = PackageKey { name: dependency.name.clone(), version: version.to_string() };
    let vulns = match lookups.queries.get(&key) {
        None => return report(DependencyState::Pending, Vec::new()),
        Some(Err(error)) => return report(DependencyState::Unchecked(error.describe(OSV_API)), Vec::new()),
        Some(Ok(vulns)) => vulns,
    };
    // Past the cap the records are not even read: aliases rarely pair more than three records, so three times the
    // cap leaves a full report after grouping. What is left out is counted, and keeps the package vulnerable.
    let read = vulns.len().min(3 * MAX_FINDINGS_PER_PACKAGE);
    let findings: Vec<Finding> =
        vulns[..read].iter().filter_map(|vuln| finding(&vuln.id, &dependency.name, version, lookups)).collect();
    let findings = group_aliases(findings);
    let not_shown = vulns.len() - read;
    let state =
        if findings.is_empty() && not_shown == 0 { DependencyState::Clean } else { DependencyState::Vulnerable };
    let fix = range_report::pinned_plan(dependency, version, &findings, lookups);
    DependencyReport { fix, not_shown, ..report(state, findings) }
}

/// The finding for record `id`; `None` when the record turns out to be withdrawn.
fn finding(id: &str, name: &str, version: &Version, lookups: &Lookups) -> Option<Finding> {
    let mut finding = Finding {
        id: id.to_string(),
        kind: FindingKind::of(id, None),
        aliases: Vec::new(),
        records: vec![id.to_string()],
        severity: Severity::default(),
        published: None,
        modified: None,
        references: Vec::new(),
        ignored: None,
        ignore_ended: false,
        details: Vec::new(),
        summary: None,
        fixed_versions: Vec::new(),
        reason: None,
        detail: FindingDetail::Pending,
        range_versions: Vec::new(),
    };
    match lookups.records.get(id) {
        None => {}
        Some(Err(error)) => finding.detail = FindingDetail::Unavailable(error.describe(OSV_API)),
        Some(Ok(record)) => {
            // `None` here means the record is withdrawn.
            let compiled = lookups.compiled_record(id)?;
            finding.kind = FindingKind::of(id, Some(record));
            finding.reason = compiled.affects(name, version);
            finding.fixed_versions = compiled.fixed_versions(name).iter().map(ToString::to_string).collect();
            finding.aliases =
                crate::sorting::set_of(record.aliases.iter().filter(|alias| alias.as_str() != id).cloned())
                    .into_iter()
                    .collect();
            finding.summary = record.summary.clone().filter(|summary| !summary.trim().is_empty()).or_else(|| {
                record
                    .details
                    .as_deref()
                    .and_then(|details| details.lines().find(|line| !line.trim().is_empty()))
                    .map(str::to_string)
            });
            finding.severity = compiled.severity(name).cloned().unwrap_or_else(|| Severity::of_record(record, name));
            finding.published = record.published.clone().filter(|date| !date.is_empty());
            finding.modified = Some(record.modified.clone()).filter(|date| !date.is_empty());
            finding.references = record.references.clone();
            if let Some(details) = record.details.as_ref().filter(|details| !details.trim().is_empty()) {
                finding.details.push((id.to_string(), details.clone()));
            }
            finding.detail = FindingDetail::Record(Rc::clone(record));
        }
    }
    Some(finding)
}

/// Merges the findings of one dependency whose IDs or aliases overlap, transitively, into one finding per group.
/// The result is sorted by primary ID and does not depend on the order of the input.
fn group_aliases(mut findings: Vec<Finding>) -> Vec<Finding> {
    crate::sorting::sort_by(&mut findings, |a, b| a.id.cmp(&b.id));
    // Union-find over the findings; every ID (record or alias) points at the first finding that names it.
    let mut parent: Vec<usize> = (0..findings.len()).collect();
    fn root(parent: &mut [usize], mut index: usize) -> usize {
        while parent[index] != index {
            parent[index] = parent[parent[index]];
            index = parent[index];
        }
        index
    }
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, finding) in findings.iter().enumerate() {
        for id in std::iter::once(&finding.id).chain(finding.aliases.iter()) {
            match owner.get(id.as_str()) {
                Some(&other) => {
                    let (a, b) = (root(&mut parent, index), root(&mut parent, other));
                    // The smaller index becomes the root, so that the grouping is deterministic.
                    let (low, high) = if a < b { (a, b) } else { (b, a) };
                    parent[high] = low;
                }
                None => {
                    owner.insert(id, index);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<Finding>> = BTreeMap::new();
    let roots: Vec<usize> = (0..findings.len()).map(|index| root(&mut parent, index)).collect();
    for (finding, group) in findings.into_iter().zip(roots) {
        groups.entry(group).or_default().push(finding);
    }
    let mut merged: Vec<Finding> = groups.into_values().map(merge_group).collect();
    crate::sorting::sort_by(&mut merged, |a, b| a.id.cmp(&b.id));
    merged
}

/// One finding from a group of aliasing findings: the preferred record leads, the rest is pooled.
fn merge_group(mut group: Vec<Finding>) -> Finding {
    crate::sorting::sort_by(&mut group, |a, b| (id_preference(&a.id), &a.id).cmp(&(id_preference(&b.id), &b.id)));
    let mut members = group.into_iter();
    let mut primary = members.next().expect("a group has at least one finding");
    let others: Vec<Finding> = members.collect();
    if others.is_empty() {
        return primary;
    }
    let mut ids: BTreeSet<String> = crate::sorting::set_of(primary.aliases.iter().cloned());
    let mut severities = vec![primary.severity.clone()];
    let mut fixed: Vec<String> = primary.fixed_versions.clone();
    for other in &others {
        primary.records.push(other.id.clone());
        primary.kind = primary.kind.min(other.kind);
        ids.insert(other.id.clone());
        ids.extend(other.aliases.iter().cloned());
        severities.push(other.severity.clone());
        fixed.extend(other.fixed_versions.iter().cloned());
        for version in &other.range_versions {
            if !primary.range_versions.contains(version) {
                primary.range_versions.push(version.clone());
            }
        }
        if primary.summary.is_none() {
            primary.summary = other.summary.clone();
        }
        if primary.reason.is_none() {
            primary.reason = other.reason.clone();
        }
        if !matches!(primary.detail, FindingDetail::Record(_)) && matches!(other.detail, FindingDetail::Record(_)) {
            primary.detail = other.detail.clone();
        }
        primary.published = match (primary.published.take(), other.published.clone()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        primary.modified = match (primary.modified.take(), other.modified.clone()) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for (id, details) in &other.details {
            if !primary.details.iter().any(|(_, known)| known == details) {
                primary.details.push((id.clone(), details.clone()));
            }
        }
        for reference in &other.references {
            if !primary.references.iter().any(|known| known.url == reference.url) {
                primary.references.push(reference.clone());
            }
        }
    }
    ids.remove(&primary.id);
    primary.aliases = ids.into_iter().collect();
    primary.severity = Severity::worst(severities);
    primary.fixed_versions = sort_versions(fixed);
    primary
}

/// Sorts version strings per PEP 440 (unreadable ones last, as text) and drops duplicates.
fn sort_versions(versions: Vec<String>) -> Vec<String> {
    use std::str::FromStr;
    let mut keyed: Vec<(Option<pep508_rs::pep440_rs::Version>, String)> = crate::sorting::set_of(versions)
        .into_iter()
        .map(|text| (pep508_rs::pep440_rs::Version::from_str(&text).ok(), text))
        .collect();
    crate::sorting::sort_by(&mut keyed, |a, b| match (&a.0, &b.0) {
        (Some(x), Some(y)) => x.cmp(y).then_with(|| a.1.cmp(&b.1)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.1.cmp(&b.1),
    });
    keyed.dedup_by(|a, b| a.0.is_some() && a.0 == b.0);
    keyed.into_iter().map(|(_, text)| text).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::LookupError;
    use crate::osv::api::VulnRef;
    use crate::sources::{parse_files, InputFile};

    fn record(json: &str) -> Rc<Vulnerability> {
        Rc::new(serde_json::from_str(json).expect("test records are valid"))
    }

    fn key(name: &str, version: &str) -> PackageKey {
        PackageKey { name: name.into(), version: version.into() }
    }

    fn vuln(id: &str) -> VulnRef {
        VulnRef { id: id.into(), modified: String::new() }
    }

    #[test]
    fn findings_are_capped_per_package_and_per_audit_and_the_rest_counted() {
        // 100,000 records matching one package (a hostile offline database) and a few more packages after it.
        let mut text = String::from("jinja2==2.10\n");
        for index in 0..8 {
            text.push_str(&format!("pkg-{index}==1.0\n"));
        }
        let parsed = parse_files(&[InputFile::new("requirements.txt", text)]);
        let mut lookups = Lookups::default();
        let many = 100_000;
        let ids: Vec<String> = (0..many).map(|index| format!("T-{index:06}")).collect();
        let json = |id: &str, name: &str| {
            format!(
                r#"{{"id":"{id}","modified":"m","affected":[{{"package":{{"ecosystem":"PyPI","name":"{name}"}},"versions":["2.10","1.0"]}}]}}"#
            )
        };
        for id in &ids {
            lookups.records.insert(id.clone(), Ok(record(&json(id, "jinja2"))));
        }
        lookups.queries.insert(key("jinja2", "2.10"), Ok(ids.iter().map(|id| vuln(id)).collect()));
        for index in 0..8 {
            let name = format!("pkg-{index}");
            let own: Vec<String> = (0..400).map(|n| format!("P{index}-{n:03}")).collect();
            for id in &own {
                lookups.records.insert(id.clone(), Ok(record(&json(id, &name))));
            }
            lookups.queries.insert(key(&name, "1.0"), Ok(own.iter().map(|id| vuln(id)).collect()));
        }
        let started = std::time::Instant::now();
        let report = build(&parsed, &lookups);
        eprintln!("report of 103,200 listed advisories built in {:?}", started.elapsed());
        let rows = &report.files[0].dependencies;
        assert_eq!(rows[0].findings.len(), MAX_FINDINGS_PER_PACKAGE);
        assert_eq!(rows[0].not_shown, many - MAX_FINDINGS_PER_PACKAGE);
        // 500 + 400 + 100 = 1,000 fill the report; the next packages keep their state with none of their findings
        // shown.
        let shown: Vec<usize> = rows.iter().map(|row| row.findings.len()).collect();
        assert_eq!(shown, [500, 400, 100, 0, 0, 0, 0, 0, 0]);
        assert_eq!(shown.iter().sum::<usize>(), MAX_FINDINGS);
        assert!(rows.iter().all(|row| row.state == DependencyState::Vulnerable), "never clean at the cap");
        assert_eq!(report.summary.not_shown, many - 500 + 300 + 6 * 400);
        assert_eq!(report.summary.vulnerable, 9);
        assert!(
            report.summary.sentence().contains("102200 more advisories not shown"),
            "{}",
            report.summary.sentence()
        );
        let notice = report.summary.cap_notice().expect("a notice");
        assert!(notice.contains("at most 500 findings per package and 1000 in all"), "{notice}");
        assert_eq!(Summary::default().cap_notice(), None);
    }

    #[test]
    fn states_follow_the_lookups_and_failures_are_never_clean() {
        let parsed = parse_files(&[InputFile::new(
            "requirements.txt",
            "alpha==1.0\nbeta==2.0\ngamma==3.0\ndelta==4.0\n-e ./local\nrange>=1\n",
        )]);
        let mut lookups = Lookups::default();
        lookups.queries.insert(key("alpha", "1.0"), Ok(vec![vuln("T-1")]));
        lookups.queries.insert(key("beta", "2.0"), Ok(vec![]));
        lookups.queries.insert(key("gamma", "3.0"), Err(LookupError::Status(503)));
        lookups.records.insert(
            "T-1".into(),
            Ok(record(
                r#"{"id":"T-1","modified":"m","aliases":["CVE-1"],"summary":"Bad thing","affected":[{"package":{"ecosystem":"PyPI","name":"alpha"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"}]}]}]}"#,
            )),
        );
        let report = build(&parsed, &lookups);
        let mut ratings = RatingCounts::default();
        ratings.add(Rating::Unknown);
        let states: Vec<&str> =
            report.files[0].dependencies.iter().map(|dependency| dependency.state.as_str()).collect();
        assert_eq!(states, ["vulnerable", "clean", "unchecked", "unchecked", "skipped", "unchecked"]);
        let finding = &report.files[0].dependencies[0].findings[0];
        assert_eq!((finding.id.as_str(), finding.aliases.as_slice()), ("T-1", &["CVE-1".to_string()][..]));
        assert_eq!(finding.fixed_versions, ["1.2"]);
        assert_eq!(finding.summary.as_deref(), Some("Bad thing"));
        assert_eq!(
            finding.reason.as_ref().map(ToString::to_string).as_deref(),
            Some("in the range introduced 0 → fixed 1.2")
        );
        assert_eq!(
            report.summary,
            Summary {
                vulnerable: 1,
                clean: 1,
                skipped: 1,
                unchecked: 1,
                pending: 2,
                findings: 1,
                ignored: 0,
                unavailable: 0,
                ratings,
                unaudited: 0,
                malicious: 0,
                not_on_index: 0,
                not_shown: 0,
            }
        );
        assert!(!report.summary.sentence().contains("no known"));
    }

    #[test]
    fn a_withdrawn_record_drops_its_finding() {
        let parsed = parse_files(&[InputFile::new("requirements.txt", "alpha==1.0\n")]);
        let mut lookups = Lookups::default();
        lookups.queries.insert(key("alpha", "1.0"), Ok(vec![vuln("T-9")]));
        lookups
            .records
            .insert("T-9".into(), Ok(record(r#"{"id":"T-9","modified":"m","withdrawn":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"alpha"},"versions":["1.0"]}]}"#)));
        let report = build(&parsed, &lookups);
        assert_eq!(report.files[0].dependencies[0].state, DependencyState::Clean);
        assert!(report.files[0].dependencies[0].findings.is_empty());
        assert_eq!(report.summary.findings, 0);
    }

    /// A made-up malicious-package record in the shape of the OpenSSF database's: a `MAL-` ID, one version, no fix.
    const MAL_RECORD: &str = r#"{"id":"MAL-2099-1","modified":"m","summary":"Malicious code in alpha (PyPI)",
        "affected":[{"package":{"ecosystem":"PyPI","name":"alpha"},"versions":["1.0"]}],
        "database_specific":{"malicious-packages-origins":[{"source":"made-up"}]}}"#;

    #[test]
    fn a_malicious_record_is_its_own_kind_of_finding_and_never_in_a_fix_plan() {
        let parsed = parse_files(&[InputFile::new("requirements.txt", "alpha==1.0\nbeta==2.0\n")]);
        let mut lookups = Lookups::default();
        lookups.queries.insert(key("alpha", "1.0"), Ok(vec![vuln("MAL-2099-1"), vuln("T-1")]));
        lookups.queries.insert(key("beta", "2.0"), Ok(vec![vuln("T-2")]));
        lookups.records.insert("MAL-2099-1".into(), Ok(record(MAL_RECORD)));
        lookups.records.insert(
            "T-1".into(),
            Ok(record(
                r#"{"id":"T-1","modified":"m","affected":[{"package":{"ecosystem":"PyPI","name":"alpha"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"}]}]}]}"#,
            )),
        );
        // A record with another ID that the malicious-packages database marks is malicious too.
        lookups.records.insert(
            "T-2".into(),
            Ok(record(
                r#"{"id":"T-2","modified":"m","affected":[{"package":{"ecosystem":"PyPI","name":"beta"},"versions":["2.0"]}],"database_specific":{"malicious-packages-origins":[]}}"#,
            )),
        );
        let report = build(&parsed, &lookups);
        let alpha = &report.files[0].dependencies[0];
        let kinds: Vec<(&str, &str)> = alpha.findings.iter().map(|f| (f.id.as_str(), f.kind.as_str())).collect();
        assert_eq!(kinds, [("MAL-2099-1", "malicious"), ("T-1", "vulnerability")]);
        assert_eq!(alpha.flag_names(), ["malicious"]);
        let plan = alpha.fix.as_ref().expect("T-1 has a fix");
        assert_eq!(plan.per_finding.iter().map(|fix| fix.id.as_str()).collect::<Vec<_>>(), ["T-1"]);
        let beta = &report.files[0].dependencies[1];
        assert_eq!(beta.findings[0].kind, FindingKind::Malicious);
        assert_eq!(beta.fix, None, "nothing to upgrade to: a malicious package is removed");
        let sentences = beta.flag_sentences();
        assert_eq!(sentences[0].0, "malicious");
        assert!(sentences[0].1.contains("Remove it") && sentences[0].1.contains("rotate the secrets"));
        assert!(!sentences[0].1.contains("Upgrade to"));
        assert_eq!(report.summary.malicious, 2);
        assert!(report.summary.sentence().starts_with("2 packages are malicious, "), "{}", report.summary.sentence());
        // A malicious group keeps its kind whichever record leads it.
        assert_eq!(
            FindingKind::of("GHSA-x", Some(&record(r#"{"id":"GHSA-x","aliases":["MAL-2099-2"]}"#))),
            FindingKind::Malicious
        );
        assert_eq!(
            FindingKind::of("GHSA-x", Some(&record(r#"{"id":"GHSA-x","aliases":["CVE-1"]}"#))),
            FindingKind::Vulnerability
        );
    }

    #[test]
    fn the_index_gives_rows_their_flags_and_a_name_it_does_not_know_is_never_plainly_clean() {
        use crate::pypi::{Release, ReleaseList, ReleaseLookup};
        let parsed =
            parse_files(&[InputFile::new("requirements.txt", "typo==1.0\nold==2.0\nquiet==1.0\n-e ./local\n")]);
        let mut lookups = Lookups::default();
        for (name, version) in [("typo", "1.0"), ("old", "2.0"), ("quiet", "1.0")] {
            lookups.queries.insert(key(name, version), Ok(vec![]));
        }
        let release = |version: &str, yanked: bool| Release {
            version: version.parse().expect("valid"),
            files: 1,
            yanked_files: usize::from(yanked),
            yanked_reason: yanked.then(|| "made-up: broken wheel".to_string()),
        };
        let old = ReleaseList {
            name: "old".into(),
            releases: vec![release("2.0", true)],
            unreadable: Vec::new(),
            status: Some(crate::index::ProjectStatus {
                kind: crate::index::StatusKind::Deprecated,
                reason: Some("made-up: use new".into()),
            }),
        };
        lookups.releases.insert("typo".into(), ReleaseLookup::NotOnIndex);
        lookups.releases.insert("old".into(), ReleaseLookup::Found(Rc::new(old)));
        lookups.releases.insert("quiet".into(), ReleaseLookup::Unavailable("PyPI lookups are switched off".into()));
        let report = build(&parsed, &lookups);
        let flags: Vec<Vec<&str>> = report.files[0].dependencies.iter().map(DependencyReport::flag_names).collect();
        assert_eq!(flags, [vec!["not-on-pypi"], vec!["deprecated", "yanked"], vec![], vec![]]);
        let sentences = report.files[0].dependencies[1].flag_sentences();
        assert_eq!(sentences[1].1, "`old 2.0` is yanked on the index: made-up: broken wheel");
        assert!(sentences[0].1.ends_with(": made-up: use new"));
        assert_eq!(report.summary.not_on_index, 1);
        assert_eq!(
            report.summary.sentence(),
            "No findings in 3 checked packages, 1 not on the package index, 1 skipped",
            "a name the index does not know keeps the summary from saying \"no known vulnerabilities\""
        );
    }

    #[test]
    fn a_withdrawn_record_drops_its_finding_from_a_range_too() {
        let parsed = parse_files(&[InputFile::new("requirements.txt", "alpha>=1.0\n")]);
        let mut lookups = Lookups::default();
        lookups.queries.insert(key("alpha", ""), Ok(vec![vuln("T-9")]));
        lookups.records.insert(
            "T-9".into(),
            Ok(record(
                r#"{"id":"T-9","modified":"m","withdrawn":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"alpha"},"versions":["1.0"]}]}"#,
            )),
        );
        let report = build(&parsed, &lookups);
        let dependency = &report.files[0].dependencies[0];
        assert!(dependency.findings.is_empty());
        assert_ne!(dependency.state, DependencyState::Vulnerable);
        assert_eq!(report.summary.findings, 0);
    }

    #[test]
    fn a_missing_record_keeps_the_finding() {
        let parsed = parse_files(&[InputFile::new("requirements.txt", "alpha==1.0\n")]);
        let mut lookups = Lookups::default();
        lookups.queries.insert(key("alpha", "1.0"), Ok(vec![vuln("T-1")]));
        lookups.records.insert("T-1".into(), Err(LookupError::Timeout));
        let report = build(&parsed, &lookups);
        let dependency = &report.files[0].dependencies[0];
        assert_eq!(dependency.state, DependencyState::Vulnerable);
        assert!(matches!(dependency.findings[0].detail, FindingDetail::Unavailable(_)));
        assert_eq!(report.summary.unavailable, 1);
        assert_eq!(
            report.summary.sentence(),
            "1 known vulnerability in 1 package, 1 advisory could not be fetched",
            "the count may hold aliases that could not be grouped, and the summary says why"
        );
    }

    #[test]
    fn the_summary_says_clean_only_when_everything_was_checked() {
        let all_clean = Summary { clean: 3, ..Summary::default() };
        assert_eq!(all_clean.sentence(), "No known vulnerabilities in 3 checked packages");
        let partly = Summary { clean: 3, unchecked: 1, ..Summary::default() };
        assert_eq!(partly.sentence(), "No findings in 3 checked packages, 1 unchecked");
    }
}
