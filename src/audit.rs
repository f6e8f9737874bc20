//! The audit: one pipeline from the packages the input names to everything the report needs, against services
//! behind traits, so that it runs the same on the host (tests, with fakes) and in the page (with `fetch`,
//! IndexedDB and a Web Worker).
//!
//! An audit has two phases. The OSV phase asks an [`OsvService`] (the OSV API over a transport, [`OnlineOsv`], or the
//! offline database) which records affect each package version, and fetches them; when it ends, the findings and
//! their fix versions from the OSV data are complete ([`AuditEvent::OsvComplete`]). The index phase then asks the
//! [`PackageIndex`] for the release list of every audited name, once each: they refine range audits and fix plans,
//! and give each row its flags (yanked pin, project status, not on the index) ([`AuditEvent::IndexComplete`]); the
//! report is shown before it. Every step is reported as an [`AuditEvent`] as it happens; [`Lookups::apply`]
//! adds them up.

use std::collections::BTreeMap;
use std::rc::Rc;

use futures::stream::{self, StreamExt};

pub mod cache;
mod lookups;
pub mod osv_online;
pub mod plan;

pub use cache::{CachedRecord, InFront, MemoryCache, NoCache, RecordCache, WithKnown};
pub use lookups::{compiled, AuditEvent, LookupError, Lookups, PackageKey, OSV_API};
pub use osv_online::{LookupSettings, OnlineOsv, Unsaved};
pub use plan::{PlanSummary, RecordPlan};

use crate::environment::TargetEnvironment;
use crate::graph::facts::{GraphFacts, GraphQuestion};
use crate::osv::Vulnerability;
use crate::pypi::ReleaseLookup;
use crate::resolve::ResolvedSet;
use crate::sources::ParsedInput;

/// Where the audit learns which OSV records affect a package version, and reads them.
#[allow(async_fn_in_trait)] // The page runs on one thread; no `Send` bound is wanted.
pub trait OsvService {
    /// Looks up `packages` (records `at_hand` need not be fetched again), reporting each answer to `on_event` as it
    /// arrives. Returns what was learned and the fetched records for the record cache.
    async fn look_up(
        &self,
        packages: &[PackageKey],
        at_hand: &AtHand,
        on_event: &mut dyn FnMut(AuditEvent),
    ) -> (Lookups, Unsaved);
}

/// Where the audit reads a package's releases, and resolves inputs that are not fully pinned.
#[allow(async_fn_in_trait)] // The page runs on one thread; no `Send` bound is wanted.
pub trait PackageIndex {
    /// The release list of the package with PEP 503 name `name`, or why there is none.
    async fn release_list(&self, name: &str) -> ReleaseLookup;

    /// Resolves `job`: what its files install on its target. `Err` when the resolver could not run at all (a
    /// resolution that finds no solution, or leaves parts unresolved, is an `Ok` that says so).
    async fn resolve(&self, job: &ResolveJob) -> Result<ResolvedSet, String> {
        let _ = job;
        Err("this package index cannot resolve".into())
    }

    /// What the lockfiles of `question` say about environments and parents, with what the index adds.
    async fn graph_facts(&self, question: &GraphQuestion) -> GraphFacts {
        let _ = question;
        GraphFacts::default()
    }

    /// Lets the page draw what it has (the report, once the OSV phase ends) and handle input before the audit's next
    /// long step; nothing to wait for elsewhere.
    async fn pause(&self) {}
}

/// What to resolve: the input files (the resolver reads them itself), for a target, as of a day.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ResolveJob {
    /// The files, as given.
    pub files: Vec<crate::sources::InputFile>,
    /// The Python version and platform.
    pub target: TargetEnvironment,
    /// Files uploaded after this day (`YYYY-MM-DD`, UTC) are left out.
    pub as_of: Option<String>,
}

/// The package index for one audit: on, or off with the reason the report gives.
pub enum IndexAccess<'a, I> {
    /// Ask this index.
    On(&'a I),
    /// Ask nothing (switched off, offline mode), for this reason.
    Off(String),
    /// Ask the index nothing, for this reason, but let `I` answer what the files alone say: a lock's parents and
    /// markers ([`PackageIndex::graph_facts`] without requests).
    FilesOnly(&'a I, String),
}

/// Records the page already holds, so that an audit does not fetch them again.
#[derive(Debug, Default)]
pub struct AtHand {
    /// The records of the last report, each with the `modified` querybatch listed: served while querybatch lists the
    /// same `modified`.
    pub last_report: MemoryCache,
    /// The records of a report being retried, by ID: served whatever their `modified`, since they arrived in this
    /// same session.
    pub retried: BTreeMap<String, Rc<Vulnerability>>,
}

/// What one audit looks up.
#[derive(Debug, Default)]
pub struct AuditPlan {
    /// What the input holds.
    pub input: Rc<ParsedInput>,
    /// Only these package versions (a retry); `None` looks up every package of the input (after the resolution).
    pub only: Option<Vec<PackageKey>>,
    /// The resolution to run first, when the input is not fully pinned and resolving is on.
    pub resolve: Option<ResolveJob>,
    /// Records not to fetch again.
    pub at_hand: AtHand,
    /// Packages whose release lists are known already (a retry keeps them).
    pub releases_known: Vec<String>,
    /// The environment the lockfiles' markers are evaluated for.
    pub target: TargetEnvironment,
}

/// How many release lists are read at once: the documents can be large.
const INDEX_CONCURRENCY: usize = 4;

/// Runs one audit: the resolution when asked (its packages become what is audited), the OSV phase, then the index
/// phase for every audited name (those with advisories first). The records fetched for the cache are handed to
/// `keep` as soon as the OSV phase ends, so that an audit cancelled in its index phase (a new one started) still
/// keeps them. Returns what the lookups learned (the same as the events add up to).
pub async fn run<O: OsvService, I: PackageIndex>(
    osv: &O,
    index: IndexAccess<'_, I>,
    plan: AuditPlan,
    on_event: &mut dyn FnMut(AuditEvent),
    keep: impl FnOnce(Unsaved),
) -> Lookups {
    let mut input = Rc::clone(&plan.input);
    if let Some(job) = &plan.resolve {
        on_event(AuditEvent::ResolutionStarted);
        let resolved = match &index {
            IndexAccess::On(index) => index.resolve(job).await,
            IndexAccess::Off(reason) | IndexAccess::FilesOnly(_, reason) => Err(reason.clone()),
        };
        match resolved {
            Ok(set) => {
                let set = Rc::new(set);
                input = Rc::new(set.apply_to(&input));
                on_event(AuditEvent::Resolved(set, Rc::clone(&input)));
            }
            Err(reason) => on_event(AuditEvent::ResolutionFailed(reason)),
        }
    }
    let retry = plan.only.is_some();
    let packages: Vec<PackageKey> = match plan.only {
        Some(keys) => keys,
        None => input.dependencies().filter_map(crate::report::package_key).collect(),
    };
    // Where the lockfiles' packages install (their markers, for the target) needs no answer from OSV or the index:
    // it is asked beside the OSV phase, so that the report drawn at its end already says it. (Parents need the
    // fixes, and are asked after the index phase.)
    let files = match &index {
        IndexAccess::On(index) | IndexAccess::FilesOnly(index, _) if !retry => Some(*index),
        _ => None,
    };
    // Made once the OSV phase's first requests are on their way (`select` polls that phase first).
    let early_question = std::cell::RefCell::new(None);
    let early_facts = Box::pin(async {
        let index = files?;
        let question = crate::graph::facts::environments_question(&input, plan.target)?;
        let facts = index.graph_facts(&question).await;
        *early_question.borrow_mut() = Some(question);
        Some(facts)
    });
    let ((mut lookups, unsaved), facts) = {
        let osv_phase = Box::pin(osv.look_up(&packages, &plan.at_hand, on_event));
        match futures::future::select(osv_phase, early_facts).await {
            futures::future::Either::Left((answers, facts)) => (answers, Err(facts)),
            futures::future::Either::Right((facts, osv_phase)) => (osv_phase.await, Ok(facts)),
        }
    };
    keep(unsaved);
    // The facts arrived first: drawn with the OSV answers. Else they are awaited after the OSV phase's end.
    let mut pending_facts = None;
    match facts {
        Ok(facts) => emit_facts(facts, &mut lookups, on_event),
        Err(facts) => pending_facts = Some(facts),
    }
    on_event(AuditEvent::OsvComplete);
    if let Some(facts) = pending_facts {
        emit_facts(facts.await, &mut lookups, on_event);
    }
    // Every audited name is asked once (the flags need them all: yanked pins, project status, names the index does
    // not know); the packages with advisories first, since their lists also refine fix plans and ranges.
    let with_advisories = lookups.packages_with_advisories();
    let mut names: Vec<String> = with_advisories.clone();
    let mut others: Vec<String> =
        packages.iter().map(|key| key.name.clone()).filter(|name| !with_advisories.contains(name)).collect();
    crate::sorting::sort(&mut others);
    others.dedup();
    names.extend(others);
    names.retain(|name| !plan.releases_known.contains(name));
    on_event(AuditEvent::IndexPlanned(names.len()));
    // What follows only refines the report the OSV phase completed: it waits until the page has drawn that one.
    if let IndexAccess::On(index) | IndexAccess::FilesOnly(index, _) = &index {
        index.pause().await;
    }
    let mut emit = |event: AuditEvent| {
        lookups.apply(&event);
        on_event(event);
    };
    match &index {
        IndexAccess::On(index) => {
            let mut answers = stream::iter(names.into_iter().map(|name| async move {
                let lookup = index.release_list(&name).await;
                (name, lookup)
            }))
            .buffer_unordered(INDEX_CONCURRENCY);
            while let Some((name, lookup)) = answers.next().await {
                emit(AuditEvent::ReleaseList(name, lookup));
            }
        }
        IndexAccess::Off(reason) | IndexAccess::FilesOnly(_, reason) => {
            for name in names {
                emit(AuditEvent::ReleaseList(name, ReleaseLookup::Unavailable(reason.clone())));
            }
        }
    }
    emit(AuditEvent::IndexComplete);
    let index = match index {
        IndexAccess::On(index) => Some((index, true)),
        IndexAccess::FilesOnly(index, _) => Some((index, false)),
        IndexAccess::Off(_) => None,
    };
    if let (Some((index, online)), false) = (index, retry) {
        let early_question = early_question.borrow().clone();
        check_fixes(index, online, &input, &mut lookups, plan.target, early_question.as_ref(), on_event).await;
    }
    on_event(AuditEvent::FixesConfirmed);
    lookups
}

/// Applies what the worker answered about the lockfiles, when it was asked.
fn emit_facts(facts: Option<GraphFacts>, lookups: &mut Lookups, on_event: &mut dyn FnMut(AuditEvent)) {
    if let Some(facts) = facts {
        let event = AuditEvent::GraphFacts(Rc::new(facts));
        lookups.apply(&event);
        on_event(event);
    }
}

/// The checks of the fix plans after the index phase: what the lockfiles say about environments and parents (a fix
/// plan's upgrade may need the parent's; not asked again when it is `asked_early`, the question without parents
/// asked beside the OSV phase), then, with the index `online`, whether each patched requirements file installs.
async fn check_fixes<I: PackageIndex>(
    index: &I,
    online: bool,
    input: &ParsedInput,
    lookups: &mut Lookups,
    target: TargetEnvironment,
    asked_early: Option<&crate::graph::facts::GraphQuestion>,
    on_event: &mut dyn FnMut(AuditEvent),
) {
    // The report with every release list, made once for the two questions below (a patched file does not depend on
    // the graph's answer), in a task of its own: the last release list's answer took one already.
    index.pause().await;
    let report = crate::report::build(input, lookups);
    // Then what the lockfiles say about environments and parents (a fix plan's upgrade may need the parent's).
    // (Not when it is the question asked beside the OSV phase: no parent to check, its answer is in.)
    let question =
        crate::graph::facts::question(input, &report, target).filter(|question| Some(question) != asked_early);
    if let Some(question) = question {
        emit_facts(Some(index.graph_facts(&question).await), lookups, on_event);
    }
    // Then whether each patched requirements file installs: its pins resolved together, as `pip install` would.
    if online {
        for (file, parsed) in report.files.iter().zip(&input.files) {
            let crate::fix::FileFix::Patched(patched) = crate::fix::file_fix_of(file, &parsed.text) else { continue };
            // An index that just failed to give this file's release lists is not asked again for a resolution.
            let failed = file.dependencies.iter().find_map(|row| match lookups.releases.get(&row.dependency.name) {
                Some(crate::pypi::ReleaseLookup::Unavailable(reason)) => Some(reason.clone()),
                _ => None,
            });
            let answer = match failed {
                Some(reason) => Err(format!("the package index failed in this audit ({reason})")),
                None => {
                    let files = vec![crate::sources::InputFile::new(&file.name, &patched.text)];
                    index.resolve(&ResolveJob { files, target, as_of: None }).await
                }
            };
            let check = Rc::new(crate::fix::PatchedCheck::of(&file.name, &answer));
            let event = AuditEvent::PatchedChecked(file.name.clone(), check);
            lookups.apply(&event);
            on_event(event);
        }
    }
}

/// No package index: every release list is unavailable for the reason [`IndexAccess::Off`] gives. A type to name
/// in `run::<_, NoIndex>` when the index is off.
pub struct NoIndex;

impl PackageIndex for NoIndex {
    async fn release_list(&self, _name: &str) -> ReleaseLookup {
        ReleaseLookup::Unavailable("no package index".into())
    }
}

#[cfg(test)]
mod tests;
