//! Audits of version ranges: a dependency written `requests>=2.10,<2.11` (or with no specifier at all) may install
//! any release the specifier allows, so it is checked against every advisory of the package, not one version.
//!
//! The lookup asks OSV for the package without a version, which returns every advisory for it. The versions the
//! range can install come from PyPI's release list (its project page in the JSON simple API, [`crate::pypi`]) when
//! the page could read it: installable releases only, since installers skip yanked ones (PEP 592) unless nothing
//! else is allowed. Without a release list, the versions are the ones the advisories name (their `versions` lists
//! and range events) and the specifier's own versions; the report says so, since a release between two named
//! versions is then not seen.
//!
//! Pre-releases are left out unless the specifier names one, or unless nothing but pre-releases is allowed
//! (the rule of pip and `packaging`).
//!
//! The result is one of three states: every allowed version is affected, some are (and the report names the safe
//! ones and the lowest safe lower bound), or none are. When the advisories exist but no known version falls inside
//! the range, nothing can be said, and the dependency is reported unchecked with that reason. A range dependency is
//! *vulnerable* when some allowed version is affected, *clean* only when none is and every lookup succeeded.

use pep508_rs::pep440_rs::{Version, VersionSpecifiers};

use crate::matching::CompiledVulnerability;
use crate::pypi::ReleaseLookup;

/// Where the versions a range was evaluated on came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// PyPI's release list.
    ReleaseList,
    /// The versions the advisories and the specifier name, because there was no release list, for this reason.
    AdvisoryVersions(String),
}

impl VersionSource {
    /// A sentence for the report.
    pub fn describe(&self) -> String {
        match self {
            Self::ReleaseList => {
                "Checked against PyPI's release list (yanked releases and pre-releases left out).".into()
            }
            Self::AdvisoryVersions(why) => format!(
                "PyPI's release list was not available ({why}): checked only against the versions the advisories \
                 and the specifier name, so a release between them may be missed."
            ),
        }
    }
}

/// How much of a range is affected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeState {
    /// Every allowed version is affected.
    AllAffected,
    /// Some allowed versions are affected, others are safe.
    SomeAffected,
    /// No allowed version is affected.
    NoneAffected,
    /// The package has advisories, but no known version falls inside the range.
    Undetermined,
}

/// The verdict on one range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeVerdict {
    /// How much is affected.
    pub state: RangeState,
    /// The known versions the specifier allows, ascending.
    pub allowed: Vec<Version>,
    /// The allowed versions some advisory affects.
    pub affected: Vec<Version>,
    /// The allowed versions no advisory affects.
    pub safe: Vec<Version>,
    /// The lowest allowed version from which every allowed version is safe, when some but not all are affected.
    pub safe_lower_bound: Option<Version>,
    /// Where the versions came from.
    pub source: VersionSource,
    /// True when only yanked releases satisfy the specifier, so those were evaluated.
    pub yanked_only: bool,
    /// True when only pre-releases satisfy the specifier, so those were evaluated.
    pub prereleases_only: bool,
}

/// Versions listed in a sentence before the rest are only counted.
const SHOWN_VERSIONS: usize = 8;

/// `1.0, 1.1 and 3 more`.
pub fn version_list<T: ToString>(versions: &[T]) -> String {
    let mut shown: Vec<String> = versions.iter().take(SHOWN_VERSIONS).map(ToString::to_string).collect();
    if versions.len() > SHOWN_VERSIONS {
        shown.push(format!("and {} more", versions.len() - SHOWN_VERSIONS));
    }
    shown.join(", ")
}

impl RangeVerdict {
    /// The verdict in one sentence.
    pub fn sentence(&self) -> String {
        let allowed = self.allowed.len();
        let affected = version_list(&self.affected);
        match self.state {
            RangeState::AllAffected => format!("Every version this range allows is affected ({allowed}: {affected})."),
            RangeState::SomeAffected => {
                let bound = match &self.safe_lower_bound {
                    Some(bound) => format!("Lowest safe lower bound: >={bound}."),
                    None => "No lower bound inside the range is safe.".to_string(),
                };
                format!(
                    "{} of the {allowed} versions this range allows are affected ({affected}). Safe: {}. {bound}",
                    self.affected.len(),
                    version_list(&self.safe)
                )
            }
            RangeState::NoneAffected => format!("None of the {allowed} versions this range allows is affected."),
            RangeState::Undetermined => "No known version falls inside this range.".to_string(),
        }
    }

    /// Where the versions came from, and the fallbacks used, as sentences.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = vec![self.source.describe()];
        if self.yanked_only {
            notes.push("Only yanked releases satisfy this range, so those were checked.".into());
        }
        if self.prereleases_only {
            notes.push("Only pre-releases satisfy this range, so those were checked.".into());
        }
        notes
    }
}

/// True when `specifiers` allow `version` as an installer would choose it: PEP 440 matching, and a pre-release
/// only when a specifier names a pre-release itself.
pub fn allows(specifiers: &VersionSpecifiers, version: &Version) -> bool {
    specifiers.contains(version)
        && (!version.any_prerelease() || specifiers.iter().any(|specifier| specifier.any_prerelease()))
}

/// The versions a range is evaluated on, ascending: PyPI's releases (installable ones, and the yanked ones apart),
/// or the versions the records and the specifier name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownVersions {
    /// Versions that can be installed.
    pub installable: Vec<Version>,
    /// Yanked releases, used only when nothing installable is allowed.
    pub yanked: Vec<Version>,
    /// Where they came from.
    pub source: VersionSource,
}

impl KnownVersions {
    /// The versions known for package `name`: PyPI's list when `releases` holds one, else the versions named by
    /// `records` and `specifiers`.
    pub fn new(
        name: &str,
        specifiers: &VersionSpecifiers,
        records: &[&CompiledVulnerability],
        releases: Option<&ReleaseLookup>,
    ) -> Self {
        match releases {
            Some(ReleaseLookup::Found(list)) => {
                let mut installable = Vec::new();
                let mut yanked = Vec::new();
                for release in &list.releases {
                    if release.is_installable() {
                        installable.push(release.version.clone());
                    } else if release.is_yanked() {
                        yanked.push(release.version.clone());
                    }
                }
                Self { installable, yanked, source: VersionSource::ReleaseList }
            }
            other => {
                let why = other.and_then(ReleaseLookup::reason).unwrap_or_else(|| "not fetched".to_string());
                let mut versions: Vec<Version> =
                    records.iter().flat_map(|record| record.mentioned_versions(name)).collect();
                versions.extend(specifiers.iter().map(|specifier| specifier.version().clone()));
                crate::sorting::sort(&mut versions);
                versions.dedup();
                Self { installable: versions, yanked: Vec::new(), source: VersionSource::AdvisoryVersions(why) }
            }
        }
    }

    /// The versions `specifiers` allow, with the fallbacks installers use: pre-releases when no final release is
    /// allowed, then yanked releases when nothing installable is. Returns the versions and whether each fallback
    /// was used.
    pub fn allowed(&self, specifiers: &VersionSpecifiers) -> (Vec<Version>, bool, bool) {
        let pick = |versions: &[Version]| -> (Vec<Version>, bool) {
            let finals: Vec<Version> = versions.iter().filter(|version| allows(specifiers, version)).cloned().collect();
            if !finals.is_empty() {
                return (finals, false);
            }
            let any: Vec<Version> = versions.iter().filter(|version| specifiers.contains(version)).cloned().collect();
            let prereleases = !any.is_empty();
            (any, prereleases)
        };
        let (allowed, prereleases) = pick(&self.installable);
        if !allowed.is_empty() || self.yanked.is_empty() {
            return (allowed, prereleases, false);
        }
        let (allowed, prereleases) = pick(&self.yanked);
        let yanked = !allowed.is_empty();
        (allowed, prereleases, yanked)
    }
}

/// True when some record affects `version` of package `name`.
pub fn is_affected(name: &str, records: &[&CompiledVulnerability], version: &Version) -> bool {
    records.iter().any(|record| record.affects(name, version).is_some())
}

/// Evaluates the range `specifiers` of package `name` against every record OSV has for the package.
pub fn evaluate(
    name: &str,
    specifiers: &VersionSpecifiers,
    records: &[&CompiledVulnerability],
    releases: Option<&ReleaseLookup>,
) -> RangeVerdict {
    let known = KnownVersions::new(name, specifiers, records, releases);
    let (allowed, prereleases_only, yanked_only) = known.allowed(specifiers);
    let (affected, safe): (Vec<Version>, Vec<Version>) =
        allowed.iter().cloned().partition(|version| is_affected(name, records, version));
    let state = if affected.is_empty() && (records.is_empty() || !allowed.is_empty()) {
        RangeState::NoneAffected
    } else if allowed.is_empty() {
        RangeState::Undetermined
    } else if safe.is_empty() {
        RangeState::AllAffected
    } else {
        RangeState::SomeAffected
    };
    let safe_lower_bound = match state {
        RangeState::SomeAffected => {
            let last_affected = affected.last().expect("some versions are affected");
            allowed.iter().find(|version| *version > last_affected).cloned()
        }
        _ => None,
    };
    RangeVerdict {
        state,
        allowed,
        affected,
        safe,
        safe_lower_bound,
        source: known.source,
        yanked_only,
        prereleases_only,
    }
}

#[cfg(test)]
mod tests;
