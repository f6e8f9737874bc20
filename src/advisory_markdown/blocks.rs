//! Block structure, line by line: fenced and indented code, ATX headings, thematic breaks, quotes and lists
//! (both flattened to one level), pipe tables, and paragraphs. Inline content goes to [`super::inline`].

use super::inline::inline;
use super::{Element, Node};

/// Parses a document into blocks.
pub fn parse(markdown: &str) -> Vec<Node> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut blocks = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        let text = line.trim_start();
        if text.is_empty() {
            index += 1;
        } else if let Some(fence) = fence(text) {
            let mut code = String::new();
            index += 1;
            while index < lines.len() && !closes(lines[index].trim_start(), fence) {
                code.push_str(lines[index]);
                code.push('\n');
                index += 1;
            }
            index += 1;
            blocks.push(Node::Element(Element::CodeBlock, vec![Node::Text(code)]));
        } else if indent(line) >= 4 {
            let mut code = String::new();
            while index < lines.len() && (indent(lines[index]) >= 4 || lines[index].trim().is_empty()) {
                code.push_str(strip_indent(lines[index], 4));
                code.push('\n');
                index += 1;
            }
            let code = code.trim_end_matches('\n').to_string() + "\n";
            blocks.push(Node::Element(Element::CodeBlock, vec![Node::Text(code)]));
        } else if let Some((level, title)) = heading(text) {
            blocks.push(Node::Element(Element::Heading(level), inline(title)));
            index += 1;
        } else if is_rule(text) {
            blocks.push(Node::Rule);
            index += 1;
        } else if text.starts_with('>') {
            let mut quoted = Vec::new();
            while index < lines.len() && lines[index].trim_start().starts_with('>') {
                // Nested quotes are flattened: every leading marker goes.
                let inner = lines[index].trim_start().trim_start_matches(['>', ' ']);
                quoted.push(inner);
                index += 1;
            }
            blocks.push(Node::Element(Element::Quote, paragraphs(&quoted)));
        } else if let Some((ordered, _)) = list_item(text) {
            let mut items: Vec<Vec<&str>> = Vec::new();
            while index < lines.len() {
                let line = lines[index];
                let text = line.trim_start();
                if let Some((_, content)) = list_item(text) {
                    items.push(vec![content]);
                } else if text.is_empty() {
                    // A blank line ends the list unless the next line continues it.
                    let next = lines.get(index + 1).copied().unwrap_or("");
                    if list_item(next.trim_start()).is_none() && indent(next) < 2 {
                        break;
                    }
                } else if indent(line) >= 2 || !starts_block(text) {
                    if let Some(item) = items.last_mut() {
                        item.push(text);
                    }
                } else {
                    break;
                }
                index += 1;
            }
            let element = if ordered { Element::OrderedList } else { Element::List };
            let items = items.iter().map(|lines| Node::Element(Element::Item, inline(&lines.join("\n")))).collect();
            blocks.push(Node::Element(element, items));
        } else if text.starts_with('|') && lines.get(index + 1).is_some_and(|next| is_table_rule(next.trim())) {
            let mut rows = vec![Node::Element(Element::HeadRow, cells(text))];
            index += 2;
            while index < lines.len() && lines[index].trim_start().starts_with('|') {
                rows.push(Node::Element(Element::Row, cells(lines[index].trim())));
                index += 1;
            }
            blocks.push(Node::Element(Element::Table, rows));
        } else {
            let start = index;
            index += 1;
            while index < lines.len() && !lines[index].trim().is_empty() && !starts_block(lines[index].trim_start()) {
                index += 1;
            }
            blocks.push(Node::Element(Element::Paragraph, inline(&lines[start..index].join("\n"))));
        }
    }
    blocks
}

/// Paragraphs separated by blank lines, for the inside of a quote.
fn paragraphs(lines: &[&str]) -> Vec<Node> {
    lines
        .split(|line| line.trim().is_empty())
        .filter(|group| !group.is_empty())
        .map(|group| Node::Element(Element::Paragraph, inline(&group.join("\n"))))
        .collect()
}

/// Leading spaces, a tab counting as four.
fn indent(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ' || *c == '\t').map(|c| if c == '\t' { 4 } else { 1 }).sum()
}

fn strip_indent(line: &str, width: usize) -> &str {
    let mut taken = 0;
    for (offset, c) in line.char_indices() {
        if taken >= width || (c != ' ' && c != '\t') {
            return &line[offset..];
        }
        taken += if c == '\t' { 4 } else { 1 };
    }
    ""
}

/// A fence (three or more backticks or tildes) opening a code block: the fence text.
fn fence(text: &str) -> Option<&str> {
    let marker = text.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let length = text.chars().take_while(|c| *c == marker).count();
    (length >= 3).then(|| &text[..length])
}

fn closes(text: &str, fence: &str) -> bool {
    text.starts_with(fence) && text.trim_end().chars().all(|c| fence.starts_with(c))
}

/// `# Title` … `###### Title`.
fn heading(text: &str) -> Option<(u8, &str)> {
    let level = text.chars().take_while(|c| *c == '#').count();
    let rest = &text[level..];
    if !(1..=6).contains(&level) || !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t')) {
        return None;
    }
    let title = rest.trim().trim_end_matches('#').trim_end();
    Some((level as u8, title))
}

/// `---`, `***` or `___`, possibly spaced.
fn is_rule(text: &str) -> bool {
    let marks: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    marks.len() >= 3 && ["-", "*", "_"].iter().any(|mark| marks.chars().all(|c| c.to_string() == *mark))
}

/// A list item's marker (`-`, `*`, `+`, `1.`, `1)`) followed by a space: whether it is ordered, and the content.
fn list_item(text: &str) -> Option<(bool, &str)> {
    if let Some(rest) = text.strip_prefix(['-', '*', '+']) {
        return (rest.starts_with(' ') || rest.is_empty()).then(|| (false, rest.trim_start()));
    }
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let rest = text.get(digits..)?.strip_prefix(['.', ')'])?;
    (digits > 0 && digits < 10 && (rest.starts_with(' ') || rest.is_empty())).then(|| (true, rest.trim_start()))
}

/// True when `text` opens a block that interrupts a paragraph.
fn starts_block(text: &str) -> bool {
    fence(text).is_some()
        || heading(text).is_some()
        || text.starts_with('>')
        || is_rule(text)
        || list_item(text).is_some()
}

/// `|---|:---:|` and the like.
fn is_table_rule(text: &str) -> bool {
    text.starts_with('|') && text.contains('-') && text.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

/// The cells of a table row; `\|` is a pipe inside a cell.
fn cells(row: &str) -> Vec<Node> {
    let row = row.trim().trim_start_matches('|');
    let row = row.strip_suffix('|').filter(|inner| !inner.ends_with('\\')).unwrap_or(row);
    let mut cells = Vec::new();
    let mut current = String::new();
    let mut chars = row.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                current.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    cells.push(current);
    cells.iter().map(|cell| Node::Element(Element::Cell, inline(cell.trim()))).collect()
}
