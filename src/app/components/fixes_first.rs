//! Fixes first: one block per vulnerable package ("upgrade django 4.2.7 → 4.2.30: fixes 38") with the requirement
//! to write, and its advisories collapsed under it, one line each. Drawn in one piece (see [`crate::page::markup`]):
//! a closed `<details>` is one Tab stop and its links are out of the Tab order until it is opened.
//!
//! Automation contract: `[data-testid=fix]`, one per package in the order shown, with `data-package`,
//! `data-version` (as audited), `data-to` (the version to move to; empty when none fixes any) and `data-fixes`.

use crate::graph::facts::GraphFacts;
use crate::page::markup::Markup;
use crate::report::{counted, package_fixes, PackageFix, Report};

/// The id of the list's heading, the target of the skip link.
pub const HEADING_ID: &str = "fixes-first";

fn block(markup: &mut Markup, fix: &PackageFix, facts: Option<&GraphFacts>) {
    let (to, fixes) = (fix.to.clone().unwrap_or_default(), fix.fixes.to_string());
    let worst = fix.worst.as_str();
    let class = format!("package-fix worst-{worst}");
    let mut attributes = vec![
        ("class", class.as_str()),
        ("data-testid", "fix"),
        ("data-package", &fix.package),
        ("data-version", &fix.version),
        ("data-to", &to),
        ("data-fixes", &fixes),
    ];
    let parent = facts.and_then(|facts| facts.parent(&fix.package));
    if let Some(parent) = parent {
        attributes.extend([("data-alone", parent.alone), ("data-parent", parent.parent)]);
        attributes.push(("data-parent-to", parent.parent_to));
    }
    markup.open("li", &attributes);
    markup.open("details", &[]).open("summary", &[]);
    markup.element("span", &[("class", &format!("badge worst-{worst}"))], fix.worst.label()).text(" ");
    markup.element("strong", &[], &fix.headline());
    if let Some(requirement) = &fix.requirement {
        markup.text(" ").element("code", &[("class", "requirement")], requirement);
    }
    markup.close("summary").open("ul", &[("class", "advisories")]);
    for advisory in &fix.advisories {
        let link = format!("https://osv.dev/vulnerability/{}", advisory.id);
        markup.open("li", &[]).element("a", &[("href", &link), ("rel", "noopener noreferrer")], &advisory.id);
        markup.text(&format!(" · {}", advisory.rating.label()));
        if let Some(summary) = &advisory.summary {
            markup.text(&format!(" · {summary}"));
        }
        let fixed = match (&advisory.fixed_in, advisory.stays_open) {
            (_, true) => " · stays open".to_string(),
            (Some(version), false) => format!(" · fixed in {version}"),
            (None, false) => String::new(),
        };
        markup.text(&fixed).close("li");
    }
    markup.close("ul");
    if fix.files.len() > 1 {
        markup.element("p", &[("class", "muted")], &format!("In {}", fix.files.join(", ")));
    }
    markup.close("details");
    // Outside the closed `<details>`: whether the package can be upgraded alone is part of what to change.
    if let Some(parent) = parent {
        markup.open("p", &[("class", "parent-fix"), ("data-testid", "parent-fix")]).text(parent.sentence);
        if !parent.command.is_empty() {
            markup.text(" ").element("code", &[("data-testid", "parent-command")], parent.command);
        }
        markup.close("p");
    }
    markup.close("li");
}

/// The fixes-first list of `report`, or nothing when no package has open findings.
pub fn fixes_first(report: &Report) -> String {
    let fixes = package_fixes(report);
    let facts = report.files.iter().find_map(|file| file.facts.as_deref());
    if fixes.is_empty() {
        return String::new();
    }
    let mut markup = Markup::with_capacity(256 + fixes.len() * 600);
    markup.open("section", &[("class", "fixes-first"), ("aria-labelledby", HEADING_ID)]);
    let heading = format!("What to change: {}", counted(fixes.len(), "package", "packages"));
    markup.element("h2", &[("id", HEADING_ID), ("tabindex", "-1")], &heading);
    markup.open("ol", &[("class", "package-fixes")]);
    for fix in &fixes {
        block(&mut markup, fix, facts);
    }
    markup.close("ol").close("section");
    markup.into_string()
}
