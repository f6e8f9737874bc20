//! The summary bar: open findings by severity, then what was not checked, skipped or ignored.

use yew::prelude::*;

use crate::report::Summary;
use crate::severity::Rating;

/// Props of [`SummaryBar`].
#[derive(Properties, PartialEq)]
pub struct SummaryBarProps {
    /// The report's counts, ignores applied.
    pub summary: Summary,
}

/// Counts by severity, unchecked, skipped and ignored, contract `[data-testid=summary-bar]`; each count is a
/// `[data-count]` with its `data-kind`.
#[function_component(SummaryBar)]
pub fn summary_bar(props: &SummaryBarProps) -> Html {
    let summary = props.summary;
    let count = |kind: &'static str, label: &'static str, value: usize| {
        html! {
            <li class={classes!("count", kind, (value == 0).then_some("zero"))} data-count={value.to_string()} data-kind={kind}>
                <strong>{ value }</strong>{ " " }{ label }
            </li>
        }
    };
    html! {
        <section class="summary-bar" data-testid="summary-bar" aria-label="Findings by severity">
            <ul class="counts severities">
                { for Rating::ALL.iter().map(|&rating| count(rating.as_str(), rating.label(), summary.ratings.get(rating))) }
            </ul>
            <ul class="counts others">
                { count("unchecked", "unchecked", summary.unchecked + summary.pending) }
                { count("skipped", "skipped", summary.skipped) }
                { count("ignored", "ignored", summary.ignored) }
            </ul>
            if let Some(notice) = summary.cap_notice() {
                <p class="warning-text" role="status" data-testid="findings-cap" data-not-shown={summary.not_shown.to_string()}>{ notice }</p>
            }
        </section>
    }
}
