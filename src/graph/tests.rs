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

mod environments_and_parents {
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::rc::Rc;
    use std::str::FromStr;

    use futures::executor::block_on;
    use pep508_rs::pep440_rs::Version;
    use pep508_rs::PackageName;

    use super::fixture;
    use crate::environment::{Platform, TargetEnvironment};
    use crate::graph::environments::other_environments;
    use crate::graph::facts::{answer, GraphFacts, GraphQuestion};
    use crate::graph::parents::{check, Alone};
    use crate::graph::{of_file, project_names};
    use crate::index::{CoreMetadata, DistFile, IndexError, Project, ProjectLookup, Release};
    use crate::resolve::PackageSource;
    use crate::sources::pep508::parse_requirement;
    use crate::sources::{parse_files, InputFile};

    fn target(python: &str, platform: Platform) -> TargetEnvironment {
        TargetEnvironment { python: python.parse().unwrap(), platform }
    }

    fn others(name: &str, text: &str, on: TargetEnvironment) -> Vec<String> {
        let input = parse_files(&[InputFile::new(name, text)]);
        other_environments(&input.files[0], project_names(&input).as_deref(), &on)
            .expect("markers read")
            .into_iter()
            .collect()
    }

    #[test]
    fn markers_on_lock_edges_and_packages_say_what_installs_only_elsewhere() {
        let linux = |python| target(python, Platform::Linux);
        // uv.lock: `exceptiongroup` is required by anyio only below Python 3.11.
        assert_eq!(others("uv.lock", &fixture("uv.lock"), linux("3.15")), ["exceptiongroup 1.2.0"]);
        assert!(others("uv.lock", &fixture("uv.lock"), linux("3.10")).is_empty());
        // poetry.lock: a dependency table's `markers`.
        assert_eq!(others("poetry.lock", &fixture("poetry.lock"), linux("3.15")), ["typing-extensions 4.8.0"]);
        assert!(others("poetry.lock", &fixture("poetry.lock"), linux("3.11")).is_empty());
        // pdm.lock: the marker of a requirement string.
        assert_eq!(others("pdm.lock", &fixture("pdm.lock"), linux("3.15")), ["exceptiongroup 1.2.0"]);
        // pylock.toml: a package's own marker, and what only it requires.
        let pylock = "lock-version = \"1.0\"\ncreated-by = \"hand\"\n\n[[packages]]\nname = \"app-helper\"\nversion = \"1.0\"\n\n\
                      [[packages]]\nname = \"pywin32\"\nversion = \"306\"\nmarker = \"sys_platform == 'win32'\"\n\
                      dependencies = [{ name = \"pywin32-ctypes\" }]\n\n[[packages]]\nname = \"pywin32-ctypes\"\nversion = \"0.2.2\"\n";
        assert_eq!(others("pylock.toml", pylock, linux("3.12")), ["pywin32 306", "pywin32-ctypes 0.2.2"]);
        assert!(others("pylock.toml", pylock, target("3.12", Platform::Windows)).is_empty());
    }

    #[test]
    fn a_uv_lock_fork_is_told_apart_by_version() {
        let lock = r#"version = 1
revision = 2
requires-python = ">=3.9"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "numpy", version = "1.26.4", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version < '3.10'" },
    { name = "numpy", version = "2.1.0", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version >= '3.10'" },
]

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version < '3.10'"]

[[package]]
name = "numpy"
version = "2.1.0"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version >= '3.10'"]
"#;
        assert_eq!(others("uv.lock", lock, target("3.12", Platform::Linux)), ["numpy 1.26.4"]);
        assert_eq!(others("uv.lock", lock, target("3.9", Platform::Linux)), ["numpy 2.1.0"]);
    }

    /// A made-up index: each release a wheel whose metadata requires what is given.
    #[derive(Default)]
    struct Index {
        projects: BTreeMap<String, Project>,
        metadata: BTreeMap<String, Rc<CoreMetadata>>,
        asked: RefCell<Vec<String>>,
    }

    impl Index {
        fn release(mut self, name: &str, version: &str, requires: &[&str]) -> Self {
            let filename = format!("{name}-{version}-py3-none-any.whl");
            let (_, kind) = crate::index::parse_filename(&PackageName::from_str(name).unwrap(), &filename).unwrap();
            let metadata = CoreMetadata {
                name: PackageName::from_str(name).unwrap(),
                version: Version::from_str(version).unwrap(),
                requires_dist: requires.iter().map(|text| parse_requirement(text).unwrap()).collect(),
                requires_python: None,
                provides_extra: Vec::new(),
            };
            self.metadata.insert(filename.clone(), Rc::new(metadata));
            let file = DistFile {
                url: format!("https://files.example/{filename}"),
                filename,
                kind,
                requires_python: None,
                yanked: None,
                uploaded: None,
                core_metadata: true,
                size: None,
            };
            let project = self.projects.entry(name.to_string()).or_insert_with(|| Project {
                name: PackageName::from_str(name).unwrap(),
                releases: Vec::new(),
                unreadable_versions: Vec::new(),
                status: None,
            });
            project.releases.push(Release { version: Version::from_str(version).unwrap(), files: vec![file] });
            crate::sorting::sort_by(&mut project.releases, |a, b| a.version.cmp(&b.version));
            self
        }

        fn metadata_reads(&self) -> usize {
            self.asked.borrow().iter().filter(|line| line.starts_with("metadata")).count()
        }
    }

    impl PackageSource for Index {
        async fn project(&self, name: &PackageName) -> ProjectLookup {
            self.projects.get(name.as_ref()).cloned().map(Rc::new).ok_or(IndexError::NotFound)
        }

        async fn metadata(&self, file: &DistFile) -> Result<Rc<CoreMetadata>, IndexError> {
            self.asked.borrow_mut().push(format!("metadata {}", file.filename));
            self.metadata.get(&file.filename).cloned().ok_or_else(|| IndexError::NoMetadata(file.filename.clone()))
        }
    }

    fn parent_check(
        name: &str,
        text: &str,
        package: &str,
        to: &str,
        index: Option<&Index>,
    ) -> crate::graph::parents::ParentCheck {
        let input = parse_files(&[InputFile::new(name, text)]);
        let graph = of_file(&input.files[0], None).expect("a graph");
        block_on(check(&input.files[0], &graph, package, to, index, &target("3.12", Platform::Linux)))
    }

    #[test]
    fn a_poetry_lock_records_the_parents_requirement_and_the_index_names_the_release_that_allows_a_fix() {
        // fastapi 0.100.0 requires starlette >=0.27.0,<0.28.0 in the lock: 0.40.0 is not allowed.
        let mut index = Index::default().release("starlette", "0.40.0", &[]).release("starlette", "0.41.0", &[]);
        for (version, range) in [
            ("0.101.0", "<0.28"),
            ("0.105.0", "<0.33"),
            ("0.110.0", "<0.37"),
            ("0.112.0", "<0.39"),
            ("0.115.0", ">=0.37,<0.41"),
            ("0.116.0", ">=0.40,<0.48"),
            ("0.117.0", ">=0.40"),
        ] {
            index = index.release("fastapi", version, &[&format!("starlette{range}")]);
        }
        let checked = parent_check("poetry.lock", &fixture("poetry.lock"), "starlette", "0.40.0", Some(&index));
        assert_eq!(checked.alone, Alone::Blocked);
        assert_eq!(checked.parent.as_deref(), Some("fastapi"));
        assert_eq!(checked.parent_to.as_deref(), Some("0.115.0"));
        assert_eq!(
            checked.sentence,
            "starlette 0.40.0 is not allowed by fastapi 0.100.0 (starlette>=0.27.0, <0.28.0); fastapi 0.115.0 allows it"
        );
        assert_eq!(checked.command.as_deref(), Some("poetry update fastapi"));
        assert!(index.metadata_reads() <= crate::graph::parents::MAX_METADATA_READS, "{:?}", index.asked);
        // Without the index the lock still says it is blocked, and which release allows a fix is not known.
        let offline = parent_check("poetry.lock", &fixture("poetry.lock"), "starlette", "0.40.0", None);
        assert_eq!((offline.alone, offline.parent_to), (Alone::Blocked, None));
        assert!(offline
            .sentence
            .ends_with("which release of fastapi allows it is not known: the package index is off"));
    }

    #[test]
    fn a_pdm_lock_requirement_that_allows_the_fix_needs_no_index() {
        let checked = parent_check("pdm.lock", &fixture("pdm.lock"), "anyio", "4.4.0", None::<&Index>);
        assert_eq!(checked.alone, Alone::Allowed, "{}", checked.sentence);
        assert_eq!(
            checked.sentence,
            "anyio 4.4.0 is allowed by starlette 0.27.0 (anyio>=3.4.0, <5): upgrade anyio alone"
        );
        assert_eq!(checked.command.as_deref(), Some("pdm update anyio"));
    }

    #[test]
    fn a_uv_lock_asks_the_index_for_the_parents_metadata_and_never_claims_what_it_does_not_know() {
        let lock = fixture("uv.lock");
        // uv.lock records no requirement of a registry package: without the index the answer is unknown.
        let unknown = parent_check("uv.lock", &lock, "starlette", "0.47.2", None::<&Index>);
        assert_eq!(unknown.alone, Alone::Unknown);
        assert_eq!(unknown.parent, None);
        assert!(
            unknown.sentence.contains("Whether fastapi 0.100.0 allows a fixed starlette is not known"),
            "{}",
            unknown.sentence
        );
        assert_eq!(unknown.command.as_deref(), Some("uv lock --upgrade-package starlette"));
        // With it: fastapi 0.100.0 requires starlette<0.36 (on this target; the Windows-only line does not count).
        let index = Index::default()
            .release("fastapi", "0.100.0", &["starlette<0.36", "starlette<0.20; sys_platform == 'win32'"])
            .release("fastapi", "0.116.0", &["starlette<0.48,>=0.40"])
            .release("starlette", "0.47.2", &[]);
        let blocked = parent_check("uv.lock", &lock, "starlette", "0.47.2", Some(&index));
        assert_eq!(
            blocked.sentence,
            "starlette 0.47.2 is not allowed by fastapi 0.100.0 (starlette<0.36); fastapi 0.116.0 allows it"
        );
        assert_eq!(blocked.command.as_deref(), Some("uv lock --upgrade-package fastapi"));
        // A requirement the index says allows the fix: alone.
        let index = Index::default().release("fastapi", "0.100.0", &["starlette>=0.27"]);
        let allowed = parent_check("uv.lock", &lock, "starlette", "0.47.2", Some(&index));
        assert_eq!(allowed.alone, Alone::Allowed);
        // No release of the parent allows it yet.
        let index = Index::default().release("fastapi", "0.100.0", &["starlette<0.36"]).release(
            "fastapi",
            "0.101.0",
            &["starlette<0.37"],
        );
        let none = parent_check("uv.lock", &lock, "starlette", "0.47.2", Some(&index));
        assert_eq!((none.alone, none.parent_to.as_deref()), (Alone::Blocked, None));
        assert!(none.sentence.ends_with("no release of fastapi allows it yet"));
    }

    #[test]
    fn the_worker_answers_in_lines_the_page_reads() {
        let question = GraphQuestion {
            job: crate::audit::ResolveJob {
                files: vec![InputFile::new("uv.lock", fixture("uv.lock"))],
                target: target("3.15", Platform::Linux),
                as_of: None,
            },
            fixes: vec!["uv.lock\tstarlette\t0.47.2".into()],
        };
        let index = Index::default().release("fastapi", "0.100.0", &["starlette<0.36"]).release(
            "fastapi",
            "0.116.0",
            &["starlette<0.48,>=0.40"],
        );
        let facts: GraphFacts = block_on(answer(&question, Some(&index)));
        assert_eq!(facts.env("uv.lock", "exceptiongroup", "1.2.0"), Some("other"));
        assert_eq!(facts.env("uv.lock", "anyio", "4.0.0"), Some("target"));
        assert_eq!(facts.env("poetry.lock", "anyio", "4.0.0"), None);
        assert_eq!(facts.env("uv.lock", "demo", "0.1.0"), None, "the project itself is not a package it installs");
        let parent = facts.parent("starlette").expect("a parent line");
        assert_eq!((parent.alone, parent.parent, parent.parent_to), ("false", "fastapi", "0.116.0"));
        assert_eq!(parent.command, "uv lock --upgrade-package fastapi");
        assert!(parent.sentence.starts_with("starlette 0.47.2 is not allowed by fastapi 0.100.0 (starlette<0.36)"));
        assert_eq!(facts.parent("fastapi"), None);
    }
}

#[test]
fn env_reads_a_file_s_first_env_line_whatever_else_follows() {
    let facts = crate::graph::facts::GraphFacts::from(vec![
        "parent\tuv.lock\tanyio\ttrue\t\t\t\tsentence".to_string(),
        "env\tuv.lock\t+anyio==4.0.0 -colorama==0.4.6".to_string(),
        "env\tuv.lock\t-anyio==4.0.0".to_string(),
        "env\tpoetry.lock\t-anyio==4.0.0".to_string(),
    ]);
    assert_eq!(facts.env("uv.lock", "anyio", "4.0.0"), Some("target"));
    assert_eq!(facts.env("uv.lock", "colorama", "0.4.6"), Some("other"));
    assert_eq!(facts.env("uv.lock", "colorama", "0.4.5"), None);
    assert_eq!(facts.env("poetry.lock", "anyio", "4.0.0"), Some("other"));
    assert_eq!(facts.env("pdm.lock", "anyio", "4.0.0"), None);
    // Equal lines are equal facts, whether or not they were read yet.
    assert_eq!(facts, crate::graph::facts::GraphFacts::from(facts.lines.clone()));
}
