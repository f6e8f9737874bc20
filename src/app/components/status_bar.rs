//! The audit's status, with progress bars while it runs and the summary when it is done.

use yew::prelude::*;

use crate::app::state::{ParseTiming, Phase, Progress};
use crate::report::counted;
use crate::report::Summary;

/// Props of [`StatusBar`].
#[derive(Properties, PartialEq)]
pub struct StatusBarProps {
    /// Where the audit is.
    pub phase: Phase,
    /// Querybatch requests.
    pub queries: Progress,
    /// Record fetches.
    pub records: Progress,
    /// PyPI release lists.
    #[prop_or_default]
    pub releases: Progress,
    /// The report's counts.
    pub summary: Summary,
    /// How long reading the input took, once an audit started.
    #[prop_or_default]
    pub parse_timing: Option<ParseTiming>,
}

/// The status line, contract `[data-testid=status]`.
#[function_component(StatusBar)]
pub fn status_bar(props: &StatusBarProps) -> Html {
    let text = match &props.phase {
        Phase::Idle => "Ready. Nothing leaves this page until you press Audit.".to_string(),
        Phase::Running if props.records.total == 0 => "Looking up packages…".to_string(),
        Phase::Running if props.releases.total > 0 => "Reading release lists from PyPI…".to_string(),
        Phase::Running => "Fetching advisories…".to_string(),
        Phase::Done => props.summary.sentence(),
        Phase::Error(message) => message.clone(),
    };
    // The page times its own parse (`cargo xtask bench` reads it); two decimals, as performance.now() is coarse.
    let parse_ms = props.parse_timing.map(|timing| format!("{:.2}", timing.milliseconds));
    let parse_entries = props.parse_timing.map(|timing| timing.entries.to_string());
    html! {
        <section class="status" data-testid="status" data-state={props.phase.as_str()} aria-live="polite"
            data-parse-ms={parse_ms} data-parse-entries={parse_entries}>
            <p class="status-text">{ text }</p>
            if props.phase == Phase::Running {
                <div class="progress-rows">
                    <ProgressRow label="Package lookups" progress={props.queries} />
                    <ProgressRow label="Advisories" progress={props.records} />
                    if props.releases.total > 0 {
                        <ProgressRow label="PyPI release lists" progress={props.releases} />
                    }
                </div>
            }
            if matches!(props.phase, Phase::Done | Phase::Running) {
                <SummaryChips summary={props.summary} />
            }
            if let Some(timing) = props.parse_timing {
                <p class="parse-time">{ format!("Parsed {} in {:.1} ms.", counted(timing.entries, "entry", "entries"), timing.milliseconds) }</p>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ProgressRowProps {
    label: AttrValue,
    progress: Progress,
}

#[function_component(ProgressRow)]
fn progress_row(props: &ProgressRowProps) -> Html {
    let Progress { done, total } = props.progress;
    html! {
        <div class="progress-row">
            <span class="progress-label">{ &props.label }</span>
            <progress max={total.max(1).to_string()} value={done.to_string()} aria-label={props.label.clone()} />
            <span class="progress-count">{ format!("{done}/{total}") }</span>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct SummaryChipsProps {
    summary: Summary,
}

#[function_component(SummaryChips)]
fn summary_chips(props: &SummaryChipsProps) -> Html {
    let summary = props.summary;
    let chip = |class: &'static str, count: usize, label: &'static str| {
        html! { <span class={classes!("chip", class, (count == 0).then_some("zero"))}><strong>{ count }</strong>{ " " }{ label }</span> }
    };
    html! {
        <div class="summary-chips" aria-label="Summary">
            { chip("vulnerable", summary.vulnerable, "vulnerable") }
            { chip("clean", summary.clean, "clean") }
            { chip("unchecked", summary.unchecked + summary.pending, "unchecked") }
            { chip("skipped", summary.skipped, "skipped") }
        </div>
    }
}
