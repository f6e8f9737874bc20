//! What the worker tells the page about an audit's lockfiles once the index phase ends: which packages install only
//! on other environments than the target ([`super::environments`]), and whether each vulnerable transitive package
//! can be upgraded alone ([`super::parents`]). The page asks with a [`GraphQuestion`] and keeps the answer as plain
//! lines of text, read when a row or a fix block is drawn: its code stays small, the work stays in the worker.

use serde::{Deserialize, Serialize};

use crate::audit::ResolveJob;
use crate::environment::TargetEnvironment;
use crate::report::Report;
use crate::sources::{Format, InputFile, ParsedInput};

/// What the page asks the worker about its lockfiles.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GraphQuestion {
    /// The files whose graphs or markers there is something to learn from, and the target environment.
    pub job: ResolveJob,
    /// One line per vulnerable package a file's project does not name: `file \t package \t version to move to`.
    pub fixes: Vec<String>,
}

/// The worker's answer, as lines: `env \t file \t ±name==version …` (the packages of a file evaluated for the
/// target: `+` installs there, `-` only elsewhere) and `parent \t file \t package \t alone \t parent \t parent-to \t command \t
/// sentence`.
#[derive(Debug, Clone, Default)]
pub struct GraphFacts {
    /// The lines.
    pub lines: Vec<String>,
    /// The `env` lines read once, by file: each package key (`name==version`) and whether it installs on the target.
    /// Every card and row of a report asks; scanning a lock's line of hundreds of keys each time took milliseconds.
    envs: std::cell::OnceCell<std::collections::HashMap<String, std::collections::HashMap<String, bool>>>,
}

impl PartialEq for GraphFacts {
    fn eq(&self, other: &Self) -> bool {
        self.lines == other.lines
    }
}

impl Eq for GraphFacts {}

impl From<Vec<String>> for GraphFacts {
    fn from(lines: Vec<String>) -> Self {
        Self { lines, envs: std::cell::OnceCell::new() }
    }
}

/// One `parent` line, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParentLine<'a> {
    /// `true`, `false` or `unknown`.
    pub alone: &'a str,
    /// The parent that blocks the upgrade; empty when none does.
    pub parent: &'a str,
    /// That parent's lowest release that allows a fixed version; empty when none is known.
    pub parent_to: &'a str,
    /// The lockfile tool's command; empty when its tool has none.
    pub command: &'a str,
    /// The sentence.
    pub sentence: &'a str,
}

impl GraphFacts {
    /// `target` or `other` for the package `name` at `version` of `file`; `None` when its markers were not read
    /// or the project's packages do not reach it.
    pub fn env(&self, file: &str, name: &str, version: &str) -> Option<&'static str> {
        let envs = self.envs.get_or_init(|| {
            let mut envs: std::collections::HashMap<String, std::collections::HashMap<String, bool>> =
                std::collections::HashMap::new();
            for line in &self.lines {
                let Some((file, keys)) = line.strip_prefix("env\t").and_then(|rest| rest.split_once('\t')) else {
                    continue;
                };
                // A file's first line counts.
                if envs.contains_key(file) {
                    continue;
                }
                let file = envs.entry(file.to_string()).or_default();
                for token in keys.split(' ') {
                    if let Some(key) = token.get(1..) {
                        file.entry(key.to_string()).or_insert(!token.starts_with('-'));
                    }
                }
            }
            envs
        });
        let on_target = *envs.get(file)?.get(&format!("{name}=={version}"))?;
        Some(if on_target { "target" } else { "other" })
    }

    /// The parent check of `package`, from the first file that has one.
    pub fn parent(&self, package: &str) -> Option<ParentLine<'_>> {
        self.lines.iter().find_map(|line| {
            let mut fields = line.strip_prefix("parent\t")?.split('\t').skip(1);
            if fields.next()? != package {
                return None;
            }
            let mut next = || fields.next().unwrap_or_default();
            Some(ParentLine { alone: next(), parent: next(), parent_to: next(), command: next(), sentence: next() })
        })
    }
}

/// Whether a file of `format` has markers or parents' requirements to read.
fn worth_asking(format: Format) -> bool {
    is_lock(format) || format == Format::RequirementsTxt
}

/// Whether a file of `format` is a lock whose markers the worker reads whatever the report (a compiled requirements
/// file is asked about only for its vulnerable transitive packages).
pub fn is_lock(format: Format) -> bool {
    matches!(format, Format::UvLock | Format::PoetryLock | Format::PdmLock | Format::PyLock)
}

/// The question for an audit of `input` whose report is `report`, for `target`; `None` when it has nothing to ask
/// (no lockfile, no vulnerable transitive package of a compiled requirements file).
pub fn question(input: &ParsedInput, report: &Report, target: TargetEnvironment) -> Option<GraphQuestion> {
    let package_fixes = crate::report::package_fixes(report);
    let mut question = GraphQuestion { job: ResolveJob { target, ..ResolveJob::default() }, fixes: Vec::new() };
    for (file, parsed) in report.files.iter().zip(&input.files) {
        if !worth_asking(file.format) {
            continue;
        }
        // A lock's markers are read with or without edges (a pylock.toml may list none); parents need the graph.
        let graph = file.graph.as_deref();
        let before = question.fixes.len();
        for row in &file.dependencies {
            let name = &row.dependency.name;
            let node = graph.and_then(|graph| graph.node(name));
            let transitive = node.is_some_and(|node| !node.is_direct() && !node.via.is_empty());
            let to = package_fixes.iter().find(|fix| fix.package == *name).and_then(|fix| fix.to.as_deref());
            if let (true, Some(to)) = (transitive, to) {
                question.fixes.push(format!("{}\t{name}\t{to}", file.name));
            }
        }
        if question.fixes.len() > before || is_lock(file.format) {
            question.job.files.push(InputFile::new(file.name.clone(), parsed.text.to_string()));
        }
    }
    (!question.job.files.is_empty()).then_some(question)
}

/// The question asked before OSV or the index has answered: where each lockfile's packages install (no fixes yet).
pub fn environments_question(input: &ParsedInput, target: TargetEnvironment) -> Option<GraphQuestion> {
    question(input, &crate::report::build(input, &crate::audit::Lookups::default()), target)
}

/// The worker's answer to `question`, asking `source` (the package index; `None` when off) what the locks do not
/// record.
pub async fn answer<S: crate::resolve::PackageSource>(question: &GraphQuestion, source: Option<&S>) -> GraphFacts {
    let input = crate::sources::parse_files(&question.job.files);
    let project_names = super::project_names(&input);
    let target = &question.job.target;
    let mut lines = Vec::new();
    for file in &input.files {
        if let Some(statuses) = super::environments::environments(file, project_names.as_deref(), target) {
            let keys: Vec<String> = statuses
                .into_iter()
                .map(|(key, here)| format!("{}{}", if here { '+' } else { '-' }, key.replacen(' ', "==", 1)))
                .collect();
            lines.push(format!("env\t{}\t{}", file.name, keys.join(" ")));
        }
        let Some(graph) = file.graph.get_or_init(|| super::of_file(file, project_names.as_deref())) else { continue };
        // The packages are checked together: each may read a dozen metadata files, and the client bounds how many
        // requests are in flight.
        let checks = question.fixes.iter().filter_map(|fix| {
            let mut fields = fix.split('\t');
            let (name, package, to) = (fields.next()?, fields.next()?, fields.next()?);
            (name == file.name).then_some((package, to))
        });
        let checks = checks.map(|(package, to)| {
            let graph = &graph;
            async move { (package, super::parents::check(file, graph, package, to, source, target).await) }
        });
        for (package, check) in futures::future::join_all(checks).await {
            lines.push(format!(
                "parent\t{}\t{package}\t{}\t{}\t{}\t{}\t{}",
                file.name,
                check.alone.as_str(),
                check.parent.unwrap_or_default(),
                check.parent_to.unwrap_or_default(),
                check.command.unwrap_or_default(),
                check.sentence
            ));
        }
    }
    GraphFacts::from(lines)
}
