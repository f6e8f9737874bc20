//! The page's side of the package-index worker: started on first use, it answers the audit's [`PackageIndex`] calls
//! through messages, and reports the requests it sends to the audit that asked.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures::channel::oneshot;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::audit::PackageIndex;
use crate::io::fetch::SentLog;
use crate::page::worker::{FromWorker, ToWorker};
use crate::pypi::ReleaseLookup;

/// The worker's script, beside the page.
const SCRIPT: &str = "www/worker-boot.js";

/// A request waiting for its answer.
struct Pending {
    answer: oneshot::Sender<ReleaseLookup>,
    sent: SentLog,
}

/// The running worker and the requests it has not answered.
struct Connection {
    worker: Worker,
    next_id: Cell<u32>,
    pending: RefCell<HashMap<u32, Pending>>,
    /// Why the worker cannot answer, once it failed.
    broken: RefCell<Option<String>>,
}

thread_local! {
    static CONNECTION: RefCell<Option<Rc<Connection>>> = const { RefCell::new(None) };
}

impl Connection {
    fn start() -> Result<Rc<Self>, String> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(SCRIPT, &options)
            .map_err(|error| format!("the package-index worker could not start ({error:?})"))?;
        let connection =
            Rc::new(Self { worker, next_id: Cell::new(0), pending: RefCell::default(), broken: RefCell::default() });
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
            FromWorker::ReleaseList { id, lookup } => {
                if let Some(pending) = self.pending.borrow_mut().remove(&id) {
                    let _ = pending.answer.send(lookup);
                }
            }
            FromWorker::Sent { id, request } => {
                let sent = self.pending.borrow().get(&id).map(|pending| Rc::clone(&pending.sent));
                if let Some(sent) = sent {
                    sent(request.into());
                }
            }
        }
    }

    /// Every waiting request is answered with `reason`, and so is every later one.
    fn fail(&self, reason: String) {
        for (_, pending) in self.pending.borrow_mut().drain() {
            let _ = pending.answer.send(ReleaseLookup::Unavailable(reason.clone()));
        }
        *self.broken.borrow_mut() = Some(reason);
    }
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
        let connection = match connection() {
            Ok(connection) => connection,
            Err(reason) => return ReleaseLookup::Unavailable(reason),
        };
        let id = connection.next_id.get().wrapping_add(1);
        connection.next_id.set(id);
        let (answer, answered) = oneshot::channel();
        connection.pending.borrow_mut().insert(id, Pending { answer, sent: Rc::clone(&self.sent) });
        let message =
            ToWorker::ReleaseList { id, index: self.base.clone(), name: name.to_string(), timeout_ms: self.timeout_ms };
        let posted = serde_wasm_bindgen::to_value(&message)
            .map_err(|error| error.to_string())
            .and_then(|value| connection.worker.post_message(&value).map_err(|error| format!("{error:?}")));
        if let Err(reason) = posted {
            connection.pending.borrow_mut().remove(&id);
            return ReleaseLookup::Unavailable(format!("the package-index worker could not be asked ({reason})"));
        }
        answered.await.unwrap_or_else(|_| ReleaseLookup::Unavailable("the package-index worker stopped".into()))
    }
}
