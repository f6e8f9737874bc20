use super::*;

/// The tree as HTML, every text escaped, to make the tests read like what the page shows.
fn html(nodes: &[Node]) -> String {
    fn escape(text: &str) -> String {
        text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    }
    let mut out = String::new();
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(&escape(text)),
            Node::Code(code) => out.push_str(&format!("<code>{}</code>", escape(code))),
            Node::Break => out.push_str("<br>"),
            Node::Rule => out.push_str("<hr>"),
            Node::Link(href, children) => out.push_str(&format!("<a href=\"{}\">{}</a>", escape(href), html(children))),
            Node::Element(element, children) => {
                let tag = element.tag();
                out.push_str(&format!("<{tag}>{}</{tag}>", html(children)));
            }
        }
    }
    out
}

#[test]
fn common_markdown_becomes_the_listed_elements() {
    let tree = render("# Title\n\nSome *emphasis*, **strong** and `code`.\n\n- one\n- two\n\n```\nx < 1\n```\n");
    assert_eq!(
        html(&tree),
        "<h4>Title</h4><p>Some <em>emphasis</em>, <strong>strong</strong> and <code>code</code>.</p>\
         <ul><li>one</li><li>two</li></ul><pre>x &lt; 1\n</pre>"
    );
}

#[test]
fn raw_html_is_text_never_markup() {
    let tree = render("<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)> there <b>bold</b>\n");
    let rendered = html(&tree);
    assert!(!rendered.contains("<script"), "{rendered}");
    assert!(!rendered.contains("<img"), "{rendered}");
    assert!(!rendered.contains("<b>"), "{rendered}");
    assert!(plain_text(&tree).contains("<script>alert(1)</script>"));
    assert!(plain_text(&tree).contains("<img src=x onerror=alert(1)>"));
}

#[test]
fn only_http_links_survive() {
    let tree = render(
        "[ok](https://example.org/a) [plain](http://example.org) [js](javascript:alert(1)) \
         [data](data:text/html,x) [rel](/relative) [mail](mailto:a@b.c) <https://auto.example/x>",
    );
    assert_eq!(
        html(&tree),
        "<p><a href=\"https://example.org/a\">ok</a> <a href=\"http://example.org\">plain</a> js data rel mail \
         <a href=\"https://auto.example/x\">https://auto.example/x</a></p>"
    );
    assert!(is_web_url("HTTPS://EXAMPLE.ORG"));
    assert!(!is_web_url("https://"));
    assert!(!is_web_url("https://a b"));
}

#[test]
fn images_become_links_or_their_alt_text() {
    let tree = render("![diagram](https://example.org/d.png) ![local](./x.png) ![](javascript:x)");
    assert_eq!(html(&tree), "<p><a href=\"https://example.org/d.png\">diagram</a> local image</p>");
}

#[test]
fn tables_and_strikethrough_render() {
    let tree = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~");
    assert_eq!(
        html(&tree),
        "<table><tr><td>a</td><td>b</td></tr><tr><td>1</td><td>2</td></tr></table><p><del>old</del></p>"
    );
}

#[test]
fn deep_nesting_is_flattened_without_losing_text() {
    let deep = format!("{}deep text", "> ".repeat(5000));
    let tree = render(&deep);
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
    assert!(depth(&tree) <= MAX_DEPTH, "depth {}", depth(&tree));
    assert!(plain_text(&tree).contains("deep text"));
}

#[test]
fn odd_input_never_panics() {
    for input in ["", "\0", "[", "![", "<!--", "```", "| |\n|-|", "* * *", "\u{202e}x", "&#0;", "[a]: <>"] {
        let _ = render(input);
    }
}

#[test]
fn bare_addresses_escapes_and_entities() {
    let tree = render("See https://example.org/a_b(c). Not \\*em\\*, a &amp; b &#x41; &bogus; snake_case_name.");
    assert_eq!(
        html(&tree),
        "<p>See <a href=\"https://example.org/a_b(c)\">https://example.org/a_b(c)</a>. Not *em*, a &amp; b A \
         &amp;bogus; snake_case_name.</p>"
    );
}

#[test]
fn quotes_lists_and_indented_code_are_read() {
    let tree = render(
        "> quoted\n> > deeper\n\n1. first\n2. second\n   continued\n\nplain\n\n    indented code\n\nend  \nbreak",
    );
    assert_eq!(
        html(&tree),
        "<blockquote><p>quoted deeper</p></blockquote><ol><li>first</li><li>second continued</li></ol><p>plain</p>\
         <pre>indented code\n</pre><p>end<br>break</p>"
    );
}

#[test]
fn unclosed_delimiters_stay_text_in_linear_time() {
    let many = "*a _b [c `d ~~e ".repeat(20_000);
    let started = std::time::Instant::now();
    let tree = render(&many);
    eprintln!("{} bytes of unclosed delimiters: {:?}", many.len(), started.elapsed());
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
    assert!(plain_text(&tree).starts_with("*a _b [c "));
}

/// Times `render_step` at its first step and at a step that reads the whole text, on `text`.
fn timed(label: &str, text: &str) -> (Shown, std::time::Duration) {
    let started = std::time::Instant::now();
    let whole = render(text);
    let elapsed = started.elapsed();
    eprintln!("{label}: {} bytes parsed whole in {elapsed:?}", text.len());
    assert!(!whole.is_empty());
    (render_step(text, 0), elapsed)
}

#[test]
fn a_megabyte_of_entities_lists_or_delimiters_parses_in_linear_time() {
    // An `&` with no `;` close by once searched the whole rest of the text (47 s in the page for 1 MB of `&#`);
    // each search is now bounded, so every case takes about as long as reading the text once.
    let megabyte = 1 << 20;
    let cases = [
        ("&#", "&#".repeat(megabyte / 2)),
        ("&é", "&é".repeat(megabyte / 3)),
        ("- a lines", "- a\n".repeat(megabyte / 4)),
        ("1. a lines", "1. a\n".repeat(megabyte / 5)),
        ("*a", "*a".repeat(megabyte / 2)),
        ("[a", "[a".repeat(megabyte / 2)),
        ("`a", "`a".repeat(megabyte / 2)),
        ("<a", "<a".repeat(megabyte / 2)),
        ("**a", "**a".repeat(megabyte / 3)),
        ("url with )", format!("http://a{}", ")".repeat(megabyte))),
        ("urls with control characters", "http://\u{1}".repeat(megabyte / 8)),
        ("> a lines", "> a\n".repeat(megabyte / 4)),
        ("| a | table", format!("| a |\n|---|\n{}", "| a |\n".repeat(megabyte / 6))),
    ];
    // Debug builds are about 20 times slower than the page's optimised wasm: 2 s here is well under 1 s there.
    for (label, text) in cases {
        let (shown, elapsed) = timed(label, &text);
        assert!(elapsed < std::time::Duration::from_secs(2), "{label}: {elapsed:?}");
        assert!(shown.cut, "{label}: a megabyte is more than the first step shows");
    }
}

#[test]
fn the_first_step_draws_a_bounded_tree_and_each_step_more() {
    fn count(nodes: &[Node]) -> usize {
        nodes
            .iter()
            .map(|node| match node {
                Node::Element(_, children) | Node::Link(_, children) => 1 + count(children),
                _ => 1,
            })
            .sum()
    }
    let list = "- a\n".repeat(100_000);
    let first = render_step(&list, 0);
    assert!(first.cut);
    assert!(count(&first.nodes) <= STEP_NODES, "{}", count(&first.nodes));
    let second = render_step(&list, 1);
    assert!(count(&second.nodes) > count(&first.nodes));
    assert!(count(&second.nodes) <= STEP_NODES * 4);
    // Short details are drawn whole, at once.
    let short = render_step("# Title\n\nSome *text*.\n", 0);
    assert_eq!((short.nodes, short.cut), (render("# Title\n\nSome *text*.\n"), false));
    // A text past the byte step is cut at a line's end, never inside a character.
    let prose = format!("{}\n{}", "é".repeat(STEP_BYTES / 2 - 1), "x".repeat(STEP_BYTES));
    let cut = render_step(&prose, 0);
    assert!(cut.cut);
    assert_eq!(plain_text(&cut.nodes), "é".repeat(STEP_BYTES / 2 - 1));
}
