//! How to apply the fix plans of one file: a patched requirements file, or the commands of the tool that owns the
//! file. Lockfiles are never rewritten by hand: their hashes and resolution belong to the tool that wrote them.

use super::requirements::{patch_requirements, NewSpecifier, PatchedFile, SpecifierEdit};
use super::{Current, FixPlan};
use crate::model::Dependency;
use crate::sources::Format;

/// A step that applies one package's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixCommand {
    /// The package.
    pub package: String,
    /// A command to run, when one applies.
    pub command: Option<String>,
    /// What to do or know besides.
    pub note: Option<String>,
}

/// How to fix one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileFix {
    /// Nothing to do: no plan of this file has a target.
    Nothing,
    /// A requirements file, patched.
    Patched(PatchedFile),
    /// Steps for the tool that owns the file.
    Steps(Vec<FixCommand>),
}

/// How to apply `plans` (each with its dependency) to the file `file_name` of `format`, whose text is `text`.
pub fn file_fix(format: Format, file_name: &str, text: &str, plans: &[(&Dependency, &FixPlan)]) -> FileFix {
    let with_target: Vec<(&Dependency, &FixPlan)> =
        plans.iter().copied().filter(|(_, plan)| plan.target.is_some()).collect();
    if with_target.is_empty() {
        return FileFix::Nothing;
    }
    if format == Format::RequirementsTxt {
        let edits: Vec<SpecifierEdit> = with_target
            .iter()
            .map(|(dependency, plan)| {
                let target = plan.target.clone().expect("only plans with a target");
                let new = match plan.current {
                    Current::Pinned(_) => NewSpecifier::Pin(target),
                    Current::Range(_) => NewSpecifier::LowerBound(target),
                };
                SpecifierEdit { line: dependency.origin.line, column: dependency.origin.column, new }
            })
            .collect();
        return FileFix::Patched(patch_requirements(text, &edits));
    }
    let steps = with_target.iter().map(|(dependency, plan)| step(format, file_name, dependency, plan)).collect();
    FileFix::Steps(steps)
}

fn step(format: Format, file_name: &str, dependency: &Dependency, plan: &FixPlan) -> FixCommand {
    let name = &dependency.name;
    let target = plan.target.as_ref().expect("only plans with a target");
    let requirement = format!("{name}{}", plan.new_specifier.as_deref().unwrap_or_default());
    let (command, note) = match format {
        Format::UvLock => (Some(format!("uv lock --upgrade-package {name}=={target}")), None),
        Format::PoetryLock => (
            Some(format!("poetry update {name}")),
            Some(format!(
                "`poetry update` stays inside pyproject.toml's constraint; if that excludes `{target}`, run \
                 `poetry add \"{name}>={target}\"` instead"
            )),
        ),
        Format::PdmLock => (
            Some(format!("pdm update {name}")),
            Some(format!(
                "`pdm update` stays inside pyproject.toml's constraint; if that excludes `{target}`, run \
                 `pdm add \"{name}>={target}\"` instead"
            )),
        ),
        Format::PipfileLock => (Some(format!("pipenv upgrade {name}=={target}")), None),
        Format::PyLock => (
            None,
            Some(format!(
                "pylock.toml is written by a locker (`pip lock`, `uv export --format pylock.toml`, `pdm export \
                 --format pylock`): require `{name}>={target}` where the lock comes from and lock again"
            )),
        ),
        Format::PyprojectToml => (
            Some(format!("uv add \"{requirement}\"")),
            Some(format!("or change the requirement of `{name}` in `{file_name}` to `{requirement}` by hand")),
        ),
        Format::Pep723Script => (
            Some(format!("uv add --script {file_name} \"{requirement}\"")),
            Some(format!("or change `{name}` in the script's `# /// script` block to `{requirement}`")),
        ),
        Format::CondaEnvironment => {
            (None, Some(format!("change `{name}` in the `pip:` section of `{file_name}` to `{requirement}`")))
        }
        Format::PipList | Format::PipInspect => (
            Some(format!("pip install \"{name}=={target}\"")),
            Some("in the environment this list was taken from".to_string()),
        ),
        Format::CycloneDx | Format::Spdx => (
            None,
            Some(format!(
                "an SBOM describes a build: upgrade `{name}` to `{target}` in the project it describes, then \
                 generate the SBOM again"
            )),
        ),
        Format::RequirementsTxt => (None, None),
    };
    FixCommand { package: name.clone(), command, note }
}
