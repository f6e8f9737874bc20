//! The page's state and its pure transitions.

use std::rc::Rc;

use yew::Reducible;

use crate::audit::{AuditEvent, Lookups, PackageKey, PlanSummary};
use crate::http::SentRequest;
use crate::pypi::ReleaseLookup;
use crate::report::{self, Report};
use crate::settings::{SettingChange, Settings};
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

/// One line of the "what was sent" panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentEntry {
    /// A request the page made.
    Request(Rc<SentRequest>),
    /// The record plan audit number `.0` chose.
    Plan(u32, PlanSummary),
}

/// The record cache as the settings panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CacheView {
    /// Records kept, when known.
    pub count: Option<u32>,
    /// What the last "clear cache" did, or why counting failed.
    pub message: Option<String>,
    /// Why the cache is off for the rest of the session, once it failed.
    pub broken: Option<String>,
}

/// How long the page took to read the current audit's input.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ParseTiming {
    /// Dependencies read, skipped ones included.
    pub entries: usize,
    /// Milliseconds spent detecting formats and parsing, by the page's own clock.
    pub milliseconds: f64,
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
    /// How long parsing the current audit's input took.
    pub parse_timing: Option<ParseTiming>,
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
    /// What the user set (endpoint, time-out, cache), kept across reloads.
    pub settings: Settings,
    /// Every request the page made in this session, and the record plan of each audit.
    pub sent: Rc<Vec<SentEntry>>,
    /// The current audit's record plan, once chosen.
    pub plan: Option<PlanSummary>,
    /// The record cache.
    pub cache: CacheView,
    /// Counts requests to retry the unchecked packages, like `audit_requests`.
    pub retry_requests: u32,
    /// Addresses the page's Content Security Policy refused to connect to.
    pub blocked: Vec<String>,
    /// The lookups moved on since the report was built (see [`Action::Quiet`]).
    pub report_stale: bool,
    /// What the paste box and the chosen files hold, read ahead of an audit (or by it); `None` while they changed
    /// since.
    pub read_ahead: Option<Rc<ParsedInput>>,
    /// The saved input (paste box and files) that the page stopped reading last time, set aside until the user
    /// puts it back or discards it.
    pub set_aside: Option<(String, Vec<InputFile>)>,
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
            parse_timing: None,
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
            settings: Settings::default(),
            sent: Rc::default(),
            plan: None,
            cache: CacheView::default(),
            retry_requests: 0,
            blocked: Vec::new(),
            report_stale: false,
            read_ahead: None,
            set_aside: None,
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

    /// What "retry unchecked" looks up again: the packages reported unchecked or with an advisory that could not
    /// be fetched, and the records that failed.
    pub fn retry_targets(&self) -> (Vec<PackageKey>, Vec<String>) {
        let mut keys: Vec<PackageKey> = self
            .report
            .files
            .iter()
            .flat_map(|file| file.dependencies.iter())
            .filter(|dependency| {
                matches!(dependency.state, report::DependencyState::Unchecked(_))
                    || dependency
                        .findings
                        .iter()
                        .any(|finding| matches!(finding.detail, report::FindingDetail::Unavailable(_)))
            })
            .filter_map(|dependency| report::package_key(&dependency.dependency))
            .collect();
        keys.sort();
        keys.dedup();
        let records =
            self.lookups.records.iter().filter(|(_, result)| result.is_err()).map(|(id, _)| id.clone()).collect();
        (keys, records)
    }

    /// True when something can be retried: a package is unchecked, or an advisory could not be fetched.
    pub fn has_unchecked(&self) -> bool {
        self.phase == Phase::Done
            && (self.report.summary.unchecked > 0 || self.lookups.records.values().any(Result::is_err))
    }

    /// The state a share link describes: its inputs, settings and ignores, with an audit requested.
    pub fn open_shared(&mut self, shared: Shared) {
        self.files = shared.files.into_iter().map(|file| InputFile::new(file.name, file.text)).collect();
        self.pasted = shared.pasted;
        self.read_ahead = None;
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
    /// The inputs as they are now were read ahead of an audit.
    ReadAhead(Rc<ParsedInput>),
    /// Files were chosen or dropped, and audited at once; files with the same name are replaced.
    AddFiles(Vec<InputFile>, Vec<String>),
    /// A chosen file was removed.
    RemoveFile(String),
    /// The user asked for an audit.
    RequestAudit,
    /// An audit started with this number and parsed input, read in this time.
    Start(u32, Rc<ParsedInput>, ParseTiming),
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
    /// The user asked to look the unchecked packages up again.
    RequestRetry,
    /// Audit number `.0` looks up these packages again and fetches these records again, keeping everything else.
    StartRetry(u32, Vec<PackageKey>, Vec<String>),
    /// The page sent a request.
    Sent(SentRequest),
    /// The user changed a setting.
    ChangeSetting(SettingChange),
    /// The record cache's count, or a message about it.
    CacheInfo(Option<u32>, Option<String>),
    /// The Content Security Policy refused a connection to this address.
    Blocked(String),
    /// Several actions at once, with one rebuild of the report at the end: the page batches the audit's events so
    /// that a burst of answers costs one report and one render, not one each.
    Batch(Vec<Action>),
    /// Like [`Action::Batch`], but while the audit runs the report is only marked out of date, not rebuilt: the
    /// progress moves on, and the next `Batch` (or the end of the audit) brings the report up to date.
    Quiet(Vec<Action>),
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
    /// The input set aside after a crash is put back (`true`) or discarded.
    SetAside(bool),
}

/// Whether a batch of the audit's actions brings the report up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refresh {
    /// Rebuild it now if anything changed since it was built.
    Now,
    /// Only mark it out of date while the audit runs.
    Later,
}

/// What one action did to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    /// Nothing: it belonged to an older audit.
    Ignored,
    /// The state changed; the report stays as it is.
    Changed,
    /// The state changed and the report must be rebuilt.
    Rebuild,
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let (actions, batch) = match action {
            Action::Batch(actions) => (actions, Some(Refresh::Now)),
            Action::Quiet(actions) => (actions, Some(Refresh::Later)),
            action => (vec![action], None),
        };
        // Every action is applied (`map` runs for each before `max` compares).
        let mut state = (*self).clone();
        let step = actions.into_iter().map(|action| state.step(action)).max().unwrap_or(Step::Ignored);
        let step = match (step, batch) {
            (Step::Rebuild, Some(Refresh::Later)) if state.phase == Phase::Running => {
                state.report_stale = true;
                Step::Changed
            }
            (Step::Changed, Some(Refresh::Now)) if state.report_stale => Step::Rebuild,
            (step, _) => step,
        };
        match step {
            Step::Ignored => self,
            Step::Changed => Rc::new(state),
            Step::Rebuild => {
                state.report = state.rebuild();
                state.report_stale = false;
                Rc::new(state)
            }
        }
    }
}

impl AppState {
    /// Applies one action; the caller rebuilds the report when asked to.
    fn step(&mut self, action: Action) -> Step {
        let state = self;
        match action {
            Action::Batch(actions) | Action::Quiet(actions) => {
                return actions.into_iter().map(|action| state.step(action)).max().unwrap_or(Step::Ignored);
            }
            Action::SetPasted(text) => {
                state.pasted = text;
                state.paste_error = None;
                state.read_ahead = None;
            }
            Action::ReadAhead(parsed) => state.read_ahead = Some(parsed),
            Action::RefusePaste(reason) => state.paste_error = Some(reason),
            Action::SetAside(restore) => {
                if let Some((pasted, files)) = state.set_aside.take().filter(|_| restore) {
                    state.pasted = pasted;
                    state.files = files;
                    state.read_ahead = None;
                }
            }
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
                    state.read_ahead = None;
                }
                state.file_errors = errors;
            }
            Action::RequestAudit => state.audit_requests += 1,
            Action::RequestRetry => state.retry_requests += 1,
            Action::Sent(request) => Rc::make_mut(&mut state.sent).push(SentEntry::Request(Rc::new(request))),
            Action::ChangeSetting(change) => change.apply(&mut state.settings),
            Action::CacheInfo(count, message) => {
                state.cache.count = count.or(state.cache.count);
                state.cache.message = message;
            }
            Action::Blocked(address) => {
                if !state.blocked.contains(&address) {
                    state.blocked.push(address);
                }
            }
            Action::RemoveFile(name) => {
                state.files.retain(|file| file.name != name);
                state.read_ahead = None;
            }
            Action::Start(run, parsed, timing) => {
                state.parse_timing = Some(timing);
                state.audited = Rc::new((state.files.clone(), state.pasted.clone()));
                state.run = run;
                state.phase = Phase::Running;
                state.lookups = Lookups::default();
                state.queries = Progress::default();
                state.records = Progress::default();
                state.releases = Progress::default();
                state.plan = None;
                state.read_ahead = Some(Rc::clone(&parsed));
                state.parsed = parsed;
                // The report waits for the first answers: drawing hundreds of pending rows now would hold up the
                // handling of the first answer, and the status already says what is being checked.
                state.report = Rc::default();
                state.report_stale = true;
                return Step::Changed;
            }
            Action::StartRetry(run, keys, records) => {
                state.run = run;
                state.phase = Phase::Running;
                for key in &keys {
                    state.lookups.queries.remove(key);
                }
                for id in &records {
                    state.lookups.records.remove(id);
                    state.lookups.compiled.remove(id);
                }
                state.queries = Progress::default();
                state.records = Progress::default();
                state.releases = Progress::default();
                state.plan = None;
                return Step::Rebuild;
            }
            Action::Event(run, _)
            | Action::Finish(run)
            | Action::Fail(run, _)
            | Action::ReleasesPlanned(run, _)
            | Action::ReleaseList(run, ..)
            | Action::Answered(run, _)
                if run != state.run =>
            {
                return Step::Ignored
            }
            Action::Answered(_, lookups) => {
                let records = lookups.records.len();
                state.lookups = *lookups;
                state.queries = Progress { done: 1, total: 1 };
                state.records = Progress { done: records, total: records };
                // The `Finish` that follows at once builds the report; building it here too cost a second build.
                state.report_stale = true;
            }
            Action::ReleasesPlanned(_, total) => state.releases = Progress { done: 0, total },
            Action::ReleaseList(_, name, lookup) => {
                state.lookups.releases.insert(name, lookup);
                state.releases.done += 1;
                return Step::Rebuild;
            }
            Action::Event(_, event) => {
                match &event {
                    AuditEvent::QueryProgress { done, total } => {
                        state.queries = Progress { done: *done, total: *total }
                    }
                    AuditEvent::RecordProgress { done, total } => {
                        state.records = Progress { done: *done, total: *total }
                    }
                    AuditEvent::RecordPlan(summary) => {
                        state.plan = Some(*summary);
                        Rc::make_mut(&mut state.sent).push(SentEntry::Plan(state.run, *summary));
                    }
                    AuditEvent::CacheFailed(reason) => {
                        state.cache.broken.get_or_insert_with(|| reason.clone());
                    }
                    AuditEvent::Queried(_) | AuditEvent::Record(..) | AuditEvent::Records(_) => {}
                }
                let changes_report =
                    matches!(event, AuditEvent::Queried(_) | AuditEvent::Record(..) | AuditEvent::Records(_));
                state.lookups.apply(&event);
                if changes_report {
                    return Step::Rebuild;
                }
            }
            Action::Finish(_) => {
                state.phase = Phase::Done;
                return Step::Rebuild;
            }
            Action::Fail(_, message) => {
                state.phase = Phase::Error(message);
                // The input's errors are in the report.
                if state.report_stale {
                    return Step::Rebuild;
                }
            }
        }
        Step::Changed
    }
}
