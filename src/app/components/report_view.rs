//! The report: the summary bar, the exports and share link, the findings list, then one section per file with
//! one row per dependency and its state.

use std::rc::Rc;

use yew::prelude::*;

use super::dependency_origin;
use super::findings_list::FindingsList;
use super::fix_view;
use super::fixes_first::{self, HEADING_ID};
use super::report_actions::ReportActions;
use super::summary_bar::summary_bar;
use super::triage_panel::triage_panel;
use super::{same, SameReport};
use crate::export::ExportFormat;
use crate::model::DependencyVersion;
use crate::page::markup::{with_code, Markup};
use crate::report::{counted, DependencyReport, DependencyState, FileReport, Report};
use crate::sources::{NoteLevel, SourceError};
use crate::triage::{Ignore, View};

/// Props of [`ReportView`].
#[derive(Properties)]
pub struct ReportViewProps {
    /// The report to show, ignores applied.
    pub report: Rc<Report>,
    /// The findings list's filter and sort.
    pub view: View,
    /// The share link's address, or why there is none; `None` while it is being made.
    pub share: Option<Result<AttrValue, AttrValue>>,
    /// When the share link this page was opened from was made.
    #[prop_or_default]
    pub shared_at: Option<AttrValue>,
    /// Why the share link in the address could not be opened.
    #[prop_or_default]
    pub share_error: Option<AttrValue>,
    /// The view changed.
    pub on_view: Callback<View>,
    /// A finding is ignored.
    pub on_ignore: Callback<Ignore>,
    /// An ignore rule is lifted.
    pub on_unignore: Callback<String>,
    /// The ignore rules in force.
    #[prop_or_default]
    pub rules: Vec<Ignore>,
    /// An export was asked for.
    pub on_export: Callback<ExportFormat>,
    /// The number of the audit that ended, once it has; the fixes are listed then.
    #[prop_or_default]
    pub finished: Option<u32>,
    /// The number of the audit the report is of: a new one draws its long lists again a step at a time.
    #[prop_or_default]
    pub run: u32,
    /// The finished audit's report is drawn whole, every row and finding with its contract attributes (by number).
    #[prop_or_default]
    pub on_drawn: Callback<u32>,
}

impl PartialEq for ReportViewProps {
    fn eq(&self, other: &Self) -> bool {
        same(&self.report, &other.report)
            && self.view == other.view
            && self.share == other.share
            && self.shared_at == other.shared_at
            && self.share_error == other.share_error
            && self.on_view == other.on_view
            && self.on_ignore == other.on_ignore
            && self.on_unignore == other.on_unignore
            && self.rules == other.rules
            && self.on_export == other.on_export
            && self.finished == other.finished
            && self.run == other.run
            && self.on_drawn == other.on_drawn
    }
}

/// A new report's long lists, the findings' stubs and then the dependency rows, are drawn this many at a time, one
/// step per task: drawn at once, a 348-package report's 401 stubs and 348 rows held the page for 90–145 ms in one
/// task. The top of the report (summary, fixes, the first cards) comes first, in a step of its own. Each step also
/// costs a frame: 375 draws that report in two more steps of 20–35 ms each (250 took three).
const DRAW_STEP: usize = 375;

fn first_element(selector: &str) -> Option<web_sys::HtmlElement> {
    let document = web_sys::window()?.document()?;
    wasm_bindgen::JsCast::dyn_into(document.query_selector(selector).ok()??).ok()
}

/// Brings the report's summary heading into view and focuses it.
pub fn focus_summary() {
    if let Some(heading) = first_element("[data-testid=report-heading]") {
        heading.scroll_into_view();
        let _ = heading.focus();
    }
}

/// The whole report.
#[function_component(ReportView)]
pub fn report_view(props: &ReportViewProps) -> Html {
    let report = &props.report;
    let has_dependencies = report.files.iter().any(|file| !file.dependencies.is_empty());
    let origin = use_state(|| AttrValue::from("all"));
    let on_origin = {
        let origin = origin.clone();
        Callback::from(move |value: AttrValue| origin.set(value))
    };
    let has_graph = report.files.iter().any(|file| file.graph.is_some());
    let has_fixes = report.summary.findings > 0;
    // How much of the long lists may be drawn: nothing in the first step of an audit's report, then DRAW_STEP more
    // each task, until everything is; then a finished audit is said to be drawn.
    let budget = use_state(|| (props.run, 0));
    let drawn = if budget.0 == props.run { budget.1 } else { 0 };
    let rows: usize = report.files.iter().map(|file| file.dependencies.len()).sum();
    let total = report.summary.findings + rows;
    {
        let (budget, on_drawn) = (budget.clone(), props.on_drawn.clone());
        use_effect_with((props.run, drawn, total, props.finished), move |&(run, drawn, total, finished)| {
            let step = if drawn < total {
                Some(gloo_timers::callback::Timeout::new(0, move || budget.set((run, drawn + DRAW_STEP))))
            } else {
                if finished == Some(run) {
                    on_drawn.emit(run);
                }
                None
            };
            move || drop(step)
        });
    }
    // The fixes' markup, made once per report: the view draws again as the audit's progress moves.
    let fixes_markup = use_memo(SameReport(Rc::clone(report)), |report| {
        Html::from_html_unchecked(fixes_first::fixes_first(&report.0).into())
    });
    let stub_budget = drawn.min(report.summary.findings);
    let mut row_budget = drawn - stub_budget;
    // The skip link moves the focus itself: following `#fixes-first` would replace a share link in the address.
    let skip = Callback::from(|event: MouseEvent| {
        event.prevent_default();
        if let Some(first) = first_element(".package-fix summary") {
            let _ = first.focus();
        }
    });
    html! {
        <div class="report" data-testid="report">
            if let Some(error) = &props.share_error {
                <p class="share-notice error-text" data-testid="share-error" role="alert">
                    { format!("This share link could not be opened: {error}.") }
                </p>
            }
            if let Some(created) = &props.shared_at {
                <p class="share-notice" data-testid="shared-at" role="status">
                    { "Opened from a share link made " }
                    <time datetime={created.clone()}>{ created.replace('T', " ").trim_end_matches('Z').to_string() }{ " UTC" }</time>
                    { ". The audit was run again now, so the findings are current." }
                </p>
            }
            if has_dependencies {
                <div class="report-top">
                    <h2 class="report-heading" data-testid="report-heading" tabindex="-1">
                        { report.summary.sentence() }
                    </h2>
                    if has_fixes {
                        <a class="skip-link" data-testid="skip-to-fixes" href={format!("#{HEADING_ID}")} onclick={skip}>
                            { "Skip to the first fix" }
                        </a>
                    }
                </div>
                { summary_bar(report.summary, &props.view, &props.on_view) }
                if props.finished.is_some() {
                    { (*fixes_markup).clone() }
                }
                <ReportActions share={props.share.clone()} on_export={props.on_export.clone()} />
                <FindingsList report={Rc::clone(report)} view={props.view.clone()} on_view={props.on_view.clone()}
                    on_ignore={props.on_ignore.clone()} on_unignore={props.on_unignore.clone()}
                    stubs={if drawn >= total { usize::MAX } else { stub_budget }} />
                { triage_panel(report, &props.rules, props.finished.is_some(), &props.on_ignore, &props.on_unignore) }
            }
            if has_graph {
                { dependency_origin::origin_filter(&origin, on_origin) }
            }
            <div class={format!("file-reports origin-{}", *origin)}>
                { for report.files.iter().enumerate().map(|(index, file)| {
                    let rows = row_budget.min(file.dependencies.len());
                    row_budget -= rows;
                    html! { <FileSection report={Rc::clone(report)} {index} {rows} /> }
                }) }
            </div>
        </div>
    }
}

/// A file's section, by its index in the report. It renders again only when that file's part of the report changed.
#[derive(Properties)]
struct FileSectionProps {
    report: Rc<Report>,
    index: usize,
    /// How many of its rows may be drawn yet.
    rows: usize,
}

impl PartialEq for FileSectionProps {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
            && self.rows == other.rows
            && (same(&self.report, &other.report)
                || self.report.files.get(self.index) == other.report.files.get(other.index))
    }
}

#[function_component(FileSection)]
fn file_section(props: &FileSectionProps) -> Html {
    let Some(file) = props.report.files.get(props.index) else { return Html::default() };
    let vulnerable =
        file.dependencies.iter().filter(|dependency| dependency.state == DependencyState::Vulnerable).count();
    html! {
        <section class="file-report" aria-label={format!("Report for {}", file.name)}>
            <header class="file-header">
                <h2>{ &file.name }</h2>
                <span class="muted">{ format!("{} · {} · {vulnerable} vulnerable", file.format.label(), counted(file.dependencies.len(), "dependency", "dependencies")) }</span>
            </header>
            { dependency_origin::graph_note(file) }
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
                                <span class="location">{ format!("line {}", note.origin.line) }</span>{ " " }{ Html::from_html_unchecked(with_code(&note.message).into()) }
                            </li>
                        }) }
                    </ul>
                </details>
            }
            if !file.dependencies.is_empty() {
                { dependency_table(&props.report, props.index, props.rows) }
            }
        </section>
    }
}

fn source_error(error: &SourceError) -> Html {
    html! {
        <div class="source-error">
            <p><span class="location">{ format!("{}:{}:{}", error.file, error.line, error.column) }</span>{ " " }{ Html::from_html_unchecked(with_code(&error.message).into()) }</p>
            if !error.snippet.is_empty() {
                <pre class="snippet">{ format!("{}\n{}", error.snippet, error.caret()) }</pre>
            }
        </div>
    }
}

/// The rows of one block of the dependency table (see [`DependencyBlock`]).
const ROWS_PER_BLOCK: usize = 32;

/// The file's dependencies: a table in blocks of [`ROWS_PER_BLOCK`] rows, one `<table>` each (with the same columns),
/// so that a change redraws only the blocks whose rows changed, and the browser styles and lays out only the blocks
/// near the screen (`content-visibility`). One `<tbody>` per dependency, contract `[data-testid=dependency]` with
/// `data-package`, `data-version`, `data-state` and `data-flags`; each flag's sentence is a `[data-testid=flag]` with
/// `data-flag`.
fn dependency_table(report: &Rc<Report>, index: usize, rows: usize) -> Html {
    html! {
        <div class="dependency-table">
            { for (0..rows).step_by(ROWS_PER_BLOCK).map(|start| html! {
                <DependencyBlock key={start} report={Rc::clone(report)} file={index} {start}
                    end={(start + ROWS_PER_BLOCK).min(rows)} />
            }) }
        </div>
    }
}

/// Props of [`DependencyBlock`]: rows `start..end` of file `file` of the report.
#[derive(Properties)]
struct DependencyBlockProps {
    report: Rc<Report>,
    file: usize,
    start: usize,
    end: usize,
}

impl PartialEq for DependencyBlockProps {
    /// The same block when its rows, and what their markup reads of the file, are the same.
    fn eq(&self, other: &Self) -> bool {
        if (self.file, self.start, self.end) != (other.file, other.start, other.end) {
            return false;
        }
        if same(&self.report, &other.report) {
            return true;
        }
        let (Some(mine), Some(theirs)) = (self.report.files.get(self.file), other.report.files.get(other.file)) else {
            return false;
        };
        mine.name == theirs.name
            && mine.dependencies.get(self.start..self.end) == theirs.dependencies.get(other.start..other.end)
            && same_part(&mine.graph, &theirs.graph)
            && same_part(&mine.facts, &theirs.facts)
    }
}

/// Whether two shared parts of a file are the same: the same object, or equal.
fn same_part<T: PartialEq>(a: &Option<Rc<T>>, b: &Option<Rc<T>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Rc::ptr_eq(a, b) || a == b,
        (a, b) => a.is_none() && b.is_none(),
    }
}

/// One block of the dependency table, drawn in one piece (see [`crate::page::markup`]): it has no controls, and its
/// rows, made node by node, held up the report.
#[function_component(DependencyBlock)]
fn dependency_block(props: &DependencyBlockProps) -> Html {
    let Some(file) = props.report.files.get(props.file) else { return Html::default() };
    let rows = file.dependencies.get(props.start..props.end).unwrap_or_default();
    let mut markup = Markup::with_capacity(512 + rows.len() * 400);
    let label = format!("Dependencies of {}, continued", file.name);
    let attributes: &[(&str, &str)] = if props.start == 0 {
        &[("class", "dependencies")]
    } else {
        &[("class", "dependencies"), ("aria-label", &label)]
    };
    markup.open("table", attributes).open("colgroup", &[]);
    // `<col>` is a void element: no end tag.
    for column in ["col-package", "col-version", "col-state", "col-line"] {
        markup.open("col", &[("class", column)]);
    }
    markup.close("colgroup");
    if props.start == 0 {
        markup.open("thead", &[]).open("tr", &[]);
        for heading in ["Package", "Version", "Status", "Line"] {
            markup.element("th", &[("scope", "col")], heading);
        }
        markup.close("tr").close("thead");
    }
    for dependency in rows {
        dependency_rows(&mut markup, dependency, file);
    }
    markup.close("table");
    Html::from_html_unchecked(markup.into_string().into())
}

fn dependency_rows(markup: &mut Markup, report: &DependencyReport, file: &FileReport) {
    let (dependency, graph) = (&report.dependency, file.graph.as_deref());
    let version = dependency.version_text();
    let version_label = match (&dependency.version, &dependency.resolved_from) {
        (DependencyVersion::Range(_), _) => format!("range {version}"),
        (_, Some(written)) if *written != version => format!("{version} (resolved from {written})"),
        _ => version.clone(),
    };
    let open = report.findings.iter().filter(|finding| finding.ignored.is_none()).count();
    let worst =
        report.findings.iter().filter(|finding| finding.ignored.is_none()).map(|finding| finding.severity.rating).max();
    let (badge, reason) = match &report.state {
        DependencyState::Vulnerable if open == 0 => {
            (format!("{} ignored", counted(report.findings.len(), "vulnerability", "vulnerabilities")), None)
        }
        DependencyState::Vulnerable if report.is_malicious() => ("malicious package".to_string(), None),
        DependencyState::Vulnerable => {
            let worst = worst.map(|rating| format!(" · worst {}", rating.label())).unwrap_or_default();
            (format!("{}{worst}", counted(open, "vulnerability", "vulnerabilities")), None)
        }
        DependencyState::Clean => ("no known vulnerabilities".to_string(), None),
        DependencyState::Skipped(reason) => ("skipped".to_string(), Some(reason)),
        DependencyState::Unchecked(reason) => ("unchecked".to_string(), Some(reason)),
        DependencyState::Pending => ("checking…".to_string(), None),
    };
    let state = report.state.as_str();
    let badge_class = match worst {
        Some(rating) => format!("badge {state} worst-{}", rating.as_str()),
        None => format!("badge {state}"),
    };
    let (body_class, origin, line) =
        (format!("dependency {state}"), dependency.origin.to_string(), dependency.origin.line);
    let flags = report.flag_names().join(" ");
    let mut attributes = vec![
        ("class", body_class.as_str()),
        ("data-testid", "dependency"),
        ("data-package", dependency.name.as_str()),
        ("data-version", version.as_str()),
        ("data-state", state),
        ("data-flags", flags.as_str()),
    ];
    if let Some(written) = &dependency.resolved_from {
        attributes.push(("data-specifier", written.as_str()));
    }
    let graph_attributes = dependency_origin::row_attributes(graph, &dependency.name);
    attributes.extend(graph_attributes.iter().map(|(key, value)| (*key, value.as_str())));
    if let Some(env) = file.facts.as_deref().and_then(|facts| facts.env(&file.name, &dependency.name, &version)) {
        attributes.push(("data-env", env));
    }
    markup.open("tbody", &attributes);
    markup.open("tr", &[]).open("th", &[("scope", "row"), ("class", "package")]).text(&dependency.name);
    dependency_origin::origin_line(markup, graph, &dependency.name);
    markup.close("th");
    markup.element("td", &[("class", "version")], &version_label);
    markup.open("td", &[("class", "state")]).element("span", &[("class", &badge_class)], &badge);
    if let Some(reason) = reason {
        markup.element("span", &[("class", "reason")], reason);
    }
    let line = if line == 0 { "—".to_string() } else { line.to_string() };
    markup.close("td").element("td", &[("class", "location"), ("title", &origin)], &line).close("tr");
    let sentences = report.flag_sentences();
    if !sentences.is_empty() {
        markup.open("tr", &[("class", "flags-row")]).open("td", &[("colspan", "4")]).open("ul", &[("class", "flags")]);
        for (flag, sentence) in &sentences {
            let class = format!("flag {flag}");
            markup.element("li", &[("class", &class), ("data-testid", "flag"), ("data-flag", flag)], sentence);
        }
        markup.close("ul").close("td").close("tr");
    }
    if report.range.is_some() {
        markup.open("tr", &[("class", "range-row")]).open("td", &[("colspan", "4")]);
        fix_view::range_verdict(markup, report);
        markup.close("td").close("tr");
    }
    if report.fix.is_some() {
        markup.open("tr", &[("class", "fix-row")]).open("td", &[("colspan", "4")]);
        fix_view::plan_line(markup, report);
        markup.close("td").close("tr");
    }
    markup.close("tbody");
}
