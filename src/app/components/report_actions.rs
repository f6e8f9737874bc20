//! The report's outward actions: the exports and the share link.

use yew::prelude::*;

use crate::export::ExportFormat;

/// Props of [`ReportActions`].
#[derive(Properties, PartialEq)]
pub struct ReportActionsProps {
    /// The share link's full address, or why there is none; `None` while it is being made.
    pub share: Option<Result<AttrValue, AttrValue>>,
    /// An export was asked for.
    pub on_export: Callback<ExportFormat>,
}

/// Export buttons, contract `[data-testid=export-<name>]`, and the share link, contract `[data-testid=share-link]`.
#[function_component(ReportActions)]
pub fn report_actions(props: &ReportActionsProps) -> Html {
    html! {
        <div class="report-actions">
            <div class="exports" role="group" aria-label="Download the report">
                <span class="muted">{ "Download:" }</span>
                { for ExportFormat::ALL.iter().map(|&format| {
                    let on_export = props.on_export.clone();
                    html! {
                        <button class="secondary small" data-testid={format!("export-{}", format.name())}
                            title={format!("Download {}", format.file_name())}
                            onclick={Callback::from(move |_| on_export.emit(format))}>
                            { format.label() }
                        </button>
                    }
                }) }
            </div>
            <div class="share">
                { match &props.share {
                    Some(Ok(href)) => html! {
                        <a class="share-link" data-testid="share-link" href={href.clone()}
                            title="The inputs, settings and ignores are packed into the link after the #, which browsers never send to a server">
                            { "Share link" }
                        </a>
                    },
                    Some(Err(reason)) => html! { <span class="muted" data-testid="share-unavailable">{ reason.clone() }</span> },
                    None => html! { <span class="muted" data-testid="share-pending">{ "Making the share link…" }</span> },
                } }
            </div>
        </div>
    }
}
