//! `cargo xtask bench`: osv-lens side by side with uv audit and pip-audit on the same work, in one run on this
//! machine, and the page's speed and weight budgets (issue 6; the parse benchmark of issue 3).
//!
//! Set-up, idempotent and announced: a Python venv in `target/bench/venv` with uv and pip-audit at pinned versions
//! from PyPI, brotli, nginx and openssl, Chromium and playwright-core, the release site, the native parse timer, and
//! the generated parse inputs. Then the local OSV API serves `../shared/data/osv-pypi` with 40 ms of latency on every
//! answer, over plain HTTP and through an HTTPS front ([`TlsFront`]), and each measurement runs [`DEFAULT_RUNS`]
//! times. The table goes to stdout and, as Markdown, to `target/bench/results.md`. A missed target is a result, not
//! an error: only a set-up failure (or a tool that cannot run) fails the command.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use osv_lens::osv::database::Database;
use serde_json::Value;

use crate::bench_inputs;
use crate::server::{Knobs, Server, Services};
use crate::server_index::{self, Index};
use crate::tls_front::TlsFront;
use crate::toolchain::{self, run, run_quiet};
use crate::{build, osv_data};

/// uv from PyPI; its `uv audit` is the comparison.
const UV_VERSION: &str = "0.13.9";
/// pip-audit from PyPI.
const PIP_AUDIT_VERSION: &str = "2.10.1";
/// Repetitions of every measurement unless `--runs` says otherwise.
const DEFAULT_RUNS: usize = 5;
/// The injected latency of every API answer: a stand-in for a real round trip.
const LATENCY_MS: u64 = 40;

/// The recorded resolution the bench times in the page and with `uv pip compile`: apache-airflow with six extras,
/// 323 packages (its `case.toml` gives the target and day used below).
const RESOLUTION_CASE: &str = "tests/fixtures/resolution/airflow";
/// Lines in the generated requirements file and packages in the generated uv.lock.
const PARSE_LINES: usize = 10_000;
const PARSE_PACKAGES: usize = 5_000;

/// Runs the benchmark. `args`: `[--runs N]`.
pub fn run_bench(args: &[String]) -> Result<(), String> {
    let runs = match args {
        [] => DEFAULT_RUNS,
        [flag, value] if flag == "--runs" => {
            value.parse().ok().filter(|runs| *runs > 0).ok_or("`--runs` takes a positive number")?
        }
        _ => return Err("usage: cargo xtask bench [--runs N]".into()),
    };
    let root = toolchain::root();
    let out = root.join("target/bench");
    std::fs::create_dir_all(&out).map_err(|error| format!("creating {}: {error}", out.display()))?;

    section("set-up");
    let python = python_tools(&out)?;
    toolchain::ensure_debian_packages("brotli, to weigh the site", &["brotli"])?;
    let chromium = toolchain::chromium()?;
    let node_modules = toolchain::node_modules()?;
    let dist = build::build_site()?;
    let inputs = generate_inputs(&out)?;
    let shared = osv_data::shared_records();
    let all_zip = osv_data::shared_data().join("osv-pypi/all.zip");
    let records = match &shared {
        Some(path) => osv_data::load(path)?,
        None => {
            println!(
                "xtask: NOTICE: ../shared/data/osv-pypi is absent: the audit rows (page, uv audit, pip-audit, offline \
                 database) are skipped; the parse, first-paint and weight rows still run (against the project's own \
                 test records)"
            );
            osv_data::load(&root.join("tests/fixtures/osv"))?
        }
    };
    println!("xtask: local OSV API with {} records, {LATENCY_MS} ms latency on every answer", records.len());
    let knobs = Knobs { latency_ms: LATENCY_MS, ..Knobs::default() };
    // The package index: the recorded one, with the real-size pages of the bench's vulnerable packages laid over it.
    let index = Index::open(&[root.join(server_index::FIXTURE_INDEX), root.join(server_index::BENCH_INDEX)])?;
    let services = Services { site: Some(dist.clone()), database: Some(Database::new(records)), index: Some(index) };
    let server = Server::start_services(0, services, knobs.clone())?;
    // The audits run twice: over plain HTTP/1.1 to the server, and over HTTPS through the front, as api.osv.dev is
    // reached (TLS; HTTP/2 for a client that offers it).
    let front = match &shared {
        Some(_) => match TlsFront::start(server.origin(), &out.join("tls")) {
            Ok(front) => Some(front),
            Err(error) => {
                println!("xtask: NOTICE: no HTTPS front, so the rows over HTTPS are skipped: {error}");
                None
            }
        },
        None => None,
    };
    if let Some(front) = &front {
        println!("xtask: HTTPS front (nginx: TLS, HTTP/2) for the same server at {}", front.origin());
    }

    section("weight");
    let weight = weigh(&dist)?;

    section("parse, native");
    let native = native_parse(runs, &inputs)?;

    section("the page in headless Chromium");
    let fixtures = root.join("tests/fixtures/bench");
    let page_json = out.join("page.json");
    let page_command = |origin: &str, out: &Path| {
        let mut node = Command::new("node");
        node.current_dir(&node_modules)
            .arg(root.join("tests/bench/page.mjs"))
            .env("OSV_LENS_URL", origin)
            .env("OSV_LENS_CHROMIUM", &chromium)
            .env("BENCH_RUNS", runs.to_string())
            .env("BENCH_OUT", out)
            .env("BENCH_LATENCY_MS", LATENCY_MS.to_string());
        node
    };
    let mut node = page_command(server.origin(), &page_json);
    node.env("BENCH_AUDIT_LOCK", if shared.is_some() { fixtures.join("uv.lock") } else { PathBuf::new() })
        .env("BENCH_OFFLINE_DB", if shared.is_some() && all_zip.is_file() { all_zip.clone() } else { PathBuf::new() })
        .env("BENCH_PARSE_REQUIREMENTS", &inputs.requirements)
        .env("BENCH_PARSE_LOCK", &inputs.lock)
        .env("BENCH_INDEX", "1")
        .env("BENCH_RESOLVE_CASE", root.join(RESOLUTION_CASE));
    run(&mut node)?;
    let page = read_json(&page_json)?;
    let page_https = match &front {
        Some(front) => {
            section("the page's audits over HTTPS");
            let page_https_json = out.join("page-https.json");
            let mut node = page_command(front.origin(), &page_https_json);
            node.env("OSV_LENS_CHROMIUM_ARGS", front.chromium_switch())
                .env("NODE_EXTRA_CA_CERTS", front.authority())
                .env("BENCH_ONLY", "audits")
                .env("BENCH_AUDIT_LOCK", fixtures.join("uv.lock"))
                .env("BENCH_INDEX", "1")
                .env("BENCH_RESOLVE_CASE", root.join(RESOLUTION_CASE));
            run(&mut node)?;
            Some(read_json(&page_https_json)?)
        }
        None => None,
    };

    let mut tools = Vec::new();
    let mut compile = None;
    if shared.is_some() {
        let plain = Endpoint { origin: server.origin(), authority: None, protocol: Protocol::Http };
        section("uv audit");
        tools.push(uv_audit(&python, &server, &plain, &fixtures, runs));
        section("uv pip compile");
        compile = Some(uv_pip_compile(&python, &server, runs));
        section("pip-audit");
        tools.push(pip_audit(&python, &server, &plain, &fixtures, runs));
        if let Some(front) = &front {
            let https =
                Endpoint { origin: front.origin(), authority: Some(front.authority()), protocol: Protocol::Https };
            section("uv audit over HTTPS");
            tools.push(uv_audit(&python, &server, &https, &fixtures, runs));
            section("pip-audit over HTTPS");
            tools.push(pip_audit(&python, &server, &https, &fixtures, runs));
        }
    }
    drop(front);

    let context = Context::describe(&python, &page, runs);
    let mut table = table(&page, page_https.as_ref(), &native, &weight, &tools, shared.is_some());
    if let Some(compile) = &compile {
        resolution_rows(&mut table.rows, &page["resolution"], compile, Protocol::Http);
        if let Some(page_https) = &page_https {
            resolution_rows(&mut table.rows, &page_https["resolution"], compile, Protocol::Https);
        }
    }
    let text = render_text(&table);
    let markdown = render_markdown(&context, &table);
    println!("\n{}\n{text}", context.lines.join("\n"));
    let results = out.join("results.md");
    std::fs::write(&results, markdown).map_err(|error| format!("writing {}: {error}", results.display()))?;
    println!("xtask: wrote {}", results.display());
    let failed: Vec<String> = tools.iter().filter_map(|tool| tool.error.clone()).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("a compared tool could not run:\n{}", failed.join("\n")))
    }
}

fn section(name: &str) {
    println!("\n=== xtask bench: {name}");
}

/// The venv's `bin/`, with uv and pip-audit at the pinned versions, installed when missing.
fn python_tools(out: &Path) -> Result<PathBuf, String> {
    let venv = out.join("venv");
    let bin = venv.join("bin");
    if !bin.join("python").exists() {
        println!("xtask: creating a Python venv in {}", venv.display());
        if run(Command::new("python3").args(["-m", "venv"]).arg(&venv)).is_err() {
            // Debian's python3 creates venvs only with python3-venv (ensurepip).
            toolchain::ensure_debian_packages("Python venvs, for uv and pip-audit", &["python3", "python3-venv"])?;
            let _ = std::fs::remove_dir_all(&venv);
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        }
    }
    let has = |tool: &str, version: &str| {
        run_quiet(Command::new(bin.join(tool)).arg("--version")).is_ok_and(|text| text.contains(version))
    };
    if !has("uv", UV_VERSION) || !has("pip-audit", PIP_AUDIT_VERSION) {
        println!(
            "xtask: installing uv {UV_VERSION} and pip-audit {PIP_AUDIT_VERSION} from PyPI into {} (pip install)",
            venv.display()
        );
        run(Command::new(bin.join("python"))
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("uv=={UV_VERSION}"))
            .arg(format!("pip-audit=={PIP_AUDIT_VERSION}")))?;
    }
    for tool in ["uv", "pip-audit"] {
        println!("xtask: {}", run_quiet(Command::new(bin.join(tool)).arg("--version"))?.trim());
    }
    Ok(bin)
}

/// The generated parse inputs.
struct ParseInputs {
    requirements: PathBuf,
    lock: PathBuf,
}

fn generate_inputs(out: &Path) -> Result<ParseInputs, String> {
    let folder = out.join("inputs");
    std::fs::create_dir_all(&folder).map_err(|error| format!("creating {}: {error}", folder.display()))?;
    let fixture = toolchain::root().join("tests/fixtures/bench/uv.lock");
    let fixture =
        std::fs::read_to_string(&fixture).map_err(|error| format!("reading {}: {error}", fixture.display()))?;
    let names = bench_inputs::package_names(&bench_inputs::names_in_uv_lock(&fixture), PARSE_PACKAGES);
    let inputs = ParseInputs { requirements: folder.join("requirements.txt"), lock: folder.join("uv.lock") };
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|error| format!("writing {}: {error}", path.display()))
    };
    write(&inputs.requirements, bench_inputs::requirements_file(&names, PARSE_LINES))?;
    write(&inputs.lock, bench_inputs::uv_lock(&names))?;
    println!(
        "xtask: generated the parse inputs in {} ({PARSE_LINES}-line requirements.txt, {PARSE_PACKAGES}-package uv.lock)",
        folder.display()
    );
    Ok(inputs)
}

/// Brotli (-q 11) sizes of what the page loads: the wasm, the scripts and the stylesheet.
struct Weight {
    files: Vec<(String, u64)>,
}

impl Weight {
    fn total(&self) -> u64 {
        self.files.iter().map(|(_, bytes)| bytes).sum()
    }
}

fn weigh(dist: &Path) -> Result<Weight, String> {
    let mut files = Vec::new();
    for name in ["app_bg.wasm", "app.js", "www/boot.js", "www/style.css"] {
        let output = Command::new("brotli")
            .args(["-q", "11", "-c"])
            .arg(dist.join(name))
            .output()
            .map_err(|error| format!("could not run brotli: {error}"))?;
        if !output.status.success() {
            return Err(format!("brotli {name} failed: {}", String::from_utf8_lossy(&output.stderr)));
        }
        println!("xtask: {name}: {} bytes brotli", output.stdout.len());
        files.push((name.to_string(), output.stdout.len() as u64));
    }
    Ok(Weight { files })
}

/// Native parse times per input: (entries, runs in ms), from `examples/parse_bench.rs` built with the release
/// profile.
struct NativeParse {
    requirements: (u64, Vec<f64>),
    lock: (u64, Vec<f64>),
}

fn native_parse(runs: usize, inputs: &ParseInputs) -> Result<NativeParse, String> {
    let root = toolchain::root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("xtask: building the native parse timer (examples/parse_bench.rs, release profile: the wasm's settings)");
    run(Command::new(&cargo).current_dir(&root).args(["build", "--quiet", "--release", "--example", "parse_bench"]))?;
    let binary = root.join("target/release/examples/parse_bench");
    let output = run_quiet(Command::new(binary).arg(runs.to_string()).arg(&inputs.requirements).arg(&inputs.lock))?;
    let mut lines = output.lines().map(|line| serde_json::from_str::<Value>(line).map_err(|error| error.to_string()));
    let mut next = || -> Result<(u64, Vec<f64>), String> {
        let line = lines.next().ok_or("the parse timer printed too little")??;
        let entries = line["entries"].as_u64().unwrap_or(0);
        let times = numbers(&line["runs_ms"]);
        println!("xtask: native parse of {}: {entries} entries, {}", line["file"], listed(&times));
        Ok((entries, times))
    };
    Ok(NativeParse { requirements: next()?, lock: next()? })
}

/// A compared tool's runs.
struct ToolRuns {
    name: &'static str,
    protocol: Protocol,
    times_ms: Vec<f64>,
    requests: Vec<usize>,
    findings: Option<usize>,
    error: Option<String>,
}

/// How a compared tool reaches the API.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// Plain HTTP/1.1 to the local server.
    Http,
    /// HTTPS through the front (HTTP/2 when the client offers it).
    Https,
}

impl Protocol {
    /// What a row's name adds: nothing for plain HTTP, ` over HTTPS` for the front.
    fn suffix(self) -> &'static str {
        match self {
            Self::Http => "",
            Self::Https => " over HTTPS",
        }
    }
}

/// Where a compared tool sends its requests, and the authority it must trust there.
struct Endpoint<'a> {
    origin: &'a str,
    authority: Option<&'a Path>,
    protocol: Protocol,
}

fn uv_audit(python: &Path, server: &Server, endpoint: &Endpoint, fixtures: &Path, runs: usize) -> ToolRuns {
    let project = std::env::temp_dir().join(format!("osv-lens-bench-uv-{}", std::process::id()));
    let copied = std::fs::create_dir_all(&project).and_then(|()| {
        std::fs::copy(fixtures.join("uv.lock"), project.join("uv.lock"))?;
        std::fs::copy(fixtures.join("pyproject.toml"), project.join("pyproject.toml"))
    });
    let result = match copied {
        Ok(_) => time_tool("uv audit", endpoint.protocol, server, runs, || {
            let mut command = Command::new(python.join("uv"));
            command
                .current_dir(&project)
                .args(["audit", "--frozen", "--no-cache", "--output-format", "json", "--service-url"])
                .arg(endpoint.origin)
                .env("UV_PYTHON_DOWNLOADS", "never");
            if let Some(authority) = endpoint.authority {
                command.env("SSL_CERT_FILE", authority);
            }
            command
        }),
        Err(error) => ToolRuns::failed("uv audit", endpoint.protocol, format!("copying the bench project: {error}")),
    };
    let _ = std::fs::remove_dir_all(&project);
    result
}

fn pip_audit(python: &Path, server: &Server, endpoint: &Endpoint, fixtures: &Path, runs: usize) -> ToolRuns {
    let requirements = fixtures.join("requirements.txt");
    let cache = std::env::temp_dir().join(format!("osv-lens-bench-pip-audit-{}", std::process::id()));
    let result = time_tool("pip-audit", endpoint.protocol, server, runs, || {
        // A fresh cache directory every run: pip-audit caches HTTP answers.
        let _ = std::fs::remove_dir_all(&cache);
        let mut command = Command::new(python.join("pip-audit"));
        command
            .arg("-r")
            .arg(&requirements)
            .args(["--no-deps", "--disable-pip", "-s", "osv", "--progress-spinner", "off", "-f", "json"])
            .arg("--osv-url")
            .arg(format!("{}/v1/query", endpoint.origin))
            .arg("--cache-dir")
            .arg(&cache);
        if let Some(authority) = endpoint.authority {
            command.env("REQUESTS_CA_BUNDLE", authority);
        }
        command
    });
    let _ = std::fs::remove_dir_all(&cache);
    result
}

/// `uv pip compile --no-cache` of the recorded resolution case against the local index, with the bench latency on
/// every index answer: its times and index requests.
struct UvCompile {
    times_ms: Vec<f64>,
    requests: Vec<usize>,
    error: Option<String>,
}

fn uv_pip_compile(python: &Path, server: &Server, runs: usize) -> UvCompile {
    let case = toolchain::root().join(RESOLUTION_CASE);
    let mut result = UvCompile { times_ms: Vec::new(), requests: Vec::new(), error: None };
    for run in 1..=runs {
        server.control(Knobs { index_latency_ms: LATENCY_MS, ..Knobs::default() });
        let started = Instant::now();
        let output = Command::new(python.join("uv"))
            .current_dir(&case)
            .args(["pip", "compile", "--quiet", "--no-cache", "--no-config", "--exclude-newer", "2025-03-01"])
            .args(["--python-version", "3.11", "--python-platform", "linux", "--index-url"])
            .arg(format!("{}/simple", server.origin()))
            .arg("requirements.in")
            .env("UV_PYTHON_DOWNLOADS", "never")
            .output();
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        let requests = server.index_requests().len();
        match output {
            Ok(output) if output.status.success() => {
                let pins = String::from_utf8_lossy(&output.stdout).lines().filter(|line| line.contains("==")).count();
                println!("xtask: uv pip compile {run}/{runs}: {elapsed:.0} ms, {requests} index requests, {pins} pins");
                result.times_ms.push(elapsed);
                result.requests.push(requests);
            }
            Ok(output) => {
                result.error =
                    Some(format!("uv pip compile: {}\n{}", output.status, String::from_utf8_lossy(&output.stderr)));
                break;
            }
            Err(error) => {
                result.error = Some(format!("uv pip compile could not start: {error}"));
                break;
            }
        }
    }
    if let Some(error) = &result.error {
        eprintln!("xtask: {error}");
    }
    result
}

/// The page's resolution of the recorded case beside `uv pip compile --no-cache` on the same index and latency.
fn resolution_rows(rows: &mut Vec<Row>, page: &Value, compile: &UvCompile, protocol: Protocol) {
    let uv = median(&compile.times_ms);
    let label = "resolve apache-airflow with six extras (323 packages), 40 ms per index answer";
    // uv pip compile runs once, over plain HTTP (as many connections as it likes); its row goes with the first.
    let suffix = protocol.suffix();
    match &compile.error {
        _ if protocol == Protocol::Https => {}
        Some(error) => rows.push(Row::new(format!("{label}: uv pip compile"), format!("failed: {error}"))),
        None => rows.push(Row::new(format!("{label}: uv pip compile --no-cache"), timed(&compile.times_ms)).requests(
            format!("index {}", request_counts(&compile.requests.iter().map(|n| *n as f64).collect::<Vec<_>>())),
        )),
    }
    if page.is_null() {
        return;
    }
    let done = field(page, "ms");
    let megabytes = median(&field(page, "index_bytes")).unwrap_or(0.0) / 1e6;
    let ratio = match (median(&done), uv) {
        (Some(page), Some(uv)) if uv > 0.0 => format!(" · {:.2}× uv pip compile", page / uv),
        _ => String::new(),
    };
    let verdict = match (median(&done), uv) {
        (Some(page), Some(uv)) => Verdict::of(page <= 1.5 * uv),
        _ => Verdict::Skipped,
    };
    rows.push(
        Row::new(
            format!("{label}: the page (file chosen → resolution drawn){suffix}"),
            format!("{}{ratio}", timed(&done)),
        )
        .requests(format!("index {} ({megabytes:.2} MB)", request_counts(&field(page, "index_requests"))))
        .target("≤ 1.5× uv pip compile", verdict),
    );
}

impl ToolRuns {
    fn failed(name: &'static str, protocol: Protocol, error: String) -> Self {
        eprintln!("xtask: {name} could not run: {error}");
        Self { name, protocol, times_ms: Vec::new(), requests: Vec::new(), findings: None, error: Some(error) }
    }
}

/// Runs a tool `runs` times against the API with the bench latency; exit status 1 means "vulnerabilities found".
fn time_tool(
    name: &'static str,
    protocol: Protocol,
    server: &Server,
    runs: usize,
    command: impl Fn() -> Command,
) -> ToolRuns {
    let mut result =
        ToolRuns { name, protocol, times_ms: Vec::new(), requests: Vec::new(), findings: None, error: None };
    for run in 1..=runs {
        server.control(Knobs { latency_ms: LATENCY_MS, ..Knobs::default() });
        let started = Instant::now();
        let output = command().output();
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        let output = match output {
            Ok(output) => output,
            Err(error) => return ToolRuns::failed(name, protocol, format!("could not start: {error}")),
        };
        let requests = server.api_requests();
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !matches!(output.status.code(), Some(0 | 1)) || requests.is_empty() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return ToolRuns::failed(
                name,
                protocol,
                format!("{} after {} API requests:\n{stderr}{stdout}", output.status, requests.len()),
            );
        }
        result.findings = count_findings(&stdout);
        println!(
            "xtask: {name} {run}/{runs}{}: {elapsed:.0} ms, {} API requests ({}), {} findings",
            protocol.suffix(),
            requests.len(),
            request_kinds(&requests),
            result.findings.map_or("?".into(), |count| count.to_string())
        );
        result.times_ms.push(elapsed);
        result.requests.push(requests.len());
    }
    result
}

/// `3 POST /v1/querybatch, 120 GET /v1/vulns/`: the kinds of request a tool made.
fn request_kinds(requests: &[(String, String)]) -> String {
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for (method, path) in requests {
        let kind = match path.strip_prefix("/v1/vulns/") {
            Some(_) => format!("{method} /v1/vulns/…"),
            None => format!("{method} {path}"),
        };
        match kinds.iter_mut().find(|(existing, _)| *existing == kind) {
            Some((_, count)) => *count += 1,
            None => kinds.push((kind, 1)),
        }
    }
    kinds.iter().map(|(kind, count)| format!("{count} {kind}")).collect::<Vec<_>>().join(", ")
}

/// The number of (package, vulnerability) findings in a tool's JSON report: pip-audit's `dependencies[].vulns`, or
/// uv's `vulnerabilities` (one entry per package and advisory).
fn count_findings(stdout: &str) -> Option<usize> {
    let report: Value = serde_json::from_str(stdout.trim()).ok()?;
    if let Some(dependencies) = report.get("dependencies").and_then(Value::as_array) {
        return Some(dependencies.iter().filter_map(|dependency| dependency["vulns"].as_array()).map(Vec::len).sum());
    }
    report.get("vulnerabilities").and_then(Value::as_array).map(Vec::len)
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("reading {}: {error}", path.display()))?;
    serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))
}

fn numbers(value: &Value) -> Vec<f64> {
    value.as_array().map(|items| items.iter().filter_map(Value::as_f64).collect()).unwrap_or_default()
}

/// `field` of every object in `value` (an array of runs).
fn field(value: &Value, name: &str) -> Vec<f64> {
    value.as_array().map(|runs| runs.iter().filter_map(|run| run[name].as_f64()).collect()).unwrap_or_default()
}

fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        length if length % 2 == 1 => Some(sorted[middle]),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2.0),
    }
}

fn minimum(values: &[f64]) -> Option<f64> {
    values.iter().copied().min_by(f64::total_cmp)
}

fn listed(times: &[f64]) -> String {
    let shown: Vec<String> = times.iter().map(|ms| format!("{ms:.2}")).collect();
    format!("{} ms", shown.join(", "))
}

/// `1.23 s` or `15.2 ms`.
fn duration(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// `median 1.23 s (min 1.10 s)`.
fn timed(times: &[f64]) -> String {
    match (median(times), minimum(times)) {
        (Some(median), Some(min)) => format!("{} (min {})", duration(median), duration(min)),
        _ => "no runs".into(),
    }
}

/// How a row compares with its target.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pass,
    Fail,
    /// A measurement without a target (or the reference itself).
    Info,
    /// Not measured in this run (the reason is in the value).
    Skipped,
}

impl Verdict {
    fn text(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "FAIL",
            Self::Info => "",
            Self::Skipped => "n/a",
        }
    }

    fn of(passed: bool) -> Self {
        if passed {
            Self::Pass
        } else {
            Self::Fail
        }
    }
}

struct Row {
    name: String,
    value: String,
    requests: String,
    /// The median time, for the ratio columns.
    median_ms: Option<f64>,
    /// What the ratio columns divide by: uv audit's and pip-audit's medians over the same protocol.
    references: References,
    target: String,
    verdict: Verdict,
}

impl Row {
    fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            requests: String::new(),
            median_ms: None,
            references: References::default(),
            target: String::new(),
            verdict: Verdict::Info,
        }
    }

    fn requests(mut self, requests: impl Into<String>) -> Self {
        self.requests = requests.into();
        self
    }

    fn timed(mut self, times: &[f64], references: References) -> Self {
        self.median_ms = median(times);
        self.references = references;
        self
    }

    fn target(mut self, target: impl Into<String>, verdict: Verdict) -> Self {
        self.target = target.into();
        self.verdict = verdict;
        self
    }
}

/// uv audit's and pip-audit's medians, for the ratio columns.
#[derive(Clone, Copy, Default)]
struct References {
    uv_ms: Option<f64>,
    pip_audit_ms: Option<f64>,
}

/// The table's rows.
struct Table {
    rows: Vec<Row>,
}

/// `348` or `348–350`: the request counts of the runs.
fn request_counts(counts: &[f64]) -> String {
    match (minimum(counts), counts.iter().copied().max_by(f64::total_cmp)) {
        (Some(low), Some(high)) if low == high => format!("{low:.0}"),
        (Some(low), Some(high)) => format!("{low:.0}–{high:.0}"),
        _ => String::new(),
    }
}

fn table(
    page: &Value,
    page_https: Option<&Value>,
    native: &NativeParse,
    weight: &Weight,
    tools: &[ToolRuns],
    audited: bool,
) -> Table {
    let mut rows = Vec::new();
    let references = |protocol: Protocol| {
        let median_of = |name: &str| {
            tools
                .iter()
                .find(|tool| tool.name == name && tool.protocol == protocol)
                .and_then(|tool| median(&tool.times_ms))
        };
        References { uv_ms: median_of("uv audit"), pip_audit_ms: median_of("pip-audit") }
    };
    let (plain, https) = (references(Protocol::Http), references(Protocol::Https));
    let skipped = |name: &str, reason: &str| Row::new(name, reason).target("", Verdict::Skipped);
    let absent = "skipped: ../shared/data/osv-pypi is absent";

    // The audits.
    if audited {
        audit_rows(&mut rows, &page["audits"], Protocol::Http, plain);
        let offline = &page["offline"];
        if offline["available"].as_bool() == Some(true) {
            let load = field(&offline["load"], "ms");
            let audit = field(&offline["audit"], "ms");
            // Against uv audit over plain HTTP, its faster run.
            let verdict = match (median(&audit), plain.uv_ms) {
                (Some(page), Some(uv)) => Verdict::of(page <= 0.25 * uv),
                _ => Verdict::Skipped,
            };
            rows.push(Row::new("offline database: load all.zip", timed(&load)).timed(&load, plain));
            rows.push(
                Row::new("offline database: audit", timed(&audit))
                    .requests(request_counts(&field(&offline["audit"], "requests")))
                    .timed(&audit, plain)
                    .target("≤ 0.25× uv audit", verdict),
            );
        } else {
            let reason = "not available in this build";
            rows.push(skipped("offline database: load all.zip", reason));
            rows.push(skipped("offline database: audit", reason).target("≤ 0.25× uv audit", Verdict::Skipped));
        }
        tool_rows(&mut rows, tools, Protocol::Http, plain);
        indexed_rows(&mut rows, &page["indexed"], Protocol::Http, plain);
        match page_https {
            Some(page_https) => {
                audit_rows(&mut rows, &page_https["audits"], Protocol::Https, https);
                tool_rows(&mut rows, tools, Protocol::Https, https);
                indexed_rows(&mut rows, &page_https["indexed"], Protocol::Https, https);
            }
            None => rows.push(
                skipped("page audit, cold, over HTTPS", "skipped: no HTTPS front (see the notice above)")
                    .target("≤ 0.5× uv audit", Verdict::Skipped),
            ),
        }
    } else {
        for name in ["page audit, cold", "page audit, warm", "offline database: audit", "uv audit", "pip-audit"] {
            rows.push(skipped(name, absent));
        }
    }

    // Parsing.
    let parse = &page["parse"];
    let wasm_requirements = numbers(&parse["requirements"]["runs_ms"]);
    let wasm_lock = numbers(&parse["lock"]["runs_ms"]);
    let entries = |count: u64| format!("{count} entries");
    rows.push(Row::new(
        format!("parse {PARSE_LINES}-line requirements.txt, native"),
        format!("{} · {}", timed(&native.requirements.1), entries(native.requirements.0)),
    ));
    let wasm_verdict = median(&wasm_requirements).map_or(Verdict::Skipped, |ms| Verdict::of(ms <= 20.0));
    let first = |input: &str| parse[input]["first_ms"].as_f64().map_or("no run".into(), duration);
    rows.push(
        Row::new(
            format!("parse {PARSE_LINES}-line requirements.txt, wasm (pasted; steady state)"),
            format!(
                "{} · {} runs · {}",
                timed(&wasm_requirements),
                wasm_requirements.len(),
                entries(parse["requirements"]["entries"].as_u64().unwrap_or(0))
            ),
        )
        .target("≤ 20 ms", wasm_verdict),
    );
    rows.push(Row::new(
        format!("parse {PARSE_LINES}-line requirements.txt, wasm, first parse after page load"),
        format!("{} (baseline-compiled wasm)", first("requirements")),
    ));
    rows.push(Row::new(
        format!("parse {PARSE_PACKAGES}-package uv.lock, native"),
        format!("{} · {}", timed(&native.lock.1), entries(native.lock.0)),
    ));
    rows.push(Row::new(
        format!("parse {PARSE_PACKAGES}-package uv.lock, wasm (chosen file; steady state)"),
        format!(
            "{} · first {} · {}",
            timed(&wasm_lock),
            first("lock"),
            entries(parse["lock"]["entries"].as_u64().unwrap_or(0))
        ),
    ));

    // First paint and weight.
    let painted = field(&page["first_paint"], "painted");
    let paint_verdict = median(&painted).map_or(Verdict::Skipped, |ms| Verdict::of(ms <= 500.0));
    let wasm_loaded = median(&field(&page["first_paint"], "wasm_loaded"));
    rows.push(
        Row::new(
            "first usable paint (navigation → Audit button, status idle)",
            format!(
                "{}{}",
                timed(&painted),
                wasm_loaded.map_or(String::new(), |ms| format!(" · wasm downloaded at {}", duration(ms)))
            ),
        )
        .target("≤ 500 ms", paint_verdict),
    );
    for (name, bytes) in &weight.files {
        rows.push(Row::new(format!("weight: {name}"), kilobytes(*bytes)));
    }
    let total = weight.total();
    rows.push(
        Row::new("weight: total (brotli -q 11)", kilobytes(total)).target("≤ 450 KB", Verdict::of(total <= 450 * 1024)),
    );
    Table { rows }
}

/// The page with the real-size package index on (plain HTTP): to `done` and to confirmed fix plans, cold, warm and
/// after a reload, with the index's requests and bytes and the main thread's longest task.
fn indexed_rows(rows: &mut Vec<Row>, indexed: &Value, protocol: Protocol, references: References) {
    if indexed.is_null() {
        return;
    }
    let suffix = protocol.suffix();
    for (kind, label, done_target) in [
        ("cold", "cold", Some(0.5)),
        ("warm", "warm (same page again)", Some(0.2)),
        ("reload", "after a reload", Some(0.3)),
    ] {
        let runs = &indexed[kind];
        let done = field(runs, "ms");
        let fixes = field(runs, "fixes_ms");
        let index_requests = field(runs, "index_requests");
        let not_modified = field(runs, "index_not_modified");
        let megabytes = median(&field(runs, "index_bytes")).unwrap_or(0.0) / 1e6;
        let longest = runs
            .as_array()
            .map(|runs| runs.iter().flat_map(|run| numbers(&run["long_tasks"])).fold(0.0_f64, f64::max))
            .unwrap_or(0.0);
        let verdict = match (median(&done), references.uv_ms, done_target) {
            (Some(page), Some(uv), Some(target)) => Verdict::of(page <= target * uv),
            _ => Verdict::Skipped,
        };
        rows.push(
            Row::new(format!("page audit with the index, {label}{suffix}: to done"), timed(&done))
                .requests(format!(
                    "OSV {}; index {} ({} 304s, {megabytes:.2} MB)",
                    request_counts(&field(runs, "requests")),
                    request_counts(&index_requests),
                    request_counts(&not_modified)
                ))
                .timed(&done, references)
                .target(format!("≤ {}× uv audit", done_target.unwrap_or(1.0)), verdict),
        );
        if kind == "cold" {
            let first = field(runs, "first_finding_ms");
            let verdict = match (median(&first), references.uv_ms) {
                (Some(page), Some(uv)) => Verdict::of(page <= 0.35 * uv),
                _ => Verdict::Skipped,
            };
            rows.push(
                Row::new(
                    format!("page audit with the index, {label}{suffix}: first findings on screen"),
                    timed(&first),
                )
                .timed(&first, references)
                .target("≤ 0.35× uv audit", verdict),
            );
        }
        rows.push(
            Row::new(
                format!("page audit with the index, {label}{suffix}: to fixes confirmed"),
                format!("{} · longest main-thread task {longest:.0} ms", timed(&fixes)),
            )
            .timed(&fixes, references)
            .target("no task over 50 ms", Verdict::of(longest <= 50.0)),
        );
    }
}

/// The page's cold, warm and reloaded audits over `protocol`, compared with the tools over the same.
fn audit_rows(rows: &mut Vec<Row>, audits: &Value, protocol: Protocol, references: References) {
    let last = |kind: &str| audits[kind].as_array().and_then(|runs| runs.last()).cloned().unwrap_or_default();
    let findings = |kind: &str| {
        let last = last(kind);
        format!("{} findings, {} vulnerable, {} unchecked", last["findings"], last["vulnerable"], last["unchecked"])
    };
    // What the browser used, as Resource Timing tells it (`http/1.1`, `h2`).
    let over = |kind: &str| match last(kind)["protocols"].as_str() {
        Some(protocols) if !protocols.is_empty() => format!(" · {protocols}"),
        _ => String::new(),
    };
    let suffix = protocol.suffix();
    let cold = field(&audits["cold"], "ms");
    let cold_verdict = match (median(&cold), references.uv_ms) {
        (Some(page), Some(uv)) => Verdict::of(page <= 0.5 * uv),
        _ => Verdict::Skipped,
    };
    rows.push(
        Row::new(
            format!("page audit, cold (uv.lock, 348 packages; pasted and clicked at a person's pace){suffix}"),
            format!("{} · {}{}", timed(&cold), findings("cold"), over("cold")),
        )
        .requests(request_counts(&field(&audits["cold"], "requests")))
        .timed(&cold, references)
        .target("≤ 0.5× uv audit", cold_verdict),
    );
    let at_once = field(&audits["cold_at_once"], "ms");
    if !at_once.is_empty() {
        rows.push(
            Row::new(
                format!("page audit, cold, pasted and clicked as soon as the page is usable{suffix}"),
                format!("{} · {}{}", timed(&at_once), findings("cold_at_once"), over("cold_at_once")),
            )
            .requests(request_counts(&field(&audits["cold_at_once"], "requests")))
            .timed(&at_once, references),
        );
    }
    let warm = field(&audits["warm"], "ms");
    let warm_requests = field(&audits["warm"], "requests");
    let warm_passes = !warm_requests.is_empty() && warm_requests.iter().all(|count| *count <= 1.0);
    rows.push(
        Row::new(format!("page audit, warm (again in the same page){suffix}"), timed(&warm))
            .requests(request_counts(&warm_requests))
            .timed(&warm, references)
            .target("1 request", Verdict::of(warm_passes)),
    );
    let reload = field(&audits["reload"], "ms");
    rows.push(
        Row::new(format!("page audit after a reload (same context){suffix}"), timed(&reload))
            .requests(request_counts(&field(&audits["reload"], "requests")))
            .timed(&reload, references),
    );
}

/// uv audit's and pip-audit's rows over `protocol`.
fn tool_rows(rows: &mut Vec<Row>, tools: &[ToolRuns], protocol: Protocol, references: References) {
    for tool in tools.iter().filter(|tool| tool.protocol == protocol) {
        let value = match &tool.error {
            Some(_) => "could not run (see above)".to_string(),
            None => format!(
                "{} · {} findings",
                timed(&tool.times_ms),
                tool.findings.map_or("?".into(), |count| count.to_string())
            ),
        };
        let label = match tool.name {
            "uv audit" => format!("uv audit {UV_VERSION} (uv.lock){}", protocol.suffix()),
            _ => format!("pip-audit {PIP_AUDIT_VERSION} (requirements.txt){}", protocol.suffix()),
        };
        let requests: Vec<f64> = tool.requests.iter().map(|count| *count as f64).collect();
        rows.push(Row::new(label, value).requests(request_counts(&requests)).timed(&tool.times_ms, references));
    }
}

fn kilobytes(bytes: u64) -> String {
    format!("{:.1} KB ({bytes} B)", bytes as f64 / 1024.0)
}

fn ratio(value: Option<f64>, reference: Option<f64>) -> String {
    match (value, reference) {
        (Some(value), Some(reference)) if reference > 0.0 => format!("{:.2}×", value / reference),
        _ => String::new(),
    }
}

const HEADER: [&str; 7] =
    ["row", "value (median of the runs, min)", "requests", "× uv audit", "× pip-audit", "target", "result"];

fn cells(table: &Table) -> Vec<[String; 7]> {
    table
        .rows
        .iter()
        .map(|row| {
            [
                row.name.clone(),
                row.value.clone(),
                row.requests.clone(),
                ratio(row.median_ms, row.references.uv_ms),
                ratio(row.median_ms, row.references.pip_audit_ms),
                row.target.clone(),
                row.verdict.text().to_string(),
            ]
        })
        .collect()
}

fn render_text(table: &Table) -> String {
    let rows = cells(table);
    let mut widths = HEADER.map(|title| title.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        padded.join(" | ").trim_end().to_string()
    };
    let mut text = line(&HEADER.map(String::from));
    text.push('\n');
    text.push_str(&widths.iter().map(|width| "-".repeat(*width)).collect::<Vec<_>>().join("-+-"));
    for row in &rows {
        text.push('\n');
        text.push_str(&line(row));
    }
    text
}

fn render_markdown(context: &Context, table: &Table) -> String {
    let mut text = String::from("## Benchmarks\n\n");
    for line in &context.lines {
        let _ = writeln!(text, "{line}  ");
    }
    text.push('\n');
    let _ = writeln!(text, "| {} |", HEADER.join(" | "));
    let _ = writeln!(text, "|{}", "---|".repeat(HEADER.len()));
    for row in cells(table) {
        let escaped: Vec<String> = row.iter().map(|cell| cell.replace('|', "\\|")).collect();
        let _ = writeln!(text, "| {} |", escaped.join(" | "));
    }
    text
}

/// The lines above the table: when, where and how it was measured.
struct Context {
    lines: Vec<String>,
}

impl Context {
    fn describe(python: &Path, page: &Value, runs: usize) -> Self {
        let date = run_quiet(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"])).unwrap_or_default();
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines().find_map(|line| {
                    line.strip_prefix("model name").map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
                })
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let cores = std::thread::available_parallelism().map_or(0, usize::from);
        let version = |tool: &str| run_quiet(Command::new(python.join(tool)).arg("--version")).unwrap_or_default();
        Self {
            lines: vec![
                format!("Measured by `cargo xtask bench` on {}: {cpu}, {cores} cores.", date.trim()),
                format!(
                    "{runs} runs of each row; the local OSV API (../shared/data/osv-pypi) answers after {LATENCY_MS} ms. \
                     Chromium {} headless; {}; {}.",
                    page["chromium"].as_str().unwrap_or("?"),
                    version("uv").trim(),
                    version("pip-audit").trim()
                ),
                "The page audits with PyPI release lists switched off (`?pypi=off`), as the other tools fetch none. \
                 Native parse: release profile (the wasm's settings). KB = 1024 bytes."
                    .to_string(),
                "The audits run twice: over plain HTTP/1.1 to the local server (Chromium opens 6 connections to it), and \
                 over HTTPS through nginx in front of the same server (TLS, HTTP/2 for a client that offers it), as \
                 api.osv.dev is reached. Each ratio compares with uv audit and pip-audit over the same protocol; the \
                 offline audit's, with uv audit over plain HTTP (its faster run)."
                    .to_string(),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_counted_in_both_tools_reports() {
        let pip_audit = r#"{"dependencies": [{"name": "a", "version": "1", "vulns": [{"id": "X-1"}, {"id": "X-2"}]},
            {"name": "b", "version": "2", "vulns": []}, {"name": "c", "skip_reason": "not on PyPI"}], "fixes": []}"#;
        assert_eq!(count_findings(pip_audit), Some(2));
        let uv = r#"{"summary": {"vulnerabilities": 3}, "vulnerabilities": [
            {"dependency": {"name": "a", "version": "1"}, "id": "X-1"},
            {"dependency": {"name": "a", "version": "1"}, "id": "X-2"},
            {"dependency": {"name": "b", "version": "2"}, "id": "X-1"}]}"#;
        assert_eq!(count_findings(uv), Some(3));
        assert_eq!(count_findings("not json"), None);
    }

    #[test]
    fn medians_and_request_ranges() {
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(request_counts(&[402.0, 402.0]), "402");
        assert_eq!(request_counts(&[1.0, 3.0, 2.0]), "1–3");
    }
}
