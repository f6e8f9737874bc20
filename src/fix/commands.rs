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

/// The fix plans of `file`'s dependencies, each with its dependency, in the file's order.
pub fn plans_of(file: &crate::report::FileReport) -> Vec<(&Dependency, &FixPlan)> {
    file.dependencies.iter().filter_map(|row| row.fix.as_ref().map(|plan| (&row.dependency, plan))).collect()
}

/// How to apply the fix plans of `file`, whose text is `text`: what its fix panel offers, with the parents the
/// worker found blocking a fix.
pub fn file_fix_of(file: &crate::report::FileReport, text: &str) -> FileFix {
    let plans = plans_of(file);
    let facts = file.facts.as_deref();
    let blocked_by =
        |name: &str| facts?.parent(name).filter(|parent| parent.alone == "false").map(|parent| parent.parent);
    file_fix(file.format, &file.name, text, &plans, &blocked_by)
}

/// How to apply `plans` (each with its dependency) to the file `file_name` of `format`, whose text is `text`.
/// `blocked_by` names the parent whose requirement forbids a package's fix ([`crate::graph::parents`]): a tool's
/// command then upgrades that parent instead.
pub fn file_fix<'p>(
    format: Format,
    file_name: &str,
    text: &str,
    plans: &[(&Dependency, &FixPlan)],
    blocked_by: &dyn Fn(&str) -> Option<&'p str>,
) -> FileFix {
    let with_target: Vec<(&Dependency, &FixPlan)> =
        plans.iter().copied().filter(|(_, plan)| plan.target.is_some()).collect();
    if with_target.is_empty() {
        return FileFix::Nothing;
    }
    if format == Format::RequirementsTxt {
        if let Some(step) = compiled_step(text, &with_target, blocked_by) {
            return FileFix::Steps(vec![step]);
        }
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
    if format == Format::UvLock {
        // One command for the whole lockfile: uv resolves the upgrades together.
        let command = upgrade_command("uv lock", "--upgrade-package", &with_target, blocked_by);
        return FileFix::Steps(vec![FixCommand {
            package: packages(&with_target),
            command: Some(command),
            note: None,
        }]);
    }
    let steps =
        with_target.iter().map(|(dependency, plan)| step(format, file_name, dependency, plan, blocked_by)).collect();
    FileFix::Steps(steps)
}

fn packages(plans: &[(&Dependency, &FixPlan)]) -> String {
    plans.iter().map(|(dependency, _)| dependency.name.as_str()).collect::<Vec<_>>().join(" ")
}

/// `base` followed by `flag name==target` for each plan, or `flag parent` for a package its parent blocks.
fn upgrade_command<'p>(
    base: &str,
    flag: &str,
    plans: &[(&Dependency, &FixPlan)],
    blocked_by: &dyn Fn(&str) -> Option<&'p str>,
) -> String {
    let mut command = base.to_string();
    for (dependency, plan) in plans {
        let target = plan.target.as_ref().map(ToString::to_string).unwrap_or_default();
        let upgrade = match blocked_by(&dependency.name) {
            Some(parent) => format!(" {flag} {parent}"),
            None => format!(" {flag} {}=={target}", dependency.name),
        };
        if !command.contains(&upgrade) {
            command.push_str(&upgrade);
        }
    }
    command
}

/// For a requirements file written by `uv pip compile` or `pip-compile` (its header says so): the compiler's own
/// command, from the header when it names it, with one upgrade flag per package. Patching such a file by hand
/// would drop its hashes and leave the rest of the resolution stale.
fn compiled_step<'p>(
    text: &str,
    plans: &[(&Dependency, &FixPlan)],
    blocked_by: &dyn Fn(&str) -> Option<&'p str>,
) -> Option<FixCommand> {
    let header: Vec<&str> = text.lines().take_while(|line| line.starts_with('#')).take(12).collect();
    let (tool, flag) = if header.iter().any(|line| line.contains("autogenerated by uv")) {
        ("uv pip compile", "--upgrade-package")
    } else if header.iter().any(|line| line.contains("autogenerated by pip-compile")) {
        ("pip-compile", "-P")
    } else {
        return None;
    };
    let written = header.iter().map(|line| line.trim_start_matches('#').trim()).find(|line| line.starts_with(tool));
    let command = upgrade_command(written.unwrap_or(tool), flag, plans, blocked_by);
    let note = format!("this file was written by `{tool}`: compile it again rather than edit it, so its hashes and pins stay consistent");
    Some(FixCommand { package: packages(plans), command: Some(command), note: Some(note) })
}

/// What to run and know for one package of a file of `format`. `{name}`, `{target}`, `{requirement}` and `{file}`
/// stand for the package, its target version, its new requirement and the file name.
fn templates(format: Format) -> (Option<&'static str>, Option<&'static str>) {
    match format {
        // `file_fix` gives a uv.lock one command for all its packages.
        Format::UvLock | Format::RequirementsTxt => (None, None),
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
        Format::Resolution => (
            None,
            Some("`{name}` is installed by what the files require: raise it with a constraint (`{requirement}`), or upgrade the package that requires it"),
        ),
    }
}

fn step<'p>(
    format: Format,
    file_name: &str,
    dependency: &Dependency,
    plan: &FixPlan,
    blocked_by: &dyn Fn(&str) -> Option<&'p str>,
) -> FixCommand {
    let name = dependency.name.as_str();
    // The command upgrades the parent that blocks the fix, when one does; the note still speaks of the package.
    let upgraded = blocked_by(name).unwrap_or(name);
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
    let command = command.map(|template| fill(&template.replace("{name}", upgraded)));
    FixCommand { package: name.to_string(), command, note: note.map(fill) }
}
