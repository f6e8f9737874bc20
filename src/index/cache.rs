//! What the index client keeps between lookups: each project page (or the index's "not found") with its freshness
//! and validators, each metadata file (immutable: a file's metadata never changes), and the index's answer that a
//! file has none.
//!
//! [`PageCache`] is the seam: the page keeps pages in IndexedDB and in memory, the tests in memory
//! ([`MemoryCache`]). A kept page is the trimmed PEP 691 document [`super::simple::write_project`] writes, inside
//! [`CachedPage::to_json`]'s envelope, so that a store of strings is enough and reading it back is the same reader
//! as a page from the network.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use pep508_rs::PackageName;
use serde::{Deserialize, Serialize};

use super::simple::{read_project, write_project};
use super::{IndexError, Project};
use crate::http::HttpResponse;

/// How long a page stays fresh when the index does not say (`Cache-Control: max-age`): PyPI's own lifetime.
pub const DEFAULT_MAX_AGE_MS: u64 = 600_000;

/// A project page as kept: the project (or `None` when the index answered 404), when it was stored, how long it
/// stays fresh, and the validators to revalidate it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedPage {
    /// The project, or `None` for a project the index does not know.
    pub project: Option<Rc<Project>>,
    /// `ETag`, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified`, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// When it was stored or last revalidated, in milliseconds since the Unix epoch.
    pub stored_at_ms: u64,
    /// How long after `stored_at_ms` it may be used without asking the index.
    pub fresh_for_ms: u64,
}

impl CachedPage {
    /// True while it may be used without asking the index.
    pub fn is_fresh(&self, now_ms: u64) -> bool {
        now_ms >= self.stored_at_ms && now_ms - self.stored_at_ms < self.fresh_for_ms
    }

    /// The page as one JSON string, for a store of strings (IndexedDB).
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "kebab-case")]
        struct Envelope<'a> {
            etag: Option<&'a str>,
            last_modified: Option<&'a str>,
            stored_at_ms: u64,
            fresh_for_ms: u64,
            name: Option<&'a str>,
            page: Option<&'a serde_json::value::RawValue>,
        }
        let page = self.project.as_ref().map(|project| write_project(project));
        let raw = page.as_deref().map(serde_json::from_str::<&serde_json::value::RawValue>);
        let envelope = Envelope {
            etag: self.etag.as_deref(),
            last_modified: self.last_modified.as_deref(),
            stored_at_ms: self.stored_at_ms,
            fresh_for_ms: self.fresh_for_ms,
            name: self.project.as_ref().map(|project| project.name.as_ref()),
            page: raw.and_then(Result::ok),
        };
        serde_json::to_string(&envelope).expect("strings and numbers always serialise")
    }

    /// Reads what [`CachedPage::to_json`] wrote; `None` when it cannot (a store written by another version), so
    /// that the page is fetched again.
    pub fn from_json(text: &str) -> Option<Self> {
        #[derive(Deserialize)]
        #[serde(rename_all = "kebab-case")]
        struct Envelope<'a> {
            etag: Option<String>,
            last_modified: Option<String>,
            stored_at_ms: u64,
            fresh_for_ms: u64,
            #[serde(borrow)]
            name: Option<&'a str>,
            #[serde(borrow)]
            page: Option<&'a serde_json::value::RawValue>,
        }
        let envelope: Envelope<'_> = serde_json::from_str(text).ok()?;
        let project = match (envelope.name, envelope.page) {
            (Some(name), Some(page)) => {
                let name = PackageName::new(name.to_string()).ok()?;
                Some(Rc::new(read_project(&name, "", page.get().as_bytes()).ok()?))
            }
            (None, None) => None,
            _ => return None,
        };
        Some(Self {
            project,
            etag: envelope.etag,
            last_modified: envelope.last_modified,
            stored_at_ms: envelope.stored_at_ms,
            fresh_for_ms: envelope.fresh_for_ms,
        })
    }
}

/// The index's answer that a distribution file has no metadata to read: no metadata file and no wheel to read it
/// from, an sdist whose dependencies need a build, or metadata of another release. Kept for a day: files never
/// change, but an index may add the metadata files it lacked (PyPI did, for its older wheels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingMetadata {
    /// What the index answered: [`IndexError::NotFound`], [`IndexError::NoMetadata`] or [`IndexError::Malformed`].
    pub error: IndexError,
    /// When it was answered, in milliseconds since the Unix epoch.
    pub stored_at_ms: u64,
}

impl MissingMetadata {
    /// How long the answer is used without asking again.
    pub const FRESH_FOR_MS: u64 = 86_400_000;

    /// True while it may be used without asking the index.
    pub fn is_fresh(&self, now_ms: u64) -> bool {
        now_ms >= self.stored_at_ms && now_ms - self.stored_at_ms < Self::FRESH_FOR_MS
    }

    /// The answer as one JSON string, for a store of strings; `None` for an error that is not kept (a failed
    /// request may succeed later).
    pub fn to_json(&self) -> Option<String> {
        let (kind, reason) = match &self.error {
            IndexError::NotFound => ("not-found", ""),
            IndexError::NoMetadata(reason) => ("no-metadata", reason.as_str()),
            IndexError::Malformed(reason) => ("malformed", reason.as_str()),
            IndexError::Fetch(_) | IndexError::NotAsked(_) => return None,
        };
        let envelope = serde_json::json!({ "missing": kind, "reason": reason, "stored-at-ms": self.stored_at_ms });
        Some(envelope.to_string())
    }

    /// Reads what [`MissingMetadata::to_json`] wrote; `None` when it cannot.
    pub fn from_json(text: &str) -> Option<Self> {
        #[derive(Deserialize)]
        #[serde(rename_all = "kebab-case")]
        struct Envelope {
            missing: String,
            reason: String,
            stored_at_ms: u64,
        }
        let envelope: Envelope = serde_json::from_str(text).ok()?;
        let error = match envelope.missing.as_str() {
            "not-found" => IndexError::NotFound,
            "no-metadata" => IndexError::NoMetadata(envelope.reason),
            "malformed" => IndexError::Malformed(envelope.reason),
            _ => return None,
        };
        Some(Self { error, stored_at_ms: envelope.stored_at_ms })
    }
}

/// How long an answer may be kept and used without asking again, from its `Cache-Control` (and `Age`): `None` for
/// `no-store`; 0 for `no-cache`; `max-age` less `Age`; else `default_ms`.
pub fn freshness_ms(response: &HttpResponse, default_ms: u64) -> Option<u64> {
    let mut max_age = None;
    for directive in response.header("cache-control").unwrap_or("").split(',') {
        let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "no-store" => return None,
            "no-cache" => return Some(0),
            "max-age" => max_age = value.trim().trim_matches('"').parse::<u64>().ok().or(Some(0)),
            _ => {}
        }
    }
    let Some(max_age) = max_age else { return Some(default_ms) };
    let age = response.header("age").and_then(|age| age.trim().parse::<u64>().ok()).unwrap_or(0);
    Some(max_age.saturating_sub(age).saturating_mul(1000))
}

/// Where the index client keeps pages and metadata files. Every method may be slow (IndexedDB); a cache that fails
/// answers `None` and drops what it is given: the client then asks the index.
#[allow(async_fn_in_trait)] // The page runs on one thread; no `Send` bound is wanted.
pub trait PageCache {
    /// The kept page at `url`.
    async fn page(&self, url: &str) -> Option<CachedPage>;
    /// Keeps `page` as the page at `url`.
    async fn store_page(&self, url: &str, page: CachedPage);
    /// The kept metadata file of the distribution file at `url` (the file's URL, not the `.metadata` one).
    async fn metadata(&self, url: &str) -> Option<Rc<[u8]>>;
    /// Keeps `text` as the metadata file of the distribution file at `url`.
    async fn store_metadata(&self, url: &str, text: Rc<[u8]>);
    /// The kept answer that the distribution file at `url` has no metadata.
    async fn missing_metadata(&self, url: &str) -> Option<MissingMetadata>;
    /// Keeps the answer that the distribution file at `url` has no metadata.
    async fn store_missing_metadata(&self, url: &str, missing: MissingMetadata);
}

/// A cache in memory, for the tests and as the page's first level.
#[derive(Debug, Default)]
pub struct MemoryCache {
    pages: RefCell<HashMap<String, CachedPage>>,
    metadata: RefCell<HashMap<String, Rc<[u8]>>>,
    missing: RefCell<HashMap<String, MissingMetadata>>,
}

impl MemoryCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many pages and metadata files it holds.
    pub fn len(&self) -> (usize, usize) {
        (self.pages.borrow().len(), self.metadata.borrow().len())
    }

    /// True when it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == (0, 0)
    }

    /// Forgets everything ("Clear cache").
    pub fn clear(&self) {
        self.pages.borrow_mut().clear();
        self.metadata.borrow_mut().clear();
        self.missing.borrow_mut().clear();
    }
}

impl PageCache for MemoryCache {
    async fn page(&self, url: &str) -> Option<CachedPage> {
        self.pages.borrow().get(url).cloned()
    }

    async fn store_page(&self, url: &str, page: CachedPage) {
        self.pages.borrow_mut().insert(url.to_string(), page);
    }

    async fn metadata(&self, url: &str) -> Option<Rc<[u8]>> {
        self.metadata.borrow().get(url).cloned()
    }

    async fn store_metadata(&self, url: &str, text: Rc<[u8]>) {
        self.metadata.borrow_mut().insert(url.to_string(), text);
    }

    async fn missing_metadata(&self, url: &str) -> Option<MissingMetadata> {
        self.missing.borrow().get(url).cloned()
    }

    async fn store_missing_metadata(&self, url: &str, missing: MissingMetadata) {
        self.missing.borrow_mut().insert(url.to_string(), missing);
    }
}

impl<C: PageCache + ?Sized> PageCache for Rc<C> {
    async fn page(&self, url: &str) -> Option<CachedPage> {
        (**self).page(url).await
    }

    async fn store_page(&self, url: &str, page: CachedPage) {
        (**self).store_page(url, page).await;
    }

    async fn metadata(&self, url: &str) -> Option<Rc<[u8]>> {
        (**self).metadata(url).await
    }

    async fn store_metadata(&self, url: &str, text: Rc<[u8]>) {
        (**self).store_metadata(url, text).await;
    }

    async fn missing_metadata(&self, url: &str) -> Option<MissingMetadata> {
        (**self).missing_metadata(url).await
    }

    async fn store_missing_metadata(&self, url: &str, missing: MissingMetadata) {
        (**self).store_missing_metadata(url, missing).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{DistFile, FileKind, ProjectStatus, Release, StatusKind};

    fn response(headers: &[(&str, &str)]) -> HttpResponse {
        headers.iter().fold(HttpResponse::new(200, ""), |response, (name, value)| response.with_header(name, *value))
    }

    #[test]
    fn freshness_follows_cache_control_and_age() {
        assert_eq!(freshness_ms(&response(&[]), 5), Some(5));
        assert_eq!(freshness_ms(&response(&[("Cache-Control", "max-age=600, public")]), 5), Some(600_000));
        assert_eq!(freshness_ms(&response(&[("Cache-Control", "public, max-age=\"60\"")]), 5), Some(60_000));
        assert_eq!(freshness_ms(&response(&[("Cache-Control", "max-age=600"), ("Age", "590")]), 5), Some(10_000));
        assert_eq!(freshness_ms(&response(&[("Cache-Control", "max-age=60"), ("Age", "900")]), 5), Some(0));
        assert_eq!(freshness_ms(&response(&[("Cache-Control", "max-age=60, no-cache")]), 5), Some(0));
        assert_eq!(freshness_ms(&response(&[("Cache-Control", "No-Store")]), 5), None);
        assert_eq!(freshness_ms(&response(&[("Cache-Control", "max-age=soon")]), 5), Some(0));
        assert_eq!(freshness_ms(&response(&[("Cache-Control", "max-age=99999999999999999999")]), 5), Some(0));
    }

    #[test]
    fn a_kept_page_reads_back_the_same() {
        let name = PackageName::new("demo".into()).expect("valid");
        let file = DistFile {
            filename: "demo-1.0.tar.gz".into(),
            url: "https://files.example/demo-1.0.tar.gz".into(),
            kind: FileKind::Sdist,
            requires_python: Some(">=3.8".parse().expect("valid")),
            yanked: Some(String::new()),
            uploaded: Some(1_700_000_000),
            core_metadata: false,
            size: Some(1234),
        };
        let project = Project {
            name,
            releases: vec![Release { version: "1.0".parse().expect("valid"), files: vec![file] }],
            unreadable_versions: vec!["x y".into()],
            status: Some(ProjectStatus { kind: StatusKind::Archived, reason: Some("moved \"elsewhere\"".into()) }),
        };
        let page = CachedPage {
            project: Some(Rc::new(project)),
            etag: Some("\"abc\"".into()),
            last_modified: None,
            stored_at_ms: 7,
            fresh_for_ms: 600_000,
        };
        assert_eq!(CachedPage::from_json(&page.to_json()), Some(page.clone()));
        let missing = CachedPage { project: None, ..page };
        assert_eq!(CachedPage::from_json(&missing.to_json()), Some(missing.clone()));
        assert!(missing.is_fresh(7) && missing.is_fresh(600_006) && !missing.is_fresh(600_007) && !missing.is_fresh(6));
        assert_eq!(CachedPage::from_json("{}"), None);
        assert_eq!(CachedPage::from_json("not json"), None);
        assert_eq!(CachedPage::from_json(r#"{"stored-at-ms":1,"fresh-for-ms":1,"name":"demo","page":null}"#), None);
    }

    #[test]
    fn a_kept_missing_metadata_answer_reads_back_the_same_and_lasts_a_day() {
        for error in
            [IndexError::NotFound, IndexError::NoMetadata("needs a build".into()), IndexError::Malformed("x".into())]
        {
            let missing = MissingMetadata { error, stored_at_ms: 5 };
            let json = missing.to_json().expect("kept");
            assert_eq!(MissingMetadata::from_json(&json), Some(missing.clone()));
            assert!(missing.is_fresh(5) && missing.is_fresh(86_400_004) && !missing.is_fresh(86_400_005));
        }
        let failed = IndexError::Fetch(crate::http::FetchError::Status(503));
        assert_eq!(MissingMetadata { error: failed, stored_at_ms: 5 }.to_json(), None, "a failure may pass");
        assert_eq!(MissingMetadata::from_json(r#"{"missing":"gone","reason":"","stored-at-ms":1}"#), None);
        assert_eq!(CachedPage::from_json(r#"{"missing":"not-found","reason":"","stored-at-ms":1}"#), None);
    }
}
