//! The paste box, the file picker and the audit button.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::page::markup::with_code;
use crate::page::state::InputState;
use crate::report::counted;
use crate::sources::ParsedInput;

/// The most text the paste box takes, in UTF-16 code units (about 4 MB). Larger inputs are refused at once, so that
/// the tab does not freeze parsing or storing them; files up to 10 MB can still be chosen.
pub const MAX_PASTE_CHARS: u32 = crate::share::MAX_PASTE_CHARS as u32;

/// Sample inputs to try, offered while the page holds no input of the user's (so that choosing one loses nothing).
const SAMPLES: [(&str, &str); 3] = [
    ("requirements.txt", include_str!("../samples/requirements.txt")),
    ("uv.lock", include_str!("../samples/uv.lock")),
    ("pyproject.toml (ranges)", include_str!("../samples/pyproject.toml")),
];

/// Props of [`InputPanel`].
#[derive(Properties, PartialEq)]
pub struct InputPanelProps {
    /// The input side of the page's state.
    pub input: InputState,
    /// True while an audit runs.
    pub running: bool,
    /// The paste box changed.
    pub on_paste: Callback<String>,
    /// Files were chosen.
    pub on_files: Callback<Vec<web_sys::File>>,
    /// A file was removed.
    pub on_remove: Callback<String>,
    /// The audit button was pressed.
    pub on_audit: Callback<()>,
    /// A sample was chosen: its text, to audit.
    pub on_sample: Callback<String>,
    /// A paste was too large and was refused, with the message to show.
    pub on_refuse: Callback<String>,
    /// The set-aside input is put back (`true`) or discarded.
    pub on_set_aside: Callback<bool>,
}

/// What the inputs were found to hold, in a line: each file's format and dependency count, and its first problem.
fn read_ahead_line(parsed: &ParsedInput) -> String {
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
    files.join(" · ")
}

/// The input side of the page.
#[function_component(InputPanel)]
pub fn input_panel(props: &InputPanelProps) -> Html {
    // The box is not bound to the text the way Yew binds a `value`: that reads the whole text back out of the page
    // on every render of the panel (tens of milliseconds for a large lockfile). The box is written only when the
    // text was set from elsewhere (a sample, a share link, input put back), which changes the revision.
    let area_ref = use_node_ref();
    {
        let (area_ref, inputs) = (area_ref.clone(), Rc::clone(&props.input.inputs));
        use_effect_with(props.input.revision, move |_| {
            if let Some(area) = area_ref.cast::<HtmlTextAreaElement>() {
                area.set_value(&inputs.pasted);
            }
        });
    }
    let on_input = {
        let (on_paste, on_refuse, inputs) =
            (props.on_paste.clone(), props.on_refuse.clone(), Rc::clone(&props.input.inputs));
        Callback::from(move |event: InputEvent| {
            let area: HtmlTextAreaElement = event.target_unchecked_into();
            // The length is read without copying the text out of the page.
            let length = area.text_length();
            if length > MAX_PASTE_CHARS {
                area.set_value(&inputs.pasted);
                on_refuse.emit(format!(
                    "That text is {:.1} MB; the paste box takes up to {} MB. Choose it as a file instead (up to 10 MB).",
                    f64::from(length) / 1024.0 / 1024.0,
                    MAX_PASTE_CHARS / 1024 / 1024
                ));
                return;
            }
            on_paste.emit(area.value());
        })
    };
    let on_change = {
        let on_files = props.on_files.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            if let Some(list) = input.files() {
                on_files.emit(crate::io::files::take_files(&list));
            }
            // Clearing lets the same file be chosen again after an edit.
            input.set_value("");
        })
    };
    // Files pasted into the box (copied in a file manager) are read as chosen files, with their encoding detected:
    // a UTF-16 requirements file pasted this way is decoded like one chosen.
    let on_paste_files = {
        let on_files = props.on_files.clone();
        Callback::from(move |event: Event| {
            use wasm_bindgen::JsCast;
            let transfer = js_sys::Reflect::get(&event, &"clipboardData".into())
                .ok()
                .and_then(|data| data.dyn_into::<web_sys::DataTransfer>().ok());
            let Some(list) = transfer.and_then(|transfer| transfer.files()).filter(|list| list.length() > 0) else {
                return;
            };
            event.prevent_default();
            on_files.emit(crate::io::files::take_files(&list));
        })
    };
    let on_keydown = {
        let on_audit = props.on_audit.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" && (event.ctrl_key() || event.meta_key()) {
                event.prevent_default();
                on_audit.emit(());
            }
        })
    };
    let on_click = {
        let on_audit = props.on_audit.clone();
        Callback::from(move |_| on_audit.emit(()))
    };
    let input = &props.input;
    html! {
        <section class="input-panel" aria-label="Dependencies to audit">
            <label class="field-label" for="osv-lens-input">{ "Paste a requirements file, lockfile, pyproject or SBOM" }</label>
            <textarea
                id="osv-lens-input"
                data-testid="input"
                spellcheck="false"
                autocomplete="off"
                placeholder={"requests==2.19.0\ndjango==3.2.0\n# …or drop files anywhere on the page"}
                ref={area_ref}
                oninput={on_input}
                onpaste={on_paste_files}
                onkeydown={on_keydown}
            />
            <div class="input-actions">
                <label class="file-button">
                    <input type="file" multiple=true data-testid="file-input" onchange={on_change}
                        aria-label="Choose dependency files" />
                    <span>{ "Choose files…" }</span>
                </label>
                <button class="primary" data-testid="audit" onclick={on_click} aria-keyshortcuts="Control+Enter">
                    { if props.running { "Audit again" } else { "Audit" } }
                </button>
                <span class="hint">{ "Ctrl+Enter audits. Only package names and versions are sent to OSV." }</span>
            </div>
            if input.inputs.is_empty() {
                <p class="samples" data-testid="samples">
                    { "Or try a sample: " }
                    { for SAMPLES.iter().map(|(label, text)| {
                        let on_sample = props.on_sample.clone();
                        let choose = Callback::from(move |_: MouseEvent| on_sample.emit((*text).to_string()));
                        html! { <button type="button" class="link" data-testid="sample" onclick={choose}>{ *label }</button> }
                    }) }
                </p>
            }
            if !input.inputs.files.is_empty() {
                <ul class="chosen-files" aria-label="Chosen files">
                    { for input.inputs.files.iter().map(|file| {
                        let name = file.name.clone();
                        let on_remove = props.on_remove.clone();
                        let remove = Callback::from(move |_| on_remove.emit(name.clone()));
                        html! {
                            <li>
                                <span class="file-name">{ &file.name }</span>
                                <span class="muted">{ counted(file.text.lines().count(), "line", "lines") }</span>
                                <button class="link" onclick={remove} aria-label={format!("Remove {}", file.name)}>{ "remove" }</button>
                            </li>
                        }
                    }) }
                </ul>
            }
            if input.set_aside.is_some() {
                <div class="set-aside" role="alert" data-testid="set-aside">
                    <p>{ "The page stopped while reading the input it had kept from your last visit, so that input was \
                         set aside and the page started without it. Put it back to try again, or discard it." }</p>
                    <button type="button" data-testid="set-aside-restore"
                        onclick={props.on_set_aside.reform(|_| true)}>{ "Put it back" }</button>
                    <button type="button" class="link" data-testid="set-aside-discard"
                        onclick={props.on_set_aside.reform(|_| false)}>{ "Discard it" }</button>
                </div>
            }
            if let Some(read) = input.read.as_ref().filter(|read| read.inputs == input.inputs) {
                <p class="read-ahead muted" data-testid="read-ahead" aria-live="polite">{ Html::from_html_unchecked(with_code(&read_ahead_line(&read.parsed)).into()) }</p>
            }
            { for input.file_errors.iter().map(|error| html! { <p class="error-text" role="alert">{ error }</p> }) }
            if let Some(error) = &input.paste_error {
                <p class="error-text" role="alert" data-testid="paste-error">{ error.clone() }</p>
            }
        </section>
    }
}
