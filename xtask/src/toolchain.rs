//! Set-up: finds or installs what each command needs, idempotently, and says what it installs.
//!
//! On a machine whose rustup has the `wasm32-unknown-unknown` target, the wasm build uses it. Otherwise it falls back
//! to the recipe proven on machines without that target: Debian's `rustc-web` with the standard library's sources,
//! building std itself (`build-std`) and linking with `wasm-ld-22`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The wasm target triple.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The repository's root.
pub fn root() -> PathBuf {
    // `cargo run` names the manifest of the checkout it runs from; the path compiled in is the fallback. A binary
    // built in one checkout and copied with its target folder to another must not work on the first.
    let manifest =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest.parent().expect("xtask lives in the repository").to_path_buf()
}

/// How to build for wasm32 on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmToolchain {
    /// rustup's own wasm32 target.
    Rustup,
    /// Debian's rustc-web, building std from source.
    DebianBuildStd,
}

/// Finds the wasm toolchain, installing Debian's packages when rustup has no wasm32 target.
pub fn wasm_toolchain() -> Result<WasmToolchain, String> {
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    if installed.is_ok_and(|output| String::from_utf8_lossy(&output.stdout).lines().any(|line| line == WASM_TARGET)) {
        return Ok(WasmToolchain::Rustup);
    }
    ensure_debian_packages(
        "the wasm32 toolchain (rustup has no wasm32 target here)",
        &["rustc-web", "cargo-web", "rust-web-src", "rust-web-clippy", "lld-22"],
    )?;
    Ok(WasmToolchain::DebianBuildStd)
}

/// A `cargo` command that builds for wasm32 with `toolchain`. The build-std variables are set for this process only:
/// in the environment of a host build they would break it.
pub fn wasm_cargo(toolchain: WasmToolchain, subcommand: &str) -> Command {
    let mut command;
    match toolchain {
        WasmToolchain::Rustup => {
            command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        }
        WasmToolchain::DebianBuildStd => {
            command = Command::new("/usr/bin/cargo");
            let path = std::env::var("PATH").unwrap_or_default();
            command
                .env("PATH", format!("/usr/bin:{path}"))
                .env("RUSTC", "/usr/bin/rustc")
                .env("RUSTDOC", "/usr/bin/rustdoc")
                .env("RUSTC_BOOTSTRAP", "1")
                .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
                // With the standard library built here, a panic can abort at once, without the code that formats
                // its message and location: 23.6 KB of brotli off the page (a panic was already fatal with
                // `panic = "abort"`; it now shows as `unreachable` in the console, without its message).
                .env(
                    "RUSTFLAGS",
                    "-Zlocation-detail=none -Zunstable-options -Cpanic=immediate-abort --cfg osv_lens_immediate_abort",
                )
                .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", "wasm-ld-22")
                .env_remove("RUSTC_WRAPPER")
                .env_remove("RUSTUP_TOOLCHAIN")
                .env_remove("CARGO");
        }
    }
    command
        .current_dir(root())
        .arg(subcommand)
        .args(["--release", "--target", WASM_TARGET, "--package", "osv-lens"])
        // A target folder of its own: the wasm build may use another rustc than the host build.
        .args(["--target-dir", &root().join("target/wasm").to_string_lossy()]);
    command
}

/// Installs Debian packages that are missing, when this process may (root with apt-get); otherwise says what to
/// install.
pub fn ensure_debian_packages(purpose: &str, packages: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = packages.iter().copied().filter(|package| !debian_package_installed(package)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    let is_root = Command::new("id").arg("-u").output().is_ok_and(|output| output.stdout.starts_with(b"0"));
    if !is_root || !Path::new("/usr/bin/apt-get").exists() {
        return Err(format!(
            "{purpose} needs these packages: {list}\nhint: install them with `sudo apt-get install {list}`"
        ));
    }
    println!("xtask: installing {purpose}: apt-get install {list}");
    // The package lists may be stale or empty on a fresh machine; an update failure is not fatal by itself.
    let _ = run_quiet(Command::new("apt-get").args(["update", "-qq"]));
    run(Command::new("apt-get").args(["install", "-y", "-qq", "--no-install-recommends"]).args(&missing))
}

fn debian_package_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).contains("install ok installed"))
}

/// The wasm-bindgen version pinned in Cargo.lock; the CLI must match it exactly.
pub fn locked_wasm_bindgen_version() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|error| format!("Cargo.lock: {error}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|line| line.strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_string());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

/// The path of a `wasm-bindgen` CLI at the locked version, installed with `cargo install` when missing.
pub fn wasm_bindgen() -> Result<PathBuf, String> {
    let version = locked_wasm_bindgen_version()?;
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let binary = cargo_home.join("bin/wasm-bindgen");
    let current = Command::new(&binary)
        .arg("--version")
        .output()
        .ok()
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned());
    if current.as_deref().is_some_and(|text| text.split_whitespace().nth(1) == Some(version.as_str())) {
        return Ok(binary);
    }
    println!("xtask: installing wasm-bindgen-cli {version} to match Cargo.lock (cargo install, about 3 minutes)");
    // Not `--locked`: the registry index here lacks one of its locked dependencies.
    run(Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &version,
        "--force",
    ]))?;
    Ok(binary)
}

/// Debian's Chromium and ChromeDriver, installed when missing.
pub fn chromium() -> Result<PathBuf, String> {
    let path = PathBuf::from("/usr/bin/chromium");
    if !path.exists() {
        ensure_debian_packages("the browser for the tests", &["chromium", "chromium-driver"])?;
    }
    Ok(path)
}

/// Installs the browser tests' npm packages (playwright-core only; it never downloads a browser) when they are
/// missing or older than the lockfile.
pub fn node_modules() -> Result<PathBuf, String> {
    let folder = root().join("tests/browser");
    let marker = folder.join("node_modules/.package-lock.json");
    let lock = folder.join("package-lock.json");
    let fresh = match (std::fs::metadata(&marker), std::fs::metadata(&lock)) {
        (Ok(installed), Ok(locked)) => installed.modified().ok() >= locked.modified().ok(),
        _ => false,
    };
    if !fresh {
        if Command::new("node").arg("--version").output().is_err() {
            ensure_debian_packages("Node.js for the browser tests", &["nodejs", "npm"])?;
        }
        println!("xtask: installing the browser tests' npm packages (npm ci in tests/browser)");
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(&folder))?;
    }
    Ok(folder)
}

/// Runs `command`, echoing it; fails with its exit status.
pub fn run(command: &mut Command) -> Result<(), String> {
    let shown = describe(command);
    let status = command.status().map_err(|error| format!("could not start `{shown}`: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// Runs `command` with its output captured; fails with that output.
pub fn run_quiet(command: &mut Command) -> Result<String, String> {
    let shown = describe(command);
    let output = command.output().map_err(|error| format!("could not start `{shown}`: {error}"))?;
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!("`{shown}` failed ({}):\n{text}", output.status))
    }
}

fn describe(command: &Command) -> String {
    std::iter::once(command.get_program().to_string_lossy().into_owned())
        .chain(command.get_args().map(|arg| arg.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}
