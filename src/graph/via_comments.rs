//! Edges recorded as `# via` comments by pip-compile, `uv pip compile` and `uv export`: on the requirement's line
//! (`six==1.10.0  # via cycler, python-dateutil`), on the next line (`    # via flask`), or as an indented list
//! (`    # via` then `    #   flask` a line). `-r file` and `project (pyproject.toml)` mean the project names the
//! package, as does a name that is not a package of the file (the project in `uv export`); `-c file` only
//! constrains. In a file with `# via` comments, a requirement without one is the project's own (old pip-compile).

use std::collections::BTreeSet;

use super::{requirement_name, Edges};
use crate::model::Dependency;

/// The edges of a requirements file's `# via` comments; `None` when it has none.
pub(super) fn read(text: &str, file: &str, dependencies: &[Dependency]) -> Option<Edges> {
    let mut owners: Vec<(u32, &str)> = dependencies
        .iter()
        .filter(|dependency| dependency.origin.file == file && dependency.origin.line > 0)
        .map(|dependency| (dependency.origin.line, dependency.name.as_str()))
        .collect();
    crate::sorting::sort(&mut owners);
    let packages: BTreeSet<&str> = crate::sorting::set_of(owners.iter().map(|(_, name)| *name));
    let mut entries: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        let Some(rest) = via_rest(line) else { continue };
        let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let Some(&(_, owner)) = owners.iter().take_while(|(line, _)| *line <= line_number).last() else { continue };
        let mut found: Vec<&str> = rest.split(',').map(str::trim).filter(|entry| !entry.is_empty()).collect();
        if found.is_empty() {
            while let Some(item) = lines.peek().and_then(|(_, next)| list_item(next)) {
                found.push(item);
                lines.next();
            }
        }
        entries.push((owner, found));
    }
    if entries.is_empty() {
        return None;
    }
    let mut edges = Edges::default();
    let mut roots: BTreeSet<&str> = packages.clone();
    for (owner, found) in &entries {
        let mut named = false;
        let mut required = false;
        for entry in found {
            if entry.starts_with("-c") {
                continue;
            }
            match requirement_name(entry).filter(|_| !entry.starts_with('-') && !entry.contains('(')) {
                Some(parent) if packages.contains(parent.as_str()) => {
                    required = true;
                    edges.pairs.push((parent, owner.to_string()));
                }
                _ => named = true,
            }
        }
        if required && !named {
            roots.remove(owner);
        }
    }
    edges.roots = Some(roots.into_iter().map(str::to_string).collect());
    Some(edges)
}

/// What follows `# via` on a line, when the line has one.
fn via_rest(line: &str) -> Option<&str> {
    let comment = line[line.find('#')? + 1..].trim_start();
    let rest = comment.strip_prefix("via")?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then(|| rest.trim())
}

/// The entry of an indented `#   name` list line.
fn list_item(line: &str) -> Option<&str> {
    if !line.starts_with(char::is_whitespace) {
        return None;
    }
    let after = line.trim_start().strip_prefix('#')?;
    let item = after.trim();
    (after.starts_with("  ") && !item.is_empty()).then_some(item)
}
