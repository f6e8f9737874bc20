//! The resolution loop: PubGrub runs over what has arrived; when a run needs a project page or a version's metadata
//! that has not, it stops, the loop waits for that answer, and the next run starts from the beginning. Meanwhile
//! every answer fetches ahead what the resolution will likely need next (the projects a version's metadata names,
//! the metadata of the version a project's page suggests), many at once, so that runs seldom wait.
//!
//! Why runs start again rather than pause: the published `pubgrub` crate keeps its solver state private (uv drives
//! it step by step through a fork that makes it public), so a run cannot be suspended while an answer is on its way.
//! A run is deterministic, so the next one retraces the previous run's decisions and goes further; runs cost
//! milliseconds against the tens of milliseconds of each network round trip.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::rc::Rc;

use futures::future::LocalBoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use futures::FutureExt;
use pep508_rs::pep440_rs::Version;
use pep508_rs::{ExtraName, PackageName, VersionOrUrl};
use pubgrub::{PubGrubError, Ranges};

use crate::index::{CoreMetadata, IndexError, ProjectLookup};
use crate::resolve::candidates::Candidates;
use crate::resolve::explain::explain;
use crate::resolve::node::{root_version, Node};
use crate::resolve::output::{Parent, Resolution, ResolveStats, ResolvedPackage, Unresolved};
use crate::resolve::provider::{Context, Known, Provider, Want};
use crate::resolve::request::Request;
use crate::resolve::source::PackageSource;
use crate::resolve::MAX_IN_FLIGHT;

/// One answer from the source.
enum Arrival {
    Project(PackageName, ProjectLookup),
    Metadata(PackageName, Version, Result<Rc<CoreMetadata>, IndexError>),
}

/// The requests in flight and those waiting for a free slot.
struct Fetches<'s, S> {
    source: &'s S,
    running: FuturesUnordered<LocalBoxFuture<'s, Arrival>>,
    waiting: VecDeque<Want>,
    asked: HashSet<(PackageName, Option<Version>)>,
    /// The first range each project was required with, to guess which version's metadata to fetch ahead.
    hints: HashMap<PackageName, Ranges<Version>>,
    /// The extras asked of each project so far, to follow them ahead.
    extras: HashMap<PackageName, BTreeSet<ExtraName>>,
    stats: ResolveStats,
}

impl<'s, S: PackageSource> Fetches<'s, S> {
    fn new(source: &'s S) -> Self {
        Self {
            source,
            running: FuturesUnordered::new(),
            waiting: VecDeque::new(),
            asked: HashSet::new(),
            hints: HashMap::new(),
            extras: HashMap::new(),
            stats: ResolveStats::default(),
        }
    }

    /// Asks for `want` unless it was asked for already; `urgent` puts it ahead of what was fetched ahead.
    fn ask(&mut self, want: Want, urgent: bool) {
        if !self.asked.insert(want.key()) {
            if urgent {
                // Already waiting for a slot: move it to the front.
                if let Some(at) = self.waiting.iter().position(|waiting| waiting.key() == want.key()) {
                    self.waiting.remove(at);
                    self.waiting.push_front(want);
                }
            }
            return;
        }
        if urgent {
            self.waiting.push_front(want);
        } else {
            self.waiting.push_back(want);
        }
        self.start_waiting();
    }

    fn start_waiting(&mut self) {
        while self.running.len() < MAX_IN_FLIGHT {
            let Some(want) = self.waiting.pop_front() else { return };
            let source = self.source;
            let future: LocalBoxFuture<'s, Arrival> = match want {
                Want::Project(name) => {
                    self.stats.project_requests += 1;
                    async move {
                        let lookup = source.project(&name).await;
                        Arrival::Project(name, lookup)
                    }
                    .boxed_local()
                }
                Want::Metadata(name, version, file) => {
                    self.stats.metadata_requests += 1;
                    async move {
                        let metadata = source.metadata(&file).await;
                        Arrival::Metadata(name, version, metadata)
                    }
                    .boxed_local()
                }
            };
            self.running.push(future);
        }
    }

    async fn next(&mut self) -> Option<Arrival> {
        self.start_waiting();
        let arrival = self.running.next().await;
        self.start_waiting();
        arrival
    }

    /// The next answer if one has already arrived, without waiting.
    fn ready(&mut self) -> Option<Arrival> {
        self.running.next().now_or_never().flatten()
    }

    /// Requires `name` with `range` and `extras`: fetches its page ahead.
    fn require(&mut self, name: &PackageName, range: Ranges<Version>, extras: &[ExtraName]) -> bool {
        self.hints.entry(name.clone()).or_insert(range);
        let known = self.extras.entry(name.clone()).or_default();
        let mut new_extras = false;
        for extra in extras {
            new_extras |= known.insert(extra.clone());
        }
        self.ask(Want::Project(name.clone()), false);
        new_extras
    }
}

/// Resolves `request` with the data `source` serves.
pub(crate) async fn resolve<S: PackageSource>(source: &S, request: &Request) -> Resolution {
    let context = Context::new(request);
    let mut known = Known::default();
    let mut fetches = Fetches::new(source);
    for requirement in &context.requirements {
        let range =
            Ranges::from(requirement.specifiers.clone()).intersection(&context.constraint_range(&requirement.name));
        fetches.require(&requirement.name, range, &requirement.extras);
    }
    let mut resolution = Resolution {
        target: request.target,
        as_of: request.as_of,
        packages: Vec::new(),
        not_resolved: Vec::new(),
        failure: None,
        stats: ResolveStats::default(),
    };
    loop {
        while let Some(arrival) = fetches.ready() {
            arrive(arrival, &context, &mut known, &mut fetches);
        }
        resolution.stats.runs += 1;
        if resolution.stats.runs > MAX_RUNS {
            resolution.failure = Some(vec![format!(
                "The resolution waited for the index more than {MAX_RUNS} times, backtracking through too many \
                 versions; it was given up."
            )]);
            break;
        }
        let provider = Provider::new(&context, &known);
        let want = match pubgrub::resolve(&provider, Node::Root, root_version()) {
            Ok(solution) => {
                let solution: Vec<(Node, Version)> = solution.into_iter().collect();
                finish(&mut resolution, &provider, &solution);
                break;
            }
            Err(PubGrubError::NoSolution(tree)) => {
                let written = context
                    .requirements
                    .iter()
                    .map(|requirement| (requirement.name.clone(), requirement.written_name.clone()))
                    .collect();
                resolution.failure = Some(explain(tree, &written));
                break;
            }
            Err(
                PubGrubError::ErrorChoosingVersion { source, .. }
                | PubGrubError::ErrorRetrievingDependencies { source, .. },
            ) => source.0,
            Err(PubGrubError::ErrorInShouldCancel(missing)) => missing.0,
        };
        fetches.ask(want.clone(), true);
        if let Want::Metadata(name, version, _) = &want {
            fetch_older_versions(name, version, &context, &known, &mut fetches);
        }
        while !is_known(&known, &want) {
            let Some(arrival) = fetches.next().await else { break };
            arrive(arrival, &context, &mut known, &mut fetches);
        }
        if !is_known(&known, &want) {
            // Nothing is in flight and the answer never came: cannot happen, as the want was just asked for.
            resolution.failure = Some(vec![format!("the resolver waited for an answer that never came ({want:?})")]);
            break;
        }
    }
    let stats = resolution.stats;
    resolution.stats = ResolveStats { runs: stats.runs, ..fetches.stats };
    let used_pages =
        resolution.packages.len() + resolution.not_resolved.iter().filter(|gap| gap.version.is_none()).count();
    let used_metadata = resolution
        .packages
        .iter()
        .filter(|package| known.metadata.contains_key(&(package.name.clone(), package.version.clone())))
        .count();
    let used = u32::try_from(used_pages + used_metadata).unwrap_or(u32::MAX);
    resolution.stats.unused_answers =
        (resolution.stats.project_requests + resolution.stats.metadata_requests).saturating_sub(used);
    resolution
}

/// How many runs a resolution may take before it is given up (each waits for at least one answer; the largest
/// recorded case takes about 25).
const MAX_RUNS: u32 = 1_000;

/// How many older versions to fetch at once when the resolution backtracks through a package's versions.
const VERSIONS_AHEAD: usize = 10;

/// How many other versions of a package must have been wanted before older ones are fetched ahead: one step back is
/// common and usually the last; a third version wanted is a walk through the versions.
const TRIED_BEFORE_FETCHING_AHEAD: usize = 2;

/// When a run wants the metadata of a third version of a package, the resolution is backtracking through its
/// versions, one run per version: fetches the metadata of the next older versions it would try, all at once (as
/// uv's batch prefetch does). Each request fetched ahead and not used costs a connection's round trip: a browser
/// keeps at most 6 connections to an HTTP/1.1 host, so these are fewer than a native client would send.
fn fetch_older_versions<S: PackageSource>(
    name: &PackageName,
    version: &Version,
    context: &Context,
    known: &Known,
    fetches: &mut Fetches<'_, S>,
) {
    let tried =
        known.metadata.keys().filter(|(known_name, known_version)| known_name == name && known_version != version);
    if tried.count() < TRIED_BEFORE_FETCHING_AHEAD {
        return;
    }
    let Some(Ok(candidates)) = known.projects.get(name) else { return };
    let mut older = Ranges::strictly_lower_than(version.clone());
    for _ in 0..VERSIONS_AHEAD {
        let Some((next, file)) = context.likely(name, candidates, &older) else { return };
        older = older.intersection(&Ranges::strictly_lower_than(next.clone()));
        fetches.ask(Want::Metadata(name.clone(), next, Box::new(file)), false);
    }
}

fn is_known(known: &Known, want: &Want) -> bool {
    match want {
        Want::Project(name) => known.projects.contains_key(name),
        Want::Metadata(name, version, _) => known.metadata.contains_key(&(name.clone(), version.clone())),
    }
}

/// Stores an answer and fetches ahead what it suggests.
fn arrive<S: PackageSource>(arrival: Arrival, context: &Context, known: &mut Known, fetches: &mut Fetches<'_, S>) {
    match arrival {
        Arrival::Project(name, lookup) => {
            let candidates = lookup.map(|project| {
                Rc::new(Candidates::new(&project, &context.tags, context.target.python, context.cutoff))
            });
            if let Ok(candidates) = &candidates {
                let hint = fetches.hints.get(&name).cloned().unwrap_or_else(Ranges::full);
                if let Some((version, file)) = context.likely(&name, candidates, &hint) {
                    fetches.ask(Want::Metadata(name.clone(), version, Box::new(file)), false);
                }
            }
            known.projects.insert(name, candidates);
        }
        Arrival::Metadata(name, version, metadata) => {
            if let Ok(metadata) = &metadata {
                follow(&name, metadata, context, known, fetches);
            }
            known.metadata.insert((name, version), metadata);
        }
    }
}

/// Fetches ahead the projects `metadata` requires on the target, with the extras asked of `name` so far; a project
/// that gains an extra whose metadata is known already is followed again for what the extra adds.
fn follow<S: PackageSource>(
    name: &PackageName,
    metadata: &CoreMetadata,
    context: &Context,
    known: &Known,
    fetches: &mut Fetches<'_, S>,
) {
    let mut to_follow: Vec<(PackageName, Rc<CoreMetadata>)> = Vec::new();
    let extras: Vec<ExtraName> =
        fetches.extras.get(name).map(|extras| extras.iter().cloned().collect()).unwrap_or_default();
    for requirement in &metadata.requires_dist {
        if !requirement.marker.evaluate(&context.markers, &extras) {
            continue;
        }
        let range = match &requirement.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(specifiers)) => Ranges::from(specifiers.clone()),
            Some(VersionOrUrl::Url(_)) => continue,
            None => Ranges::full(),
        };
        let range = range.intersection(&context.constraint_range(&requirement.name));
        if fetches.require(&requirement.name, range, &requirement.extras) {
            // Follow the dependency's known metadata again for its new extras.
            let dependency = known.metadata.iter().find(|((known_name, _), _)| known_name == &requirement.name);
            if let Some((_, Ok(metadata))) = dependency {
                to_follow.push((requirement.name.clone(), Rc::clone(metadata)));
            }
        }
    }
    for (dependency, metadata) in to_follow {
        if &dependency != name {
            follow(&dependency, &metadata, context, known, fetches);
        }
    }
}

/// Builds the result from a solution: versions, extras, parents and what could not be resolved.
fn finish(resolution: &mut Resolution, provider: &Provider<'_>, solution: &[(Node, Version)]) {
    let mut packages: HashMap<PackageName, ResolvedPackage> = HashMap::new();
    for (node, version) in solution {
        match node {
            Node::Root => {}
            Node::Project(name) => {
                packages.entry(name.clone()).or_insert_with(|| new_package(name, version)).version = version.clone();
            }
            Node::Extra(name, extra) => {
                packages.entry(name.clone()).or_insert_with(|| new_package(name, version)).extras.push(extra.clone());
            }
        }
    }
    for (node, version) in solution {
        let Ok(Ok(edges)) = provider.edges(node, version) else { continue };
        for edge in edges {
            let Some(child) = edge.node.name() else { continue };
            if node.name() == Some(child) {
                continue;
            }
            let parent = match (node, &edge.input) {
                (Node::Root, Some(input)) if !edge.constraint => Parent::Input {
                    source: input.source.clone(),
                    requirement: edge.requirement.clone(),
                    origin: input.origin.clone(),
                },
                (_, Some(input)) if edge.constraint => Parent::Constraint {
                    source: input.source.clone(),
                    requirement: edge.requirement.clone(),
                    origin: input.origin.clone(),
                },
                (Node::Project(name) | Node::Extra(name, _), _) => Parent::Package {
                    name: name.clone(),
                    version: version.clone(),
                    requirement: edge.requirement.clone(),
                },
                (Node::Root, _) => continue,
            };
            if let Some(package) = packages.get_mut(child) {
                if matches!(parent, Parent::Input { .. }) {
                    package.named = true;
                }
                if !package.parents.contains(&parent) {
                    package.parents.push(parent);
                }
            }
        }
    }
    let mut not_resolved: Vec<Unresolved> = Vec::new();
    for gap in provider.gaps() {
        let relevant = match (&gap.version, &gap.required_by) {
            (Some(version), _) => packages.get(&gap.name).is_some_and(|package| &package.version == version),
            (None, Some(Node::Root)) => true,
            (None, Some(parent)) => parent.name().is_some_and(|parent| packages.contains_key(parent)),
            (None, None) => false,
        };
        if !relevant {
            continue;
        }
        let required_by = gap.required_by.as_ref().map(|node| node.to_string());
        match not_resolved.iter_mut().find(|known| known.name == gap.name && known.version == gap.version) {
            Some(known) => known.required_by.extend(required_by),
            None => not_resolved.push(Unresolved {
                name: gap.name,
                version: gap.version,
                reason: gap.reason,
                required_by: required_by.into_iter().collect(),
            }),
        }
    }
    crate::sorting::sort_by(&mut not_resolved, |a, b| a.name.cmp(&b.name));
    let mut packages: Vec<ResolvedPackage> = packages.into_values().collect();
    crate::sorting::sort_by(&mut packages, |a, b| a.name.cmp(&b.name));
    for package in &mut packages {
        crate::sorting::sort(&mut package.extras);
        crate::sorting::sort_by_key(&mut package.parents, |parent| {
            (matches!(parent, Parent::Package { .. }), parent.via())
        });
    }
    resolution.packages = packages;
    resolution.not_resolved = not_resolved;
}

fn new_package(name: &PackageName, version: &Version) -> ResolvedPackage {
    ResolvedPackage {
        name: name.clone(),
        version: version.clone(),
        extras: Vec::new(),
        named: false,
        parents: Vec::new(),
    }
}
