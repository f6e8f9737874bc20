//! The audit's pure steps on made-up data, which the page runs while it is idle after loading (see
//! `app::rehearsal`): a tiny example once, then a larger rehearsal.
//!
//! Chromium compiles a wasm function only when it is first called (V8's lazy compilation), on the page's main
//! thread, and optimises it once it has run long enough; otherwise both happen during the first audit. Running
//! these steps while nobody waits does both before it. Nothing here touches the page's state.

use std::rc::Rc;

use crate::audit::plan::read_query_page;
use crate::audit::{AuditEvent, Lookups, PackageKey};
use crate::http::read_json;
use crate::osv::api::{QueryBatchResponse, VulnRef};
use crate::sources::{parse_files, InputFile, ParsedInput};
use crate::{report, triage};

/// A lock of one package, shaped as uv writes it.
const EXAMPLE_LOCK: &str = r#"version = 1
revision = 3
requires-python = ">=3.12"

[[package]]
name = "warm-up-example"
version = "1.0.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "other" }]
sdist = { url = "https://example.invalid/warm_up_example-1.0.0.tar.gz", hash = "sha256:00", size = 1 }
"#;

/// The same package pinned in a requirements file, and one pinned by a range.
const EXAMPLE_REQUIREMENTS: &str =
    "warm-up-example==1.0.0 --hash=sha256:00\nother-example>=2.0; python_version >= '3.9'\n";

/// Querybatch's answer for the package: one advisory.
const EXAMPLE_BATCH: &str = r#"{"results":[{"vulns":[{"id":"OSV-LENS-WARM-UP","modified":"2026-01-01T00:00:00Z"}]}]}"#;

/// `/v1/query`'s answer for the package: the advisory, with what the report reads of a record (ranges, a version
/// list, CVSS v3 and v4 vectors, aliases).
const EXAMPLE_RECORDS: &str = r#"{"vulns":[{
  "id": "OSV-LENS-WARM-UP",
  "modified": "2026-01-01T00:00:00Z",
  "published": "2025-12-01T00:00:00Z",
  "aliases": ["CVE-0000-00000"],
  "summary": "An advisory made up for the page's warm-up",
  "details": "The page audits this example once, **while idle**, so that the browser compiles its code early.",
  "severity": [
    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N"},
    {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N"}
  ],
  "affected": [{
    "package": {"ecosystem": "PyPI", "name": "warm-up-example", "purl": "pkg:pypi/warm-up-example"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}],
    "versions": ["0.9", "1.0.0"],
    "database_specific": {"source": "osv-lens"}
  }],
  "references": [{"type": "ADVISORY", "url": "https://example.invalid/advisory"}]
}]}"#;

/// The tiny example's warm-up in steps, so that input arriving meanwhile waits for one step at most: reading the
/// example's files, reading the API's answers and compiling the record, then the whole audit (its first two steps
/// are compiled by then). Each returns what it found, so that none of it can be left out.
pub const WARM_UP_STEPS: [fn() -> usize; 3] = [parse_example, compile_example, warm_up];

fn example_files() -> ParsedInput {
    parse_files(&[InputFile::new("uv.lock", EXAMPLE_LOCK), InputFile::new("requirements.txt", EXAMPLE_REQUIREMENTS)])
}

fn parse_example() -> usize {
    example_files().files.iter().map(|file| file.dependencies.len()).sum()
}

fn compile_example() -> usize {
    example_lookups().map_or(0, |lookups| lookups.compiled.len())
}

/// What the lookups learn of the example from the API's answers; `None` when an answer could not be read.
fn example_lookups() -> Option<Lookups> {
    let key = PackageKey { name: "warm-up-example".into(), version: "1.0.0".into() };
    let mut lookups = Lookups::default();
    let batch = read_json::<QueryBatchResponse>(EXAMPLE_BATCH.as_bytes()).ok()?;
    let listed = batch.results.into_iter().next().map(|result| result.vulns).unwrap_or_default();
    lookups.apply(&AuditEvent::Queried(vec![(key, Ok(listed))]));
    apply_query_page(&mut lookups, EXAMPLE_RECORDS)?;
    Some(lookups)
}

/// Reads a `/v1/query` answer and gives its records to `lookups`, as an audit does; `None` when it is unreadable.
fn apply_query_page(lookups: &mut Lookups, body: &str) -> Option<()> {
    let (records, _) = read_query_page(body.as_bytes()).ok()?;
    let records = records.into_iter().map(|(record, _json)| (record.id.clone(), Ok(Rc::new(record)))).collect();
    lookups.apply(&AuditEvent::Records(records));
    Some(())
}

/// Audits the built-in example: parses it, reads the API's answers for it, compiles the record and builds the
/// report. Returns the report's findings (two, one per file, unless a step failed), so that none of it can be
/// left out.
pub fn warm_up() -> usize {
    let Some(report) = example_report() else { return 0 };
    let listing = triage::list(&report, &triage::View::default());
    std::hint::black_box(&listing);
    report.summary.findings
}

/// The example's report, with the ignore rules (none) applied; `None` when an answer could not be read.
fn example_report() -> Option<report::Report> {
    let lookups = example_lookups()?;
    let mut report = report::build(&example_files(), &lookups);
    triage::apply(&mut report, &[], "2026-01-01");
    Some(report)
}

/// A larger rehearsal of the audit on made-up packages and records, in steps: enough work that the browser's
/// optimising compiler takes up the audit's hot code (V8 optimises a wasm function once it has run long enough),
/// so that the first real audit does not run on baseline code while that compiler competes for the CPU.
pub struct Rehearsal {
    packages: usize,
    records_per_package: usize,
    done: usize,
    lookups: Lookups,
}

impl Rehearsal {
    /// A rehearsal of `packages` packages with `records_per_package` records each.
    pub fn new(packages: usize, records_per_package: usize) -> Self {
        Self { packages, records_per_package, done: 0, lookups: Lookups::default() }
    }

    /// Reads and compiles the next package's records, as a `/v1/query` answer; `false` once every package is done.
    pub fn step(&mut self) -> bool {
        if self.done >= self.packages {
            return false;
        }
        let package = self.done;
        self.done += 1;
        let ids: Vec<String> =
            (0..self.records_per_package).map(|record| format!("OSV-LENS-REHEARSAL-{package}-{record}")).collect();
        let listed = ids.iter().map(|id| VulnRef { id: id.clone(), modified: "2026-01-01T00:00:00Z".into() }).collect();
        let key = PackageKey { name: rehearsal_name(package), version: "1.4.0".into() };
        self.lookups.apply(&AuditEvent::Queried(vec![(key, Ok(listed))]));
        apply_query_page(&mut self.lookups, &rehearsal_answer(package, &ids));
        true
    }

    /// Reads a lock of the packages and builds the report (the findings list's too); returns what was read and the
    /// report, for the page to draw where nobody sees it.
    pub fn finish(&self) -> (ParsedInput, report::Report) {
        let mut lock = String::from("version = 1\nrevision = 3\nrequires-python = \">=3.12\"\n");
        for package in 0..self.packages {
            lock.push_str(&format!(
                "\n[[package]]\nname = \"{}\"\nversion = \"1.4.0\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n",
                rehearsal_name(package)
            ));
        }
        let parsed = parse_files(&[InputFile::new("uv.lock", lock)]);
        let mut report = report::build(&parsed, &self.lookups);
        triage::apply(&mut report, &[], "2026-01-01");
        std::hint::black_box(triage::list(&report, &triage::View::default()));
        (parsed, report)
    }
}

fn rehearsal_name(package: usize) -> String {
    format!("rehearsal-package-{package}")
}

/// A `/v1/query` answer with a record for each of `ids`, shaped like PyPI's: ranges, a long version list, CVSS
/// vectors of both versions, aliases and references.
fn rehearsal_answer(package: usize, ids: &[String]) -> String {
    let name = rehearsal_name(package);
    let mut versions = Vec::new();
    for minor in 0..12 {
        versions.push(format!("\"1.{minor}\""));
        versions.push(format!("\"1.{minor}.1\""));
        versions.push(format!("\"1.{minor}rc1\""));
        versions.push(format!("\"1.{minor}.post2\""));
    }
    let versions = versions.join(",");
    let records: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(index, id)| {
            let fixed = format!("1.{}.2", 4 + index % 8);
            let impact = ["H", "L", "N"][index % 3];
            format!(
                r#"{{"id":"{id}","modified":"2026-01-01T00:00:00Z","published":"2025-0{month}-01T00:00:00Z",
"aliases":["CVE-0000-{index:05}","GHSA-0000-0000-{index:04}"],"summary":"A made-up advisory number {index} for {name}",
"details":"Made up for the rehearsal.\n\nUpgrade to {fixed} or later.",
"severity":[{{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:{impact}/I:L/A:N"}},
{{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:{impact}/VI:L/VA:N/SC:N/SI:N/SA:N"}}],
"affected":[{{"package":{{"ecosystem":"PyPI","name":"{name}","purl":"pkg:pypi/{name}"}},
"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}},
{{"type":"ECOSYSTEM","events":[{{"introduced":"2.0"}},{{"last_affected":"2.1"}}]}}],
"versions":[{versions}],"database_specific":{{"source":"made up"}}}}],
"references":[{{"type":"ADVISORY","url":"https://example.invalid/{id}"}},{{"type":"WEB","url":"https://example.invalid/{index}"}}]}}"#,
                month = 1 + index % 9,
            )
        })
        .collect();
    format!("{{\"vulns\":[{}]}}", records.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_is_audited_to_a_finding_in_each_file() {
        // Both files pin the package at an affected version; the warm-up must reach the matching and the report.
        assert_eq!(warm_up(), 2);
    }

    #[test]
    fn the_example_reaches_the_severity_and_the_fix_plan() {
        let report = example_report().expect("the example's answers are readable");
        let vulnerable: Vec<_> = report
            .files
            .iter()
            .flat_map(|file| file.dependencies.iter())
            .filter(|dependency| dependency.dependency.name == "warm-up-example")
            .collect();
        assert_eq!(vulnerable.len(), 2);
        for dependency in vulnerable {
            let finding = &dependency.findings[0];
            assert_eq!(finding.severity.scores.len(), 2, "both CVSS vectors are scored");
            assert_eq!(finding.fixed_versions, ["1.0.1"]);
            let plan = dependency.fix.as_ref().expect("a fix plan");
            assert_eq!(plan.target.as_ref().map(ToString::to_string).as_deref(), Some("1.0.1"));
        }
    }

    #[test]
    fn the_example_parses_without_errors() {
        for file in &example_files().files {
            assert!(file.errors.is_empty(), "{}: {:?}", file.name, file.errors);
        }
        assert_eq!(parse_example(), 3);
    }

    #[test]
    fn the_rehearsal_finds_every_made_up_record() {
        let mut rehearsal = Rehearsal::new(5, 4);
        let mut steps = 0;
        while rehearsal.step() {
            steps += 1;
        }
        assert_eq!(steps, 5);
        assert_eq!(rehearsal.lookups.compiled.len(), 20, "every record reads and compiles");
        let (parsed, report) = rehearsal.finish();
        assert_eq!(parsed.files[0].dependencies.len(), 5);
        assert_eq!(report.summary.findings, 20, "1.4.0 is before every fixed version");
        assert_eq!(report.summary.vulnerable, 5);
    }

    #[test]
    fn each_step_finds_what_it_reads() {
        assert_eq!(WARM_UP_STEPS.map(|step| step()), [3, 1, 2]);
    }
}
