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

/// What to run and know for one package of a file of `format`. `{name}`, `{target}`, `{requirement}` and `{file}`
/// stand for the package, its target version, its new requirement and the file name.
fn templates(format: Format) -> (Option<&'static str>, Option<&'static str>) {
    match format {
        Format::UvLock => (Some("uv lock --upgrade-package {name}=={target}"), None),
        Format::PoetryLock => (
            Some("poetry update {name}"),
            Some("`poetry update` stays inside pyproject.toml's constraint; if that excludes `{target}`, run `poetry add \"{name}>={target}\"` instead"),
        ),
        Format::PdmLock => (
            Some("pdm update {name}"),
            Some("`pdm update` stays inside pyproject.toml's constraint; if that excludes `{target}`, run `pdm add \"{name}>={target}\"` instead"),
        ),
        Format::PipfileLock => (Some("pipenv upgrade {name}=={target}"), None),
        Format::PyLock => (
            None,
            Some("pylock.toml is written by a locker (`pip lock`, `uv export --format pylock.toml`, `pdm export --format pylock`): require `{name}>={target}` where the lock comes from, and lock again"),
        ),
        Format::PyprojectToml => (
            Some("uv add \"{requirement}\""),
            Some("or change the requirement of `{name}` in `{file}` to `{requirement}` by hand"),
        ),
        Format::Pep723Script => (
            Some("uv add --script {file} \"{requirement}\""),
            Some("or change `{name}` in the script's `# /// script` block to `{requirement}`"),
        ),
        Format::CondaEnvironment => (None, Some("change `{name}` in the `pip:` section of `{file}` to `{requirement}`")),
        Format::PipList | Format::PipInspect => {
            (Some("pip install \"{name}=={target}\""), Some("in the environment this list was taken from"))
        }
        Format::CycloneDx | Format::Spdx => (
            None,
            Some("an SBOM describes a build: upgrade `{name}` to `{target}` in the project it describes, then generate the SBOM again"),
        ),
        Format::RequirementsTxt => (None, None),
        Format::Resolution => (
            None,
            Some("`{name}` is installed by what the files require: raise it with a constraint (`{requirement}`), or upgrade the package that requires it"),
        ),
    }
}

fn step(format: Format, file_name: &str, dependency: &Dependency, plan: &FixPlan) -> FixCommand {
    let name = dependency.name.as_str();
    let target = plan.target.as_ref().map(ToString::to_string).unwrap_or_default();
    let requirement = format!("{name}{}", plan.new_specifier.as_deref().unwrap_or_default());
    let fill = |template: &str| {
        template
            .replace("{name}", name)
            .replace("{target}", &target)
            .replace("{requirement}", &requirement)
            .replace("{file}", file_name)
    };
    let (command, note) = templates(format);
    FixCommand { package: name.to_string(), command: command.map(fill), note: note.map(fill) }
}
