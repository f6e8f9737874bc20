//! The resolver's view of the index for one PubGrub run: versions to choose, each version's dependencies, and the
//! order in which packages are decided (uv's). Everything it reads has already arrived; when something has not,
//! it stops the run and says what it needs (see [`super::driver`]).

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::rc::Rc;

use pep508_rs::pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerEnvironment, PackageName, VersionOrUrl};
use pubgrub::{Dependencies, DependencyProvider, PackageResolutionStatistics, Ranges};

use crate::environment::{PythonVersion, TargetEnvironment};
use crate::index::{CoreMetadata, DistFile, IndexError};
use crate::resolve::candidates::{python_admits, Availability, Candidates};
use crate::resolve::node::{root_version, Node};
use crate::resolve::request::{InputRequirement, Request};
use crate::resolve::tags::TagRanks;

/// After this many conflicts a package is decided before the packages that were found before it (uv's threshold).
const CONFLICTS_BEFORE_DECIDING_EARLY: u32 = 5;

/// What has arrived from the index.
#[derive(Debug, Default)]
pub(crate) struct Known {
    /// Each project's versions for the target, or why there are none.
    pub projects: HashMap<PackageName, Result<Rc<Candidates>, IndexError>>,
    /// Each version's core metadata, or why there is none.
    pub metadata: HashMap<(PackageName, Version), Result<Rc<CoreMetadata>, IndexError>>,
}

/// What a run needs that has not arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Want {
    /// A project's page.
    Project(PackageName),
    /// A version's metadata, read from this file.
    Metadata(PackageName, Version, Box<DistFile>),
}

impl Want {
    /// What it is an answer for: a project, or a project at a version.
    pub(crate) fn key(&self) -> (PackageName, Option<Version>) {
        match self {
            Self::Project(name) => (name.clone(), None),
            Self::Metadata(name, version, _) => (name.clone(), Some(version.clone())),
        }
    }
}

/// The error that stops a run: something it needs has not arrived.
#[derive(Debug)]
pub(crate) struct Missing(pub Want);

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "waiting for {:?}", self.0)
    }
}

impl std::error::Error for Missing {}

/// Why a version cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// Every file is yanked and no exact pin names it (PEP 592).
    Yanked(String),
    /// Its `Requires-Python` excludes the target.
    RequiresPython(VersionSpecifiers, PythonVersion),
    /// No file installs on the target.
    NoCompatibleFile(TargetEnvironment),
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Yanked(reason) if reason.is_empty() => f.write_str("was yanked"),
            Self::Yanked(reason) => write!(f, "was yanked (reason: {reason})"),
            Self::RequiresPython(specifiers, python) => {
                write!(f, "requires Python {specifiers}, but the target is Python {python}")
            }
            Self::NoCompatibleFile(target) => write!(f, "has no wheel for {target} and no source distribution"),
        }
    }
}

/// Why the dependencies of a resolved package, or a required package, are not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotResolved {
    /// Only a source distribution installs on the target: its dependencies are known only from a build, which the
    /// page cannot run.
    NeedsBuild,
    /// Its core metadata could not be read.
    NoMetadata(IndexError),
    /// Its project page could not be read (not on the index, or the index could not be reached).
    NoProject(IndexError),
}

/// One thing a run found it could not resolve: a package (at a version, when it has one) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Gap {
    pub name: PackageName,
    pub version: Option<Version>,
    pub reason: NotResolved,
    /// Who required it, for a package whose project could not be read.
    pub required_by: Option<Node>,
}

/// One dependency edge: `node` in `range`, because of `requirement`.
#[derive(Debug, Clone)]
pub(crate) struct Edge {
    pub node: Node,
    pub range: Ranges<Version>,
    /// The requirement as the parent writes it (`urllib3<3,>=1.21.1`), or the input's requirement.
    pub requirement: String,
    /// The input requirement behind a root edge or a constraint.
    pub input: Option<Rc<InputRequirement>>,
    /// True for an edge added by a `-c` constraint.
    pub constraint: bool,
}

/// What does not change between runs: the request, read once.
#[derive(Debug)]
pub(crate) struct Context {
    pub target: TargetEnvironment,
    pub markers: MarkerEnvironment,
    pub tags: TagRanks,
    pub cutoff: Option<i64>,
    /// The input requirements that apply on the target.
    pub requirements: Vec<Rc<InputRequirement>>,
    /// The constraints that apply on the target, by name.
    pub constraints: HashMap<PackageName, Vec<Rc<InputRequirement>>>,
    /// Versions pinned exactly by the input: used even when yanked.
    pub allowed_yanks: HashSet<(PackageName, Version)>,
    /// Packages whose input requirement or constraint names a pre-release: pre-releases are candidates.
    pub explicit_prereleases: HashSet<PackageName>,
}

impl Context {
    pub(crate) fn new(request: &Request) -> Self {
        let markers = request.target.markers();
        let applies = |requirement: &&InputRequirement| requirement.marker.evaluate(&markers, &[]);
        let requirements: Vec<Rc<InputRequirement>> =
            request.requirements.iter().filter(applies).cloned().map(Rc::new).collect();
        let mut constraints: HashMap<PackageName, Vec<Rc<InputRequirement>>> = HashMap::new();
        for constraint in request.constraints.iter().filter(applies) {
            constraints.entry(constraint.name.clone()).or_default().push(Rc::new(constraint.clone()));
        }
        let mut allowed_yanks = HashSet::new();
        let mut explicit_prereleases = HashSet::new();
        for requirement in
            requirements.iter().map(AsRef::as_ref).chain(constraints.values().flatten().map(AsRef::as_ref))
        {
            for specifier in requirement.specifiers.iter() {
                if specifier.version().any_prerelease() {
                    explicit_prereleases.insert(requirement.name.clone());
                }
            }
            if requirement.is_exact_pin() {
                if let Some(specifier) = requirement.specifiers.iter().next() {
                    allowed_yanks.insert((requirement.name.clone(), specifier.version().clone()));
                }
            }
        }
        Self {
            target: request.target,
            tags: TagRanks::new(&request.target),
            markers,
            cutoff: request.as_of.map(|day| day.cutoff()),
            requirements,
            constraints,
            allowed_yanks,
            explicit_prereleases,
        }
    }

    /// The version a run would choose for `name` in `range`, among `candidates`: the highest, pre-releases only
    /// when the input asks for one or the project has no final release.
    pub(crate) fn choose<'c>(
        &self,
        name: &PackageName,
        candidates: &'c Candidates,
        range: &Ranges<Version>,
    ) -> Option<&'c Version> {
        let prereleases = !candidates.has_stable || self.explicit_prereleases.contains(name);
        candidates
            .versions
            .iter()
            .map(|candidate| &candidate.version)
            .filter(|version| prereleases || !version.any_prerelease())
            .find(|version| range.contains(version))
    }

    /// The first version a run would use for `name` in `range` and the wheel its dependencies come from, skipping
    /// the versions it would find unusable: what to fetch ahead of the run.
    pub(crate) fn likely(
        &self,
        name: &PackageName,
        candidates: &Candidates,
        range: &Ranges<Version>,
    ) -> Option<(Version, DistFile)> {
        let mut range = range.clone();
        while let Some(version) = self.choose(name, candidates, &range).cloned() {
            let candidate = candidates.get(&version)?;
            let allowed = candidate.yanked.is_none() || self.allowed_yanks.contains(&(name.clone(), version.clone()));
            match &candidate.availability {
                Availability::Wheel(file) if allowed => return Some((version, (**file).clone())),
                Availability::NeedsBuild if allowed => return None,
                _ => range = range.intersection(&Ranges::singleton(version).complement()),
            }
        }
        None
    }

    /// The range a constraint set allows for `name` (every version when unconstrained).
    pub(crate) fn constraint_range(&self, name: &PackageName) -> Ranges<Version> {
        self.constraints
            .get(name)
            .into_iter()
            .flatten()
            .fold(Ranges::full(), |range, constraint| range.intersection(&Ranges::from(constraint.specifiers.clone())))
    }
}

/// uv's order of decisions: the input first, then exact pins, then packages that conflicted often, then the rest,
/// each in the order they were found; the extras of a project right after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Priority {
    /// Found in order, nothing special.
    Found(Reverse<usize>),
    /// Rejected often: decided before the rest.
    Conflicting(Reverse<usize>),
    /// Required at exactly one version.
    Singleton(Reverse<usize>),
    /// The input.
    Root,
}

#[derive(Debug, Default)]
struct Priorities {
    by_name: HashMap<PackageName, Priority>,
    found: HashMap<Node, u32>,
}

impl Priorities {
    fn insert(&mut self, node: &Node, range: &Ranges<Version>) {
        let count = u32::try_from(self.found.len()).unwrap_or(u32::MAX);
        self.found.entry(node.clone()).or_insert(count);
        let Some(name) = node.name() else { return };
        let next = self.by_name.len();
        let singleton = range.as_singleton().is_some();
        match self.by_name.get_mut(name) {
            Some(priority) => {
                let index = match *priority {
                    Priority::Found(Reverse(index))
                    | Priority::Conflicting(Reverse(index))
                    | Priority::Singleton(Reverse(index)) => index,
                    Priority::Root => return,
                };
                if singleton {
                    *priority = (*priority).max(Priority::Singleton(Reverse(index)));
                }
            }
            None => {
                let priority =
                    if singleton { Priority::Singleton(Reverse(next)) } else { Priority::Found(Reverse(next)) };
                self.by_name.insert(name.clone(), priority);
            }
        }
    }

    fn get(&self, node: &Node, conflicts: u32) -> (Priority, Reverse<u32>) {
        let found = Reverse(self.found.get(node).copied().unwrap_or(u32::MAX));
        let Some(name) = node.name() else { return (Priority::Root, found) };
        let priority = self.by_name.get(name).copied().unwrap_or(Priority::Found(Reverse(usize::MAX)));
        match priority {
            Priority::Found(index) if conflicts >= CONFLICTS_BEFORE_DECIDING_EARLY => {
                (Priority::Conflicting(index), found)
            }
            other => (other, found),
        }
    }
}

/// One PubGrub run over what has arrived.
pub(crate) struct Provider<'a> {
    context: &'a Context,
    known: &'a Known,
    priorities: RefCell<Priorities>,
    gaps: RefCell<Vec<Gap>>,
}

impl<'a> Provider<'a> {
    pub(crate) fn new(context: &'a Context, known: &'a Known) -> Self {
        let mut priorities = Priorities::default();
        priorities.insert(&Node::Root, &Ranges::full());
        Self { context, known, priorities: RefCell::new(priorities), gaps: RefCell::new(Vec::new()) }
    }

    /// What the run found it could not resolve.
    pub(crate) fn gaps(&self) -> Vec<Gap> {
        self.gaps.borrow().clone()
    }

    fn gap(&self, gap: Gap) {
        let mut gaps = self.gaps.borrow_mut();
        if !gaps.contains(&gap) {
            gaps.push(gap);
        }
    }

    fn candidates(&self, name: &PackageName) -> Result<Option<&'a Rc<Candidates>>, Missing> {
        match self.known.projects.get(name) {
            None => Err(Missing(Want::Project(name.clone()))),
            Some(Ok(candidates)) => Ok(Some(candidates)),
            Some(Err(_)) => Ok(None),
        }
    }

    /// The dependency edges of `node` at `version`, or why the version cannot be used.
    pub(crate) fn edges(&self, node: &Node, version: &Version) -> Result<Result<Vec<Edge>, Unusable>, Missing> {
        let (name, extra) = match node {
            Node::Root => return Ok(Ok(self.root_edges())),
            Node::Project(name) => (name, None),
            Node::Extra(name, extra) => (name, Some(extra)),
        };
        let Some(candidates) = self.candidates(name)? else { return Ok(Ok(Vec::new())) };
        let Some(candidate) = candidates.get(version) else { return Ok(Ok(Vec::new())) };
        if let Some(reason) = &candidate.yanked {
            if !self.context.allowed_yanks.contains(&(name.clone(), version.clone())) {
                return Ok(Err(Unusable::Yanked(reason.clone())));
            }
        }
        let mut edges = Vec::new();
        if extra.is_some() {
            edges.push(Edge {
                node: Node::Project(name.clone()),
                range: Ranges::singleton(version.clone()),
                requirement: format!("{name}=={version}"),
                input: None,
                constraint: false,
            });
        }
        let file = match &candidate.availability {
            Availability::Wheel(file) => file,
            Availability::NeedsBuild => {
                self.gap(Gap {
                    name: name.clone(),
                    version: Some(version.clone()),
                    reason: NotResolved::NeedsBuild,
                    required_by: None,
                });
                return Ok(Ok(edges));
            }
            Availability::NoCompatibleFile => return Ok(Err(Unusable::NoCompatibleFile(self.context.target))),
            Availability::RequiresPython(specifiers) => {
                return Ok(Err(Unusable::RequiresPython(specifiers.clone(), self.context.target.python)))
            }
        };
        let metadata = match self.known.metadata.get(&(name.clone(), version.clone())) {
            None => return Err(Missing(Want::Metadata(name.clone(), version.clone(), file.clone()))),
            Some(Err(error)) => {
                let reason = NotResolved::NoMetadata(error.clone());
                self.gap(Gap { name: name.clone(), version: Some(version.clone()), reason, required_by: None });
                return Ok(Ok(edges));
            }
            Some(Ok(metadata)) => metadata,
        };
        if let Some(specifiers) = &metadata.requires_python {
            if !python_admits(specifiers, self.context.target.python) {
                return Ok(Err(Unusable::RequiresPython(specifiers.clone(), self.context.target.python)));
            }
        }
        let markers = &self.context.markers;
        for requirement in &metadata.requires_dist {
            let applies = match extra {
                None => requirement.marker.evaluate(markers, &[]),
                Some(extra) => {
                    requirement.marker.evaluate(markers, std::slice::from_ref(extra))
                        && !requirement.marker.evaluate(markers, &[])
                }
            };
            if !applies {
                continue;
            }
            let specifiers = match &requirement.version_or_url {
                None => VersionSpecifiers::empty(),
                Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.clone(),
                // A direct URL in an index package's metadata: installers refuse it; there is nothing to resolve.
                Some(VersionOrUrl::Url(_)) => continue,
            };
            let written = requirement.to_string();
            let written = written.split(';').next().unwrap_or(&written).trim().to_string();
            self.push_edges(&mut edges, Some(name), &requirement.name, &requirement.extras, specifiers, written, None);
        }
        // An extra that requires itself (`foo[all]` listing `foo[all]`) adds nothing.
        edges.retain(|edge| edge.node != *node);
        Ok(Ok(edges))
    }

    fn root_edges(&self) -> Vec<Edge> {
        let mut edges = Vec::new();
        for requirement in &self.context.requirements {
            let written = requirement.written();
            let specifiers = requirement.specifiers.clone();
            let input = Some(Rc::clone(requirement));
            self.push_edges(&mut edges, None, &requirement.name, &requirement.extras, specifiers, written, input);
        }
        edges
    }

    /// The edges of one requirement on `name[extras]`: the project, each extra, and the constraints on it. A project
    /// whose page could not be read gets no edge; it is recorded as a gap.
    #[allow(clippy::too_many_arguments)]
    fn push_edges(
        &self,
        edges: &mut Vec<Edge>,
        parent: Option<&PackageName>,
        name: &PackageName,
        extras: &[ExtraName],
        specifiers: VersionSpecifiers,
        requirement: String,
        input: Option<Rc<InputRequirement>>,
    ) {
        if parent == Some(name) && extras.is_empty() {
            return;
        }
        if let Some(Err(error)) = self.known.projects.get(name) {
            let required_by = Some(parent.map_or(Node::Root, |parent| Node::Project(parent.clone())));
            self.gap(Gap {
                name: name.clone(),
                version: None,
                reason: NotResolved::NoProject(error.clone()),
                required_by,
            });
            return;
        }
        let range = Ranges::from(specifiers);
        if parent != Some(name) {
            edges.push(Edge {
                node: Node::Project(name.clone()),
                range: range.clone(),
                requirement: requirement.clone(),
                input: input.clone(),
                constraint: false,
            });
        }
        for extra in extras {
            edges.push(Edge {
                node: Node::Extra(name.clone(), extra.clone()),
                range: range.clone(),
                requirement: requirement.clone(),
                input: input.clone(),
                constraint: false,
            });
        }
        for constraint in self.context.constraints.get(name).into_iter().flatten() {
            edges.push(Edge {
                node: Node::Project(name.clone()),
                range: Ranges::from(constraint.specifiers.clone()),
                requirement: constraint.written(),
                input: Some(Rc::clone(constraint)),
                constraint: true,
            });
        }
    }
}

impl DependencyProvider for Provider<'_> {
    type P = Node;
    type V = Version;
    type VS = Ranges<Version>;
    type Priority = (Priority, Reverse<u32>);
    type M = Unusable;
    type Err = Missing;

    fn prioritize(
        &self,
        node: &Node,
        _range: &Ranges<Version>,
        statistics: &PackageResolutionStatistics,
    ) -> Self::Priority {
        self.priorities.borrow().get(node, statistics.conflict_count())
    }

    fn choose_version(&self, node: &Node, range: &Ranges<Version>) -> Result<Option<Version>, Missing> {
        let Some(name) = node.name() else { return Ok(Some(root_version())) };
        let Some(candidates) = self.candidates(name)? else { return Ok(None) };
        Ok(self.context.choose(name, candidates, range).cloned())
    }

    fn get_dependencies(
        &self,
        node: &Node,
        version: &Version,
    ) -> Result<Dependencies<Node, Ranges<Version>, Unusable>, Missing> {
        match self.edges(node, version)? {
            Err(unusable) => Ok(Dependencies::Unavailable(unusable)),
            Ok(edges) => {
                let mut priorities = self.priorities.borrow_mut();
                for edge in &edges {
                    priorities.insert(&edge.node, &edge.range);
                }
                Ok(Dependencies::Available(edges.into_iter().map(|edge| (edge.node, edge.range)).collect()))
            }
        }
    }
}
