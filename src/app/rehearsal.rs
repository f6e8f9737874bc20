//! The page's warm-up while it is idle after loading. Chromium compiles a wasm function when it is first called and
//! optimises it once it has run long enough, on another thread; without a warm-up both happen during the first
//! audit. So the page first audits the tiny example of [`crate::page::rehearsal::WARM_UP_STEPS`], then rehearses an
//! audit of made-up packages ([`Rehearsal`]) and draws its report into an element that is never attached to the
//! page. It starts once the page is idle; its steps take a few milliseconds each and let the browser handle input
//! between them; and the whole is given up as soon as an audit starts.

use std::rc::Rc;

use yew::prelude::*;

use super::audit::UseAuditHandle;
use super::components::fix_view::FixesPanel;
use super::components::report_view::ReportView;
use crate::io::clock;
use crate::page::rehearsal::{Rehearsal, WARM_UP_STEPS};
use crate::report::Report;
use crate::sources::ParsedInput;
use crate::triage::View;

/// The rehearsal's size: about as many records as a large audit (the bench's has 401), in steps of a few
/// milliseconds (one package each).
const REHEARSAL_PACKAGES: usize = 80;
const REHEARSAL_RECORDS: usize = 6;

/// The performance mark left once the warm-up has run to its end (DevTools shows it; a browser test waits for it).
pub const WARMED_UP_MARK: &str = "osv-lens:warmed-up";

/// Runs the warm-up; returns whether it ran to its end (no audit started meanwhile).
pub async fn warm_up(audit: UseAuditHandle) -> bool {
    let given_up = || audit.has_started();
    clock::when_idle().await;
    for step in WARM_UP_STEPS {
        clock::yield_now().await;
        if given_up() {
            return false;
        }
        std::hint::black_box(step());
    }
    let mut rehearsal = Rehearsal::new(REHEARSAL_PACKAGES, REHEARSAL_RECORDS);
    loop {
        clock::yield_now().await;
        if given_up() {
            return false;
        }
        if !rehearsal.step() {
            break;
        }
    }
    clock::when_idle().await;
    if given_up() {
        return false;
    }
    let (parsed, report) = rehearsal.finish();
    drop(rehearsal);
    clock::when_idle().await;
    if given_up() {
        return false;
    }
    let document = web_sys::window().and_then(|window| window.document());
    if let Some(root) = document.and_then(|document| document.create_element("div").ok()) {
        let props = RehearsedReportProps { report: Rc::new(report), parsed: Rc::new(parsed) };
        let drawn = yew::Renderer::<RehearsedReport>::with_root_and_props(root, props).render();
        // The findings list completes its cards in the idle periods after it is drawn; two of them are kept.
        clock::when_idle().await;
        clock::when_idle().await;
        drawn.destroy();
    }
    clock::mark(WARMED_UP_MARK);
    true
}

#[derive(Properties, PartialEq)]
struct RehearsedReportProps {
    report: Rc<Report>,
    parsed: Rc<ParsedInput>,
}

/// The report's components as the page shows them, with the rehearsal's report and nothing to call back.
#[function_component(RehearsedReport)]
fn rehearsed_report(props: &RehearsedReportProps) -> Html {
    html! {
        <>
            <ReportView report={Rc::clone(&props.report)} view={View::default()} share={None}
                on_view={Callback::noop()} on_ignore={Callback::noop()} on_unignore={Callback::noop()}
                on_export={Callback::noop()} />
            <FixesPanel report={Rc::clone(&props.report)} parsed={Rc::clone(&props.parsed)} done={true} />
        </>
    }
}
