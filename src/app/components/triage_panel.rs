//! The triage panel, under the findings: every ignore rule in force with its reason, expiry or "until fixed", a
//! warning on a rule that names nothing in this report, and a remove button; then the decisions as VEX: export as
//! OpenVEX or CycloneDX VEX, import either. The VEX documents are written and read in the worker (`VexWrite`,
//! `VexRead`): the page only lists the findings and shows what came back.
//!
//! For the page's weight, the panel is drawn in one piece ([`Markup`]); one listener on it reads the clicks (from the
//! clicked element's `data-remove` or `data-vex`) and one the file input's change. The status line is the page's own
//! node, written directly, so that drawing the panel again (the import added rules) leaves what it says.

use std::rc::Rc;

use web_sys::{Element, HtmlInputElement};
use yew::prelude::*;

use crate::app::store::SavedTriage;
use crate::io::{clock, download, worker_client};
use crate::page::markup::Markup;
use crate::page::worker::ToWorker;
use crate::report::Report;
use crate::triage::{matches_nothing, Ignore, View};
use crate::vex::{export_input, VexFormat};

/// The export buttons and the import's file input: fixed markup.
const VEX_CONTROLS: &str = concat!(
    r#"<div class="exports" role="group" aria-label="Triage as VEX"><span class="muted">VEX:</span>"#,
    r#"<button class="secondary small" data-testid="export-openvex" data-vex="openvex">OpenVEX</button>"#,
    r#"<button class="secondary small" data-testid="export-cyclonedx-vex" data-vex="cyclonedx">CycloneDX VEX</button>"#,
    r#"<label for="import-vex">Import:</label>"#,
    r#"<input id="import-vex" type="file" accept=".json,application/json" data-testid="import-vex"></div>"#,
);

/// The panel, contract `[data-testid=ignore-rules]` (one `[data-testid=ignore-rule]` per rule in `rules`,
/// `data-vuln` = its ID, with `[data-testid=ignore-unmatched]` when it names nothing in `report` once the audit is
/// `finished`, and `[data-testid=ignore-rule-remove]`), `[data-testid=export-openvex]`,
/// `[data-testid=export-cyclonedx-vex]`, `[data-testid=import-vex]` and `[data-testid=vex-import]` (`data-state` =
/// `done` or `error`). A function, not a component: it weighs less, and the report draws it again only when the
/// report or the rules changed.
pub fn triage_panel(
    report: &Rc<Report>,
    rules: &[Ignore],
    finished: bool,
    on_ignore: &Callback<Ignore>,
    on_unignore: &Callback<String>,
) -> Html {
    let onclick = {
        let (report, rules, on_unignore) = (Rc::clone(report), rules.to_vec(), on_unignore.clone());
        Callback::from(move |event: MouseEvent| {
            // The target of a click is always an element.
            let target: Element = event.target_unchecked_into();
            if let Some(id) = target.get_attribute("data-remove") {
                return on_unignore.emit(id);
            }
            let Some(format) = target.get_attribute("data-vex") else { return };
            let format = if format == "openvex" { VexFormat::OpenVex } else { VexFormat::CycloneDx };
            let kept = SavedTriage { ignores: rules.clone(), view: View::default() };
            let (findings, kept) = (export_input(&report), serde_json::to_string(&kept).unwrap_or_default());
            let timestamp = clock::now_rfc3339();
            yew::platform::spawn_local(async move {
                let make = |id| ToWorker::VexWrite {
                    id,
                    format,
                    findings: findings.clone(),
                    rules: kept.clone(),
                    timestamp: timestamp.clone(),
                };
                let saved = worker_client::ask_vex(&make, None).await.and_then(|lines| {
                    download::save_text(
                        format.file_name(),
                        "application/json",
                        lines.first().map_or("", String::as_str),
                    )
                });
                if let Err(message) = saved {
                    web_sys::console::warn_1(&message.into());
                }
            });
        })
    };
    let onchange = {
        let on_ignore = on_ignore.clone();
        Callback::from(move |event: Event| {
            // The file input is the panel's only control that changes.
            let input: HtmlInputElement = event.target_unchecked_into();
            let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
            // Emptied, so that choosing the same file again reads it again.
            input.set_value("");
            let on_ignore = on_ignore.clone();
            yew::platform::spawn_local(async move {
                let name = file.name();
                let make = |id| ToWorker::VexRead { id, name: name.clone() };
                let answer = worker_client::ask_vex(&make, Some(&file)).await;
                let (state, text) = match answer.as_deref() {
                    Ok([rules, message]) if !rules.is_empty() => {
                        let read: SavedTriage = serde_json::from_str(rules).unwrap_or_default();
                        for rule in read.ignores {
                            on_ignore.emit(rule);
                        }
                        ("done", message.as_str())
                    }
                    Ok([_, message]) | Err(message) => ("error", message.as_str()),
                    Ok(_) => ("error", "the worker answered another question"),
                };
                let document = web_sys::window().and_then(|window| window.document());
                let line =
                    document.and_then(|document| document.query_selector("[data-testid=vex-import]").ok().flatten());
                if let Some(line) = line {
                    let _ = line.set_attribute("data-state", state);
                    line.set_text_content(Some(text));
                }
            });
        })
    };
    let mut markup = Markup::with_capacity(768 + rules.len() * 256);
    markup.open("ul", &[("class", "ignore-rules"), ("data-testid", "ignore-rules")]);
    for rule in rules {
        markup.open("li", &[("class", "ignore-rule"), ("data-testid", "ignore-rule"), ("data-vuln", &rule.id)]);
        markup.element("code", &[], &rule.id);
        let mut text = if rule.reason.is_empty() { "no reason given".to_string() } else { rule.reason.clone() };
        if let Some(until) = &rule.until {
            text.push_str(&format!(" · until {until}"));
        }
        if rule.until_fixed {
            text.push_str(" · until a fix exists");
        }
        markup.element("span", &[], &text);
        let label = format!("Remove the rule for {}", rule.id);
        let remove = [
            ("class", "link"),
            ("data-testid", "ignore-rule-remove"),
            ("data-remove", &rule.id),
            ("aria-label", &label),
        ];
        markup.element("button", &remove, "Remove");
        if finished && matches_nothing(report, rule) {
            markup.element(
                "span",
                &[("class", "warning-text"), ("data-testid", "ignore-unmatched")],
                "Matches nothing in this report: the package was removed or upgraded, or the ID is wrong.",
            );
        }
        markup.close("li");
    }
    markup.close("ul");
    let mut html = markup.into_string();
    html.push_str(VEX_CONTROLS);
    html! {
        <section class="triage-panel" aria-label="Ignore rules" {onclick} {onchange}>
            <h3>{ "Ignore rules" }</h3>
            { Html::from_html_unchecked(html.into()) }
            <p data-testid="vex-import" role="status"></p>
        </section>
    }
}
