//! The audit's status, with progress bars while it runs and the summary when it is done.

use yew::prelude::*;

use crate::audit::{PlanSummary, RecordPlan};
use crate::page::state::{FixesState, ParseTiming, Phase, Progress};
use crate::pypi::IndexHealth;
use crate::report::counted;
use crate::report::Summary;

/// Props of [`StatusBar`].
#[derive(Properties, PartialEq)]
pub struct StatusBarProps {
    /// Where the audit is.
    pub phase: Phase,
    /// Whether fix plans are confirmed against the package index.
    pub fixes: FixesState,
    /// Querybatch requests.
    pub queries: Progress,
    /// Record fetches.
    pub records: Progress,
    /// PyPI release lists.
    #[prop_or_default]
    pub releases: Progress,
    /// The report's counts.
    pub summary: Summary,
    /// The record plan of the current audit, once chosen.
    #[prop_or_default]
    pub plan: Option<PlanSummary>,
    /// Why the record cache is off for this session, once it failed.
    #[prop_or_default]
    pub cache_broken: Option<AttrValue>,
    /// Addresses the Content Security Policy refused.
    #[prop_or_default]
    pub blocked: Vec<String>,
    /// True when unchecked packages can be looked up again.
    #[prop_or_default]
    pub can_retry: bool,
    /// "Retry unchecked" was pressed.
    #[prop_or_default]
    pub on_retry: Callback<()>,
    /// How long reading the input took, once an audit started.
    #[prop_or_default]
    pub parse_timing: Option<ParseTiming>,
    /// How the package index answered this audit, once release lists arrived.
    #[prop_or_default]
    pub index: Option<IndexHealth>,
    /// The number of the current audit (`data-run`): a script that starts an audit knows it ended when the number
    /// changed and the state is `done`, even when the audit was too quick for `running` to be drawn.
    #[prop_or_default]
    pub run: u32,
    /// The audit's answers are in and its report is being drawn, a step at a time: the status says `running` until
    /// every row and finding is on the page.
    #[prop_or_default]
    pub drawing: bool,
}

/// The status line, contract `[data-testid=status]`.
#[function_component(StatusBar)]
pub fn status_bar(props: &StatusBarProps) -> Html {
    let text = match &props.phase {
        Phase::Idle => "Ready. Nothing leaves this page until you press Audit.".to_string(),
        Phase::Running if props.records.total == 0 => match props.parse_timing {
            Some(timing) => format!("Looking up {}…", counted(timing.entries, "dependency", "dependencies")),
            None => "Looking up packages…".to_string(),
        },
        Phase::Running if props.releases.total > 0 => "Reading release lists from PyPI…".to_string(),
        Phase::Running => "Fetching advisories…".to_string(),
        Phase::Done if props.drawing => "Drawing the report…".to_string(),
        Phase::Done => props.summary.sentence(),
        Phase::Error(message) => message.clone(),
    };
    let state = if props.drawing && props.phase == Phase::Done { "running" } else { props.phase.as_str() };
    let (records_label, records_unit) = match props.plan {
        Some(PlanSummary { plan: RecordPlan::ByPackage, .. }) => ("Advisories, by package", "package queries"),
        Some(PlanSummary { plan: RecordPlan::ById, .. }) => ("Advisories, by ID", "records"),
        None => ("Advisories", "records"),
    };
    let records_label = match props.plan {
        Some(plan) if plan.cached > 0 => format!("{records_label} ({} cached)", plan.cached),
        _ => records_label.to_string(),
    };
    let on_retry = {
        let on_retry = props.on_retry.clone();
        Callback::from(move |_| on_retry.emit(()))
    };
    let confirming = props.phase == Phase::Done && props.fixes == FixesState::Pending;
    // The page times its own parse (`cargo xtask bench` reads it); two decimals, as performance.now() is coarse.
    let parse_ms = props.parse_timing.map(|timing| format!("{:.2}", timing.milliseconds));
    let parse_entries = props.parse_timing.map(|timing| timing.entries.to_string());
    html! {
        <section class="status" data-testid="status" data-state={state} aria-live="polite"
            data-fixes={props.fixes.as_str()}
            data-parse-ms={parse_ms} data-parse-entries={parse_entries} data-run={props.run.to_string()}>
            <p class="status-text">{ text }</p>
            if props.phase == Phase::Running || confirming {
                <div class="progress-rows">
                    if props.phase == Phase::Running {
                        { progress_row("Package lookups", props.queries, "requests") }
                        { progress_row(&records_label, props.records, records_unit) }
                    }
                    if props.releases.total > 0 {
                        { progress_row("PyPI release lists", props.releases, "packages") }
                    }
                </div>
            }
            // Said once here, for the whole audit, rather than in each fix plan.
            if let (Some(health), Phase::Done, FixesState::Ready) = (&props.index, &props.phase, props.fixes) {
                <p class={classes!("index-state", (health.as_str() != "reachable").then_some("warning-text"))}
                    data-testid="index-state" data-state={health.as_str()}>{ health.sentence() }</p>
            }
            if confirming {
                <p class="muted" data-testid="fixes-pending">
                    if props.releases.done < props.releases.total {
                        { "Fix versions come from the advisories; they are being checked against the package index's releases." }
                    } else {
                        { "Fix versions are checked against the releases; now checking what each fix needs of its parents." }
                    }
                </p>
            }
            // While the audit runs, the counts appear with the first report built from its answers.
            if props.phase == Phase::Done || (props.phase == Phase::Running && props.summary.dependencies() > 0) {
                { summary_chips(props.summary) }
            }
            if props.can_retry {
                <p class="retry-line">
                    <button data-testid="retry-unchecked" onclick={on_retry}>{ "Retry unchecked" }</button>
                    <span class="muted">{ " Looks up only the packages (and advisories) that got no answer, and merges the answers into this report." }</span>
                </p>
            }
            if let Some(reason) = &props.cache_broken {
                <p class="note" data-testid="cache-note" role="status">
                    { format!("Cache off for this session: {reason}. Audits still run; advisories are fetched each time.") }
                </p>
            }
            { for props.blocked.iter().map(|address| html! {
                <p class="error-text" data-testid="endpoint-blocked" role="alert">
                    { format!("The page's Content Security Policy blocked a connection to {address}; what it would have looked up is unchecked.") }
                </p>
            }) }
            if let Some(timing) = props.parse_timing {
                <p class="parse-time">{ format!("Parsed {} in {:.1} ms.", counted(timing.entries, "entry", "entries"), timing.milliseconds) }</p>
            }
        </section>
    }
}

/// A progress bar with its label and counts; `unit` says what the counts count (`requests`, `records`, …). Plain
/// functions rather than components: a component of its own weighed on the page and saved no work here.
fn progress_row(label: &str, progress: Progress, unit: &'static str) -> Html {
    let Progress { done, total } = progress;
    html! {
        <div class="progress-row" data-unit={unit}>
            <span class="progress-label">{ label }</span>
            <progress max={total.max(1).to_string()} value={done.to_string()} aria-label={label.to_string()} />
            <span class="progress-count">{ format!("{done}/{total} {unit}") }</span>
        </div>
    }
}

fn summary_chips(summary: Summary) -> Html {
    let chip = |class: &'static str, count: usize, label: &'static str| {
        html! { <span class={classes!("chip", class, (count == 0).then_some("zero"))}><strong>{ count }</strong>{ " " }{ label }</span> }
    };
    html! {
        <div class="summary-chips" aria-label="Summary">
            { chip("vulnerable", summary.vulnerable, "vulnerable") }
            { chip("clean", summary.clean, "clean") }
        </div>
    }
}
