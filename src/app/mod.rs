//! The Yew user interface. State transitions live in [`state`]; the audit is started from [`hooks`]; components
//! render from props.

pub mod components;
pub mod hooks;
pub mod state;

use std::rc::Rc;

use yew::prelude::*;

use self::components::fix_view::FixesPanel;
use self::components::input_panel::InputPanel;
use self::components::report_view::ReportView;
use self::components::status_bar::StatusBar;
use self::hooks::use_audit;
use self::state::{Action, AppState, Phase};
use crate::io::{files, storage};
use crate::sources::InputFile;

const SAVED_INPUT_KEY: &str = "osv-lens.input.v1";

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
    AppState { pasted: saved.pasted, files: saved.files, ..AppState::default() }
}

/// The page.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial_state);
    let audit = use_audit(state.clone());

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
    let on_remove = {
        let state = state.clone();
        Callback::from(move |name: String| state.dispatch(Action::RemoveFile(name)))
    };
    let on_audit = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::RequestAudit))
    };
    let on_drop = {
        let add_files = add_files.clone();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            if let Some(list) = event.data_transfer().and_then(|transfer| transfer.files()) {
                add_files.emit(files::take_files(&list));
            }
        })
    };
    let on_drag_over = Callback::from(|event: DragEvent| event.prevent_default());

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
            />
            <StatusBar phase={state.phase.clone()} queries={state.queries} records={state.records} releases={state.releases} summary={state.report.summary} />
            <ReportView report={Rc::clone(&state.report)} />
            <FixesPanel report={Rc::clone(&state.report)} parsed={Rc::clone(&state.parsed)} done={state.phase == Phase::Done} />
        </div>
    }
}
