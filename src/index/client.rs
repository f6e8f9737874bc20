//! [`IndexClient`]: project pages and metadata files from a package index, through a [`Transport`] and a
//! [`PageCache`].
//!
//! - A page is served from the cache while it is fresh (the index's `Cache-Control: max-age`, else
//!   [`IndexOptions::default_max_age_ms`]); after that it is revalidated with `If-None-Match` (its `ETag`) or
//!   `If-Modified-Since` (its `Last-Modified`), and a 304 keeps it. A 404 is kept too: "not on the index".
//! - Requests go out in parallel, at most [`IndexOptions::concurrency`] at once; a page or metadata file asked for
//!   while the same one is in flight waits for that answer rather than asking again.
//! - Every request is retried through [`send_with_retries`] and says what it carries (the project's name, or the
//!   file's name) for the page's list of what was sent.
//! - A wheel's metadata comes from `<file URL>.metadata` (PEP 658/714), asked for even when the page does not
//!   announce it; without one, from the wheel itself, read with range requests ([`super::wheel`]).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::stream::{FuturesUnordered, StreamExt};
use pep508_rs::PackageName;

use super::bounded::{InFlight, Limiter};
use super::cache::{freshness_ms, CachedPage, MissingMetadata, PageCache, DEFAULT_MAX_AGE_MS};
use super::filename::{parse_filename, WheelName};
use super::metadata::{parse_metadata, MetadataFile, MAX_METADATA_BYTES};
use super::simple::{read_project, SIMPLE_JSON};
use super::url::IndexUrl;
use super::wheel::{read_wheel_metadata, RangeReader};
use super::{DistFile, FileKind, IndexError, ProjectLookup, DEFAULT_INDEX};
use crate::http::{send_with_retries, FetchError, HttpRequest, HttpResponse, RetryPolicy, Transport, TransportError};

/// Milliseconds since the Unix epoch (`Date.now()` in the page; a hand-moved clock in the tests).
pub type Clock = Rc<dyn Fn() -> u64>;

/// How the client reaches the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexOptions {
    /// The index (`?index=<base>`); its JSON simple API is at `<base>/simple/<name>/`.
    pub index: IndexUrl,
    /// Tries and time-outs of each request.
    pub policy: RetryPolicy,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// How long a page stays fresh when the index does not say.
    pub default_max_age_ms: u64,
}

impl Default for IndexOptions {
    fn default() -> Self {
        Self {
            index: IndexUrl::new(DEFAULT_INDEX),
            policy: RetryPolicy { max_attempts: 3, ..RetryPolicy::default() },
            concurrency: 8,
            default_max_age_ms: DEFAULT_MAX_AGE_MS,
        }
    }
}

/// What the client did, for the bench and the page's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Requests sent, retries included.
    pub requests: usize,
    /// Bytes of the answers' bodies.
    pub bytes: u64,
    /// Pages answered by the cache without a request.
    pub fresh_hits: usize,
    /// Pages revalidated by a 304.
    pub not_modified: usize,
    /// Metadata files answered by the cache.
    pub metadata_hits: usize,
    /// Range requests into wheels.
    pub range_requests: usize,
}

/// The client. One per page (or Web Worker): its cache and its table of requests in flight are shared by every
/// part of the audit that asks.
pub struct IndexClient<T, C> {
    transport: T,
    cache: C,
    options: IndexOptions,
    clock: Clock,
    limiter: Limiter,
    pages: InFlight<ProjectLookup>,
    metadata: InFlight<Result<Rc<MetadataFile>, IndexError>>,
    stats: Cell<IndexStats>,
}

/// The client's transport, counting what goes through it.
struct Counted<'a, T> {
    inner: &'a T,
    stats: &'a Cell<IndexStats>,
}

impl<T: Transport> Transport for Counted<'_, T> {
    async fn send(&self, request: &crate::http::HttpRequest) -> Result<HttpResponse, TransportError> {
        let answer = self.inner.send(request).await;
        let mut stats = self.stats.get();
        stats.requests += 1;
        stats.range_requests += usize::from(request.headers.iter().any(|(name, _)| *name == "Range"));
        stats.bytes += answer.as_ref().map_or(0, |response| response.body.len() as u64);
        self.stats.set(stats);
        answer
    }

    async fn sleep(&self, millis: u32) {
        self.inner.sleep(millis).await;
    }

    fn random(&self) -> f64 {
        self.inner.random()
    }
}

/// A page's answer, before it is kept.
enum PageAnswer {
    Page(super::Project, Validators),
    NotModified(Validators),
}

/// What a 200 or 304 says about keeping the page.
struct Validators {
    etag: Option<String>,
    last_modified: Option<String>,
    fresh_for_ms: Option<u64>,
}

impl Validators {
    fn of(response: &HttpResponse, default_ms: u64) -> Self {
        Self {
            etag: response.header("etag").map(str::to_string),
            last_modified: response.header("last-modified").map(str::to_string),
            fresh_for_ms: freshness_ms(response, default_ms),
        }
    }
}

impl<T: Transport, C: PageCache> IndexClient<T, C> {
    /// A client of the index in `options`, sending through `transport` and keeping pages in `cache`.
    pub fn new(transport: T, cache: C, options: IndexOptions, clock: Clock) -> Self {
        Self {
            limiter: Limiter::new(options.concurrency),
            transport,
            cache,
            options,
            clock,
            pages: InFlight::default(),
            metadata: InFlight::default(),
            stats: Cell::default(),
        }
    }

    /// Its options.
    pub fn options(&self) -> &IndexOptions {
        &self.options
    }

    /// Its cache.
    pub fn cache(&self) -> &C {
        &self.cache
    }

    /// What it has done so far.
    pub fn stats(&self) -> IndexStats {
        self.stats.get()
    }

    fn counted(&self) -> Counted<'_, T> {
        Counted { inner: &self.transport, stats: &self.stats }
    }

    fn count(&self, change: impl FnOnce(&mut IndexStats)) {
        let mut stats = self.stats.get();
        change(&mut stats);
        self.stats.set(stats);
    }

    /// Sends `request` (retried) with a permit; `read` turns a 2xx or 304 into a value.
    async fn send<R>(
        &self,
        request: &HttpRequest,
        read: impl Fn(&HttpResponse) -> Result<R, FetchError>,
    ) -> Result<R, FetchError> {
        let _permit = self.limiter.acquire().await;
        send_with_retries(&self.counted(), &self.options.policy, request, read).await
    }

    /// The page of project `name` (any spelling; it is normalised). A name that is not a valid project name is
    /// not on any index.
    pub async fn project(&self, name: &str) -> ProjectLookup {
        let Ok(name) = PackageName::new(name.trim().to_string()) else { return Err(IndexError::NotFound) };
        let url = self.options.index.project(&name);
        self.pages.once(&url, || self.fetch_project(&name, &url)).await
    }

    /// The pages of every project in `names`, in parallel (bounded), each handed to `on_result` as it arrives.
    pub async fn projects(&self, names: Vec<String>, on_result: &mut dyn FnMut(String, ProjectLookup)) {
        let mut answers: FuturesUnordered<_> = names
            .into_iter()
            .map(|name| async move {
                let lookup = self.project(&name).await;
                (name, lookup)
            })
            .collect();
        while let Some((name, lookup)) = answers.next().await {
            on_result(name, lookup);
        }
    }

    async fn fetch_project(&self, name: &PackageName, url: &str) -> ProjectLookup {
        let kept = self.cache.page(url).await;
        let now = (self.clock)();
        if let Some(page) = kept.as_ref().filter(|page| page.is_fresh(now)) {
            self.count(|stats| stats.fresh_hits += 1);
            return page.project.clone().ok_or(IndexError::NotFound);
        }
        let kept_project = kept.as_ref().and_then(|page| page.project.clone());
        let mut request = HttpRequest::get(url, self.options.policy.timeout_ms)
            .with_header("Accept", SIMPLE_JSON)
            .carrying(vec![name.to_string()]);
        if let Some(page) = kept.as_ref().filter(|page| page.project.is_some()) {
            if let Some(etag) = &page.etag {
                request = request.with_header("If-None-Match", etag.clone());
            }
            if let Some(modified) = &page.last_modified {
                request = request.with_header("If-Modified-Since", modified.clone());
            }
        }
        let default_ms = self.options.default_max_age_ms;
        let answer = self
            .send(&request, |response| {
                let validators = Validators::of(response, default_ms);
                if response.status == 304 {
                    return match kept_project {
                        Some(_) => Ok(PageAnswer::NotModified(validators)),
                        None => Err(FetchError::Malformed("a 304 for a page that is not kept".into())),
                    };
                }
                read_project(name, url, &response.body)
                    .map(|project| PageAnswer::Page(project, validators))
                    .map_err(|error| FetchError::Malformed(error.to_string()))
            })
            .await;
        let now = (self.clock)();
        let (project, validators) = match answer {
            Ok(PageAnswer::Page(project, validators)) => (Some(Rc::new(project)), validators),
            Ok(PageAnswer::NotModified(validators)) => {
                self.count(|stats| stats.not_modified += 1);
                let previous = kept.expect("a 304 is read only when a page is kept");
                let validators = Validators {
                    etag: validators.etag.or(previous.etag),
                    last_modified: validators.last_modified.or(previous.last_modified),
                    fresh_for_ms: validators.fresh_for_ms,
                };
                (previous.project, validators)
            }
            Err(FetchError::NotFound) => {
                (None, Validators { etag: None, last_modified: None, fresh_for_ms: Some(default_ms) })
            }
            Err(error) => return Err(IndexError::Fetch(error)),
        };
        if let Some(fresh_for_ms) = validators.fresh_for_ms {
            let page = CachedPage {
                project: project.clone(),
                etag: validators.etag,
                last_modified: validators.last_modified,
                stored_at_ms: now,
                fresh_for_ms,
            };
            self.cache.store_page(url, page).await;
        }
        project.ok_or(IndexError::NotFound)
    }

    /// The core metadata of `file`: from the cache, `<file URL>.metadata`, or (for a wheel without a metadata file)
    /// the wheel itself read in ranges. It must be the metadata of the project and version the file's name says. An
    /// sdist whose dependencies cannot be known without a build is [`IndexError::NoMetadata`].
    pub async fn metadata(&self, file: &DistFile) -> Result<Rc<MetadataFile>, IndexError> {
        // The index's answer that a file has none is kept (files never change, so no audit asks again for a day).
        let now = (self.clock)();
        if let Some(missing) = self.cache.missing_metadata(&file.url).await.filter(|missing| missing.is_fresh(now)) {
            return Err(missing.error);
        }
        let answer = self.metadata.once(&file.url, || self.fetch_metadata(file)).await;
        // A failed request (time-out, 5xx) may succeed later, and is not kept. (An sdist the page does not announce
        // metadata for is refused without asking: nothing to keep.)
        let asked = file.kind != FileKind::Sdist || file.core_metadata;
        if let (true, Err(error @ (IndexError::NotFound | IndexError::NoMetadata(_) | IndexError::Malformed(_)))) =
            (asked, &answer)
        {
            let missing = MissingMetadata { error: error.clone(), stored_at_ms: now };
            self.cache.store_missing_metadata(&file.url, missing).await;
        }
        answer
    }

    async fn fetch_metadata(&self, file: &DistFile) -> Result<Rc<MetadataFile>, IndexError> {
        let sdist = file.kind == FileKind::Sdist;
        if let Some(text) = self.cache.metadata(&file.url).await {
            if let Ok(read) = self.check_metadata(file, &text) {
                self.count(|stats| stats.metadata_hits += 1);
                return Ok(read);
            }
        }
        if sdist && !file.core_metadata {
            return Err(no_build_metadata(file, "the index serves no metadata file for it"));
        }
        let request = HttpRequest::get(format!("{}.metadata", file.url), self.options.policy.timeout_ms)
            .carrying(vec![file.filename.clone()]);
        let text = match self.send(&request, |response| Ok(response.body.clone())).await {
            Ok(text) => text,
            Err(FetchError::NotFound) if !sdist => self.wheel_metadata(file).await?,
            Err(FetchError::NotFound) => return Err(no_build_metadata(file, "its metadata file is missing")),
            Err(error) => return Err(IndexError::Fetch(error)),
        };
        // Only the headers are kept: the description after them is never read.
        let headers = header_block(&text);
        let read = self.check_metadata(file, headers)?;
        self.cache.store_metadata(&file.url, Rc::from(headers)).await;
        Ok(read)
    }

    /// Reads `text` as the metadata of `file`: it must name the project and version of the file's name, and an
    /// sdist's must be final.
    fn check_metadata(&self, file: &DistFile, text: &[u8]) -> Result<Rc<MetadataFile>, IndexError> {
        let read = parse_metadata(text)?;
        let (name, version) = (&read.core.name, &read.core.version);
        if parse_filename(name, &file.filename).is_none_or(|(named, _)| &named != version) {
            return Err(IndexError::Malformed(format!(
                "the metadata of `{}` is the metadata of `{name} {version}`",
                file.filename
            )));
        }
        if file.kind == FileKind::Sdist && !read.dependencies_are_static() {
            return Err(no_build_metadata(file, "its metadata leaves its dependencies to the build (PEP 643)"));
        }
        Ok(Rc::new(read))
    }

    /// The `METADATA` of a wheel read out of the wheel itself.
    async fn wheel_metadata(&self, file: &DistFile) -> Result<Vec<u8>, IndexError> {
        let project = WheelName::parse(&file.filename)
            .ok_or_else(|| IndexError::NoMetadata(format!("`{}` is not a wheel's name", file.filename)))?
            .name;
        let size = match file.size {
            Some(size) => size,
            None => {
                let mut request = HttpRequest::get(file.url.clone(), self.options.policy.timeout_ms)
                    .carrying(vec![file.filename.clone()]);
                request.method = crate::http::Method::Head;
                self.send(&request, |response| {
                    response
                        .header("content-length")
                        .and_then(|length| length.trim().parse::<u64>().ok())
                        .ok_or_else(|| FetchError::Malformed("no Content-Length".into()))
                })
                .await?
            }
        };
        let remote = RemoteFile { client: self, file, size, whole: RefCell::default() };
        read_wheel_metadata(&remote, size, &project).await
    }
}

/// The index as the resolver reads it: pages and the metadata of the files it chooses.
impl<T: Transport, C: PageCache> crate::resolve::PackageSource for IndexClient<T, C> {
    async fn project(&self, name: &PackageName) -> ProjectLookup {
        IndexClient::project(self, name.as_ref()).await
    }

    async fn metadata(&self, file: &DistFile) -> Result<Rc<super::CoreMetadata>, IndexError> {
        IndexClient::metadata(self, file).await.map(|read| Rc::clone(&read.core))
    }
}

/// The index as the audit asks it: each project's page, summarised as the release list the page keeps.
impl<T: Transport, C: PageCache> crate::audit::PackageIndex for IndexClient<T, C> {
    async fn release_list(&self, name: &str) -> crate::pypi::ReleaseLookup {
        crate::pypi::ReleaseLookup::from(&self.project(name).await)
    }

    async fn graph_facts(&self, question: &crate::graph::facts::GraphQuestion) -> crate::graph::facts::GraphFacts {
        crate::graph::facts::answer(question, Some(self)).await
    }
}

/// The headers of a metadata file: everything before the first blank line.
fn header_block(text: &[u8]) -> &[u8] {
    let mut at = 0;
    for line in text.split_inclusive(|&byte| byte == b'\n') {
        if line.iter().all(|byte| byte.is_ascii_whitespace()) {
            break;
        }
        at += line.len();
    }
    &text[..at.min(MAX_METADATA_BYTES + 1)]
}

fn no_build_metadata(file: &DistFile, why: &str) -> IndexError {
    IndexError::NoMetadata(format!(
        "`{}` is a source distribution and {why}: its dependencies are known only by building it, which this page \
         never does",
        file.filename
    ))
}

/// A wheel on the index, read in ranges; a server that ignores `Range` sends the whole file, which is then kept
/// and read from memory.
struct RemoteFile<'a, T, C> {
    client: &'a IndexClient<T, C>,
    file: &'a DistFile,
    size: u64,
    whole: RefCell<Option<Rc<[u8]>>>,
}

impl<T: Transport, C: PageCache> RangeReader for RemoteFile<'_, T, C> {
    async fn read(&self, start: u64, end: u64) -> Result<Vec<u8>, IndexError> {
        let whole = self.whole.borrow().clone();
        if let Some(whole) = whole {
            return whole.read(start, end).await;
        }
        let request = HttpRequest::get(self.file.url.clone(), self.client.options.policy.timeout_ms)
            .with_header("Range", format!("bytes={start}-{}", end.saturating_sub(1)))
            .carrying(vec![format!("{} (bytes {start}–{end})", self.file.filename)]);
        let size = self.size;
        let answer = self
            .client
            .send(&request, |response| {
                if response.status == 206 {
                    if let Some(range) = response.header("content-range") {
                        let expected = format!("bytes {start}-{}/", end.saturating_sub(1));
                        if !range.trim().starts_with(&expected) {
                            return Err(FetchError::Malformed(format!("asked for {expected}…, got `{range}`")));
                        }
                    }
                    if response.body.len() as u64 != end - start {
                        return Err(FetchError::Malformed("a short range answer".into()));
                    }
                    return Ok((response.body.clone(), false));
                }
                if response.body.len() as u64 != size {
                    return Err(FetchError::Malformed(format!(
                        "the file is {} bytes, not the {size} the index said",
                        response.body.len()
                    )));
                }
                Ok((response.body.clone(), true))
            })
            .await?;
        match answer {
            (bytes, false) => Ok(bytes),
            (bytes, true) => {
                let whole: Rc<[u8]> = Rc::from(bytes);
                *self.whole.borrow_mut() = Some(whole.clone());
                whole.read(start, end).await
            }
        }
    }
}

#[cfg(test)]
mod tests;
