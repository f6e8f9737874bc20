//! Every recursive reader that runs in the page holds its depth bound within the page's stack (about 1 MB of wasm
//! stack; here a thread of 1 MiB, in a debug build whose frames are larger than the page's optimised ones). Inputs
//! just under each bound are read; inputs past it are an error naming the file, line and column, and the other
//! files and entries are still read.

use osv_lens::advisory_markdown::{render, render_step};
use osv_lens::osv::Vulnerability;
use osv_lens::share;
use osv_lens::sources::{parse_files, InputFile, ParsedInput};

const PAGE_STACK_BYTES: usize = 1 << 20;

/// A document nested `levels` deep.
type Deep = fn(usize) -> String;

/// Runs `body` on a thread with the page's stack; an overflow aborts the test binary, which fails the test.
fn on_page_stack(body: impl FnOnce() + Send) {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(PAGE_STACK_BYTES)
            .spawn_scoped(scope, body)
            .expect("a thread starts")
            .join()
            .expect("no panic")
    })
}

/// Parses `file` beside a good requirements file (each test runs on the page's stack).
fn parse_beside_a_good_file(file: InputFile) -> ParsedInput {
    parse_files(&[file, InputFile::new("good.txt", "osv-lens-demo==1.3.2\n")])
}

fn nested(open: &str, inner: &str, close: &str, levels: usize) -> String {
    format!("{}{inner}{}", open.repeat(levels), close.repeat(levels))
}

/// Asserts that the deep file was refused with an error at `line` and that the good file was read.
fn assert_refused_at_line(parsed: &ParsedInput, line: u32, label: &str) {
    let deep = &parsed.files[0];
    let error = deep.errors.first().unwrap_or_else(|| panic!("{label}: no error"));
    assert_eq!(error.line, line, "{label}: {error}");
    assert!(error.column >= 1, "{label}");
    assert!(error.to_string().starts_with(&format!("{}:{line}:", deep.name)), "{label}: {error}");
    assert_eq!(parsed.files[1].dependencies.len(), 1, "{label}: the other file is read");
}

#[test]
fn json_documents_at_serde_json_s_bound_are_read_and_past_it_refused_on_the_page_stack() {
    on_page_stack(|| {
        // serde_json refuses nesting past 128. Each JSON format, with its dependency array or component list nested.
        let cases: [(&str, Deep); 5] = [
            ("pip-list.json", |levels: usize| nested("[", "{\"name\": \"a\", \"version\": \"1\"}", "]", levels)),
            ("bom.json", |levels: usize| {
                format!(
                    "{{\"bomFormat\": \"CycloneDX\", \"components\": [{}]}}",
                    // Each component nests two levels: its object and its `components` array.
                    nested("{\"name\": \"a\", \"purl\": \"pkg:pypi/a@1.0\", \"components\": [", "", "]}", levels / 2)
                )
            }),
            ("sbom.spdx.json", |levels: usize| {
                format!("{{\"spdxVersion\": \"SPDX-2.3\", \"packages\": {}}}", nested("[", "", "]", levels))
            }),
            ("Pipfile.lock", |levels: usize| {
                format!("{{\"_meta\": {{}}, \"default\": {}}}", nested("{\"a\": ", "1", "}", levels))
            }),
            ("inspect.json", |levels: usize| format!("{{\"installed\": {}}}", nested("[", "", "]", levels))),
        ];
        for (name, deep) in cases {
            let under = parse_beside_a_good_file(InputFile::new(name, deep(120)));
            assert!(
                under.files[0].errors.iter().all(|error| !error.message.contains("recursion")),
                "{name} at 120 levels: {:?}",
                under.files[0].errors
            );
            let past = parse_beside_a_good_file(InputFile::new(name, deep(200)));
            assert_refused_at_line(&past, 1, name);
            assert!(past.files[0].errors[0].message.contains("recursion limit"), "{name}: {}", past.files[0].errors[0]);
            let huge = parse_beside_a_good_file(InputFile::new(name, deep(100_000)));
            assert_refused_at_line(&huge, 1, name);
        }
    });
}

#[test]
fn toml_documents_at_the_toml_crate_s_bound_are_read_and_past_it_refused_on_the_page_stack() {
    on_page_stack(|| {
        // The toml crate stops at 80 levels.
        let cases: [(&str, Deep); 3] = [
            ("arrays", |levels: usize| {
                format!("[project]\nname = \"x\"\ndependencies = {}\n", nested("[", "\"a\"", "]", levels))
            }),
            ("inline tables", |levels: usize| {
                format!("[project]\nname = \"x\"\nx = {}\n", nested("{b=", "1", "}", levels))
            }),
            ("dotted keys", |levels: usize| format!("[project]\nname = \"x\"\n{} = 1\n", vec!["a"; levels].join("."))),
        ];
        for (label, deep) in cases {
            let under = parse_beside_a_good_file(InputFile::new("pyproject.toml", deep(70)));
            assert!(
                under.files[0].errors.iter().all(|error| !error.message.contains("invalid TOML")),
                "{label} at 70 levels: {:?}",
                under.files[0].errors
            );
            for levels in [200, 100_000] {
                let past = parse_beside_a_good_file(InputFile::new("pyproject.toml", deep(levels)));
                assert_refused_at_line(&past, 3, label);
            }
        }
    });
}

#[test]
fn markers_past_32_levels_are_an_error_on_their_line_on_the_page_stack() {
    on_page_stack(|| {
        let line = |levels: usize| format!("six==1.16.0 ; {}\n", nested("(", "python_version>\"3\"", ")", levels));
        let text = format!("{}{}{}osv-lens-demo==1.3.2\n", line(32), line(33), line(1_200));
        let parsed = parse_files(&[InputFile::new("requirements.txt", text)]);
        let file = &parsed.files[0];
        let lines: Vec<u32> = file.errors.iter().map(|error| error.line).collect();
        assert_eq!(lines, [2, 3], "{:?}", file.errors);
        assert!(file.dependencies[0].is_auditable(), "32 levels are read");
        assert!(file.dependencies[3].is_auditable(), "the line after is read");
    });
}

#[test]
fn advisory_markdown_and_records_and_share_links_stay_within_the_page_stack() {
    on_page_stack(|| {
        for text in [
            "> ".repeat(100_000),
            "*_[".repeat(100_000),
            nested("[", "x", "](https://a)", 100_000),
            "- a\n  - b\n".repeat(100_000),
        ] {
            let _ = render(&text);
            let _ = render_step(&text, 3);
        }
        // An OSV record is JSON too: deep nesting anywhere in it is refused, not recursed into.
        let record =
            format!(r#"{{"id": "X", "modified": "m", "database_specific": {}}}"#, nested("[", "", "]", 100_000));
        assert!(serde_json::from_str::<Vulnerability>(&record).is_err());
        let deep_json = nested("[", "", "]", 100_000);
        let link = share::encode(&share::Shared {
            created: "2026-01-01T00:00:00Z".into(),
            files: vec![share::SharedFile { name: "pip-list.json".into(), text: deep_json }],
            pasted: String::new(),
            settings: Default::default(),
            ignores: Vec::new(),
        });
        let opened = share::decode(&link).expect("the link itself is flat JSON");
        let parsed = parse_files(&[InputFile::new(&opened.files[0].name, opened.files[0].text.as_str())]);
        assert_eq!(parsed.files[0].errors.len(), 1);
    });
}
