//! Renders the safe Markdown tree of [`crate::advisory_markdown`] as Yew nodes. Text stays text: nothing here parses HTML.

use yew::prelude::*;

use crate::advisory_markdown::{render_step, Element, Node};

/// Props of [`AdvisoryDetails`].
#[derive(Properties, PartialEq)]
pub struct AdvisoryDetailsProps {
    /// The record's ID.
    pub id: AttrValue,
    /// Its details (Markdown).
    pub text: AttrValue,
    /// True when the card shows the details of several records, each under its ID.
    pub several: bool,
}

/// One record's details, contract `[data-testid=advisory-details]`: the first step of a long text, and
/// `[data-testid=details-more]` to draw four times as much.
#[function_component(AdvisoryDetails)]
pub fn advisory_details(props: &AdvisoryDetailsProps) -> Html {
    let step = use_state_eq(|| 0_u32);
    let shown = use_memo((props.text.clone(), *step), |(text, step)| render_step(text, *step));
    let more = {
        let step = step.clone();
        Callback::from(move |_: MouseEvent| step.set(*step + 1))
    };
    html! {
        <div class="markdown" data-testid="advisory-details" data-record={props.id.clone()}>
            if props.several { <p class="muted record-label">{ format!("From {}:", props.id) }</p> }
            { render(&shown.nodes) }
            if shown.cut {
                <button type="button" class="link" data-testid="details-more" onclick={more}>
                    { "Show more of this advisory" }
                </button>
            }
        </div>
    }
}

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
