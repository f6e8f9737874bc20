//! The package-index worker itself: a second wasm module, loaded by `www/worker-boot.js` into a dedicated worker
//! when the page first needs the index. It answers [`ToWorker`] requests with [`FromWorker`] messages through one
//! [`IndexClient`] per index (its cache lasts the session), and lists each request it sends, so that the page's
//! "What was sent" stays complete. The resolver and the offline database run here too: their code never loads
//! with the page, and their work (resolving, reading a 10 MB archive) never holds up its main thread.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::audit::{PackageIndex, ResolveJob};
use crate::http::RetryPolicy;
use crate::index::{IndexClient, IndexOptions, IndexUrl};
use crate::io::archive_store;
use crate::io::fetch::{FetchTransport, SentLog};
use crate::io::index_store::IdbPageCache;
use crate::offline_database::{lookups, Loader, OfflineDatabase};
use crate::osv::archive::Limits;
use crate::page::worker::{FromWorker, OfflineSummary, ToWorker};
use crate::resolve::{self, AsOf, ResolvedSet};
use crate::sources::parse_files;
use crate::vex;

/// Requests in flight at once to one index: the resolver asks for hundreds of pages and metadata files, and the
/// index answers over HTTP/2.
const CONCURRENCY: usize = 32;

type Client = IndexClient<FetchTransport, IdbPageCache>;

thread_local! {
    /// One client per index base, kept for the session.
    static CLIENTS: RefCell<HashMap<String, Rc<Client>>> = RefCell::default();
    /// The offline database, once loaded.
    static OFFLINE: RefCell<Option<OfflineDatabase>> = const { RefCell::new(None) };
    /// The number of the newest load: an older one still reading stops.
    static NEWEST_LOAD: Cell<u32> = const { Cell::new(0) };
}

/// The largest VEX document read, in bytes.
const MAX_VEX_BYTES: f64 = 10.0 * 1_048_576.0;

/// How long one slice of loading runs before the worker looks at its messages again (a newer load, a lookup).
const SLICE_MS: f64 = 100.0;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(message: &FromWorker) {
    match serde_wasm_bindgen::to_value(message) {
        Ok(value) => {
            let _ = scope().post_message(&value);
        }
        Err(error) => web_sys::console::warn_1(&format!("osv-lens worker: {error}").into()),
    }
}

/// The client for `index`, made on first use; `timeout_ms` applies to the requests it sends from now on.
fn client(index: &str, timeout_ms: u32) -> Rc<Client> {
    CLIENTS.with(|clients| {
        let mut clients = clients.borrow_mut();
        let client = clients.entry(index.to_string()).or_insert_with(|| {
            let sent: SentLog = Rc::new(|request| post(&FromWorker::Sent { request: (&request).into() }));
            let options = IndexOptions {
                index: IndexUrl::new(index),
                policy: RetryPolicy { max_attempts: 2, timeout_ms, ..RetryPolicy::default() },
                concurrency: CONCURRENCY,
                ..IndexOptions::default()
            };
            Rc::new(IndexClient::new(
                FetchTransport::new(sent),
                IdbPageCache::new(),
                options,
                Rc::new(|| js_sys::Date::now() as u64),
            ))
        });
        Rc::clone(client)
    })
}

/// Starts answering: the messages that arrived while the module loaded first, then every later one.
pub fn start() {
    let scope = scope();
    let early = js_sys::Reflect::get(&scope, &"__osvLensEarly".into()).unwrap_or(JsValue::UNDEFINED);
    for message in js_sys::Array::from(&early).iter() {
        receive(message);
    }
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| receive(event.data()));
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
}

fn receive(data: JsValue) {
    let blob = js_sys::Reflect::get(&data, &"blob".into()).ok().and_then(|blob| blob.dyn_into::<web_sys::Blob>().ok());
    if blob.is_some() {
        // The message itself is the other key: an externally tagged enum reads as an object of one key.
        let _ = js_sys::Reflect::delete_property(data.unchecked_ref::<js_sys::Object>(), &"blob".into());
    }
    match serde_wasm_bindgen::from_value::<ToWorker>(data) {
        Ok(message) => wasm_bindgen_futures::spawn_local(answer(message, blob)),
        Err(error) => web_sys::console::warn_1(&format!("osv-lens worker: unreadable message: {error}").into()),
    }
}

async fn answer(message: ToWorker, blob: Option<web_sys::Blob>) {
    match message {
        ToWorker::ReleaseList { id, index, name, timeout_ms } => {
            let lookup = client(&index, timeout_ms).release_list(&name).await;
            post(&FromWorker::ReleaseList { id, lookup });
        }
        ToWorker::OfflineLoad { id, name } => {
            NEWEST_LOAD.with(|newest| newest.set(id));
            let result = match blob {
                Some(blob) => match archive_store::read_bytes(&blob).await {
                    Ok(bytes) => load_offline(id, &name, bytes).await,
                    Err(error) => Err(format!("`{name}` could not be read: {error}")),
                },
                None => Err(format!("`{name}` did not reach the worker")),
            };
            if NEWEST_LOAD.with(Cell::get) == id {
                post(&FromWorker::OfflineLoaded { id, result });
            }
        }
        ToWorker::OfflineLookup { id, packages } => {
            let answer = OFFLINE.with(|offline| {
                let offline = offline.borrow();
                let database = offline.as_ref()?;
                let found = lookups(database, &packages);
                let records = found
                    .records
                    .values()
                    .filter_map(|record| record.as_ref().ok())
                    .filter_map(|record| serde_json::to_string(&**record).ok())
                    .collect();
                let queries =
                    found.queries.into_iter().map(|(key, result)| (key, result.unwrap_or_default())).collect();
                Some(FromWorker::OfflineAnswer { id, queries, records })
            });
            post(&answer.unwrap_or(FromWorker::OfflineAnswer { id, queries: Vec::new(), records: Vec::new() }));
        }
        ToWorker::OfflineRemove => {
            NEWEST_LOAD.with(|newest| newest.set(newest.get().wrapping_add(1)));
            OFFLINE.with(|offline| offline.borrow_mut().take());
        }
        ToWorker::Resolve { id, index, job, timeout_ms } => {
            let result = resolve_job(&client(&index, timeout_ms), &index, &job).await;
            post(&FromWorker::Resolved { id, result });
        }
        ToWorker::Graph { id, index, question, timeout_ms } => {
            // No index (switched off, offline mode): what the files say, and no request.
            let client = (!index.is_empty()).then(|| client(&index, timeout_ms));
            let facts = crate::graph::facts::answer(&question, client.as_deref()).await;
            post(&FromWorker::Lines { id, lines: facts.lines });
        }
        ToWorker::VexWrite { id, format, findings, rules, timestamp } => {
            let findings = vex::findings_of(&findings, &rules, timestamp.get(..10).unwrap_or_default());
            post(&FromWorker::Lines { id, lines: vec![vex::write(format, &findings, &timestamp)] });
        }
        ToWorker::VexRead { id, name } => {
            let result = match blob {
                Some(blob) if blob.size() > MAX_VEX_BYTES => {
                    Err(format!("`{name}` is {:.1} MB; a VEX document may be 10 MB", blob.size() / 1_048_576.0))
                }
                Some(blob) => match archive_store::read_bytes(&blob).await {
                    Ok(bytes) => vex::read(&name, &bytes),
                    Err(error) => Err(format!("`{name}` could not be read: {error}")),
                },
                None => Err(format!("`{name}` did not reach the worker")),
            };
            let lines = match result {
                Ok(read) => vec![read.rules_json(), read.summary],
                Err(message) => vec![String::new(), message],
            };
            post(&FromWorker::Lines { id, lines });
        }
    }
}

/// Loads an archive in slices, reporting progress, until it is done or a newer load (or a removal) replaces it.
async fn load_offline(id: u32, name: &str, bytes: Vec<u8>) -> Result<OfflineSummary, String> {
    let mut loader = Loader::open(bytes, &Limits::default()).map_err(|error| format!("`{name}`: {error}."))?;
    while !loader.is_finished() {
        let started = js_sys::Date::now();
        while !loader.is_finished() && js_sys::Date::now() - started < SLICE_MS {
            loader.step(16).map_err(|error| format!("`{name}`: {error}."))?;
        }
        post(&FromWorker::OfflineProgress {
            id,
            done: loader.done(),
            total: loader.total(),
            records: loader.records(),
        });
        gloo_timers::future::TimeoutFuture::new(0).await;
        if NEWEST_LOAD.with(Cell::get) != id {
            return Err("replaced by another load".into());
        }
    }
    let database = loader.finish().map_err(|error| format!("`{name}`: {error}."))?;
    if database.is_empty() {
        return Err(database.empty_reason(name));
    }
    let summary = OfflineSummary {
        records: database.len(),
        newest_day: database.newest_day().map(str::to_string),
        notes: database.report.notes(),
    };
    OFFLINE.with(|offline| *offline.borrow_mut() = Some(database));
    Ok(summary)
}

/// Reads the job's files and resolves what they install.
async fn resolve_job(client: &Client, index: &str, job: &ResolveJob) -> Result<ResolvedSet, String> {
    let parsed = parse_files(&job.files);
    let mut request = resolve::from_input(&parsed, job.target);
    request.as_of = match job.as_of.as_deref().map(str::parse::<AsOf>) {
        Some(Ok(day)) => Some(day),
        Some(Err(message)) => return Err(message),
        None => None,
    };
    let resolution = resolve::resolve(client, &request).await;
    Ok(ResolvedSet::of(&resolution, index))
}
