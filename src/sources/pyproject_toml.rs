//! `pyproject.toml`: the dependencies a project declares.
//!
//! Read, each as PEP 508 requirement strings unless said otherwise:
//! - PEP 621 `[project] dependencies` and `[project.optional-dependencies]` (the group is the extra's name). When
//!   `dynamic` names them, the build backend supplies them and a note says so.
//! - PEP 735 `[dependency-groups]`, with `{include-group = "…"}` resolved: a requirement is listed once, where it is
//!   written, with every group that includes it. An include cycle or an unknown group is an error at the include.
//! - Poetry's `[tool.poetry.dependencies]` (group `main`; `python` is the interpreter, not a package),
//!   `[tool.poetry.group.<name>.dependencies]` and the legacy `dev-dependencies`, in Poetry's constraint syntax
//!   (see [`poetry_constraint`](super::poetry_constraint)); `git`, `path` and `url` dependencies are skipped with
//!   the reason. An optional Poetry dependency also gets the `[tool.poetry.extras]` that name it as groups.
//! - uv's legacy `[tool.uv] dev-dependencies` and PDM's `[tool.pdm.dev-dependencies]`.
//!
//! These are declarations, not locks, so most dependencies are ranges; an exact `==` pin is pinned.

use std::collections::{BTreeMap, HashMap};

use toml::de::DeValue;

use super::locator::Locator;
use super::poetry_constraint::poetry_constraint_to_pep440;
use super::toml_doc::{self, Table, Value};
use super::{entry, Format, NoteLevel, ParsedFile, SourceNote};
use crate::model::{normalize_name, DependencyVersion, SkipReason};

/// Parses a `pyproject.toml`.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    let mut parsed = ParsedFile::new(file_name, Format::PyprojectToml);
    let locator = Locator::new(file_name, text);
    let document = match toml_doc::parse(text, &locator) {
        Ok(document) => document,
        Err(error) => {
            parsed.errors.push(error);
            return parsed;
        }
    };
    let root = document.get_ref();
    let mut reader = ManifestReader { source: text, locator: &locator, parsed: &mut parsed };
    let mut sections = 0;
    if let Some(project) = toml_doc::get_table(root, "project") {
        sections += 1;
        reader.project(project);
    }
    if let Some(groups) = toml_doc::get_table(root, "dependency-groups") {
        sections += 1;
        reader.dependency_groups(groups);
    }
    let tool = toml_doc::get_table(root, "tool");
    if let Some(poetry) = tool.and_then(|tool| toml_doc::get_table(tool, "poetry")) {
        sections += 1;
        reader.poetry(poetry);
    }
    if let Some(uv) = tool.and_then(|tool| toml_doc::get_table(tool, "uv")) {
        if let Some(list) = toml_doc::get(uv, "dev-dependencies") {
            sections += 1;
            reader.requirement_list(list, "tool.uv.dev-dependencies", &["dev".to_string()]);
        }
    }
    if let Some(pdm_dev) = tool
        .and_then(|tool| toml_doc::get_table(tool, "pdm"))
        .and_then(|pdm| toml_doc::get_table(pdm, "dev-dependencies"))
    {
        sections += 1;
        for (group, list) in toml_doc::entries_in_file_order(pdm_dev) {
            reader.requirement_list(list, &format!("tool.pdm.dev-dependencies.{group}"), &[group.to_string()]);
        }
    }
    if sections == 0 {
        reader.note(
            0,
            NoteLevel::Info,
            "no dependencies declared: no `[project]`, `[dependency-groups]` or `[tool.poetry]` table",
        );
    }
    crate::sorting::sort_by_key(&mut parsed.dependencies, |dependency| {
        (dependency.origin.line, dependency.origin.column)
    });
    crate::sorting::sort_by_key(&mut parsed.errors, |error| (error.line, error.column));
    parsed
}

/// Reads lists of requirements into a [`ParsedFile`]. Shared with inline script metadata (PEP 723), whose TOML is
/// derived from the comment block of a `.py` file.
pub(crate) struct ManifestReader<'a> {
    /// The TOML text that was parsed (spans point into it).
    pub source: &'a str,
    /// Maps spans of `source` to the file.
    pub locator: &'a Locator<'a>,
    /// Where dependencies, errors and notes go.
    pub parsed: &'a mut ParsedFile,
}

impl ManifestReader<'_> {
    fn note(&mut self, offset: usize, level: NoteLevel, message: impl Into<String>) {
        self.parsed.notes.push(SourceNote { origin: self.locator.origin(offset), level, message: message.into() });
    }

    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.parsed.errors.push(self.locator.error(start, end, message));
    }

    /// A dependency that could not be read: skipped with `message`, which is also reported as an error.
    fn invalid(&mut self, name: &str, at: &Value<'_>, message: String, groups: &[String]) {
        let span = at.span();
        self.error(span.start, span.end, message.clone());
        let origin = self.locator.origin(span.start);
        self.parsed.dependencies.push(entry::skipped(name, SkipReason::InvalidEntry(message), origin, groups.to_vec()));
    }

    /// Reads `list`, which should be an array of PEP 508 strings, with every dependency in `groups`.
    pub(crate) fn requirement_list(&mut self, list: &Value<'_>, what: &str, groups: &[String]) {
        let Some(items) = list.get_ref().as_array() else {
            let message = format!("`{what}` is {}, not an array of requirement strings", list.get_ref().type_str());
            self.error(list.span().start, list.span().end, message);
            return;
        };
        for item in items.iter() {
            self.requirement_item(item, what, groups);
        }
    }

    fn requirement_item(&mut self, item: &Value<'_>, what: &str, groups: &[String]) {
        let Some(text) = item.get_ref().as_str() else {
            let message = format!("an item of `{what}` is {}, not a requirement string", item.get_ref().type_str());
            self.invalid(&format!("{what} item"), item, message, groups);
            return;
        };
        let start = item.span().start;
        let read = entry::requirement(text, self.locator.origin(start), groups.to_vec());
        if let Some(problem) = read.problem {
            let (error_start, error_end) = match toml_doc::string_content_start(self.source, start, text) {
                Some(content) => (content + problem.start, content + problem.end.max(problem.start + 1)),
                None => (start, item.span().end),
            };
            self.error(error_start, error_end, problem.message);
        }
        self.parsed.dependencies.push(read.dependency);
    }

    fn project(&mut self, project: &Table<'_>) {
        let dynamic: Vec<String> = toml_doc::get_strings(project, "dynamic");
        for field in ["dependencies", "optional-dependencies"] {
            if dynamic.iter().any(|name| name == field) {
                let at = toml_doc::key_start(project, "dynamic", 0);
                let message =
                    format!("`project.{field}` is dynamic: the build backend supplies it, so it is not in this file");
                self.note(at, NoteLevel::Warning, message);
            }
        }
        if let Some(list) = toml_doc::get(project, "dependencies") {
            self.requirement_list(list, "project.dependencies", &[]);
        }
        if let Some(extras) = toml_doc::get_table(project, "optional-dependencies") {
            for (extra, list) in toml_doc::entries_in_file_order(extras) {
                self.requirement_list(list, &format!("project.optional-dependencies.{extra}"), &[extra.to_string()]);
            }
        }
    }

    fn dependency_groups(&mut self, table: &Table<'_>) {
        let groups = toml_doc::entries_in_file_order(table);
        let index: HashMap<String, usize> =
            groups.iter().enumerate().map(|(at, (name, _))| (normalize_name(name), at)).collect();
        // For each group, the groups it includes, with the include's value for error positions.
        let mut includes: Vec<Vec<(usize, &Value<'_>)>> = vec![Vec::new(); groups.len()];
        for (at, (name, list)) in groups.iter().enumerate() {
            let Some(items) = list.get_ref().as_array() else {
                let message = format!("`dependency-groups.{name}` is {}, not an array", list.get_ref().type_str());
                self.error(list.span().start, list.span().end, message);
                continue;
            };
            for item in items.iter() {
                let Some(include) = item.get_ref().as_table() else { continue };
                match toml_doc::get_str(include, "include-group") {
                    Some(target) => match index.get(&normalize_name(target)) {
                        Some(&target) => includes[at].push((target, item)),
                        None => {
                            let message =
                                format!("dependency group `{name}` includes `{target}`, which does not exist");
                            self.error(item.span().start, item.span().end, message);
                        }
                    },
                    None => {
                        let message =
                            format!("an item of `dependency-groups.{name}` is a table without `include-group`");
                        self.invalid(&format!("dependency-groups.{name} item"), item, message, &[name.to_string()]);
                    }
                }
            }
        }
        for (from, to, item) in include_cycles(&includes) {
            let message = format!(
                "dependency group `{}` includes `{}`, which includes `{}` again: the groups form a cycle",
                groups[from].0, groups[to].0, groups[from].0
            );
            self.error(item.span().start, item.span().end, message);
        }
        let member_of = groups_including(&includes);
        for (at, (name, list)) in groups.iter().enumerate() {
            let Some(items) = list.get_ref().as_array() else { continue };
            let names: Vec<String> = member_of[at].iter().map(|&group| groups[group].0.to_string()).collect();
            for item in items.iter().filter(|item| !item.get_ref().is_table()) {
                self.requirement_item(item, &format!("dependency-groups.{name}"), &names);
            }
        }
    }

    fn poetry(&mut self, poetry: &Table<'_>) {
        let extras = poetry_extras(poetry);
        if let Some(dependencies) = toml_doc::get_table(poetry, "dependencies") {
            self.poetry_dependencies(dependencies, "main", &extras);
        }
        if let Some(dependencies) = toml_doc::get_table(poetry, "dev-dependencies") {
            self.poetry_dependencies(dependencies, "dev", &extras);
        }
        if let Some(groups) = toml_doc::get_table(poetry, "group") {
            for (group, table) in toml_doc::entries_in_file_order(groups) {
                if let Some(dependencies) =
                    table.get_ref().as_table().and_then(|table| toml_doc::get_table(table, "dependencies"))
                {
                    self.poetry_dependencies(dependencies, group, &extras);
                }
            }
        }
    }

    fn poetry_dependencies(&mut self, table: &Table<'_>, group: &str, extras: &BTreeMap<String, Vec<String>>) {
        let mut entries: Vec<_> =
            table.iter().map(|(key, value)| (key.span().start, key.get_ref().as_ref(), value)).collect();
        crate::sorting::sort_by_key(&mut entries, |(start, ..)| *start);
        for (key_start, name, value) in entries {
            if name.eq_ignore_ascii_case("python") {
                continue;
            }
            let mut groups = vec![group.to_string()];
            match value.get_ref() {
                DeValue::Array(constraints) => {
                    for constraint in constraints.iter() {
                        if let Some(optional) =
                            self.poetry_dependency(name, constraint, constraint.span().start, &groups)
                        {
                            self.add_extras(optional, name, extras);
                        }
                    }
                }
                _ => {
                    if is_optional(value) {
                        groups.extend(extras.get(&normalize_name(name)).cloned().unwrap_or_default());
                    }
                    self.poetry_dependency(name, value, key_start, &groups);
                }
            }
        }
    }

    /// The extras of an optional dependency written as one of several constraints are added after the fact.
    fn add_extras(&mut self, dependency_index: usize, name: &str, extras: &BTreeMap<String, Vec<String>>) {
        if let Some(dependency) = self.parsed.dependencies.get_mut(dependency_index) {
            dependency.groups.extend(extras.get(&normalize_name(name)).cloned().unwrap_or_default());
        }
    }

    /// Reads one Poetry dependency (a constraint string or a table). Returns the index of the dependency when it is
    /// optional.
    fn poetry_dependency(
        &mut self,
        name: &str,
        value: &Value<'_>,
        origin_at: usize,
        groups: &[String],
    ) -> Option<usize> {
        let origin = self.locator.origin(origin_at);
        let (constraint, constraint_value) = match value.get_ref() {
            DeValue::String(constraint) => (constraint.as_ref(), value),
            DeValue::Table(table) => {
                if let Some(reason) = poetry_source_skip_reason(table) {
                    self.parsed.dependencies.push(entry::skipped(name, reason, origin, groups.to_vec()));
                    return is_optional(value).then(|| self.parsed.dependencies.len() - 1);
                }
                match toml_doc::get(table, "version") {
                    Some(version) => match version.get_ref().as_str() {
                        Some(constraint) => (constraint, version),
                        None => {
                            let message =
                                format!("the `version` of `{name}` is {}, not a string", version.get_ref().type_str());
                            self.invalid(name, version, message, groups);
                            return None;
                        }
                    },
                    None => ("*", value),
                }
            }
            other => {
                let message = format!("the dependency `{name}` is {}, not a constraint or a table", other.type_str());
                self.invalid(name, value, message, groups);
                return None;
            }
        };
        match poetry_constraint_to_pep440(constraint) {
            Ok(alternatives) => {
                let single = alternatives.len() == 1;
                for specifiers in alternatives {
                    let version = entry::version_from_specifiers(specifiers);
                    let mut dependency = entry::dependency(name, version, origin.clone(), groups.to_vec());
                    if single && matches!(dependency.version, DependencyVersion::Range(_)) {
                        dependency.written_specifier = Some(constraint.trim().to_string());
                    }
                    self.parsed.dependencies.push(dependency);
                }
            }
            Err(error) => {
                let span = constraint_value.span();
                self.error(span.start, span.end, error.to_string());
                let reason = SkipReason::InvalidEntry(error.to_string());
                self.parsed.dependencies.push(entry::skipped(name, reason, origin, groups.to_vec()));
            }
        }
        is_optional(value).then(|| self.parsed.dependencies.len() - 1)
    }
}

fn is_optional(value: &Value<'_>) -> bool {
    value.get_ref().as_table().and_then(|table| toml_doc::get_bool(table, "optional")) == Some(true)
}

fn poetry_source_skip_reason(table: &Table<'_>) -> Option<SkipReason> {
    if let Some(git) = toml_doc::get_str(table, "git") {
        let reference = ["rev", "tag", "branch"].iter().find_map(|key| toml_doc::get_str(table, key));
        return Some(SkipReason::Vcs(match reference {
            Some(reference) => format!("git+{git}@{reference}"),
            None => format!("git+{git}"),
        }));
    }
    if let Some(path) = toml_doc::get_str(table, "path") {
        return Some(SkipReason::LocalPath(path.to_string()));
    }
    toml_doc::get_str(table, "url").map(|url| SkipReason::Url(url.to_string()))
}

/// `[tool.poetry.extras]`: for each normalised package name, the extras that name it.
fn poetry_extras(poetry: &Table<'_>) -> BTreeMap<String, Vec<String>> {
    let mut extras: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(table) = toml_doc::get_table(poetry, "extras") {
        for (extra, packages) in toml_doc::entries_in_file_order(table) {
            let packages = packages.get_ref().as_array().map_or(&[][..], |array| array);
            for package in packages.iter().filter_map(|package| package.get_ref().as_str()) {
                // An extra may name a package with its own extras or markers (`pkg[x]`); the name is what matters.
                let name = package.split(|c: char| !(c.is_alphanumeric() || "-_.".contains(c))).next().unwrap_or("");
                extras.entry(normalize_name(name)).or_default().push(extra.to_string());
            }
        }
    }
    extras
}

/// The include edges that close a cycle, as (from, to, the include's value), found by a depth-first search that
/// keeps its stack on the heap.
fn include_cycles<'a, 'i>(includes: &[Vec<(usize, &'a Value<'i>)>]) -> Vec<(usize, usize, &'a Value<'i>)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut marks = vec![Mark::New; includes.len()];
    let mut cycles = Vec::new();
    for start in 0..includes.len() {
        if marks[start] != Mark::New {
            continue;
        }
        marks[start] = Mark::Open;
        let mut stack = vec![(start, 0)];
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            if let Some(&(target, item)) = includes[node].get(*next) {
                *next += 1;
                match marks[target] {
                    Mark::New => {
                        marks[target] = Mark::Open;
                        stack.push((target, 0));
                    }
                    Mark::Open => cycles.push((node, target, item)),
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    cycles
}

/// For each group, the groups whose members it is part of: itself and every group that includes it, directly or
/// not, in file order.
fn groups_including(includes: &[Vec<(usize, &Value<'_>)>]) -> Vec<Vec<usize>> {
    let mut included_by: Vec<Vec<usize>> = vec![Vec::new(); includes.len()];
    for (from, targets) in includes.iter().enumerate() {
        for &(to, _) in targets {
            included_by[to].push(from);
        }
    }
    (0..includes.len())
        .map(|group| {
            let mut seen = vec![false; includes.len()];
            seen[group] = true;
            let mut queue = vec![group];
            while let Some(next) = queue.pop() {
                for &parent in &included_by[next] {
                    if !seen[parent] {
                        seen[parent] = true;
                        queue.push(parent);
                    }
                }
            }
            (0..includes.len()).filter(|&at| seen[at]).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests;
