//! Range verdicts, fix plans, patched requirements files and lockfile commands. The sentences come from the core
//! (`RangeVerdict::sentence`, `FixPlan::headline` and `details`); this module only lays them out.
//!
//! Automation contract: `[data-testid=range-verdict]` (`data-state` = `all|some|none|undetermined`, `data-safe`
//! = the safe versions, `data-lower-bound`), `[data-testid=fix-plan]` per dependency (`data-package`,
//! `data-target`, `data-file`), `[data-testid=patched-file]` with `[data-testid=patched-diff]` and the download
//! link `[data-testid=patched-download]`, and `[data-testid=fix-command]` for the steps of other files.

use std::rc::Rc;

use yew::prelude::*;

use super::same;

use crate::fix::{self, DiffLineKind, FileFix, PatchedCheck};
use crate::page::markup::{with_code, Markup};
use crate::ranges::RangeState;
use crate::report::{DependencyReport, FileReport, Report};
use crate::sources::{ParsedFile, ParsedInput};

fn lines(lines: &[String]) -> Html {
    html! { <ul class="notes-list">{ for lines.iter().map(|line| html! { <li>{ Html::from_html_unchecked(with_code(line).into()) }</li> }) }</ul> }
}

fn joined<T: ToString>(versions: &[T]) -> String {
    versions.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

/// The verdict on a range dependency, for its row (see [`crate::page::markup`]).
pub fn range_verdict(markup: &mut Markup, report: &DependencyReport) {
    let Some(verdict) = &report.range else { return };
    let state = match verdict.state {
        RangeState::AllAffected => "all",
        RangeState::SomeAffected => "some",
        RangeState::NoneAffected => "none",
        RangeState::Undetermined => "undetermined",
    };
    let (safe, lower_bound) = (joined(&verdict.safe), joined(verdict.safe_lower_bound.as_slice()));
    markup.open(
        "div",
        &[
            ("class", "range-verdict"),
            ("data-testid", "range-verdict"),
            ("data-state", state),
            ("data-safe", &safe),
            ("data-lower-bound", &lower_bound),
        ],
    );
    markup.open("p", &[]).element("span", &[("class", "range-label")], "range").text(" ").text(&verdict.sentence());
    markup.close("p").open("ul", &[("class", "notes-list")]);
    for note in verdict.notes() {
        markup.open("li", &[]).text_with_code(&note).close("li");
    }
    markup.close("ul").close("div");
}

/// The one-line plan of a vulnerable dependency, for its row (see [`crate::page::markup`]).
pub fn plan_line(markup: &mut Markup, report: &DependencyReport) {
    let Some(plan) = &report.fix else { return };
    markup.open("p", &[("class", "fix-line")]).element("strong", &[], "Fix: ").text(&plan.headline()).close("p");
}

fn download_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    if base.is_empty() || base == crate::page::state::PASTED_NAME {
        "requirements.txt".to_string()
    } else {
        base.to_string()
    }
}

/// Whether the patched file installs, contract `[data-testid=patched-check]` with `data-state`.
fn patched_check(check: Option<&PatchedCheck>) -> Html {
    let Some(check) = check else { return Html::default() };
    let state = check.state.as_str();
    html! {
        <div class={format!("patched-check is-{state}")} data-testid="patched-check" data-state={state}>
            { lines(&check.lines) }
        </div>
    }
}

fn applied_view(file_name: &str, applied: &FileFix, check: Option<&PatchedCheck>) -> Html {
    match applied {
        FileFix::Nothing => Html::default(),
        FileFix::Patched(patched) => {
            let name = download_name(file_name);
            // A button that saves through a Blob, not a `data:` anchor: only http(s) links become anchors.
            let save = {
                let (name, text) = (name.clone(), patched.text.clone());
                Callback::from(move |_: MouseEvent| {
                    if let Err(message) = crate::io::download::save_text(&name, "text/plain;charset=utf-8", &text) {
                        web_sys::console::warn_1(&message.into());
                    }
                })
            };
            html! {
                <div class="patched-file" data-testid="patched-file">
                    <h3>{ "Patched file: only version specifiers change; comments, options and order are kept" }</h3>
                    { lines(&patched.notes) }
                    { patched_check(check) }
                    <pre class="diff" data-testid="patched-diff">
                        { for patched.diff.iter().map(|line| {
                            let (class, mark) = match line.kind {
                                DiffLineKind::Context => ("context", ' '),
                                DiffLineKind::Removed => ("removed", '-'),
                                DiffLineKind::Added => ("added", '+'),
                                DiffLineKind::Gap => ("gap", '…'),
                            };
                            html! { <span class={class}>{ format!("{mark}{}\n", line.text) }</span> }
                        }) }
                    </pre>
                    <button type="button" class="download" data-testid="patched-download" onclick={save}>
                        { format!("Download the patched {name}") }
                    </button>
                </div>
            }
        }
        FileFix::Steps(steps) => {
            let mut markup = Markup::with_capacity(256 + steps.len() * 160);
            markup.open("div", &[("class", "fix-steps"), ("data-testid", "fix-commands")]).element(
                "h3",
                &[],
                "Commands: lockfiles and compiled files are never rewritten by hand; let the tool that wrote this one \
                 update it",
            );
            markup.open("ul", &[]);
            for step in steps {
                markup.open("li", &[("data-package", &step.package)]);
                if let Some(command) = &step.command {
                    markup.element("code", &[("data-testid", "fix-command")], command).text(" ");
                }
                markup.text_with_code(step.note.as_deref().unwrap_or_default()).close("li");
            }
            markup.close("ul").close("div");
            Html::from_html_unchecked(markup.into_string().into())
        }
    }
}

fn file_fixes(file: &FileReport, parsed: Option<&ParsedFile>) -> Html {
    let plans = fix::plans_of(file);
    if plans.is_empty() {
        return Html::default();
    }
    let applied = fix::file_fix_of(file, parsed.map_or("", |parsed| &*parsed.text));
    // The plans are drawn as text (see [`crate::page::markup`]); only the patched file's download needs a callback.
    let mut markup = Markup::with_capacity(256 + plans.len() * 600);
    markup.open("div", &[("class", "fix-plans")]);
    for (dependency, plan) in &plans {
        let target = joined(plan.target.as_slice());
        markup.open(
            "div",
            &[
                ("class", "fix-plan"),
                ("data-testid", "fix-plan"),
                ("data-package", &plan.package),
                ("data-target", &target),
                ("data-file", &file.name),
            ],
        );
        let title = format!("{} {}", plan.package, dependency.version_text());
        markup.open("p", &[]).element("strong", &[], &title).text(" ").text(&plan.headline()).close("p");
        markup.open("ul", &[("class", "notes-list")]);
        for line in plan.details() {
            markup.open("li", &[]).text_with_code(&line).close("li");
        }
        markup.close("ul").close("div");
    }
    markup.close("div");
    html! {
        <section class="file-fixes">
            <h2>{ format!("Fix plan: {}", file.name) }</h2>
            { Html::from_html_unchecked(markup.into_string().into()) }
            { applied_view(&file.name, &applied, file.patched_check.as_deref()) }
        </section>
    }
}

/// Props of [`FixesPanel`].
#[derive(Properties)]
pub struct FixesPanelProps {
    /// The report.
    pub report: Rc<Report>,
    /// What was parsed, with each file's text.
    pub parsed: Rc<ParsedInput>,
    /// True once the audit is complete; plans are shown only then.
    pub done: bool,
}

impl PartialEq for FixesPanelProps {
    fn eq(&self, other: &Self) -> bool {
        same(&self.report, &other.report) && same(&self.parsed, &other.parsed) && self.done == other.done
    }
}

/// The fix plans of every file.
#[function_component(FixesPanel)]
pub fn fixes_panel(props: &FixesPanelProps) -> Html {
    if !props.done {
        return Html::default();
    }
    html! {
        <div class="fixes" data-testid="fixes">
            if props.report.files.iter().flat_map(|file| &file.dependencies).any(|row| row.fix.is_some()) {
                <p class="muted">{ "Each plan is checked against the advisories of the current version: audit again after upgrading, since an advisory that affects only newer versions is not known here." }</p>
            }
            { for props.report.files.iter().enumerate().map(|(index, file)| file_fixes(file, props.parsed.files.get(index))) }
        </div>
    }
}
