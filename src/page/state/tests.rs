use super::*;
use crate::audit::PackageKey;
use crate::http::FetchError;
use crate::osv::api::VulnRef;
use crate::osv::Vulnerability;
use crate::report::DependencyState;
use crate::resolve::ResolvedSet;
use crate::share::SharedFile;
use crate::sources::parse_files;

fn read(state: &PageState) -> Read {
    let inputs = Rc::clone(&state.input.inputs);
    let parsed = Rc::new(parse_files(&inputs.files_to_read()));
    Read { inputs, parsed, timing: ParseTiming::default() }
}

fn typed(text: &str) -> PageState {
    let mut state = PageState { today: "2026-12-07".into(), ..PageState::default() };
    state.apply(Action::SetPasted(text.into()));
    state
}

fn key(name: &str, version: &str) -> PackageKey {
    PackageKey { name: name.into(), version: version.into() }
}

fn record(id: &str, name: &str) -> Rc<Vulnerability> {
    let json = format!(
        r#"{{"id":"{id}","modified":"m","affected":[{{"package":{{"ecosystem":"PyPI","name":"{name}"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"9.0"}}]}}]}}]}}"#
    );
    Rc::new(serde_json::from_str(&json).expect("a valid record"))
}

fn queried(name: &str, version: &str, ids: &[&str]) -> AuditEvent {
    let refs = ids.iter().map(|id| VulnRef { id: (*id).into(), modified: "m".into() }).collect();
    AuditEvent::Queried(vec![(key(name, version), Ok(refs))])
}

fn states(state: &PageState) -> Vec<(String, &'static str)> {
    state.audit.report.files[0]
        .dependencies
        .iter()
        .map(|row| (row.dependency.name.clone(), row.state.as_str()))
        .collect()
}

fn started(text: &str, run: u32) -> PageState {
    let mut state = typed(text);
    let read = read(&state);
    state.apply(Action::Start { run, read, scope: Scope::Full });
    state
}

#[test]
fn an_audit_runs_from_start_through_its_events_to_done_then_fixes_ready() {
    let mut state = started("alpha==1.0\nbeta==2.0\n", 1);
    assert_eq!(state.audit.phase, Phase::Running);
    assert!(state.audit.report.files.is_empty(), "the report waits for the first answers");
    let answers = vec![
        queried("alpha", "1.0", &["T-1"]),
        queried("beta", "2.0", &[]),
        AuditEvent::Record("T-1".into(), Ok(record("T-1", "alpha"))),
    ];
    // A quiet batch moves the progress but leaves the report for later while the OSV phase runs.
    state.apply(Action::Events(1, vec![AuditEvent::QueryProgress { done: 1, total: 1 }], Refresh::Later));
    assert_eq!(state.audit.queries, Progress { done: 1, total: 1 });
    state.apply(Action::Events(1, answers, Refresh::Later));
    assert!(state.audit.report_stale && state.audit.report.files.is_empty());
    state.apply(Action::Events(1, vec![AuditEvent::OsvComplete, AuditEvent::IndexPlanned(1)], Refresh::Later));
    assert_eq!((state.audit.phase.as_str(), state.audit.fixes.as_str()), ("done", "pending"));
    assert_eq!(states(&state), [("alpha".into(), "vulnerable"), ("beta".into(), "clean")]);
    let list =
        crate::pypi::ReleaseList { name: "alpha".into(), releases: Vec::new(), unreadable: Vec::new(), status: None };
    let events = vec![
        AuditEvent::ReleaseList("alpha".into(), crate::pypi::ReleaseLookup::Found(Rc::new(list))),
        AuditEvent::IndexComplete,
    ];
    state.apply(Action::Events(1, events, Refresh::Later));
    assert_eq!(state.audit.fixes, FixesState::Pending, "the parents and patched files are still to be checked");
    state.apply(Action::Events(1, vec![AuditEvent::FixesConfirmed], Refresh::Later));
    assert_eq!(state.audit.fixes, FixesState::Ready);
    assert_eq!(state.audit.releases, Progress { done: 1, total: 1 });
    assert!(state.audit.lookups.releases.contains_key("alpha"));
}

#[test]
fn release_lists_and_checks_arriving_after_done_redraw_the_report_once_at_their_end() {
    let mut state = started("alpha==1.0\nbeta==2.0\n", 1);
    let answers = vec![queried("alpha", "1.0", &["T-1"]), AuditEvent::Record("T-1".into(), Ok(record("T-1", "alpha")))];
    state.apply(Action::Events(1, answers, Refresh::Later));
    state.apply(Action::Events(1, vec![AuditEvent::OsvComplete, AuditEvent::IndexPlanned(2)], Refresh::Later));
    assert!(!state.audit.report_stale, "the end of the OSV phase is always drawn");
    let list = |name: &str| {
        let list =
            crate::pypi::ReleaseList { name: name.into(), releases: Vec::new(), unreadable: Vec::new(), status: None };
        AuditEvent::ReleaseList(name.into(), crate::pypi::ReleaseLookup::Found(Rc::new(list)))
    };
    state.apply(Action::Events(1, vec![list("alpha")], Refresh::Now));
    assert!(state.audit.report_stale, "a batch of release lists waits for the end, even at a gap");
    assert_eq!(state.audit.releases, Progress { done: 1, total: 2 });
    state.apply(Action::Events(1, vec![list("beta"), AuditEvent::IndexComplete], Refresh::Later));
    assert!(state.audit.report_stale, "the end of the index phase waits for the next gap: the checks follow");
    state.apply(Action::Events(1, vec![AuditEvent::FixesConfirmed], Refresh::Later));
    assert!(!state.audit.report_stale, "the end of the audit is always drawn");
    assert_eq!(state.audit.fixes, FixesState::Ready);
}

#[test]
fn a_new_audit_cancels_the_old_ones_events() {
    let mut state = started("alpha==1.0\n", 1);
    let read = read(&state);
    state.apply(Action::Start { run: 2, read, scope: Scope::Full });
    assert!(!state.apply(Action::Events(1, vec![queried("alpha", "1.0", &["T-1"])], Refresh::Now)));
    assert!(!state.apply(Action::Fail(1, "old".into())));
    assert_eq!(state.audit.phase, Phase::Running);
    assert!(state.audit.lookups.queries.is_empty());
}

#[test]
fn a_failed_audit_leaves_nothing_waiting_and_nothing_clean() {
    let mut state = started("alpha==1.0\nbeta==2.0\n", 3);
    state.apply(Action::Events(3, vec![queried("alpha", "1.0", &[])], Refresh::Now));
    state.apply(Action::Fail(3, "the endpoint is blocked".into()));
    assert_eq!(state.audit.phase, Phase::Error("the endpoint is blocked".into()));
    assert_eq!(states(&state), [("alpha".into(), "clean"), ("beta".into(), "unchecked")]);
    let beta = &state.audit.report.files[0].dependencies[1];
    assert!(
        matches!(&beta.state, DependencyState::Unchecked(reason) if reason.contains("not looked up: the endpoint is blocked")),
        "{:?}",
        beta.state
    );
}

#[test]
fn a_retry_looks_up_only_what_failed_and_keeps_the_rest() {
    let mut state = started("alpha==1.0\nbeta==2.0\n", 1);
    let events = vec![
        queried("alpha", "1.0", &["T-1"]),
        AuditEvent::Queried(vec![(key("beta", "2.0"), Err(FetchError::Status(503)))]),
        AuditEvent::Record("T-1".into(), Ok(record("T-1", "alpha"))),
        AuditEvent::OsvComplete,
        AuditEvent::IndexComplete,
        AuditEvent::FixesConfirmed,
    ];
    state.apply(Action::Events(1, events, Refresh::Now));
    assert!(state.can_retry());
    let scope = state.retry_scope().expect("something to retry");
    assert_eq!(scope, Scope::Retry { keys: vec![key("beta", "2.0")], records: Vec::new() });
    let read = state.audit.read.clone().expect("read");
    state.apply(Action::Start { run: 2, read, scope });
    assert_eq!(state.audit.phase, Phase::Running);
    assert_eq!(states(&state), [("alpha".into(), "vulnerable"), ("beta".into(), "unchecked")]);
    state.apply(Action::Events(2, vec![queried("beta", "2.0", &[]), AuditEvent::OsvComplete], Refresh::Now));
    assert_eq!(states(&state), [("alpha".into(), "vulnerable"), ("beta".into(), "clean")]);
    assert!(!state.can_retry());
}

#[test]
fn a_read_ahead_of_inputs_that_changed_since_is_dropped() {
    let mut state = typed("alpha==1.0\n");
    let stale = read(&state);
    state.apply(Action::SetPasted("beta==1.0\n".into()));
    assert!(!state.apply(Action::ReadAhead(stale)));
    assert!(state.current_read().is_none());
    let fresh = read(&state);
    state.apply(Action::ReadAhead(fresh));
    assert_eq!(state.current_read().map(|read| read.parsed.dependencies().count()), Some(1));
}

#[test]
fn a_share_link_shows_its_input_and_its_ignore_rules_apply_to_its_report_only() {
    let mut state = typed("mine==1.0\n");
    state.ignores = vec![Ignore::new("MY-1", "mine", None).expect("valid")];
    let shared = Shared {
        created: "2026-12-01T00:00:00Z".into(),
        files: vec![SharedFile { name: "requirements.txt".into(), text: "theirs==2.0\n".into() }],
        pasted: String::new(),
        settings: Default::default(),
        ignores: vec![Ignore::new("THEIR-1", "theirs", None).expect("valid")],
    };
    let inputs = Rc::new(Inputs::of_shared(&shared));
    state.apply(Action::OpenShared(Box::new(shared), inputs));
    assert_eq!(state.input.inputs.files[0].text, "theirs==2.0\n");
    assert_eq!(state.active_ignores()[0].id, "THEIR-1");
    assert_eq!(state.ignores[0].id, "MY-1", "the user's own rules are untouched");
    assert_eq!(state.inputs_to_keep().pasted, "mine==1.0\n", "the user's own input is what is kept");
    // Ignoring a finding while the link is open adds to the link's rules, not the user's.
    state.apply(Action::Ignore(Ignore::new("THEIR-2", "x", None).expect("valid")));
    assert_eq!(state.ignores.len(), 1);
    state.apply(Action::LeaveSharedLink);
    assert_eq!(state.input.inputs.pasted, "mine==1.0\n");
    assert!(state.input.inputs.files.is_empty());
    assert_eq!(state.active_ignores()[0].id, "MY-1");
}

#[test]
fn keeping_a_links_ignore_rules_and_editing_its_input_make_them_the_users() {
    let mut state = typed("mine==1.0\n");
    state.ignores = vec![Ignore::new("MY-1", "mine", None).expect("valid")];
    let shared = Shared {
        created: "2026-12-01T00:00:00Z".into(),
        files: Vec::new(),
        pasted: "theirs==2.0\n".into(),
        settings: Default::default(),
        ignores: vec![Ignore::new("THEIR-1", "theirs", None).expect("valid")],
    };
    let inputs = Rc::new(Inputs::of_shared(&shared));
    state.apply(Action::OpenShared(Box::new(shared), inputs));
    state.apply(Action::SetPasted("theirs==2.0\nmore==1.0\n".into()));
    assert_eq!(state.inputs_to_keep().pasted, "theirs==2.0\nmore==1.0\n", "an edited input is the user's");
    state.apply(Action::KeepSharedIgnores);
    let ids: Vec<&str> = state.ignores.iter().map(|rule| rule.id.as_str()).collect();
    assert_eq!(ids, ["MY-1", "THEIR-1"], "the link's rules join the user's");
    assert!(state.opened_link.is_none());
}

#[test]
fn set_aside_input_is_put_back_or_discarded() {
    let mut state = PageState::default();
    state.input.set_aside = Some(Rc::new(Inputs { pasted: "alpha==1.0\n".into(), files: Vec::new() }));
    let revision = state.input.revision;
    state.apply(Action::SetAside(true));
    assert_eq!(state.input.inputs.pasted, "alpha==1.0\n");
    assert_ne!(state.input.revision, revision, "the box is written");
    assert!(state.input.set_aside.is_none());
    state.input.set_aside = Some(Rc::new(Inputs::default()));
    state.apply(Action::SetAside(false));
    assert_eq!(state.input.inputs.pasted, "alpha==1.0\n");
    assert!(state.input.set_aside.is_none());
}

#[test]
fn files_replace_those_of_the_same_name() {
    let inputs = Inputs::default().with_files(vec![InputFile::new("a.txt", "1"), InputFile::new("b.txt", "2")]);
    let inputs = inputs.with_files(vec![InputFile::new("a.txt", "3")]);
    let names: Vec<(&str, &str)> = inputs.files.iter().map(|file| (file.name.as_str(), file.text.as_str())).collect();
    assert_eq!(names, [("b.txt", "2"), ("a.txt", "3")]);
    assert_eq!(inputs.without_file("b.txt").files.len(), 1);
    assert_eq!(Inputs { pasted: " x ".into(), files: Vec::new() }.files_to_read()[0].name, PASTED_NAME);
}

#[test]
fn a_partial_resolution_is_said_on_the_summary_and_never_called_clean() {
    let mut state = started("flask>=3.0\n", 1);
    let set = ResolvedSet {
        packages: vec![crate::resolve::ResolvedRow {
            name: "flask".into(),
            version: "3.1.0".into(),
            extras: Vec::new(),
            named: true,
            required_by: Vec::new(),
        }],
        not_resolved: vec!["docopt 0.6.2: only a source distribution installs here".into()],
        not_resolved_names: vec!["docopt".into()],
        ..ResolvedSet::default()
    };
    let original = Rc::clone(&state.audit.read.as_ref().expect("read").parsed);
    let applied = Rc::new(set.apply_to(&original));
    let events = vec![
        AuditEvent::ResolutionStarted,
        AuditEvent::Resolved(Rc::new(set), applied),
        queried("flask", "3.1.0", &[]),
        AuditEvent::OsvComplete,
    ];
    state.apply(Action::Events(1, events, Refresh::Now));
    assert_eq!(state.audit.resolution.as_str(), "partial");
    assert_eq!(states(&state), [("flask".into(), "clean")]);
    assert_eq!(state.audit.report.files[0].dependencies[0].dependency.version_text(), "3.1.0");
    let sentence = state.audit.report.summary.sentence();
    assert!(!sentence.contains("no known vulnerabilities"), "{sentence}");
    assert!(sentence.contains("1 part of the tree not audited"), "{sentence}");
    assert!(state.audit.report.unaudited[0].contains("docopt 0.6.2"));
}

#[test]
fn a_resolution_that_could_not_run_leaves_the_input_as_written_and_says_so() {
    let mut state = started("flask>=3.0\n", 1);
    let events = vec![
        AuditEvent::ResolutionStarted,
        AuditEvent::ResolutionFailed("PyPI lookups are switched off".into()),
        queried("flask", "", &[]),
        AuditEvent::OsvComplete,
    ];
    state.apply(Action::Events(1, events, Refresh::Now));
    assert_eq!(state.audit.resolution.as_str(), "error");
    assert_eq!(state.audit.report.files[0].dependencies[0].dependency.version_text(), ">=3.0");
    assert!(state.audit.report.unaudited[0].contains("switched off"));
    assert!(!state.audit.report.summary.sentence().contains("no known vulnerabilities"));
}

#[test]
fn an_answer_puts_its_status_on_the_line_of_its_request() {
    use crate::http::{HttpRequest, HttpResponse, SentRequest, TransportError};
    let mut state = PageState::default();
    let first = HttpRequest::get("https://pypi.example/simple/alpha/", 1000);
    let second = HttpRequest::get("https://pypi.example/simple/beta/", 1000);
    state.apply(Action::Sent(vec![SentRequest::of(&first), SentRequest::of(&second)]));
    state.apply(Action::Sent(vec![
        SentRequest::answered(&second, &Err(TransportError::Network("Failed to fetch".into()))),
        SentRequest::answered(&first, &Ok(HttpResponse::new(503, "busy"))),
    ]));
    // A retry is a new line, answered on its own.
    state.apply(Action::Sent(vec![SentRequest::of(&first)]));
    let lines: Vec<(&str, Option<&str>)> = state
        .sent
        .iter()
        .filter_map(|entry| match entry {
            SentEntry::Request(line) => Some((line.url.as_str(), line.outcome.as_deref())),
            SentEntry::Plan(..) => None,
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("https://pypi.example/simple/alpha/", Some("503")),
            ("https://pypi.example/simple/beta/", Some("network error")),
            ("https://pypi.example/simple/alpha/", None),
        ]
    );
}
