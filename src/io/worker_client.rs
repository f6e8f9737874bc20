//! The page's side of the package-index worker: started on first use, it answers the audit's [`PackageIndex`] calls
//! through messages, and reports the requests it sends to the audit that asked.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use futures::channel::oneshot;
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::audit::{AtHand, AuditEvent, Lookups, OsvService, PackageIndex, PackageKey, ResolveJob, Unsaved};
use crate::graph::facts::{GraphFacts, GraphQuestion};
use crate::http::{read_json, FetchError};
use crate::io::fetch::SentLog;
use crate::matching::CompiledVulnerability;
use crate::osv::Vulnerability;
use crate::page::worker::{FromWorker, OfflineSummary, ToWorker};
use crate::pypi::{FailureMemo, ReleaseLookup};
use crate::resolve::ResolvedSet;

/// The worker's script, beside the page.
const SCRIPT: &str = "www/worker-boot.js";

/// Where a load reports its progress: entries read, entries in all, records kept.
pub type LoadProgress = Rc<dyn Fn(usize, usize, usize)>;

/// A request waiting for its answer.
struct Pending {
    answer: oneshot::Sender<FromWorker>,
    progress: Option<LoadProgress>,
}

/// The running worker and the requests it has not answered.
struct Connection {
    worker: Worker,
    next_id: Cell<u32>,
    pending: RefCell<HashMap<u32, Pending>>,
    /// Where the requests the worker sends are listed: the log of the audit that asked last (one audit runs at a
    /// time; the worker shares its fetches between the audit's questions).
    sent: RefCell<Option<SentLog>>,
    /// Why the worker cannot answer, once it failed.
    broken: RefCell<Option<String>>,
}

thread_local! {
    static CONNECTION: RefCell<Option<Rc<Connection>>> = const { RefCell::new(None) };
    /// Release lists that failed lately: a new audit does not ask a failing index again at once.
    static FAILED: RefCell<FailureMemo> = RefCell::default();
    /// The last lockfile question asked (with the index it was asked for) and its answer, to come or come: the
    /// question the page asks when it reads the input ahead of the click is answered once, not again by the audit.
    static GRAPH_ASKED: RefCell<Option<GraphAsked>> = const { RefCell::new(None) };
}

/// A lockfile question, the index it was asked for, and its answer.
struct GraphAsked {
    index: String,
    question: GraphQuestion,
    answer: Shared<LocalBoxFuture<'static, GraphFacts>>,
}

/// Asks the worker `question` about the lockfiles now, for the audit that will ask it (with the same `index`): the
/// answer is kept until another question is asked.
pub fn ask_graph_ahead(index: &str, question: GraphQuestion, timeout_ms: u32) {
    let answer = graph_answer(index, &question, timeout_ms, None);
    GRAPH_ASKED.with(|slot| {
        *slot.borrow_mut() = Some(GraphAsked { index: index.to_string(), question, answer: answer.clone() })
    });
    wasm_bindgen_futures::spawn_local(async move {
        answer.await;
    });
}

/// The worker's answer to `question`, shared by whoever awaits it.
fn graph_answer(
    index: &str,
    question: &GraphQuestion,
    timeout_ms: u32,
    sent: Option<SentLog>,
) -> Shared<LocalBoxFuture<'static, GraphFacts>> {
    let (index, question) = (index.to_string(), question.clone());
    async move {
        let asked = async {
            let connection = connection()?;
            let make = |id| ToWorker::Graph { id, index: index.clone(), question: question.clone(), timeout_ms };
            connection.ask(&make, sent.as_ref(), None).await
        };
        match asked.await {
            Ok(FromWorker::Lines { lines, .. }) => GraphFacts::from(lines),
            _ => GraphFacts::default(),
        }
    }
    .boxed_local()
    .shared()
}

impl Connection {
    fn start() -> Result<Rc<Self>, String> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(SCRIPT, &options)
            .map_err(|error| format!("the package-index worker could not start ({error:?})"))?;
        let connection = Rc::new(Self {
            worker,
            next_id: Cell::new(0),
            pending: RefCell::default(),
            sent: RefCell::default(),
            broken: RefCell::default(),
        });
        let weak = Rc::downgrade(&connection);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(connection) = weak.upgrade() {
                connection.receive(event.data());
            }
        });
        connection.worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let weak = Rc::downgrade(&connection);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            if let Some(connection) = weak.upgrade() {
                connection.fail("the package-index worker stopped".into());
            }
        });
        connection.worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        Ok(connection)
    }

    fn receive(&self, data: JsValue) {
        let Ok(message) = serde_wasm_bindgen::from_value::<FromWorker>(data) else { return };
        match message {
            FromWorker::OfflineProgress { id, done, total, records } => {
                let progress = self.pending.borrow().get(&id).and_then(|pending| pending.progress.clone());
                if let Some(progress) = progress {
                    progress(done, total, records);
                }
            }
            FromWorker::ReleaseList { id, .. }
            | FromWorker::Resolved { id, .. }
            | FromWorker::Lines { id, .. }
            | FromWorker::OfflineLoaded { id, .. }
            | FromWorker::OfflineAnswer { id, .. } => {
                if let Some(pending) = self.pending.borrow_mut().remove(&id) {
                    let _ = pending.answer.send(message);
                }
            }
            FromWorker::Sent { request } => {
                let sent = self.sent.borrow().clone();
                if let Some(sent) = sent {
                    sent(request.into());
                }
            }
        }
    }

    /// Every waiting request ends (its caller says the worker stopped), and every later one fails with `reason`.
    fn fail(&self, reason: String) {
        self.pending.borrow_mut().clear();
        *self.broken.borrow_mut() = Some(reason);
    }

    /// Posts a message made for a new request number, and waits for its answer; `Err` says why there is none.
    /// `make` is a trait object so that one copy of this future serves every kind of request (page weight).
    async fn ask(
        &self,
        make: &dyn Fn(u32) -> ToWorker,
        sent: Option<&SentLog>,
        progress: Option<LoadProgress>,
    ) -> Result<FromWorker, String> {
        self.ask_with(make, sent, progress, None).await
    }

    /// [`Connection::ask`], with a Blob beside the message (its `blob` property).
    async fn ask_with(
        &self,
        make: &dyn Fn(u32) -> ToWorker,
        sent: Option<&SentLog>,
        progress: Option<LoadProgress>,
        blob: Option<&web_sys::Blob>,
    ) -> Result<FromWorker, String> {
        let id = self.next_id.get().wrapping_add(1);
        self.next_id.set(id);
        let (answer, answered) = oneshot::channel();
        self.pending.borrow_mut().insert(id, Pending { answer, progress });
        if let Some(sent) = sent {
            *self.sent.borrow_mut() = Some(Rc::clone(sent));
        }
        let posted = serde_wasm_bindgen::to_value(&make(id)).map_err(|error| error.to_string()).and_then(|value| {
            if let Some(blob) = blob {
                js_sys::Reflect::set(&value, &"blob".into(), blob).map_err(|error| format!("{error:?}"))?;
            }
            self.worker.post_message(&value).map_err(|error| format!("{error:?}"))
        });
        if let Err(reason) = posted {
            self.pending.borrow_mut().remove(&id);
            return Err(format!("the package-index worker could not be asked ({reason})"));
        }
        answered
            .await
            .map_err(|_| self.broken.borrow().clone().unwrap_or_else(|| "the package-index worker stopped".into()))
    }
}

/// Starts the worker ahead of the audit that will need it: loading and compiling its code took a core for a while,
/// which the first audit then shared with its own work.
pub fn warm() {
    let _ = connection();
}

fn connection() -> Result<Rc<Connection>, String> {
    CONNECTION.with(|slot| {
        let mut slot = slot.borrow_mut();
        if let Some(connection) = slot.as_ref() {
            if let Some(reason) = connection.broken.borrow().as_ref() {
                return Err(reason.clone());
            }
            return Ok(Rc::clone(connection));
        }
        let connection = Connection::start()?;
        *slot = Some(Rc::clone(&connection));
        Ok(connection)
    })
}

/// The package index at `base`, reached through the worker; requests are reported to `sent`.
pub struct WorkerIndex {
    base: String,
    timeout_ms: u32,
    sent: SentLog,
}

impl WorkerIndex {
    /// The index at `base`, each request waiting at most `timeout_ms`.
    pub fn new(base: &str, timeout_ms: u32, sent: SentLog) -> Self {
        Self { base: base.to_string(), timeout_ms, sent }
    }
}

impl PackageIndex for WorkerIndex {
    async fn release_list(&self, name: &str) -> ReleaseLookup {
        let key = format!("{} {name}", self.base);
        if let Some(remembered) = FAILED.with(|memo| memo.borrow().recall(&key, js_sys::Date::now())) {
            return remembered;
        }
        let asked = async {
            let connection = connection()?;
            let make = |id| ToWorker::ReleaseList {
                id,
                index: self.base.clone(),
                name: name.to_string(),
                timeout_ms: self.timeout_ms,
            };
            connection.ask(&make, Some(&self.sent), None).await
        };
        let lookup = match asked.await {
            Ok(FromWorker::ReleaseList { lookup, .. }) => lookup,
            Ok(_) => ReleaseLookup::Unavailable("the package-index worker answered another question".into()),
            Err(reason) => ReleaseLookup::Unavailable(reason),
        };
        FAILED.with(|memo| memo.borrow_mut().remember(&key, &lookup, js_sys::Date::now()));
        lookup
    }

    async fn resolve(&self, job: &ResolveJob) -> Result<ResolvedSet, String> {
        let connection = connection()?;
        let make =
            |id| ToWorker::Resolve { id, index: self.base.clone(), job: job.clone(), timeout_ms: self.timeout_ms };
        match connection.ask(&make, Some(&self.sent), None).await? {
            FromWorker::Resolved { result, .. } => result,
            _ => Err("the package-index worker answered another question".into()),
        }
    }

    async fn graph_facts(&self, question: &GraphQuestion) -> GraphFacts {
        let asked_ahead = GRAPH_ASKED.with(|slot| {
            let slot = slot.borrow();
            let asked = slot.as_ref().filter(|asked| asked.index == self.base && asked.question == *question)?;
            Some(asked.answer.clone())
        });
        let Some(answer) = asked_ahead else {
            return graph_answer(&self.base, question, self.timeout_ms, Some(Rc::clone(&self.sent))).await;
        };
        let facts = answer.await;
        // An empty answer may be a failure: the next audit asks again (unless another question replaced it).
        if facts.lines.is_empty() {
            GRAPH_ASKED.with(|slot| {
                let mut slot = slot.borrow_mut();
                if slot.as_ref().is_some_and(|asked| asked.index == self.base && asked.question == *question) {
                    *slot = None;
                }
            });
        }
        facts
    }
}

/// Loads `blob`, an OSV export archive called `name`, as the worker's offline database, reporting progress. The
/// worker reads the archive itself: its bytes never pass through the page.
pub async fn load_offline(name: &str, blob: &web_sys::Blob, progress: LoadProgress) -> Result<OfflineSummary, String> {
    let connection = connection()?;
    let make = |id| ToWorker::OfflineLoad { id, name: name.to_string() };
    match connection.ask_with(&make, None, Some(progress), Some(blob)).await? {
        FromWorker::OfflineLoaded { result, .. } => result,
        _ => Err("the package-index worker answered another question".into()),
    }
}

/// Asks the worker a VEX question (`VexWrite`, or `VexRead` with the file beside it), and answers its lines (see
/// [`FromWorker::Lines`]): the writers and readers never load with the page.
pub async fn ask_vex(make: &dyn Fn(u32) -> ToWorker, blob: Option<&web_sys::Blob>) -> Result<Vec<String>, String> {
    match connection()?.ask_with(make, None, None, blob).await? {
        FromWorker::Lines { lines, .. } => Ok(lines),
        _ => Err("the worker answered another question".into()),
    }
}

/// Forgets the worker's offline database, and stops a load that is running.
pub fn remove_offline() {
    let Some(connection) = CONNECTION.with(|slot| slot.borrow().clone()) else { return };
    if let Ok(value) = serde_wasm_bindgen::to_value(&ToWorker::OfflineRemove) {
        let _ = connection.worker.post_message(&value);
    }
}

/// The offline database in the worker, as the audit's OSV service: no request leaves the page.
pub struct WorkerOffline;

impl OsvService for WorkerOffline {
    async fn look_up(
        &self,
        packages: &[PackageKey],
        _at_hand: &AtHand,
        on_event: &mut dyn FnMut(AuditEvent),
    ) -> (Lookups, Unsaved) {
        let asked = async {
            let connection = connection()?;
            let make = |id| ToWorker::OfflineLookup { id, packages: packages.to_vec() };
            connection.ask(&make, None, None).await
        };
        let mut found = Lookups::default();
        match asked.await {
            Ok(FromWorker::OfflineAnswer { queries, records, .. }) => {
                for json in records {
                    if let Ok(record) = read_json::<Vulnerability>(json.as_bytes()) {
                        let record = Rc::new(record);
                        found.compiled.insert(record.id.clone(), Arc::new(CompiledVulnerability::new(&record)));
                        found.records.insert(record.id.clone(), Ok(record));
                    }
                }
                found.queries = crate::sorting::map_of(queries.into_iter().map(|(key, refs)| (key, Ok(refs))));
            }
            Ok(_) | Err(_) => {
                let reason = FetchError::Network("the offline database could not be asked".into());
                found.queries = crate::sorting::map_of(packages.iter().map(|key| (key.clone(), Err(reason.clone()))));
            }
        }
        on_event(AuditEvent::Answered(Box::new(found.clone())));
        (found, Unsaved::default())
    }
}
