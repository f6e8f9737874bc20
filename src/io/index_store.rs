//! The package-index worker's [`PageCache`]: memory first, IndexedDB behind it, so that a re-audit in the same page
//! asks the index nothing and, after a reload, the index sees only conditional requests (answered 304) once a page's
//! freshness lifetime has passed.
//!
//! Pages are kept as [`CachedPage::to_json`]'s string (the trimmed PEP 691 document and its validators), metadata
//! files as bytes, each under its URL. Writes to IndexedDB run beside the lookup, never in its way; a store that
//! cannot be opened (private browsing, a full disk) leaves the memory level working alone.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};

use crate::index::{CachedPage, MemoryCache, PageCache};
use crate::io::idb::Connection;

const DATABASE: &str = "osv-lens-index";
const VERSION: u32 = 1;
const PAGES: &str = "pages";
const METADATA: &str = "metadata";

/// Memory in front of IndexedDB.
#[derive(Default)]
pub struct IdbPageCache {
    memory: MemoryCache,
    connection: RefCell<Option<Rc<Connection>>>,
    unavailable: Cell<bool>,
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

    async fn kept(&self, store: &str, url: &str) -> Option<JsValue> {
        let connection = self.connection().await?;
        connection.get(store, &JsValue::from_str(url)).await.ok().flatten()
    }

    /// Stores `value` under `url` without waiting for it.
    async fn keep(&self, store: &'static str, url: &str, value: JsValue) {
        let Some(connection) = self.connection().await else { return };
        let key = JsValue::from_str(url);
        wasm_bindgen_futures::spawn_local(async move {
            let _ = connection.put_many(store, [(key, value)]).await;
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
}
