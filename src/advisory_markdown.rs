//! An advisory's `details`, which OSV defines as CommonMark, turned into a small safe tree for the page.
//!
//! The reader is this crate's own and covers what advisories use (paragraphs, headings, fenced and indented code,
//! lists, quotes, tables, emphasis, code spans, links, autolinks and bare URLs, images, escapes and the common
//! entities). A general CommonMark crate such as pulldown-cmark would weigh more in the page than the report's own
//! code (see `docs/benchmarks.md`); this reader costs a few KB. Anything it does not read stays visible as text.
//!
//! The tree can only hold the elements listed in [`Node`]: raw HTML in the Markdown becomes visible text (the page
//! renders text as text, never as markup), a link survives only when it is `http:` or `https:` (anything else
//! becomes its text), and an image becomes a link to the image (or its alt text), so that no advisory can load
//! anything into the page. Nesting is bounded by [`MAX_DEPTH`], so that rendering never recurses deeply, and every
//! search for a closing delimiter is bounded, so that no input takes quadratic time.

mod blocks;
mod inline;

/// The deepest nesting the tree can have: blocks are not nested (quotes and lists are flattened) and inline
/// emphasis and links nest at most [`inline::MAX_NESTING`] deep.
pub const MAX_DEPTH: usize = 4 + inline::MAX_NESTING;

/// The elements the tree may hold. Each maps to one fixed HTML tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// `<p>`.
    Paragraph,
    /// `<h4>` to `<h6>`: advisory headings sit below the page's own.
    Heading(u8),
    /// `<blockquote>`.
    Quote,
    /// `<pre><code>`.
    CodeBlock,
    /// `<ul>`.
    List,
    /// `<ol>`.
    OrderedList,
    /// `<li>`.
    Item,
    /// `<em>`.
    Emphasis,
    /// `<strong>`.
    Strong,
    /// `<del>`.
    Strikethrough,
    /// `<table>`.
    Table,
    /// `<tr>` in the head.
    HeadRow,
    /// `<tr>`.
    Row,
    /// `<td>` (or `<th>` in a head row).
    Cell,
    /// `<span>`: the label of a link that was dropped.
    Span,
}

impl Element {
    /// The HTML tag.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Paragraph => "p",
            Self::Heading(1..=4) => "h4",
            Self::Heading(5) => "h5",
            Self::Heading(_) => "h6",
            Self::Quote => "blockquote",
            Self::CodeBlock => "pre",
            Self::List => "ul",
            Self::OrderedList => "ol",
            Self::Item => "li",
            Self::Emphasis => "em",
            Self::Strong => "strong",
            Self::Strikethrough => "del",
            Self::Table => "table",
            Self::HeadRow | Self::Row => "tr",
            Self::Cell => "td",
            Self::Span => "span",
        }
    }
}

/// A node of the safe tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Text, shown as text.
    Text(String),
    /// Inline code.
    Code(String),
    /// A line break.
    Break,
    /// A thematic break.
    Rule,
    /// An element with children.
    Element(Element, Vec<Node>),
    /// A link whose target is `http:` or `https:`.
    Link(String, Vec<Node>),
}

/// True for an absolute `http:` or `https:` URL (case-insensitive scheme), without spaces or control characters.
pub fn is_web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let scheme = if lower.starts_with("https://") {
        "https://".len()
    } else if lower.starts_with("http://") {
        "http://".len()
    } else {
        return false;
    };
    url.len() > scheme && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Parses `markdown` into the safe tree. See [`blocks`] for the syntax read.
pub fn render(markdown: &str) -> Vec<Node> {
    blocks::parse(markdown)
}

/// The bytes of details read at first; each "show more" reads four times as many.
pub const STEP_BYTES: usize = 32 * 1024;
/// The nodes drawn at first; each "show more" draws four times as many.
pub const STEP_NODES: usize = 2_000;

/// Details as the page draws them at `step` (0 at first, one more for each "show more").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The tree of what is drawn.
    pub nodes: Vec<Node>,
    /// True when the details hold more than is drawn.
    pub cut: bool,
}

/// Parses at most [`STEP_BYTES`] × 4^`step` bytes of `markdown` (cut at a line's end) into at most [`STEP_NODES`]
/// × 4^`step` nodes: an advisory of megabytes (an offline entry may be 8 MB) is drawn in a few milliseconds, and the
/// reader asks for more.
pub fn render_step(markdown: &str, step: u32) -> Shown {
    let factor = 4usize.saturating_pow(step);
    let max_bytes = STEP_BYTES.saturating_mul(factor);
    let (text, mut cut) = if markdown.len() > max_bytes {
        let mut end = max_bytes;
        while !markdown.is_char_boundary(end) {
            end -= 1;
        }
        let end = markdown[..end].rfind('\n').filter(|line_end| *line_end > 0).unwrap_or(end);
        (&markdown[..end], true)
    } else {
        (markdown, false)
    };
    let mut nodes = blocks::parse(text);
    let mut left = STEP_NODES.saturating_mul(factor);
    cut |= keep_first(&mut nodes, &mut left);
    Shown { nodes, cut }
}

/// Keeps the first `left` nodes of the tree (counted depth first), dropping the rest; true when some were dropped.
/// The tree is at most [`MAX_DEPTH`] deep, so the recursion is bounded.
fn keep_first(nodes: &mut Vec<Node>, left: &mut usize) -> bool {
    for index in 0..nodes.len() {
        if *left == 0 {
            nodes.truncate(index);
            return true;
        }
        *left -= 1;
        if let Node::Element(_, children) | Node::Link(_, children) = &mut nodes[index] {
            if keep_first(children, left) {
                nodes.truncate(index + 1);
                return true;
            }
        }
    }
    false
}

/// Appends `node`, joining adjacent text nodes.
fn merge_text(children: &mut Vec<Node>, node: Node) {
    if let (Some(Node::Text(last)), Node::Text(text)) = (children.last_mut(), &node) {
        last.push_str(text);
        return;
    }
    children.push(node);
}

/// The plain text of a tree, for a one-line preview or an export.
pub fn plain_text(nodes: &[Node]) -> String {
    let mut text = String::new();
    let mut stack: Vec<&Node> = nodes.iter().rev().collect();
    while let Some(node) = stack.pop() {
        match node {
            Node::Text(part) | Node::Code(part) => text.push_str(part),
            Node::Break | Node::Rule => text.push('\n'),
            Node::Element(_, children) | Node::Link(_, children) => stack.extend(children.iter().rev()),
        }
    }
    text
}

#[cfg(test)]
mod tests;
