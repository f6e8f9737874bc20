//! The package-index worker itself: a second wasm module, loaded by `www/worker-boot.js` into a dedicated worker
//! when the page first needs the index. It answers [`ToWorker`] requests with [`FromWorker`] messages, fetching with
//! the same transport as the page and listing each request it sends, so that the page's "What was sent" stays
//! complete.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::audit::PackageIndex;
use crate::io::fetch::{FetchTransport, SentLog};
use crate::io::pypi_client::PypiIndex;
use crate::page::worker::{FromWorker, ToWorker};
use crate::pypi::ReleaseLookup;

thread_local! {
    /// Release lists read in this session, by index and name: a re-audit asks the index nothing.
    static RELEASES: RefCell<HashMap<(String, String), ReleaseLookup>> = RefCell::default();
}

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
    match serde_wasm_bindgen::from_value::<ToWorker>(data) {
        Ok(message) => wasm_bindgen_futures::spawn_local(answer(message)),
        Err(error) => web_sys::console::warn_1(&format!("osv-lens worker: unreadable message: {error}").into()),
    }
}

async fn answer(message: ToWorker) {
    match message {
        ToWorker::ReleaseList { id, index, name, timeout_ms } => {
            let key = (index.clone(), name.clone());
            if let Some(lookup) = RELEASES.with(|kept| kept.borrow().get(&key).cloned()) {
                post(&FromWorker::ReleaseList { id, lookup });
                return;
            }
            let sent: SentLog = Rc::new(move |request| post(&FromWorker::Sent { id, request: (&request).into() }));
            let transport = FetchTransport::new(sent);
            let lookup = PypiIndex::new(&index, &transport, timeout_ms).release_list(&name).await;
            if matches!(lookup, ReleaseLookup::Found(_)) {
                RELEASES.with(|kept| kept.borrow_mut().insert(key, lookup.clone()));
            }
            post(&FromWorker::ReleaseList { id, lookup });
        }
    }
}
