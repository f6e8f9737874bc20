//! A resolution as the page receives it from the package-index worker, and what it does to the input: the ranges
//! and names the files wrote become the versions resolved for them, and the packages they pulled in are added, so
//! that the audit covers the whole tree.
//!
//! The set is plain data (it crosses from the worker with serde); building it and applying it are pure and tested on
//! the host. Nothing here resolves: [`super::resolve`] does, in the worker.

use serde::{Deserialize, Serialize};

use crate::environment::TargetEnvironment;
use crate::model::{Dependency, DependencyVersion, Origin, SkipReason};
use crate::sources::{Format, ParsedFile, ParsedInput};

use super::output::{Parent, Resolution};
use super::request::is_declaration;

/// The name of the report's section for the packages the resolution added.
pub const PULLED_IN: &str = "installed with them (resolved)";

/// What the resolver found, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResolvedSet {
    /// The Python version and platform it was resolved for.
    pub target: TargetEnvironment,
    /// The "as of" day (`YYYY-MM-DD`), when one was given.
    pub as_of: Option<String>,
    /// The package index it read.
    pub index: String,
    /// Every resolved package, by name.
    pub packages: Vec<ResolvedRow>,
    /// What could not be resolved, one sentence each (`docopt 0.6.2: only a source distribution installs here; …`).
    pub not_resolved: Vec<String>,
    /// The names of the packages whose version or dependencies are unknown.
    pub not_resolved_names: Vec<String>,
    /// Why no resolution exists, one sentence a line, when none does.
    pub failure: Option<Vec<String>>,
    /// The resolved set as a `requirements.txt` with `# via` comments.
    pub requirements_txt: String,
}

/// One resolved package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedRow {
    /// The PEP 503 name.
    pub name: String,
    /// The resolved version.
    pub version: String,
    /// The extras asked of it.
    pub extras: Vec<String>,
    /// True when the input names it.
    pub named: bool,
    /// The packages of the resolution that require it (PEP 503 names), without the input's files.
    pub required_by: Vec<String>,
}

impl ResolvedSet {
    /// The resolution in a sentence, for the report and its exports: "Resolved for CPython 3.12 on Linux x86_64
    /// from https://pypi.org, as of 2025-06-01".
    pub fn described(&self) -> String {
        let day = self.as_of.as_ref().map(|day| format!(", as of {day}")).unwrap_or_default();
        format!("Resolved for {} from {}{day}", self.target, self.index)
    }

    /// The set for `resolution`, read from `index`.
    pub fn of(resolution: &Resolution, index: &str) -> Self {
        let packages = resolution
            .packages
            .iter()
            .map(|package| {
                let mut required_by: Vec<String> = package
                    .parents
                    .iter()
                    .filter_map(|parent| match parent {
                        Parent::Package { name, .. } => Some(name.to_string()),
                        Parent::Input { .. } | Parent::Constraint { .. } => None,
                    })
                    .collect();
                crate::sorting::sort(&mut required_by);
                required_by.dedup();
                ResolvedRow {
                    name: package.name.to_string(),
                    version: package.version.to_string(),
                    extras: package.extras.iter().map(ToString::to_string).collect(),
                    named: package.named,
                    required_by,
                }
            })
            .collect();
        let mut not_resolved_names: Vec<String> =
            resolution.not_resolved.iter().map(|gap| gap.name.to_string()).collect();
        not_resolved_names.dedup();
        Self {
            target: resolution.target,
            as_of: resolution.as_of.map(|day| day.to_string()),
            index: index.to_string(),
            packages,
            not_resolved: resolution.not_resolved.iter().map(ToString::to_string).collect(),
            not_resolved_names,
            failure: resolution.failure.clone(),
            requirements_txt: resolution.requirements_txt(),
        }
    }

    /// The graph of the resolution: each package's parents as the resolver recorded them, named directly when the
    /// input names it.
    pub fn graph(&self) -> crate::graph::Graph {
        crate::graph::Graph::of_rows(
            self.packages.iter().map(|row| (row.name.as_str(), row.named, row.required_by.as_slice())),
        )
    }

    /// True when a resolution exists and every package's dependencies were resolved.
    pub fn is_complete(&self) -> bool {
        self.failure.is_none() && self.not_resolved.is_empty()
    }

    fn find(&self, name: &str) -> Option<&ResolvedRow> {
        self.packages.iter().find(|row| row.name == name)
    }

    /// `input` as the resolution installs it. In each file that declares what to install, every dependency the
    /// resolution has becomes a pin at the resolved version, keeping what the file wrote
    /// ([`Dependency::resolved_from`]); one whose marker leaves it out of the target is skipped with that reason.
    /// The packages the resolution added follow in a section of their own ([`PULLED_IN`]). Without a resolution
    /// (`failure`), the input is returned as it is.
    pub fn apply_to(&self, input: &ParsedInput) -> ParsedInput {
        let mut applied = input.clone();
        if self.failure.is_some() {
            return applied;
        }
        let mut named_in_files: Vec<&str> = Vec::new();
        let graph = crate::graph::GraphCell::holding(Some(std::rc::Rc::new(self.graph())));
        for file in applied.files.iter_mut().filter(|file| is_declaration(file.format) && !file.constraints_only) {
            file.graph = graph.clone();
            for dependency in file.dependencies.iter_mut().filter(|dependency| dependency.is_auditable()) {
                match self.find(&dependency.name) {
                    Some(row) => {
                        if let Ok(version) = row.version.parse() {
                            dependency.resolved_from = Some(dependency.version_text());
                            dependency.version = DependencyVersion::Pinned(version);
                            dependency.written_specifier = None;
                            named_in_files.push(&row.name);
                        }
                    }
                    // Unresolved names keep what the file wrote; a name the resolver left out of the target (its
                    // marker does not hold there) is not installed.
                    None if !self.not_resolved_names.contains(&dependency.name) && dependency.marker.is_some() => {
                        let marker = dependency.marker.clone().unwrap_or_default();
                        dependency.version =
                            DependencyVersion::Skipped(SkipReason::NotForTarget(format!("{marker}; {}", self.target)));
                    }
                    None => {}
                }
            }
        }
        let mut pulled_in = ParsedFile::new(PULLED_IN, Format::Resolution);
        pulled_in.graph = graph;
        for row in self.packages.iter().filter(|row| !named_in_files.contains(&row.name.as_str())) {
            let Ok(version) = row.version.parse() else { continue };
            let mut dependency =
                Dependency::named(row.name.clone(), DependencyVersion::Pinned(version), Origin::new(PULLED_IN, 0, 0));
            dependency.extras.clone_from(&row.extras);
            pulled_in.dependencies.push(dependency);
        }
        if !pulled_in.dependencies.is_empty() {
            applied.files.push(pulled_in);
        }
        applied
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::sources::{parse_files, InputFile};

    fn set(packages: &[(&str, &str, bool)]) -> ResolvedSet {
        ResolvedSet {
            packages: packages
                .iter()
                .map(|(name, version, named)| ResolvedRow {
                    name: (*name).into(),
                    version: (*version).into(),
                    extras: Vec::new(),
                    named: *named,
                    required_by: Vec::new(),
                })
                .collect(),
            ..ResolvedSet::default()
        }
    }

    #[test]
    fn ranges_become_resolved_pins_and_the_pulled_in_packages_follow() {
        let input = parse_files(&[InputFile::new(
            "requirements.in",
            "flask>=3.0\nrequests\npywin32 ; sys_platform == 'win32'\n-e ./local\n",
        )]);
        let resolved = set(&[("flask", "3.1.0", true), ("requests", "2.32.3", true), ("werkzeug", "3.1.3", false)]);
        let applied = resolved.apply_to(&input);
        let rows: Vec<(String, String, Option<String>)> = applied.files[0]
            .dependencies
            .iter()
            .map(|row| (row.name.clone(), row.version_text(), row.resolved_from.clone()))
            .collect();
        assert_eq!(
            rows,
            [
                ("flask".into(), "3.1.0".into(), Some(">=3.0".into())),
                ("requests".into(), "2.32.3".into(), Some("*".into())),
                ("pywin32".into(), String::new(), None),
                ("./local".into(), String::new(), None),
            ]
        );
        assert!(matches!(
            &applied.files[0].dependencies[2].version,
            DependencyVersion::Skipped(SkipReason::NotForTarget(why)) if why.contains("win32")
        ));
        assert_eq!(applied.files[1].name, PULLED_IN);
        assert_eq!(applied.files[1].format, Format::Resolution);
        let pulled: Vec<String> = applied.files[1].dependencies.iter().map(|row| row.version_text()).collect();
        assert_eq!(pulled, ["3.1.3"]);
        assert_eq!(applied.files[1].dependencies[0].name, "werkzeug");
    }

    #[test]
    fn without_a_resolution_the_input_stays_as_written_and_unresolved_names_keep_their_range() {
        let input =
            parse_files(&[InputFile::new("requirements.in", "flask>=3.0\nprivate-thing>=1 ; python_version > '3'\n")]);
        let failed = ResolvedSet { failure: Some(vec!["Because …".into()]), ..set(&[("flask", "3.1.0", true)]) };
        assert_eq!(failed.apply_to(&input), input);
        let partial = ResolvedSet {
            not_resolved: vec!["private-thing: not found on the index".into()],
            not_resolved_names: vec!["private-thing".into()],
            ..set(&[("flask", "3.1.0", true)])
        };
        let applied = partial.apply_to(&input);
        assert_eq!(applied.files[0].dependencies[1].version_text(), ">=1");
        assert!(!partial.is_complete());
        assert_eq!(applied.files.len(), 1, "nothing was pulled in");
        let _ = Rc::new(applied);
    }

    #[test]
    fn lockfiles_are_left_as_they_are() {
        let lock = "version = 1\nrevision = 3\nrequires-python = \">=3.12\"\n\n[[package]]\nname = \"flask\"\nversion = \"2.0.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
        let input = parse_files(&[InputFile::new("uv.lock", lock)]);
        let applied = set(&[("flask", "3.1.0", true)]).apply_to(&input);
        assert_eq!(applied.files[0].dependencies[0].version_text(), "2.0.0");
    }
}
