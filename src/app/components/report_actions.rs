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

/// Writes `text` to the clipboard; the error says why it could not.
async fn copy_text(text: &str) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let window = web_sys::window().ok_or("no window")?;
    let navigator = js_sys::Reflect::get(&window, &"navigator".into()).map_err(|_| "no navigator")?;
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).map_err(|_| "no clipboard")?;
    let write = js_sys::Reflect::get(&clipboard, &"writeText".into())
        .ok()
        .and_then(|write| write.dyn_into::<js_sys::Function>().ok())
        .ok_or("this browser offers no clipboard here")?;
    let promise = write.call1(&clipboard, &text.into()).map_err(|_| "the clipboard refused")?;
    let promise: js_sys::Promise = promise.dyn_into().map_err(|_| "the clipboard refused")?;
    wasm_bindgen_futures::JsFuture::from(promise).await.map(|_| ()).map_err(|_| "the clipboard refused".into())
}

/// Export buttons, contract `[data-testid=export-<name>]`, the share link, contract `[data-testid=share-link]`,
/// and its copy button, `[data-testid=share-copy]`, which says in a live region whether the link was copied.
#[function_component(ReportActions)]
pub fn report_actions(props: &ReportActionsProps) -> Html {
    // The message is written into the live region directly, without a state hook, to keep the page's weight down.
    let copied = use_node_ref();
    let copy = {
        let (copied, share) = (copied.clone(), props.share.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(Ok(href)) = share.clone() else { return };
            let copied = copied.clone();
            yew::platform::spawn_local(async move {
                let message = match copy_text(&href).await {
                    Ok(()) => "Link copied".to_string(),
                    Err(why) => format!("Not copied ({why}): copy the link's address instead"),
                };
                if let Some(region) = copied.get() {
                    region.set_text_content(Some(&message));
                }
            });
        })
    };
    // The link is this page's own address with a fragment: following it would only audit the same input again.
    let stay = Callback::from(|event: MouseEvent| event.prevent_default());
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
                    Some(Ok(href)) => html! { <>
                        <a class="share-link" data-testid="share-link" href={href.clone()} onclick={stay}
                            title="The inputs, settings and ignores are packed into the link after the #, which browsers never send to a server">
                            { "Share link" }
                        </a>
                        <button type="button" class="secondary small" data-testid="share-copy" onclick={copy}>{ "Copy link" }</button>
                    </> },
                    Some(Err(reason)) => html! { <span class="muted" data-testid="share-unavailable">{ reason.clone() }</span> },
                    None => html! { <span class="muted" data-testid="share-pending">{ "Making the share link…" }</span> },
                } }
                <span class="muted" data-testid="share-copied" aria-live="polite" ref={copied}></span>
            </div>
        </div>
    }
}
