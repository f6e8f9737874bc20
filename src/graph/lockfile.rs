//! Edges recorded by TOML lockfiles: each package's `dependencies` (uv.lock, poetry.lock, pdm.lock, pylock.toml),
//! and uv.lock's `optional-dependencies` and `dev-dependencies`. Markers are not evaluated: an edge counts in any
//! environment. Poetry's `extras` are left out, since the lock does not say which were asked for.

use super::{requirement_name, Edges};
use crate::model::normalize_name;
use crate::sources::toml_doc::{self, Table, Value};

/// The `[[array]]` tables of a lock, or `None` when it is not TOML.
fn with_packages(text: &str, array: &str, each: impl FnMut(&Table<'_>, String)) -> Option<()> {
    let document = toml::de::DeTable::parse(text).ok()?;
    let mut each = each;
    for table in toml_doc::get_array(document.get_ref(), array).iter().filter_map(|item| item.get_ref().as_table()) {
        if let Some(name) = toml_doc::get_str(table, "name") {
            each(table, normalize_name(name));
        }
    }
    Some(())
}

/// The names in an array of `{ name = "…" }` tables.
fn named_tables<'a>(items: &'a [Value<'_>]) -> impl Iterator<Item = String> + 'a {
    items
        .iter()
        .filter_map(|item| item.get_ref().as_table())
        .filter_map(|table| toml_doc::get_str(table, "name"))
        .map(normalize_name)
}

/// uv.lock: the project's own package (`source = { virtual | editable = "." }`) names the roots.
pub(super) fn uv_lock(text: &str) -> Option<Edges> {
    let mut edges = Edges::default();
    let mut roots: Option<Vec<String>> = None;
    with_packages(text, "package", |table, name| {
        let source = toml_doc::get_table(table, "source");
        let own = source.is_some_and(|source| {
            ["virtual", "editable"].iter().any(|key| toml_doc::get_str(source, key) == Some("."))
        });
        let mut children: Vec<String> = named_tables(toml_doc::get_array(table, "dependencies")).collect();
        for section in ["optional-dependencies", "dev-dependencies"] {
            for (_, items) in toml_doc::get_table(table, section).into_iter().flat_map(|section| section.iter()) {
                children.extend(named_tables(items.get_ref().as_array().map_or(&[][..], |array| array)));
            }
        }
        if own {
            roots.get_or_insert_with(Vec::new).extend(children);
        } else {
            edges.pairs.extend(children.into_iter().map(|child| (name.clone(), child)));
        }
    })?;
    edges.roots = roots;
    Some(edges)
}

/// poetry.lock: `[package.dependencies]`, keyed by name.
pub(super) fn poetry_lock(text: &str) -> Option<Edges> {
    let mut edges = Edges::default();
    with_packages(text, "package", |table, name| {
        let dependencies = toml_doc::get_table(table, "dependencies").into_iter().flat_map(|table| table.iter());
        edges.pairs.extend(dependencies.map(|(child, _)| (name.clone(), normalize_name(child.get_ref()))));
    })?;
    Some(edges)
}

/// pdm.lock: `dependencies` as PEP 508 strings.
pub(super) fn pdm_lock(text: &str) -> Option<Edges> {
    let mut edges = Edges::default();
    with_packages(text, "package", |table, name| {
        let dependencies = toml_doc::get_array(table, "dependencies").iter().filter_map(|item| item.get_ref().as_str());
        edges.pairs.extend(dependencies.filter_map(requirement_name).map(|child| (name.clone(), child)));
    })?;
    Some(edges)
}

/// pylock.toml: `[[packages]]` with `dependencies = [{ name = "…" }]`, where the locker gave them.
pub(super) fn pylock(text: &str) -> Option<Edges> {
    let mut edges = Edges::default();
    with_packages(text, "packages", |table, name| {
        edges.pairs.extend(named_tables(toml_doc::get_array(table, "dependencies")).map(|child| (name.clone(), child)));
    })?;
    Some(edges)
}
