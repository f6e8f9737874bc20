use super::*;
use crate::sources::{parse_files, InputFile};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/graph/{name}", env!("CARGO_MANIFEST_DIR"))).expect(name)
}

/// The graph of `files` (the first is the one drawn), as `name: via | depth | path` lines.
fn graph_of(files: &[(&str, String)]) -> (Vec<String>, Roots) {
    let input = parse_files(&files.iter().map(|(name, text)| InputFile::new(*name, text.clone())).collect::<Vec<_>>());
    let graph = of_file(&input.files[0], project_names(&input).as_deref()).expect("a graph");
    let lines = graph
        .nodes
        .iter()
        .map(|(name, node)| {
            let depth = node.depth.map_or("-".to_string(), |depth| depth.to_string());
            format!("{name}: {} | {depth} | {}", node.via.join(" "), node.path.join(" "))
        })
        .collect();
    (lines, graph.roots)
}

#[test]
fn uv_lock_edges_come_from_dependencies_extras_and_groups_and_the_project_names_the_roots() {
    let (lines, roots) = graph_of(&[("uv.lock", fixture("uv.lock"))]);
    assert_eq!(roots, Roots::Project);
    assert_eq!(
        lines,
        [
            "anyio: httpx starlette | 1 | httpx anyio",
            "exceptiongroup: anyio | 2 | httpx anyio exceptiongroup",
            "fastapi:  | 0 | fastapi",
            "httpx:  | 0 | httpx",
            "idna: anyio httpx | 1 | httpx idna",
            "pydantic: fastapi | 1 | fastapi pydantic",
            "pytest:  | 0 | pytest",
            "sniffio: anyio | 2 | httpx anyio sniffio",
            "starlette: fastapi | 1 | fastapi starlette",
        ]
    );
}

#[test]
fn poetry_lock_without_a_project_infers_the_roots_and_with_one_takes_them() {
    let (lines, roots) = graph_of(&[("poetry.lock", fixture("poetry.lock"))]);
    assert_eq!(roots, Roots::Inferred);
    assert_eq!(
        lines,
        [
            "anyio: starlette | 2 | fastapi starlette anyio",
            "fastapi:  | 0 | fastapi",
            "idna: anyio | 3 | fastapi starlette anyio idna",
            "pydantic: fastapi | 1 | fastapi pydantic",
            "sniffio: anyio | 3 | fastapi starlette anyio sniffio",
            "starlette: fastapi | 1 | fastapi starlette",
            "typing-extensions: pydantic | 2 | fastapi pydantic typing-extensions",
        ]
    );
    let pyproject = "[project]\nname = \"demo\"\nversion = \"1\"\ndependencies = [\"fastapi\", \"anyio>=4\"]\n";
    let (lines, roots) = graph_of(&[("poetry.lock", fixture("poetry.lock")), ("pyproject.toml", pyproject.into())]);
    assert_eq!(roots, Roots::Project);
    assert_eq!(lines[0], "anyio: starlette | 0 | anyio");
    assert_eq!(lines[2], "idna: anyio | 1 | anyio idna");
}

#[test]
fn pdm_lock_edges_are_read_from_requirement_strings() {
    let (lines, _) = graph_of(&[("pdm.lock", fixture("pdm.lock"))]);
    assert_eq!(
        lines,
        [
            "anyio: starlette | 1 | starlette anyio",
            "exceptiongroup: anyio | 2 | starlette anyio exceptiongroup",
            "idna: anyio | 2 | starlette anyio idna",
            "sniffio: anyio | 2 | starlette anyio sniffio",
            "starlette:  | 0 | starlette",
        ]
    );
}

#[test]
fn pylock_edges_are_read_where_given() {
    let (lines, _) = graph_of(&[("pylock.toml", fixture("pylock.toml"))]);
    assert_eq!(
        lines,
        [
            "anyio: starlette | 1 | starlette anyio",
            "idna: anyio | 2 | starlette anyio idna",
            "sniffio: anyio | 2 | starlette anyio sniffio",
            "starlette:  | 0 | starlette",
        ]
    );
}

#[test]
fn sbom_edges_and_their_subject() {
    let (lines, roots) = graph_of(&[("bom.json", fixture("cyclonedx.json"))]);
    assert_eq!(roots, Roots::Project);
    assert_eq!(
        lines,
        [
            "anyio: starlette | 2 | fastapi starlette anyio",
            "fastapi:  | 0 | fastapi",
            "idna: anyio | 0 | idna",
            "starlette: fastapi | 1 | fastapi starlette",
        ]
    );
    let (lines, roots) = graph_of(&[("sbom.spdx.json", fixture("spdx.json"))]);
    assert_eq!(roots, Roots::Project);
    assert!(lines.contains(&"anyio: starlette | 2 | fastapi starlette anyio".to_string()), "{lines:?}");
    assert!(lines.contains(&"fastapi:  | 0 | fastapi".to_string()), "{lines:?}");
}

#[test]
fn via_comments_as_an_indented_list_and_on_one_line() {
    let (lines, roots) = graph_of(&[("requirements.txt", fixture("requirements-list.txt"))]);
    assert_eq!(roots, Roots::Project);
    assert_eq!(
        lines,
        [
            "anyio: httpx starlette | 1 | httpx anyio",
            "fastapi:  | 0 | fastapi",
            "httpx:  | 0 | httpx",
            "idna: anyio httpx | 1 | httpx idna",
            "starlette: fastapi | 1 | fastapi starlette",
            "uvicorn:  | 0 | uvicorn",
        ]
    );
    // The old pip-compile style: a requirement without a comment is the project's own.
    let (lines, _) = graph_of(&[("requirements.txt", fixture("requirements-line.txt"))]);
    assert_eq!(
        lines,
        [
            "anyio: httpx starlette | 1 | httpx anyio",
            "fastapi:  | 0 | fastapi",
            "httpx:  | 0 | httpx",
            "idna: anyio httpx | 1 | httpx idna",
            "starlette: fastapi | 1 | fastapi starlette",
        ]
    );
}

#[test]
fn the_resolvers_recorded_via_lines_give_the_same_graph_as_its_rows() {
    // uv's own `uv pip compile` output, recorded for the resolver's agreement tests.
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/resolution/ranges/expected.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("recorded output");
    let (lines, _) = graph_of(&[("requirements.txt", text)]);
    assert!(lines.contains(&"markupsafe: flask jinja2 werkzeug | 1 | flask markupsafe".to_string()), "{lines:?}");
    assert!(lines.contains(&"requests:  | 0 | requests".to_string()), "{lines:?}");
    assert!(lines.contains(&"urllib3: requests | 1 | requests urllib3".to_string()), "{lines:?}");
}

#[test]
fn a_peer_uv_lock_names_its_roots_in_its_project_extras() {
    let path = "osv-scalibr/extractor/filesystem/language/python/uvlock/testdata/grouped-packages.lock";
    let shared = std::env::var("OSV_LENS_SHARED_DATA")
        .unwrap_or_else(|_| format!("{}/../shared/data", env!("CARGO_MANIFEST_DIR")));
    let text =
        std::fs::read_to_string(format!("{shared}/fixtures/{path}")).unwrap_or_else(|_| panic!("missing {path}"));
    let input = parse_files(&[InputFile::new("uv.lock", text)]);
    let graph = of_file(&input.files[0], None).expect("a graph");
    assert_eq!(graph.roots, Roots::Project);
    // click is named by the project's `cli` extra and also required by black: direct, with black as its parent.
    let click = graph.node("click").expect("click");
    assert_eq!((click.via.as_slice(), click.depth), (&["black".to_string()][..], Some(0)));
    let colorama = graph.node("colorama").expect("colorama");
    assert_eq!(
        (colorama.via.as_slice(), colorama.path.join(" ").as_str()),
        (&["click".to_string()][..], "click colorama")
    );
    assert!(graph.node("uv-lockfiles").is_none(), "the project is not a node");
}

#[test]
fn formats_without_edges_have_no_graph_and_say_so() {
    let plain = parse_files(&[InputFile::new("requirements.txt", "requests==2.0\n")]);
    assert!(of_file(&plain.files[0], None).is_none());
    let note = note(Format::PipfileLock, None).expect("a sentence");
    assert!(note.contains("records no dependency edges"), "{note}");
    assert_eq!(requirement_name("Sphinx (>=7)").as_deref(), Some("sphinx"));
}
