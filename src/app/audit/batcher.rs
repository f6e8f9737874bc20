//! Batches an audit's events and sent requests into one state action every [`BATCH_MS`], and decides when the
//! report is rebuilt while answers stream in.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use yew::prelude::*;

use crate::audit::AuditEvent;
use crate::http::SentRequest;
use crate::io::clock;
use crate::page::state::{Action, PageState, Refresh};

/// How long an audit's events gather before they are dispatched together.
const BATCH_MS: u32 = 50;

/// The least time between two rebuilds of the report while the OSV phase runs: each rebuild renders whatever changed
/// in it, and the cards and rows of a large report take a while to draw.
const REPORT_GAP_MS: f64 = 1500.0;

/// Gathers an audit's events and the requests it sends, and dispatches them together every [`BATCH_MS`].
#[derive(Clone)]
pub(super) struct Batcher {
    run: u32,
    dispatcher: UseReducerDispatcher<PageState>,
    events: Rc<RefCell<Vec<AuditEvent>>>,
    sent: Rc<RefCell<Vec<SentRequest>>>,
    scheduled: Rc<Cell<bool>>,
    flushing_soon: Rc<Cell<bool>>,
    last_rebuild: Rc<Cell<f64>>,
}

impl Batcher {
    /// A batcher for audit `run`, which just started: the report waits for the first answers, at most
    /// [`REPORT_GAP_MS`] from now, or for the end of the OSV phase.
    pub(super) fn new(run: u32, dispatcher: UseReducerDispatcher<PageState>) -> Self {
        Self {
            run,
            dispatcher,
            events: Rc::default(),
            sent: Rc::default(),
            scheduled: Rc::default(),
            flushing_soon: Rc::default(),
            last_rebuild: Rc::new(Cell::new(clock::monotonic_ms())),
        }
    }

    pub(super) fn event(&self, event: AuditEvent) {
        // The end of the OSV phase is drawn in the next task, not after the batch's wait: the report it completes is
        // what the person waits for, and the task that answered the last request has done enough already.
        let soon = matches!(event, AuditEvent::OsvComplete | AuditEvent::IndexPlanned(_));
        self.events.borrow_mut().push(event);
        if soon {
            self.flush_soon();
        } else {
            self.schedule();
        }
    }

    pub(super) fn sent(&self, request: SentRequest) {
        self.sent.borrow_mut().push(request);
        self.schedule();
    }

    fn schedule(&self) {
        if !self.scheduled.replace(true) {
            let batcher = self.clone();
            gloo_timers::callback::Timeout::new(BATCH_MS, move || batcher.flush()).forget();
        }
    }

    /// Flushes in the next task.
    pub(super) fn flush_soon(&self) {
        if self.flushing_soon.replace(true) {
            return;
        }
        let batcher = self.clone();
        yew::platform::spawn_local(async move {
            clock::yield_now().await;
            batcher.flushing_soon.set(false);
            batcher.flush();
        });
    }

    pub(super) fn flush(&self) {
        self.scheduled.set(false);
        let sent: Vec<SentRequest> = self.sent.borrow_mut().drain(..).collect();
        if !sent.is_empty() {
            self.dispatcher.dispatch(Action::Sent(sent));
        }
        let events: Vec<AuditEvent> = self.events.borrow_mut().drain(..).collect();
        if events.is_empty() {
            return;
        }
        let now = clock::monotonic_ms();
        let refresh = if now - self.last_rebuild.get() >= REPORT_GAP_MS {
            self.last_rebuild.set(now);
            Refresh::Now
        } else {
            Refresh::Later
        };
        self.dispatcher.dispatch(Action::Events(self.run, events, refresh));
    }
}
