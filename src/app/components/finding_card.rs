//! One finding: its severity, IDs, summary and fix in view; its advisory, references, dates and the reason it
//! matched behind a disclosure; and the controls to ignore it or stop ignoring it.

use std::collections::BTreeMap;
use std::rc::Rc;

use yew::prelude::*;

mod references;
mod triage_controls;

use self::references::reference_label;
use self::triage_controls::triage_controls;
use super::{markdown_view, same};
use crate::advisory_markdown::is_web_url;
use crate::export::osv_url;
use crate::matching::MatchReason;
use crate::page::markup::Markup;
use crate::report::{DependencyReport, Finding, FindingDetail, FindingKind, Report, MALICIOUS_ADVICE};
use crate::severity::{SeveritySource, UNKNOWN_SEVERITY};
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
}

impl FindingCardProps {
    /// What the card shows: the dependency as read and the one finding (not the dependency's other findings).
    fn shown(&self) -> Option<(&crate::model::Dependency, &Finding)> {
        let (dependency, finding) = self.at.resolve(&self.report)?;
        Some((&dependency.dependency, finding))
    }
}

impl PartialEq for FindingCardProps {
    /// A new report leaves most cards as they were; only the cards whose finding changed render again.
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at
            && (same(&self.report, &other.report) || self.shown() == other.shown())
            && env_of(&self.report, &self.at) == env_of(&other.report, &other.at)
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
    let Some((dependency, finding)) = props.at.resolve(&props.report) else { return Html::default() };
    let details_id = format!("details-{}-{}-{}", dependency.dependency.name, props.at.finding, finding.id);
    let on_toggle = {
        let open = open.clone();
        Callback::from(move |event: Event| {
            let details: web_sys::HtmlDetailsElement = event.target_unchecked_into();
            open.set(details.open());
        })
    };
    let body = html! {
        <>
            <details class="finding-details" id={details_id} ontoggle={on_toggle} open={*open}>
                <summary>{ "Details" }</summary>
                if *open { { details(finding) } }
            </details>
            { triage_controls(finding, &ignoring, props) }
        </>
    };
    let mut card = yew::virtual_dom::VTag::new("li");
    for (name, value) in card_attributes(dependency, finding, false, env_of(&props.report, &props.at)) {
        card.add_attribute(name, value);
    }
    let mut face = Markup::with_capacity(1024);
    card_face(&mut face, dependency, finding);
    finding_path(&mut face, &props.report, &props.at);
    card.add_child(Html::from_html_unchecked(face.into_string().into()));
    card.add_child(body);
    card.into()
}

/// The cards of `findings` as stubs, drawn in one piece (see [`crate::page::markup`]): a list of their own, each stub the
/// whole card's `<li>` with every contract attribute, `data-stub="true"` and its face ([`card_face`]), until the
/// list makes it a whole [`FindingCard`].
pub fn stub_cards(report: &Report, findings: &[FindingRef]) -> Html {
    if findings.is_empty() {
        return Html::default();
    }
    let mut markup = Markup::with_capacity(64 + findings.len() * 1800);
    markup.open("ul", &[("class", "findings stubs")]);
    for at in findings {
        let Some((dependency, finding)) = at.resolve(report) else { continue };
        let attributes = card_attributes(dependency, finding, true, env_of(report, at));
        let pairs: Vec<(&'static str, &str)> = attributes.iter().map(|(name, value)| (*name, value.as_str())).collect();
        markup.open("li", &pairs);
        card_face(&mut markup, dependency, finding);
        finding_path(&mut markup, report, at);
        markup.close("li");
    }
    markup.close("ul");
    Html::from_html_unchecked(markup.into_string().into())
}

/// For a package the project does not name, how it got there (`[data-testid=finding-path]`, with `data-path`).
fn finding_path(markup: &mut Markup, report: &Report, at: &FindingRef) {
    let Some(file) = report.files.get(at.file) else { return };
    let Some(dependency) = file.dependencies.get(at.dependency) else { return };
    let Some(node) = file.graph.as_deref().and_then(|graph| graph.node(&dependency.dependency.name)) else { return };
    if node.is_direct() {
        return;
    }
    let path = node.path.join(" ");
    markup.open("p", &[("class", "finding-path"), ("data-testid", "finding-path"), ("data-path", &path)]);
    let text = super::dependency_origin::origin_text(node);
    if node.depth.is_some() {
        markup.element("span", &[("class", "muted")], "Pulled in by ");
    }
    markup.text(&text).close("p");
}

/// `target` or `other` for the finding's package, once the worker evaluated its file's markers.
fn env_of(report: &Report, at: &FindingRef) -> Option<&'static str> {
    let file = report.files.get(at.file)?;
    let dependency = &file.dependencies.get(at.dependency)?.dependency;
    file.facts.as_deref()?.env(&file.name, &dependency.name, &dependency.version_text())
}

/// The card's `<li>` attributes, the contract's among them; a stub also carries `data-stub="true"`.
fn card_attributes(
    dependency: &DependencyReport,
    finding: &Finding,
    stub: bool,
    env: Option<&str>,
) -> Vec<(&'static str, String)> {
    let rating = finding.severity.rating;
    let mut class = format!("finding sev-{} {}", rating.as_str(), finding.kind.as_str());
    if stub {
        class.push_str(" is-stub");
    }
    if finding.ignored.is_some() {
        class.push_str(" is-ignored");
    }
    let mut attributes = vec![
        ("class", class),
        ("data-testid", "finding".to_string()),
        ("data-package", dependency.dependency.name.clone()),
        ("data-version", dependency.dependency.version_text()),
        ("data-vuln", finding.id.clone()),
        ("data-kind", finding.kind.as_str().to_string()),
        ("data-aliases", finding.aliases.join(" ")),
        ("data-severity", rating.as_str().to_string()),
        ("data-ignored", finding.ignored.is_some().to_string()),
    ];
    if stub {
        attributes.push(("data-stub", "true".to_string()));
    }
    if let Some(env) = env {
        attributes.push(("data-env", env.to_string()));
    }
    attributes
}

/// The face of a card, the same on a stub and a whole card: severity, ID, package and place, the other IDs, the
/// summary, and the fix and why it matched. Links are osv.dev's, built from a fixed `https://` prefix.
fn card_face(markup: &mut Markup, dependency: &DependencyReport, finding: &Finding) {
    let rating = finding.severity.rating;
    let badge = match finding.severity.score() {
        _ if finding.kind == FindingKind::Malicious => "malicious".to_string(),
        Some(score) => format!("{score:.1} {rating}"),
        None => rating.label().to_string(),
    };
    let badge_title = match &finding.severity.source {
        SeveritySource::Cvss(score) => format!("{}: {}", score.version.label(), score.vector),
        SeveritySource::Database(word) => format!("No CVSS vector; the advisory rates it {word}"),
        SeveritySource::Unknown => UNKNOWN_SEVERITY.to_string(),
    };
    let origin = &dependency.dependency.origin;
    let range = matches!(dependency.dependency.version, crate::model::DependencyVersion::Range(_));
    let severity_class = format!("severity {}{}", rating.as_str(), if range { " of-range" } else { "" });
    let external = [("target", "_blank"), ("rel", "noopener noreferrer")];
    markup.open("div", &[("class", "finding-head")]);
    markup.element("span", &[("class", &severity_class), ("title", &badge_title), ("data-testid", "severity")], &badge);
    if range {
        // A range is not a vulnerable install: it allows one, and may allow safe versions too.
        markup.element(
            "span",
            &[("class", "allows"), ("data-testid", "allows-vulnerable")],
            "allows vulnerable versions",
        );
    }
    let id_link = osv_url(&finding.id);
    markup.element("a", &[("class", "vuln-id"), ("href", &id_link), external[0], external[1]], &finding.id);
    markup.open("span", &[("class", "finding-package")]).element("strong", &[], &dependency.dependency.name);
    markup.text(" ").text(&dependency.dependency.version_text()).close("span");
    let place = format!("{}:{}", origin.file, origin.line);
    markup.element("span", &[("class", "location"), ("title", &origin.to_string())], &place);
    markup.close("div");
    if !finding.aliases.is_empty() {
        markup.open("p", &[("class", "aliases")]).element("span", &[("class", "muted")], "Also known as ");
        for alias in &finding.aliases {
            let link = osv_url(alias);
            markup.element("a", &[("class", "alias"), ("href", &link), external[0], external[1]], alias);
        }
        markup.close("p");
    }
    markup.open("p", &[("class", "finding-summary")]);
    match &finding.detail {
        FindingDetail::Pending => markup.element("span", &[("class", "muted")], "Loading the advisory…"),
        FindingDetail::Unavailable(reason) => {
            markup.element("span", &[("class", "warning-text")], &format!("Advisory unavailable: {reason}"))
        }
        FindingDetail::Record(_) => markup.text_with_code(finding.summary.as_deref().unwrap_or("No summary given.")),
    };
    markup.close("p");
    if let Some(notice) = match &finding.detail {
        FindingDetail::Record(record) => record.schema_notice(),
        _ => None,
    } {
        markup.element("p", &[("class", "warning-text"), ("data-testid", "schema-notice")], &notice);
    }
    if !finding.range_versions.is_empty() {
        let versions = crate::ranges::version_list(&finding.range_versions);
        let allowed = dependency.dependency.version_text();
        markup.open("p", &[("class", "finding-range")]).element("span", &[("class", "range-label")], "range");
        markup.text(&format!(" affects {versions} of the versions {allowed} allows")).close("p");
    }
    if finding.kind == FindingKind::Malicious {
        // No fix line: nothing fixes a malicious package but removing it.
        markup.element("p", &[("class", "malicious-advice"), ("data-testid", "malicious-advice")], MALICIOUS_ADVICE);
        return;
    }
    if finding.ignore_ended {
        let note = format!("Ignore ended: a fix exists ({}).", finding.fixed_versions.join(", "));
        markup.element("p", &[("class", "ignore-ended"), ("data-testid", "ignore-ended")], &note);
    }
    markup.open("p", &[("class", "finding-meta")]);
    if finding.fixed_versions.is_empty() {
        if matches!(finding.detail, FindingDetail::Record(_)) {
            markup.element("span", &[("class", "no-fix")], "No fixed version yet");
        }
    } else {
        markup.element("span", &[("class", "fix")], &format!("Fixed in {}", finding.fixed_versions.join(", ")));
    }
    // "Listed in the record's affected versions" would be on nearly every card; Details says it.
    if let Some(reason @ MatchReason::InRange { .. }) = &finding.reason {
        markup.element("span", &[("class", "why")], &format!("Matched: {reason}"));
    }
    markup.close("p");
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
            // A record whose details only repeat the summary shown above adds nothing.
            { for finding.details.iter().filter(|(_, text)| finding.summary.as_deref() != Some(text.trim())).map(|(id, details)| html! {
                <markdown_view::AdvisoryDetails id={id.clone()} text={details.clone()} {several} />
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
