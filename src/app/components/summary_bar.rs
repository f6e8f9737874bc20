//! The summary bar: open findings by severity, each count a button that filters the findings to it, then what was not
//! checked, skipped or ignored.

use yew::prelude::*;

use crate::report::Summary;
use crate::severity::{Rating, UNKNOWN_SEVERITY};
use crate::triage::View;

/// `view` with `rating` filtered in, or out when it was in (no rating filtered shows every one).
fn toggled(view: &View, rating: Rating) -> View {
    let mut next = view.clone();
    if !next.ratings.remove(&rating) {
        next.ratings.insert(rating);
    }
    next
}

/// Counts by severity, unchecked, skipped and ignored, contract `[data-testid=summary-bar]`; each count is a
/// `[data-count]` with its `data-kind`. A severity's count holds a button (`aria-pressed`) that filters the findings:
/// `on_view` gets `view` with its rating filtered in or out. A function, not a component: it weighs less.
pub fn summary_bar(summary: Summary, view: &View, on_view: &Callback<View>) -> Html {
    let count = |kind: &'static str, label: &'static str, value: usize| {
        html! {
            <li class={classes!("count", kind, (value == 0).then_some("zero"))} data-count={value.to_string()} data-kind={kind}>
                <strong>{ value }</strong>{ " " }{ label }
            </li>
        }
    };
    let severity = |rating: Rating| {
        let value = summary.ratings.get(rating);
        let pressed = view.ratings.contains(&rating);
        let on_click = {
            let (on_view, next) = (on_view.clone(), toggled(view, rating));
            Callback::from(move |_| on_view.emit(next.clone()))
        };
        let title = if rating == Rating::Unknown { UNKNOWN_SEVERITY } else { "Show only these findings, or all again" };
        html! {
            <li class={classes!("count", rating.as_str(), (value == 0).then_some("zero"))} data-count={value.to_string()} data-kind={rating.as_str()}>
                <button type="button" class="chip-filter" aria-pressed={pressed.to_string()} disabled={value == 0 && !pressed}
                    data-testid={format!("chip-{}", rating.as_str())} title={title} onclick={on_click}>
                    <strong>{ value }</strong>{ " " }{ rating.label() }
                </button>
            </li>
        }
    };
    html! {
        <section class="summary-bar" data-testid="summary-bar" aria-label="Findings by severity">
            <ul class="counts severities">
                { for Rating::ALL.iter().map(|&rating| severity(rating)) }
            </ul>
            <ul class="counts others">
                { count("unchecked", "unchecked", summary.unchecked + summary.pending) }
                { count("skipped", "skipped", summary.skipped) }
                { count("ignored", "ignored", summary.ignored) }
            </ul>
            if summary.ratings.get(Rating::Unknown) > 0 {
                <p class="muted" data-testid="unknown-note">{ UNKNOWN_SEVERITY }{ "." }</p>
            }
            if let Some(notice) = summary.cap_notice() {
                <p class="warning-text" role="status" data-testid="findings-cap" data-not-shown={summary.not_shown.to_string()}>{ notice }</p>
            }
        </section>
    }
}
