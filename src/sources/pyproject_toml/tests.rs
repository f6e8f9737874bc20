use super::*;
use crate::model::DependencyVersion;

fn summary(text: &str) -> Vec<(String, String, u32, Vec<String>)> {
    parse("pyproject.toml", text)
        .dependencies
        .into_iter()
        .map(|dep| {
            let version = match &dep.version {
                DependencyVersion::Skipped(reason) => format!("skipped: {reason}"),
                other => other.to_string(),
            };
            (dep.name, version, dep.origin.line, dep.groups)
        })
        .collect()
}

fn row(name: &str, version: &str, line: u32, groups: &[&str]) -> (String, String, u32, Vec<String>) {
    (name.to_string(), version.to_string(), line, groups.iter().map(|group| group.to_string()).collect())
}

#[test]
fn pep_621_dependencies_and_extras() {
    let text = r#"[project]
name = "demo"
dependencies = [
    "requests==2.32.0",
    "Flask>=3.0.0",
    "numpy",
]

[project.optional-dependencies]
dev = ["pytest>=7.0.0", "black==23.1.0"]
"#;
    assert_eq!(
        summary(text),
        [
            row("requests", "2.32.0", 4, &[]),
            row("flask", ">=3.0.0", 5, &[]),
            row("numpy", "*", 6, &[]),
            row("pytest", ">=7.0.0", 10, &["dev"]),
            row("black", "23.1.0", 10, &["dev"]),
        ]
    );
}

#[test]
fn a_bad_requirement_is_an_error_at_its_place_and_the_rest_is_kept() {
    let text = "[project]\ndependencies = [\n  \"good==1.0\",\n  \"numpy ( ><1.19 )\",\n  3,\n]\n";
    let parsed = parse("pyproject.toml", text);
    assert_eq!(parsed.dependencies.len(), 3);
    assert_eq!(parsed.dependencies[0].version.to_string(), "1.0");
    assert!(matches!(parsed.dependencies[1].version, DependencyVersion::Skipped(SkipReason::InvalidEntry(_))));
    assert_eq!(parsed.errors.len(), 2);
    assert_eq!(parsed.errors[0].line, 4);
    assert!(parsed.errors[0].column > 4, "the caret points into the string: {}", parsed.errors[0]);
    assert_eq!((parsed.errors[1].line, parsed.errors[1].column), (5, 3));
}

#[test]
fn dynamic_dependencies_get_a_note() {
    let parsed = parse("pyproject.toml", "[project]\nname = \"x\"\ndynamic = [\"dependencies\"]\n");
    assert!(parsed.dependencies.is_empty());
    assert_eq!(parsed.notes.len(), 1);
    assert!(parsed.notes[0].message.contains("dynamic"));
}

#[test]
fn dependency_groups_resolve_includes_into_groups() {
    let text = r#"[dependency-groups]
test = ["pytest==8.0"]
lint = ["ruff"]
all = [{include-group = "test"}, {include-group = "Lint"}, "tox"]
"#;
    assert_eq!(
        summary(text),
        [
            row("pytest", "8.0", 2, &["test", "all"]),
            row("ruff", "*", 3, &["lint", "all"]),
            row("tox", "*", 4, &["all"]),
        ]
    );
}

#[test]
fn dependency_group_cycles_and_unknown_groups_are_errors() {
    let text = "[dependency-groups]\na = [{include-group = \"b\"}, \"x\"]\nb = [{include-group = \"a\"}]\nc = [{include-group = \"nope\"}]\n";
    let parsed = parse("pyproject.toml", text);
    assert_eq!(parsed.dependencies.len(), 1);
    assert_eq!(parsed.dependencies[0].groups, ["a", "b"]);
    let messages: Vec<_> = parsed.errors.iter().map(|error| (error.line, error.message.as_str())).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].1.contains("cycle"), "{messages:?}");
    assert_eq!(messages[1].0, 4);
    assert!(messages[1].1.contains("`nope`"), "{messages:?}");
}

#[test]
fn poetry_dependencies_groups_and_sources() {
    let text = r#"[tool.poetry.dependencies]
python = "^3.8"
requests = "^2.31"
flask = { version = "2.3.3", extras = ["async"] }
tomli = [
  { version = "^2", optional = true, python = ">=3.8" },
]
ike = { git = "https://example.com/ike.git", rev = "cd66" }
mine = { path = "../mine", develop = true }

[tool.poetry.group.test.dependencies]
pytest = "~7.4"

[tool.poetry.dev-dependencies]
black = "*"

[tool.poetry.extras]
toml = ["tomli"]
"#;
    assert_eq!(
        summary(text),
        [
            row("requests", ">=2.31, <3.0", 3, &["main"]),
            row("flask", "2.3.3", 4, &["main"]),
            row("tomli", ">=2, <3", 6, &["main", "toml"]),
            row(
                "ike",
                "skipped: version-control URL `git+https://example.com/ike.git@cd66`; not from an index",
                8,
                &["main"]
            ),
            row("mine", "skipped: local path `../mine`; not from an index", 9, &["main"]),
            row("pytest", ">=7.4, <7.5", 12, &["test"]),
            row("black", "*", 15, &["dev"]),
        ]
    );
}

#[test]
fn a_bad_poetry_constraint_is_skipped_with_an_error() {
    let parsed = parse("pyproject.toml", "[tool.poetry.dependencies]\nbad = \"^x\"\ngood = \"1.0\"\n");
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!((parsed.errors[0].line, parsed.errors[0].column), (2, 7));
    assert!(matches!(parsed.dependencies[0].version, DependencyVersion::Skipped(SkipReason::InvalidEntry(_))));
    assert_eq!(parsed.dependencies[1].version.to_string(), "1.0");
}

#[test]
fn a_file_without_dependency_tables_says_so() {
    let parsed = parse("pyproject.toml", "[build-system]\nrequires = [\"hatchling\"]\n");
    assert!(parsed.dependencies.is_empty() && parsed.errors.is_empty());
    assert_eq!(parsed.notes.len(), 1);
}
