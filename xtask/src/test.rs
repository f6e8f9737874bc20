//! `cargo xtask test`: everything CI runs, ending with one line CI can read: `xtask test: N passed, M failed`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use osv_lens::osv::database::Database;

use crate::server::{Knobs, Server, Services};
use crate::server_index::{self, Index};
use crate::{build, osv_data, toolchain};

/// Counts of passed and failed checks, where a check is one test or one whole step (fmt, clippy, build).
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    skipped: usize,
    failures: Vec<String>,
}

impl Tally {
    fn step(&mut self, name: &str, result: Result<(), String>) -> bool {
        match result {
            Ok(()) => {
                self.passed += 1;
                true
            }
            Err(message) => {
                eprintln!("xtask: {name} failed: {message}");
                self.failed += 1;
                self.failures.push(name.to_string());
                false
            }
        }
    }
}

/// Builds the site and runs only the browser tests, optionally only the files whose names contain `filter`.
/// For quick iteration; CI runs [`run`].
pub fn run_browser_only(filter: Option<&str>) -> Result<(), String> {
    let dist = build::build_site()?;
    let counts = browser_tests(&dist, filter)?;
    println!("xtask test browser: {} passed, {} failed, {} skipped", counts.passed, counts.failed, counts.skipped);
    if counts.failed == 0 {
        Ok(())
    } else {
        Err(format!("{} failed", counts.failed))
    }
}

/// Runs every check and prints the closing line. Fails when anything failed.
pub fn run() -> Result<(), String> {
    let started = Instant::now();
    let mut tally = Tally::default();
    let root = toolchain::root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());

    section("formatting");
    tally.step(
        "cargo fmt --check",
        toolchain::run(Command::new(&cargo).current_dir(&root).args(["fmt", "--all", "--check"])),
    );

    section("clippy (host)");
    tally.step(
        "clippy (host)",
        toolchain::run(Command::new(&cargo).current_dir(&root).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])),
    );

    section("clippy (wasm32)");
    let wasm = toolchain::wasm_toolchain();
    tally.step(
        "clippy (wasm32)",
        wasm.clone()
            .and_then(|wasm| toolchain::run(toolchain::wasm_cargo(wasm, "clippy").args(["--", "-D", "warnings"]))),
    );

    section("host tests");
    let shared = osv_data::shared_data();
    if !shared.is_dir() {
        println!(
            "xtask: {} is absent; the tests that need it will fail (OSV_LENS_SHARED_DATA names another folder)",
            shared.display()
        );
    }
    match cargo_tests(Command::new(&cargo).current_dir(&root).args(["test", "--workspace"])) {
        Ok(counts) => {
            tally.passed += counts.passed;
            tally.failed += counts.failed;
            tally.skipped += counts.skipped;
            if counts.failed > 0 {
                tally.failures.push(format!("{} host tests", counts.failed));
            }
        }
        Err(message) => {
            tally.step("host tests", Err(message));
        }
    }

    section("wasm build");
    let site = build::build_site();
    let built = tally.step("wasm build", site.as_ref().map(|_| ()).map_err(Clone::clone));

    section("browser tests");
    if built {
        let dist = site.expect("the build succeeded");
        match browser_tests(&dist, None) {
            Ok(counts) => {
                tally.passed += counts.passed;
                tally.failed += counts.failed;
                tally.skipped += counts.skipped;
                if counts.failed > 0 {
                    tally.failures.push(format!("{} browser tests", counts.failed));
                }
            }
            Err(message) => {
                tally.step("browser tests", Err(message));
            }
        }
    } else {
        tally.step("browser tests", Err("not run: the wasm build failed".into()));
    }

    println!();
    if !tally.failures.is_empty() {
        println!("xtask: failed: {}", tally.failures.join(", "));
    }
    println!(
        "xtask test: {} passed, {} failed, {} skipped ({:.0} s)",
        tally.passed,
        tally.failed,
        tally.skipped,
        started.elapsed().as_secs_f64()
    );
    if tally.failed == 0 {
        Ok(())
    } else {
        Err(format!("{} failed", tally.failed))
    }
}

fn section(name: &str) {
    println!("\n=== xtask test: {name}");
}

#[derive(Default, Debug)]
struct Counts {
    passed: usize,
    failed: usize,
    skipped: usize,
}

/// Runs `cargo test`, echoing its output, and adds up its `test result:` lines.
fn cargo_tests(command: &mut Command) -> Result<Counts, String> {
    let mut counts = Counts::default();
    let status = stream_lines(command, |line| {
        if let Some(rest) = line.strip_prefix("test result: ") {
            for part in rest.split(';') {
                let mut words = part.split_whitespace().skip_while(|word| word.parse::<usize>().is_err());
                let (Some(number), Some(label)) = (words.next(), words.next()) else { continue };
                let number: usize = number.parse().unwrap_or(0);
                match label.trim_end_matches(['.', ';']) {
                    "passed" => counts.passed += number,
                    "failed" => counts.failed += number,
                    "ignored" => counts.skipped += number,
                    _ => {}
                }
            }
        }
    })?;
    if !status && counts.failed == 0 {
        return Err("cargo test failed before running tests (see above)".into());
    }
    Ok(counts)
}

/// Runs `command`, echoing every stdout line to our stdout and handing it to `on_line`. Returns whether it succeeded.
fn stream_lines(command: &mut Command, mut on_line: impl FnMut(&str)) -> Result<bool, String> {
    let mut child =
        command.stdout(Stdio::piped()).spawn().map_err(|error| format!("could not start tests: {error}"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|error| error.to_string())?;
        println!("{line}");
        on_line(&line);
    }
    let status = child.wait().map_err(|error| error.to_string())?;
    Ok(status.success())
}

/// Serves the built site and the OSV API (the project's own records, plus the real ones from the shared test data),
/// then runs the Playwright tests in `tests/browser` with Node's test runner. Without the shared test data the API
/// serves the project's records only, and the tests that need the real ones fail, naming the missing path.
fn browser_tests(dist: &Path, filter: Option<&str>) -> Result<Counts, String> {
    let chromium = toolchain::chromium()?;
    let folder = toolchain::node_modules()?;
    // The project's own records always; the real ones beside them when the shared test data is there.
    let mut records = osv_data::load(&toolchain::root().join("tests/fixtures/osv"))?;
    let shared = osv_data::shared_data();
    let real = match osv_data::shared_records() {
        Some(path) => {
            records.extend(osv_data::load(&path)?);
            true
        }
        None => {
            println!("xtask: {} is absent; the browser tests that need it will fail", shared.display());
            false
        }
    };
    println!("xtask: local OSV API with {} records", records.len());
    // The recorded package index (PyPI's JSON simple API), for resolution and index lookups.
    let index = Some(Index::open(&[toolchain::root().join(server_index::FIXTURE_INDEX)])?);
    let services = Services { site: Some(dist.to_path_buf()), database: Some(Database::new(records)), index };
    let server = Server::start_services(0, services, Knobs::default())?;
    let tap = std::env::temp_dir().join(format!("osv-lens-browser-{}.tap", std::process::id()));
    let mut command = Command::new("node");
    command
        .current_dir(&folder)
        .args(["--test", "--test-concurrency=1"])
        .args(["--test-reporter=spec", "--test-reporter-destination=stdout"])
        .arg("--test-reporter=tap")
        .arg(format!("--test-reporter-destination={}", tap.display()))
        .env("OSV_LENS_URL", server.origin())
        .env("OSV_LENS_CHROMIUM", chromium)
        .env("OSV_LENS_REAL_DATA", if real { "1" } else { "0" })
        .env("OSV_LENS_SHARED_DATA", &shared);
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .map_err(|error| error.to_string())?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.mjs") && filter.is_none_or(|filter| name.contains(filter)))
        .collect();
    files.sort();
    command.args(&files);
    let succeeded = stream_lines(&mut command, |_| {})?;
    let report = std::fs::read_to_string(&tap).map_err(|error| format!("no test report: {error}"))?;
    let _ = std::fs::remove_file(&tap);
    let mut counts = Counts::default();
    for line in report.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("#") {
            continue;
        }
        let (Some(label), Some(number)) = (words.next(), words.next().and_then(|word| word.parse::<usize>().ok()))
        else {
            continue;
        };
        match label {
            "pass" => counts.passed = number,
            "fail" => counts.failed = number,
            "skipped" => counts.skipped = number,
            _ => {}
        }
    }
    if !succeeded && counts.failed == 0 {
        return Err("the browser test runner failed (see above)".into());
    }
    Ok(counts)
}
