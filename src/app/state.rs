//! The page's state and its pure transitions.

use std::rc::Rc;

use yew::Reducible;

use crate::audit::{AuditEvent, Lookups};
use crate::pypi::ReleaseLookup;
use crate::report::{self, Report};
use crate::sources::{InputFile, ParsedInput};

/// Where the audit is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Nothing run yet.
    Idle,
    /// Lookups in flight.
    Running,
    /// Finished; the report is complete.
    Done,
    /// The audit could not run, with the reason.
    Error(String),
}

impl Phase {
    /// The automation contract's `data-state`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Running => "running",
            Self::Done => "done",
            Self::Error(_) => "error",
        }
    }
}

/// Done and total counts of a phase of the lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Finished steps.
    pub done: usize,
    /// Planned steps.
    pub total: usize,
}

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The text in the paste box.
    pub pasted: String,
    /// Files chosen or dropped, in order.
    pub files: Vec<InputFile>,
    /// Problems reading files (too large, not text).
    pub file_errors: Vec<String>,
    /// The current audit's number; events of older audits are ignored.
    pub run: u32,
    /// Where the audit is.
    pub phase: Phase,
    /// What was parsed for the current audit.
    pub parsed: Rc<ParsedInput>,
    /// What the lookups learned so far.
    pub lookups: Lookups,
    /// The report built from both.
    pub report: Rc<Report>,
    /// Querybatch requests.
    pub queries: Progress,
    /// Record fetches.
    pub records: Progress,
    /// PyPI release lists.
    pub releases: Progress,
    /// Counts requests to audit; the page audits after each change, with the state as it is then.
    pub audit_requests: u32,
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            pasted: String::new(),
            files: Vec::new(),
            file_errors: Vec::new(),
            run: 0,
            phase: Phase::Idle,
            parsed: Rc::default(),
            lookups: Lookups::default(),
            report: Rc::default(),
            queries: Progress::default(),
            records: Progress::default(),
            releases: Progress::default(),
            audit_requests: 0,
        }
    }
}

impl AppState {
    /// The files an audit reads: the chosen files, then the paste box when it holds anything.
    pub fn inputs(&self) -> Vec<InputFile> {
        let mut inputs = self.files.clone();
        if !self.pasted.trim().is_empty() {
            inputs.push(InputFile::new(PASTED_NAME, self.pasted.clone()));
        }
        inputs
    }
}

/// The file name given to the paste box's text.
pub const PASTED_NAME: &str = "pasted";

/// What can happen to the state.
#[derive(Debug, Clone)]
pub enum Action {
    /// The paste box changed.
    SetPasted(String),
    /// Files were chosen or dropped, and audited at once; files with the same name are replaced.
    AddFiles(Vec<InputFile>, Vec<String>),
    /// A chosen file was removed.
    RemoveFile(String),
    /// The user asked for an audit.
    RequestAudit,
    /// An audit started with this number and parsed input.
    Start(u32, Rc<ParsedInput>),
    /// An event of audit number `.0`.
    Event(u32, AuditEvent),
    /// Audit number `.0` will fetch this many release lists from PyPI.
    ReleasesPlanned(u32, usize),
    /// A release list (or why there is none) for audit number `.0`, by package name.
    ReleaseList(u32, String, ReleaseLookup),
    /// Audit number `.0` finished.
    Finish(u32),
    /// The audit could not start.
    Fail(u32, String),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = (*self).clone();
        match action {
            Action::SetPasted(text) => state.pasted = text,
            Action::AddFiles(files, errors) => {
                if !files.is_empty() {
                    state.audit_requests += 1;
                }
                for file in files {
                    state.files.retain(|existing| existing.name != file.name);
                    state.files.push(file);
                }
                state.file_errors = errors;
            }
            Action::RequestAudit => state.audit_requests += 1,
            Action::RemoveFile(name) => state.files.retain(|file| file.name != name),
            Action::Start(run, parsed) => {
                state.run = run;
                state.phase = Phase::Running;
                state.lookups = Lookups::default();
                state.queries = Progress::default();
                state.records = Progress::default();
                state.releases = Progress::default();
                state.report = Rc::new(report::build(&parsed, &state.lookups));
                state.parsed = parsed;
            }
            Action::Event(run, _)
            | Action::Finish(run)
            | Action::Fail(run, _)
            | Action::ReleasesPlanned(run, _)
            | Action::ReleaseList(run, ..)
                if run != state.run =>
            {
                return self
            }
            Action::ReleasesPlanned(_, total) => state.releases = Progress { done: 0, total },
            Action::ReleaseList(_, name, lookup) => {
                state.lookups.releases.insert(name, lookup);
                state.releases.done += 1;
                state.report = Rc::new(report::build(&state.parsed, &state.lookups));
            }
            Action::Event(_, event) => {
                match &event {
                    AuditEvent::QueryProgress { done, total } => {
                        state.queries = Progress { done: *done, total: *total }
                    }
                    AuditEvent::RecordProgress { done, total } => {
                        state.records = Progress { done: *done, total: *total }
                    }
                    AuditEvent::Queried(_) | AuditEvent::Record(..) => {}
                }
                let changes_report = matches!(event, AuditEvent::Queried(_) | AuditEvent::Record(..));
                state.lookups.apply(&event);
                if changes_report {
                    state.report = Rc::new(report::build(&state.parsed, &state.lookups));
                }
            }
            Action::Finish(_) => {
                state.report = Rc::new(report::build(&state.parsed, &state.lookups));
                state.phase = Phase::Done;
            }
            Action::Fail(_, message) => state.phase = Phase::Error(message),
        }
        Rc::new(state)
    }
}
