//! The one place that starts audits: parsing, then the lookups in a local task.

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::{AbortHandle, Abortable};
use yew::prelude::*;

use super::state::{Action, AppState};
use crate::audit::{self, LookupSettings};
use crate::io::osv_client::{FetchTransport, SentRequest};
use crate::report::package_key;
use crate::sources::parse_files;

/// The OSV API used when nothing else is configured.
pub const DEFAULT_ENDPOINT: &str = "https://api.osv.dev";

/// The OSV endpoint: `?osv=` first, then the one `cargo xtask serve` announces in a meta tag, then api.osv.dev.
pub fn endpoint() -> String {
    crate::io::location::query_parameter("osv")
        .or_else(|| crate::io::location::meta_content("osv-lens-endpoint"))
        .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string())
}

/// Starts and cancels audits for the page.
#[derive(Clone)]
pub struct UseAuditHandle {
    state: UseReducerHandle<AppState>,
    running: Rc<RefCell<Option<AbortHandle>>>,
    sent: Rc<RefCell<Vec<SentRequest>>>,
}

impl UseAuditHandle {
    /// Audits the current inputs. A running audit is cancelled first.
    pub fn run(&self) {
        if let Some(previous) = self.running.borrow_mut().take() {
            previous.abort();
        }
        let run = self.state.run.wrapping_add(1);
        let inputs = self.state.inputs();
        if inputs.is_empty() {
            self.state.dispatch(Action::Fail(run, "Paste a requirements file or choose files to audit.".into()));
            return;
        }
        let parsed = Rc::new(parse_files(&inputs));
        let packages: Vec<_> = parsed.dependencies().filter_map(package_key).collect();
        self.state.dispatch(Action::Start(run, Rc::clone(&parsed)));
        if parsed.files.iter().all(|file| file.dependencies.is_empty()) {
            let message = if parsed.files.iter().any(|file| !file.errors.is_empty()) {
                "The input could not be read; see the errors below."
            } else {
                "No dependencies were found in the input."
            };
            self.state.dispatch(Action::Fail(run, message.into()));
            return;
        }
        let (abort, registration) = AbortHandle::new_pair();
        *self.running.borrow_mut() = Some(abort);
        let state = self.state.clone();
        let transport = FetchTransport::new(&endpoint(), Rc::clone(&self.sent));
        let task = async move {
            let dispatcher = state.dispatcher();
            let mut on_event = |event| dispatcher.dispatch(Action::Event(run, event));
            audit::run(&transport, &packages, &LookupSettings::default(), &mut on_event).await;
            state.dispatch(Action::Finish(run));
        };
        yew::platform::spawn_local(async move {
            let _ = Abortable::new(task, registration).await;
        });
    }
}

/// The audit handle, over the page's state.
#[hook]
pub fn use_audit(state: UseReducerHandle<AppState>) -> UseAuditHandle {
    let running = use_mut_ref(|| None);
    let sent = use_mut_ref(Vec::new);
    UseAuditHandle { state, running, sent }
}
