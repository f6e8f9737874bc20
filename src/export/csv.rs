//! CSV (RFC 4180): one row per finding, ignored ones included with their reason. Cells that a spreadsheet would
//! run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) are prefixed with `'`.

use super::{dependencies, description, osv_url};
use crate::report::Report;

const HEADER: [&str; 14] = [
    "file",
    "line",
    "column",
    "package",
    "version",
    "id",
    "aliases",
    "severity",
    "score",
    "fixed_versions",
    "summary",
    "url",
    "ignored",
    "ignore_reason",
];

/// The export.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    write_row(&mut out, HEADER.iter().map(|cell| cell.to_string()));
    for dependency in dependencies(report) {
        let origin = &dependency.dependency.origin;
        for finding in &dependency.findings {
            write_row(
                &mut out,
                [
                    origin.file.clone(),
                    origin.line.to_string(),
                    origin.column.to_string(),
                    dependency.dependency.name.clone(),
                    dependency.dependency.version.to_string(),
                    finding.id.clone(),
                    finding.aliases.join(" "),
                    finding.severity.rating.as_str().to_string(),
                    finding.severity.score().map(|score| format!("{score:.1}")).unwrap_or_default(),
                    finding.fixed_versions.join(" "),
                    description(finding),
                    osv_url(&finding.id),
                    if finding.ignored.is_some() { "yes" } else { "no" }.to_string(),
                    finding.ignored.as_ref().map(|ignore| ignore.reason.clone()).unwrap_or_default(),
                ]
                .into_iter(),
            );
        }
    }
    out
}

fn write_row(out: &mut String, cells: impl Iterator<Item = String>) {
    let mut first = true;
    for value in cells {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&quote(&value));
    }
    out.push_str("\r\n");
}

/// One cell: defused against formulas, then quoted when it holds a comma, a quote or a line break.
pub fn quote(value: &str) -> String {
    let defused =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}
