//! The local HTTP server: the built site, and an OSV-compatible API on the same origin.
//!
//! The API answers with the core's [`Database`], so its matching is the page's matching. Knobs inject latency,
//! errors, hangs, broken JSON and odd records, so that the tests can exercise the client:
//! `POST /__control` with `{"latency_ms": 40, "page_size": 2, "faults": [{"kind": "status", "status": 503,
//! "every": 3}]}` sets them, and `GET /__log` lists the API requests received since the last `POST /__control`.
//!
//! With a recorded package index (see `server_index.rs`), it also answers PyPI's JSON simple API under `/simple/`
//! and `/files/`, announces it in `<meta name="osv-lens-index">`, and logs those requests for `GET /__index-log`.
//! Index knobs: `index_latency_ms` delays every index answer, `"core_metadata": false` leaves the `core-metadata`
//! key out of the pages (as the registry these machines reach does), and a fault whose `path_prefix` starts with
//! `/simple/` or `/files/` applies to index requests (counted on their own for `every`); faults without such a prefix
//! never touch the index.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::http::{self, Request, Response};
use crate::server_index::{self, Index};
use osv_lens::osv::api_server::Answer;
use osv_lens::osv::database::Database;
use serde::{Deserialize, Serialize};

/// A fault the API injects.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FaultKind {
    /// Answer with this status and OSV's error body.
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// Answer 429 with a `Retry-After` header.
    RateLimit {
        /// The header's value, in seconds.
        retry_after: String,
    },
    /// Wait this long before answering normally (past the client's time-out).
    Hang {
        /// Milliseconds.
        ms: u64,
    },
    /// Answer 200 with a body that is not JSON.
    Malformed,
    /// Answer 200 with the real body cut in half.
    Truncated,
    /// Answer record requests with a record whose ID differs from the one asked for.
    WrongId,
    /// Add fields the schema does not define to every record.
    ExtraFields,
    /// Mark every record as `schema_version` 2.0.0.
    SchemaV2,
    /// Mark every record as withdrawn (as a record withdrawn between querybatch's answer and its fetch would be).
    Withdrawn,
    /// Answer normally, but always say another page follows (`next_page_token` on every query's answer).
    EndlessPages,
    /// Give every record a newer `modified` time, in querybatch's lists and in the records (advisories updated
    /// since a client kept them).
    Modified,
    /// Replace every record's `details` with `text` repeated `repeat` times (hostile advisory text).
    Details {
        /// The text repeated.
        text: String,
        /// How many times.
        repeat: usize,
    },
}

/// When a fault applies.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Fault {
    /// What to do.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Applies to every n-th API request (counted from 1); 1 means all.
    #[serde(default = "one")]
    pub every: u64,
    /// Applies only to paths starting with this.
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// Applies at most this many times.
    #[serde(default)]
    pub times: Option<u64>,
}

fn one() -> u64 {
    1
}

/// The server's knobs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Knobs {
    /// Delay before every API answer.
    #[serde(default)]
    pub latency_ms: u64,
    /// Results per query before a `next_page_token`.
    #[serde(default)]
    pub page_size: Option<usize>,
    /// Faults, the first that applies wins.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Delay before every package index answer.
    #[serde(default)]
    pub index_latency_ms: u64,
    /// Whether the package index's pages carry `core-metadata` on wheels that have a metadata file.
    #[serde(default = "yes")]
    pub core_metadata: bool,
    /// The `max-age` of the package index's project pages, in seconds (PyPI's 600 unless set).
    #[serde(default = "ten_minutes")]
    pub index_max_age: u64,
}

fn ten_minutes() -> u64 {
    600
}

fn yes() -> bool {
    true
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            latency_ms: 0,
            page_size: None,
            faults: Vec::new(),
            index_latency_ms: 0,
            core_metadata: true,
            index_max_age: 600,
        }
    }
}

/// One package index request, for `GET /__index-log`.
#[derive(Debug, Clone, Serialize)]
struct IndexRequest {
    method: String,
    path: String,
    status: u16,
    /// The answer's body, in bytes (the server does not compress).
    bytes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    if_none_match: Option<String>,
}

/// One API request, for `GET /__log`.
#[derive(Debug, Clone, Serialize)]
struct LoggedRequest {
    method: String,
    path: String,
    body: String,
}

struct State {
    site: Option<PathBuf>,
    database: Option<Database>,
    index: Option<Index>,
    index_log: Mutex<Vec<IndexRequest>>,
    index_counter: AtomicU64,
    knobs: Mutex<(Knobs, Vec<u64>)>,
    counter: AtomicU64,
    log: Mutex<Vec<LoggedRequest>>,
}

/// A running server.
pub struct Server {
    origin: String,
    has_api: bool,
    state: Arc<State>,
    acceptor: thread::JoinHandle<()>,
}

type Body = Response;

/// What a [`Server`] serves besides its knobs.
#[derive(Default)]
pub struct Services {
    /// A `dist/` folder.
    pub site: Option<PathBuf>,
    /// The OSV API's records.
    pub database: Option<Database>,
    /// A recorded package index.
    pub index: Option<Index>,
}

impl Server {
    /// Serves everything in `services` on 127.0.0.1:`port` (0 picks a free port).
    pub fn start_services(port: u16, services: Services, knobs: Knobs) -> Result<Server, String> {
        let Services { site, database, index } = services;
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))
            .map_err(|error| format!("cannot listen on 127.0.0.1:{port}: {error}"))?;
        let port = listener.local_addr().map(|address| address.port()).unwrap_or(port);
        let has_api = database.is_some();
        let state = Arc::new(State {
            site,
            database,
            index,
            index_log: Mutex::new(Vec::new()),
            index_counter: AtomicU64::new(0),
            knobs: Mutex::new((knobs, Vec::new())),
            counter: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        });
        // One thread per connection: injected latency and hangs hold up only their own connection.
        let shared = Arc::clone(&state);
        let handler: http::Handler = Arc::new(move |request: &Request| handle(&shared, request));
        let acceptor = thread::spawn(move || http::serve(listener, handler));
        Ok(Server { origin: format!("http://127.0.0.1:{port}"), has_api, state, acceptor })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// True when the OSV API is served.
    pub fn has_api(&self) -> bool {
        self.has_api
    }

    /// Sets the knobs and clears the request logs, as `POST /__control` does.
    pub fn control(&self, knobs: Knobs) {
        set_knobs(&self.state, knobs);
    }

    /// The API requests received since the last [`Server::control`] or `POST /__control`, as `(method, path)`.
    pub fn api_requests(&self) -> Vec<(String, String)> {
        let log = self.state.log.lock().expect("the log lock is never poisoned");
        log.iter().map(|request| (request.method.clone(), request.path.clone())).collect()
    }

    /// The package index requests received since the last [`Server::control`], as `(method, path, status)`.
    pub fn index_requests(&self) -> Vec<(String, String, u16)> {
        let log = self.state.index_log.lock().expect("the log lock is never poisoned");
        log.iter().map(|request| (request.method.clone(), request.path.clone(), request.status)).collect()
    }

    /// Blocks until the server stops.
    pub fn wait(self) {
        let _ = self.acceptor.join();
    }
}

fn cors(response: Body) -> Body {
    response
        .with_header("Access-Control-Allow-Origin", "*")
        .with_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        .with_header("Access-Control-Allow-Headers", "Content-Type")
        .with_header("Access-Control-Expose-Headers", "Retry-After")
        .with_header("Access-Control-Max-Age", "600")
}

fn json(status: u16, body: String) -> Body {
    cors(Response::new(status, body)).with_header("Content-Type", "application/json")
}

fn handle(state: &State, request: &Request) -> Body {
    let path = request.path().to_string();
    let method = request.method.as_str();
    let Ok(body) = std::str::from_utf8(&request.body) else {
        return json(400, r#"{"code":3,"message":"The body is not UTF-8."}"#.into());
    };
    match (method, path.as_str()) {
        ("OPTIONS", index) if is_index_path(index) => index_cors(Response::new(204, Vec::new())),
        ("OPTIONS", _) => cors(Response::new(204, Vec::new())),
        ("POST", "/__control") => control(state, body),
        ("GET", "/__log") => {
            let log = state.log.lock().expect("the log lock is never poisoned").clone();
            json(200, serde_json::to_string(&log).expect("the log serialises"))
        }
        ("GET", "/__index-log") => {
            let log = state.index_log.lock().expect("the log lock is never poisoned").clone();
            json(200, serde_json::to_string(&log).expect("the log serialises"))
        }
        ("GET" | "HEAD", index) if is_index_path(index) && state.index.is_some() => index_answer(state, request),
        (_, api) if api.starts_with("/v1/") => match &state.database {
            Some(database) => api_answer(state, database, method, &path, body),
            None => json(404, r#"{"code":5,"message":"No OSV data is served here."}"#.into()),
        },
        ("GET", _) => static_file(state, &path, request),
        _ => json(405, r#"{"code":12,"message":"Method not allowed."}"#.into()),
    }
}

fn control(state: &State, body: &str) -> Body {
    match serde_json::from_str::<Knobs>(body) {
        Ok(knobs) => {
            set_knobs(state, knobs);
            json(200, "{}".into())
        }
        Err(error) => json(400, serde_json::json!({"code": 3, "message": error.to_string()}).to_string()),
    }
}

fn set_knobs(state: &State, knobs: Knobs) {
    let uses = vec![0; knobs.faults.len()];
    *state.knobs.lock().expect("the knobs lock is never poisoned") = (knobs, uses);
    state.counter.store(0, Ordering::SeqCst);
    state.log.lock().expect("the log lock is never poisoned").clear();
    state.index_log.lock().expect("the log lock is never poisoned").clear();
    state.index_counter.store(0, Ordering::SeqCst);
}

fn api_answer(state: &State, database: &Database, method: &str, path: &str, body: &str) -> Body {
    let number = state.counter.fetch_add(1, Ordering::SeqCst) + 1;
    state.log.lock().expect("the log lock is never poisoned").push(LoggedRequest {
        method: method.to_string(),
        path: path.to_string(),
        body: body.to_string(),
    });
    let (latency, page_size, fault) = {
        let mut guard = state.knobs.lock().expect("the knobs lock is never poisoned");
        let (knobs, uses) = &mut *guard;
        let fault = knobs.faults.iter().enumerate().find(|(index, fault)| {
            number.is_multiple_of(fault.every.max(1))
                && fault.path_prefix.as_deref().is_none_or(|prefix| path.starts_with(prefix))
                && fault.times.is_none_or(|times| uses[*index] < times)
        });
        let fault = fault.map(|(index, fault)| {
            uses[index] += 1;
            fault.kind.clone()
        });
        (knobs.latency_ms, knobs.page_size, fault)
    };
    if latency > 0 {
        thread::sleep(Duration::from_millis(latency));
    }
    let answer = || database.handle_with_page_size(method, path, body, page_size);
    match fault {
        None => {
            let Answer { status, body } = answer();
            json(status, body)
        }
        Some(FaultKind::Status { status }) => {
            json(status, serde_json::json!({"code": 14, "message": "Injected failure."}).to_string())
        }
        Some(FaultKind::RateLimit { retry_after }) => {
            json(429, r#"{"code":8,"message":"Too many requests."}"#.into()).with_header("Retry-After", &retry_after)
        }
        Some(FaultKind::Hang { ms }) => {
            thread::sleep(Duration::from_millis(ms));
            let Answer { status, body } = answer();
            json(status, body)
        }
        Some(FaultKind::Malformed) => json(200, "{\"results\": [{\"vulns\": [oops".into()),
        Some(FaultKind::Truncated) => {
            let Answer { status, body } = answer();
            let mut cut = body.len() / 2;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            json(status, body[..cut].to_string())
        }
        Some(
            kind @ (FaultKind::WrongId
            | FaultKind::ExtraFields
            | FaultKind::SchemaV2
            | FaultKind::Withdrawn
            | FaultKind::Modified
            | FaultKind::Details { .. }),
        ) => {
            let Answer { status, body } = answer();
            json(status, rewrite_records(&body, &kind))
        }
        Some(FaultKind::EndlessPages) => {
            // The first page again, with another token on it, whatever token was sent.
            let Answer { status, body } = database.handle_with_page_size(method, path, &without_tokens(body), None);
            json(status, endless(&body))
        }
    }
}

/// A query (or batch of queries) without its page tokens.
fn without_tokens(body: &str) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(body) else { return body.to_string() };
    if let Some(object) = value.as_object_mut() {
        object.remove("page_token");
    }
    if let Some(queries) = value.get_mut("queries").and_then(|queries| queries.as_array_mut()) {
        queries.iter_mut().filter_map(|query| query.as_object_mut()).for_each(|query| {
            query.remove("page_token");
        });
    }
    value.to_string()
}

/// The answer with a `next_page_token` on it (a `/v1/query` answer) or on each of its results (querybatch's).
fn endless(body: &str) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(body) else { return body.to_string() };
    let token = serde_json::Value::from("endless");
    match value.get_mut("results").and_then(|results| results.as_array_mut()) {
        Some(results) => results.iter_mut().filter_map(|result| result.as_object_mut()).for_each(|result| {
            result.insert("next_page_token".into(), token.clone());
        }),
        None => {
            if let Some(object) = value.as_object_mut() {
                object.insert("next_page_token".into(), token);
            }
        }
    }
    value.to_string()
}

/// Applies a record-level fault to every record in an answer (a record, or a `/v1/query` answer).
/// The `modified` time of the `modified` fault: later than any record's.
const UPDATED_MODIFIED: &str = "2030-01-01T00:00:00Z";

fn rewrite_records(body: &str, kind: &FaultKind) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(body) else { return body.to_string() };
    let rewrite = |record: &mut serde_json::Value| {
        let Some(object) = record.as_object_mut() else { return };
        match kind {
            FaultKind::WrongId => {
                let id = object.get("id").and_then(|id| id.as_str()).unwrap_or_default().to_string();
                object.insert("id".into(), format!("{id}-OTHER").into());
            }
            FaultKind::ExtraFields => {
                object.insert("x_future_field".into(), serde_json::json!({"nested": [1, 2, 3]}));
                if let Some(affected) = object.get_mut("affected").and_then(|affected| affected.as_array_mut()) {
                    for entry in affected {
                        if let Some(entry) = entry.as_object_mut() {
                            entry.insert("x_unknown".into(), "value".into());
                        }
                    }
                }
            }
            FaultKind::SchemaV2 => {
                object.insert("schema_version".into(), "2.0.0".into());
            }
            FaultKind::Withdrawn => {
                object.insert("withdrawn".into(), "2026-01-01T00:00:00Z".into());
            }
            FaultKind::Details { text, repeat } => {
                object.insert("details".into(), text.repeat(*repeat).into());
            }
            FaultKind::Modified => {
                object.insert("modified".into(), UPDATED_MODIFIED.into());
            }
            _ => {}
        }
    };
    let results = value.get_mut("results").and_then(|results| results.as_array_mut());
    if let (Some(results), FaultKind::Modified) = (results, kind) {
        // A querybatch answer lists `{id, modified}` per query; the other faults leave it as it is.
        for vulns in results.iter_mut().filter_map(|result| result.get_mut("vulns")?.as_array_mut()) {
            vulns.iter_mut().for_each(rewrite);
        }
    } else if let Some(vulns) = value.get_mut("vulns").and_then(|vulns| vulns.as_array_mut()) {
        vulns.iter_mut().for_each(rewrite);
    } else if value.get("id").is_some() {
        rewrite(&mut value);
    }
    value.to_string()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|extension| extension.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("txt" | "lock" | "toml") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The Content Security Policy sent with the page and with the package-index worker's script (a worker follows its
/// own script's policy); the page's meta tag carries the same one.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' data:; connect-src 'self' https://api.osv.dev https://pypi.org https://files.pythonhosted.org; \
object-src 'none'; base-uri 'none'; form-action 'none'";

fn static_file(state: &State, path: &str, request: &Request) -> Body {
    let Some(site) = &state.site else { return json(404, r#"{"code":5,"message":"Not Found"}"#.into()) };
    let relative = path.trim_start_matches('/');
    let relative = if relative.is_empty() { "index.html" } else { relative };
    let relative = Path::new(relative);
    if relative.components().any(|component| !matches!(component, Component::Normal(_))) {
        return Response::new(404, "not found");
    }
    let file = site.join(relative);
    let Ok(mut bytes) = std::fs::read(&file) else {
        return Response::new(404, "not found");
    };
    let is_page = relative == Path::new("index.html");
    if is_page && state.index.is_some() {
        let host = host_of(request);
        let meta = format!("<meta name=\"osv-lens-index\" content=\"http://{host}\">\n  <meta charset=\"utf-8\">");
        bytes = String::from_utf8_lossy(&bytes).replacen("<meta charset=\"utf-8\">", &meta, 1).into_bytes();
    }
    if is_page && state.database.is_some() {
        // Points the page at this server's API without touching dist/, which must work from any static server.
        let host = host_of(request);
        let meta = format!("<meta name=\"osv-lens-endpoint\" content=\"http://{host}\">\n  <meta charset=\"utf-8\">");
        bytes = String::from_utf8_lossy(&bytes).replacen("<meta charset=\"utf-8\">", &meta, 1).into_bytes();
    }
    let mut response = Response::new(200, bytes)
        .with_header("Content-Type", content_type(&file))
        .with_header("Cache-Control", "no-cache")
        .with_header("X-Content-Type-Options", "nosniff");
    if is_page || relative == Path::new("www/worker-boot.js") {
        response = response
            .with_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            .with_header("Referrer-Policy", "no-referrer");
    }
    response
}

/// The `Host` header of `request`, for addresses the page should use to reach this server.
fn host_of(request: &Request) -> String {
    request.header("host").unwrap_or("127.0.0.1").to_string()
}

fn is_index_path(path: &str) -> bool {
    path.starts_with("/simple/") || path.starts_with("/files/")
}

/// CORS for the package index: range and conditional requests, and the headers a client reads.
fn index_cors(response: Body) -> Body {
    response
        .with_header("Access-Control-Allow-Origin", "*")
        .with_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        .with_header("Access-Control-Allow-Headers", "Accept, Range, If-None-Match, If-Modified-Since")
        .with_header(
            "Access-Control-Expose-Headers",
            "ETag, Content-Range, Accept-Ranges, Content-Length, Cache-Control, Retry-After",
        )
        .with_header("Access-Control-Max-Age", "600")
}

/// Answers a package index request, with the index knobs: latency, `core-metadata`, and faults on index paths.
fn index_answer(state: &State, request: &Request) -> Body {
    let path = request.path().to_string();
    let number = state.index_counter.fetch_add(1, Ordering::SeqCst) + 1;
    let (latency, options, fault) = {
        let mut guard = state.knobs.lock().expect("the knobs lock is never poisoned");
        let (knobs, uses) = &mut *guard;
        let fault = knobs.faults.iter().enumerate().find(|(index, fault)| {
            number.is_multiple_of(fault.every.max(1))
                && fault.path_prefix.as_deref().is_some_and(|prefix| is_index_path(prefix) && path.starts_with(prefix))
                && fault.times.is_none_or(|times| uses[*index] < times)
        });
        let fault = fault.map(|(index, fault)| {
            uses[index] += 1;
            fault.kind.clone()
        });
        (
            knobs.index_latency_ms,
            server_index::Options { core_metadata: knobs.core_metadata, max_age: knobs.index_max_age },
            fault,
        )
    };
    if latency > 0 {
        thread::sleep(Duration::from_millis(latency));
    }
    let index = state.index.as_ref().expect("only routed with an index");
    // Behind the HTTPS front, file URLs must name the front: it passes the scheme and host the client used.
    let scheme = request.header("x-forwarded-proto").filter(|scheme| *scheme == "https").unwrap_or("http");
    let origin = format!("{scheme}://{}", host_of(request));
    let answer = || index.answer(request, &origin, options);
    let response = match fault {
        None => answer(),
        Some(FaultKind::Status { status }) => {
            Response::new(status, r#"{"message":"Injected failure."}"#).with_header("Content-Type", "application/json")
        }
        Some(FaultKind::RateLimit { retry_after }) => Response::new(429, r#"{"message":"Too many requests."}"#)
            .with_header("Content-Type", "application/json")
            .with_header("Retry-After", &retry_after),
        Some(FaultKind::Hang { ms }) => {
            thread::sleep(Duration::from_millis(ms));
            answer()
        }
        Some(FaultKind::Malformed) => Response::new(200, r#"{"meta": {"api-version": "1.1"}, "files": [oops"#)
            .with_header("Content-Type", server_index::SIMPLE_JSON),
        Some(FaultKind::Truncated) => {
            let mut response = answer();
            let cut = response.body.len() / 2;
            response.body.truncate(cut);
            response
        }
        Some(kind @ (FaultKind::WrongId | FaultKind::ExtraFields | FaultKind::SchemaV2)) => {
            let mut response = answer();
            if response.status == 200 {
                rewrite_page(&mut response, &kind);
            }
            response
        }
        // The simple API has no records to withdraw, does not page, and its pages have no advisory text.
        Some(FaultKind::Withdrawn | FaultKind::Modified | FaultKind::EndlessPages | FaultKind::Details { .. }) => {
            answer()
        }
    };
    let response = index_cors(response);
    state.index_log.lock().expect("the log lock is never poisoned").push(IndexRequest {
        method: request.method.clone(),
        path: request.target.clone(),
        status: response.status,
        bytes: response.body.len(),
        range: request.header("range").map(str::to_string),
        if_none_match: request.header("if-none-match").map(str::to_string),
    });
    response
}

/// A page-level fault on a simple-API page: another project's name, unknown fields, or API version 2.0.
fn rewrite_page(response: &mut Body, kind: &FaultKind) {
    let Ok(mut page) = serde_json::from_slice::<serde_json::Value>(&response.body) else { return };
    let Some(object) = page.as_object_mut() else { return };
    if !object.contains_key("files") {
        return;
    }
    match kind {
        FaultKind::WrongId => {
            let name = object.get("name").and_then(|name| name.as_str()).unwrap_or_default().to_string();
            object.insert("name".into(), format!("{name}-other").into());
        }
        FaultKind::ExtraFields => {
            object.insert("x-future-field".into(), serde_json::json!({"nested": [1, 2, 3]}));
            if let Some(files) = object.get_mut("files").and_then(|files| files.as_array_mut()) {
                for file in files.iter_mut().filter_map(|file| file.as_object_mut()) {
                    file.insert("x-unknown".into(), "value".into());
                }
            }
        }
        FaultKind::SchemaV2 => {
            object.insert("meta".into(), serde_json::json!({"api-version": "2.0"}));
        }
        _ => {}
    }
    response.body = page.to_string().into_bytes();
}
