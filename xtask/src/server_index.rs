//! The local package index: PyPI's JSON simple API (PEP 691, with PEP 700's versions and upload times) over the
//! recorded projects of `tests/fixtures/index` (see its README), for the resolver's tests and the bench.
//!
//! - `GET /simple/` lists the projects; `GET /simple/<name>/` answers a project's page as
//!   `application/vnd.pypi.simple.v1+json` with an `ETag` and `Cache-Control: max-age=600`, 304 to a matching
//!   `If-None-Match`, a 301 to the normalised address for any other spelling (as PyPI does), 404 for an unknown
//!   project. Every file's `url` points at this server's `/files/<filename>`; wheels with a recorded metadata file
//!   carry `core-metadata` (and its older name `dist-info-metadata`) unless the knobs say otherwise.
//! - `GET /files/<filename>.metadata` answers a wheel's core metadata (PEP 658/714); `GET` and `HEAD
//!   /files/<filename>` a file stored whole, with single byte ranges (`bytes=a-b`, `bytes=a-`, `bytes=-n`) answered
//!   206 with `Content-Range`.
//!
//! A project is a bundle, `<name>.json.gz` or `<name>.json`: `{"page": <PEP 691 page>, "metadata": {<sha256>:
//! <text>}}`, where a file's `core-metadata.sha256` names its metadata text. Several folders can be served together;
//! a project found in more than one has the page of the last, with the metadata of all (the bench lays the full pages
//! of `tests/fixtures/bench/index` over the trimmed ones).

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::http::{Request, Response};

/// The media type of PEP 691's JSON answers.
pub const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";

/// The folders of the recorded index, relative to the repository.
pub const FIXTURE_INDEX: &str = "tests/fixtures/index";

/// The full, untrimmed pages of the bench's vulnerable packages, laid over the recorded index for the bench.
pub const BENCH_INDEX: &str = "tests/fixtures/bench/index";

/// One project: its page and its metadata files by SHA-256.
struct Project {
    page: Value,
    metadata: HashMap<String, String>,
}

/// A recorded package index, read from its folders when a project is first asked for.
pub struct Index {
    /// Bundle files by normalised project name, in the order their folders were given.
    bundles: BTreeMap<String, Vec<PathBuf>>,
    /// Files served whole, by file name.
    files: HashMap<String, PathBuf>,
    loaded: Mutex<HashMap<String, Arc<Project>>>,
}

/// What the knobs ask of an index answer.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Whether file entries carry `core-metadata`.
    pub core_metadata: bool,
    /// The `max-age` of project pages, in seconds.
    pub max_age: u64,
}

impl Index {
    /// Lists the projects and whole files of `folders`: bundles in each folder, in its `projects/` and `made-up/`
    /// subfolders, and whole files in its `files/` subfolder.
    pub fn open(folders: &[PathBuf]) -> Result<Index, String> {
        let mut bundles: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
        let mut files = HashMap::new();
        for folder in folders {
            if !folder.is_dir() {
                return Err(format!("{}: not a folder of the package index", folder.display()));
            }
            for place in [folder.clone(), folder.join("projects"), folder.join("made-up")] {
                for path in list(&place)? {
                    let Some(file_name) = path.file_name().and_then(|name| name.to_str()) else { continue };
                    let Some(stem) = file_name.strip_suffix(".json.gz").or_else(|| file_name.strip_suffix(".json"))
                    else {
                        continue;
                    };
                    bundles.entry(osv_lens::model::normalize_name(stem)).or_default().push(path.clone());
                }
            }
            for path in list(&folder.join("files"))? {
                if let Some(name) = path.file_name().and_then(|name| name.to_str()) {
                    files.insert(name.to_string(), path.clone());
                }
            }
        }
        Ok(Index { bundles, files, loaded: Mutex::new(HashMap::new()) })
    }

    /// The number of projects.
    pub fn len(&self) -> usize {
        self.bundles.len()
    }

    fn project(&self, name: &str) -> Result<Option<Arc<Project>>, String> {
        if let Some(project) = self.loaded.lock().expect("the index lock is never poisoned").get(name) {
            return Ok(Some(Arc::clone(project)));
        }
        let Some(paths) = self.bundles.get(name) else { return Ok(None) };
        let mut merged: Option<Project> = None;
        for path in paths {
            let project = read_bundle(path)?;
            merged = Some(match merged {
                None => project,
                Some(earlier) => lay_over(earlier, project),
            });
        }
        let project = Arc::new(merged.expect("a listed project has a bundle"));
        self.loaded.lock().expect("the index lock is never poisoned").insert(name.to_string(), Arc::clone(&project));
        Ok(Some(project))
    }

    /// Answers a `GET`/`HEAD` under `/simple/` or `/files/`; `origin` is the address file URLs start with.
    pub fn answer(&self, request: &Request, origin: &str, options: Options) -> Response {
        let path = percent_decode(request.path());
        let answer = if let Some(rest) = path.strip_prefix("/simple/") {
            self.simple(rest, request, origin, options)
        } else if let Some(filename) = path.strip_prefix("/files/") {
            self.file(filename, request)
        } else {
            Ok(not_found())
        };
        answer.unwrap_or_else(|message| {
            eprintln!("xtask: package index: {message}");
            Response::new(500, message).with_header("Content-Type", "text/plain; charset=utf-8")
        })
    }

    fn simple(&self, rest: &str, request: &Request, origin: &str, options: Options) -> Result<Response, String> {
        if rest.is_empty() {
            let projects: Vec<Value> = self.bundles.keys().map(|name| serde_json::json!({ "name": name })).collect();
            let body = serde_json::json!({"meta": {"api-version": "1.1"}, "projects": projects}).to_string();
            return Ok(cacheable(body, request, options.max_age));
        }
        let name = rest.strip_suffix('/').unwrap_or(rest);
        let normalized = osv_lens::model::normalize_name(name);
        let plain = !normalized.is_empty()
            && normalized.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
            && !name.contains('/');
        if !plain {
            return Ok(not_found());
        }
        let Some(project) = self.project(&normalized)? else { return Ok(not_found()) };
        if name != normalized || !rest.ends_with('/') {
            return Ok(Response::new(301, Vec::new())
                .with_header("Location", &format!("/simple/{normalized}/"))
                .with_header("Cache-Control", "max-age=600"));
        }
        let mut page = project.page.clone();
        if let Some(files) = page.get_mut("files").and_then(Value::as_array_mut) {
            for file in files {
                let Some(entry) = file.as_object_mut() else { continue };
                let filename = entry.get("filename").and_then(Value::as_str).unwrap_or_default().to_string();
                entry.insert("url".into(), format!("{origin}/files/{}", percent_encode(&filename)).into());
                let metadata = entry.remove("core-metadata").filter(|_| options.core_metadata);
                entry.remove("dist-info-metadata");
                entry.remove("data-dist-info-metadata");
                if let Some(metadata) = metadata {
                    entry.insert("core-metadata".into(), metadata.clone());
                    entry.insert("dist-info-metadata".into(), metadata);
                }
            }
        }
        Ok(cacheable(page.to_string(), request, options.max_age))
    }

    fn file(&self, filename: &str, request: &Request) -> Result<Response, String> {
        if let Some(wheel) = filename.strip_suffix(".metadata") {
            return self.metadata(wheel);
        }
        let Some(path) = self.files.get(filename) else { return Ok(not_found()) };
        let bytes = std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))?;
        Ok(ranged(bytes, request.header("range")))
    }

    fn metadata(&self, wheel: &str) -> Result<Response, String> {
        let Some(distribution) = wheel.strip_suffix(".whl").and_then(|stem| stem.split('-').next()) else {
            return Ok(not_found());
        };
        let Some(project) = self.project(&osv_lens::model::normalize_name(distribution))? else {
            return Ok(not_found());
        };
        let files = project.page.get("files").and_then(Value::as_array);
        let digest = files
            .into_iter()
            .flatten()
            .find(|file| file.get("filename").and_then(Value::as_str) == Some(wheel))
            .and_then(|file| file.pointer("/core-metadata/sha256"))
            .and_then(Value::as_str);
        match digest.and_then(|digest| project.metadata.get(digest)) {
            Some(text) => Ok(Response::new(200, text.clone()).with_header("Content-Type", "application/octet-stream")),
            None => Ok(not_found()),
        }
    }
}

fn list(folder: &Path) -> Result<Vec<PathBuf>, String> {
    let Ok(entries) = std::fs::read_dir(folder) else { return Ok(Vec::new()) };
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| format!("{}: {error}", folder.display()))?;
        if entry.file_type().map_err(|error| error.to_string())?.is_file() {
            paths.push(entry.path());
        }
    }
    paths.sort();
    Ok(paths)
}

fn read_bundle(path: &Path) -> Result<Project, String> {
    let bytes = std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))?;
    let text = if path.extension().is_some_and(|extension| extension == "gz") {
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
            .map_err(|error| format!("{}: not gzip: {error}", path.display()))?;
        text
    } else {
        bytes
    };
    let mut bundle: Value =
        serde_json::from_slice(&text).map_err(|error| format!("{}: not a bundle: {error}", path.display()))?;
    let page = bundle.get_mut("page").map(Value::take).filter(Value::is_object);
    let Some(page) = page else { return Err(format!("{}: no `page` object", path.display())) };
    let metadata = match bundle.get_mut("metadata").map(Value::take) {
        Some(Value::Object(map)) => {
            map.into_iter().filter_map(|(digest, text)| Some((digest, text.as_str()?.to_string()))).collect()
        }
        _ => HashMap::new(),
    };
    Ok(Project { page, metadata })
}

/// `later`'s page, with the `core-metadata` of `earlier`'s files carried over to the same files, and both metadata.
fn lay_over(earlier: Project, mut later: Project) -> Project {
    let known: HashMap<String, Value> = earlier
        .page
        .get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|file| Some((file.get("filename")?.as_str()?.to_string(), file.get("core-metadata")?.clone())))
        .collect();
    if let Some(files) = later.page.get_mut("files").and_then(Value::as_array_mut) {
        for file in files {
            let filename = file.get("filename").and_then(Value::as_str).map(str::to_string);
            let (Some(entry), Some(metadata)) = (file.as_object_mut(), filename.and_then(|name| known.get(&name)))
            else {
                continue;
            };
            entry.insert("core-metadata".into(), metadata.clone());
        }
    }
    let mut metadata = earlier.metadata;
    metadata.extend(later.metadata);
    Project { page: later.page, metadata }
}

fn not_found() -> Response {
    Response::new(404, "404 Not Found").with_header("Content-Type", "text/plain; charset=utf-8")
}

/// A JSON page with its `ETag` and `max-age` (seconds); 304 when `If-None-Match` names it.
fn cacheable(body: String, request: &Request, max_age: u64) -> Response {
    let mut hasher = DefaultHasher::new();
    body.hash(&mut hasher);
    let etag = format!("\"{:016x}-{:x}\"", hasher.finish(), body.len());
    let matches = request.header("if-none-match").is_some_and(|value| {
        value.split(',').map(|tag| tag.trim().trim_start_matches("W/")).any(|tag| tag == etag || tag == "*")
    });
    let response = if matches { Response::new(304, Vec::new()) } else { Response::new(200, body) };
    response
        .with_header("Content-Type", SIMPLE_JSON)
        .with_header("ETag", &etag)
        .with_header("Cache-Control", &format!("max-age={max_age}"))
        .with_header("Vary", "Accept, Accept-Encoding")
}

/// A whole file, or the single byte range asked for (206), or 416 for a range past its end.
fn ranged(bytes: Vec<u8>, range: Option<&str>) -> Response {
    let length = bytes.len() as u64;
    let whole = |bytes| {
        Response::new(200, bytes)
            .with_header("Content-Type", "application/octet-stream")
            .with_header("Accept-Ranges", "bytes")
    };
    let Some(range) = range else { return whole(bytes) };
    match parse_range(range, length) {
        RangeAsked::Whole => whole(bytes),
        RangeAsked::Unsatisfiable => Response::new(416, Vec::new())
            .with_header("Content-Range", &format!("bytes */{length}"))
            .with_header("Accept-Ranges", "bytes"),
        RangeAsked::Part(start, end) => Response::new(206, bytes[start as usize..=end as usize].to_vec())
            .with_header("Content-Type", "application/octet-stream")
            .with_header("Accept-Ranges", "bytes")
            .with_header("Content-Range", &format!("bytes {start}-{end}/{length}")),
    }
}

/// What a `Range` header asks of a file of `length` bytes.
#[derive(Debug, PartialEq, Eq)]
enum RangeAsked {
    /// Bytes `start..=end`.
    Part(u64, u64),
    /// Not a single byte range this server answers: the whole file (as RFC 9110 allows).
    Whole,
    /// A range that starts past the end.
    Unsatisfiable,
}

fn parse_range(header: &str, length: u64) -> RangeAsked {
    let Some(spec) = header.trim().strip_prefix("bytes=") else { return RangeAsked::Whole };
    if spec.contains(',') {
        return RangeAsked::Whole;
    }
    let Some((first, last)) = spec.split_once('-') else { return RangeAsked::Whole };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // The last n bytes.
        return match last.parse::<u64>() {
            Ok(0) => RangeAsked::Unsatisfiable,
            Ok(_) if length == 0 => RangeAsked::Unsatisfiable,
            Ok(n) => RangeAsked::Part(length.saturating_sub(n), length - 1),
            Err(_) => RangeAsked::Whole,
        };
    }
    let Ok(start) = first.parse::<u64>() else { return RangeAsked::Whole };
    let end = if last.is_empty() {
        length.saturating_sub(1)
    } else {
        match last.parse::<u64>() {
            Ok(end) if end >= start => end.min(length.saturating_sub(1)),
            _ => return RangeAsked::Whole,
        }
    };
    if start >= length {
        RangeAsked::Unsatisfiable
    } else {
        RangeAsked::Part(start, end)
    }
}

fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!+".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes.get(index + 1..index + 3).and_then(|pair| std::str::from_utf8(pair).ok());
        match (bytes[index], hex.and_then(|hex| u8::from_str_radix(hex, 16).ok())) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                index += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(parse_range("bytes=0-9", 100), RangeAsked::Part(0, 9));
        assert_eq!(parse_range("bytes=90-200", 100), RangeAsked::Part(90, 99));
        assert_eq!(parse_range("bytes=95-", 100), RangeAsked::Part(95, 99));
        assert_eq!(parse_range("bytes=-10", 100), RangeAsked::Part(90, 99));
        assert_eq!(parse_range("bytes=-1000", 100), RangeAsked::Part(0, 99));
        assert_eq!(parse_range("bytes=100-", 100), RangeAsked::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), RangeAsked::Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 100), RangeAsked::Whole);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), RangeAsked::Whole);
        assert_eq!(parse_range("items=0-1", 100), RangeAsked::Whole);
    }

    #[test]
    fn every_recorded_project_has_the_metadata_its_files_name() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let index = Index::open(&[root.join(FIXTURE_INDEX)]).expect("the recorded index opens");
        assert!(index.len() > 300, "{} projects", index.len());
        let mut with_metadata = 0;
        for name in index.bundles.keys() {
            let project = index.project(name).expect("the bundle reads").expect("a listed project");
            assert_eq!(osv_lens::model::normalize_name(project.page["name"].as_str().unwrap_or_default()), *name);
            for file in project.page["files"].as_array().expect("a page has files") {
                let filename = file["filename"].as_str().expect("a file has a name");
                if let Some(digest) = file.pointer("/core-metadata/sha256").and_then(Value::as_str) {
                    let text = project.metadata.get(digest).unwrap_or_else(|| panic!("{filename}: no metadata"));
                    let named = text.lines().find_map(|line| line.strip_prefix("Name: ")).unwrap_or_default();
                    assert_eq!(osv_lens::model::normalize_name(named), *name, "{filename}");
                    with_metadata += 1;
                }
            }
        }
        assert!(with_metadata > 2000, "{with_metadata} wheels with metadata");
        let settings = std::fs::read_to_string(root.join(FIXTURE_INDEX).join("index.toml")).expect("index.toml");
        let whole = settings.lines().find_map(|line| line.strip_prefix("whole-files = ")).expect("whole-files");
        let whole: Vec<String> = serde_json::from_str(whole).expect("a list of file names");
        assert!(!whole.is_empty());
        for filename in whole {
            assert!(index.files.contains_key(&filename), "{filename} is stored whole");
        }
    }

    #[test]
    fn file_names_survive_the_url() {
        let name = "foo_bar-1.0+local-py3-none-any.whl";
        assert_eq!(percent_decode(&percent_encode(name)), name);
        assert_eq!(percent_encode("a b"), "a%20b");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
