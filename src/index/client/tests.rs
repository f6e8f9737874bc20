//! The client against an index in memory that answers as PyPI does (validators, 304s, 404s, range requests) and
//! can be told to fail.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::task::Poll;

use futures::executor::block_on;
use futures::future::join_all;

use super::*;
use crate::http::Method;
use crate::index::MemoryCache;

const BASE: &str = "https://index.example";

/// One page of the index as served.
#[derive(Clone)]
struct Served {
    body: String,
    etag: Option<String>,
    last_modified: Option<String>,
    cache_control: Option<String>,
}

/// Returns `Pending` once, so that other futures run while a request is "in flight".
async fn yield_now() {
    let mut yielded = false;
    futures::future::poll_fn(|context| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            context.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await;
}

#[derive(Default)]
struct FakeIndex {
    pages: RefCell<HashMap<String, Served>>,
    files: RefCell<HashMap<String, Vec<u8>>>,
    /// Answers given before the index's own, by URL.
    faults: RefCell<HashMap<String, VecDeque<Result<HttpResponse, TransportError>>>>,
    ignore_ranges: Cell<bool>,
    sent: RefCell<Vec<HttpRequest>>,
    in_flight: Cell<usize>,
    most_in_flight: Cell<usize>,
}

impl FakeIndex {
    fn page(&self, name: &str, served: Served) {
        self.pages.borrow_mut().insert(format!("{BASE}/simple/{name}/"), served);
    }

    fn fault(&self, url: &str, answer: Result<HttpResponse, TransportError>) {
        self.faults.borrow_mut().entry(url.to_string()).or_default().push_back(answer);
    }

    fn sent_urls(&self) -> Vec<String> {
        self.sent.borrow().iter().map(|request| request.url.clone()).collect()
    }

    fn answer(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        if let Some(answer) = self.faults.borrow_mut().get_mut(&request.url).and_then(VecDeque::pop_front) {
            return answer;
        }
        let header = |name: &str| request.headers.iter().find(|(key, _)| *key == name).map(|(_, value)| value.as_str());
        if let Some(served) = self.pages.borrow().get(&request.url) {
            let mut response = match (&served.etag, header("If-None-Match")) {
                (Some(etag), Some(asked)) if etag == asked => HttpResponse::new(304, ""),
                _ => match (&served.last_modified, header("If-Modified-Since")) {
                    (Some(modified), Some(asked)) if modified == asked => HttpResponse::new(304, ""),
                    _ => HttpResponse::new(200, served.body.clone())
                        .with_header("Content-Type", "application/vnd.pypi.simple.v1+json"),
                },
            };
            for (name, value) in [
                ("ETag", &served.etag),
                ("Last-Modified", &served.last_modified),
                ("Cache-Control", &served.cache_control),
            ] {
                if let Some(value) = value {
                    response = response.with_header(name, value.clone());
                }
            }
            return Ok(response);
        }
        let Some(bytes) = self.files.borrow().get(&request.url).cloned() else {
            return Ok(HttpResponse::new(404, "Not Found"));
        };
        if request.method == Method::Head {
            return Ok(HttpResponse::new(200, "").with_header("Content-Length", bytes.len().to_string()));
        }
        match header("Range").and_then(|range| range.strip_prefix("bytes=")?.split_once('-')) {
            Some((start, end)) if !self.ignore_ranges.get() => {
                let (start, end): (usize, usize) = (start.parse().expect("a start"), end.parse().expect("an end"));
                let slice = bytes.get(start..=end.min(bytes.len() - 1)).unwrap_or(&[]).to_vec();
                Ok(HttpResponse::new(206, slice)
                    .with_header("Content-Range", format!("bytes {start}-{end}/{}", bytes.len())))
            }
            _ => Ok(HttpResponse::new(200, bytes)),
        }
    }
}

impl Transport for FakeIndex {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.borrow_mut().push(request.clone());
        self.in_flight.set(self.in_flight.get() + 1);
        self.most_in_flight.set(self.most_in_flight.get().max(self.in_flight.get()));
        for _ in 0..3 {
            yield_now().await;
        }
        self.in_flight.set(self.in_flight.get() - 1);
        self.answer(request)
    }

    async fn sleep(&self, _millis: u32) {}

    fn random(&self) -> f64 {
        0.5
    }
}

fn page_json(name: &str, files: &[&str]) -> String {
    let files: Vec<String> = files
        .iter()
        .map(|filename| {
            format!(r#"{{"filename":"{filename}","url":"/files/{filename}","hashes":{{}},"yanked":false}}"#)
        })
        .collect();
    format!(r#"{{"meta":{{"api-version":"1.1"}},"name":"{name}","files":[{}]}}"#, files.join(","))
}

fn served(body: String) -> Served {
    Served { body, etag: Some("\"v1\"".into()), last_modified: None, cache_control: Some("max-age=600, public".into()) }
}

struct Setup {
    client: IndexClient<Rc<FakeIndex>, Rc<MemoryCache>>,
    index: Rc<FakeIndex>,
    now: Rc<Cell<u64>>,
}

fn setup(index: FakeIndex, concurrency: usize) -> Setup {
    let index = Rc::new(index);
    let now = Rc::new(Cell::new(1_000_000));
    let clock_now = now.clone();
    let options = IndexOptions { index: IndexUrl::new(BASE), concurrency, ..IndexOptions::default() };
    let client =
        IndexClient::new(index.clone(), Rc::new(MemoryCache::new()), options, Rc::new(move || clock_now.get()));
    Setup { client, index, now }
}

impl<T: Transport + ?Sized> Transport for Rc<T> {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        (**self).send(request).await
    }

    async fn sleep(&self, millis: u32) {
        (**self).sleep(millis).await;
    }

    fn random(&self) -> f64 {
        (**self).random()
    }
}

fn demo_index() -> FakeIndex {
    let index = FakeIndex::default();
    index.page("demo-pkg", served(page_json("demo-pkg", &["demo_pkg-1.0-py3-none-any.whl", "demo_pkg-1.0.tar.gz"])));
    index
}

#[test]
fn a_page_is_asked_for_once_while_fresh_and_says_what_it_carries() {
    let Setup { client, index, .. } = setup(demo_index(), 4);
    let project = block_on(client.project("Demo_Pkg")).expect("found");
    assert_eq!(project.releases.len(), 1);
    assert_eq!(project.releases[0].files[0].url, "https://index.example/files/demo_pkg-1.0-py3-none-any.whl");
    let again = block_on(client.project("demo.pkg")).expect("found");
    assert!(Rc::ptr_eq(&project, &again), "the same page, from the cache");
    let sent = index.sent.borrow();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url, "https://index.example/simple/demo-pkg/");
    assert_eq!(sent[0].carries, ["demo-pkg"]);
    assert!(sent[0].headers.contains(&("Accept", "application/vnd.pypi.simple.v1+json".to_string())));
    assert_eq!((client.stats().requests, client.stats().fresh_hits), (1, 1));
}

#[test]
fn a_stale_page_is_revalidated_and_a_304_keeps_it() {
    let Setup { client, index, now } = setup(demo_index(), 4);
    let first = block_on(client.project("demo-pkg")).expect("found");
    now.set(now.get() + 600_000);
    let second = block_on(client.project("demo-pkg")).expect("still found");
    assert!(Rc::ptr_eq(&first, &second), "a 304 keeps the page");
    {
        let sent = index.sent.borrow();
        assert_eq!(sent.len(), 2);
        assert!(sent[1].headers.contains(&("If-None-Match", "\"v1\"".to_string())), "{:?}", sent[1].headers);
    }
    assert_eq!(client.stats().not_modified, 1);
    // Fresh again for the 304's max-age.
    now.set(now.get() + 599_000);
    block_on(client.project("demo-pkg")).expect("found");
    assert_eq!(index.sent.borrow().len(), 2);
    // A changed page replaces the kept one.
    index.page(
        "demo-pkg",
        Served { etag: Some("\"v2\"".into()), ..served(page_json("demo-pkg", &["demo_pkg-2.0.tar.gz"])) },
    );
    now.set(now.get() + 2_000);
    let changed = block_on(client.project("demo-pkg")).expect("found");
    assert_eq!(changed.releases[0].version.to_string(), "2.0");
    assert_eq!(index.sent.borrow().len(), 3);
}

#[test]
fn last_modified_is_sent_back_and_no_cache_control_means_the_default_lifetime() {
    let index = FakeIndex::default();
    let page = Served {
        etag: None,
        last_modified: Some("Wed, 01 Oct 2025 00:00:00 GMT".into()),
        cache_control: None,
        ..served(page_json("demo-pkg", &["demo_pkg-1.0.tar.gz"]))
    };
    index.page("demo-pkg", page);
    let Setup { client, index, now } = setup(index, 4);
    block_on(client.project("demo-pkg")).expect("found");
    now.set(now.get() + DEFAULT_MAX_AGE_MS - 1);
    block_on(client.project("demo-pkg")).expect("found");
    assert_eq!(index.sent.borrow().len(), 1, "fresh for the default lifetime");
    now.set(now.get() + 1);
    block_on(client.project("demo-pkg")).expect("found");
    let sent = index.sent.borrow();
    assert!(sent[1].headers.contains(&("If-Modified-Since", "Wed, 01 Oct 2025 00:00:00 GMT".to_string())));
    assert_eq!(client.stats().not_modified, 1);
}

#[test]
fn no_store_pages_are_not_kept() {
    let index = FakeIndex::default();
    index.page("demo-pkg", Served { cache_control: Some("no-store".into()), ..served(page_json("demo-pkg", &[])) });
    let Setup { client, index, .. } = setup(index, 4);
    block_on(client.project("demo-pkg")).expect("found");
    block_on(client.project("demo-pkg")).expect("found");
    assert_eq!(index.sent.borrow().len(), 2);
}

#[test]
fn a_404_is_not_on_the_index_and_is_kept_while_an_unreachable_index_is_not() {
    let Setup { client, index, now } = setup(demo_index(), 4);
    assert_eq!(block_on(client.project("reqeusts")), Err(IndexError::NotFound));
    assert_eq!(block_on(client.project("reqeusts")), Err(IndexError::NotFound));
    assert_eq!(index.sent.borrow().len(), 1, "the answer is kept");
    now.set(now.get() + DEFAULT_MAX_AGE_MS);
    assert_eq!(block_on(client.project("reqeusts")), Err(IndexError::NotFound));
    assert_eq!(index.sent.borrow().len(), 2, "asked again once stale");
    assert_eq!(block_on(client.project("not a name!")), Err(IndexError::NotFound), "no index has such a name");

    let url = "https://index.example/simple/demo-pkg/";
    for _ in 0..3 {
        index.fault(url, Err(TransportError::Network("connection refused".into())));
    }
    let failed = block_on(client.project("demo-pkg"));
    assert_eq!(failed, Err(IndexError::Fetch(FetchError::Network("connection refused".into()))));
    assert_eq!(failed.expect_err("failed").to_string(), "PyPI could not be reached (connection refused)");
    assert_eq!(index.sent.borrow().len(), 5, "3 tries");
    assert!(block_on(client.project("demo-pkg")).is_ok(), "a failure is not kept");
}

#[test]
fn a_truncated_or_broken_answer_is_retried_then_reported() {
    let Setup { client, index, .. } = setup(demo_index(), 4);
    let url = "https://index.example/simple/demo-pkg/";
    let body = page_json("demo-pkg", &["demo_pkg-1.0.tar.gz"]);
    index.fault(url, Ok(HttpResponse::new(200, &body.as_bytes()[..body.len() / 2])));
    index.fault(url, Ok(HttpResponse::new(503, "")));
    assert!(block_on(client.project("demo-pkg")).is_ok(), "the third try reads");
    assert_eq!(index.sent.borrow().len(), 3);

    let Setup { client, index, .. } = setup(demo_index(), 4);
    for _ in 0..3 {
        index.fault(url, Ok(HttpResponse::new(200, "<html>an error page</html>")));
    }
    let failed = block_on(client.project("demo-pkg")).expect_err("unreadable");
    assert!(
        matches!(&failed, IndexError::Fetch(FetchError::Malformed(message)) if message.contains("line 1 column 1")),
        "{failed:?}"
    );
    // A page over the size read is refused, not read.
    let Setup { client, index, .. } = setup(demo_index(), 4);
    let huge = vec![b' '; crate::index::simple::MAX_PAGE_BYTES + 1];
    for _ in 0..3 {
        index.fault(url, Ok(HttpResponse::new(200, huge.clone())));
    }
    let failed = block_on(client.project("demo-pkg")).expect_err("too large");
    assert!(failed.to_string().contains("over the 64 MB read"), "{failed}");
}

#[test]
fn the_same_page_asked_for_at_once_is_fetched_once() {
    let Setup { client, index, .. } = setup(demo_index(), 4);
    let asks = ["demo-pkg", "Demo-Pkg", "demo_pkg", "DEMO.PKG"].map(|name| client.project(name));
    let answers = block_on(join_all(asks));
    assert_eq!(index.sent.borrow().len(), 1);
    assert!(answers
        .iter()
        .all(|answer| answer.as_ref().is_ok_and(|project| Rc::ptr_eq(project, answers[0].as_ref().expect("found")))));
}

#[test]
fn requests_go_out_in_parallel_but_bounded() {
    let index = FakeIndex::default();
    let names: Vec<String> = (0..20).map(|number| format!("pkg{number}")).collect();
    for name in &names {
        index.page(name, served(page_json(name, &[&format!("{name}-1.0.tar.gz")])));
    }
    let Setup { client, index, .. } = setup(index, 4);
    let mut answers = Vec::new();
    let mut asked = names.clone();
    asked.push("missing".into());
    block_on(client.projects(asked, &mut |name, lookup| answers.push((name, lookup.is_ok()))));
    assert_eq!(answers.len(), 21);
    assert_eq!(answers.iter().filter(|(_, found)| *found).count(), 20);
    assert_eq!(index.most_in_flight.get(), 4, "at most 4 at once, and 4 were");
    assert_eq!(index.sent.borrow().len(), 21);
}

/// A wheel holding `metadata` as its `.dist-info/METADATA`.
fn wheel_bytes(metadata: &str) -> Vec<u8> {
    let mut writer = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default();
    writer
        .start_file("demo_pkg/__init__.py", options.compression_method(::zip::CompressionMethod::Stored))
        .expect("starts");
    writer.write_all(&[b'#'; 100_000]).expect("written");
    writer.start_file("demo_pkg-1.0.dist-info/METADATA", options).expect("starts");
    writer.write_all(metadata.as_bytes()).expect("written");
    writer.finish().expect("finished").into_inner()
}

const WHEEL_METADATA: &str = "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nRequires-Dist: idna>=3\n\
Provides-Extra: socks\nRequires-Dist: pysocks; extra == 'socks'\n\nA long description.\n";
const WHEEL: &str = "https://index.example/files/demo_pkg-1.0-py3-none-any.whl";
const SDIST: &str = "https://index.example/files/demo_pkg-1.0.tar.gz";

fn demo_files(setup: &Setup) -> (DistFile, DistFile) {
    let project = block_on(setup.client.project("demo-pkg")).expect("found");
    let files = &project.releases[0].files;
    (files[0].clone(), files[1].clone())
}

#[test]
fn a_wheels_metadata_file_is_fetched_even_unannounced_and_kept() {
    let index = demo_index();
    index.files.borrow_mut().insert(format!("{WHEEL}.metadata"), WHEEL_METADATA.as_bytes().to_vec());
    let setup = setup(index, 4);
    let (wheel, _) = demo_files(&setup);
    assert!(!wheel.core_metadata, "the page does not announce it");
    let read = block_on(setup.client.metadata(&wheel)).expect("read");
    let requirements: Vec<String> = read.core.requires_dist.iter().map(ToString::to_string).collect();
    assert_eq!(requirements, ["idna>=3", "pysocks ; extra == 'socks'"]);
    let again = block_on(setup.client.metadata(&wheel)).expect("read");
    assert_eq!(again.core, read.core);
    let sent = setup.index.sent.borrow();
    assert_eq!(sent.len(), 2, "the page, then the metadata file once");
    assert_eq!(sent[1].url, format!("{WHEEL}.metadata"));
    assert_eq!(sent[1].carries, ["demo_pkg-1.0-py3-none-any.whl"]);
    assert_eq!(setup.client.stats().metadata_hits, 1);
    let kept = block_on(setup.client.cache().metadata(WHEEL)).expect("kept");
    assert!(!String::from_utf8_lossy(&kept).contains("description"), "only the headers are kept");
}

#[test]
fn without_a_metadata_file_the_wheel_is_read_in_ranges() {
    let index = demo_index();
    let bytes = wheel_bytes(WHEEL_METADATA);
    let size = bytes.len();
    index.files.borrow_mut().insert(WHEEL.into(), bytes);
    let setup = setup(index, 4);
    let (wheel, _) = demo_files(&setup);
    let read = block_on(setup.client.metadata(&wheel)).expect("read from the wheel");
    assert_eq!(read.core.version.to_string(), "1.0");
    assert_eq!(read.core.provides_extra.len(), 1);
    let sent = setup.index.sent.borrow();
    let urls: Vec<&str> = sent.iter().map(|request| request.url.as_str()).collect();
    assert_eq!(urls, ["https://index.example/simple/demo-pkg/", &format!("{WHEEL}.metadata"), WHEEL, WHEEL]);
    assert_eq!(sent[2].method, Method::Head, "the page gave no size");
    let range = sent[3].headers.iter().find(|(name, _)| *name == "Range").map(|(_, value)| value.clone());
    assert_eq!(range, Some(format!("bytes={}-{}", size - (64 << 10), size - 1)));
    assert!(sent[3].carries[0].starts_with("demo_pkg-1.0-py3-none-any.whl (bytes"));
    assert_eq!(setup.client.stats().range_requests, 1);
}

#[test]
fn a_server_that_ignores_ranges_sends_the_wheel_whole() {
    let index = demo_index();
    index.files.borrow_mut().insert(WHEEL.into(), wheel_bytes(WHEEL_METADATA));
    index.ignore_ranges.set(true);
    let setup = setup(index, 4);
    let (mut wheel, _) = demo_files(&setup);
    wheel.size = Some(setup.index.files.borrow()[WHEEL].len() as u64);
    let read = block_on(setup.client.metadata(&wheel)).expect("read from the whole wheel");
    assert_eq!(read.core.requires_dist.len(), 2);
    assert_eq!(setup.index.sent.borrow().len(), 3, "the page, the missing metadata file, the whole wheel once");
    // A size that does not match what the index said is an error, not a misread.
    let Setup { client, index, .. } = self::setup(demo_index(), 4);
    index.files.borrow_mut().insert(WHEEL.into(), wheel_bytes(WHEEL_METADATA));
    index.ignore_ranges.set(true);
    let said = wheel.size.expect("set above") + 1;
    wheel.size = Some(said);
    let error = block_on(client.metadata(&wheel)).expect_err("wrong size");
    assert!(error.to_string().contains(&format!("not the {said} the index said")), "{error}");
}

#[test]
fn an_sdist_gives_its_dependencies_only_from_final_metadata() {
    let index = demo_index();
    let setup = setup(index, 4);
    let (_, sdist) = demo_files(&setup);
    let error = block_on(setup.client.metadata(&sdist)).expect_err("an sdist without metadata");
    assert!(
        matches!(&error, IndexError::NoMetadata(why) if why.contains("demo_pkg-1.0.tar.gz") && why.contains("building")),
        "{error:?}"
    );
    assert_eq!(setup.index.sent.borrow().len(), 1, "nothing was asked for it");

    let announced = DistFile { core_metadata: true, ..sdist.clone() };
    setup
        .index
        .files
        .borrow_mut()
        .insert(format!("{SDIST}.metadata"), b"Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n".to_vec());
    let error = block_on(setup.client.metadata(&announced)).expect_err("metadata 2.1 is not final");
    assert!(matches!(&error, IndexError::NoMetadata(why) if why.contains("PEP 643")), "{error:?}");

    let index = demo_index();
    index.files.borrow_mut().insert(
        format!("{SDIST}.metadata"),
        b"Metadata-Version: 2.2\nName: demo-pkg\nVersion: 1.0\nRequires-Dist: idna\n".to_vec(),
    );
    let setup = self::setup(index, 4);
    let read = block_on(setup.client.metadata(&announced)).expect("final metadata");
    assert_eq!(read.core.requires_dist.len(), 1);
}

#[test]
fn metadata_that_names_another_project_is_refused() {
    let index = demo_index();
    index.files.borrow_mut().insert(format!("{WHEEL}.metadata"), b"Name: other\nVersion: 1.0\n".to_vec());
    let setup = setup(index, 4);
    let (wheel, _) = demo_files(&setup);
    let error = block_on(setup.client.metadata(&wheel)).expect_err("another project");
    assert!(error.to_string().contains("is the metadata of `other 1.0`"), "{error}");
    let index = demo_index();
    index.files.borrow_mut().insert(format!("{WHEEL}.metadata"), b"Name: demo-pkg\nVersion: 2.0\n".to_vec());
    let setup = self::setup(index, 4);
    let (wheel, _) = demo_files(&setup);
    let error = block_on(setup.client.metadata(&wheel)).expect_err("another version");
    assert!(error.to_string().contains("is the metadata of `demo-pkg 2.0`"), "{error}");
    assert_eq!(setup.client.cache().len().1, 0, "not kept");
}

/// A store of strings, as IndexedDB is: what survives a reload.
#[derive(Default)]
struct StringStore(RefCell<HashMap<String, String>>);

impl PageCache for StringStore {
    async fn page(&self, url: &str) -> Option<CachedPage> {
        CachedPage::from_json(self.0.borrow().get(url)?)
    }

    async fn store_page(&self, url: &str, page: CachedPage) {
        self.0.borrow_mut().insert(url.to_string(), page.to_json());
    }

    async fn metadata(&self, _url: &str) -> Option<Rc<[u8]>> {
        None
    }

    async fn store_metadata(&self, _url: &str, _text: Rc<[u8]>) {}

    async fn missing_metadata(&self, url: &str) -> Option<MissingMetadata> {
        MissingMetadata::from_json(self.0.borrow().get(url)?)
    }

    async fn store_missing_metadata(&self, url: &str, missing: MissingMetadata) {
        if let Some(json) = missing.to_json() {
            self.0.borrow_mut().insert(url.to_string(), json);
        }
    }
}

/// A client as a page loaded at `now` makes it: the same index, and the store kept from earlier loads.
fn page_load(index: &Rc<FakeIndex>, store: &Rc<StringStore>, now: u64) -> IndexClient<Rc<FakeIndex>, Rc<StringStore>> {
    let options = IndexOptions { index: IndexUrl::new(BASE), ..IndexOptions::default() };
    IndexClient::new(Rc::clone(index), Rc::clone(store), options, Rc::new(move || now))
}

#[test]
fn after_a_reload_the_index_sees_only_conditional_requests() {
    let index = Rc::new(demo_index());
    let store = Rc::new(StringStore::default());
    let start = 1_000_000;
    let client = |now: u64| page_load(&index, &store, now);
    let first = block_on(client(start).project("demo-pkg")).expect("found");
    assert_eq!(block_on(client(start).project("reqeusts")), Err(IndexError::NotFound));
    // A reload within the lifetime: nothing is asked.
    let reloaded = client(start + 1000);
    assert_eq!(block_on(reloaded.project("demo-pkg")).expect("found"), first);
    assert_eq!(block_on(reloaded.project("reqeusts")), Err(IndexError::NotFound));
    assert_eq!(index.sent.borrow().len(), 2);
    // A reload after it: one conditional request, answered 304.
    let later = client(start + 700_000);
    assert_eq!(block_on(later.project("demo-pkg")).expect("found"), first);
    assert_eq!(later.stats().not_modified, 1);
    assert_eq!(index.sent_urls().len(), 3);
}

#[test]
fn a_file_without_metadata_is_not_asked_for_again_after_a_reload_until_a_day_has_passed() {
    let index = Rc::new(demo_index());
    let store = Rc::new(StringStore::default());
    let client = |now: u64| page_load(&index, &store, now);
    let start = 1_000_000;
    let first = client(start);
    let project = block_on(first.project("demo-pkg")).expect("found");
    let wheel = project.releases[0].files[0].clone();
    // Neither a metadata file nor the wheel itself.
    assert_eq!(block_on(first.metadata(&wheel)).map(|_| ()), Err(IndexError::NotFound));
    let asked = index.sent.borrow().len();
    assert!(asked >= 3, "the page, the metadata file and the wheel were asked");
    let reloaded = client(start + 3_600_000);
    assert_eq!(block_on(reloaded.metadata(&wheel)).map(|_| ()), Err(IndexError::NotFound));
    assert_eq!(index.sent.borrow().len(), asked, "the kept answer stands for an hour later");
    let next_day = client(start + MissingMetadata::FRESH_FOR_MS);
    assert_eq!(block_on(next_day.metadata(&wheel)).map(|_| ()), Err(IndexError::NotFound));
    assert!(index.sent.borrow().len() > asked, "a day later the index is asked again");
}
