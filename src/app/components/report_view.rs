//! The report: one section per file, one row per dependency, its findings beneath it.

use std::rc::Rc;

use yew::prelude::*;

use super::fix_view;
use crate::model::DependencyVersion;
use crate::report::{counted, DependencyReport, DependencyState, FileReport, Finding, FindingDetail, Report};
use crate::sources::{NoteLevel, SourceError};

/// Props of [`ReportView`].
#[derive(Properties, PartialEq)]
pub struct ReportViewProps {
    /// The report to show.
    pub report: Rc<Report>,
}

/// The whole report.
#[function_component(ReportView)]
pub fn report_view(props: &ReportViewProps) -> Html {
    html! {
        <div class="report" data-testid="report">
            { for props.report.files.iter().map(|file| html! { <FileSection file={Rc::new(file.clone())} /> }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct FileSectionProps {
    file: Rc<FileReport>,
}

#[function_component(FileSection)]
fn file_section(props: &FileSectionProps) -> Html {
    let file = &props.file;
    let vulnerable =
        file.dependencies.iter().filter(|dependency| dependency.state == DependencyState::Vulnerable).count();
    html! {
        <section class="file-report" aria-label={format!("Report for {}", file.name)}>
            <header class="file-header">
                <h2>{ &file.name }</h2>
                <span class="muted">{ format!("{} · {} · {vulnerable} vulnerable", file.format.label(), counted(file.dependencies.len(), "dependency", "dependencies")) }</span>
            </header>
            if !file.errors.is_empty() {
                <div class="source-errors" role="alert">
                    { for file.errors.iter().map(source_error) }
                </div>
            }
            if !file.notes.is_empty() {
                <details class="notes">
                    <summary>{ format!("{} notes", file.notes.len()) }</summary>
                    <ul>
                        { for file.notes.iter().map(|note| html! {
                            <li class={classes!((note.level == NoteLevel::Warning).then_some("warning"))}>
                                <span class="location">{ format!("line {}", note.origin.line) }</span>{ " " }{ &note.message }
                            </li>
                        }) }
                    </ul>
                </details>
            }
            if !file.dependencies.is_empty() {
                <table class="dependencies">
                    <thead>
                        <tr><th scope="col">{ "Package" }</th><th scope="col">{ "Version" }</th><th scope="col">{ "Status" }</th><th scope="col">{ "Line" }</th></tr>
                    </thead>
                    { for file.dependencies.iter().map(|dependency| html! { <DependencyRows dependency={Rc::new(dependency.clone())} /> }) }
                </table>
            }
        </section>
    }
}

fn source_error(error: &SourceError) -> Html {
    html! {
        <div class="source-error">
            <p><span class="location">{ format!("{}:{}:{}", error.file, error.line, error.column) }</span>{ " " }{ &error.message }</p>
            if !error.snippet.is_empty() {
                <pre class="snippet">{ format!("{}\n{}", error.snippet, error.caret()) }</pre>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct DependencyRowsProps {
    dependency: Rc<DependencyReport>,
}

#[function_component(DependencyRows)]
fn dependency_rows(props: &DependencyRowsProps) -> Html {
    let report = &props.dependency;
    let dependency = &report.dependency;
    let version = dependency.version_text();
    let version_label = match &dependency.version {
        DependencyVersion::Range(_) => format!("range {version}"),
        _ => version.clone(),
    };
    let (badge, reason) = match &report.state {
        DependencyState::Vulnerable => {
            let count = report.findings.len();
            (counted(count, "vulnerability", "vulnerabilities"), None)
        }
        DependencyState::Clean => ("no known vulnerabilities".to_string(), None),
        DependencyState::Skipped(reason) => ("skipped".to_string(), Some(reason.clone())),
        DependencyState::Unchecked(reason) => ("unchecked".to_string(), Some(reason.clone())),
        DependencyState::Pending => ("checking…".to_string(), None),
    };
    let state = report.state.as_str();
    html! {
        <tbody class={classes!("dependency", state)} data-testid="dependency" data-package={dependency.name.clone()}
            data-version={version} data-state={state}>
            <tr>
                <th scope="row" class="package">{ &dependency.name }</th>
                <td class="version">{ version_label }</td>
                <td class="state">
                    <span class={classes!("badge", state)}>{ badge }</span>
                    if let Some(reason) = reason { <span class="reason">{ reason }</span> }
                </td>
                <td class="location" title={dependency.origin.to_string()}>{ dependency.origin.line }</td>
            </tr>
            if report.range.is_some() {
                <tr class="range-row"><td colspan="4">{ fix_view::range_verdict(report) }</td></tr>
            }
            if report.fix.is_some() {
                <tr class="fix-row"><td colspan="4">{ fix_view::plan_line(report) }</td></tr>
            }
            if !report.findings.is_empty() {
                <tr class="findings-row">
                    <td colspan="4">
                        <ul class="findings">
                            { for report.findings.iter().map(|finding| finding_item(report, finding)) }
                        </ul>
                    </td>
                </tr>
            }
        </tbody>
    }
}

fn osv_link(id: &str) -> String {
    format!("https://osv.dev/vulnerability/{}", js_sys::encode_uri_component(id))
}

fn finding_item(report: &DependencyReport, finding: &Finding) -> Html {
    let dependency = &report.dependency;
    let summary = match &finding.detail {
        FindingDetail::Pending => html! { <span class="muted">{ "Loading the advisory…" }</span> },
        FindingDetail::Unavailable(reason) => {
            html! { <span class="warning-text">{ format!("Advisory unavailable: {reason}") }</span> }
        }
        FindingDetail::Record(_) => html! { { finding.summary.clone().unwrap_or_else(|| "No summary given.".into()) } },
    };
    html! {
        <li class="finding" data-testid="finding" data-package={dependency.name.clone()}
            data-version={dependency.version_text()} data-vuln={finding.id.clone()} data-aliases={finding.aliases.join(" ")}>
            <div class="finding-head">
                <a class="vuln-id" href={osv_link(&finding.id)} target="_blank" rel="noopener noreferrer">{ &finding.id }</a>
                { for finding.aliases.iter().map(|alias| html! {
                    <a class="alias" href={osv_link(alias)} target="_blank" rel="noopener noreferrer">{ alias }</a>
                }) }
            </div>
            <p class="finding-summary">{ summary }</p>
            if !finding.range_versions.is_empty() {
                <p class="finding-range"><span class="range-label">{ "range" }</span>{ format!(" affects {} of the versions {} allows", crate::ranges::version_list(&finding.range_versions), dependency.version_text()) }</p>
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
        </li>
    }
}
