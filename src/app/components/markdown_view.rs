//! Renders the safe Markdown tree of [`crate::advisory_markdown`] as Yew nodes. Text stays text: nothing here parses HTML.

use yew::prelude::*;

use crate::advisory_markdown::{Element, Node};

/// The nodes as Yew HTML.
pub fn render(nodes: &[Node]) -> Html {
    nodes.iter().map(node).collect()
}

fn node(node: &Node) -> Html {
    match node {
        Node::Text(text) => html! { { text.clone() } },
        Node::Code(code) => html! { <code>{ code.clone() }</code> },
        Node::Break => html! { <br /> },
        Node::Rule => html! { <hr /> },
        Node::Link(href, children) => html! {
            <a href={href.clone()} target="_blank" rel="noopener noreferrer nofollow">{ render(children) }</a>
        },
        Node::Element(Element::CodeBlock, children) => html! { <pre><code>{ render(children) }</code></pre> },
        Node::Element(Element::HeadRow, children) => html! {
            <tr class="head">{ for children.iter().map(|cell| match cell {
                Node::Element(Element::Cell, inner) => html! { <th scope="col">{ render(inner) }</th> },
                other => self::node(other),
            }) }</tr>
        },
        Node::Element(element, children) => {
            html! { <@{element.tag()}>{ render(children) }</@> }
        }
    }
}
