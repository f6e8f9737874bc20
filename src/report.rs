//! The report: every dependency with its state and findings, grouped by file, built from the parsed input and
//! what the lookups learned. Every renderer (the page, the exports) reads this model.

use std::collections::BTreeSet;
use std::rc::Rc;

mod range_report;

use pep508_rs::pep440_rs::Version;

use crate::audit::{Lookups, PackageKey};
use crate::fix::FixPlan;
use crate::matching::{CompiledVulnerability, MatchReason};
use crate::model::{Dependency, DependencyVersion};
use crate::osv::Vulnerability;
use crate::ranges::RangeVerdict;
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
#[derive(Debug, Clone, PartialEq)]
pub enum FindingDetail {
    /// The record is still being fetched.
    Pending,
    /// The record could not be fetched; the finding still stands, because OSV listed it.
    Unavailable(String),
    /// The record.
    Record(Rc<Vulnerability>),
}

/// One (dependency, vulnerability) pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The record's ID.
    pub id: String,
    /// Other IDs for the same vulnerability.
    pub aliases: Vec<String>,
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
    /// For a vulnerable dependency whose advisories arrived, what to upgrade to.
    pub fix: Option<FixPlan>,
}

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
    /// Findings in all.
    pub findings: usize,
}

impl Summary {
    /// A sentence for the summary bar. It says "no known vulnerabilities" only when everything was checked.
    pub fn sentence(&self) -> String {
        let checked = self.vulnerable + self.clean;
        let mut parts = Vec::new();
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
        } else if self.unchecked == 0 && self.pending == 0 && checked > 0 {
            parts.push(format!(
                "no known vulnerabilities in {checked} checked {}",
                plural(checked, "package", "packages")
            ));
        } else if checked > 0 {
            parts.push(format!("no findings in {checked} checked {}", plural(checked, "package", "packages")));
        }
        if self.unchecked > 0 {
            parts.push(format!("{} unchecked", self.unchecked));
        }
        if self.skipped > 0 {
            parts.push(format!("{} skipped", self.skipped));
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
    let mut summary = Summary::default();
    let files = parsed
        .files
        .iter()
        .map(|file| {
            let dependencies = file
                .dependencies
                .iter()
                .map(|dependency| {
                    let report = dependency_report(dependency, lookups);
                    match &report.state {
                        DependencyState::Vulnerable => summary.vulnerable += 1,
                        DependencyState::Clean => summary.clean += 1,
                        DependencyState::Skipped(_) => summary.skipped += 1,
                        DependencyState::Unchecked(_) => summary.unchecked += 1,
                        DependencyState::Pending => summary.pending += 1,
                    }
                    summary.findings += report.findings.len();
                    report
                })
                .collect();
            FileReport {
                name: file.name.clone(),
                format: file.format,
                dependencies,
                errors: file.errors.clone(),
                notes: file.notes.clone(),
            }
        })
        .collect();
    Report { files, summary }
}

fn dependency_report(dependency: &Dependency, lookups: &Lookups) -> DependencyReport {
    let report =
        |state, findings| DependencyReport { dependency: dependency.clone(), state, findings, range: None, fix: None };
    let version = match &dependency.version {
        DependencyVersion::Skipped(reason) => return report(DependencyState::Skipped(reason.to_string()), Vec::new()),
        DependencyVersion::Range(specifiers) => return range_report::range_report(dependency, specifiers, lookups),
        DependencyVersion::Pinned(version) => version,
    };
    let key = PackageKey { name: dependency.name.clone(), version: version.to_string() };
    let vulns = match lookups.queries.get(&key) {
        None => return report(DependencyState::Pending, Vec::new()),
        Some(Err(error)) => return report(DependencyState::Unchecked(error.to_string()), Vec::new()),
        Some(Ok(vulns)) => vulns,
    };
    let mut findings: Vec<Finding> =
        vulns.iter().filter_map(|vuln| finding(&vuln.id, &dependency.name, version, lookups)).collect();
    sort_findings(&mut findings);
    let state = if findings.is_empty() { DependencyState::Clean } else { DependencyState::Vulnerable };
    let fix = range_report::pinned_plan(dependency, version, &findings, lookups);
    DependencyReport { fix, ..report(state, findings) }
}

/// Sorts findings by ID (one sort routine for pinned and range dependencies).
fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.id.cmp(&b.id));
}

/// The finding for record `id`; `None` when the record turns out to be withdrawn.
fn finding(id: &str, name: &str, version: &Version, lookups: &Lookups) -> Option<Finding> {
    let mut finding = Finding {
        id: id.to_string(),
        aliases: Vec::new(),
        summary: None,
        fixed_versions: Vec::new(),
        reason: None,
        detail: FindingDetail::Pending,
        range_versions: Vec::new(),
    };
    match lookups.records.get(id) {
        None => {}
        Some(Err(error)) => finding.detail = FindingDetail::Unavailable(error.to_string()),
        Some(Ok(record)) => {
            if record.is_withdrawn() {
                return None;
            }
            let compiled = match lookups.compiled.get(id) {
                Some(compiled) => Rc::clone(compiled),
                None => Rc::new(CompiledVulnerability::new(record)),
            };
            finding.reason = compiled.affects(name, version);
            finding.fixed_versions = compiled.fixed_versions(name).iter().map(ToString::to_string).collect();
            finding.aliases = record
                .aliases
                .iter()
                .filter(|alias| alias.as_str() != id)
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            finding.summary = record.summary.clone().filter(|summary| !summary.trim().is_empty()).or_else(|| {
                record
                    .details
                    .as_deref()
                    .and_then(|details| details.lines().find(|line| !line.trim().is_empty()))
                    .map(str::to_string)
            });
            finding.detail = FindingDetail::Record(Rc::clone(record));
        }
    }
    Some(finding)
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
            Summary { vulnerable: 1, clean: 1, skipped: 1, unchecked: 1, pending: 2, findings: 1 }
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
            .insert("T-9".into(), Ok(record(r#"{"id":"T-9","modified":"m","withdrawn":"2024-01-01T00:00:00Z"}"#)));
        let report = build(&parsed, &lookups);
        assert_eq!(report.files[0].dependencies[0].state, DependencyState::Clean);
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
    }

    #[test]
    fn the_summary_says_clean_only_when_everything_was_checked() {
        let all_clean = Summary { clean: 3, ..Summary::default() };
        assert_eq!(all_clean.sentence(), "No known vulnerabilities in 3 checked packages");
        let partly = Summary { clean: 3, unchecked: 1, ..Summary::default() };
        assert_eq!(partly.sentence(), "No findings in 3 checked packages, 1 unchecked");
    }
}
