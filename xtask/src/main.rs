//! `cargo xtask`: osv-lens's one entry point for building, serving and testing.
//!
//! Every command does its own set-up on a fresh machine (see `toolchain.rs`) and says what it installs.

mod bench;
mod bench_inputs;
mod build;
mod fuzz;
mod http;
#[cfg(test)]
mod http_client;
#[cfg(test)]
mod index_client_tests;
#[cfg(test)]
mod offline_agreement;
mod osv_data;
#[cfg(test)]
mod record_plans;
mod server;
mod server_index;
#[cfg(test)]
mod server_index_tests;
mod test;
mod tls_front;
mod toolchain;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  build                      build the release site into dist/
  serve [--port N] [--osv-data PATH] [--latency-ms N] [--page-size N] [INDEX OPTIONS]
                             build, then serve dist/ on http://127.0.0.1:8080; with --osv-data (a directory of
                             OSV JSON records or an OSV all.zip) also serve an OSV API on the same origin; and
                             always the recorded package index (tests/fixtures/index) as PyPI's JSON simple API
                             at /simple/<name>/ and /files/<filename>
  osv-server --osv-data PATH [--port N] [--latency-ms N] [--page-size N]
                             serve only the local OSV API
  index-server [--port N] [INDEX OPTIONS]
                             serve only the recorded package index (for uv: --index-url http://127.0.0.1:N/simple)

index options:
  --index DIR                serve this folder of recorded projects instead of tests/fixtures/index (repeatable;
                             a project in several folders has the page of the last)
  --bench-index              lay the full, untrimmed pages of tests/fixtures/bench/index over the index
  --no-index                 serve no package index (serve only)
  --index-latency-ms N       delay every index answer by N ms
  --no-core-metadata         leave `core-metadata` out of the pages, as the registry these machines reach does
  test                       run everything CI runs: fmt, clippy (host and wasm32), host tests, the wasm build
                             and the browser tests
  test browser [FILTER]      build, then run only the browser tests (files whose names contain FILTER)
  bench [--runs N]           measure the page against uv audit and pip-audit on the same work (local OSV API, 40 ms
                             latency), parse speed natively and in wasm, first paint and weight; writes
                             target/bench/results.md
  fuzz [--seconds N] [TARGET…]
                             run the libFuzzer targets in fuzz/ (all, or those named), N seconds each
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") => build::build_site().map(|_| ()),
        Some("serve") => serve(&args[1..], true),
        Some("osv-server") => serve(&args[1..], false),
        Some("index-server") => index_server(&args[1..]),
        Some("test") if args.get(1).map(String::as_str) == Some("browser") => {
            test::run_browser_only(args.get(2).map(String::as_str))
        }
        Some("test") => test::run(),
        Some("bench") => bench::run_bench(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The options of `serve`, `osv-server` and `index-server`.
struct ServeOptions {
    port: u16,
    osv_data: Option<PathBuf>,
    knobs: server::Knobs,
    /// The package index's folders; empty for none.
    index: Vec<PathBuf>,
}

fn parse_serve_options(args: &[String]) -> Result<ServeOptions, String> {
    let root = toolchain::root();
    let mut options = ServeOptions {
        port: 8080,
        osv_data: None,
        knobs: server::Knobs::default(),
        index: vec![root.join(server_index::FIXTURE_INDEX)],
    };
    let mut chosen_index = false;
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = || args.next().cloned().ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--port" => options.port = value()?.parse().map_err(|_| "`--port` takes a number".to_string())?,
            "--osv-data" => options.osv_data = Some(PathBuf::from(value()?)),
            "--latency-ms" => {
                options.knobs.latency_ms = value()?.parse().map_err(|_| "`--latency-ms` takes a number".to_string())?
            }
            "--page-size" => {
                options.knobs.page_size =
                    Some(value()?.parse().map_err(|_| "`--page-size` takes a number".to_string())?)
            }
            "--index" => {
                if !chosen_index {
                    options.index.clear();
                    chosen_index = true;
                }
                options.index.push(PathBuf::from(value()?));
            }
            "--bench-index" => options.index.push(root.join(server_index::BENCH_INDEX)),
            "--no-index" => options.index.clear(),
            "--index-latency-ms" => {
                options.knobs.index_latency_ms =
                    value()?.parse().map_err(|_| "`--index-latency-ms` takes a number".to_string())?
            }
            "--no-core-metadata" => options.knobs.core_metadata = false,
            other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
        }
    }
    Ok(options)
}

fn serve(args: &[String], with_site: bool) -> Result<(), String> {
    let options = parse_serve_options(args)?;
    let site = if with_site { Some(build::build_site()?) } else { None };
    let database = match &options.osv_data {
        Some(path) => {
            let records = osv_data::load(path)?;
            println!("xtask: loaded {} OSV records from {}", records.len(), path.display());
            Some(osv_lens::osv::database::Database::new(records))
        }
        None if with_site => None,
        None => return Err("`osv-server` needs `--osv-data PATH`".into()),
    };
    let index =
        if with_site && !options.index.is_empty() { Some(server_index::Index::open(&options.index)?) } else { None };
    let index_projects = index.as_ref().map(server_index::Index::len);
    let services = server::Services { site, database, index };
    let server = server::Server::start_services(options.port, services, options.knobs)?;
    if with_site {
        println!("xtask: serving osv-lens on {}/", server.origin());
        if server.has_api() {
            println!("xtask: the page uses the local OSV API at {}/v1/", server.origin());
        } else {
            println!("xtask: the page uses https://api.osv.dev (pass --osv-data PATH to serve a local OSV API)");
        }
        if let Some(projects) = index_projects {
            println!("xtask: package index of {projects} recorded projects at {}/simple/", server.origin());
        }
    } else {
        println!("xtask: OSV API on {}/v1/", server.origin());
    }
    println!("xtask: press Ctrl+C to stop");
    server.wait();
    Ok(())
}

fn index_server(args: &[String]) -> Result<(), String> {
    let options = parse_serve_options(args)?;
    if options.osv_data.is_some() || options.index.is_empty() {
        return Err("`index-server` serves only a package index; use `serve` for the OSV API".into());
    }
    let index = server_index::Index::open(&options.index)?;
    let projects = index.len();
    let services = server::Services { index: Some(index), ..server::Services::default() };
    let server = server::Server::start_services(options.port, services, options.knobs)?;
    println!("xtask: package index of {projects} recorded projects at {}/simple/", server.origin());
    println!("xtask: press Ctrl+C to stop");
    server.wait();
    Ok(())
}
