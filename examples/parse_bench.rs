//! Native parse timings for `cargo xtask bench`: parses each file given, as the page does (`parse_files`, format
//! detection included), several times, and prints one JSON line per file:
//! `{"file": …, "entries": N, "runs_ms": [..]}`.
//!
//! `cargo xtask bench` runs it built with the release profile (`opt-level = "z"`, LTO, one codegen unit: the wasm's
//! settings), so that native and wasm differ in the target only.
//!
//! Usage: `cargo run --release --example parse_bench -- RUNS FILE…`

use std::time::Instant;

use osv_lens::sources::{parse_files, InputFile};

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|runs| runs.parse().ok()).expect("usage: parse_bench RUNS FILE…");
    for path in args {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("reading {path}: {error}"));
        let name = std::path::Path::new(&path).file_name().map(|name| name.to_string_lossy().into_owned());
        let input = [InputFile::new(name.unwrap_or_default(), text)];
        let mut entries = 0;
        let mut runs_ms = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            let parsed = std::hint::black_box(parse_files(std::hint::black_box(&input)));
            runs_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            entries = parsed.dependencies().count();
        }
        let line = serde_json::json!({"file": path, "entries": entries, "runs_ms": runs_ms});
        println!("{line}");
    }
}
