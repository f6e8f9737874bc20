//! The page's state and its pure transitions.

use std::rc::Rc;

use yew::Reducible;

use crate::audit::{AuditEvent, Lookups};
use crate::pypi::ReleaseLookup;
use crate::report::{self, Report};
use crate::share::Shared;
use crate::sources::{InputFile, ParsedInput};
use crate::triage::{self, Ignore, View};

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
    /// The user's ignore rules.
    pub ignores: Vec<Ignore>,
    /// The findings list's filter and sort.
    pub view: View,
    /// Today, `YYYY-MM-DD`, for the expiry of ignore rules.
    pub today: String,
    /// When the share link this page was opened from was made.
    pub shared_at: Option<String>,
    /// Why the share link in the address could not be opened.
    pub share_error: Option<String>,
    /// Why the last paste was refused.
    pub paste_error: Option<String>,
    /// The chosen files and the paste box's text as the current audit read them: what a share link carries.
    pub audited: Rc<(Vec<InputFile>, String)>,
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
            ignores: Vec::new(),
            view: View::default(),
            today: String::new(),
            shared_at: None,
            share_error: None,
            paste_error: None,
            audited: Rc::default(),
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

    /// The report for what is known now, with the ignore rules applied.
    fn rebuild(&self) -> Rc<Report> {
        let mut report = report::build(&self.parsed, &self.lookups);
        triage::apply(&mut report, &self.ignores, &self.today);
        Rc::new(report)
    }

    /// The same report with the ignore rules applied again (after they changed).
    fn retriage(&self) -> Rc<Report> {
        let mut report = (*self.report).clone();
        triage::apply(&mut report, &self.ignores, &self.today);
        Rc::new(report)
    }

    /// The state a share link describes: its inputs, settings and ignores, with an audit requested.
    pub fn open_shared(&mut self, shared: Shared) {
        self.files = shared.files.into_iter().map(|file| InputFile::new(file.name, file.text)).collect();
        self.pasted = shared.pasted;
        self.ignores = shared.ignores;
        if let Some(view) = shared.settings.get("view").and_then(|view| serde_json::from_value(view.clone()).ok()) {
            self.view = view;
        }
        self.shared_at = Some(shared.created);
        self.share_error = None;
        self.audit_requests += 1;
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
    /// Every answer of audit number `.0` at once: an offline audit's lookups.
    Answered(u32, Box<Lookups>),
    /// Audit number `.0` will fetch this many release lists from PyPI.
    ReleasesPlanned(u32, usize),
    /// A release list (or why there is none) for audit number `.0`, by package name.
    ReleaseList(u32, String, ReleaseLookup),
    /// Audit number `.0` finished.
    Finish(u32),
    /// The audit could not start.
    Fail(u32, String),
    /// Ignore findings by this rule (replacing a rule for the same ID).
    Ignore(Ignore),
    /// Lift the rule for this ID.
    Unignore(String),
    /// The findings list's filter or sort changed.
    SetView(View),
    /// A share link was opened.
    OpenShared(Box<Shared>),
    /// A share link could not be opened.
    ShareFailed(String),
    /// A paste was refused, with the reason.
    RefusePaste(String),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = (*self).clone();
        match action {
            Action::SetPasted(text) => {
                state.pasted = text;
                state.paste_error = None;
            }
            Action::RefusePaste(reason) => state.paste_error = Some(reason),
            Action::Ignore(rule) => {
                state.ignores.retain(|existing| existing.id != rule.id);
                state.ignores.push(rule);
                state.report = state.retriage();
            }
            Action::Unignore(id) => {
                state.ignores.retain(|existing| existing.id != id);
                state.report = state.retriage();
            }
            Action::SetView(view) => state.view = view,
            Action::OpenShared(shared) => state.open_shared(*shared),
            Action::ShareFailed(message) => state.share_error = Some(message),
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
                state.audited = Rc::new((state.files.clone(), state.pasted.clone()));
                state.run = run;
                state.phase = Phase::Running;
                state.lookups = Lookups::default();
                state.queries = Progress::default();
                state.records = Progress::default();
                state.releases = Progress::default();
                state.parsed = parsed;
                state.report = state.rebuild();
            }
            Action::Event(run, _)
            | Action::Finish(run)
            | Action::Fail(run, _)
            | Action::ReleasesPlanned(run, _)
            | Action::ReleaseList(run, ..)
            | Action::Answered(run, _)
                if run != state.run =>
            {
                return self
            }
            Action::Answered(_, lookups) => {
                let records = lookups.records.len();
                state.lookups = *lookups;
                state.queries = Progress { done: 1, total: 1 };
                state.records = Progress { done: records, total: records };
                state.report = state.rebuild();
            }
            Action::ReleasesPlanned(_, total) => state.releases = Progress { done: 0, total },
            Action::ReleaseList(_, name, lookup) => {
                state.lookups.releases.insert(name, lookup);
                state.releases.done += 1;
                state.report = state.rebuild();
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
                    state.report = state.rebuild();
                }
            }
            Action::Finish(_) => {
                state.report = state.rebuild();
                state.phase = Phase::Done;
            }
            Action::Fail(_, message) => state.phase = Phase::Error(message),
        }
        Rc::new(state)
    }
}
