//! A finding's triage controls: "Ignore…" and its form (a reason and an optional expiry), or "Stop ignoring".

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::FindingCardProps;
use crate::triage::Ignore;

/// "Ignore…" opens the ignore form; an ignored finding offers "Stop ignoring".
pub(super) fn triage_controls(
    id: &str,
    ignored: Option<&Ignore>,
    ignoring: &UseStateHandle<bool>,
    props: &FindingCardProps,
) -> Html {
    if let Some(rule) = ignored {
        let on_unignore = props.on_unignore.clone();
        let id = rule.id.clone();
        let reason = if rule.reason.is_empty() { "no reason given".to_string() } else { rule.reason.clone() };
        return html! {
            <div class="triage">
                <span class="ignored-note">
                    { format!("Ignored ({}): {reason}", rule.id) }
                    if let Some(until) = &rule.until { { format!(" · until {until}") } }
                </span>
                <button class="link" data-testid="unignore" onclick={Callback::from(move |_| on_unignore.emit(id.clone()))}>
                    { "Stop ignoring" }
                </button>
            </div>
        };
    }
    if !**ignoring {
        let ignoring = ignoring.clone();
        return html! {
            <div class="triage">
                <button class="link" data-testid="ignore" aria-expanded="false" onclick={Callback::from(move |_| ignoring.set(true))}>
                    { "Ignore…" }
                </button>
            </div>
        };
    }
    let on_close = {
        let ignoring = ignoring.clone();
        Callback::from(move |()| ignoring.set(false))
    };
    html! { <IgnoreForm id={id.to_string()} on_ignore={props.on_ignore.clone()} {on_close} /> }
}

#[derive(Properties, PartialEq)]
struct IgnoreFormProps {
    id: String,
    on_ignore: Callback<Ignore>,
    /// The form is done: the rule was made or the user cancelled.
    on_close: Callback<()>,
}

/// The ignore form: a reason and an optional expiry.
#[function_component(IgnoreForm)]
fn ignore_form(props: &IgnoreFormProps) -> Html {
    let reason_ref = use_node_ref();
    let until_ref = use_node_ref();
    let error = use_state(|| None::<String>);
    let submit = {
        let (error, reason_ref, until_ref) = (error.clone(), reason_ref.clone(), until_ref.clone());
        let (on_ignore, on_close, id) = (props.on_ignore.clone(), props.on_close.clone(), props.id.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let value = |node: &NodeRef| node.cast::<HtmlInputElement>().map(|input| input.value()).unwrap_or_default();
            let until = value(&until_ref);
            match Ignore::new(&id, &value(&reason_ref), Some(&until)) {
                Ok(rule) => {
                    error.set(None);
                    on_close.emit(());
                    on_ignore.emit(rule);
                }
                Err(message) => error.set(Some(message)),
            }
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_| on_close.emit(()))
    };
    let reason_id = format!("ignore-reason-{}", props.id);
    let until_id = format!("ignore-until-{}", props.id);
    html! {
        <form class="triage ignore-form" data-testid="ignore-form" onsubmit={submit}>
            <label for={reason_id.clone()}>{ "Reason" }</label>
            <input id={reason_id} type="text" ref={reason_ref} data-testid="ignore-reason" maxlength="500"
                placeholder="Why this does not apply" autofocus=true />
            <label for={until_id.clone()}>{ "Until (optional)" }</label>
            <input id={until_id} type="date" ref={until_ref} data-testid="ignore-until" />
            <button type="submit" class="primary small" data-testid="ignore-confirm">{ "Ignore" }</button>
            <button type="button" class="link" onclick={cancel}>{ "Cancel" }</button>
            if let Some(message) = &*error { <span class="error-text" role="alert">{ message }</span> }
        </form>
    }
}
