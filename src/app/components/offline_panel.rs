//! The offline database: its status and age, the archive picker, the online/offline switch and the remove button.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::offline_loader::{DatabaseState, OfflineState};
use crate::report::counted;

/// What [`offline_panel`] shows and whom it tells.
pub struct OfflinePanelProps {
    /// The offline state.
    pub state: OfflineState,
    /// The database's age, when it is ready: `2026-07-23, 12 days old`.
    pub age: Option<AttrValue>,
    /// An archive was chosen.
    pub on_file: Callback<web_sys::File>,
    /// The switch was turned: `true` for offline.
    pub on_mode: Callback<bool>,
    /// The remove button was pressed.
    pub on_remove: Callback<()>,
}

/// The offline database panel, contract `[data-testid=offline-db-status]`, `[data-testid=offline-db-input]`. A
/// function, not a component: it weighs less, and drawing it again is cheap.
pub fn offline_panel(props: &OfflinePanelProps) -> Html {
    let on_change = {
        let on_file = props.on_file.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            if let Some(file) = input.files().and_then(|list| list.get(0)) {
                on_file.emit(file);
            }
            input.set_value("");
        })
    };
    let on_toggle = {
        let on_mode = props.on_mode.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            on_mode.emit(input.checked());
        })
    };
    let on_remove = {
        let on_remove = props.on_remove.clone();
        Callback::from(move |_| on_remove.emit(()))
    };
    let database = &props.state.database;
    let status = match database {
        DatabaseState::Empty => html! {
            <p class="offline-text">{ "No offline database. Choose an OSV export zip (such as PyPI's all.zip from \
                osv.dev) or drop it on the page: audits then run in this page and send nothing." }</p>
        },
        DatabaseState::Loading { name, done, total, records } => html! {
            <>
                <p class="offline-text">{ format!("Loading {name}… {} so far.", counted(*records, "record", "records")) }</p>
                <div class="progress-row">
                    <span class="progress-label">{ "Entries" }</span>
                    <progress max={(*total).max(1).to_string()} value={done.to_string()} aria-label="Offline database entries read" />
                    <span class="progress-count">{ format!("{done}/{total}") }</span>
                </div>
            </>
        },
        DatabaseState::Ready(ready) => {
            let notes = &ready.summary.notes;
            html! {
                <>
                    <p class="offline-text">
                        <strong>{ counted(ready.summary.records, "record", "records") }</strong>
                        { format!(" from {}", ready.name) }
                        if let Some(age) = &props.age {
                            { ". Newest change: " }<span data-testid="offline-db-age">{ age.clone() }</span>
                        }
                        { "." }
                    </p>
                    { for notes.iter().map(|note| html! { <p class="muted offline-note">{ note }</p> }) }
                    if let Some(reason) = &ready.not_stored {
                        <p class="error-text" role="alert">{ format!("It could not be kept for your next visit: {reason}.") }</p>
                    }
                </>
            }
        }
        DatabaseState::Error(message) => html! { <p class="error-text" role="alert">{ message }</p> },
    };
    let mode_hint = if props.state.offline_mode {
        "Audits run in this page and send no request: not to OSV, not to PyPI."
    } else {
        "Audits ask the OSV API, and PyPI for release lists."
    };
    html! {
        <section class="offline-panel" aria-label="Offline database">
            <div class="offline-head">
                <h2>{ "Offline database" }</h2>
                <label class="offline-switch">
                    <input type="checkbox" data-testid="offline-mode" checked={props.state.offline_mode} onchange={on_toggle} />
                    <span>{ "Offline mode" }</span>
                </label>
            </div>
            <p class="hint">{ mode_hint }</p>
            <div class="offline-status" data-testid="offline-db-status" data-state={database.as_str()}
                data-records={database.records().to_string()} aria-live="polite">
                { status }
            </div>
            <div class="input-actions">
                <label class="file-button">
                    <input type="file" accept=".zip,application/zip" data-testid="offline-db-input" onchange={on_change}
                        aria-label="Choose an OSV export zip" />
                    <span>{ "Choose an OSV export zip…" }</span>
                </label>
                if matches!(database, DatabaseState::Ready(_) | DatabaseState::Error(_)) {
                    <button class="link" data-testid="offline-db-remove" onclick={on_remove}>{ "Remove offline database" }</button>
                }
            </div>
        </section>
    }
}
