//! A Markdown comment for a pull request: the counts, malicious packages, then what to change (one table row per
//! package: from, to, how many findings that fixes, the worst severity), then each package's advisories in a closed
//! `<details>`, one line each, then what was not checked and what was ignored.
//!
//! A comment holds at most [`LIMIT`] characters (GitHub's limit). Lines are added in that order while they fit;
//! when some do not, the comment ends by saying how many advisories and lines were left out, with the share link to
//! the whole report. Every text from an advisory or the input is escaped, so that it cannot break the table or
//! inject markup.

use super::{dependencies, not_checked_reason, open_findings, osv_url};
use crate::report::{counted, package_fixes, FindingKind, Report, MALICIOUS_ADVICE};
use crate::triage::{list, View};

/// The most characters a comment may hold.
pub const LIMIT: usize = 65_536;

/// The longest share link written into the comment: a longer one would crowd out the report.
const LONGEST_LINK: usize = 16 * 1024;

/// The comment being written, and what did not fit.
struct Comment {
    text: String,
    /// Bytes the closing note may need (counted in bytes, which are never fewer than characters).
    reserve: usize,
    /// Lines left out, and advisories among them.
    cut: (usize, usize),
}

impl Comment {
    /// Adds `line` when it fits; `advisory` says whether it lists an advisory.
    fn add(&mut self, line: &str, advisory: bool) -> bool {
        if self.cut.0 == 0 && self.text.len() + line.len() + self.reserve <= LIMIT {
            self.text.push_str(line);
            return true;
        }
        self.cut.0 += usize::from(!line.trim().is_empty());
        self.cut.1 += usize::from(advisory);
        false
    }

    /// Closes a `<details>` that was opened, whether or not its lines fitted (its room is in the reserve).
    fn close(&mut self, opened: bool) {
        if opened {
            self.text.push_str("\n</details>\n\n");
        }
    }
}

/// The export; `share_link` is the link to the whole report, named when something had to be left out.
pub fn render(report: &Report, share_link: Option<&str>) -> String {
    let summary = &report.summary;
    let link = share_link.filter(|link| link.len() <= LONGEST_LINK);
    let mut out = Comment { text: String::with_capacity(8192), reserve: 512 + link.map_or(0, str::len), cut: (0, 0) };
    out.add(&format!("## osv-lens audit\n\n{}.\n\n", cell(&summary.sentence())), false);
    if let Some(resolution) = &report.resolved_for {
        out.add(&format!("{}.\n\n", cell(resolution)), false);
    }
    // Malicious packages first, above every severity, with what to do: there is nothing to upgrade to.
    let malicious: Vec<String> = dependencies(report)
        .filter(|dependency| dependency.is_malicious())
        .map(|dependency| {
            let ids: Vec<String> = open_findings(dependency)
                .filter(|finding| finding.kind == FindingKind::Malicious)
                .map(|finding| link_to(&finding.id))
                .collect();
            format!(
                "- `{}` `{}` ({})\n",
                code(&dependency.dependency.name),
                code(&dependency.dependency.version_text()),
                ids.join(", ")
            )
        })
        .collect();
    if !malicious.is_empty() {
        out.add(&format!("### Malicious packages ({})\n\n{MALICIOUS_ADVICE}\n\n", malicious.len()), false);
        for line in &malicious {
            out.add(line, false);
        }
        out.add("\n", false);
    }
    let fixes = package_fixes(report);
    if !fixes.is_empty() {
        out.add(&format!("### What to change ({})\n\n", counted(fixes.len(), "package", "packages")), false);
        out.add("| Package | From | To | Fixes | Worst |\n|---|---|---|---|---|\n", false);
        for fix in &fixes {
            let to = match &fix.to {
                _ if dependencies(report).any(|row| row.is_malicious() && row.dependency.name == fix.package) => {
                    "remove it".to_string()
                }
                Some(to) => format!("`{}`", code(to)),
                None => "no fix known".to_string(),
            };
            let fixed = format!("{} of {}", fix.fixes, fix.findings);
            let row = format!(
                "| `{}` | `{}` | {to} | {fixed} | {} |\n",
                code(&fix.package),
                code(&fix.version),
                fix.worst.label()
            );
            out.add(&row, false);
        }
        out.add("\n", false);
        for fix in &fixes {
            let title = format!(
                "<details><summary>{} {}: {}</summary>\n\n",
                cell(&fix.package),
                cell(&fix.version),
                counted(fix.advisories.len(), "advisory", "advisories")
            );
            let opened = out.add(&title, false);
            if let Some(path) = report.files.iter().find_map(|file| super::pulled_in(file, &fix.package)) {
                out.add(&format!("Pulled in by {}.\n\n", cell(&path)), false);
            }
            let facts = report.files.iter().find_map(|file| file.facts.as_deref());
            if let Some(parent) = facts.and_then(|facts| facts.parent(&fix.package)) {
                let command =
                    if parent.command.is_empty() { String::new() } else { format!(": `{}`", code(parent.command)) };
                out.add(&format!("{}{command}.\n\n", cell(parent.sentence)), false);
            }
            for advisory in &fix.advisories {
                let summary = advisory.summary.as_deref().map(|text| format!(" · {}", cell(text))).unwrap_or_default();
                let open = if advisory.stays_open { " · stays open" } else { "" };
                let line = format!("- {} · {}{summary}{open}\n", link_to(&advisory.id), advisory.rating.label());
                out.add(&line, true);
            }
            out.close(opened);
        }
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
        let opened =
            out.add(&format!("<details><summary>Not checked or skipped ({})</summary>\n\n", not_checked.len()), false);
        for line in &not_checked {
            out.add(line, false);
        }
        out.close(opened);
    }
    let ignored = list(report, &View::default()).ignored;
    if !ignored.is_empty() {
        let opened = out.add(&format!("<details><summary>Ignored ({})</summary>\n\n", ignored.len()), false);
        for at in &ignored {
            let Some((dependency, finding)) = at.resolve(report) else { continue };
            let Some(ignore) = &finding.ignored else { continue };
            let until = ignore.until.as_deref().map(|until| format!(" (until {})", cell(until))).unwrap_or_default();
            let reason = if ignore.reason.is_empty() { "no reason given" } else { &ignore.reason };
            let line = format!(
                "- {} in `{}`: {}{until}\n",
                cell(&finding.id),
                code(&dependency.dependency.name),
                cell(reason)
            );
            out.add(&line, false);
        }
        out.close(opened);
    }
    let (lines, advisories) = out.cut;
    let mut text = out.text;
    if lines > 0 {
        let rest = match link {
            Some(link) => format!("the whole report is at [this share link]({link})"),
            None => "the page's report has the rest".to_string(),
        };
        text.push_str(&format!(
            "**Cut to fit a comment of {LIMIT} characters:** {} left out ({} in all); {rest}.\n\n",
            counted(advisories, "advisory line", "advisory lines"),
            counted(lines, "line", "lines"),
        ));
    }
    text.push_str("<sub>Made by osv-lens with data from OSV.</sub>\n");
    text
}

/// `[ID](osv.dev link)`.
fn link_to(id: &str) -> String {
    format!("[{}]({})", cell(id), osv_url(id))
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
