//! The one place that starts audits: parsing, then the lookups in a local task, online or from the offline
//! database.

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::{AbortHandle, Abortable};
use yew::prelude::*;

use super::offline::{AuditRoute, OfflineState};
use super::state::{Action, AppState};
use crate::audit::{self, LookupSettings};
use crate::io::osv_client::{FetchTransport, SentRequest};
use crate::io::{offline_store, pypi_client};
use crate::offline;
use crate::pypi::ReleaseLookup;
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

/// The PyPI whose release lists range audits and fix plans use: `?pypi=` first (`?pypi=off` sends nothing to
/// PyPI), then the one `cargo xtask serve` announces in a meta tag, then pypi.org. `None` when switched off.
pub fn pypi_base() -> Option<String> {
    let base = crate::io::location::query_parameter("pypi")
        .or_else(|| crate::io::location::meta_content("osv-lens-pypi"))
        .unwrap_or_else(|| crate::pypi::DEFAULT_PYPI.to_string());
    (base != "off").then_some(base)
}

/// The packages whose release lists the report needs: those with at least one advisory (range audits evaluate
/// them, fix plans pick real releases from them).
fn packages_with_advisories(lookups: &audit::Lookups) -> Vec<String> {
    let mut names: Vec<String> = lookups
        .queries
        .iter()
        .filter(|(_, result)| result.as_ref().is_ok_and(|vulns| !vulns.is_empty()))
        .map(|(key, _)| key.name.clone())
        .collect();
    names.dedup();
    names
}

/// Starts and cancels audits for the page.
#[derive(Clone)]
pub struct UseAuditHandle {
    state: UseReducerHandle<AppState>,
    offline: UseReducerHandle<OfflineState>,
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
        match self.offline.route() {
            AuditRoute::Online => {}
            AuditRoute::Blocked(message) => {
                self.state.dispatch(Action::Fail(run, message));
                return;
            }
            AuditRoute::Offline(ready) => {
                let task = async move {
                    // The page shows the audit as running before the matching holds it.
                    offline_store::yield_now().await;
                    let mut lookups = offline::lookups(&ready.database, &packages);
                    for name in packages_with_advisories(&lookups) {
                        let off = ReleaseLookup::Unavailable("offline mode asks PyPI for nothing".into());
                        lookups.releases.insert(name, off);
                    }
                    state.dispatch(Action::Answered(run, Box::new(lookups)));
                    state.dispatch(Action::Finish(run));
                };
                yew::platform::spawn_local(async move {
                    let _ = Abortable::new(task, registration).await;
                });
                return;
            }
        }
        let transport = FetchTransport::new(&endpoint(), Rc::clone(&self.sent));
        let sent = Rc::clone(&self.sent);
        let task = async move {
            let dispatcher = state.dispatcher();
            let mut on_event = |event| dispatcher.dispatch(Action::Event(run, event));
            // The lookups are dropped here, so that the task does not keep them across the PyPI requests.
            let names = packages_with_advisories(
                &audit::run(&transport, &packages, &LookupSettings::default(), &mut on_event).await,
            );
            dispatcher.dispatch(Action::ReleasesPlanned(run, names.len()));
            match pypi_base() {
                Some(base) => {
                    let mut on_result = |name, lookup| dispatcher.dispatch(Action::ReleaseList(run, name, lookup));
                    pypi_client::fetch_release_lists(&base, names, sent, &mut on_result).await;
                }
                None => {
                    for name in names {
                        let off = ReleaseLookup::Unavailable("PyPI lookups are switched off".into());
                        dispatcher.dispatch(Action::ReleaseList(run, name, off));
                    }
                }
            }
            state.dispatch(Action::Finish(run));
        };
        yew::platform::spawn_local(async move {
            let _ = Abortable::new(task, registration).await;
        });
    }
}

/// The audit handle, over the page's state.
#[hook]
pub fn use_audit(state: UseReducerHandle<AppState>, offline: UseReducerHandle<OfflineState>) -> UseAuditHandle {
    let running = use_mut_ref(|| None);
    let sent = use_mut_ref(Vec::new);
    UseAuditHandle { state, offline, running, sent }
}
