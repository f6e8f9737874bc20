#![no_main]
//! Any advisory text: the Markdown reader never panics, never nests past its bound, and each step of "show more"
//! draws a bounded tree.

use libfuzzer_sys::fuzz_target;
use osv_lens::advisory_markdown::{render, render_step, Node, MAX_DEPTH, STEP_NODES};
use osv_lens_fuzz::on_page_stack;

fn depth(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|node| match node {
            Node::Element(_, children) | Node::Link(_, children) => 1 + depth(children),
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

fn count(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|node| match node {
            Node::Element(_, children) | Node::Link(_, children) => 1 + count(children),
            _ => 1,
        })
        .sum()
}

fuzz_target!(|data: &[u8]| on_page_stack(|| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let whole = render(text);
    assert!(depth(&whole) <= MAX_DEPTH);
    let first = render_step(text, 0);
    assert!(count(&first.nodes) <= STEP_NODES);
}));
