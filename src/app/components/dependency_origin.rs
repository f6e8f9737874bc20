//! How each dependency got into its file, from the file's graph ([`crate::graph`]): the row's contract attributes,
//! the line under its name, the note of a file whose format records no edges, and the all / direct / transitive
//! filter (a class on the report that the style sheet reads, so no row is drawn again).

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::graph::{self, Graph, Node};
use crate::page::markup::Markup;
use crate::report::FileReport;

/// The row's `data-direct`, `data-depth`, `data-path` and `data-via`; none when the file records no graph.
pub fn row_attributes(graph: Option<&Graph>, name: &str) -> Vec<(&'static str, String)> {
    let Some(node) = graph.and_then(|graph| graph.node(name)) else { return Vec::new() };
    let mut attributes = vec![
        ("data-direct", node.is_direct().to_string()),
        ("data-path", node.path.join(" ")),
        ("data-via", node.via.join(" ")),
    ];
    if let Some(depth) = node.depth {
        attributes.push(("data-depth", depth.to_string()));
    }
    attributes
}

/// The line under the package's name: "named directly", the path, or that no named package reaches it.
pub fn origin_line(markup: &mut Markup, graph: Option<&Graph>, name: &str) {
    let Some(node) = graph.and_then(|graph| graph.node(name)) else { return };
    markup.element("span", &[("class", "origin"), ("data-testid", "dependency-origin")], &origin_text(node));
}

/// The words for a node's place: "named directly", "fastapi → starlette → anyio", or unreached.
pub fn origin_text(node: &Node) -> String {
    match node.depth {
        Some(0) => "named directly".to_string(),
        Some(_) => node.path.join(" → "),
        None => "not reached from a package the project names".to_string(),
    }
}

/// The note of a file whose format records no edges (or whose directly named packages are inferred).
pub fn graph_note(file: &FileReport) -> Html {
    match graph::note(file.format, file.graph.as_deref()) {
        Some(note) => html! { <p class="muted graph-note" data-testid="graph-note">{ note }</p> },
        None => Html::default(),
    }
}

/// The select that shows all rows, only direct ones, or only transitive ones (`[data-testid=origin-filter]`);
/// `value` is `all`, `direct` or `transitive`.
pub fn origin_filter(value: &str, on_change: Callback<AttrValue>) -> Html {
    let onchange = Callback::from(move |event: Event| {
        let select: HtmlSelectElement = event.target_unchecked_into();
        on_change.emit(select.value().into());
    });
    html! {
        <label class="origin-filter">{ "Dependencies: " }
            <select data-testid="origin-filter" {onchange}>
                { for [("all", "all"), ("direct", "named directly"), ("transitive", "pulled in by others")].into_iter().map(|(option, label)| html! {
                    <option value={option} selected={value == option}>{ label }</option>
                }) }
            </select>
        </label>
    }
}
