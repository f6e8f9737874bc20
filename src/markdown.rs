//! An advisory's `details`, which OSV defines as CommonMark, turned into a small safe tree for the page.
//!
//! The tree can only hold the elements listed in [`Node`]: raw HTML in the Markdown becomes visible text (the page
//! renders text as text, never as markup), a link survives only when it is `http:` or `https:` (anything else
//! becomes its text), and an image becomes a link to the image (or its alt text), so that no advisory can load
//! anything into the page. Nesting deeper than [`MAX_DEPTH`] is flattened, so that rendering never recurses deeply.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// The deepest nesting kept; deeper blocks are merged into their parent.
pub const MAX_DEPTH: usize = 24;

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

/// Parses `markdown` (CommonMark with tables and strikethrough) into the safe tree.
pub fn render(markdown: &str) -> Vec<Node> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // Each open frame: what it becomes when closed, and its children. Frame 0 is the document.
    let mut stack: Vec<(Frame, Vec<Node>)> = vec![(Frame::Flattened, Vec::new())];
    let push = |stack: &mut Vec<(Frame, Vec<Node>)>, node: Node| {
        if let Some((_, children)) = stack.last_mut() {
            merge_text(children, node);
        }
    };
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(tag) => {
                let frame = match tag {
                    Tag::Paragraph => Frame::Element(Element::Paragraph),
                    Tag::Heading { level, .. } => Frame::Element(Element::Heading(level as u8)),
                    Tag::BlockQuote(_) => Frame::Element(Element::Quote),
                    Tag::CodeBlock(CodeBlockKind::Fenced(_) | CodeBlockKind::Indented) => {
                        Frame::Element(Element::CodeBlock)
                    }
                    Tag::List(Some(_)) => Frame::Element(Element::OrderedList),
                    Tag::List(None) => Frame::Element(Element::List),
                    Tag::Item => Frame::Element(Element::Item),
                    Tag::Emphasis => Frame::Element(Element::Emphasis),
                    Tag::Strong => Frame::Element(Element::Strong),
                    Tag::Strikethrough => Frame::Element(Element::Strikethrough),
                    Tag::Table(_) => Frame::Element(Element::Table),
                    Tag::TableHead => Frame::Element(Element::HeadRow),
                    Tag::TableRow => Frame::Element(Element::Row),
                    Tag::TableCell => Frame::Element(Element::Cell),
                    Tag::Link { dest_url, .. } if is_web_url(&dest_url) => Frame::Link(dest_url.to_string()),
                    Tag::Image { dest_url, .. } if is_web_url(&dest_url) => Frame::Image(dest_url.to_string()),
                    Tag::Image { .. } => Frame::Image(String::new()),
                    // Unsafe links, HTML blocks, footnotes, metadata: their content is kept as plain children.
                    _ => Frame::Flattened,
                };
                // Past the depth limit, new frames are flattened into their parent.
                let frame = if stack.len() > MAX_DEPTH { Frame::Flattened } else { frame };
                stack.push((frame, Vec::new()));
            }
            Event::End(end) => {
                if stack.len() <= 1 {
                    continue;
                }
                let (frame, children) = stack.pop().expect("more than the document frame");
                match frame {
                    Frame::Element(element) => push(&mut stack, Node::Element(element, children)),
                    Frame::Link(href) => push(&mut stack, Node::Link(href, children)),
                    Frame::Image(src) => {
                        let mut alt = children;
                        if alt.is_empty() {
                            alt.push(Node::Text("image".into()));
                        }
                        if src.is_empty() {
                            for node in alt {
                                push(&mut stack, node);
                            }
                        } else {
                            push(&mut stack, Node::Link(src, alt));
                        }
                    }
                    Frame::Flattened => {
                        for node in children {
                            push(&mut stack, node);
                        }
                        // A flattened block still ends its line.
                        if matches!(end, TagEnd::HtmlBlock | TagEnd::Paragraph | TagEnd::Item) {
                            push(&mut stack, Node::Text("\n".into()));
                        }
                    }
                }
            }
            Event::Text(text) => push(&mut stack, Node::Text(text.to_string())),
            Event::Code(code) => push(&mut stack, Node::Code(code.to_string())),
            // Raw HTML is shown as the text it is.
            Event::Html(html) | Event::InlineHtml(html) => push(&mut stack, Node::Text(html.to_string())),
            Event::SoftBreak => push(&mut stack, Node::Text(" ".into())),
            Event::HardBreak => push(&mut stack, Node::Break),
            Event::Rule => push(&mut stack, Node::Rule),
            Event::FootnoteReference(label) => push(&mut stack, Node::Text(format!("[{label}]"))),
            Event::TaskListMarker(done) => push(&mut stack, Node::Text(if done { "[x] " } else { "[ ] " }.into())),
            Event::InlineMath(text) | Event::DisplayMath(text) => push(&mut stack, Node::Text(text.to_string())),
        }
    }
    // Close anything left open (the parser closes everything, but a frame limit must never lose text).
    while stack.len() > 1 {
        let (_, children) = stack.pop().expect("more than the document frame");
        for node in children {
            push(&mut stack, node);
        }
    }
    stack.pop().map(|(_, children)| children).unwrap_or_default()
}

enum Frame {
    Element(Element),
    Link(String),
    Image(String),
    Flattened,
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
