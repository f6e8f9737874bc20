//! One finding: its severity, IDs, summary and fix in view; its advisory, references, dates and the reason it
//! matched behind a disclosure; and the controls to ignore it or stop ignoring it.

use std::collections::BTreeMap;
use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::{markdown_view, same};
use crate::export::osv_url;
use crate::markdown::is_web_url;
use crate::report::{DependencyReport, Finding, FindingDetail, Report};
use crate::severity::SeveritySource;
use crate::triage::{FindingRef, Ignore};

/// Props of [`FindingCard`].
#[derive(Properties)]
pub struct FindingCardProps {
    /// The report the finding is in.
    pub report: Rc<Report>,
    /// Where the finding is in it.
    pub at: FindingRef,
    /// The user ignores the finding.
    pub on_ignore: Callback<Ignore>,
    /// The user stops ignoring an ID.
    pub on_unignore: Callback<String>,
    /// The whole card; otherwise its head and summary only, until the list draws the rest (see
    /// [`FindingsList`](super::findings_list::FindingsList)).
    #[prop_or(true)]
    pub full: bool,
}

impl FindingCardProps {
    fn dependency(&self) -> Option<&DependencyReport> {
        self.report.files.get(self.at.file)?.dependencies.get(self.at.dependency)
    }

    /// What the card shows: the dependency as read and the one finding (not the dependency's other findings).
    fn shown(&self) -> Option<(&crate::model::Dependency, &Finding)> {
        let dependency = self.dependency()?;
        Some((&dependency.dependency, dependency.findings.get(self.at.finding)?))
    }
}

impl PartialEq for FindingCardProps {
    /// A new report leaves most cards as they were; only the cards whose finding changed render again.
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at
            && self.full == other.full
            && (same(&self.report, &other.report) || self.shown() == other.shown())
            && self.on_ignore == other.on_ignore
            && self.on_unignore == other.on_unignore
    }
}

/// A finding, contract `[data-testid=finding]` with `data-package`, `data-version`, `data-vuln` (the primary ID)
/// and `data-aliases` (every other ID of the group, space-separated).
#[function_component(FindingCard)]
pub fn finding_card(props: &FindingCardProps) -> Html {
    // The advisory's body is built only while the disclosure is open: hundreds of rendered Markdown bodies nobody
    // opened made every report slow to draw.
    let open = use_state_eq(|| false);
    // The ignore form is a component of its own, made only while it is open: hundreds of cards each carrying its
    // hooks made the report slower to draw.
    let ignoring = use_state_eq(|| false);
    let Some(dependency) = props.dependency() else { return Html::default() };
    let Some(finding) = dependency.findings.get(props.at.finding) else { return Html::default() };
    let name = &dependency.dependency.name;
    let version = dependency.dependency.version_text();
    let rating = finding.severity.rating;
    let badge = match finding.severity.score() {
        Some(score) => format!("{score:.1} {rating}"),
        None => rating.label().to_string(),
    };
    let badge_title = match &finding.severity.source {
        SeveritySource::Cvss(score) => format!("{}: {}", score.version.label(), score.vector),
        SeveritySource::Database(word) => format!("No CVSS vector; the advisory rates it {word}"),
        SeveritySource::Unknown => "The advisory gives no severity".to_string(),
    };
    let summary = match &finding.detail {
        FindingDetail::Pending => html! { <span class="muted">{ "Loading the advisory…" }</span> },
        FindingDetail::Unavailable(reason) => {
            html! { <span class="warning-text">{ format!("Advisory unavailable: {reason}") }</span> }
        }
        FindingDetail::Record(_) => html! { { finding.summary.clone().unwrap_or_else(|| "No summary given.".into()) } },
    };
    // A stub shows the head and the summary; the rest (and its callback) is made only for a whole card.
    let body = if props.full {
        let details_id = format!("details-{}-{}-{}", name, props.at.finding, finding.id);
        let on_toggle = {
            let open = open.clone();
            Callback::from(move |event: Event| {
                let details: web_sys::HtmlDetailsElement = event.target_unchecked_into();
                open.set(details.open());
            })
        };
        html! {
            <>
                if !finding.aliases.is_empty() {
                    <p class="aliases"><span class="muted">{ "Also known as " }</span>
                        { for finding.aliases.iter().map(|alias| html! {
                            <a class="alias" href={osv_url(alias)} target="_blank" rel="noopener noreferrer">{ alias }</a>
                        }) }
                    </p>
                }
                <p class="finding-summary">{ summary }</p>
                if !finding.range_versions.is_empty() {
                    <p class="finding-range"><span class="range-label">{ "range" }</span>
                        { format!(" affects {} of the versions {version} allows", crate::ranges::version_list(&finding.range_versions)) }</p>
                }
                <p class="finding-meta">
                    if finding.fixed_versions.is_empty() {
                        if matches!(finding.detail, FindingDetail::Record(_)) { <span class="no-fix">{ "No fixed version yet" }</span> }
                    } else {
                        <span class="fix">{ "Fixed in " }{ finding.fixed_versions.join(", ") }</span>
                    }
                    if let Some(reason) = &finding.reason {
                        <span class="why">{ format!("Matched: {reason}") }</span>
                    }
                </p>
                <details class="finding-details" id={details_id} ontoggle={on_toggle} open={*open}>
                    <summary>{ "Details" }</summary>
                    if *open { { details(finding) } }
                </details>
                { triage_controls(&finding.id, finding.ignored.as_ref(), &ignoring, props) }
            </>
        }
    } else {
        html! { <p class="finding-summary">{ summary }</p> }
    };
    html! {
        <li class={classes!("finding", (!props.full).then_some("is-stub"), format!("sev-{}", rating.as_str()), finding.ignored.is_some().then_some("is-ignored"))}
            data-testid="finding" data-package={name.clone()} data-version={version.clone()}
            data-vuln={finding.id.clone()} data-aliases={finding.aliases.join(" ")}
            data-severity={rating.as_str()} data-ignored={finding.ignored.is_some().to_string()}
            data-stub={(!props.full).then_some("true")}>
            <div class="finding-head">
                <span class={classes!("severity", rating.as_str())} title={badge_title} data-testid="severity">{ badge }</span>
                <a class="vuln-id" href={osv_url(&finding.id)} target="_blank" rel="noopener noreferrer">{ &finding.id }</a>
                <span class="finding-package"><strong>{ name }</strong>{ " " }{ version.clone() }</span>
                <span class="location" title={dependency.dependency.origin.to_string()}>
                    { format!("{}:{}", dependency.dependency.origin.file, dependency.dependency.origin.line) }
                </span>
            </div>
            { body }
        </li>
    }
}

fn details(finding: &Finding) -> Html {
    let several = finding.details.len() > 1;
    let mut by_type: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for reference in &finding.references {
        let kind = if reference.kind.is_empty() { "WEB".to_string() } else { reference.kind.to_uppercase() };
        by_type.entry(kind).or_default().push(&reference.url);
    }
    let date = |value: &Option<String>| value.as_deref().map(|date| date.get(..10).unwrap_or(date).to_string());
    html! {
        <div class="details-body">
            <dl class="facts">
                <dt>{ "Severity" }</dt><dd>{ finding.severity.describe() }</dd>
                { for finding.severity.scores.iter().map(|score| html! {
                    <><dt>{ score.version.label() }</dt><dd><code>{ &score.vector }</code>{ format!(" → {:.1} {}", score.score, score.rating) }</dd></>
                }) }
                if let Some(published) = date(&finding.published) { <dt>{ "Published" }</dt><dd><time datetime={finding.published.clone().unwrap_or_default()}>{ published }</time></dd> }
                if let Some(modified) = date(&finding.modified) { <dt>{ "Modified" }</dt><dd><time datetime={finding.modified.clone().unwrap_or_default()}>{ modified }</time></dd> }
                <dt>{ "Why it matched" }</dt>
                <dd>{ finding.reason.as_ref().map_or_else(|| "OSV listed it for this version".to_string(), ToString::to_string) }</dd>
                if finding.records.len() > 1 {
                    <dt>{ "Merged records" }</dt><dd>{ finding.records.join(", ") }</dd>
                }
            </dl>
            { for finding.details.iter().map(|(id, details)| html! {
                <div class="markdown" data-testid="advisory-details" data-record={id.clone()}>
                    if several { <p class="muted record-label">{ format!("From {id}:") }</p> }
                    { markdown_view::render(&crate::markdown::render(details)) }
                </div>
            }) }
            if !by_type.is_empty() {
                <div class="references">
                    { for by_type.iter().map(|(kind, urls)| html! {
                        <div class="reference-group">
                            <h4>{ reference_label(kind) }</h4>
                            <ul>{ for urls.iter().map(|url| if is_web_url(url) {
                                html! { <li><a href={url.to_string()} target="_blank" rel="noopener noreferrer nofollow">{ *url }</a></li> }
                            } else {
                                html! { <li class="muted">{ *url }</li> }
                            }) }</ul>
                        </div>
                    }) }
                </div>
            }
        </div>
    }
}

fn reference_label(kind: &str) -> String {
    match kind {
        "ADVISORY" => "Advisories".into(),
        "ARTICLE" => "Articles".into(),
        "DETECTION" => "Detection".into(),
        "DISCUSSION" => "Discussion".into(),
        "EVIDENCE" => "Evidence".into(),
        "FIX" => "Fixes".into(),
        "INTRODUCED" => "Introduced by".into(),
        "PACKAGE" => "Package".into(),
        "REPORT" => "Reports".into(),
        "WEB" => "Web".into(),
        other => other.to_lowercase(),
    }
}

/// "Ignore…" opens the ignore form; an ignored finding offers "Stop ignoring".
fn triage_controls(
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
