//! A Markdown summary for a pull-request comment: the counts, a table of open findings worst first, then what was
//! not checked and what was ignored. Every cell is escaped so that advisory text cannot break the table or inject
//! markup.

use super::{dependencies, description, not_checked_reason, open_findings, osv_url};
use crate::report::{FindingKind, Report, MALICIOUS_ADVICE};
use crate::triage::{list, View};

/// The export.
pub fn render(report: &Report) -> String {
    let summary = &report.summary;
    let mut out = String::from("## osv-lens audit\n\n");
    out.push_str(&format!("{}.\n\n", cell(&summary.sentence())));
    if let Some(resolution) = &report.resolved_for {
        out.push_str(&format!("{}.\n\n", cell(resolution)));
    }
    let listing = list(report, &View::default());
    // Malicious packages first, above every severity, with what to do: there is nothing to upgrade to.
    let malicious: Vec<String> = dependencies(report)
        .filter(|dependency| dependency.is_malicious())
        .map(|dependency| {
            let ids: Vec<String> = open_findings(dependency)
                .filter(|finding| finding.kind == FindingKind::Malicious)
                .map(|finding| format!("[{}]({})", cell(&finding.id), osv_url(&finding.id)))
                .collect();
            format!(
                "- `{}` `{}` ({})\n",
                code(&dependency.dependency.name),
                code(&dependency.dependency.version.to_string()),
                ids.join(", ")
            )
        })
        .collect();
    if !malicious.is_empty() {
        out.push_str(&format!("### Malicious packages ({})\n\n{MALICIOUS_ADVICE}\n\n", malicious.len()));
        out.extend(malicious);
        out.push('\n');
    }
    if !listing.shown.is_empty() {
        out.push_str("| Severity | Package | Version | Vulnerability | Also known as | Fixed in | Summary |\n");
        out.push_str("|---|---|---|---|---|---|---|\n");
        for at in &listing.shown {
            let dependency = &report.files[at.file].dependencies[at.dependency];
            let finding = &dependency.findings[at.finding];
            let severity = match finding.severity.score() {
                Some(score) => format!("{} {score:.1}", finding.severity.rating),
                None => finding.severity.rating.to_string(),
            };
            out.push_str(&format!(
                "| {} | `{}` | `{}` | [{}]({}) | {} | {} | {} |\n",
                severity,
                code(&dependency.dependency.name),
                code(&dependency.dependency.version.to_string()),
                cell(&finding.id),
                osv_url(&finding.id),
                cell(&finding.aliases.join(", ")),
                if finding.kind == FindingKind::Malicious {
                    "remove it".to_string()
                } else if finding.fixed_versions.is_empty() {
                    "no fix yet".to_string()
                } else {
                    cell(&finding.fixed_versions.join(", "))
                },
                cell(&description(finding)),
            ));
        }
        out.push('\n');
    }
    let not_checked: Vec<String> = dependencies(report)
        .filter_map(|dependency| {
            not_checked_reason(dependency).map(|reason| {
                format!(
                    "- `{}` (`{}`, line {}): {}\n",
                    code(&dependency.dependency.name),
                    code(&dependency.dependency.origin.file),
                    dependency.dependency.origin.line,
                    cell(&reason)
                )
            })
        })
        .collect();
    if !not_checked.is_empty() {
        out.push_str(&format!("<details><summary>Not checked or skipped ({})</summary>\n\n", not_checked.len()));
        out.extend(not_checked);
        out.push_str("\n</details>\n\n");
    }
    if !listing.ignored.is_empty() {
        out.push_str(&format!("<details><summary>Ignored ({})</summary>\n\n", listing.ignored.len()));
        for at in &listing.ignored {
            let dependency = &report.files[at.file].dependencies[at.dependency];
            let finding = &dependency.findings[at.finding];
            let Some(ignore) = &finding.ignored else { continue };
            let until = ignore.until.as_deref().map(|until| format!(" (until {until})")).unwrap_or_default();
            out.push_str(&format!(
                "- {} in `{}`: {}{}\n",
                cell(&finding.id),
                code(&dependency.dependency.name),
                cell(if ignore.reason.is_empty() { "no reason given" } else { &ignore.reason }),
                until
            ));
        }
        out.push_str("\n</details>\n\n");
    }
    out.push_str("<sub>Made by osv-lens with data from OSV.</sub>\n");
    out
}

/// Text for a table cell or list item: one line, with Markdown and HTML specials escaped.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.split_whitespace().collect::<Vec<_>>().join(" ").chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

/// Text for inside backticks: backticks and line breaks removed, pipes escaped.
fn code(text: &str) -> String {
    text.replace(['`', '\n', '\r'], "").replace('|', "\\|")
}
