//! The local package index over real HTTP: pages, ETags, redirects, metadata files, ranges and the knobs, on the
//! recorded fixtures of `tests/fixtures/index`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Instant;

use serde_json::Value;

use crate::server::{Fault, FaultKind, Knobs, Server, Services};
use crate::server_index::{Index, BENCH_INDEX, FIXTURE_INDEX, SIMPLE_JSON};

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(field, _)| field.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the answer is JSON")
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn start(folders: &[&str]) -> Server {
    let folders: Vec<PathBuf> = folders.iter().map(|folder| root().join(folder)).collect();
    let index = Index::open(&folders).expect("the recorded index opens");
    Server::start_services(0, Services { index: Some(index), ..Services::default() }, Knobs::default())
        .expect("the server starts")
}

fn request(server: &Server, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let address = server.origin().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&address).expect("the server accepts");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("the request is sent");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("the answer is read");
    let split = raw.windows(4).position(|window| window == b"\r\n\r\n").expect("the answer has a head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|line| line.split(' ').nth(1)).and_then(|code| code.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    Answer { status, headers, body: raw[split + 4..].to_vec() }
}

fn get(server: &Server, path: &str) -> Answer {
    request(server, "GET", path, &[])
}

fn files(page: &Value) -> &Vec<Value> {
    page["files"].as_array().expect("a page has files")
}

#[test]
fn a_page_is_pep_691_json_with_file_urls_on_this_server() {
    let server = start(&[FIXTURE_INDEX]);
    let answer = get(&server, "/simple/requests/");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some(SIMPLE_JSON));
    assert_eq!(answer.header("cache-control"), Some("max-age=600"));
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
    assert!(answer.header("access-control-expose-headers").is_some_and(|headers| headers.contains("ETag")));
    assert!(answer.header("etag").is_some_and(|tag| tag.starts_with('"')));
    let page = answer.json();
    assert_eq!(page["name"], "requests");
    assert!(page["meta"]["api-version"].as_str().is_some_and(|version| version.starts_with("1.")));
    let wheel = files(&page)
        .iter()
        .find(|file| file["filename"] == "requests-2.32.3-py3-none-any.whl")
        .expect("requests 2.32.3's wheel is recorded");
    let url = format!("{}/files/requests-2.32.3-py3-none-any.whl", server.origin());
    assert_eq!(wheel["url"], url.as_str());
    assert!(wheel["core-metadata"]["sha256"].is_string());
    assert_eq!(wheel["core-metadata"], wheel["dist-info-metadata"]);
    // Nothing uploaded after the fixtures' cut-off.
    assert!(files(&page)
        .iter()
        .all(|file| file["upload-time"].as_str().is_some_and(|time| &time[..10] <= "2025-10-01")));

    let metadata = get(&server, &format!("{}.metadata", url.trim_start_matches(server.origin())));
    assert_eq!(metadata.status, 200);
    let text = String::from_utf8(metadata.body).expect("metadata is text");
    assert!(text.contains("Name: requests\n") && text.contains("Version: 2.32.3\n"), "{text}");
    assert!(text.contains("Requires-Dist: urllib3"), "{text}");
}

#[test]
fn a_matching_etag_is_answered_304_and_another_200() {
    let server = start(&[FIXTURE_INDEX]);
    let first = get(&server, "/simple/flask/");
    let etag = first.header("etag").expect("an ETag").to_string();
    let again = request(&server, "GET", "/simple/flask/", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let other = request(&server, "GET", "/simple/flask/", &[("If-None-Match", "\"something-else\"")]);
    assert_eq!(other.status, 200);
    assert_eq!(other.body, first.body);
}

#[test]
fn other_spellings_redirect_and_unknown_names_are_404() {
    let server = start(&[FIXTURE_INDEX]);
    for path in ["/simple/Django/", "/simple/django", "/simple/DJANGO"] {
        let answer = get(&server, path);
        assert_eq!(answer.status, 301, "{path}");
        assert_eq!(answer.header("location"), Some("/simple/django/"), "{path}");
    }
    assert_eq!(get(&server, "/simple/no-such-project-here/").status, 404);
    assert_eq!(get(&server, "/simple/../etc/").status, 404);
    assert_eq!(get(&server, "/files/no_such-1.0-py3-none-any.whl").status, 404);
    assert_eq!(get(&server, "/files/no_such-1.0-py3-none-any.whl.metadata").status, 404);
    let list = get(&server, "/simple/").json();
    assert!(list["projects"].as_array().is_some_and(|projects| projects.len() > 300));
}

#[test]
fn a_wheel_stored_whole_answers_ranges_and_head() {
    let server = start(&[FIXTURE_INDEX]);
    let filename = "six-1.17.0-py2.py3-none-any.whl";
    let bytes = std::fs::read(root().join(FIXTURE_INDEX).join("files").join(filename)).expect("six is stored whole");
    let length = bytes.len();
    let page = get(&server, "/simple/six/").json();
    let entry = files(&page).iter().find(|file| file["filename"] == filename).expect("six 1.17.0's wheel");
    assert!(entry.get("core-metadata").is_none(), "a wheel stored whole has no metadata file");
    assert_eq!(get(&server, &format!("/files/{filename}.metadata")).status, 404);

    let head = request(&server, "HEAD", &format!("/files/{filename}"), &[]);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some(length.to_string().as_str()));
    assert_eq!(head.header("accept-ranges"), Some("bytes"));
    assert!(head.body.is_empty());

    // A zip's end of central directory, as a range reader asks for it first.
    let tail = request(&server, "GET", &format!("/files/{filename}"), &[("Range", "bytes=-22")]);
    assert_eq!(tail.status, 206);
    assert_eq!(tail.header("content-range"), Some(format!("bytes {}-{}/{length}", length - 22, length - 1).as_str()));
    assert_eq!(tail.body, &bytes[length - 22..]);
    assert_eq!(&tail.body[..4], b"PK\x05\x06");
    let start = request(&server, "GET", &format!("/files/{filename}"), &[("Range", "bytes=0-3")]);
    assert_eq!((start.status, &start.body[..]), (206, &b"PK\x03\x04"[..]));
    let past = request(&server, "GET", &format!("/files/{filename}"), &[("Range", &format!("bytes={length}-"))]);
    assert_eq!(past.status, 416);
    assert_eq!(past.header("content-range"), Some(format!("bytes */{length}").as_str()));
    assert_eq!(get(&server, &format!("/files/{filename}")).body, bytes);
}

#[test]
fn the_knobs_remove_core_metadata_delay_and_fail_index_answers_and_the_log_lists_them() {
    let server = start(&[FIXTURE_INDEX]);
    server.control(Knobs { core_metadata: false, ..Knobs::default() });
    let page = get(&server, "/simple/requests/").json();
    assert!(files(&page).iter().all(|file| file.get("core-metadata").is_none()));
    assert!(files(&page).iter().all(|file| file.get("dist-info-metadata").is_none()));

    server.control(Knobs { index_latency_ms: 120, ..Knobs::default() });
    let started = Instant::now();
    assert_eq!(get(&server, "/simple/idna/").status, 200);
    assert!(started.elapsed().as_millis() >= 120);

    let fault = |kind, prefix: &str| Fault { kind, every: 1, path_prefix: Some(prefix.into()), times: Some(1) };
    server.control(Knobs {
        faults: vec![
            fault(FaultKind::Status { status: 503 }, "/simple/"),
            fault(FaultKind::SchemaV2, "/simple/flask/"),
            // Without an index prefix a fault is the OSV API's only.
            Fault { kind: FaultKind::Malformed, every: 1, path_prefix: None, times: None },
        ],
        ..Knobs::default()
    });
    assert_eq!(get(&server, "/simple/requests/").status, 503);
    assert_eq!(get(&server, "/simple/requests/").status, 200);
    assert_eq!(get(&server, "/simple/flask/").json()["meta"]["api-version"], "2.0");
    let log = server.index_requests();
    let statuses: Vec<u16> = log.iter().map(|(_, _, status)| *status).collect();
    assert_eq!(statuses, [503, 200, 200]);
    assert_eq!(log[2].1, "/simple/flask/");
    let listed = get(&server, "/__index-log").json();
    assert_eq!(listed.as_array().map(Vec::len), Some(3));
}

#[test]
fn yanked_files_keep_their_reasons() {
    let server = start(&[FIXTURE_INDEX]);
    for (project, version) in
        [("requests", "2.32.0"), ("django", "4.2.12"), ("urllib3", "2.0.0"), ("cryptography", "37.0.3")]
    {
        let page = get(&server, &format!("/simple/{project}/")).json();
        let released: Vec<&Value> = files(&page)
            .iter()
            .filter(|file| {
                let name = file["filename"].as_str().unwrap_or_default();
                name.contains(&format!("-{version}-")) || name.contains(&format!("-{version}.tar"))
            })
            .collect();
        assert!(!released.is_empty(), "{project} {version} is recorded");
        for file in released {
            let reason = file["yanked"].as_str().unwrap_or_default();
            assert!(!reason.is_empty(), "{project} {version}: {} is yanked with a reason", file["filename"]);
        }
    }
}

#[test]
fn made_up_projects_carry_each_project_status() {
    let server = start(&[FIXTURE_INDEX]);
    for status in ["archived", "quarantined", "deprecated", "active"] {
        let page = get(&server, &format!("/simple/osv-lens-{status}/")).json();
        assert_eq!(page["project-status"]["status"], status);
        assert_eq!(page["meta"]["api-version"], "1.4");
        if status != "active" {
            assert!(page["project-status"]["reason"].as_str().is_some_and(|reason| reason.starts_with("made-up")));
        }
    }
    let quarantined = get(&server, "/simple/osv-lens-quarantined/").json();
    assert!(files(&quarantined).is_empty(), "a quarantined project offers no files");
    let demo = get(&server, "/simple/osv-lens-demo/").json();
    let yanked: Vec<&str> = files(&demo)
        .iter()
        .filter(|file| file["yanked"].is_string())
        .filter_map(|file| file["filename"].as_str())
        .collect();
    assert_eq!(yanked, ["osv_lens_demo-1.4.0-py3-none-any.whl"]);
}

#[test]
fn the_bench_pages_are_laid_over_the_index_and_keep_its_metadata() {
    let trimmed = start(&[FIXTURE_INDEX]);
    let full = start(&[FIXTURE_INDEX, BENCH_INDEX]);
    let small = get(&trimmed, "/simple/requests/");
    let large = get(&full, "/simple/requests/");
    assert!(large.body.len() > small.body.len());
    let page = large.json();
    assert!(files(&page).iter().any(|file| file["upload-time"].as_str().is_some_and(|time| time > "2025-10-02")));
    let wheel = files(&page)
        .iter()
        .find(|file| file["filename"] == "requests-2.32.3-py3-none-any.whl")
        .expect("requests 2.32.3's wheel");
    assert!(wheel["core-metadata"]["sha256"].is_string());
    assert_eq!(get(&full, "/files/requests-2.32.3-py3-none-any.whl.metadata").status, 200);
    assert!(get(&full, "/simple/aiohttp/").body.len() > 2_000_000);
}
