//! Whether a vulnerable transitive package can be upgraded alone: each parent's requirement on it (from the lock's
//! metadata where the lock records it, else from the parent's core metadata at its locked version on the index)
//! must allow a fixed version. When one does not, the parent's releases are searched by bisection (at most
//! [`MAX_METADATA_READS`] metadata files) for the lowest that allows one. Runs in the worker, through the same
//! index client as the resolver; the page receives the answer as text.

use std::str::FromStr;

use pep508_rs::pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::PackageName;

use super::{requirement_name, Graph};
use crate::environment::TargetEnvironment;
use crate::index::{FileKind, Project};
use crate::model::{normalize_name, DependencyVersion};
use crate::resolve::PackageSource;
use crate::sources::poetry_constraint::poetry_constraint_to_pep440;
use crate::sources::toml_doc::{self, Table};
use crate::sources::{Format, ParsedFile};

/// The most metadata files one search for a parent's allowing release reads (bisection over up to 1,023 releases).
pub const MAX_METADATA_READS: usize = 10;

/// Whether the package can be upgraded alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alone {
    /// Every parent's requirement allows a fixed version.
    Allowed,
    /// A parent's requirement excludes every fixed version.
    Blocked,
    /// Some parent's requirement is not known (and none is known to block).
    Unknown,
}

impl Alone {
    /// `true`, `false` or `unknown`, as the page's `data-alone` says.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "true",
            Self::Blocked => "false",
            Self::Unknown => "unknown",
        }
    }
}

/// The answer for one vulnerable package of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentCheck {
    /// Whether it can be upgraded alone.
    pub alone: Alone,
    /// The parent that blocks it.
    pub parent: Option<String>,
    /// That parent's lowest release that allows a fixed version, when one was found.
    pub parent_to: Option<String>,
    /// The sentence for the page.
    pub sentence: String,
    /// The lockfile tool's command, for the package to upgrade (the parent when it blocks).
    pub command: Option<String>,
}

/// A parent's requirement on the child: a union of specifier sets, and how it was written.
#[derive(Debug, Clone)]
struct Requirement {
    sets: Vec<VersionSpecifiers>,
    written: String,
}

impl Requirement {
    fn new(child: &str, sets: Vec<VersionSpecifiers>) -> Self {
        let texts: Vec<String> = sets.iter().map(ToString::to_string).collect();
        let written = if texts.iter().any(String::is_empty) || texts.is_empty() {
            format!("{child}, any version")
        } else {
            format!("{child}{}", texts.join(" || "))
        };
        Self { sets, written }
    }

    /// True when some version in `fixed` satisfies it.
    fn allows(&self, fixed: &[Version]) -> bool {
        fixed.iter().any(|version| self.sets.iter().any(|set| set.contains(version)))
    }
}

/// What the check learned about one parent.
enum Verdict {
    Allows(String, Version, Requirement),
    Blocks(String, Version, Requirement),
    Unknown(String),
}

/// Checks whether `package` (at `version`, to move to `to`) of `file` can be upgraded alone, asking `source` for
/// what the lock does not record (`None`: the index is off).
pub async fn check<S: PackageSource>(
    file: &ParsedFile,
    graph: &Graph,
    package: &str,
    to: &str,
    source: Option<&S>,
    target: &TargetEnvironment,
) -> ParentCheck {
    let unknown = |sentence: String| ParentCheck {
        alone: Alone::Unknown,
        parent: None,
        parent_to: None,
        sentence,
        command: command(file.format, package),
    };
    let Ok(to_version) = Version::from_str(to) else {
        return unknown(format!("{package} {to} is not a version that can be checked against requirements"));
    };
    let parents = graph.node(package).map(|node| node.via.clone()).unwrap_or_default();
    if parents.is_empty() {
        return unknown(format!("The file records no package that requires {package}."));
    }
    // A fixed version: the target, or a later release of the package (a parent may require a newer one).
    let mut fixed = vec![to_version.clone()];
    if let Some(source) = source {
        if let Ok(project) = project(source, package).await {
            fixed.extend(project.installable_versions().filter(|version| **version > to_version).cloned());
        }
    }
    let mut verdicts = Vec::new();
    for parent in &parents {
        verdicts.push(verdict(file, parent, package, &fixed, source, target).await);
    }
    let blocking = verdicts.iter().find_map(|verdict| match verdict {
        Verdict::Blocks(parent, version, requirement) => Some((parent, version, requirement)),
        _ => None,
    });
    if let Some((parent, locked, requirement)) = blocking {
        let found = match source {
            Some(source) => lowest_allowing(source, parent, locked, package, &fixed, target).await,
            None => Err("the package index is off".to_string()),
        };
        let head = format!("{package} {to} is not allowed by {parent} {locked} ({})", requirement.written);
        let (parent_to, sentence) = match found {
            Ok(Some(version)) => (Some(version.to_string()), format!("{head}; {parent} {version} allows it")),
            Ok(None) => (None, format!("{head}; no release of {parent} allows it yet")),
            Err(reason) => (None, format!("{head}; which release of {parent} allows it is not known: {reason}")),
        };
        return ParentCheck {
            alone: Alone::Blocked,
            parent: Some(parent.clone()),
            parent_to,
            sentence,
            command: command(file.format, parent),
        };
    }
    let unknown_reason = verdicts.iter().find_map(|verdict| match verdict {
        Verdict::Unknown(reason) => Some(reason.clone()),
        _ => None,
    });
    if let Some(reason) = unknown_reason {
        return unknown(reason);
    }
    let allowed: Vec<String> = verdicts
        .iter()
        .filter_map(|verdict| match verdict {
            Verdict::Allows(parent, version, requirement) => {
                Some(format!("{parent} {version} ({})", requirement.written))
            }
            _ => None,
        })
        .collect();
    ParentCheck {
        alone: Alone::Allowed,
        parent: None,
        parent_to: None,
        sentence: format!("{package} {to} is allowed by {}: upgrade {package} alone", allowed.join(" and ")),
        command: command(file.format, package),
    }
}

/// The lockfile tool's command that upgrades `package` in a file of `format`.
pub fn command(format: Format, package: &str) -> Option<String> {
    match format {
        Format::UvLock => Some(format!("uv lock --upgrade-package {package}")),
        Format::PoetryLock => Some(format!("poetry update {package}")),
        Format::PdmLock => Some(format!("pdm update {package}")),
        _ => None,
    }
}

async fn project<S: PackageSource>(source: &S, name: &str) -> Result<std::rc::Rc<Project>, String> {
    let name = PackageName::from_str(name).map_err(|error| error.to_string())?;
    source.project(&name).await.map_err(|error| error.to_string())
}

async fn verdict<S: PackageSource>(
    file: &ParsedFile,
    parent: &str,
    child: &str,
    fixed: &[Version],
    source: Option<&S>,
    target: &TargetEnvironment,
) -> Verdict {
    let locked =
        file.dependencies.iter().find(|dependency| dependency.name == parent).and_then(|dependency| match &dependency
            .version
        {
            DependencyVersion::Pinned(version) => Some(version.clone()),
            _ => None,
        });
    let Some(locked) = locked else {
        return Verdict::Unknown(format!("The version of {parent}, which requires {child}, is not locked."));
    };
    let requirement = match lock_requirement(file, parent, child) {
        Some(requirement) => Ok(requirement),
        None => match source {
            Some(source) => index_requirement(source, parent, &locked, child, target).await,
            None => Err("the lock does not record it and the package index is off".to_string()),
        },
    };
    match requirement {
        Ok(requirement) if requirement.allows(fixed) => Verdict::Allows(parent.to_string(), locked, requirement),
        Ok(requirement) => Verdict::Blocks(parent.to_string(), locked, requirement),
        Err(reason) => {
            Verdict::Unknown(format!("Whether {parent} {locked} allows a fixed {child} is not known: {reason}."))
        }
    }
}

/// Reads a package table's requirement on a child, as specifier sets (a union).
type ReadRequirement = fn(&Table<'_>, &str) -> Option<Vec<VersionSpecifiers>>;

/// The parent's requirement on the child as the lock records it: poetry.lock's and pdm.lock's per-package
/// dependencies, uv.lock's `[package.metadata] requires-dist` (written for the project's own packages only).
fn lock_requirement(file: &ParsedFile, parent: &str, child: &str) -> Option<Requirement> {
    let read: ReadRequirement = match file.format {
        Format::UvLock => uv_requires_dist,
        Format::PoetryLock => poetry_dependency,
        Format::PdmLock => pdm_dependency,
        _ => return None,
    };
    let document = toml::de::DeTable::parse(&file.text).ok()?;
    let table = toml_doc::get_array(document.get_ref(), "package")
        .iter()
        .filter_map(|item| item.get_ref().as_table())
        .find(|table| toml_doc::get_str(table, "name").map(normalize_name).as_deref() == Some(parent))?;
    read(table, child).map(|sets| Requirement::new(child, sets))
}

fn uv_requires_dist(table: &Table<'_>, child: &str) -> Option<Vec<VersionSpecifiers>> {
    let metadata = toml_doc::get_table(table, "metadata")?;
    let entries: Vec<&Table<'_>> = toml_doc::get_array(metadata, "requires-dist")
        .iter()
        .filter_map(|item| item.get_ref().as_table())
        .filter(|entry| toml_doc::get_str(entry, "name").map(normalize_name).as_deref() == Some(child))
        .collect();
    if entries.is_empty() {
        return None;
    }
    entries
        .iter()
        .map(|entry| VersionSpecifiers::from_str(toml_doc::get_str(entry, "specifier").unwrap_or_default()).ok())
        .collect()
}

fn poetry_dependency(table: &Table<'_>, child: &str) -> Option<Vec<VersionSpecifiers>> {
    let dependencies = toml_doc::get_table(table, "dependencies")?;
    let (_, value) = dependencies.iter().find(|(name, _)| normalize_name(name.get_ref()) == child)?;
    let constraints: Vec<&str> = match value.get_ref() {
        toml::de::DeValue::String(text) => vec![text.as_ref()],
        toml::de::DeValue::Table(entry) => vec![toml_doc::get_str(entry, "version").unwrap_or("*")],
        toml::de::DeValue::Array(entries) => entries
            .iter()
            .filter_map(|entry| entry.get_ref().as_table())
            .map(|entry| toml_doc::get_str(entry, "version").unwrap_or("*"))
            .collect(),
        _ => return None,
    };
    let mut sets = Vec::new();
    for constraint in constraints {
        sets.extend(poetry_constraint_to_pep440(constraint).ok()?);
    }
    Some(sets)
}

fn pdm_dependency(table: &Table<'_>, child: &str) -> Option<Vec<VersionSpecifiers>> {
    let entries: Vec<&str> = toml_doc::get_array(table, "dependencies")
        .iter()
        .filter_map(|item| item.get_ref().as_str())
        .filter(|requirement| requirement_name(requirement).as_deref() == Some(child))
        .collect();
    if entries.is_empty() {
        return None;
    }
    entries
        .iter()
        .map(|requirement| {
            let specifier = crate::sources::pep508::written_specifier(requirement).unwrap_or_default();
            VersionSpecifiers::from_str(specifier.trim().trim_start_matches('(').trim_end_matches(')')).ok()
        })
        .collect()
}

/// The parent's requirement on the child from its core metadata at `version`: the `Requires-Dist` entries that
/// name the child and hold on the target (all of them, when none holds without an extra).
async fn index_requirement<S: PackageSource>(
    source: &S,
    parent: &str,
    version: &Version,
    child: &str,
    target: &TargetEnvironment,
) -> Result<Requirement, String> {
    let project = project(source, parent).await?;
    let release = project.find(version).ok_or_else(|| format!("the index lists no {parent} {version}"))?;
    let file = release
        .files
        .iter()
        .find(|file| matches!(file.kind, FileKind::Wheel(_)) && file.yanked.is_none())
        .or_else(|| release.files.iter().find(|file| matches!(file.kind, FileKind::Wheel(_))))
        .or_else(|| release.files.first())
        .ok_or_else(|| format!("{parent} {version} has no files on the index"))?;
    let metadata = source.metadata(file).await.map_err(|error| error.to_string())?;
    let naming: Vec<_> =
        metadata.requires_dist.iter().filter(|requirement| requirement.name.as_ref() == child).collect();
    if naming.is_empty() {
        return Err(format!("{parent} {version} does not require {child} on the index"));
    }
    let holding: Vec<_> = naming.iter().filter(|requirement| target.admits(&requirement.marker, &[])).collect();
    let chosen = if holding.is_empty() { naming.iter().collect() } else { holding };
    let sets = chosen
        .iter()
        .map(|requirement| match &requirement.version_or_url {
            Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.clone(),
            _ => VersionSpecifiers::from_iter([]),
        })
        .collect();
    Ok(Requirement::new(child, sets))
}

/// The lowest release of `parent` after `locked` (final releases only, installable) whose requirement on `child`
/// allows a version in `fixed`, by bisection: newer releases are taken to allow at least what older ones do. `None`
/// when the newest does not.
async fn lowest_allowing<S: PackageSource>(
    source: &S,
    parent: &str,
    locked: &Version,
    child: &str,
    fixed: &[Version],
    target: &TargetEnvironment,
) -> Result<Option<Version>, String> {
    let project = project(source, parent).await?;
    let candidates: Vec<Version> = project
        .installable_versions()
        .filter(|version| *version > locked && !version.any_prerelease())
        .cloned()
        .collect();
    let allows = |version: &Version| {
        let version = version.clone();
        async move {
            index_requirement(source, parent, &version, child, target)
                .await
                .map(|requirement| requirement.allows(fixed))
        }
    };
    let Some(newest) = candidates.last() else { return Ok(None) };
    if !allows(newest).await? {
        return Ok(None);
    }
    let (mut low, mut high, mut reads) = (0, candidates.len() - 1, 1);
    while low < high && reads < MAX_METADATA_READS {
        let middle = low + (high - low) / 2;
        reads += 1;
        // A release whose metadata cannot be read counts as not allowing: `high` is always one that was read and
        // allows, so the answer is true, at worst not the lowest.
        if allows(&candidates[middle]).await.unwrap_or(false) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    Ok(Some(candidates[high].clone()))
}
