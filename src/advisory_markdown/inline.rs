//! Inline content: code spans, emphasis, strong, strikethrough, links, images, autolinks, bare web addresses,
//! backslash escapes, entities and line breaks. Everything else is text.
//!
//! Every search for a closing delimiter looks at most [`MAX_SEARCH`] bytes ahead, all searches of one text share a
//! budget of a few times its length (past it, delimiters are text), and nesting stops at [`MAX_NESTING`], so that
//! time stays linear in the input with a small constant and the tree stays shallow.

use super::{is_web_url, merge_text, Element, Node};

/// How deep emphasis and links may nest.
pub const MAX_NESTING: usize = 6;
/// How far ahead a closing delimiter is looked for, in bytes.
const MAX_SEARCH: usize = 1024;
/// The bytes all delimiter searches of one text may look at, per byte of the text (plus [`MAX_SEARCH`]).
const SEARCH_PER_BYTE: usize = 4;
/// The longest entity read (`&#x10FFFF;` and `&nbsp;` fit).
const MAX_ENTITY: usize = 12;

/// The inline nodes of a paragraph's text (lines joined with `\n`).
pub fn inline(text: &str) -> Vec<Node> {
    let mut budget = text.len().saturating_mul(SEARCH_PER_BYTE).saturating_add(MAX_SEARCH);
    parse(text, 0, &mut budget)
}

fn parse(text: &str, depth: usize, budget: &mut usize) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut literal = String::new();
    let mut at = 0;
    let flush = |literal: &mut String, nodes: &mut Vec<Node>| {
        if !literal.is_empty() {
            merge_text(nodes, Node::Text(std::mem::take(literal)));
        }
    };
    while at < text.len() {
        let rest = &text[at..];
        let c = rest.chars().next().unwrap_or(' ');
        let (node, used) = match c {
            '\\' => match rest[1..].chars().next() {
                Some('\n') => (Some(Node::Break), 2),
                Some(next) if next.is_ascii_punctuation() => {
                    literal.push(next);
                    at += 2;
                    continue;
                }
                _ => (None, 0),
            },
            '\n' => {
                // Two trailing spaces make a hard break; otherwise a line break is a space.
                if literal.ends_with("  ") {
                    let trimmed = literal.trim_end_matches(' ').len();
                    literal.truncate(trimmed);
                    (Some(Node::Break), 1)
                } else {
                    let trimmed = literal.trim_end_matches(' ').len();
                    literal.truncate(trimmed);
                    literal.push(' ');
                    at += 1;
                    while text[at..].starts_with(' ') {
                        at += 1;
                    }
                    continue;
                }
            }
            '`' => code_span(rest, budget),
            '*' | '_' | '~' if depth < MAX_NESTING => emphasis(rest, c, depth, previous_char(text, at), budget),
            '!' if rest.starts_with("![") => image(rest, budget),
            '[' if depth < MAX_NESTING => link(rest, depth, budget),
            '<' => autolink(rest, budget),
            'h' if !previous_char(text, at).is_some_and(char::is_alphanumeric) => bare_url(rest),
            '&' => entity(rest),
            _ => (None, 0),
        };
        match node {
            Some(Node::Text(text)) => {
                // Decoded entities and unmatched backticks are text.
                literal.push_str(&text);
                at += used;
            }
            Some(node) => {
                flush(&mut literal, &mut nodes);
                nodes.push(node);
                at += used;
            }
            None => {
                literal.push(c);
                at += c.len_utf8();
            }
        }
    }
    flush(&mut literal, &mut nodes);
    nodes
}

fn previous_char(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

/// The first `at_most` bytes of `text`, cut back to a character boundary.
fn head(text: &str, at_most: usize) -> &str {
    if text.len() <= at_most {
        return text;
    }
    let mut end = at_most;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The window in which closing delimiters are looked for: at most [`MAX_SEARCH`] bytes, and no more than the
/// search budget left, which the window's length is taken from.
fn window<'t>(text: &'t str, budget: &mut usize) -> &'t str {
    let window = head(text, MAX_SEARCH.min(*budget));
    *budget -= window.len();
    window
}

/// `` `code` ``, with a closing run of the same length.
fn code_span(rest: &str, budget: &mut usize) -> (Option<Node>, usize) {
    let ticks = rest.chars().take_while(|c| *c == '`').count();
    let fence = &rest[..ticks];
    let body = window(&rest[ticks..], budget);
    let mut search = 0;
    while let Some(found) = body[search..].find(fence) {
        let start = search + found;
        let run = body[start..].chars().take_while(|c| *c == '`').count();
        if run == ticks {
            let code = body[..start].replace('\n', " ");
            let code = if code.len() > 2 && code.starts_with(' ') && code.ends_with(' ') {
                code[1..code.len() - 1].to_string()
            } else {
                code
            };
            return (Some(Node::Code(code)), ticks + start + ticks);
        }
        search = start + run;
    }
    // An unmatched run is literal backticks.
    (Some(Node::Text(fence.to_string())), ticks)
}

/// `*em*`, `_em_`, `**strong**`, `__strong__`, `~~struck~~`.
fn emphasis(rest: &str, marker: char, depth: usize, before: Option<char>, budget: &mut usize) -> (Option<Node>, usize) {
    let run = rest.chars().take_while(|c| *c == marker).count();
    let (delimiter, element) = match (marker, run) {
        ('~', 2..) => ("~~", Element::Strikethrough),
        ('~', _) => return (None, 0),
        (_, 2..) => (&rest[..2], Element::Strong),
        _ => (&rest[..1], Element::Emphasis),
    };
    // Underscores inside words are not emphasis (snake_case names are common in advisories).
    if marker == '_' && before.is_some_and(char::is_alphanumeric) {
        return (None, 0);
    }
    let body = &rest[delimiter.len()..];
    if body.starts_with(char::is_whitespace) || body.is_empty() {
        return (None, 0);
    }
    let searched = window(body, budget);
    let mut search = 0;
    while let Some(found) = searched[search..].find(delimiter) {
        let end = search + found;
        let inner = &body[..end];
        let after = body[end + delimiter.len()..].chars().next();
        let blocked = inner.is_empty()
            || inner.ends_with(char::is_whitespace)
            || (marker == '_' && after.is_some_and(char::is_alphanumeric))
            || (delimiter.len() == 1 && body[end + 1..].starts_with(marker));
        let closes = !blocked;
        if closes {
            return (Some(Node::Element(element, parse(inner, depth + 1, budget))), delimiter.len() * 2 + end);
        }
        search = end + delimiter.len();
    }
    (None, 0)
}

/// `[text](destination "title")`: the position of the closing `]` and of the end, and the destination.
fn link_parts<'t>(rest: &'t str, budget: &mut usize) -> Option<(usize, usize, &'t str)> {
    let searched = window(rest, budget);
    let mut depth = 0usize;
    let mut close = None;
    let mut chars = searched.char_indices().skip(1);
    while let Some((offset, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' => depth += 1,
            ']' if depth == 0 => {
                close = Some(offset);
                break;
            }
            ']' => depth -= 1,
            _ => {}
        }
    }
    let close = close?;
    let after = searched[close + 1..].strip_prefix('(')?;
    let mut parens = 0usize;
    let mut end = None;
    for (offset, c) in after.char_indices() {
        match c {
            '(' => parens += 1,
            ')' if parens == 0 => {
                end = Some(offset);
                break;
            }
            ')' => parens -= 1,
            '\n' => return None,
            _ => {}
        }
    }
    let end = end?;
    let inside = after[..end].trim();
    let destination = inside.split_whitespace().next().unwrap_or("");
    let destination = destination.strip_prefix('<').and_then(|d| d.strip_suffix('>')).unwrap_or(destination);
    Some((close, close + 2 + end + 1, destination))
}

fn link(rest: &str, depth: usize, budget: &mut usize) -> (Option<Node>, usize) {
    let Some((close, used, destination)) = link_parts(rest, budget) else { return (None, 0) };
    let label = parse(&rest[1..close], depth + 1, budget);
    if is_web_url(destination) {
        (Some(Node::Link(destination.to_string(), label)), used)
    } else {
        // Not a web address: the label alone, as text.
        (Some(label_node(label)), used)
    }
}

/// A label without its link: its nodes in a neutral wrapper that renders as their text.
fn label_node(label: Vec<Node>) -> Node {
    match <[Node; 1]>::try_from(label) {
        Ok([node]) => node,
        Err(label) => Node::Element(Element::Span, label),
    }
}

fn image(rest: &str, budget: &mut usize) -> (Option<Node>, usize) {
    let Some((close, used, destination)) = link_parts(&rest[1..], budget) else { return (None, 0) };
    let alt = rest[2..close + 1].trim();
    let alt = if alt.is_empty() { "image".to_string() } else { alt.to_string() };
    if is_web_url(destination) {
        (Some(Node::Link(destination.to_string(), vec![Node::Text(alt)])), used + 1)
    } else {
        (Some(Node::Text(alt)), used + 1)
    }
}

/// `<https://…>`.
fn autolink(rest: &str, budget: &mut usize) -> (Option<Node>, usize) {
    let Some(end) = window(rest, budget).find('>') else { return (None, 0) };
    let url = &rest[1..end];
    if is_web_url(url) {
        (Some(Node::Link(url.to_string(), vec![Node::Text(url.to_string())])), end + 1)
    } else {
        (None, 0)
    }
}

/// A bare `http://` or `https://` address, up to whitespace, a control character or `<`, without trailing
/// punctuation. A valid address is consumed whole, so the scan to its end is paid once.
fn bare_url(rest: &str) -> (Option<Node>, usize) {
    let lower = rest.get(..8).unwrap_or(rest).to_ascii_lowercase();
    if !lower.starts_with("https://") && !lower.starts_with("http://") {
        return (None, 0);
    }
    let mut end = rest.find(|c: char| c.is_whitespace() || c.is_control() || c == '<').unwrap_or(rest.len());
    // Parentheses are counted once; dropping a trailing `)` updates the count.
    let (opened, mut closed) = rest[..end].bytes().fold((0usize, 0usize), |(opened, closed), byte| match byte {
        b'(' => (opened + 1, closed),
        b')' => (opened, closed + 1),
        _ => (opened, closed),
    });
    while end > 0 {
        let last = rest[..end].chars().next_back().unwrap_or(' ');
        let unbalanced = last == ')' && opened < closed;
        if matches!(last, '.' | ',' | ':' | ';' | '!' | '?' | '\'' | '"' | '*' | '_' | '~') || unbalanced {
            end -= last.len_utf8();
            closed -= usize::from(last == ')');
        } else {
            break;
        }
    }
    let url = &rest[..end];
    if is_web_url(url) {
        (Some(Node::Link(url.to_string(), vec![Node::Text(url.to_string())])), end)
    } else {
        (None, 0)
    }
}

/// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&nbsp;`, `&#NN;` and `&#xHH;`. Others stay as written.
fn entity(rest: &str) -> (Option<Node>, usize) {
    // Only the entity's own few bytes are searched: an `&` without a `;` must not cost a scan of the rest.
    let Some(end) = head(rest, MAX_ENTITY).find(';') else {
        return (None, 0);
    };
    let name = &rest[1..end];
    let decoded = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some('\u{a0}'),
        _ => name
            .strip_prefix("#x")
            .or_else(|| name.strip_prefix("#X"))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .or_else(|| name.strip_prefix('#').and_then(|decimal| decimal.parse().ok()))
            .and_then(char::from_u32)
            .filter(|c| *c != '\0'),
    };
    match decoded {
        Some(c) => (Some(Node::Text(c.to_string())), end + 1),
        None => (None, 0),
    }
}
