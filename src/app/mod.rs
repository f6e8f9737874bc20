//! The Yew user interface. State transitions live in [`state`]; the audit is started from [`hooks`]; components
//! render from props.

pub mod components;
pub mod hooks;
pub mod offline;
pub mod rehearsal;
pub mod state;

use std::rc::Rc;

use yew::prelude::*;

use self::components::fix_view::FixesPanel;
use self::components::input_panel::InputPanel;
use self::components::offline_panel::OfflinePanel;
use self::components::report_view::ReportView;
use self::components::sent_panel::SentPanel;
use self::components::settings_panel::SettingsPanel;
use self::components::status_bar::StatusBar;
use self::hooks::{use_audit, use_memo_when_idle};
use self::offline::{OfflineAction, OfflineState, Source};
use self::state::{Action, AppState, Phase};
use crate::export::ExportFormat;
use crate::io::{clock, download, files, location, storage};
use crate::report::counted;
use crate::settings::{SettingChange, Settings};
use crate::share::{self, Shared, SharedFile};
use crate::sources::{InputFile, ParsedInput};
use crate::triage::{Ignore, View};

const SAVED_INPUT_KEY: &str = "osv-lens.input.v1";
const SAVED_TRIAGE_KEY: &str = "osv-lens.triage.v1";
const SAVED_SETTINGS_KEY: &str = "osv-lens.settings.v1";
/// The input set aside after the page stopped while reading it, until it is put back or discarded.
const SET_ASIDE_KEY: &str = "osv-lens.input.set-aside.v1";

/// The ignore rules and the findings list's view, kept across reloads.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct SavedTriage {
    #[serde(default)]
    ignores: Vec<Ignore>,
    #[serde(default)]
    view: View,
}

/// Mounts the app into `#app`, replacing the static placeholder.
pub fn mount() {
    let document = web_sys::window().and_then(|window| window.document()).expect("a page has a document");
    let root = document.get_element_by_id("app").expect("index.html has #app");
    root.set_inner_html("");
    yew::Renderer::<App>::with_root(root).render();
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct SavedInput {
    pasted: String,
    files: Vec<InputFile>,
}

fn initial_state() -> AppState {
    let saved: SavedInput =
        storage::load(SAVED_INPUT_KEY).and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default();
    let triage: SavedTriage =
        storage::load(SAVED_TRIAGE_KEY).and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default();
    // A page that stopped while reading its input last time left the reading mark set: the saved input is set
    // aside, so that the page starts, and offered back.
    let crashed = storage::load(storage::READING_KEY).is_some();
    storage::remove(storage::READING_KEY);
    let kept_aside: Option<SavedInput> = storage::load(SET_ASIDE_KEY).and_then(|json| serde_json::from_str(&json).ok());
    let (saved, set_aside) = if crashed && !(saved.pasted.is_empty() && saved.files.is_empty()) {
        if let Ok(json) = serde_json::to_string(&saved) {
            storage::save(SET_ASIDE_KEY, &json);
        }
        (SavedInput::default(), Some((saved.pasted, saved.files)))
    } else {
        (saved, kept_aside.map(|aside| (aside.pasted, aside.files)))
    };
    let mut state = AppState {
        pasted: saved.pasted,
        files: saved.files,
        set_aside,
        ignores: triage.ignores,
        view: triage.view,
        today: clock::today(),
        settings: storage::load(SAVED_SETTINGS_KEY).map(|json| Settings::from_json(&json)).unwrap_or_default(),
        ..AppState::default()
    };
    // A share link in the address replaces the saved state and audits at once.
    if let Some(fragment) = location::fragment().filter(|fragment| fragment.starts_with(share::FRAGMENT_KEY)) {
        match share::decode(&fragment) {
            Ok(shared) => state.open_shared(shared),
            Err(error) => state.share_error = Some(error.to_string()),
        }
        location::clear_fragment();
    }
    state
}

/// The share link for what the current audit read, with the ignores and the view.
fn share_link(audited: &(Vec<InputFile>, String), ignores: &[Ignore], view: &View) -> Result<AttrValue, AttrValue> {
    let (files, pasted) = audited;
    if files.is_empty() && pasted.trim().is_empty() {
        return Err("Audit something to get a share link".into());
    }
    let mut settings = std::collections::BTreeMap::new();
    settings.insert("view".to_string(), serde_json::to_value(view).unwrap_or_default());
    let shared = Shared {
        created: clock::now_rfc3339(),
        files: files.iter().map(|file| SharedFile { name: file.name.clone(), text: file.text.clone() }).collect(),
        pasted: pasted.clone(),
        settings,
        ignores: ignores.to_vec(),
    };
    let fragment = share::encode(&shared);
    if fragment.len() > share::MAX_LINK_CHARS {
        return Err("The input is too large for a share link".into());
    }
    let address = location::page_address().unwrap_or_default();
    Ok(format!("{address}#{fragment}").into())
}

/// What the inputs were found to hold, in a line: each file's format and dependency count, and its first problem.
fn read_ahead_line(parsed: &ParsedInput) -> AttrValue {
    let files: Vec<String> = parsed
        .files
        .iter()
        .map(|file| {
            let skipped = file.dependencies.iter().filter(|dependency| !dependency.is_auditable()).count();
            let mut line = format!("{}: {}, ", file.name, file.format.label());
            line.push_str(&counted(file.dependencies.len() - skipped, "dependency to audit", "dependencies to audit"));
            if skipped > 0 {
                line.push_str(&format!(" and {skipped} skipped"));
            }
            if let Some(first) = file.errors.first() {
                let problems = counted(file.errors.len(), "problem", "problems");
                line.push_str(&format!(
                    "; {problems}, the first at line {}, column {}: {}",
                    first.line, first.column, first.message
                ));
            }
            line
        })
        .collect();
    files.join(" · ").into()
}

/// The page.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial_state);
    let offline = use_reducer(OfflineState::default);
    // The number of the newest load of the offline database, shared with the loading task.
    let offline_generation = use_memo((), |_| std::cell::Cell::new(0_u32));
    let audit = use_audit(state.clone(), offline.clone());

    {
        // The offline database kept from an earlier visit is loaded again.
        let (offline, generation) = (offline.clone(), Rc::clone(&offline_generation));
        use_effect_with((), move |_| offline::restore(offline, generation));
    }

    {
        // Input survives a reload.
        let saved = (state.pasted.clone(), state.files.clone());
        use_effect_with(saved, |(pasted, files)| {
            let json = serde_json::to_string(&SavedInput { pasted: pasted.clone(), files: files.clone() });
            if let Ok(json) = json {
                storage::save(SAVED_INPUT_KEY, &json);
            }
        });
    }

    {
        // Ignores and the view survive a reload.
        let saved = (state.ignores.clone(), state.view.clone());
        use_effect_with(saved, |(ignores, view)| {
            let json = serde_json::to_string(&SavedTriage { ignores: ignores.clone(), view: view.clone() });
            if let Ok(json) = json {
                storage::save(SAVED_TRIAGE_KEY, &json);
            }
        });
    }

    {
        // The input set aside after a crash is kept until it is put back or discarded.
        use_effect_with(state.set_aside.is_some(), |kept| {
            if !kept {
                storage::remove(SET_ASIDE_KEY);
            }
        });
    }

    {
        // Settings survive a reload.
        use_effect_with(state.settings.clone(), |settings| {
            if let Ok(json) = serde_json::to_string(settings) {
                storage::save(SAVED_SETTINGS_KEY, &json);
            }
        });
    }

    {
        // The browser compiles and optimises the audit's code while the page is idle after loading.
        let audit = audit.clone();
        use_effect_with((), move |_| {
            yew::platform::spawn_local(async move {
                rehearsal::warm_up(audit).await;
            });
        });
    }

    {
        // A connection the Content Security Policy refuses is named on the page, not left as a bare network error.
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            location::on_connect_blocked(move |address| dispatcher.dispatch(Action::Blocked(address)));
        });
    }

    {
        // A "retry unchecked" request runs after the render that follows it, like an audit request.
        let audit = audit.clone();
        use_effect_with(state.retry_requests, move |&requests| {
            if requests > 0 {
                audit.retry();
            }
        });
    }

    {
        // The cache count stays current after each audit.
        let audit = audit.clone();
        let finished = (state.phase == Phase::Done).then_some(state.run);
        use_effect_with(finished, move |finished| {
            if finished.is_some() {
                audit.count_cache();
            }
        });
    }

    {
        // A share link opened in a tab that already shows the page arrives as a new fragment.
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            location::on_fragment_change(move |fragment| {
                if !fragment.starts_with(share::FRAGMENT_KEY) {
                    return;
                }
                match share::decode(&fragment) {
                    Ok(shared) => dispatcher.dispatch(Action::OpenShared(Box::new(shared))),
                    Err(error) => dispatcher.dispatch(Action::ShareFailed(error.to_string())),
                }
                location::clear_fragment();
            });
        });
    }

    // Packing a large input into the link takes tens of milliseconds; it waits until the finished report is drawn
    // and the page is idle.
    let share = {
        let key = (Rc::clone(&state.audited), state.ignores.clone(), state.view.clone(), state.phase == Phase::Done);
        use_memo_when_idle(key, |(audited, ignores, view, done)| {
            if *done {
                share_link(audited, ignores, view)
            } else {
                Err("The share link is made when the audit ends".into())
            }
        })
    };

    {
        // What the inputs hold is read once they have been left alone for a moment, so that the page shows their
        // formats and problems before the audit, and the audit starts from what was read.
        let audit = audit.clone();
        use_effect_with((state.pasted.clone(), state.files.clone()), move |_| {
            let pending = gloo_timers::callback::Timeout::new(hooks::READ_AHEAD_DELAY_MS, move || audit.read_ahead());
            move || drop(pending)
        });
    }

    {
        // Every audit request runs once, after the render that follows it, so it reads the newest inputs.
        let audit = audit.clone();
        use_effect_with(state.audit_requests, move |&requests| {
            if requests > 0 {
                audit.run();
            }
        });
    }

    let add_files = {
        let state = state.clone();
        Callback::from(move |list: Vec<web_sys::File>| {
            let state = state.clone();
            yew::platform::spawn_local(async move {
                let (read, errors): (Vec<_>, Vec<_>) = files::read_all(list).await.into_iter().partition(Result::is_ok);
                let read: Vec<InputFile> = read.into_iter().filter_map(Result::ok).collect();
                let errors: Vec<String> = errors.into_iter().filter_map(Result::err).collect();
                state.dispatch(Action::AddFiles(read, errors));
            });
        })
    };
    let on_paste = {
        let state = state.clone();
        Callback::from(move |text: String| state.dispatch(Action::SetPasted(text)))
    };
    let on_set_aside = {
        let state = state.clone();
        Callback::from(move |restore: bool| state.dispatch(Action::SetAside(restore)))
    };
    let on_remove = {
        let state = state.clone();
        Callback::from(move |name: String| state.dispatch(Action::RemoveFile(name)))
    };
    let on_audit = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::RequestAudit))
    };
    let load_offline = {
        let (offline, generation) = (offline.clone(), Rc::clone(&offline_generation));
        Callback::from(move |file: web_sys::File| {
            offline::load(offline.clone(), Rc::clone(&generation), Source::Chosen(file));
        })
    };
    let on_drop = {
        let (add_files, load_offline) = (add_files.clone(), load_offline.clone());
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            if let Some(list) = event.data_transfer().and_then(|transfer| transfer.files()) {
                // A dropped zip is an offline database; everything else is input to audit.
                let (archives, inputs): (Vec<_>, Vec<_>) =
                    files::take_files(&list).into_iter().partition(|file| file.name().to_lowercase().ends_with(".zip"));
                if let Some(archive) = archives.into_iter().next() {
                    load_offline.emit(archive);
                }
                if !inputs.is_empty() {
                    add_files.emit(inputs);
                }
            }
        })
    };
    let on_offline_mode = {
        let offline = offline.clone();
        Callback::from(move |on: bool| offline.dispatch(OfflineAction::SetMode(on)))
    };
    let on_offline_remove = {
        let (offline, generation) = (offline.clone(), Rc::clone(&offline_generation));
        Callback::from(move |()| offline::remove(offline.clone(), Rc::clone(&generation)))
    };
    let on_drag_over = Callback::from(|event: DragEvent| event.prevent_default());
    let on_refuse_paste = {
        let state = state.clone();
        Callback::from(move |reason: String| state.dispatch(Action::RefusePaste(reason)))
    };
    // The report's callbacks stay the same across renders, so that a progress update does not render every
    // finding card again (a new callback is a changed prop).
    let on_view = use_callback(state.dispatcher(), |view: View, state| state.dispatch(Action::SetView(view)));
    let on_ignore = use_callback(state.dispatcher(), |rule: Ignore, state| state.dispatch(Action::Ignore(rule)));
    let on_unignore = use_callback(state.dispatcher(), |id: String, state| state.dispatch(Action::Unignore(id)));
    let latest_report = use_mut_ref(Rc::default);
    *latest_report.borrow_mut() = Rc::clone(&state.report);
    let on_export = use_callback((), move |format: ExportFormat, ()| {
        let report: Rc<crate::report::Report> = Rc::clone(&latest_report.borrow());
        let text = format.render(&report, &clock::now_rfc3339());
        if let Err(message) = download::save_text(format.file_name(), format.media_type(), &text) {
            web_sys::console::warn_1(&message.into());
        }
    });

    let on_settings = {
        let state = state.clone();
        Callback::from(move |change: SettingChange| state.dispatch(Action::ChangeSetting(change)))
    };
    let on_clear_cache = {
        let audit = audit.clone();
        Callback::from(move |()| audit.clear_cache())
    };
    let on_settings_open = {
        let audit = audit.clone();
        Callback::from(move |()| audit.count_cache())
    };
    let on_retry = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::RequestRetry))
    };
    // Reading the address, the meta tags and the Content Security Policy once per settings change, not per render:
    // a running audit renders the page every few dozen milliseconds.
    let endpoint_problem = use_memo(state.settings.clone(), |settings| {
        hooks::endpoint_blocked(&hooks::endpoint(settings)).map(AttrValue::from)
    });
    let endpoint_problem = (*endpoint_problem).clone();

    html! {
        <div class="app" ondrop={on_drop} ondragover={on_drag_over}>
            <InputPanel
                pasted={AttrValue::from(state.pasted.clone())}
                files={state.files.clone()}
                file_errors={state.file_errors.clone()}
                running={state.phase == Phase::Running}
                {on_paste}
                on_files={add_files}
                {on_remove}
                {on_audit}
                paste_error={state.paste_error.clone().map(AttrValue::from)}
                on_refuse={on_refuse_paste}
                read_ahead={state.read_ahead.as_deref().map(read_ahead_line)}
                set_aside={state.set_aside.is_some()}
                {on_set_aside}
            />
            <SettingsPanel settings={state.settings.clone()}
                default_endpoint={AttrValue::from(hooks::default_endpoint())}
                override_endpoint={hooks::endpoint_override().map(AttrValue::from)}
                {endpoint_problem}
                cache={state.cache.clone()}
                on_change={on_settings} {on_clear_cache} on_open={on_settings_open} />
            <OfflinePanel state={(*offline).clone()} age={offline.age().map(AttrValue::from)}
                on_file={load_offline} on_mode={on_offline_mode} on_remove={on_offline_remove} />
            <StatusBar phase={state.phase.clone()} queries={state.queries} records={state.records} releases={state.releases} summary={state.report.summary}
                plan={state.plan}
                cache_broken={state.cache.broken.clone().map(AttrValue::from)}
                blocked={state.blocked.clone()}
                can_retry={state.has_unchecked()}
                parse_timing={state.parse_timing}
                run={state.run}
                {on_retry} />
            <ReportView report={Rc::clone(&state.report)} view={state.view.clone()} share={share.as_deref().cloned()}
                shared_at={state.shared_at.clone().map(AttrValue::from)}
                share_error={state.share_error.clone().map(AttrValue::from)}
                {on_view} {on_ignore} {on_unignore} {on_export} />
            <FixesPanel report={Rc::clone(&state.report)} parsed={Rc::clone(&state.parsed)} done={state.phase == Phase::Done} />
            <SentPanel entries={Rc::clone(&state.sent)} />
        </div>
    }
}
