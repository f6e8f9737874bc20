//! Which packages of a lockfile install only on other environments than the target: their markers (on the edges
//! that require them, or on the package itself) are false there. uv.lock and pdm.lock write PEP 508 markers on
//! their edges, poetry.lock on its dependency tables, pylock.toml and pdm.lock on the packages; a uv.lock fork (two
//! versions of one package, each for its environments) is told apart by version.
//!
//! A package is "other" when the roots reach it through the file's edges in some environment, but not through
//! edges (and packages) whose markers hold for the target. Run in the worker: the page never evaluates markers.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::requirement_name;
use crate::environment::TargetEnvironment;
use crate::model::normalize_name;
use crate::sources::pep508::{parse_marker, written_marker};
use crate::sources::toml_doc::{self, Table};
use crate::sources::{Format, ParsedFile};

/// A package of the lock: its name, version and own marker.
#[derive(Debug, Default)]
struct Package {
    name: String,
    version: String,
    marker: Option<String>,
}

/// An edge to `name` (at `version` when the lock says, for forks), under `marker`.
#[derive(Debug)]
struct Edge {
    name: String,
    version: Option<String>,
    marker: Option<String>,
}

/// The lock's packages, the edges out of each, and the project's own edges when the lock records them.
#[derive(Debug, Default)]
struct MarkedGraph {
    packages: Vec<Package>,
    edges: Vec<Vec<Edge>>,
    roots: Option<Vec<Edge>>,
}

/// Every package of `file` the project's packages reach in some environment, as a `name version` key, with whether
/// it installs on `target` (`false`: only on other environments); `None` when its format carries no markers to read.
/// `project_names` are the names a given pyproject.toml requires.
pub fn environments(
    file: &ParsedFile,
    project_names: Option<&[String]>,
    target: &TargetEnvironment,
) -> Option<BTreeMap<String, bool>> {
    let mut graph = match file.format {
        Format::UvLock => read(&file.text, "package", uv_edges)?,
        Format::PoetryLock => read(&file.text, "package", poetry_edges)?,
        Format::PdmLock => read(&file.text, "package", pdm_edges)?,
        Format::PyLock => read(&file.text, "packages", |table| {
            (named_edges(toml_doc::get_array(table, "dependencies")).collect(), None)
        })?,
        _ => return None,
    };
    if graph.roots.is_none() {
        graph.roots = project_names.map(|names| names.iter().map(|name| unmarked(name)).collect());
    }
    let holds = |marker: &Option<String>| {
        marker.as_deref().is_none_or(|text| parse_marker(text).map_or(true, |tree| target.admits(&tree, &[])))
    };
    let here = graph.reach(&holds);
    let statuses = graph.reach(&|_| true).into_iter().map(|index| {
        let package = &graph.packages[index];
        (format!("{} {}", package.name, package.version), here.contains(&index))
    });
    Some(statuses.collect())
}

/// The packages of `file` that install only on other environments than `target` ([`environments`]).
pub fn other_environments(
    file: &ParsedFile,
    project_names: Option<&[String]>,
    target: &TargetEnvironment,
) -> Option<BTreeSet<String>> {
    let statuses = environments(file, project_names, target)?;
    Some(statuses.into_iter().filter(|(_, here)| !here).map(|(key, _)| key).collect())
}

fn unmarked(name: &str) -> Edge {
    Edge { name: normalize_name(name), version: None, marker: None }
}

impl MarkedGraph {
    /// The packages an edge points at: the one of its version, else every package of its name.
    fn targets<'a>(&'a self, edge: &'a Edge) -> impl Iterator<Item = usize> + 'a {
        self.packages.iter().enumerate().filter_map(move |(index, package)| {
            (package.name == edge.name && edge.version.as_ref().is_none_or(|version| *version == package.version))
                .then_some(index)
        })
    }

    /// The packages reached from the roots through edges and packages whose markers `holds` accepts.
    fn reach(&self, holds: &dyn Fn(&Option<String>) -> bool) -> BTreeSet<usize> {
        let mut reached = BTreeSet::new();
        let mut queue = VecDeque::new();
        let visit = |index: usize, queue: &mut VecDeque<usize>, reached: &mut BTreeSet<usize>| {
            if holds(&self.packages[index].marker) && reached.insert(index) {
                queue.push_back(index);
            }
        };
        match &self.roots {
            Some(roots) => {
                for edge in roots.iter().filter(|edge| holds(&edge.marker)) {
                    for index in self.targets(edge) {
                        visit(index, &mut queue, &mut reached);
                    }
                }
            }
            None => {
                let required: BTreeSet<&str> = self.edges.iter().flatten().map(|edge| edge.name.as_str()).collect();
                for (index, package) in self.packages.iter().enumerate() {
                    if !required.contains(package.name.as_str()) {
                        visit(index, &mut queue, &mut reached);
                    }
                }
            }
        }
        while let Some(parent) = queue.pop_front() {
            for edge in self.edges[parent].iter().filter(|edge| holds(&edge.marker)) {
                for index in self.targets(edge).collect::<Vec<_>>() {
                    visit(index, &mut queue, &mut reached);
                }
            }
        }
        reached
    }
}

/// What one package table says: its edges, and whether it is the project itself (then they are the roots).
type Read = (Vec<Edge>, Option<bool>);

/// The lock's `[[array]]` packages with the edges `edges_of` reads from each; `None` when it is not TOML.
fn read(text: &str, array: &str, edges_of: impl Fn(&Table<'_>) -> Read) -> Option<MarkedGraph> {
    let document = toml::de::DeTable::parse(text).ok()?;
    let mut graph = MarkedGraph::default();
    for table in toml_doc::get_array(document.get_ref(), array).iter().filter_map(|item| item.get_ref().as_table()) {
        let Some(name) = toml_doc::get_str(table, "name") else { continue };
        let (edges, own) = edges_of(table);
        if own == Some(true) {
            graph.roots.get_or_insert_with(Vec::new).extend(edges);
            continue;
        }
        // pdm.lock and pylock.toml write a package's own condition as `marker`, poetry as `markers`.
        let marker = toml_doc::get_str(table, "marker").or_else(|| toml_doc::get_str(table, "markers"));
        graph.packages.push(Package {
            name: normalize_name(name),
            version: toml_doc::get_str(table, "version").unwrap_or_default().to_string(),
            marker: marker.map(str::to_string),
        });
        graph.edges.push(edges);
    }
    Some(graph)
}

fn named_edges<'a>(items: &'a [toml_doc::Value<'_>]) -> impl Iterator<Item = Edge> + 'a {
    items.iter().filter_map(|item| item.get_ref().as_table()).filter_map(|table| {
        Some(Edge {
            name: normalize_name(toml_doc::get_str(table, "name")?),
            version: toml_doc::get_str(table, "version").map(str::to_string),
            marker: toml_doc::get_str(table, "marker").map(str::to_string),
        })
    })
}

/// uv.lock: `dependencies`, `optional-dependencies` and `dev-dependencies`, each `{ name, version?, marker? }`.
fn uv_edges(table: &Table<'_>) -> Read {
    let own = toml_doc::get_table(table, "source")
        .is_some_and(|source| ["virtual", "editable"].iter().any(|key| toml_doc::get_str(source, key) == Some(".")));
    let mut edges: Vec<Edge> = named_edges(toml_doc::get_array(table, "dependencies")).collect();
    for section in ["optional-dependencies", "dev-dependencies"] {
        for (_, items) in toml_doc::get_table(table, section).into_iter().flat_map(|section| section.iter()) {
            edges.extend(named_edges(items.get_ref().as_array().map_or(&[][..], |array| array)));
        }
    }
    (edges, Some(own))
}

/// poetry.lock: `[package.dependencies]`, a constraint string or a table with `markers` (or a list of such tables,
/// one per environment: the edge holds where any of them does).
fn poetry_edges(table: &Table<'_>) -> Read {
    let mut edges = Vec::new();
    for (name, value) in toml_doc::get_table(table, "dependencies").into_iter().flat_map(|table| table.iter()) {
        let name = normalize_name(name.get_ref());
        let markers: Vec<Option<String>> = match value.get_ref() {
            toml::de::DeValue::Table(entry) => vec![toml_doc::get_str(entry, "markers").map(str::to_string)],
            toml::de::DeValue::Array(entries) => entries
                .iter()
                .filter_map(|entry| entry.get_ref().as_table())
                .map(|entry| toml_doc::get_str(entry, "markers").map(str::to_string))
                .collect(),
            _ => vec![None],
        };
        let marker = if markers.iter().any(Option::is_none) {
            None
        } else {
            let joined: Vec<String> = markers.into_iter().flatten().map(|marker| format!("({marker})")).collect();
            (!joined.is_empty()).then(|| joined.join(" or "))
        };
        edges.push(Edge { name, version: None, marker });
    }
    (edges, None)
}

/// pdm.lock: `dependencies` as PEP 508 strings, with their markers.
fn pdm_edges(table: &Table<'_>) -> Read {
    let edges = toml_doc::get_array(table, "dependencies")
        .iter()
        .filter_map(|item| item.get_ref().as_str())
        .filter_map(|requirement| {
            let name = requirement_name(requirement)?;
            Some(Edge { name, version: None, marker: written_marker(requirement).map(str::to_string) })
        })
        .collect();
    (edges, None)
}
