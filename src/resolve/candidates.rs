//! A project's versions as the target sees them: the files uploaded by the "as of" day, whether a version is
//! yanked, whether its `Requires-Python` admits the target, and which file its dependencies are read from.

use std::collections::Bound;

use pep508_rs::pep440_rs::{release_specifiers_to_ranges, Version, VersionSpecifiers};

use crate::environment::PythonVersion;
use crate::index::{DistFile, FileKind, Project};
use crate::resolve::tags::TagRanks;

/// The versions of one project for the target, highest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidates {
    /// Every version with a file uploaded by the "as of" day, highest first.
    pub versions: Vec<Candidate>,
    /// True when some version is a final release: pre-releases are then used only when asked for.
    pub has_stable: bool,
}

/// One version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// The version.
    pub version: Version,
    /// The reason given when every file is yanked (empty when none was given).
    pub yanked: Option<String>,
    /// Whether it installs on the target, and from which file its dependencies are read.
    pub availability: Availability,
}

/// Whether a version installs on the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Availability {
    /// It installs; its dependencies are read from this wheel's metadata: the best wheel for the target or, when
    /// only the sdist installs here, a wheel for another platform (the metadata of a version's files is the same,
    /// as uv assumes). Boxed: a file is far larger than the other answers.
    Wheel(Box<DistFile>),
    /// Only an sdist installs: its dependencies are known only from a build.
    NeedsBuild,
    /// No file installs on the target (wheels for other platforms only).
    NoCompatibleFile,
    /// Every file's `Requires-Python` excludes the target.
    RequiresPython(VersionSpecifiers),
}

impl Candidates {
    /// The versions of `project` for the target, with files uploaded before `cutoff` (seconds since the epoch) when
    /// one is given.
    pub(crate) fn new(project: &Project, tags: &TagRanks, python: PythonVersion, cutoff: Option<i64>) -> Self {
        let mut versions = Vec::with_capacity(project.releases.len());
        for release in project.releases.iter().rev() {
            let files: Vec<&DistFile> = release
                .files
                .iter()
                .filter(|file| cutoff.is_none_or(|cutoff| file.uploaded.is_some_and(|uploaded| uploaded < cutoff)))
                .collect();
            if files.is_empty() {
                continue;
            }
            let not_yanked: Vec<&DistFile> = files.iter().copied().filter(|file| file.yanked.is_none()).collect();
            let (yanked, files) = if not_yanked.is_empty() {
                (Some(files.iter().find_map(|file| file.yanked.clone()).unwrap_or_default()), files)
            } else {
                (None, not_yanked)
            };
            versions.push(Candidate {
                version: release.version.clone(),
                yanked,
                availability: availability(&files, tags, python),
            });
        }
        let has_stable = versions.iter().any(|candidate| !candidate.version.any_prerelease());
        Self { versions, has_stable }
    }

    /// The candidate for `version`.
    pub(crate) fn get(&self, version: &Version) -> Option<&Candidate> {
        self.versions.iter().find(|candidate| &candidate.version == version)
    }
}

fn availability(files: &[&DistFile], tags: &TagRanks, python: PythonVersion) -> Availability {
    let fitting: Vec<&DistFile> = files
        .iter()
        .copied()
        .filter(|file| file.requires_python.as_ref().is_none_or(|specifiers| python_admits(specifiers, python)))
        .collect();
    if fitting.is_empty() {
        let specifiers = files.iter().find_map(|file| file.requires_python.clone()).unwrap_or_default();
        return Availability::RequiresPython(specifiers);
    }
    let best = fitting
        .iter()
        .filter_map(|file| match &file.kind {
            FileKind::Wheel(wheel) => tags.rank(wheel).map(|rank| (rank, *file)),
            FileKind::Sdist => None,
        })
        .min_by_key(|(rank, _)| *rank);
    if let Some((_, wheel)) = best {
        return Availability::Wheel(Box::new(wheel.clone()));
    }
    if !fitting.iter().any(|file| file.kind == FileKind::Sdist) {
        return Availability::NoCompatibleFile;
    }
    match fitting.iter().find(|file| matches!(file.kind, FileKind::Wheel(_))) {
        Some(other_platform) => Availability::Wheel(Box::new((*other_platform).clone())),
        None => Availability::NeedsBuild,
    }
}

/// True when `Requires-Python` admits the target's Python, read as uv reads it: by its lower bound alone (`>=3.8,<4`
/// is `>=3.8`), since a package cannot know which future Python versions it works with.
pub(crate) fn python_admits(specifiers: &VersionSpecifiers, python: PythonVersion) -> bool {
    let target = Version::new([u64::from(python.major), u64::from(python.minor)]);
    match release_specifiers_to_ranges(specifiers.clone()).bounding_range() {
        None => false,
        Some((Bound::Unbounded, _)) => true,
        Some((Bound::Included(lower), _)) => lower.clone().only_release() <= target,
        Some((Bound::Excluded(lower), _)) => lower.clone().only_release() < target,
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn requires_python_is_read_by_its_lower_bound() {
        let python = |text: &str| text.parse::<PythonVersion>().unwrap();
        let admits = |specifiers: &str, target: &str| {
            python_admits(&VersionSpecifiers::from_str(specifiers).unwrap(), python(target))
        };
        assert!(admits(">=3.8", "3.11"));
        assert!(admits(">=3.8,<3.11", "3.11"), "upper bounds are not read");
        assert!(admits(">=2.7,!=3.0.*,!=3.1.*", "3.9"));
        assert!(admits("", "3.9"));
        assert!(!admits(">=3.10", "3.9"));
        assert!(!admits(">=3.11.2", "3.11"));
        assert!(admits(">=3.11.0", "3.11"));
        assert!(!admits(">3.11", "3.11"));
        assert!(!admits("<3.0,>=3.5", "3.12"), "no version at all");
    }
}
