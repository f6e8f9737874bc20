//! "What was sent": every request the page made in this session, with what it carried, and the record plan each
//! audit chose.

use std::rc::Rc;

use yew::prelude::*;

use crate::audit::{PlanSummary, RecordPlan};
use crate::http::SentRequest;
use crate::page::state::SentEntry;
use crate::report::counted;

/// Props of [`SentPanel`].
#[derive(Properties, PartialEq)]
pub struct SentPanelProps {
    /// The session's requests and plans, in order.
    pub entries: Rc<Vec<SentEntry>>,
}

fn bytes(count: usize) -> String {
    if count < 1024 {
        format!("{count} B")
    } else {
        format!("{:.1} KB", count as f64 / 1024.0)
    }
}

/// The sentence for an audit's record plan.
pub fn plan_sentence(summary: &PlanSummary) -> String {
    let mut sentence = match (summary.plan, summary.records) {
        (_, 0) => "no advisory to fetch".to_string(),
        (RecordPlan::ById, records) => {
            format!("{} fetched with {}", counted(records, "advisory", "advisories"), summary.plan)
        }
        (RecordPlan::ByPackage, records) => format!(
            "{} fetched with {}: {} instead of {records}",
            counted(records, "advisory", "advisories"),
            summary.plan,
            counted(summary.requests, "request", "requests"),
        ),
    };
    if summary.cached > 0 {
        sentence
            .push_str(&format!("; {} from this browser's cache", counted(summary.cached, "advisory", "advisories")));
    }
    sentence
}

/// The panel, contract `[data-testid=sent-log]` with one `[data-testid=sent-request]` per request.
#[function_component(SentPanel)]
pub fn sent_panel(props: &SentPanelProps) -> Html {
    let requests: Vec<&SentRequest> = props
        .entries
        .iter()
        .filter_map(|entry| match entry {
            SentEntry::Request(request) => Some(request.as_ref()),
            SentEntry::Plan(..) => None,
        })
        .collect();
    let total: usize = requests.iter().map(|request| request.body_bytes).sum();
    html! {
        <details class="sent-panel" data-testid="sent-log" data-count={requests.len().to_string()}>
            <summary>
                { format!("What was sent: {} this session ({} of request bodies)",
                    counted(requests.len(), "request", "requests"), bytes(total)) }
            </summary>
            <p class="muted">{ "Your files never leave the page. These are all the requests it made: package names and versions to OSV, advisory IDs to fetch records, and package names to PyPI for release lists." }</p>
            <ol class="sent-list">
                { for (0..props.entries.len()).step_by(LINES_PER_BLOCK).map(|start| html! {
                    <SentBlock key={start} entries={Rc::clone(&props.entries)} {start}
                        end={(start + LINES_PER_BLOCK).min(props.entries.len())} />
                }) }
            </ol>
        </details>
    }
}

/// The lines drawn by one [`SentBlock`]. A cold audit with the index on sends about 400 requests, one change of the
/// log each; drawing the whole log at each was quadratic, while a full block is never drawn again.
const LINES_PER_BLOCK: usize = 32;

#[derive(Properties)]
struct SentBlockProps {
    entries: Rc<Vec<SentEntry>>,
    start: usize,
    end: usize,
}

impl PartialEq for SentBlockProps {
    /// The log only grows, and its requests are shared: a block is the same when its lines are the same objects.
    fn eq(&self, other: &Self) -> bool {
        let (mine, theirs) = (self.lines(), other.lines());
        self.start == other.start
            && self.end == other.end
            && mine.len() == theirs.len()
            && mine.iter().zip(theirs).all(|pair| match pair {
                (SentEntry::Request(a), SentEntry::Request(b)) => Rc::ptr_eq(a, b),
                (SentEntry::Plan(run_a, a), SentEntry::Plan(run_b, b)) => run_a == run_b && a == b,
                _ => false,
            })
    }
}

impl SentBlockProps {
    fn lines(&self) -> &[SentEntry] {
        self.entries.get(self.start..self.end).unwrap_or_default()
    }
}

#[function_component(SentBlock)]
fn sent_block(props: &SentBlockProps) -> Html {
    let lines = props.lines();
    html! {
        { for lines.iter().map(|entry| match entry {
            SentEntry::Request(request) => request_line(request),
            SentEntry::Plan(run, summary) => html! {
                <li class="sent-plan" data-testid="sent-plan" data-plan={summary.plan.as_str()}
                    data-requests={summary.requests.to_string()} data-cached={summary.cached.to_string()}>
                    { format!("Audit {run}: {}.", plan_sentence(summary)) }
                </li>
            },
        }) }
    }
}

fn request_line(request: &SentRequest) -> Html {
    let contents = match request.contents.len() {
        0 => html! {},
        1 => html! { <span class="sent-contents">{ &request.contents[0] }</span> },
        count => html! {
            <details class="sent-contents">
                <summary>{ counted(count, "package", "packages") }</summary>
                <ul>{ for request.contents.iter().map(|line| html! { <li>{ line }</li> }) }</ul>
            </details>
        },
    };
    // A status from 200 to 399 is an answer; anything else (and no answer) failed.
    let failed = request.outcome.as_deref().is_some_and(|outcome| !matches!(outcome.as_bytes(), [b'2' | b'3', _, _]));
    html! {
        <li class="sent-request" data-testid="sent-request" data-method={request.method} data-url={request.url.clone()}
            data-status={request.outcome.clone()}>
            <code class="sent-method">{ request.method }</code>{ " " }
            <span class="sent-url">{ &request.url }</span>{ " " }
            if let Some(outcome) = &request.outcome {
                <><span class={classes!("sent-status", failed.then_some("error-text"))}>{ outcome }</span>{ " " }</>
            }
            <span class="muted">{ if request.body_bytes > 0 { bytes(request.body_bytes) } else { String::new() } }</span>{ " " }
            { contents }
        </li>
    }
}
