//! `cargo xtask build`: the release site in `dist/`, which works from any static file server.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::toolchain::{self, WASM_TARGET};

/// Builds the wasm, runs wasm-bindgen and copies the static files. Returns the `dist/` folder.
pub fn build_site() -> Result<PathBuf, String> {
    let root = toolchain::root();
    let wasm_toolchain = toolchain::wasm_toolchain()?;
    let wasm_bindgen = toolchain::wasm_bindgen()?;
    println!("xtask: building the wasm ({wasm_toolchain:?})");
    toolchain::run(toolchain::wasm_cargo(wasm_toolchain, "build").args([
        "--bin",
        "osv-lens",
        "--bin",
        "osv-lens-worker",
    ]))?;

    let dist = root.join("dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist).map_err(|error| format!("clearing {}: {error}", dist.display()))?;
    }
    // The page's module (`app`) and the package-index worker's (`worker`), which loads only when needed.
    for (bin, name) in [("osv-lens", "app"), ("osv-lens-worker", "worker")] {
        let wasm = root.join(format!("target/wasm/{WASM_TARGET}/release/{bin}.wasm"));
        toolchain::run(
            Command::new(&wasm_bindgen)
                .args(["--target", "web", "--no-typescript", "--remove-name-section", "--remove-producers-section"])
                .arg("--out-dir")
                .arg(&dist)
                .args(["--out-name", name])
                .arg(&wasm),
        )?;
    }
    copy(&root.join("index.html"), &dist.join("index.html"))?;
    copy_dir(&root.join("www"), &dist.join("www"))?;
    let size = |name: &str| std::fs::metadata(dist.join(name)).map(|meta| meta.len() / 1024).unwrap_or(0);
    println!(
        "xtask: built {} (app_bg.wasm {} KB, app.js {} KB; worker_bg.wasm {} KB, loaded when needed; uncompressed)",
        dist.display(),
        size("app_bg.wasm"),
        size("app.js"),
        size("worker_bg.wasm")
    );
    Ok(dist)
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|error| format!("copying {} to {}: {error}", from.display(), to.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|error| format!("creating {}: {error}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|error| format!("reading {}: {error}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|error| error.to_string())?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            copy(&entry.path(), &target)?;
        }
    }
    Ok(())
}
