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
mod offline_agreement;
mod osv_data;
#[cfg(test)]
mod record_plans;
mod server;
mod test;
mod tls_front;
mod toolchain;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  build                      build the release site into dist/
  serve [--port N] [--osv-data PATH] [--latency-ms N] [--page-size N]
                             build, then serve dist/ on http://127.0.0.1:8080; with --osv-data (a directory of
                             OSV JSON records or an OSV all.zip) also serve an OSV API on the same origin
  osv-server --osv-data PATH [--port N] [--latency-ms N] [--page-size N]
                             serve only the local OSV API
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

/// The options of `serve` and `osv-server`.
struct ServeOptions {
    port: u16,
    osv_data: Option<PathBuf>,
    knobs: server::Knobs,
}

fn parse_serve_options(args: &[String]) -> Result<ServeOptions, String> {
    let mut options = ServeOptions { port: 8080, osv_data: None, knobs: server::Knobs::default() };
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
    let server = server::Server::start(options.port, site, database, options.knobs)?;
    if with_site {
        println!("xtask: serving osv-lens on {}/", server.origin());
        if server.has_api() {
            println!("xtask: the page uses the local OSV API at {}/v1/", server.origin());
        } else {
            println!("xtask: the page uses https://api.osv.dev (pass --osv-data PATH to serve a local OSV API)");
        }
    } else {
        println!("xtask: OSV API on {}/v1/", server.origin());
    }
    println!("xtask: press Ctrl+C to stop");
    server.wait();
    Ok(())
}
