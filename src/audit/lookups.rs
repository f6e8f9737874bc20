//! What the lookups learn, as events while an audit runs and as the [`Lookups`] those events add up to.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::{Rc, Weak};
use std::sync::Arc;

use super::PlanSummary;
use crate::http::FetchError;
use crate::matching::CompiledVulnerability;
use crate::osv::api::VulnRef;
use crate::osv::Vulnerability;
use crate::pypi::ReleaseLookup;
use crate::resolve::ResolvedSet;
use crate::sources::ParsedInput;

/// Why a lookup finally failed. The packages it concerns are reported as unchecked with this reason, in the words
/// of [`FetchError::describe`] with [`OSV_API`].
pub type LookupError = FetchError;

/// How the report names the OSV API in a failure.
pub const OSV_API: &str = "the OSV API";

/// A package version to look up: the PEP 503 name and a PEP 440 version. An empty version looks up every record
/// of the package, for range audits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct PackageKey {
    /// Normalised name.
    pub name: String,
    /// Normalised version; empty for every version.
    pub version: String,
}

/// What the audit reports while it runs.
#[derive(Debug, Clone)]
pub enum AuditEvent {
    /// Progress of the querybatch phase, in requests.
    QueryProgress {
        /// Requests answered.
        done: usize,
        /// Requests planned so far (pages add to it).
        total: usize,
    },
    /// Final answers for some packages.
    Queried(Vec<(PackageKey, Result<Vec<VulnRef>, LookupError>)>),
    /// The record phase's plan, once the cache has answered.
    RecordPlan(PlanSummary),
    /// Progress of the record phase, in the plan's requests ([`RecordPlan::unit`]).
    RecordProgress {
        /// Requests answered or finally failed.
        done: usize,
        /// Requests planned so far (pages add to it).
        total: usize,
    },
    /// One record arrived, or finally failed.
    Record(String, Result<Rc<Vulnerability>, LookupError>),
    /// Several records at once: the cache's, or a package query's.
    Records(Vec<(String, Result<Rc<Vulnerability>, LookupError>)>),
    /// The cache failed (storage full, or unavailable); the audit goes on without it.
    CacheFailed(String),
    /// The resolution started.
    ResolutionStarted,
    /// The resolution's result, and the input as it installs (the packages the audit looks up).
    Resolved(Rc<ResolvedSet>, Rc<ParsedInput>),
    /// The resolution could not run, for this reason: the input is audited as written.
    ResolutionFailed(String),
    /// Every answer at once: an offline audit's lookups, merged into what is known.
    Answered(Box<Lookups>),
    /// Every OSV answer is in: the findings and their fix versions from the OSV data are complete.
    OsvComplete,
    /// The package index will be asked for this many release lists.
    IndexPlanned(usize),
    /// A release list, or why there is none, by PEP 503 name.
    ReleaseList(String, ReleaseLookup),
    /// Every index answer is in (or the index is off): range states and fix versions are final; the parents' and
    /// patched files' checks follow.
    IndexComplete,
    /// What the worker learned about the lockfiles: environments and parents.
    GraphFacts(Rc<crate::graph::facts::GraphFacts>),
    /// Whether a patched requirements file installs, by file name.
    PatchedChecked(String, Rc<crate::fix::PatchedCheck>),
    /// The audit's last event: every check of the fix plans against the index is done (release lists, parents'
    /// requirements, patched files), or could not be.
    FixesConfirmed,
}

/// Everything the lookups learned: the answer for each package and each record.
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    /// The IDs OSV lists for each package version, or why the query failed.
    pub queries: BTreeMap<PackageKey, Result<Vec<VulnRef>, LookupError>>,
    /// The full records, by ID, or why fetching failed.
    pub records: BTreeMap<String, Result<Rc<Vulnerability>, LookupError>>,
    /// The records compiled for matching, once each, by ID.
    pub compiled: BTreeMap<String, Arc<CompiledVulnerability>>,
    /// PyPI release lists, by PEP 503 name, for range audits and fix plans.
    pub releases: BTreeMap<String, ReleaseLookup>,
    /// What the worker learned about the lockfiles, after the index phase.
    pub graph_facts: Option<Rc<crate::graph::facts::GraphFacts>>,
    /// Whether each patched requirements file installs, by file name, after the index phase.
    pub patched_checks: BTreeMap<String, Rc<crate::fix::PatchedCheck>>,
}

impl Lookups {
    /// The names of the packages with at least one advisory: their release lists refine range audits and fix plans.
    pub fn packages_with_advisories(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .queries
            .iter()
            .filter(|(_, result)| result.as_ref().is_ok_and(|vulns| !vulns.is_empty()))
            .map(|(key, _)| key.name.clone())
            .collect();
        names.dedup();
        names
    }

    /// Record `id` compiled for matching: the copy compiled when it arrived, or one compiled now for a record that
    /// came another way; `None` while it is missing or failed, and when it is withdrawn.
    pub fn compiled_record(&self, id: &str) -> Option<Arc<CompiledVulnerability>> {
        let record = self.records.get(id)?.as_ref().ok()?;
        if record.is_withdrawn() {
            return None;
        }
        Some(self.compiled.get(id).cloned().unwrap_or_else(|| compiled(record)))
    }

    /// Records an event, so that a caller that follows the events holds the same state as the audit's result.
    pub fn apply(&mut self, event: &AuditEvent) {
        match event {
            AuditEvent::Queried(results) => {
                for (key, result) in results {
                    self.queries.insert(key.clone(), result.clone());
                }
            }
            AuditEvent::Record(id, result) => self.add_record(id, result),
            AuditEvent::Records(records) => {
                for (id, result) in records {
                    self.add_record(id, result);
                }
            }
            AuditEvent::Answered(answered) => {
                self.queries.extend(answered.queries.iter().map(|(key, result)| (key.clone(), result.clone())));
                self.records.extend(answered.records.iter().map(|(id, result)| (id.clone(), result.clone())));
                self.compiled.extend(answered.compiled.iter().map(|(id, compiled)| (id.clone(), Arc::clone(compiled))));
            }
            AuditEvent::ReleaseList(name, lookup) => {
                self.releases.insert(name.clone(), lookup.clone());
            }
            AuditEvent::GraphFacts(facts) => self.graph_facts = Some(Rc::clone(facts)),
            AuditEvent::PatchedChecked(file, check) => {
                self.patched_checks.insert(file.clone(), Rc::clone(check));
            }
            AuditEvent::QueryProgress { .. }
            | AuditEvent::RecordProgress { .. }
            | AuditEvent::RecordPlan(_)
            | AuditEvent::CacheFailed(_)
            | AuditEvent::OsvComplete
            | AuditEvent::ResolutionStarted
            | AuditEvent::Resolved(..)
            | AuditEvent::ResolutionFailed(_)
            | AuditEvent::IndexPlanned(_)
            | AuditEvent::IndexComplete
            | AuditEvent::FixesConfirmed => {}
        }
    }

    fn add_record(&mut self, id: &str, result: &Result<Rc<Vulnerability>, LookupError>) {
        if let Ok(record) = result {
            self.compiled.insert(id.to_string(), compiled(record));
        }
        self.records.insert(id.to_string(), result.clone());
    }
}

/// Records compiled for matching, by the record they were compiled from.
#[derive(Default)]
struct CompiledRecords {
    /// By the address of the shared record. The weak reference keeps the address from being reused while the entry
    /// is kept, and an `Rc` is never changed in place while a weak reference to it lives.
    by_record: HashMap<usize, (Weak<Vulnerability>, Arc<CompiledVulnerability>)>,
    /// The size at which entries whose record is gone are dropped.
    prune_at: usize,
}

/// Entries kept before the first pruning.
const COMPILED_PRUNE_AT: usize = 1024;

thread_local! {
    static COMPILED: RefCell<CompiledRecords> = RefCell::default();
}

/// `record` compiled for matching, once per shared record: the audit's lookups and the page's copy of them (made from
/// the same events) hold the same records, and compiling 401 records twice held the page for tens of milliseconds.
/// Records read ahead of an audit are compiled while the page is idle.
pub fn compiled(record: &Rc<Vulnerability>) -> Arc<CompiledVulnerability> {
    COMPILED.with(|memo| {
        let mut memo = memo.borrow_mut();
        let key = Rc::as_ptr(record) as usize;
        if let Some((weak, compiled)) = memo.by_record.get(&key) {
            if weak.strong_count() > 0 {
                return Arc::clone(compiled);
            }
        }
        if memo.by_record.len() >= memo.prune_at.max(COMPILED_PRUNE_AT) {
            memo.by_record.retain(|_, (weak, _)| weak.strong_count() > 0);
            memo.prune_at = memo.by_record.len() * 2;
        }
        let compiled = Arc::new(CompiledVulnerability::new(record));
        memo.by_record.insert(key, (Rc::downgrade(record), Arc::clone(&compiled)));
        compiled
    })
}
