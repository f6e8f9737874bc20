//! The one place that starts audits in the page: it reads the inputs (or takes what the read-ahead read), supplies
//! the browser's services to the core's pipeline ([`crate::audit::run`]), runs it in a local task and reports what
//! happens to the state as batched actions.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::future::{AbortHandle, Abortable};
use yew::prelude::*;

mod batcher;
mod page_osv;

use self::batcher::Batcher;
use self::page_osv::PageOsv;
use super::offline_loader::{AuditRoute, OfflineState};
use super::services;
use crate::audit::{self, AtHand, AuditPlan, IndexAccess, LookupSettings, MemoryCache, OnlineOsv, ResolveJob};
use crate::http::{Endpoint, RetryPolicy};
use crate::io::fetch::{FetchTransport, SentLog};
use crate::io::record_cache::IdbRecordCache;
use crate::io::worker_client::{WorkerIndex, WorkerOffline};
use crate::io::{clock, storage};
use crate::page::state::{Action, Inputs, PageState, ParseTiming, Read, Scope};
use crate::report::counted;
use crate::resolve::needs_resolution;
use crate::settings::Settings;
use crate::sources::parse_files;

/// How long the paste box and the chosen files must stay unchanged before they are read ahead of an audit: typing
/// into a large paste should not read it again at every key.
pub const READ_AHEAD_DELAY_MS: u32 = 150;

/// Starts and cancels audits for the page, reads inputs ahead of them, and reaches the record cache.
#[derive(Clone)]
pub struct UseAuditHandle {
    state: UseReducerHandle<PageState>,
    offline: UseReducerHandle<OfflineState>,
    running: Rc<RefCell<Option<AbortHandle>>>,
    cache: Rc<IdbRecordCache>,
    /// Whether an audit (or a retry) has started since the page loaded.
    started: Rc<Cell<bool>>,
    /// Set when the cache is cleared: the next audit fetches every record, not only those the last one lacked.
    cache_cleared: Rc<Cell<bool>>,
    /// The last audit whose report was drawn whole.
    drawn: Rc<Cell<u32>>,
}

/// How many idle moments the saving of records waits at most for the report to be drawn.
const DRAWN_WAITS: usize = 20;

/// How many frames the index phase waits at most for the report to be drawn.
const DRAWN_FRAMES: usize = 60;

/// The package index of audit `run`, whose index phase starts once its report is drawn ([`PackageIndex::pause`]):
/// the index phase's answers (megabytes of JSON read by the worker, on a machine of two cores) held up the drawing
/// of the report that `done` waits for, and they only refine it.
///
/// [`PackageIndex::pause`]: audit::PackageIndex::pause
struct AfterDrawn {
    index: WorkerIndex,
    drawn: Rc<Cell<u32>>,
    run: u32,
}

/// The package index an audit asks (by its base; empty when it asks none) and, when it asks none, why: offline, or
/// switched off.
fn index_of(offline: bool, settings: &Settings) -> (String, Option<&'static str>) {
    match (offline, services::index_base(settings)) {
        (true, _) => (String::new(), Some(crate::pypi::INDEX_OFFLINE)),
        (false, Some(base)) => (base, None),
        (false, None) => (String::new(), Some(crate::pypi::INDEX_OFF)),
    }
}

/// Waits until audit `run`'s report is drawn, at most `waits` times `wait`.
async fn until_drawn<F: std::future::Future<Output = ()>>(drawn: &Cell<u32>, run: u32, waits: usize, wait: fn() -> F) {
    for _ in 0..waits {
        if drawn.get() == run {
            return;
        }
        wait().await;
    }
}

impl audit::PackageIndex for AfterDrawn {
    async fn release_list(&self, name: &str) -> crate::pypi::ReleaseLookup {
        self.index.release_list(name).await
    }

    async fn resolve(&self, job: &ResolveJob) -> Result<crate::resolve::ResolvedSet, String> {
        self.index.resolve(job).await
    }

    async fn graph_facts(&self, question: &crate::graph::facts::GraphQuestion) -> crate::graph::facts::GraphFacts {
        self.index.graph_facts(question).await
    }

    async fn pause(&self) {
        until_drawn(&self.drawn, self.run, DRAWN_FRAMES, clock::after_next_frame).await;
        clock::yield_now().await;
    }
}

impl UseAuditHandle {
    /// Says that audit `run`'s report is drawn whole: its records may now be saved.
    pub fn report_drawn(&self, run: u32) {
        self.drawn.set(run);
    }

    /// Whether an audit (or a retry) has started since the page loaded.
    pub fn has_started(&self) -> bool {
        self.started.get()
    }

    /// What `inputs` hold: what was read ahead when it was these same inputs, else read now.
    fn read(&self, inputs: &Rc<Inputs>) -> Read {
        if let Some(read) = self.state.current_read().filter(|read| read.inputs == *inputs) {
            return read.clone();
        }
        let started = clock::monotonic_ms();
        // A crash while reading (a wasm trap) leaves this mark set, and the next load sets the input aside.
        let reading = storage::ReadingMark::set();
        let parsed = Rc::new(parse_files(&inputs.files_to_read()));
        drop(reading);
        let timing =
            ParseTiming { entries: parsed.dependencies().count(), milliseconds: clock::monotonic_ms() - started };
        Read { inputs: Rc::clone(inputs), parsed, timing }
    }

    /// Reads `inputs` ahead of an audit and puts what they hold on the page (formats, package counts, the first
    /// problem) before anything is looked up; the audit then starts from it.
    pub fn read_ahead(&self, inputs: Rc<Inputs>) {
        if inputs.is_empty() || self.state.current_read().is_some_and(|read| read.inputs == inputs) {
            return;
        }
        let read = self.read(&inputs);
        let parsed = Rc::clone(&read.parsed);
        self.state.dispatch(Action::ReadAhead(read));
        // The worker reads release lists and lockfiles' environments: started now, while the page waits for the click.
        let offline = matches!(self.offline.route(), AuditRoute::Offline(_));
        let (index, off) = index_of(offline, &self.state.settings);
        let lockfile = parsed.files.iter().any(|file| crate::graph::facts::is_lock(file.format));
        if lockfile || off.is_none() {
            crate::io::worker_client::warm();
        }
        // The files' dependency graphs, made while the page waits for the click rather than during the audit; then
        // the lockfiles' question the audit asks first (where each package installs), asked of the worker now.
        let resolution = services::resolution(&self.state);
        let resolves = resolution.resolve && needs_resolution(&parsed);
        let timeout_ms = self.state.settings.timeout_ms();
        yew::platform::spawn_local(async move {
            clock::when_idle().await;
            crate::graph::prepare(&parsed);
            if lockfile && !resolves {
                if let Some(question) = crate::graph::facts::environments_question(&parsed, resolution.target) {
                    crate::io::worker_client::ask_graph_ahead(&index, question, timeout_ms);
                }
            }
        });
    }

    /// Audits `inputs`. A running audit is cancelled first.
    pub fn run(&self, inputs: Rc<Inputs>) {
        self.cancel();
        let run = self.state.audit.run.wrapping_add(1);
        if inputs.is_empty() {
            let read = Read { inputs, parsed: Rc::default(), timing: ParseTiming::default() };
            self.state.dispatch(Action::Start { run, read, scope: Scope::Full });
            self.state.dispatch(Action::Fail(run, "Paste a requirements file or choose files to audit.".into()));
            return;
        }
        let read = self.read(&inputs);
        let parsed = Rc::clone(&read.parsed);
        if parsed.files.iter().all(|file| file.dependencies.is_empty()) {
            let message = if parsed.files.iter().any(|file| !file.errors.is_empty()) {
                "The input could not be read; see the errors below."
            } else {
                "No dependencies were found in the input."
            };
            self.state.dispatch(Action::Start { run, read, scope: Scope::Full });
            self.state.dispatch(Action::Fail(run, message.into()));
            return;
        }
        let use_cache = self.state.settings.cache && self.cache.broken().is_none();
        let last_report = if use_cache && !self.cache_cleared.replace(false) {
            MemoryCache::of_lookups(&self.state.audit.lookups)
        } else {
            MemoryCache::default()
        };
        let resolution = services::resolution(&self.state);
        let resolve = (resolution.resolve && needs_resolution(&parsed)).then(|| ResolveJob {
            files: inputs.files_to_read(),
            target: resolution.target,
            as_of: resolution.as_of,
        });
        let plan = AuditPlan {
            input: Rc::clone(&parsed),
            target: resolution.target,
            resolve,
            at_hand: AtHand { last_report, ..AtHand::default() },
            ..AuditPlan::default()
        };
        // The lookups start before the page's first render of the audit, so that the first request is on the
        // wire while the page draws the status.
        let started = self.start(run, plan);
        self.state.dispatch(Action::Start { run, read, scope: Scope::Full });
        if let Err(message) = started {
            self.state.dispatch(Action::Fail(run, message));
        }
    }

    /// Looks up again what is unchecked (and the advisories that could not be fetched), keeping the rest of the
    /// report.
    pub fn retry(&self) {
        let (Some(scope), Some(read)) = (self.state.retry_scope(), self.state.audit.read.clone()) else { return };
        let Scope::Retry { keys, .. } = &scope else { return };
        self.cancel();
        let run = self.state.audit.run.wrapping_add(1);
        let lookups = &self.state.audit.lookups;
        let retried = crate::sorting::map_of(
            lookups
                .records
                .iter()
                .filter_map(|(id, result)| result.as_ref().ok().map(|record| (id.clone(), Rc::clone(record)))),
        );
        let input = Rc::clone(self.state.audit.resolved_input.as_ref().unwrap_or(&read.parsed));
        let plan = AuditPlan {
            input,
            only: Some(keys.clone()),
            at_hand: AtHand { retried, ..AtHand::default() },
            releases_known: lookups.releases.keys().cloned().collect(),
            ..AuditPlan::default()
        };
        let started = self.start(run, plan);
        self.state.dispatch(Action::Start { run, read, scope });
        if let Err(message) = started {
            self.state.dispatch(Action::Fail(run, message));
        }
    }

    fn cancel(&self) {
        if let Some(previous) = self.running.borrow_mut().take() {
            previous.abort();
        }
    }

    /// Starts audit `run` in a local task, with the services the page has now; the caller dispatches the start of
    /// the audit after this, and the failure when it cannot start.
    fn start(&self, run: u32, plan: AuditPlan) -> Result<(), String> {
        self.started.set(true);
        let settings = self.state.settings.clone();
        let batcher = Batcher::new(run, self.state.dispatcher());
        let (abort, registration) = AbortHandle::new_pair();
        let ready = match self.offline.route() {
            AuditRoute::Blocked(message) => return Err(message),
            AuditRoute::Offline(ready) => Some(ready),
            AuditRoute::Online => None,
        };
        let endpoint = services::endpoint(&settings);
        if ready.is_none() {
            if let Some(message) = services::endpoint_blocked(&endpoint) {
                return Err(message);
            }
        }
        *self.running.borrow_mut() = Some(abort);
        let sent: SentLog = {
            let batcher = batcher.clone();
            Rc::new(move |request| batcher.sent(request))
        };
        let transport = FetchTransport::new(Rc::clone(&sent));
        let timeout_ms = settings.timeout_ms();
        let cache = Rc::clone(&self.cache);
        let drawn = Rc::clone(&self.drawn);
        // The cache is skipped when switched off, and for the rest of the session once it failed.
        let use_cache = settings.cache && cache.broken().is_none();
        let task = {
            let batcher = batcher.clone();
            let cache = Rc::clone(&cache);
            async move {
                let mut on_event = |event| batcher.event(event);
                let osv = match &ready {
                    Some(_) => {
                        // The page shows the audit as running before the matching holds it.
                        clock::yield_now().await;
                        PageOsv::Offline(WorkerOffline)
                    }
                    None => PageOsv::Online(OnlineOsv {
                        transport: &transport,
                        cache: use_cache.then_some(cache.as_ref()),
                        settings: LookupSettings {
                            retry: RetryPolicy { timeout_ms, ..RetryPolicy::default() },
                            endpoint: Endpoint::new(&endpoint),
                            ..LookupSettings::default()
                        },
                    }),
                };
                let (base, off) = index_of(ready.is_some(), &settings);
                // With the index off, the worker still reads the lockfiles' parents and markers, asking nothing.
                let index = AfterDrawn {
                    index: WorkerIndex::new(&base, timeout_ms, Rc::clone(&sent)),
                    drawn: Rc::clone(&drawn),
                    run,
                };
                let access = match off {
                    None => IndexAccess::On(&index),
                    Some(reason) => IndexAccess::FilesOnly(&index, reason.to_string()),
                };
                // Saving hundreds of records in IndexedDB takes a while; the report is drawn first (its drawing
                // steps leave idle moments between them), and the saving waits until the page is idle. It is not
                // part of the audit: an audit started meanwhile (which cancels this one, perhaps in its index phase)
                // does not cancel it.
                let keep = {
                    let (batcher, cache, drawn) = (batcher.clone(), Rc::clone(&cache), Rc::clone(&drawn));
                    move |unsaved: audit::Unsaved| {
                        yew::platform::spawn_local(async move {
                            until_drawn(&drawn, run, DRAWN_WAITS, clock::when_idle).await;
                            clock::when_idle().await;
                            let cache = use_cache.then_some(cache.as_ref());
                            unsaved.save(&cache, &mut |event| batcher.event(event)).await;
                            batcher.flush();
                        });
                    }
                };
                audit::run(&osv, access, plan, &mut on_event, keep).await;
                // In a task of its own: the report is built and drawn again with what the index phase learned.
                batcher.flush_soon();
            }
        };
        yew::platform::spawn_local(async move {
            let _ = Abortable::new(task, registration).await;
        });
        Ok(())
    }

    /// Reads how many records the cache keeps, for the settings panel.
    pub fn count_cache(&self) {
        let (cache, dispatcher) = (Rc::clone(&self.cache), self.state.dispatcher());
        yew::platform::spawn_local(async move {
            match cache.count().await {
                Ok(count) => dispatcher.dispatch(Action::CacheInfo(Some(count), None)),
                Err(reason) => {
                    dispatcher.dispatch(Action::CacheInfo(None, Some(format!("Cannot read the cache: {reason}"))))
                }
            }
        });
    }

    /// Empties the cache and says how many records it removed.
    pub fn clear_cache(&self) {
        self.cache_cleared.set(true);
        let (cache, dispatcher) = (Rc::clone(&self.cache), self.state.dispatcher());
        yew::platform::spawn_local(async move {
            match cache.clear().await {
                Ok(removed) => dispatcher.dispatch(Action::CacheInfo(
                    Some(0),
                    Some(format!("Cleared {}.", counted(removed as usize, "advisory", "advisories"))),
                )),
                Err(reason) => dispatcher
                    .dispatch(Action::CacheInfo(None, Some(format!("The cache could not be cleared: {reason}")))),
            }
        });
    }
}

/// The audit handle, over the page's state.
#[hook]
pub fn use_audit(state: UseReducerHandle<PageState>, offline: UseReducerHandle<OfflineState>) -> UseAuditHandle {
    let running = use_mut_ref(|| None);
    let cache = use_memo((), |_| IdbRecordCache::default());
    {
        let (cache, wanted) = (Rc::clone(&cache), state.settings.cache);
        use_effect_with((), move |_| {
            if wanted {
                cache.warm();
            }
        });
    }
    let started = use_memo((), |_| Cell::new(false));
    let cache_cleared = use_memo((), |_| Cell::new(false));
    let drawn = use_memo((), |_| Cell::new(0));
    UseAuditHandle {
        state,
        offline,
        running,
        cache: Rc::clone(&cache),
        started: Rc::clone(&started),
        cache_cleared: Rc::clone(&cache_cleared),
        drawn: Rc::clone(&drawn),
    }
}
