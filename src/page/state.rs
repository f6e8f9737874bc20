//! The page's state and its transitions, pure: the Yew shell holds it in a reducer, starts work from its callbacks
//! and reports what happens as [`Action`]s. Each piece of state is held once.

use std::rc::Rc;

use crate::audit::{AuditEvent, Lookups, PackageKey, PlanSummary};
use crate::http::SentRequest;
use crate::report::{self, Report};
use crate::resolve::ResolvedSet;
use crate::settings::{SettingChange, Settings};
use crate::share::{Shared, SharedResolution};
use crate::sources::{InputFile, ParsedInput};
use crate::triage::{self, Ignore, View};

/// The file name given to the paste box's text.
pub const PASTED_NAME: &str = "pasted";

/// What the user gave to audit: the paste box's text and the chosen files. Shared, never copied: the audit, the
/// read-ahead and the share link hold the same `Rc`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Inputs {
    /// The paste box's text.
    pub pasted: String,
    /// Files chosen or dropped, in order.
    pub files: Vec<InputFile>,
}

impl Inputs {
    /// The files an audit reads: the chosen files, then the paste box when it holds anything.
    pub fn files_to_read(&self) -> Vec<InputFile> {
        let mut inputs = self.files.clone();
        if !self.pasted.trim().is_empty() {
            inputs.push(InputFile::new(PASTED_NAME, self.pasted.clone()));
        }
        inputs
    }

    /// True when there is nothing to audit.
    pub fn is_empty(&self) -> bool {
        self.pasted.trim().is_empty() && self.files.is_empty()
    }

    /// The inputs a share link carries.
    pub fn of_shared(shared: &Shared) -> Self {
        Self {
            pasted: shared.pasted.clone(),
            files: shared.files.iter().map(|file| InputFile::new(file.name.clone(), file.text.clone())).collect(),
        }
    }

    /// These inputs with `files` added; a file with the same name as one already chosen replaces it.
    pub fn with_files(&self, files: Vec<InputFile>) -> Self {
        let mut inputs = self.clone();
        for file in files {
            inputs.files.retain(|existing| existing.name != file.name);
            inputs.files.push(file);
        }
        inputs
    }

    /// These inputs without the file called `name`.
    pub fn without_file(&self, name: &str) -> Self {
        let mut inputs = self.clone();
        inputs.files.retain(|file| file.name != name);
        inputs
    }
}

/// Where the audit is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Nothing run yet.
    Idle,
    /// Lookups in flight.
    Running,
    /// The OSV answers are in and the report is drawn; the package index may still refine it ([`FixesState`]).
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

/// Whether fix plans and range states are confirmed against the package index's release lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FixesState {
    /// Waiting for release lists: a fix shown now is from the OSV data only and says so.
    #[default]
    Pending,
    /// Every release list the report needs has arrived, or could not.
    Ready,
}

impl FixesState {
    /// The automation contract's `data-fixes`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ready => "ready",
        }
    }
}

/// Where the resolution of an input that is not fully pinned is: the automation contract's `data-state` on
/// `[data-testid=resolution]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ResolutionState {
    /// No resolution for this audit (a fully pinned input, resolving switched off, or no audit yet).
    #[default]
    None,
    /// Resolving.
    Running,
    /// Resolved: completely, partly (some subtrees not resolved), or with no solution (`failure`).
    Done(Rc<ResolvedSet>),
    /// The resolver could not run, for this reason.
    Failed(String),
}

impl ResolutionState {
    /// `none`, `running`, `done`, `partial` or `error`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Running => "running",
            Self::Done(set) if set.failure.is_some() => "error",
            Self::Done(set) if !set.is_complete() => "partial",
            Self::Done(_) => "done",
            Self::Failed(_) => "error",
        }
    }

    /// What the audit could not cover because of the resolution, one sentence each.
    pub fn unaudited(&self) -> Vec<String> {
        match self {
            Self::None | Self::Running => Vec::new(),
            Self::Failed(reason) => vec![format!(
                "The input could not be resolved ({reason}): the packages the files name were audited as written; \
                 what they install was not."
            )],
            Self::Done(set) => match &set.failure {
                Some(_) => {
                    vec!["No resolution exists (see why above): the packages the files name were audited as written; \
                     what they install was not."
                        .to_string()]
                }
                None => set.not_resolved.iter().map(|gap| format!("Not resolved, so not audited: {gap}")).collect(),
            },
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

/// How long the page took to read an audit's input.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ParseTiming {
    /// Dependencies read, skipped ones included.
    pub entries: usize,
    /// Milliseconds spent detecting formats and parsing, by the page's own clock.
    pub milliseconds: f64,
}

/// What the inputs were found to hold, read once: by the read-ahead or by the audit.
#[derive(Debug, Clone)]
pub struct Read {
    /// The inputs read.
    pub inputs: Rc<Inputs>,
    /// What they hold.
    pub parsed: Rc<ParsedInput>,
    /// How long reading took.
    pub timing: ParseTiming,
}

impl PartialEq for Read {
    /// A read is never changed in place: the same allocations mean the same read, without comparing large texts.
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inputs, &other.inputs) && Rc::ptr_eq(&self.parsed, &other.parsed)
    }
}

/// The input side of the page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputState {
    /// What the user gave.
    pub inputs: Rc<Inputs>,
    /// Changes when the paste box's text was set from elsewhere than the box (a sample, a share link, input put
    /// back), so that the box is written only then.
    pub revision: u32,
    /// What the current inputs hold, once read; `None` while they changed since.
    pub read: Option<Read>,
    /// Problems reading chosen files (too large, not text).
    pub file_errors: Vec<String>,
    /// Why the last paste was refused.
    pub paste_error: Option<String>,
    /// The saved input that the page stopped reading last time, set aside until it is put back or discarded.
    pub set_aside: Option<Rc<Inputs>>,
}

/// A share link the page was opened from: its ignore rules apply to its report only, until the user keeps them.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedLink {
    /// When the link was made.
    pub created: String,
    /// Its ignore rules.
    pub ignores: Vec<Ignore>,
    /// How its audit resolved the input, which the reader's audit of it uses.
    pub resolution: Option<SharedResolution>,
    /// The user's own input, kept (and saved) in place of the link's until the user edits the link's input or
    /// leaves the link; `None` once edited, when what is in the box is the user's.
    pub own_inputs: Option<Rc<Inputs>>,
}

/// The current audit.
#[derive(Debug, Clone)]
pub struct AuditState {
    /// The audit's number; events of older audits are ignored.
    pub run: u32,
    /// Where it is.
    pub phase: Phase,
    /// Whether fix plans are confirmed against the index.
    pub fixes: FixesState,
    /// The inputs it read, as read.
    pub read: Option<Read>,
    /// The resolution of the input, when it needed one.
    pub resolution: ResolutionState,
    /// The input as the resolution installs it, once resolved: what the report shows.
    pub resolved_input: Option<Rc<ParsedInput>>,
    /// What the lookups learned so far.
    pub lookups: Lookups,
    /// The report built from both, with the ignore rules applied.
    pub report: Rc<Report>,
    /// Querybatch requests.
    pub queries: Progress,
    /// Record fetches.
    pub records: Progress,
    /// Release lists.
    pub releases: Progress,
    /// The record plan, once chosen.
    pub plan: Option<PlanSummary>,
    /// The lookups moved on since the report was built (see [`Refresh::Later`]).
    pub report_stale: bool,
}

impl Default for AuditState {
    fn default() -> Self {
        Self {
            run: 0,
            phase: Phase::Idle,
            fixes: FixesState::Pending,
            read: None,
            resolution: ResolutionState::None,
            resolved_input: None,
            lookups: Lookups::default(),
            report: Rc::default(),
            queries: Progress::default(),
            records: Progress::default(),
            releases: Progress::default(),
            plan: None,
            report_stale: false,
        }
    }
}

/// Everything the page shows.
#[derive(Debug, Clone, Default)]
pub struct PageState {
    /// The paste box and the chosen files.
    pub input: InputState,
    /// The current audit.
    pub audit: AuditState,
    /// The user's ignore rules (kept across reloads).
    pub ignores: Vec<Ignore>,
    /// The findings list's filter and sort.
    pub view: View,
    /// Today, `YYYY-MM-DD`, for the expiry of ignore rules.
    pub today: String,
    /// What the user set (kept across reloads).
    pub settings: Settings,
    /// Every request the page made in this session, and the record plan of each audit.
    pub sent: Rc<Vec<SentEntry>>,
    /// The record cache.
    pub cache: CacheView,
    /// Addresses the Content Security Policy refused to connect to.
    pub blocked: Vec<String>,
    /// The share link the page was opened from, while its report is shown.
    pub opened_link: Option<OpenedLink>,
    /// Why the share link in the address could not be opened.
    pub share_error: Option<String>,
}

/// What an audit looks up: everything, or only what a retry names.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// The whole input.
    Full,
    /// These packages and records again, keeping the rest of the report.
    Retry {
        /// The packages looked up again.
        keys: Vec<PackageKey>,
        /// The records fetched again.
        records: Vec<String>,
    },
}

/// Whether a batch of the audit's events brings the report up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Rebuild it now if anything changed since it was built.
    Now,
    /// Only mark it out of date while the audit runs: the progress moves, and the next `Now` batch (or the end of
    /// the OSV phase) brings the report up to date. Drawing hundreds of cards for every burst of answers is what
    /// made large audits slow.
    Later,
}

/// What can happen to the state.
#[derive(Debug, Clone)]
pub enum Action {
    /// The paste box changed (typed into).
    SetPasted(String),
    /// The inputs were replaced from elsewhere than the paste box (files chosen or removed, a sample, input put
    /// back).
    SetInputs(Rc<Inputs>),
    /// Files could not be read.
    FileErrors(Vec<String>),
    /// A paste was refused, with the reason.
    RefusePaste(String),
    /// The inputs were read ahead of an audit.
    ReadAhead(Read),
    /// The set-aside input is put back (`true`) or discarded.
    SetAside(bool),
    /// Audit number `run` started on what was read, with this scope.
    Start {
        /// The audit's number.
        run: u32,
        /// What it reads.
        read: Read,
        /// Everything, or a retry.
        scope: Scope,
    },
    /// Events of audit number `.0`.
    Events(u32, Vec<AuditEvent>, Refresh),
    /// Audit number `.0` could not run, for this reason: whatever was not looked up is unchecked with it.
    Fail(u32, String),
    /// The page sent these requests.
    Sent(Vec<SentRequest>),
    /// The user changed a setting.
    ChangeSetting(SettingChange),
    /// The record cache's count, or a message about it.
    CacheInfo(Option<u32>, Option<String>),
    /// The record cache failed; it is off for the rest of the session.
    CacheBroken(String),
    /// The Content Security Policy refused a connection to this address.
    Blocked(String),
    /// Ignore findings by this rule (replacing a rule for the same ID).
    Ignore(Ignore),
    /// Lift the rule for this ID.
    Unignore(String),
    /// The findings list's filter or sort changed.
    SetView(View),
    /// A share link was opened: its input (`.1`, read from it) is shown and audited, its ignore rules apply to its
    /// report only.
    OpenShared(Box<Shared>, Rc<Inputs>),
    /// The ignore rules of the opened share link join the user's own.
    KeepSharedIgnores,
    /// The user's own input comes back in place of the opened link's.
    LeaveSharedLink,
    /// A share link could not be opened.
    ShareFailed(String),
}

impl PageState {
    /// The ignore rules in force: the opened share link's while its report is shown, else the user's.
    pub fn active_ignores(&self) -> &[Ignore] {
        self.opened_link.as_ref().map_or(&self.ignores, |link| &link.ignores)
    }

    /// The input to keep across reloads: the user's own, not an opened link's that the user has not edited.
    pub fn inputs_to_keep(&self) -> &Rc<Inputs> {
        self.opened_link.as_ref().and_then(|link| link.own_inputs.as_ref()).unwrap_or(&self.input.inputs)
    }

    /// What the current inputs hold, when they have been read since they last changed. (Inputs compare by
    /// pointer first, and by value only when they are different allocations.)
    pub fn current_read(&self) -> Option<&Read> {
        self.input.read.as_ref().filter(|read| read.inputs == self.input.inputs)
    }

    /// What "retry unchecked" looks up again: the packages reported unchecked or with an advisory that could not be
    /// fetched, and the records that failed.
    pub fn retry_scope(&self) -> Option<Scope> {
        let mut keys: Vec<PackageKey> = self
            .audit
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
        crate::sorting::sort(&mut keys);
        keys.dedup();
        let records =
            self.audit.lookups.records.iter().filter(|(_, result)| result.is_err()).map(|(id, _)| id.clone()).collect();
        (!keys.is_empty()).then_some(Scope::Retry { keys, records })
    }

    /// True when something can be retried: a package is unchecked, or an advisory could not be fetched.
    pub fn can_retry(&self) -> bool {
        self.audit.phase == Phase::Done
            && (self.audit.report.summary.unchecked > 0 || self.audit.lookups.records.values().any(Result::is_err))
    }

    /// The report for what is known now, with the ignore rules in force applied.
    fn rebuild(&self) -> Rc<Report> {
        let Some(read) = &self.audit.read else { return Rc::default() };
        let input = self.audit.resolved_input.as_ref().unwrap_or(&read.parsed);
        let mut report = report::build(input, &self.audit.lookups);
        report.set_unaudited(self.audit.resolution.unaudited());
        if let ResolutionState::Done(set) = &self.audit.resolution {
            report.resolved_for = set.failure.is_none().then(|| set.described());
        }
        triage::apply(&mut report, self.active_ignores(), &self.today);
        Rc::new(report)
    }

    /// The same report with the ignore rules applied again (after they changed).
    fn retriage(&self) -> Rc<Report> {
        let mut report = (*self.audit.report).clone();
        triage::apply(&mut report, self.active_ignores(), &self.today);
        Rc::new(report)
    }

    /// Applies `action`; returns whether anything changed.
    pub fn apply(&mut self, action: Action) -> bool {
        let step = self.step(action);
        match step {
            Step::Ignored => false,
            Step::Changed => true,
            Step::Rebuild => {
                self.audit.report = self.rebuild();
                self.audit.report_stale = false;
                true
            }
        }
    }

    fn step(&mut self, action: Action) -> Step {
        match action {
            Action::SetPasted(text) if text == self.input.inputs.pasted => return Step::Ignored,
            Action::SetPasted(text) => {
                self.edited();
                let files = self.input.inputs.files.clone();
                self.input.inputs = Rc::new(Inputs { pasted: text, files });
                self.input.paste_error = None;
                self.input.read = None;
            }
            Action::SetInputs(inputs) => {
                self.edited();
                self.input.revision = self.input.revision.wrapping_add(1);
                self.input.inputs = inputs;
                self.input.read = None;
                self.input.file_errors.clear();
            }
            Action::FileErrors(errors) => self.input.file_errors = errors,
            Action::RefusePaste(reason) => self.input.paste_error = Some(reason),
            Action::ReadAhead(read) => {
                if read.inputs != self.input.inputs {
                    return Step::Ignored;
                }
                self.input.read = Some(Read { inputs: Rc::clone(&self.input.inputs), ..read });
            }
            Action::SetAside(restore) => {
                if let Some(inputs) = self.input.set_aside.take().filter(|_| restore) {
                    self.input.inputs = inputs;
                    self.input.revision = self.input.revision.wrapping_add(1);
                    self.input.read = None;
                }
            }
            Action::Start { run, read, scope } => return self.start(run, read, scope),
            Action::Events(run, _, _) | Action::Fail(run, _) if run != self.audit.run => return Step::Ignored,
            Action::Events(_, events, refresh) => return self.events(events, refresh),
            Action::Fail(_, message) => {
                self.audit.phase = Phase::Error(message.clone());
                self.audit.fixes = FixesState::Ready;
                // Whatever was never looked up is unchecked with the reason, not left waiting for an answer.
                if let Some(read) = &self.audit.read {
                    for key in read.parsed.dependencies().filter_map(report::package_key) {
                        self.audit.lookups.queries.entry(key).or_insert_with(|| {
                            Err(crate::http::FetchError::Network(format!("not looked up: {message}")))
                        });
                    }
                }
                return Step::Rebuild;
            }
            Action::Sent(requests) => {
                let sent = Rc::make_mut(&mut self.sent);
                for request in requests {
                    // An answer's outcome goes on the line of its request: the last one to that URL still waiting.
                    let waiting = request.outcome.as_ref().and_then(|_| {
                        sent.iter_mut().rev().find_map(|entry| match entry {
                            SentEntry::Request(line) if line.outcome.is_none() && line.url == request.url => Some(line),
                            _ => None,
                        })
                    });
                    match waiting {
                        Some(line) => Rc::make_mut(line).outcome = request.outcome,
                        None => sent.push(SentEntry::Request(Rc::new(request))),
                    }
                }
            }
            Action::ChangeSetting(change) => change.apply(&mut self.settings),
            Action::CacheInfo(count, message) => {
                self.cache.count = count.or(self.cache.count);
                self.cache.message = message;
            }
            Action::CacheBroken(reason) => {
                self.cache.broken.get_or_insert(reason);
            }
            Action::Blocked(address) => {
                if !self.blocked.contains(&address) {
                    self.blocked.push(address);
                }
            }
            Action::Ignore(rule) => {
                let rules = match &mut self.opened_link {
                    Some(link) => &mut link.ignores,
                    None => &mut self.ignores,
                };
                rules.retain(|existing| existing.id != rule.id);
                rules.push(rule);
                self.audit.report = self.retriage();
            }
            Action::Unignore(id) => {
                let rules = match &mut self.opened_link {
                    Some(link) => &mut link.ignores,
                    None => &mut self.ignores,
                };
                rules.retain(|existing| existing.id != id);
                self.audit.report = self.retriage();
            }
            Action::SetView(view) => self.view = view,
            Action::OpenShared(shared, inputs) => self.open_shared(*shared, inputs),
            Action::KeepSharedIgnores => {
                // The link's rules join the user's; a rule for the same ID is replaced by the link's.
                if let Some(link) = self.opened_link.take() {
                    for rule in link.ignores {
                        self.ignores.retain(|existing| existing.id != rule.id);
                        self.ignores.push(rule);
                    }
                }
            }
            Action::LeaveSharedLink => {
                if let Some(link) = self.opened_link.take() {
                    if let Some(own) = link.own_inputs {
                        self.input.inputs = own;
                        self.input.revision = self.input.revision.wrapping_add(1);
                        self.input.read = None;
                    }
                    self.audit.report = self.retriage();
                }
            }
            Action::ShareFailed(message) => self.share_error = Some(message),
        }
        Step::Changed
    }

    /// The user changed the input: an opened link's input, once edited, is the user's own.
    fn edited(&mut self) {
        if let Some(link) = &mut self.opened_link {
            link.own_inputs = None;
        }
    }

    fn start(&mut self, run: u32, read: Read, scope: Scope) -> Step {
        let audit = &mut self.audit;
        audit.run = run;
        audit.phase = Phase::Running;
        audit.fixes = FixesState::Pending;
        audit.queries = Progress::default();
        audit.records = Progress::default();
        audit.releases = Progress::default();
        audit.plan = None;
        match scope {
            Scope::Full => {
                audit.lookups = Lookups::default();
                audit.resolution = ResolutionState::None;
                audit.resolved_input = None;
                if read.inputs == self.input.inputs {
                    self.input.read = Some(Read { inputs: Rc::clone(&self.input.inputs), ..read.clone() });
                }
                audit.read = Some(read);
                // The report waits for the first answers: drawing hundreds of pending rows now would hold up the
                // handling of the first answer, and the status already says what is being checked.
                audit.report = Rc::default();
                audit.report_stale = true;
                Step::Changed
            }
            Scope::Retry { keys, records } => {
                for key in &keys {
                    audit.lookups.queries.remove(key);
                }
                for id in &records {
                    audit.lookups.records.remove(id);
                    audit.lookups.compiled.remove(id);
                }
                Step::Rebuild
            }
        }
    }

    fn events(&mut self, events: Vec<AuditEvent>, refresh: Refresh) -> Step {
        let mut rebuild = false;
        let mut phase_ended = false;
        let audit = &mut self.audit;
        for event in events {
            match &event {
                AuditEvent::QueryProgress { done, total } => audit.queries = Progress { done: *done, total: *total },
                AuditEvent::RecordProgress { done, total } => audit.records = Progress { done: *done, total: *total },
                AuditEvent::RecordPlan(summary) => {
                    audit.plan = Some(*summary);
                    Rc::make_mut(&mut self.sent).push(SentEntry::Plan(audit.run, *summary));
                }
                AuditEvent::CacheFailed(reason) => {
                    self.cache.broken.get_or_insert_with(|| reason.clone());
                }
                AuditEvent::Queried(_) | AuditEvent::Record(..) | AuditEvent::Records(_) => rebuild = true,
                AuditEvent::ResolutionStarted => audit.resolution = ResolutionState::Running,
                AuditEvent::Resolved(set, input) => {
                    audit.resolution = ResolutionState::Done(Rc::clone(set));
                    audit.resolved_input = Some(Rc::clone(input));
                    rebuild = true;
                }
                AuditEvent::ResolutionFailed(reason) => {
                    audit.resolution = ResolutionState::Failed(reason.clone());
                    rebuild = true;
                }
                AuditEvent::Answered(answered) => {
                    let records = answered.records.len();
                    audit.queries = Progress { done: 1, total: 1 };
                    audit.records = Progress { done: records, total: records };
                    rebuild = true;
                }
                AuditEvent::OsvComplete => {
                    audit.phase = Phase::Done;
                    rebuild = true;
                    phase_ended = true;
                }
                AuditEvent::IndexPlanned(total) => audit.releases = Progress { done: 0, total: *total },
                AuditEvent::ReleaseList(..) => {
                    audit.releases.done += 1;
                    rebuild = true;
                }
                // The checks after the index phase are drawn at the next gap; the audit's end always is.
                AuditEvent::IndexComplete | AuditEvent::GraphFacts(_) | AuditEvent::PatchedChecked(..) => {
                    rebuild = true
                }
                AuditEvent::FixesConfirmed => {
                    audit.fixes = FixesState::Ready;
                    rebuild = true;
                    phase_ended = true;
                }
            }
            audit.lookups.apply(&event);
        }
        // While the OSV phase runs, a quiet batch only marks the report out of date, and a batch at the gap brings it
        // up to date: each rebuild redraws a report of hundreds of rows. The release lists and checks after `done`
        // refine a report already shown (its fix plans say they are unconfirmed): it is rebuilt once, at their end.
        let index_phase = audit.phase == Phase::Done && audit.fixes == FixesState::Pending;
        let waits = index_phase || (audit.phase == Phase::Running && refresh == Refresh::Later);
        if !rebuild {
            return if audit.report_stale && !waits { Step::Rebuild } else { Step::Changed };
        }
        if waits && !phase_ended {
            audit.report_stale = true;
            return Step::Changed;
        }
        Step::Rebuild
    }

    /// The state a share link describes: its inputs are shown and audited; its ignore rules apply to its report.
    fn open_shared(&mut self, shared: Shared, inputs: Rc<Inputs>) {
        let own_inputs = match self.opened_link.take() {
            Some(link) => link.own_inputs,
            None => Some(Rc::clone(&self.input.inputs)),
        };
        self.input.inputs = inputs;
        self.input.revision = self.input.revision.wrapping_add(1);
        self.input.read = None;
        if let Some(view) = shared.settings.get("view").and_then(|view| serde_json::from_value(view.clone()).ok()) {
            self.view = view;
        }
        let resolution = shared.resolution();
        self.opened_link =
            Some(OpenedLink { created: shared.created, ignores: shared.ignores, resolution, own_inputs });
        self.share_error = None;
    }
}

/// What one action did to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Nothing: it belonged to an older audit.
    Ignored,
    /// The state changed; the report stays as it is.
    Changed,
    /// The state changed and the report must be rebuilt.
    Rebuild,
}

#[cfg(test)]
mod tests;
