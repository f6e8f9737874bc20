//! Loading OSV records from a directory of JSON files or from an OSV `all.zip` export.

use std::io::Read;
use std::path::{Path, PathBuf};

use osv_lens::osv::Vulnerability;

/// Reads every `*.json` record under `path` (a directory, searched recursively) or in `path` (a zip).
pub fn load(path: &Path) -> Result<Vec<Vulnerability>, String> {
    if path.is_dir() {
        let mut records = Vec::new();
        load_dir(path, &mut records)?;
        Ok(records)
    } else {
        load_zip(path)
    }
}

fn load_dir(folder: &Path, records: &mut Vec<Vulnerability>) -> Result<(), String> {
    let mut entries: Vec<_> = std::fs::read_dir(folder)
        .map_err(|error| format!("reading {}: {error}", folder.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            load_dir(&path, records)?;
        } else if path.extension().is_some_and(|extension| extension == "json") {
            let text =
                std::fs::read_to_string(&path).map_err(|error| format!("reading {}: {error}", path.display()))?;
            records.push(parse(&text, &path.display().to_string())?);
        }
    }
    Ok(())
}

fn load_zip(path: &Path) -> Result<Vec<Vulnerability>, String> {
    let file = std::fs::File::open(path).map_err(|error| format!("opening {}: {error}", path.display()))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|error| format!("reading {}: {error}", path.display()))?;
    let mut records = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|error| format!("{}: {error}", path.display()))?;
        let name = entry.name().map_err(|error| format!("{}: {error}", path.display()))?.into_owned();
        if !name.ends_with(".json") {
            continue;
        }
        let mut text = String::new();
        entry.read_to_string(&mut text).map_err(|error| format!("{}: {name}: {error}", path.display()))?;
        records.push(parse(&text, &name)?);
    }
    Ok(records)
}

fn parse(text: &str, name: &str) -> Result<Vulnerability, String> {
    serde_json::from_str(text).map_err(|error| format!("{name}: not an OSV record: {error}"))
}

/// The shared test data: `$OSV_LENS_SHARED_DATA` when set, else `../shared/data` beside the repository.
pub fn shared_data() -> PathBuf {
    match std::env::var_os("OSV_LENS_SHARED_DATA") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => crate::toolchain::root().join("../shared/data"),
    }
}

/// The real PyPI records in the shared test data, when they are there.
pub fn shared_records() -> Option<PathBuf> {
    let path = shared_data().join("osv-pypi/records");
    path.is_dir().then_some(path)
}
