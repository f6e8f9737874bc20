//! A finding's triage controls: "Ignore…" and its form (a reason, an optional expiry, "until fixed"), or "Stop
//! ignoring".

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::FindingCardProps;
use crate::report::Finding;
use crate::triage::Ignore;

/// "Ignore…" opens the ignore form; an ignored finding offers "Stop ignoring".
pub(super) fn triage_controls(finding: &Finding, ignoring: &UseStateHandle<bool>, props: &FindingCardProps) -> Html {
    let id = finding.id.as_str();
    if let Some(rule) = &finding.ignored {
        let on_unignore = props.on_unignore.clone();
        let id = rule.id.clone();
        let reason = if rule.reason.is_empty() { "no reason given".to_string() } else { rule.reason.clone() };
        return html! {
            <div class="triage">
                <span class="ignored-note">
                    { format!("Ignored ({}): {reason}", rule.id) }
                    if let Some(until) = &rule.until { { format!(" · until {until}") } }
                    if rule.until_fixed { { " · until fixed" } }
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

/// The ignore form: a reason, an optional expiry, and "until a fix exists".
#[function_component(IgnoreForm)]
fn ignore_form(props: &IgnoreFormProps) -> Html {
    let reason_ref = use_node_ref();
    let until_ref = use_node_ref();
    let fixed_ref = use_node_ref();
    let error = use_state(|| None::<String>);
    let submit = {
        let (error, reason_ref, until_ref, fixed_ref) =
            (error.clone(), reason_ref.clone(), until_ref.clone(), fixed_ref.clone());
        let (on_ignore, on_close, id) = (props.on_ignore.clone(), props.on_close.clone(), props.id.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let value = |node: &NodeRef| node.cast::<HtmlInputElement>().map(|input| input.value()).unwrap_or_default();
            let until = value(&until_ref);
            let until_fixed = fixed_ref.cast::<HtmlInputElement>().is_some_and(|input| input.checked());
            match Ignore::new(&id, &value(&reason_ref), Some(&until)) {
                Ok(rule) => {
                    let rule = Ignore { until_fixed, ..rule };
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
            <label class="until-fixed">
                <input type="checkbox" ref={fixed_ref} data-testid="ignore-until-fixed" />{ "Until a fix exists" }
            </label>
            <button type="submit" class="primary small" data-testid="ignore-confirm">{ "Ignore" }</button>
            <button type="button" class="link" onclick={cancel}>{ "Cancel" }</button>
            if let Some(message) = &*error { <span class="error-text" role="alert">{ message }</span> }
        </form>
    }
}
