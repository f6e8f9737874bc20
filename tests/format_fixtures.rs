//! Our own fixtures under `tests/fixtures/<format>/`, one scenario per file: what each parser reads, and that a
//! paste of each file (under a paste's default name) is detected as its format.

mod common;

use common::{describe_file as describe, own_fixture};
use osv_lens::sources::Format;

fn check(format: Format, folder: &str, file: &str, expected: &[&str]) {
    let (name, text) = own_fixture(folder, file);
    assert_eq!(describe(&format.parse(&name, &text)), expected, "{folder}/{file}");
}

fn check_pasted_detection(format: Format, folder: &str, file: &str) {
    let (_, text) = own_fixture(folder, file);
    assert_eq!(Format::detect("requirements.txt", &text), format, "pasted {folder}/{file}");
}

#[test]
fn poetry_lock() {
    let format = Format::PoetryLock;
    check(format, "poetry-lock", "v1-category.lock", &["jinja2 ==2.11.3 @3:1 [main]", "pytest ==6.2.5 @11:1 [dev]"]);
    check(
        format,
        "poetry-lock",
        "v2-groups.lock",
        &[
            "urllib3 ==1.26.4 @4:1 [main,test]",
            "redis ==5.0.0 @12:1 [main,optional]",
            "broken-version skip(invalid version `not a version`: expected version to start with a number, but no leading ASCII digits were found) @20:1 [main]",
        ],
    );
    check(
        format,
        "poetry-lock",
        "source-kinds.lock",
        &[
            "from-git skip(version-control URL `git+https://example.com/from-git.git@0a1b2c3`; not from an index) @2:1 [main]",
            "from-directory skip(local path `../from-directory`; not from an index) @16:1 [main]",
            "from-url skip(direct URL `https://example.com/from-url-2.0.0.tar.gz`; not from an index) @28:1 [main]",
            "from-private-index ==3.0.0 @40:1 [main]",
        ],
    );
    check(format, "poetry-lock", "invalid-toml.lock", &["! 5:10 invalid TOML: unclosed array table, expected `]]`"]);
    check(
        format,
        "poetry-lock",
        "unsupported-version.lock",
        &["! 6:16 unsupported Poetry lock-version `3.0`; osv-lens reads 1.x and 2.x"],
    );
    for file in ["v1-category.lock", "v2-groups.lock", "source-kinds.lock"] {
        check_pasted_detection(format, "poetry-lock", file);
    }
}

#[test]
fn pipfile_lock() {
    let format = Format::PipfileLock;
    check(
        format,
        "pipfile-lock",
        "default-and-develop.json",
        &[
            "django ==3.2.4 @9:9 [default]",
            "sqlparse ==0.4.1 @14:9 [default]",
            "pytest ==7.0.0 @20:9 [develop]",
            "sphinx ==7.2.6 @26:9 [docs]",
        ],
    );
    check(
        format,
        "pipfile-lock",
        "non-index-sources.json",
        &[
            "from-git skip(version-control URL `git+https://example.com/from-git.git@abc123`; not from an index) @4:9 [default]",
            "from-path skip(local path `./vendor/from-path`; not from an index) @5:9 [default]",
            "self skip(the project's own package) @6:9 [default]",
            "from-file skip(direct URL `https://example.com/from-file-1.0.tar.gz`; not from an index) @7:9 [default]",
            "no-version skip(no version specified) @8:9 [default]",
        ],
    );
    check(format, "pipfile-lock", "invalid-json.json", &["! 5:3 invalid JSON: trailing comma"]);
    for file in ["default-and-develop.json", "non-index-sources.json"] {
        check_pasted_detection(format, "pipfile-lock", file);
    }
}

#[test]
fn pdm_lock() {
    check(
        Format::PdmLock,
        "pdm-lock",
        "groups.lock",
        &[
            "click ==8.1.7 @9:1 [default,lint]",
            "ruff ==0.6.9 @15:1 [lint]",
            "local-lib skip(local path `./libs/local-lib`; not from an index) @21:1 [default]",
        ],
    );
    check_pasted_detection(Format::PdmLock, "pdm-lock", "groups.lock");
}

#[test]
fn uv_lock() {
    check(
        Format::UvLock,
        "uv-lock",
        "project-and-sources.lock",
        &[
            "anyio ==4.6.0 @6:1 []",
            "demo skip(the project's own package) @11:1 []",
            "pytest ==8.3.3 @24:1 [test]",
            "shared-lib skip(local path `../shared-lib`; not from an index) @29:1 []",
            "from-url skip(direct URL `https://example.com/from-url-1.0.0.tar.gz`; not from an index) @34:1 []",
        ],
    );
    check_pasted_detection(Format::UvLock, "uv-lock", "project-and-sources.lock");
}

#[test]
fn pylock() {
    check(
        Format::PyLock,
        "pylock",
        "basic.toml",
        &[
            "werkzeug ==2.0.0 @5:1 []",
            "tool-from-git skip(version-control URL `git+https://example.com/tool.git@c0ffee`; not from an index) @9:1 []",
            "archive-pkg skip(direct URL `https://example.com/archive-pkg-1.0.tar.gz`; not from an index) @13:1 []",
            "no-version skip(no version specified) @17:1 []",
        ],
    );
    check(
        Format::PyLock,
        "pylock",
        "unsupported-version.toml",
        &["! 1:16 unsupported lock-version `2.0`; osv-lens reads version 1.x"],
    );
    check_pasted_detection(Format::PyLock, "pylock", "basic.toml");
}

#[test]
fn pyproject_toml() {
    let format = Format::PyprojectToml;
    check(
        format,
        "pyproject-toml",
        "pep621-and-groups.toml",
        &[
            "django ==3.2.4 @5:5 []",
            "requests >=2.25 @6:5 []",
            "psycopg2-binary ==2.9.1 @10:13 [postgres]",
            "pytest >=7 @13:9 [test,dev]",
            "ruff ==0.6.9 @14:34 [dev]",
        ],
    );
    check(
        format,
        "pyproject-toml",
        "poetry.toml",
        &[
            "flask >=2.0.1, <3.0.0 @7:1 [main]",
            "numpy >=1.21, <1.22 @8:1 [main]",
            "pyyaml ==5.4.1 @9:1 [main]",
            "tomli >=1.1, <3 @10:1 [main,toml]",
            "black * @13:1 [dev]",
            "from-git skip(version-control URL `git+https://example.com/from-git.git@v1`; not from an index) @14:1 [dev]",
        ],
    );
    check(
        format,
        "pyproject-toml",
        "group-cycle.toml",
        &[
            "six ==1.16.0 @2:29 [a,b]",
            "! 3:6 dependency group `b` includes `a`, which includes `b` again: the groups form a cycle",
        ],
    );
    for file in ["pep621-and-groups.toml", "poetry.toml", "group-cycle.toml"] {
        check_pasted_detection(format, "pyproject-toml", file);
    }
}

#[test]
fn pep723_script() {
    check(Format::Pep723Script, "pep723-script", "basic.py", &["requests ==2.25.0 @6:7 []", "rich >=13 @7:7 []"]);
    check(
        Format::Pep723Script,
        "pep723-script",
        "unclosed.py",
        &["! 2:1 the `# /// script` block is not closed by a `# ///` line"],
    );
    check_pasted_detection(Format::Pep723Script, "pep723-script", "basic.py");
}

#[test]
fn conda_environment() {
    let conda = "skip(not a PyPI package (conda package))";
    check(
        Format::CondaEnvironment,
        "conda-environment",
        "basic.yml",
        &[
            &format!("python {conda} @5:5 []"),
            &format!("numpy {conda} @6:5 []"),
            &format!("pip {conda} @7:5 []"),
            "flask ==2.0.0 @9:9 [pip]",
            "urllib3 <2 @10:9 [pip]",
        ],
    );
    check(
        Format::CondaEnvironment,
        "conda-environment",
        "flow-list.yml",
        &["! 2:15 `dependencies` must be a block list (`- name` lines); flow lists and other values are not supported"],
    );
    check_pasted_detection(Format::CondaEnvironment, "conda-environment", "basic.yml");
}

#[test]
fn pip_list_and_inspect() {
    check(
        Format::PipList,
        "pip-list",
        "basic.json",
        &[
            "jinja2 ==2.11.3 @2:4 []",
            "markupsafe ==2.0.1 @3:4 []",
            "demo skip(editable install; not from an index) @4:4 []",
        ],
    );
    check_pasted_detection(Format::PipList, "pip-list", "basic.json");
    check(
        Format::PipInspect,
        "pip-inspect",
        "basic.json",
        &["pyyaml ==5.3.1 @6:47 []", "demo skip(editable install; not from an index) @11:47 []"],
    );
    check_pasted_detection(Format::PipInspect, "pip-inspect", "basic.json");
}

#[test]
fn sboms() {
    check(
        Format::CycloneDx,
        "cyclonedx",
        "basic.json",
        &[
            "pillow ==8.1.0 @7:63 []",
            "zope-interface ==5.4.0 @8:71 []",
            "inner ==1.0 @10:63 []",
            "lodash skip(not a PyPI package (pkg:npm)) @12:65 []",
            "six skip(version-control URL `git+https://example.com/six.git`; not from an index) @13:61 []",
        ],
    );
    check_pasted_detection(Format::CycloneDx, "cyclonedx", "basic.json");
    check(
        Format::Spdx,
        "spdx",
        "basic.json",
        &[
            "lxml ==4.6.2 @12:75 []",
            "demo skip(not a PyPI package (no package URL (purl) names its ecosystem)) @15:40 []",
        ],
    );
    check_pasted_detection(Format::Spdx, "spdx", "basic.json");
}
