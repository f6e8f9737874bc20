//! The report rows of range dependencies, and the fix plans of vulnerable dependencies.
//!
//! A range dependency is *vulnerable* when some version it allows is affected (the range verdict says whether all
//! or some are, and which are safe), *clean* only when none is and every advisory of the package could be read,
//! and *unchecked* when its lookup failed, an advisory could not be read and no affected version was found, or no
//! known version falls inside the range.

use std::sync::Arc;

use pep508_rs::pep440_rs::{Version, VersionSpecifiers};

use super::{finding, group_aliases, DependencyReport, DependencyState, Finding, FindingKind};
use crate::audit::{Lookups, PackageKey};
use crate::fix::{self, FixPlan, PackageRecord};
use crate::matching::CompiledVulnerability;
use crate::model::Dependency;
use crate::ranges::{self, RangeState};

/// The report of a range dependency.
pub(super) fn range_report(
    dependency: &Dependency,
    specifiers: &VersionSpecifiers,
    lookups: &Lookups,
) -> DependencyReport {
    let report = |state, findings| DependencyReport::bare(dependency, state, findings);
    let name = dependency.name.as_str();
    let key = PackageKey { name: name.to_string(), version: String::new() };
    let vulns = match lookups.queries.get(&key) {
        None => return report(DependencyState::Pending, Vec::new()),
        Some(Err(error)) => {
            return report(DependencyState::Unchecked(error.describe(crate::audit::OSV_API)), Vec::new())
        }
        Some(Ok(vulns)) => vulns,
    };
    let mut records: Vec<(String, Arc<CompiledVulnerability>)> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    for vuln in vulns {
        match lookups.records.get(&vuln.id) {
            None => return report(DependencyState::Pending, Vec::new()),
            Some(Err(error)) => failed.push(format!("`{}`: {error}", vuln.id)),
            Some(Ok(_)) => records.extend(lookups.compiled_record(&vuln.id).map(|record| (vuln.id.clone(), record))),
        }
    }
    let all: Vec<&CompiledVulnerability> = records.iter().map(|(_, record)| record.as_ref()).collect();
    let releases = lookups.releases.get(name);
    let verdict = ranges::evaluate(name, specifiers, &all, releases);
    let findings: Vec<Finding> = records
        .iter()
        .filter_map(|(id, record)| {
            let affected: Vec<Version> =
                verdict.allowed.iter().filter(|version| record.affects(name, version).is_some()).cloned().collect();
            let first = affected.first()?.clone();
            let mut found = finding(id, name, &first, lookups)?;
            found.range_versions = affected;
            Some(found)
        })
        .collect();
    let findings = group_aliases(findings);
    let written = dependency.version_text();
    let state = match verdict.state {
        RangeState::AllAffected | RangeState::SomeAffected => DependencyState::Vulnerable,
        RangeState::NoneAffected if failed.is_empty() => DependencyState::Clean,
        RangeState::NoneAffected => DependencyState::Unchecked(format!(
            "no version `{written}` allows is affected by the advisories that could be read, but {} could not be \
             read: {}",
            if failed.len() == 1 { "one" } else { "some" },
            failed.join("; ")
        )),
        RangeState::Undetermined => DependencyState::Unchecked(format!(
            "`{name}` has advisories, but no known version falls inside `{written}`; {}",
            verdict.source.describe()
        )),
    };
    // Malicious findings are never in a plan: removing the package is the only fix.
    let fixable: Vec<&Finding> = findings.iter().filter(|finding| finding.kind == FindingKind::Vulnerability).collect();
    let fix = (state == DependencyState::Vulnerable && !fixable.is_empty()).then(|| {
        let package_records: Vec<PackageRecord<'_>> = records
            .iter()
            .filter(|(id, _)| {
                !findings.iter().any(|finding| finding.kind == FindingKind::Malicious && finding.records.contains(id))
            })
            .map(|(id, record)| PackageRecord { id, record })
            .collect();
        let finding_ids: Vec<&str> = fixable.iter().map(|finding| finding.id.as_str()).collect();
        fix::plan_range(
            name,
            specifiers,
            dependency.written_specifier.as_deref(),
            &package_records,
            &finding_ids,
            releases,
            &verdict,
        )
    });
    DependencyReport { range: Some(verdict), fix, ..report(state, findings) }
}

/// The fix plan of a pinned dependency with findings, once every finding's record has arrived.
pub(super) fn pinned_plan(
    dependency: &Dependency,
    version: &Version,
    findings: &[Finding],
    lookups: &Lookups,
) -> Option<FixPlan> {
    // Malicious findings are never in a plan: removing the package is the only fix.
    let fixable: Vec<&Finding> = findings.iter().filter(|finding| finding.kind == FindingKind::Vulnerability).collect();
    if fixable.is_empty() {
        return None;
    }
    let records: Vec<(String, Arc<CompiledVulnerability>)> = fixable
        .iter()
        .map(|finding| lookups.compiled_record(&finding.id).map(|record| (finding.id.clone(), record)))
        .collect::<Option<_>>()?;
    let package_records: Vec<PackageRecord<'_>> =
        records.iter().map(|(id, record)| PackageRecord { id, record }).collect();
    Some(fix::plan_pinned(&dependency.name, version, &package_records, lookups.releases.get(&dependency.name)))
}
