//! The dependency graph: which package of a file requires which, read from what the file itself records.
//!
//! Each format that records edges has a reader in [`lockfile`] (uv.lock, poetry.lock, pdm.lock, pylock.toml),
//! [`via_comments`] (pip-compile, `uv pip compile` and `uv export` output) or [`sbom`] (CycloneDX, SPDX); a
//! resolution's graph comes from the resolver ([`crate::resolve::ResolvedSet::graph`]). [`Graph::new`] then finds,
//! for every package, the shortest path from a package the project names directly. A format that records no edges
//! gets no graph: the report says so rather than guess.

pub mod environments;
pub mod facts;
mod lockfile;
pub mod parents;
mod sbom;
mod via_comments;

#[cfg(test)]
mod tests;

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

use crate::sources::{Format, ParsedFile, ParsedInput};

/// How a file's graph knows what the project names directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roots {
    /// The file (or a project file given with it) names them.
    Project,
    /// Nothing names them: the packages no other package requires are taken as named directly.
    Inferred,
}

/// Where one package sits in the graph.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Node {
    /// The packages of the file that require it, in any environment (PEP 503 names, sorted); never the project.
    pub via: Vec<String>,
    /// The packages it requires (sorted).
    pub requires: Vec<String>,
    /// 0 when the project names it, else its shortest distance from such a package; `None` when unreached.
    pub depth: Option<u32>,
    /// A shortest path from a package the project names to this one, both included (`[fastapi, starlette, anyio]`;
    /// `[fastapi]` for a package named directly); empty when unreached.
    pub path: Vec<String>,
}

impl Node {
    /// True when the project names the package directly.
    pub fn is_direct(&self) -> bool {
        self.depth == Some(0)
    }
}

/// The graph of one file's packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    /// Every package, by PEP 503 name.
    pub nodes: BTreeMap<String, Node>,
    /// How the directly named packages are known.
    pub roots: Roots,
}

/// The edges a reader found.
#[derive(Debug, Default)]
pub struct Edges {
    /// `(parent, child)` pairs of PEP 503 names.
    pub pairs: Vec<(String, String)>,
    /// The packages the project names, when the file says (`None` when it does not).
    pub roots: Option<Vec<String>>,
}

impl Graph {
    /// The graph over `packages` with `edges` between them (edges naming another package are dropped), named
    /// directly: `roots`, or when `None`, the packages nothing requires.
    pub fn new<'a>(packages: impl IntoIterator<Item = &'a str>, edges: Edges) -> Self {
        let mut nodes: BTreeMap<String, Node> =
            crate::sorting::map_of(packages.into_iter().map(|name| (name.to_string(), Node::default())));
        let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
        for (parent, child) in edges.pairs {
            if parent != child && nodes.contains_key(&parent) && nodes.contains_key(&child) {
                pairs.insert((parent, child));
            }
        }
        for (parent, child) in &pairs {
            if let Some(node) = nodes.get_mut(parent) {
                node.requires.push(child.clone());
            }
            if let Some(node) = nodes.get_mut(child) {
                node.via.push(parent.clone());
            }
        }
        let (roots, kind) = match edges.roots {
            Some(roots) => (roots, Roots::Project),
            None => {
                let unrequired = nodes.iter().filter(|(_, node)| node.via.is_empty()).map(|(name, _)| name.clone());
                (unrequired.collect(), Roots::Inferred)
            }
        };
        // Breadth first from the roots in name order, children in name order: the path found is the first shortest.
        let mut queue = VecDeque::new();
        let mut roots: Vec<String> = roots.into_iter().filter(|name| nodes.contains_key(name)).collect();
        crate::sorting::sort(&mut roots);
        roots.dedup();
        for root in roots {
            let node = nodes.get_mut(&root).expect("kept above");
            node.depth = Some(0);
            node.path = vec![root.clone()];
            queue.push_back(root);
        }
        while let Some(name) = queue.pop_front() {
            let (depth, path, requires) = {
                let node = &nodes[&name];
                (node.depth.unwrap_or(0) + 1, node.path.clone(), node.requires.clone())
            };
            for child in requires {
                let node = nodes.get_mut(&child).expect("edges join known nodes");
                if node.depth.is_none() {
                    node.depth = Some(depth);
                    node.path = path.iter().cloned().chain([child.clone()]).collect();
                    queue.push_back(child);
                }
            }
        }
        Self { nodes, roots: kind }
    }

    /// Where `name` sits, when it is in the graph.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.get(name)
    }

    /// The graph a resolution's rows describe: each row's `required_by`, named directly when the input names it.
    pub fn of_rows<'a>(rows: impl IntoIterator<Item = (&'a str, bool, &'a [String])> + Clone) -> Self {
        let pairs = rows
            .clone()
            .into_iter()
            .flat_map(|(name, _, parents)| parents.iter().map(move |parent| (parent.clone(), name.to_string())))
            .collect();
        let roots = rows.clone().into_iter().filter(|(_, named, _)| *named).map(|(name, _, _)| name.to_string());
        let edges = Edges { pairs, roots: Some(roots.collect()) };
        Self::new(rows.into_iter().map(|(name, _, _)| name), edges)
    }
}

/// A file's graph, made when the report first needs it and shared by the file's copies. It is a cache of what the
/// file's text says, so it takes no part in comparisons.
#[derive(Debug, Clone, Default)]
pub struct GraphCell(Rc<OnceCell<Option<Rc<Graph>>>>);

impl GraphCell {
    /// The graph, made by `make` the first time.
    pub fn get_or_init(&self, make: impl FnOnce() -> Option<Graph>) -> Option<Rc<Graph>> {
        self.0.get_or_init(|| make().map(Rc::new)).clone()
    }

    /// A cell that already holds `graph` (a resolution's, known before any file is read for it).
    pub fn holding(graph: Option<Rc<Graph>>) -> Self {
        Self(Rc::new(OnceCell::from(graph)))
    }
}

impl PartialEq for GraphCell {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for GraphCell {}

/// The graph of `file`, from what it records; `None` when its format records no edges (or this one has none).
/// `project_names` are the names a project file given with it requires (a `pyproject.toml`), if any.
pub fn of_file(file: &ParsedFile, project_names: Option<&[String]>) -> Option<Graph> {
    let text = &*file.text;
    let edges = match file.format {
        Format::UvLock => lockfile::uv_lock(text),
        Format::PoetryLock => lockfile::poetry_lock(text),
        Format::PdmLock => lockfile::pdm_lock(text),
        Format::PyLock => lockfile::pylock(text),
        Format::RequirementsTxt => via_comments::read(text, &file.name, &file.dependencies),
        Format::CycloneDx => sbom::cyclonedx(text),
        Format::Spdx => sbom::spdx(text),
        // What the project itself requires: every entry is named directly.
        Format::PyprojectToml | Format::Pep723Script => {
            let roots = file.dependencies.iter().map(|dependency| dependency.name.clone()).collect();
            Some(Edges { pairs: Vec::new(), roots: Some(roots) })
        }
        _ => None,
    }?;
    let mut edges = edges;
    if edges.roots.is_none() {
        edges.roots = project_names.map(<[String]>::to_vec);
    }
    // No edge and nothing named: the file records no graph (a lock without `dependencies`, a plain requirements file).
    if edges.pairs.is_empty() && edges.roots.is_none() {
        return None;
    }
    // The project's own package requires and is never required: it is not a node.
    let own = |dependency: &&crate::model::Dependency| {
        dependency.version == crate::model::DependencyVersion::Skipped(crate::model::SkipReason::OwnProject)
    };
    let packages = file.dependencies.iter().filter(|dependency| !own(dependency));
    Some(Graph::new(packages.map(|dependency| dependency.name.as_str()), edges))
}

/// Makes the graph of every file of `input` that has none yet, as the report would when it first needs them: the
/// page calls it while idle after reading an input, so that a lock's graph (a second read of its TOML) is not made in
/// the middle of an audit.
pub fn prepare(input: &ParsedInput) {
    let project_names = project_names(input);
    for file in &input.files {
        file.graph.get_or_init(|| of_file(file, project_names.as_deref()));
    }
}

/// The names the input's project files require (every `pyproject.toml` given), when there is one.
pub fn project_names(input: &ParsedInput) -> Option<Vec<String>> {
    let mut projects = input.files.iter().filter(|file| file.format == Format::PyprojectToml).peekable();
    projects.peek()?;
    Some(projects.flat_map(|file| file.dependencies.iter().map(|dependency| dependency.name.clone())).collect())
}

/// One sentence for a file whose format records no edges, or whose graph infers what is named directly.
pub fn note(format: Format, graph: Option<&Graph>) -> Option<String> {
    match graph {
        None if format == Format::Resolution => None,
        None => Some(format!(
            "This {} records no dependency edges, so which package requires which is not shown.",
            format.label()
        )),
        Some(graph) if graph.roots == Roots::Inferred => Some(
            "The file does not say what the project names directly: the packages no other package requires are \
             taken as named directly (give the pyproject.toml with the lock to know)."
                .to_string(),
        ),
        Some(_) => None,
    }
}

/// The PEP 503 name at the start of a PEP 508 requirement or a Poetry entry (`Sphinx (>=7)`, `idna>=2.8; …`).
pub(crate) fn requirement_name(requirement: &str) -> Option<String> {
    let requirement = requirement.trim_start();
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    (end > 0).then(|| crate::model::normalize_name(&requirement[..end]))
}
