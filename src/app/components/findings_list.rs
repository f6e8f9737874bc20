//! The findings, filtered and sorted as the user chose, with a notice for whatever the filters hide, and the
//! ignored findings in a section of their own.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::finding_card::{stub_cards, FindingCard};
use super::{same, SameReport};
use crate::io::clock;
use crate::report::{counted, Report};
use crate::severity::Rating;
use crate::triage::{self, FindingRef, FixFilter, Ignore, SortKey, View};

/// Props of [`FindingsList`].
#[derive(Properties)]
pub struct FindingsListProps {
    /// The report, ignores applied.
    pub report: Rc<Report>,
    /// Filter and sort.
    pub view: View,
    /// The view changed.
    pub on_view: Callback<View>,
    /// A finding is ignored.
    pub on_ignore: Callback<Ignore>,
    /// An ignore rule is lifted, by ID.
    pub on_unignore: Callback<String>,
    /// How many stubs may be drawn yet (the report is drawn a step at a time).
    #[prop_or(usize::MAX)]
    pub stubs: usize,
}

impl PartialEq for FindingsListProps {
    fn eq(&self, other: &Self) -> bool {
        same(&self.report, &other.report)
            && self.view == other.view
            && self.on_view == other.on_view
            && self.on_ignore == other.on_ignore
            && self.on_unignore == other.on_unignore
            && self.stubs == other.stubs
    }
}

/// The cards drawn whole in the first frame of a report. A 348-package audit has about 400 findings, and drawing
/// them all as components before the report shows took about 600 ms; the rest are drawn first as stubs in one piece
/// (everything a closed card shows, every contract attribute included; see [`stub_cards`]) and made whole, with
/// their details and controls, [`CARDS_PER_STEP`] at a time whenever the browser is idle.
const CARDS_AT_FIRST: usize = 8;

/// The cards completed per idle step after the first frame: 20 keep each step well under the 50 ms of a long task
/// (80 took 100–130 ms in a cold audit of the bench's 401 findings).
const CARDS_PER_STEP: usize = 20;

/// The stubs left after the first `whole` cards, as (start, end) ranges on the step boundaries
/// (`CARDS_AT_FIRST + k × CARDS_PER_STEP`), so that a range keeps its bounds from one step to the next.
fn stub_steps(whole: usize, shown: usize) -> impl Iterator<Item = (usize, usize)> {
    (whole..shown).step_by(CARDS_PER_STEP).map(move |start| (start, (start + CARDS_PER_STEP).min(shown)))
}

/// The findings list, contract `[data-testid=findings]`; ignored findings are under `[data-testid=ignored]`.
#[function_component(FindingsList)]
pub fn findings_list(props: &FindingsListProps) -> Html {
    let report = &props.report;
    let listing = triage::list(report, &props.view);
    let total = listing.shown.len() + listing.hidden + listing.ignored.len();
    let complete = use_state_eq(|| CARDS_AT_FIRST);
    {
        let (complete, shown, stubs_drawn) = (complete.clone(), listing.shown.len(), props.stubs == usize::MAX);
        use_effect_with((*complete, shown, stubs_drawn), move |&(count, shown, stubs_drawn)| {
            // An empty report (a new audit starting) starts the drawing over; otherwise the next step waits until
            // every stub is drawn and the browser is idle, so that it paints what is there first and answers input
            // before completing more.
            let step = if shown == 0 && count != CARDS_AT_FIRST {
                complete.set(CARDS_AT_FIRST);
                None
            } else if count < shown && stubs_drawn {
                Some(clock::on_idle(move || complete.set(count + CARDS_PER_STEP)))
            } else {
                None
            };
            move || drop(step)
        });
    }
    if total == 0 {
        return Html::default();
    }
    let card = |at: &FindingRef| {
        html! {
            <FindingCard key={format!("{}-{}-{}", at.file, at.dependency, at.finding)} report={Rc::clone(report)} at={*at}
                on_ignore={props.on_ignore.clone()} on_unignore={props.on_unignore.clone()} />
        }
    };
    let whole = listing.shown.len().min(*complete);
    // Every step's stubs, made once per report and view: at each step only the first list left becomes cards, and
    // making the markup of all the others again was most of a step's time.
    let stub_lists = use_memo((SameReport(Rc::clone(report)), props.view.clone()), |_| {
        let first = CARDS_AT_FIRST.min(listing.shown.len());
        stub_steps(first, listing.shown.len())
            .map(|(start, end)| {
                let stubs = stub_cards(report, &listing.shown[start..end]);
                (start, Html::from(yew::virtual_dom::VList::with_children(vec![stubs], Some(start.into()))))
            })
            .collect::<Vec<(usize, Html)>>()
    });
    let clear = {
        let (on_view, view) = (props.on_view.clone(), props.view.clone());
        Callback::from(move |_| on_view.emit(View { sort: view.sort, ..View::default() }))
    };
    html! {
        <section class="findings-section" aria-label="Findings">
            { toolbar(&props.view, &props.on_view, if report.files.len() > 1 { &report.files } else { &[] }) }
            if listing.hidden > 0 {
                <p class="hidden-notice" data-testid="hidden-notice" role="status">
                    { format!("{} hidden by the filters", counted(listing.hidden, "finding is", "findings are")) }
                    if listing.hidden_unknown > 0 {
                        { format!(", {} with an unknown severity", counted(listing.hidden_unknown, "finding", "findings")) }
                    }
                    { ". " }
                    <button class="link" onclick={clear}>{ "Show all" }</button>
                </p>
            }
            // The stubs are lists of their own, each drawn as one node (a node per stub cost a call from wasm each),
            // one list per step and keyed by where it starts: a step replaces only the list it completes, where one
            // list of every stub left was parsed again at each step (2,500 findings took 17 s to complete).
            // Every child keyed, the cards' list too: in a list with one unkeyed child, Yew pairs children from the
            // end, so the list of cards was paired with the stub list a step removes, and made anew (every card
            // mounted again and restyled: 140-210 ms a step for 400 findings).
            <div class="findings-lists" data-testid="findings">
                <ul class="findings" key="cards">{ for listing.shown[..whole].iter().map(card) }</ul>
                { for stub_lists.iter().filter(|(start, _)| *start >= whole && *start < CARDS_AT_FIRST.saturating_add(props.stubs))
                    .map(|(_, stubs)| stubs.clone()) }
            </div>
            if !listing.ignored.is_empty() {
                <details class="ignored-section" data-testid="ignored" open=true>
                    <summary>{ format!("Ignored ({})", listing.ignored.len()) }</summary>
                    <p class="muted">{ "Ignored findings are not counted in the totals." }</p>
                    <ul class="findings ignored">{ for listing.ignored.iter().map(card) }</ul>
                </details>
            }
        </section>
    }
}

/// The filters and the sort; `files` are the audited files when there are several (a filter by file is offered
/// then). A function, not a component: it weighs less, and the list draws it again only when the view changed.
fn toolbar(view: &View, on_view: &Callback<View>, files: &[crate::report::FileReport]) -> Html {
    let shown = |rating: Rating| view.ratings.is_empty() || view.ratings.contains(&rating);
    let toggle = |rating: Rating| {
        let (on_view, view) = (on_view.clone(), view.clone());
        Callback::from(move |_| {
            let mut next = view.clone();
            if next.ratings.is_empty() {
                next.ratings = crate::sorting::set_of(Rating::ALL);
            }
            if !next.ratings.remove(&rating) {
                next.ratings.insert(rating);
            }
            if next.ratings.len() == Rating::ALL.len() {
                next.ratings.clear();
            }
            on_view.emit(next);
        })
    };
    let on_fix = {
        let (on_view, view) = (on_view.clone(), view.clone());
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            let fix = match select.value().as_str() {
                "has-fix" => FixFilter::HasFix,
                "no-fix" => FixFilter::NoFix,
                _ => FixFilter::Any,
            };
            on_view.emit(View { fix, ..view.clone() });
        })
    };
    let on_sort = {
        let (on_view, view) = (on_view.clone(), view.clone());
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            let sort = match select.value().as_str() {
                "package" => SortKey::Package,
                "id" => SortKey::Id,
                "direct" => SortKey::Direct,
                _ => SortKey::Severity,
            };
            on_view.emit(View { sort, ..view.clone() });
        })
    };
    let on_file = {
        let (on_view, view) = (on_view.clone(), view.clone());
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            on_view.emit(View { file: select.value(), ..view.clone() });
        })
    };
    let on_package = {
        let (on_view, view) = (on_view.clone(), view.clone());
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            on_view.emit(View { package: input.value(), ..view.clone() });
        })
    };
    html! {
        <div class="toolbar" role="group" aria-label="Filter and sort the findings">
            <fieldset class="severity-filter" data-testid="filter-severity">
                <legend>{ "Severity" }</legend>
                { for Rating::ALL.iter().map(|&rating| html! {
                    <label class={classes!("toggle", rating.as_str())}>
                        <input type="checkbox" checked={shown(rating)} onchange={toggle(rating)}
                            data-testid={format!("filter-severity-{}", rating.as_str())} />
                        { rating.label() }
                    </label>
                }) }
            </fieldset>
            <label class="field">
                <span>{ "Fix" }</span>
                <select data-testid="filter-fix" onchange={on_fix}>
                    <option value="any" selected={view.fix == FixFilter::Any}>{ "Any" }</option>
                    <option value="has-fix" selected={view.fix == FixFilter::HasFix}>{ "Has a fix" }</option>
                    <option value="no-fix" selected={view.fix == FixFilter::NoFix}>{ "No fix yet" }</option>
                </select>
            </label>
            <label class="field">
                <span>{ "Package" }</span>
                <input type="search" data-testid="filter-package" value={view.package.clone()} oninput={on_package}
                    placeholder="name contains…" />
            </label>
            if !files.is_empty() {
                <label class="field">
                    <span>{ "File" }</span>
                    <select data-testid="filter-file" onchange={on_file}>
                        <option value="" selected={view.file.is_empty()}>{ "All files" }</option>
                        { for files.iter().map(|file| html! {
                            <option value={file.name.clone()} selected={view.file == file.name}>{ &file.name }</option>
                        }) }
                    </select>
                </label>
            }
            <label class="field">
                <span>{ "Sort by" }</span>
                <select data-testid="sort" onchange={on_sort}>
                    <option value="severity" selected={view.sort == SortKey::Severity}>{ "Severity" }</option>
                    <option value="package" selected={view.sort == SortKey::Package}>{ "Package" }</option>
                    <option value="id" selected={view.sort == SortKey::Id}>{ "ID" }</option>
                    <option value="direct" selected={view.sort == SortKey::Direct}>{ "Direct first" }</option>
                </select>
            </label>
        </div>
    }
}
