//! Range verdicts, fix plans, patched requirements files and lockfile commands.
//!
//! Automation contract: `[data-testid=range-verdict]` (`data-state` = `all|some|none|undetermined`, `data-safe`
//! = the safe versions, `data-lower-bound`), `[data-testid=fix-plan]` per dependency (`data-package`,
//! `data-target`, `data-file`), `[data-testid=patched-file]` with `[data-testid=patched-diff]` and the download
//! link `[data-testid=patched-download]`, and `[data-testid=fix-command]` for the steps of other files.

use std::rc::Rc;

use yew::prelude::*;

use crate::fix::{self, CandidateSource, Current, DiffLineKind, FileFix, FixPlan, PatchedFile};
use crate::ranges::{RangeState, RangeVerdict, VersionSource};
use crate::report::{DependencyReport, FileReport, Report};
use crate::sources::{ParsedFile, ParsedInput};

/// Versions listed in a sentence before the rest are counted.
const SHOWN_VERSIONS: usize = 8;

/// `1.0, 1.1 and 3 more`.
pub fn version_list<T: ToString>(versions: &[T]) -> String {
    let shown: Vec<String> = versions.iter().take(SHOWN_VERSIONS).map(ToString::to_string).collect();
    match versions.len().saturating_sub(SHOWN_VERSIONS) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

fn state_name(state: RangeState) -> &'static str {
    match state {
        RangeState::AllAffected => "all",
        RangeState::SomeAffected => "some",
        RangeState::NoneAffected => "none",
        RangeState::Undetermined => "undetermined",
    }
}

fn verdict_sentence(verdict: &RangeVerdict) -> String {
    let allowed = verdict.allowed.len();
    match verdict.state {
        RangeState::AllAffected => {
            format!("Every version this range allows is affected ({allowed}: {}).", version_list(&verdict.affected))
        }
        RangeState::SomeAffected => {
            let bound = match &verdict.safe_lower_bound {
                Some(bound) => format!(" Lowest safe lower bound: >={bound}."),
                None => " No lower bound inside the range is safe.".to_string(),
            };
            format!(
                "{} of the {allowed} versions this range allows are affected ({}). Safe: {}.{bound}",
                verdict.affected.len(),
                version_list(&verdict.affected),
                version_list(&verdict.safe)
            )
        }
        RangeState::NoneAffected => format!("None of the {allowed} versions this range allows is affected."),
        RangeState::Undetermined => "No known version falls inside this range.".to_string(),
    }
}

/// The verdict on a range dependency, for its row.
pub fn range_verdict(report: &DependencyReport) -> Html {
    let Some(verdict) = &report.range else { return Html::default() };
    let safe = verdict.safe.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
    let lower_bound = verdict.safe_lower_bound.as_ref().map(ToString::to_string).unwrap_or_default();
    let fallback = match (verdict.yanked_only, verdict.prereleases_only) {
        (true, _) => Some("Only yanked releases satisfy this range, so those were checked."),
        (_, true) => Some("Only pre-releases satisfy this range, so those were checked."),
        _ => None,
    };
    html! {
        <div class={classes!("range-verdict", state_name(verdict.state))} data-testid="range-verdict"
            data-state={state_name(verdict.state)} data-safe={safe} data-lower-bound={lower_bound}>
            <p><span class="range-label">{ "range" }</span>{ " " }{ verdict_sentence(verdict) }</p>
            <p class={classes!("muted", matches!(verdict.source, VersionSource::AdvisoryVersions(_)).then_some("warning-text"))}>
                { verdict.source.describe() }
                if let Some(fallback) = fallback { { " " }{ fallback } }
            </p>
        </div>
    }
}

/// The one-line plan of a vulnerable dependency, for its row.
pub fn plan_line(report: &DependencyReport) -> Html {
    let Some(plan) = &report.fix else { return Html::default() };
    html! {
        <p class={classes!("fix-line", plan.target.is_none().then_some("no-fix"))}>
            <strong>{ "Fix: " }</strong>{ plan.headline() }
            if let Some((from, to)) = plan.major_jump { { " " }<span class="warning-text">{ format!("Major version jump: {from}.x → {to}.x.") }</span> }
        </p>
    }
}

fn plan_details(plan: &FixPlan) -> Html {
    let source = match &plan.candidates {
        CandidateSource::ReleaseList => "Candidates: PyPI's installable releases.".to_string(),
        CandidateSource::RecordVersions(why) => format!(
            "Candidates: the versions the advisories name; PyPI's release list was not available ({why}), so a \
             suggested version may be yanked or missing."
        ),
    };
    let pinned_caveat = matches!(plan.current, Current::Pinned(_)).then_some(
        "Checked against the advisories that affect the current pin; audit again after upgrading, since an advisory \
         that only affects newer versions is not known here.",
    );
    html! {
        <>
            <ul class="per-finding">
                { for plan.per_finding.iter().map(|fix| html! {
                    <li>
                        <span class="vuln-id">{ &fix.id }</span>{ " → " }
                        { fix.fixed_in.as_ref().map_or_else(|| "no fixed version known".to_string(), |version| format!("fixed in {version}")) }
                    </li>
                }) }
            </ul>
            <ul class="plan-notes">
                if let Some((from, to)) = plan.major_jump {
                    <li class="warning-text">{ format!("Major version jump from {from}.x to {to}.x: expect breaking changes.") }</li>
                }
                if plan.prerelease {
                    <li class="warning-text">{ "Only a pre-release fixes every advisory." }</li>
                }
                if !plan.dropped.is_empty() {
                    <li class="warning-text">{ format!("The fix lies outside the range you allowed: drops {}.", plan.dropped.iter().map(|clause| format!("`{clause}`")).collect::<Vec<_>>().join(", ")) }</li>
                }
                { for plan.passed_over.iter().map(|passed| html! {
                    <li>{ format!("{} (named fixed by {}) is {} on PyPI, so it is passed over.", passed.version, passed.id, if passed.yanked { "yanked" } else { "not available" }) }</li>
                }) }
                <li class="muted">{ source }</li>
                if let Some(caveat) = pinned_caveat { <li class="muted">{ caveat }</li> }
            </ul>
        </>
    }
}

fn download_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    if base.is_empty() || base == crate::app::state::PASTED_NAME {
        "requirements.txt".to_string()
    } else {
        base.to_string()
    }
}

fn patched_view(file_name: &str, patched: &PatchedFile) -> Html {
    let href = format!("data:text/plain;charset=utf-8,{}", String::from(js_sys::encode_uri_component(&patched.text)));
    html! {
        <div class="patched-file" data-testid="patched-file" data-file={file_name.to_string()}>
            <h3>{ "Patched file" }</h3>
            <p class="muted">{ "Only version specifiers change; comments, options and order are kept." }</p>
            if !patched.notes.is_empty() {
                <ul class="patch-notes">{ for patched.notes.iter().map(|note| html! { <li class="warning-text">{ note }</li> }) }</ul>
            }
            <pre class="diff" data-testid="patched-diff">
                { for patched.diff.iter().map(|line| {
                    let (class, mark) = match line.kind {
                        DiffLineKind::Context => ("context", " "),
                        DiffLineKind::Removed => ("removed", "-"),
                        DiffLineKind::Added => ("added", "+"),
                        DiffLineKind::Gap => ("gap", "…"),
                    };
                    html! { <span class={classes!("diff-line", class)}>{ format!("{mark}{}\n", line.text) }</span> }
                }) }
            </pre>
            <a class="button" data-testid="patched-download" href={href} download={download_name(file_name)}>
                { format!("Download the patched {}", download_name(file_name)) }
            </a>
        </div>
    }
}

fn file_fixes(file: &FileReport, parsed: Option<&ParsedFile>) -> Html {
    let plans: Vec<(&DependencyReport, &FixPlan)> = file
        .dependencies
        .iter()
        .filter_map(|dependency| dependency.fix.as_ref().map(|plan| (dependency, plan)))
        .collect();
    if plans.is_empty() {
        return Html::default();
    }
    let pairs: Vec<(&crate::model::Dependency, &FixPlan)> =
        plans.iter().map(|(dependency, plan)| (&dependency.dependency, *plan)).collect();
    let text = parsed.map_or("", |parsed| &*parsed.text);
    let applied = fix::file_fix(file.format, &file.name, text, &pairs);
    html! {
        <section class="file-fixes" aria-label={format!("Fix plan for {}", file.name)}>
            <h2>{ format!("Fix plan: {}", file.name) }</h2>
            <ul class="fix-plans">
                { for plans.iter().map(|(dependency, plan)| html! {
                    <li class="fix-plan" data-testid="fix-plan" data-package={plan.package.clone()}
                        data-target={plan.target.as_ref().map(ToString::to_string).unwrap_or_default()}
                        data-file={file.name.clone()}>
                        <p><strong>{ &plan.package }</strong>{ format!(" {} — ", dependency.dependency.version_text()) }{ plan.headline() }</p>
                        { plan_details(plan) }
                    </li>
                }) }
            </ul>
            { match &applied {
                FileFix::Nothing => Html::default(),
                FileFix::Patched(patched) => patched_view(&file.name, patched),
                FileFix::Steps(steps) => html! {
                    <div class="fix-steps" data-testid="fix-commands">
                        <h3>{ "Commands" }</h3>
                        <p class="muted">{ "Lockfiles are never rewritten by hand: let the tool that wrote this one update it." }</p>
                        <ul>
                            { for steps.iter().map(|step| html! {
                                <li data-package={step.package.clone()}>
                                    if let Some(command) = &step.command { <code data-testid="fix-command">{ command }</code> }
                                    if let Some(note) = &step.note { <span class="muted">{ format!(" {note}") }</span> }
                                </li>
                            }) }
                        </ul>
                    </div>
                },
            } }
        </section>
    }
}

/// Props of [`FixesPanel`].
#[derive(Properties, PartialEq)]
pub struct FixesPanelProps {
    /// The report.
    pub report: Rc<Report>,
    /// What was parsed, with each file's text.
    pub parsed: Rc<ParsedInput>,
    /// True once the audit is complete; plans are shown only then.
    pub done: bool,
}

/// The fix plans of every file.
#[function_component(FixesPanel)]
pub fn fixes_panel(props: &FixesPanelProps) -> Html {
    if !props.done || props.report.files.iter().all(|file| file.dependencies.iter().all(|d| d.fix.is_none())) {
        return Html::default();
    }
    html! {
        <div class="fixes" data-testid="fixes">
            { for props.report.files.iter().enumerate().map(|(index, file)| file_fixes(file, props.parsed.files.get(index))) }
        </div>
    }
}
