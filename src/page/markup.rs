//! HTML as text, for the parts of a large report the page draws in one piece (one `innerHTML`) rather than node by
//! node: a 348-package report has some 9,000 elements, and creating each through the DOM API costs a call out of
//! the wasm, which would be most of the time between the last answer and the drawn report.
//!
//! Tag and attribute names are `&'static str`, so they come from the program, never from data. Every text and every
//! attribute value goes through [`escape_into`] and every value is double-quoted, so untrusted text (package names,
//! versions, advisory summaries, file names) can only ever be text. Links are built by the caller from fixed
//! `https://` prefixes.

/// Markup being written.
#[derive(Debug, Default)]
pub struct Markup {
    html: String,
}

impl Markup {
    /// Empty markup with room for `bytes`.
    pub fn with_capacity(bytes: usize) -> Self {
        Self { html: String::with_capacity(bytes) }
    }

    /// Opens `<tag name="value" …>`.
    pub fn open(&mut self, tag: &'static str, attributes: &[(&'static str, &str)]) -> &mut Self {
        debug_assert!(is_name(tag), "tag name {tag:?}");
        self.html.push('<');
        self.html.push_str(tag);
        for &(name, value) in attributes {
            debug_assert!(is_name(name), "attribute name {name:?}");
            self.html.push(' ');
            self.html.push_str(name);
            self.html.push_str("=\"");
            escape_into(&mut self.html, value);
            self.html.push('"');
        }
        self.html.push('>');
        self
    }

    /// The text, escaped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.html, text);
        self
    }

    /// The text, escaped, with each pair of backticks drawn as a `<code>` span rather than shown raw (notes and
    /// summaries write names and options in backticks); an unpaired backtick stays text.
    pub fn text_with_code(&mut self, text: &str) -> &mut Self {
        if text.matches('`').count() % 2 == 1 {
            return self.text(text);
        }
        for (index, part) in text.split('`').enumerate() {
            if index % 2 == 1 {
                self.element("code", &[], part);
            } else {
                self.text(part);
            }
        }
        self
    }

    /// Closes `</tag>`.
    pub fn close(&mut self, tag: &'static str) -> &mut Self {
        self.html.push_str("</");
        self.html.push_str(tag);
        self.html.push('>');
        self
    }

    /// `<tag attributes>text</tag>`.
    pub fn element(&mut self, tag: &'static str, attributes: &[(&'static str, &str)], text: &str) -> &mut Self {
        self.open(tag, attributes).text(text).close(tag)
    }

    /// The markup written.
    pub fn into_string(self) -> String {
        self.html
    }
}

/// `text` in a `<span>`, escaped, its backticks drawn as code spans (see [`Markup::text_with_code`]).
pub fn with_code(text: &str) -> String {
    let mut markup = Markup::with_capacity(text.len() + 32);
    markup.open("span", &[]).text_with_code(text).close("span");
    markup.into_string()
}

/// Appends `text` with the five characters that can end a text or a quoted attribute value (`&`, `<`, `>`, `"`,
/// `'`) written as character references.
pub fn escape_into(out: &mut String, text: &str) {
    // A byte loop: the five are ASCII, so every cut falls on a character boundary.
    let mut written = 0;
    for (at, byte) in text.bytes().enumerate() {
        let reference = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[written..at]);
        out.push_str(reference);
        written = at + 1;
    }
    out.push_str(&text[written..]);
}

/// A tag or attribute name the program may write: lower-case ASCII letters, digits and `-`, starting with a letter.
fn is_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        escape_into(&mut out, text);
        out
    }

    #[test]
    fn the_five_special_characters_become_references_and_the_rest_stays() {
        assert_eq!(escaped(r#"a&b<c>d"e'f"#), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
        assert_eq!(escaped("django 4.2.1 · naïve ✓"), "django 4.2.1 · naïve ✓");
        assert_eq!(escaped("&amp;"), "&amp;amp;", "a reference in the input stays text");
        assert_eq!(escaped(""), "");
    }

    #[test]
    fn hostile_text_cannot_open_a_tag_or_leave_its_attribute() {
        let hostile = [
            "<script>alert(1)</script>",
            "\"><img src=x onerror=alert(1)>",
            "' onmouseover='alert(1)",
            "</li><li data-testid=\"finding\">",
            "<!-- comment -->",
            "javascript:alert(1)",
        ];
        for text in hostile {
            let mut markup = Markup::default();
            markup.open("li", &[("data-package", text), ("title", text)]).text(text).close("li");
            let html = markup.into_string();
            // The only tags and quotes are the ones the program wrote.
            assert_eq!(html.matches('<').count(), 2, "{html}");
            assert_eq!(html.matches('>').count(), 2, "{html}");
            assert_eq!(html.matches('"').count(), 4, "{html}");
            assert!(!html.contains('\''), "{html}");
            assert!(html.starts_with("<li data-package=\"") && html.ends_with("</li>"), "{html}");
        }
    }

    #[test]
    fn elements_nest_with_their_attributes_in_order() {
        let mut markup = Markup::with_capacity(64);
        markup.open("tr", &[("class", "row"), ("data-x", "1")]).element("td", &[], "a < b").close("tr");
        assert_eq!(markup.into_string(), r#"<tr class="row" data-x="1"><td>a &lt; b</td></tr>"#);
    }

    #[test]
    fn backticks_become_code_spans_and_an_unpaired_one_stays_text() {
        let mut markup = Markup::default();
        markup.text_with_code("drops `<2.3` and `a`");
        assert_eq!(markup.into_string(), "drops <code>&lt;2.3</code> and <code>a</code>");
        let mut markup = Markup::default();
        markup.text_with_code("it`s");
        assert_eq!(markup.into_string(), "it`s");
    }

    #[test]
    fn names_are_checked_in_debug_builds() {
        assert!(is_name("data-testid") && is_name("td") && is_name("h2"));
        assert!(!is_name("") && !is_name("onclick=\"x\"") && !is_name("Data") && !is_name("-x") && !is_name("a b"));
    }
}
