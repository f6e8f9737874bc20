//! `cargo xtask fuzz --seconds N [TARGET…]`: runs the libFuzzer targets in `fuzz/` one after another, each for N
//! seconds, seeded from the project's fixtures and (when present) `../shared/data`. Seeds are copied at run time into
//! `fuzz/seeds/`, which is not committed. Any crash or hang fails the command and names the artifact to turn into a
//! regression test.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::toolchain;

/// Runs the fuzz targets.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut seconds = 60;
    let mut only = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds =
                    args.next().and_then(|value| value.parse().ok()).ok_or("`--seconds` takes a number of seconds")?;
            }
            target if !target.starts_with('-') => only.push(target.to_string()),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    let root = toolchain::root();
    let fuzz = root.join("fuzz");
    let mut targets = list_targets(&fuzz)?;
    if !only.is_empty() {
        targets.retain(|target| only.contains(target));
        if targets.is_empty() {
            return Err(format!("no fuzz target named {}", only.join(", ")));
        }
    }
    let cargo_fuzz = ensure_cargo_fuzz()?;
    let toolchain = fuzz_toolchain();
    prepare_seeds(&root, &fuzz, &targets)?;

    let mut results = Vec::new();
    for target in &targets {
        println!("\n=== xtask fuzz: {target} for {seconds} s");
        let corpus = fuzz.join("corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|error| error.to_string())?;
        let mut command = match &toolchain {
            Some(toolchain) => {
                let mut command = Command::new("rustup");
                command.args(["run", toolchain, "cargo"]);
                command
            }
            None => {
                let mut command = Command::new(&cargo_fuzz);
                command.env("RUSTC_BOOTSTRAP", "1");
                command
            }
        };
        command
            .env_remove("CARGO")
            .env_remove("RUSTUP_TOOLCHAIN")
            .current_dir(&fuzz)
            .args(["fuzz", "run", target])
            .arg(&corpus)
            .arg(fuzz.join("seeds").join(target))
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            // An input that takes longer than this counts as a hang, which is a failure like a crash.
            .arg("-timeout=10")
            .arg("-rss_limit_mb=2048")
            .arg("-print_final_stats=1")
            .stderr(Stdio::piped());
        let output = command.output().map_err(|error| format!("could not start cargo fuzz: {error}"))?;
        let log = String::from_utf8_lossy(&output.stderr);
        let runs = log
            .lines()
            .find_map(|line| line.strip_prefix("stat::number_of_executed_units:"))
            .map(|value| value.trim().to_string())
            .unwrap_or_else(|| "?".into());
        let coverage = log
            .lines()
            .rev()
            .find_map(|line| line.split_whitespace().skip_while(|word| *word != "cov:").nth(1))
            .unwrap_or("?")
            .to_string();
        if output.status.success() {
            println!("xtask fuzz: {target}: {runs} runs, coverage {coverage}, no crash");
            results.push((target.clone(), runs, coverage, None));
        } else {
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
            let artifact = log
                .lines()
                .find_map(|line| line.split("Test unit written to ").nth(1))
                .map(str::to_string)
                .unwrap_or_else(|| "see the log above".into());
            results.push((target.clone(), runs, coverage, Some(artifact)));
        }
    }

    println!("\n| target | runs | coverage | result |\n|---|---|---|---|");
    for (target, runs, coverage, failure) in &results {
        let result = failure.as_ref().map_or("no crash".to_string(), |artifact| format!("CRASH: {artifact}"));
        println!("| {target} | {runs} | {coverage} | {result} |");
    }
    let failed = results.iter().filter(|result| result.3.is_some()).count();
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} fuzz targets found crashes"))
    }
}

fn list_targets(fuzz: &Path) -> Result<Vec<String>, String> {
    let mut targets: Vec<String> = std::fs::read_dir(fuzz.join("fuzz_targets"))
        .map_err(|error| format!("reading fuzz/fuzz_targets: {error}"))?
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_string_lossy().strip_suffix(".rs").map(str::to_string))
        .collect();
    targets.sort();
    Ok(targets)
}

/// cargo-fuzz, installed when missing.
fn ensure_cargo_fuzz() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if Command::new(&cargo).args(["fuzz", "--version"]).output().is_ok_and(|output| output.status.success()) {
        return Ok(PathBuf::from(cargo));
    }
    println!("xtask: installing cargo-fuzz (cargo install, about 2 minutes)");
    toolchain::run(Command::new(&cargo).args(["install", "cargo-fuzz"]))?;
    Ok(PathBuf::from(cargo))
}

/// rustup's nightly when it is installed; otherwise `None`, and the stable compiler runs with `RUSTC_BOOTSTRAP=1`
/// for the sanitizer flags cargo-fuzz passes.
fn fuzz_toolchain() -> Option<String> {
    let installed = Command::new("rustup").args(["toolchain", "list"]).output().ok()?;
    String::from_utf8_lossy(&installed.stdout).lines().any(|line| line.starts_with("nightly")).then(|| "nightly".into())
}

/// Fills `fuzz/seeds/<target>/` with small files: the project's fixtures and the peer fixtures for the parsers, and
/// real OSV records for the record target.
fn prepare_seeds(root: &Path, fuzz: &Path, targets: &[String]) -> Result<(), String> {
    let mut documents = Vec::new();
    collect(&root.join("tests/fixtures"), &mut documents);
    collect(&root.join("../shared/data/fixtures"), &mut documents);
    let mut records = Vec::new();
    collect(&root.join("tests/fixtures/osv"), &mut records);
    let mut real: Vec<PathBuf> = Vec::new();
    collect(&root.join("../shared/data/osv-pypi/records"), &mut real);
    // Every 20th real record: a spread of shapes without thousands of near-duplicates.
    records.extend(real.into_iter().step_by(20));
    for target in targets {
        let folder = fuzz.join("seeds").join(target);
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).map_err(|error| error.to_string())?;
        if target == "offline_archive" {
            write_archive_seeds(&folder, &records)?;
            continue;
        }
        // Inputs nested past every reader's bound: what overflowed the page's stack once, and its cousins.
        for (name, text) in deep_seeds(target) {
            std::fs::write(folder.join(name), text).map_err(|error| error.to_string())?;
        }
        let mut markdown = Vec::new();
        collect(&root.join("docs"), &mut markdown);
        markdown.push(root.join("README.md"));
        let seeds = match target.as_str() {
            "osv_record" => &records,
            "advisory_markdown" => &markdown,
            _ => &documents,
        };
        for (index, path) in seeds.iter().enumerate() {
            let small = std::fs::metadata(path).is_ok_and(|meta| meta.len() <= 64 * 1024);
            if small {
                let name = format!("{index:05}-{}", path.file_name().unwrap_or_default().to_string_lossy());
                std::fs::copy(path, folder.join(name)).map_err(|error| error.to_string())?;
            }
        }
    }
    Ok(())
}

/// Deeply nested seeds for `target`: PEP 508 markers (in a requirements file and a pyproject.toml), TOML, JSON
/// and Markdown, each just under and well past the reader's bound, so that the fuzzer starts at the edge.
fn deep_seeds(target: &str) -> Vec<(String, String)> {
    let marker = |levels: usize| {
        format!("six==1.16.0 ; {}python_version>\"3\"{}\nrequests==2.0\n", "(".repeat(levels), ")".repeat(levels))
    };
    let json_arrays = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
    let json_objects = |levels: usize| format!("{}1{}", "{\"components\":".repeat(levels), "}".repeat(levels));
    let toml_arrays =
        |levels: usize| format!("[project]\ndependencies = {}\"a\"{}\n", "[".repeat(levels), "]".repeat(levels));
    let toml_tables = |levels: usize| format!("a = {}1{}\n", "{b=".repeat(levels), "}".repeat(levels));
    let mut seeds = Vec::new();
    match target {
        "advisory_markdown" => {
            for (name, text) in [
                ("quotes", "> ".repeat(5_000) + "deep"),
                ("emphasis", "*_".repeat(5_000) + "x"),
                ("links", "[".repeat(5_000) + "x" + &"](https://a)".repeat(5_000)),
                ("entities", "&#".repeat(20_000)),
                ("lists", "- a\n  - b\n    - c\n".repeat(2_000)),
            ] {
                seeds.push((format!("deep-{name}.md"), text));
            }
        }
        "osv_record" | "offline_archive" | "share_link" => {}
        _ => {
            for levels in [32, 33, 1_200] {
                seeds.push((format!("deep-marker-{levels}.txt"), marker(levels)));
                let pyproject = format!(
                    "[project]\nname = \"x\"\ndependencies = [\n  'six==1.16.0 ; {}python_version>\"3\"{}',\n]\n",
                    "(".repeat(levels),
                    ")".repeat(levels)
                );
                seeds.push((format!("deep-marker-{levels}.toml"), pyproject));
            }
            for levels in [79, 81, 5_000] {
                seeds.push((format!("deep-arrays-{levels}.toml"), toml_arrays(levels)));
                seeds.push((format!("deep-tables-{levels}.toml"), toml_tables(levels)));
            }
            for levels in [127, 129, 5_000] {
                seeds.push((format!("deep-arrays-{levels}.json"), json_arrays(levels)));
                seeds.push((format!("deep-components-{levels}.json"), json_objects(levels)));
            }
        }
    }
    seeds
}

/// Small OSV export zips for the archive target: the fixture records in one, stored and deflated, and a few real
/// records per zip.
fn write_archive_seeds(folder: &Path, records: &[PathBuf]) -> Result<(), String> {
    use std::io::Write;
    for (number, group) in records.chunks(4).take(16).enumerate() {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (index, path) in group.iter().enumerate() {
            let method = if index % 2 == 0 { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let text = std::fs::read(path).map_err(|error| error.to_string())?;
            writer.start_file(name, options).map_err(|error| error.to_string())?;
            writer.write_all(&text).map_err(|error| error.to_string())?;
        }
        let bytes = writer.finish().map_err(|error| error.to_string())?.into_inner();
        std::fs::write(folder.join(format!("{number:03}.zip")), bytes).map_err(|error| error.to_string())?;
    }
    Ok(())
}

fn collect(folder: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|entry| entry.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, found);
        } else if path
            .extension()
            .is_none_or(|extension| extension != "bin" || path.to_string_lossy().contains("snapshots"))
        {
            found.push(path);
        }
    }
}
