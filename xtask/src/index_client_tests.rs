//! The core's package-index client ([`osv_lens::index::IndexClient`]) against the local index over real HTTP, on the
//! recorded fixtures of `tests/fixtures/index`: pages, 304 revalidation, 404s, metadata files, and the real small
//! wheels served whole, whose METADATA is read with range requests.

use std::cell::Cell;
use std::path::PathBuf;
use std::rc::Rc;

use futures::executor::block_on;
use osv_lens::http::Transport;
use osv_lens::index::{IndexClient, IndexError, IndexOptions, IndexUrl, MemoryCache};

use crate::http_client::ThreadTransport;
use crate::server::{Knobs, Server, Services};
use crate::server_index::{Index, FIXTURE_INDEX};

fn start(knobs: Knobs) -> Server {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(FIXTURE_INDEX);
    let index = Index::open(&[folder]).expect("the recorded index opens");
    Server::start_services(0, Services { index: Some(index), ..Services::default() }, knobs).expect("the server starts")
}

fn client<T: Transport>(server: &Server, transport: T, now: &Rc<Cell<u64>>) -> IndexClient<T, MemoryCache> {
    let options = IndexOptions { index: IndexUrl::new(server.origin()), ..IndexOptions::default() };
    let now = Rc::clone(now);
    IndexClient::new(transport, MemoryCache::new(), options, Rc::new(move || now.get()))
}

fn paths(server: &Server) -> Vec<(String, u16)> {
    server.index_requests().into_iter().map(|(_, path, status)| (path, status)).collect()
}

#[test]
fn pages_are_read_kept_and_revalidated_with_a_304() {
    let server = start(Knobs::default());
    let now = Rc::new(Cell::new(1_000_000));
    let client = client(&server, ThreadTransport, &now);
    let requests = block_on(client.project("Requests")).expect("recorded");
    let release = requests.find(&"2.32.0".parse().expect("a version")).expect("listed");
    assert_eq!(release.yanked(), Some("Yanked due to conflicts with CVE-2024-35195 mitigation"));
    assert!(release.files.iter().all(|file| file.url.starts_with(&format!("{}/files/", server.origin()))));
    assert_eq!(block_on(client.project("osv-lens-typo")), Err(IndexError::NotFound));
    block_on(client.project("requests")).expect("kept");
    assert_eq!(paths(&server), [("/simple/requests/".into(), 200), ("/simple/osv-lens-typo/".into(), 404)]);
    // Stale: one conditional request, answered 304, and the same page.
    now.set(now.get() + 3_600_000);
    let again = block_on(client.project("requests")).expect("revalidated");
    assert!(Rc::ptr_eq(&requests, &again));
    assert_eq!(paths(&server).last(), Some(&("/simple/requests/".into(), 304)));
    assert_eq!(client.stats().not_modified, 1);
}

#[test]
fn metadata_comes_from_metadata_files_or_from_the_wheel_in_ranges() {
    // As the registry these machines reach: no `core-metadata` key in the pages.
    let server = start(Knobs { core_metadata: false, ..Knobs::default() });
    let now = Rc::new(Cell::new(0));
    let client = client(&server, ThreadTransport, &now);
    let requests = block_on(client.project("requests")).expect("recorded");
    let release = requests.find(&"2.32.3".parse().expect("a version")).expect("listed");
    let wheel = release.files.iter().find(|file| file.filename.ends_with(".whl")).expect("a wheel");
    assert!(!wheel.core_metadata, "the page does not announce it");
    let metadata = block_on(client.metadata(wheel)).expect("the metadata file is served");
    let requirements: Vec<String> = metadata.core.requires_dist.iter().map(|r| r.name.to_string()).collect();
    assert!(requirements.contains(&"urllib3".to_string()) && requirements.contains(&"idna".to_string()));

    // six 1.17.0's wheel is served whole and has no metadata file: read from the end of the wheel in ranges.
    let project = block_on(client.project("six")).expect("recorded");
    let release = project.find(&"1.17.0".parse().expect("a version")).expect("listed");
    let wheel = release.files.iter().find(|file| file.filename.ends_with(".whl")).expect("a wheel");
    let before = server.index_requests().len();
    let metadata = block_on(client.metadata(wheel)).expect("read from the wheel");
    assert_eq!((metadata.core.name.to_string(), metadata.core.version.to_string()), ("six".into(), "1.17.0".into()));
    assert_eq!(
        metadata.core.requires_python.as_ref().map(ToString::to_string).as_deref(),
        Some(">=2.7, !=3.0.*, !=3.1.*, !=3.2.*")
    );
    let asked: Vec<(String, u16)> = paths(&server)[before..].to_vec();
    let file = format!("/files/{}", wheel.filename);
    assert_eq!(asked, [(format!("{file}.metadata"), 404), (file.clone(), 206)], "one range read of a small wheel");
    assert!(client.stats().range_requests >= 1);
}

#[test]
fn metadata_the_index_does_not_have_is_asked_for_once() {
    let server = start(Knobs { core_metadata: false, ..Knobs::default() });
    let now = Rc::new(Cell::new(0));
    let client = client(&server, ThreadTransport, &now);
    let project = block_on(client.project("six")).expect("recorded");
    let mut wheel =
        project.releases.iter().flat_map(|release| &release.files).find(|file| file.filename.ends_with(".whl"));
    let mut wheel = wheel.take().expect("a wheel").clone();
    // A wheel the index has neither a metadata file for nor serves: both answers are 404.
    wheel.url = format!("{}/files/six-0.0.1-py2.py3-none-any.whl", server.origin());
    wheel.filename = "six-0.0.1-py2.py3-none-any.whl".into();
    wheel.size = Some(10_000);
    let before = server.index_requests().len();
    let first = block_on(client.metadata(&wheel)).expect_err("nothing to read");
    let asked = server.index_requests().len() - before;
    assert!(asked >= 2, "the metadata file, then the wheel: {asked}");
    assert_eq!(block_on(client.metadata(&wheel)).expect_err("still nothing"), first);
    assert_eq!(server.index_requests().len() - before, asked, "not asked again");
}

/// The lines of a `requirements.txt` below its header comments.
fn body(text: &str) -> Vec<String> {
    text.lines().filter(|line| !line.starts_with('#') && !line.trim().is_empty()).map(String::from).collect()
}

/// The resolver over the client over HTTP gives uv's pins for cases of `tests/fixtures/resolution` (their inputs,
/// targets and dates written here as their `case.toml` gives them).
#[test]
fn the_resolver_over_the_client_gives_uvs_pins() {
    use osv_lens::environment::{Platform, TargetEnvironment};
    use osv_lens::resolve;
    use osv_lens::sources::{parse_files, InputFile};

    let server = start(Knobs { core_metadata: false, ..Knobs::default() });
    let now = Rc::new(Cell::new(0));
    let client = client(&server, ThreadTransport, &now);
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/resolution");
    for (case, python, as_of) in [("ranges", "3.12", "2025-06-01"), ("extras", "3.11", "2025-03-01")] {
        let input = std::fs::read_to_string(folder.join(case).join("requirements.in")).expect("the case's input");
        let parsed = parse_files(&[InputFile::new("requirements.in", input)]);
        let target = TargetEnvironment { python: python.parse().expect("a version"), platform: Platform::Linux };
        let mut request = resolve::from_input(&parsed, target);
        request.as_of = Some(as_of.parse().expect("a date"));
        let resolution = block_on(resolve::resolve(&client, &request));
        let expected = std::fs::read_to_string(folder.join(case).join("expected.txt")).expect("uv's answer");
        assert_eq!(body(&resolution.requirements_txt()), body(&expected), "{case}");
    }
    assert!(client.stats().requests > 20, "pages and metadata files were fetched: {:?}", client.stats());
}
