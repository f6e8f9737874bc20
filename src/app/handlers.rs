//! The page's callbacks, made once per render in one place: each dispatches an action or starts work directly.

use std::cell::Cell;
use std::rc::Rc;

use yew::prelude::*;

use super::audit::UseAuditHandle;
use super::offline_loader::{self, OfflineAction, OfflineState, Source};
use crate::export::ExportFormat;
use crate::io::{clock, download, files, location};
use crate::page::state::{Action, Inputs, PageState, ResolutionState};
use crate::settings::SettingChange;
use crate::share;
use crate::sources::InputFile;
use crate::triage::{Ignore, View};

/// Loads, restores and removes the offline database, numbering the loads so that a replaced one cannot report.
#[derive(Clone)]
pub struct OfflineLoader {
    state: UseReducerHandle<OfflineState>,
    generation: Rc<Cell<u32>>,
}

impl OfflineLoader {
    /// Loads the archive kept from an earlier visit, if there is one.
    pub fn restore(&self) {
        offline_loader::restore(self.state.clone(), Rc::clone(&self.generation));
    }

    fn load(&self, file: web_sys::File) {
        offline_loader::load(self.state.clone(), Rc::clone(&self.generation), Source::Chosen(file));
    }

    fn remove(&self) {
        offline_loader::remove(self.state.clone(), Rc::clone(&self.generation));
    }
}

/// Every callback the page hands to its panels.
pub struct Handlers {
    pub offline_loader: OfflineLoader,
    pub paste: Callback<String>,
    pub refuse_paste: Callback<String>,
    pub files: Callback<Vec<web_sys::File>>,
    pub remove_file: Callback<String>,
    pub audit: Callback<()>,
    pub sample: Callback<String>,
    pub set_aside: Callback<bool>,
    pub drop: Callback<DragEvent>,
    pub setting: Callback<SettingChange>,
    pub clear_cache: Callback<()>,
    pub settings_open: Callback<()>,
    pub offline_file: Callback<web_sys::File>,
    pub offline_mode: Callback<bool>,
    pub offline_remove: Callback<()>,
    pub retry: Callback<()>,
    pub view: Callback<View>,
    pub ignore: Callback<Ignore>,
    pub unignore: Callback<String>,
    pub export: Callback<ExportFormat>,
    pub keep_shared: Callback<()>,
    pub resolved_download: Callback<()>,
    pub leave_shared: Callback<()>,
}

/// The page's callbacks over its state, its offline state and its audit handle.
#[hook]
pub fn use_handlers(
    state: &UseReducerHandle<PageState>,
    offline: &UseReducerHandle<OfflineState>,
    audit: &UseAuditHandle,
) -> Handlers {
    let generation = use_memo((), |_| Cell::new(0_u32));
    let offline_loader = OfflineLoader { state: offline.clone(), generation: Rc::clone(&generation) };
    let dispatch = |make: fn(String) -> Action| {
        let state = state.clone();
        Callback::from(move |text: String| state.dispatch(make(text)))
    };
    let files = {
        let (state, audit) = (state.clone(), audit.clone());
        Callback::from(move |list: Vec<web_sys::File>| {
            let (state, audit) = (state.clone(), audit.clone());
            yew::platform::spawn_local(async move {
                let (read, errors): (Vec<_>, Vec<_>) = files::read_all(list).await.into_iter().partition(Result::is_ok);
                let read: Vec<InputFile> = read.into_iter().filter_map(Result::ok).collect();
                let errors: Vec<String> = errors.into_iter().filter_map(Result::err).collect();
                if !read.is_empty() {
                    // Chosen files are audited at once, with the inputs as they are now.
                    let inputs = Rc::new(state.input.inputs.with_files(read));
                    state.dispatch(Action::SetInputs(Rc::clone(&inputs)));
                    audit.run(inputs);
                }
                state.dispatch(Action::FileErrors(errors));
            });
        })
    };
    let remove_file = {
        let state = state.clone();
        Callback::from(move |name: String| {
            state.dispatch(Action::SetInputs(Rc::new(state.input.inputs.without_file(&name))))
        })
    };
    let run = {
        let (state, audit) = (state.clone(), audit.clone());
        Callback::from(move |()| audit.run(Rc::clone(&state.input.inputs)))
    };
    let sample = {
        let (state, audit) = (state.clone(), audit.clone());
        Callback::from(move |text: String| {
            let inputs = Rc::new(Inputs { pasted: text, files: Vec::new() });
            state.dispatch(Action::SetInputs(Rc::clone(&inputs)));
            audit.run(inputs);
        })
    };
    let offline_file = {
        let loader = offline_loader.clone();
        Callback::from(move |file: web_sys::File| loader.load(file))
    };
    let drop = {
        let (files, offline_file) = (files.clone(), offline_file.clone());
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            if let Some(list) = event.data_transfer().and_then(|transfer| transfer.files()) {
                // A dropped zip is an offline database; everything else is input to audit.
                let (archives, inputs): (Vec<_>, Vec<_>) =
                    files::take_files(&list).into_iter().partition(|file| file.name().to_lowercase().ends_with(".zip"));
                if let Some(archive) = archives.into_iter().next() {
                    offline_file.emit(archive);
                }
                if !inputs.is_empty() {
                    files.emit(inputs);
                }
            }
        })
    };
    // The report's callbacks stay the same across renders, so that a progress update does not render every finding
    // card again (a new callback is a changed prop).
    let view = use_callback(state.dispatcher(), |view: View, state| state.dispatch(Action::SetView(view)));
    let ignore = use_callback(state.dispatcher(), |rule: Ignore, state| state.dispatch(Action::Ignore(rule)));
    let unignore = use_callback(state.dispatcher(), |id: String, state| state.dispatch(Action::Unignore(id)));
    let latest_report = use_mut_ref(Rc::default);
    *latest_report.borrow_mut() = Rc::clone(&state.audit.report);
    let export = use_callback((), move |format: ExportFormat, ()| {
        let report: Rc<crate::report::Report> = Rc::clone(&latest_report.borrow());
        // The Markdown names the share link when it has to leave something out.
        let text = match format {
            ExportFormat::Markdown => crate::export::markdown::render(&report, share_link().as_deref()),
            _ => format.render(&report, &clock::now_rfc3339()),
        };
        if let Err(message) = download::save_text(format.file_name(), format.media_type(), &text) {
            web_sys::console::warn_1(&message.into());
        }
    });
    let action = |action: Action| {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(action.clone()))
    };
    Handlers {
        paste: dispatch(Action::SetPasted),
        refuse_paste: dispatch(Action::RefusePaste),
        files,
        remove_file,
        audit: run,
        sample,
        set_aside: {
            let state = state.clone();
            Callback::from(move |restore: bool| state.dispatch(Action::SetAside(restore)))
        },
        drop,
        setting: {
            let state = state.clone();
            Callback::from(move |change: SettingChange| state.dispatch(Action::ChangeSetting(change)))
        },
        clear_cache: {
            let audit = audit.clone();
            Callback::from(move |()| audit.clear_cache())
        },
        settings_open: {
            let audit = audit.clone();
            Callback::from(move |()| audit.count_cache())
        },
        offline_file,
        offline_mode: {
            let offline = offline.clone();
            Callback::from(move |on: bool| offline.dispatch(OfflineAction::SetMode(on)))
        },
        offline_remove: {
            let loader = offline_loader.clone();
            Callback::from(move |()| loader.remove())
        },
        retry: {
            let audit = audit.clone();
            Callback::from(move |()| audit.retry())
        },
        view,
        ignore,
        unignore,
        export,
        keep_shared: action(Action::KeepSharedIgnores),
        resolved_download: {
            let state = state.clone();
            Callback::from(move |()| {
                if let ResolutionState::Done(set) = &state.audit.resolution {
                    if let Err(message) = download::save_text("requirements.txt", "text/plain", &set.requirements_txt) {
                        web_sys::console::warn_1(&message.into());
                    }
                }
            })
        },
        leave_shared: {
            let state = state.clone();
            Callback::from(move |()| {
                state.dispatch(Action::LeaveSharedLink);
                location::clear_fragment();
            })
        },
        offline_loader,
    }
}

/// Listens for a share link opened in this tab later (a new fragment) and for connections the Content Security
/// Policy refuses, which are named on the page rather than left as bare network errors.
pub fn listen_to_the_address(state: &UseReducerHandle<PageState>, audit: &UseAuditHandle) {
    let (dispatcher, audit) = (state.dispatcher(), audit.clone());
    location::on_fragment_change(move |fragment| {
        if !fragment.starts_with(share::FRAGMENT_KEY) {
            return;
        }
        match share::decode(&fragment) {
            Ok(shared) => {
                let inputs = Rc::new(Inputs::of_shared(&shared));
                dispatcher.dispatch(Action::OpenShared(Box::new(shared), Rc::clone(&inputs)));
                audit.run(inputs);
            }
            Err(error) => dispatcher.dispatch(Action::ShareFailed(error.to_string())),
        }
    });
    let dispatcher = state.dispatcher();
    location::on_connect_blocked(move |address| dispatcher.dispatch(Action::Blocked(address)));
}

/// The share link drawn in the report, when there is one.
fn share_link() -> Option<String> {
    let document = web_sys::window()?.document()?;
    document.query_selector("[data-testid=share-link]").ok()??.get_attribute("href")
}
