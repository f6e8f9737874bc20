//! The package-index worker's [`PageCache`]: memory first, IndexedDB behind it, so that a re-audit in the same page
//! asks the index nothing and, after a reload, the index sees only conditional requests (answered 304) once a page's
//! freshness lifetime has passed.
//!
//! Pages are kept as [`CachedPage::to_json`]'s string (the trimmed PEP 691 document and its validators), metadata
//! files as bytes, each under its URL; in the metadata store, a string is the index's answer that the file has none
//! ([`MissingMetadata::to_json`]). Writes to IndexedDB run beside the lookup, never in its way, gathered into one
//! transaction per store while an earlier write is under way; the keys are listed once, so that a miss asks nothing.
//! A store that cannot be opened (private browsing, a full disk) leaves the memory level working alone.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};

use crate::index::{CachedPage, MemoryCache, MissingMetadata, PageCache};
use crate::io::idb::Connection;

const DATABASE: &str = "osv-lens-index";
const VERSION: u32 = 1;
const PAGES: &str = "pages";
const METADATA: &str = "metadata";

/// A write waiting for its transaction: the store, the key (the URL) and the value.
type Unwritten = (&'static str, JsValue, JsValue);

/// Memory in front of IndexedDB.
#[derive(Default)]
pub struct IdbPageCache {
    memory: MemoryCache,
    connection: RefCell<Option<Rc<Connection>>>,
    unavailable: Cell<bool>,
    /// The URLs each store held when the database was opened, and those written since: a URL that is in neither
    /// is not looked for (a transaction per miss cost the worker about 0.1 ms of every cold request).
    held: RefCell<HashSet<(&'static str, String)>>,
    /// Writes not yet handed to IndexedDB, written together by one task (a transaction each cost about 0.5 ms).
    unwritten: Rc<RefCell<Vec<Unwritten>>>,
    writing: Rc<Cell<bool>>,
}

impl IdbPageCache {
    /// An empty memory level over the database kept from earlier visits.
    pub fn new() -> Self {
        Self::default()
    }

    /// The database, opened on first use; `None` once it could not be opened.
    async fn connection(&self) -> Option<Rc<Connection>> {
        if self.unavailable.get() {
            return None;
        }
        if let Some(connection) = self.connection.borrow().as_ref() {
            return Some(Rc::clone(connection));
        }
        match Connection::open(DATABASE, VERSION, &[PAGES, METADATA]).await {
            Ok(connection) => {
                for store in [PAGES, METADATA] {
                    let keys = connection.keys(store).await.unwrap_or_default();
                    self.held.borrow_mut().extend(keys.iter().filter_map(JsValue::as_string).map(|url| (store, url)));
                }
                // Another task may have opened it while the keys were read.
                if let Some(connection) = self.connection.borrow().as_ref() {
                    return Some(Rc::clone(connection));
                }
                let connection = Rc::new(connection);
                *self.connection.borrow_mut() = Some(Rc::clone(&connection));
                Some(connection)
            }
            Err(error) => {
                web_sys::console::warn_1(&format!("osv-lens: index pages are kept in memory only: {error}").into());
                self.unavailable.set(true);
                None
            }
        }
    }

    async fn kept(&self, store: &'static str, url: &str) -> Option<JsValue> {
        let connection = self.connection().await?;
        if !self.held.borrow().contains(&(store, url.to_string())) {
            return None;
        }
        connection.get(store, &JsValue::from_str(url)).await.ok().flatten()
    }

    /// Stores `value` under `url` without waiting for it. Writes that arrive while others are being written wait
    /// and go together, one transaction per store.
    async fn keep(&self, store: &'static str, url: &str, value: JsValue) {
        let Some(connection) = self.connection().await else { return };
        self.held.borrow_mut().insert((store, url.to_string()));
        self.unwritten.borrow_mut().push((store, JsValue::from_str(url), value));
        if self.writing.replace(true) {
            return;
        }
        let (unwritten, writing) = (Rc::clone(&self.unwritten), Rc::clone(&self.writing));
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                let batch = std::mem::take(&mut *unwritten.borrow_mut());
                if batch.is_empty() {
                    break;
                }
                for store in [PAGES, METADATA] {
                    let entries = batch.iter().filter(|(kept_in, ..)| *kept_in == store);
                    let entries: Vec<(JsValue, JsValue)> =
                        entries.map(|(_, key, value)| (key.clone(), value.clone())).collect();
                    if !entries.is_empty() {
                        let _ = connection.put_many(store, entries).await;
                    }
                }
            }
            writing.set(false);
        });
    }
}

impl PageCache for IdbPageCache {
    async fn page(&self, url: &str) -> Option<CachedPage> {
        if let Some(page) = self.memory.page(url).await {
            return Some(page);
        }
        let page = CachedPage::from_json(&self.kept(PAGES, url).await?.as_string()?)?;
        self.memory.store_page(url, page.clone()).await;
        Some(page)
    }

    async fn store_page(&self, url: &str, page: CachedPage) {
        let text = JsValue::from_str(&page.to_json());
        self.memory.store_page(url, page).await;
        self.keep(PAGES, url, text).await;
    }

    async fn metadata(&self, url: &str) -> Option<Rc<[u8]>> {
        if let Some(text) = self.memory.metadata(url).await {
            return Some(text);
        }
        let kept: js_sys::Uint8Array = self.kept(METADATA, url).await?.dyn_into().ok()?;
        let bytes: Rc<[u8]> = kept.to_vec().into();
        self.memory.store_metadata(url, Rc::clone(&bytes)).await;
        Some(bytes)
    }

    async fn store_metadata(&self, url: &str, text: Rc<[u8]>) {
        let value = js_sys::Uint8Array::from(&text[..]).into();
        self.memory.store_metadata(url, text).await;
        self.keep(METADATA, url, value).await;
    }

    async fn missing_metadata(&self, url: &str) -> Option<MissingMetadata> {
        if let Some(missing) = self.memory.missing_metadata(url).await {
            return Some(missing);
        }
        if self.memory.metadata(url).await.is_some() {
            return None;
        }
        // One read of the key answers both questions: a string is the index's answer that there is none; bytes are
        // the metadata itself, kept in memory for the read that follows.
        let kept = self.kept(METADATA, url).await?;
        if let Some(json) = kept.as_string() {
            let missing = MissingMetadata::from_json(&json)?;
            self.memory.store_missing_metadata(url, missing.clone()).await;
            return Some(missing);
        }
        if let Ok(bytes) = kept.dyn_into::<js_sys::Uint8Array>() {
            self.memory.store_metadata(url, bytes.to_vec().into()).await;
        }
        None
    }

    async fn store_missing_metadata(&self, url: &str, missing: MissingMetadata) {
        let Some(json) = missing.to_json() else { return };
        self.memory.store_missing_metadata(url, missing).await;
        self.keep(METADATA, url, JsValue::from_str(&json)).await;
    }
}
