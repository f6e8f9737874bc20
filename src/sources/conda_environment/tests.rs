use super::*;
use crate::model::DependencyVersion;

const ENVIRONMENT: &str = "name: demo  # the name\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - conda-forge::numpy>=1.26\n  - pip\n  - pip:\n    - requests==2.31.0  # pinned\n    - \"flask>=2\"\n    - -r requirements.txt\n    - -e ./local\n  - 'zlib'\nprefix: /opt/conda/envs/demo\n";

fn rows(parsed: &ParsedFile) -> Vec<(String, String, u32, u32)> {
    parsed
        .dependencies
        .iter()
        .map(|dep| {
            let version = match &dep.version {
                DependencyVersion::Skipped(reason) => format!("skipped: {reason}"),
                other => other.to_string(),
            };
            (dep.name.clone(), version, dep.origin.line, dep.origin.column)
        })
        .collect()
}

fn row(name: &str, version: &str, line: u32, column: u32) -> (String, String, u32, u32) {
    (name.to_string(), version.to_string(), line, column)
}

#[test]
fn pip_entries_are_audited_and_conda_packages_skipped() {
    let parsed = parse("environment.yml", ENVIRONMENT);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let conda = "skipped: not a PyPI package (conda package)";
    assert_eq!(
        rows(&parsed),
        [
            row("python", conda, 5, 5),
            row("numpy", conda, 6, 5),
            row("pip", conda, 7, 5),
            row("requests", "2.31.0", 9, 7),
            row("flask", ">=2", 10, 7),
            row("./local", "skipped: editable install; not from an index", 12, 7),
            row("zlib", conda, 13, 5),
        ]
    );
    assert_eq!(parsed.dependencies[3].groups, ["pip"]);
    assert_eq!(parsed.notes.len(), 1);
    assert_eq!(parsed.notes[0].origin.line, 11);
}

#[test]
fn unindented_lists_are_read() {
    let parsed = parse("environment.yml", "dependencies:\n- numpy\n- pip:\n  - six==1.16.0\n");
    assert!(parsed.errors.is_empty());
    assert_eq!(rows(&parsed)[1], row("six", "1.16.0", 4, 5));
}

#[test]
fn unsupported_yaml_is_one_error_with_its_place() {
    for (text, line, column) in [
        ("dependencies: [numpy, pip]\n", 1, 15),
        ("dependencies:\n  - numpy\n  - {pip: [a]}\n", 3, 5),
        ("dependencies:\n  - pip: [requests]\n", 2, 5),
        ("dependencies:\n  - numpy\n    continued\n", 3, 5),
        ("dependencies:\n  - numpy\n   - scipy\n", 3, 4),
        ("dependencies:\n\t- numpy\n", 2, 1),
        ("dependencies:\n  - &anchor numpy\n", 2, 5),
        ("dependencies:\n  - channel: x\n", 2, 5),
        ("just text\n", 1, 1),
    ] {
        let parsed = parse("environment.yml", text);
        assert!(parsed.dependencies.is_empty(), "{text:?}");
        assert_eq!(parsed.errors.len(), 1, "{text:?}");
        assert_eq!((parsed.errors[0].line, parsed.errors[0].column), (line, column), "{text:?}: {}", parsed.errors[0]);
    }
}

#[test]
fn a_bad_entry_is_skipped_and_the_others_kept() {
    let parsed =
        parse("environment.yml", "dependencies:\n  - pip:\n    - \"unclosed\n    - bad ( ><1 )\n    - good==1.0\n");
    assert_eq!(parsed.errors.len(), 2);
    let versions: Vec<_> = parsed.dependencies.iter().map(|dep| dep.version.clone()).collect();
    assert!(matches!(versions[0], DependencyVersion::Skipped(SkipReason::InvalidEntry(_))));
    assert!(matches!(versions[1], DependencyVersion::Skipped(SkipReason::InvalidEntry(_))));
    assert_eq!(versions[2].to_string(), "1.0");
    assert_eq!((parsed.errors[1].line, parsed.errors[1].column), (4, 13), "{}", parsed.errors[1]);
}

#[test]
fn comments_quotes_and_documents() {
    assert_eq!(strip_comment("- \"a # b\" # c"), "- \"a # b\" ");
    assert_eq!(strip_comment("- 'it''s # x' # c"), "- 'it''s # x' ");
    assert_eq!(strip_comment("- pkg@https://x/y#egg=pkg"), "- pkg@https://x/y#egg=pkg");
    assert_eq!(unquote("'it''s'").unwrap(), "it's");
    assert_eq!(unquote("\"a\\\"b\"").unwrap(), "a\"b");
    assert!(unquote("\"a\\nb\"").is_err());
    let parsed = parse(
        "environment.yml",
        "---\ndependencies:\n  - pip:\n    - a==1\n---\ndependencies:\n  - pip:\n    - b==2\n",
    );
    assert_eq!(parsed.dependencies.len(), 1);
    assert_eq!(parsed.notes.len(), 1);
}
