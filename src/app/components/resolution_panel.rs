//! What the resolution of an input that is not fully pinned found, contract `[data-testid=resolution]` with
//! `data-state` = `none`, `running`, `done`, `partial` or `error`, and the resolved set as a `requirements.txt`
//! download, `[data-testid=resolved-download]`.

use yew::prelude::*;

use crate::page::state::ResolutionState;
use crate::report::counted;

/// The resolution's line, its gaps and its download (`on_download` asks for the resolved `requirements.txt`). A
/// function, not a component: it weighs less, and drawing it again is cheap.
pub fn resolution_panel(resolution: &ResolutionState, on_download: &Callback<()>) -> Html {
    let state = resolution.as_str();
    let body = match resolution {
        ResolutionState::None => return html! { <div data-testid="resolution" data-state="none" hidden=true /> },
        ResolutionState::Running => html! { <p>{ "Resolving what the input installs…" }</p> },
        ResolutionState::Failed(reason) => html! {
            <p>{ format!("The input could not be resolved ({reason}); the packages the files name are audited as written.") }</p>
        },
        ResolutionState::Done(set) => {
            let named = set.packages.iter().filter(|row| row.named).count();
            let mut line = format!(
                "Resolved {} for {} from {}",
                counted(set.packages.len(), "package", "packages"),
                set.target,
                set.index
            );
            if let Some(day) = &set.as_of {
                line.push_str(&format!(", as of {day}"));
            }
            line.push_str(&format!(
                ": {named} named in the files, {} installed with them.",
                set.packages.len() - named
            ));
            let on_download = on_download.reform(|_| ());
            html! {
                <>
                    if let Some(failure) = &set.failure {
                        <p>{ "No resolution exists:" }</p>
                        <ul class="resolution-failure">{ for failure.iter().map(|line| html! { <li>{ line }</li> }) }</ul>
                    } else {
                        <p>{ line }</p>
                    }
                    if !set.not_resolved.is_empty() {
                        <ul class="not-resolved">
                            { for set.not_resolved.iter().map(|gap| html! { <li>{ format!("Not resolved, not audited: {gap}") }</li> }) }
                        </ul>
                    }
                    if set.failure.is_none() {
                        <button type="button" class="link" data-testid="resolved-download" onclick={on_download}>
                            { "Download the resolved requirements.txt" }
                        </button>
                    }
                </>
            }
        }
    };
    html! {
        <section class="resolution" data-testid="resolution" data-state={state} aria-live="polite">{ body }</section>
    }
}
