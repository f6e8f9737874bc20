//! The result of a resolution: every package with its version, extras and parents, what could not be resolved and
//! why, and the `requirements.txt` that `uv pip compile` would write for it.

use std::fmt;

use pep508_rs::pep440_rs::Version;
use pep508_rs::{ExtraName, PackageName};

use crate::environment::TargetEnvironment;
use crate::index::IndexError;
use crate::model::Origin;
use crate::resolve::provider::NotResolved;
use crate::resolve::request::AsOf;

/// What the resolver found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The Python version and platform it resolved for.
    pub target: TargetEnvironment,
    /// The "as of" day, when one was given.
    pub as_of: Option<AsOf>,
    /// Every resolved package, by name. Empty when there is no resolution.
    pub packages: Vec<ResolvedPackage>,
    /// What could not be resolved, and why: the report must not call these subtrees clean.
    pub not_resolved: Vec<Unresolved>,
    /// Why no resolution exists, one sentence a line, when none does.
    pub failure: Option<Vec<String>>,
    /// How the resolution went.
    pub stats: ResolveStats,
}

/// One resolved package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPackage {
    /// The PEP 503 name.
    pub name: PackageName,
    /// The version.
    pub version: Version,
    /// The extras asked of it.
    pub extras: Vec<ExtraName>,
    /// True when the input names it.
    pub named: bool,
    /// Who required it: the input, constraints, other packages.
    pub parents: Vec<Parent>,
}

/// Why a package is in the resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parent {
    /// The input requires it.
    Input {
        /// `-r requirements.in`, `my-project (pyproject.toml)`.
        source: String,
        /// The requirement as written.
        requirement: String,
        /// Where.
        origin: Origin,
    },
    /// A constraint narrows it.
    Constraint {
        /// `-c constraints.txt`.
        source: String,
        /// The constraint as written.
        requirement: String,
        /// Where.
        origin: Origin,
    },
    /// Another resolved package requires it.
    Package {
        /// Its name.
        name: PackageName,
        /// Its version.
        version: Version,
        /// Its `Requires-Dist` entry, without the marker.
        requirement: String,
    },
}

impl Parent {
    /// The name `uv pip compile` gives it in a `# via` line.
    pub fn via(&self) -> String {
        match self {
            Self::Input { source, .. } | Self::Constraint { source, .. } => source.clone(),
            Self::Package { name, .. } => name.to_string(),
        }
    }
}

/// A package, or a package's dependencies, that could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The package.
    pub name: PackageName,
    /// Its resolved version, when it has one (its own dependencies are what is missing).
    pub version: Option<Version>,
    /// Why.
    pub reason: NotResolved,
    /// Who required it, for a package that has no version (`-r requirements.in`, or a package name).
    pub required_by: Vec<String>,
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(version) => write!(f, "{} {version}: {}", self.name, self.reason),
            None => write!(f, "{}: {}", self.name, self.reason),
        }
    }
}

impl fmt::Display for NotResolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NeedsBuild => f.write_str(
                "only a source distribution installs here; its dependencies need a build, so they are not resolved",
            ),
            Self::NoMetadata(error) => write!(
                f,
                "its metadata could not be read ({}), so its dependencies are not resolved",
                index_error(error)
            ),
            Self::NoProject(IndexError::NotFound) => f.write_str("not found on the index"),
            Self::NoProject(error) => write!(f, "its versions could not be read ({})", index_error(error)),
        }
    }
}

fn index_error(error: &IndexError) -> String {
    match error {
        IndexError::NotFound => "not found".into(),
        IndexError::Fetch(error) => error.describe("the index"),
        IndexError::Malformed(message) => format!("unreadable answer: {message}"),
        IndexError::NoMetadata(message) | IndexError::NotAsked(message) => message.clone(),
    }
}

/// Counts of one resolution's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResolveStats {
    /// PubGrub runs (a run stops when it needs something that has not arrived, and starts again once it has).
    pub runs: u32,
    /// Project pages asked for.
    pub project_requests: u32,
    /// Metadata files asked for.
    pub metadata_requests: u32,
    /// Answers that were fetched ahead and never used by the resolution.
    pub unused_answers: u32,
}

impl Resolution {
    /// True when a resolution exists and every package's dependencies were resolved: the whole tree is audited.
    pub fn is_complete(&self) -> bool {
        self.failure.is_none() && self.not_resolved.is_empty()
    }

    /// The resolved set as a `requirements.txt`, laid out as `uv pip compile` writes it: one `name==version` a line,
    /// by name, each with its `# via` comments (the input's files first, then the packages that require it). The
    /// header says what it was resolved for and what could not be resolved.
    pub fn requirements_txt(&self) -> String {
        let mut text = format!("# Resolved by osv-lens for {}", self.target);
        if let Some(day) = self.as_of {
            text.push_str(&format!(", as of {day} (files uploaded after that day, UTC, left out)"));
        }
        text.push('\n');
        if let Some(failure) = &self.failure {
            text.push_str("# No resolution:\n");
            for line in failure {
                text.push_str(&format!("#   {line}\n"));
            }
        }
        for gap in &self.not_resolved {
            text.push_str(&format!("# Not resolved: {gap}\n"));
        }
        for package in &self.packages {
            text.push_str(&format!("{}=={}\n", package.name, package.version));
            let mut via: Vec<(bool, String)> =
                package.parents.iter().map(|parent| (matches!(parent, Parent::Package { .. }), parent.via())).collect();
            crate::sorting::sort(&mut via);
            via.dedup();
            match via.as_slice() {
                [] => {}
                [(_, one)] => text.push_str(&format!("    # via {one}\n")),
                many => {
                    text.push_str("    # via\n");
                    for (_, parent) in many {
                        text.push_str(&format!("    #   {parent}\n"));
                    }
                }
            }
        }
        text
    }
}
