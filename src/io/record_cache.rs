//! The audit's [`RecordCache`] in IndexedDB: one entry per OSV record, keyed by ID, holding querybatch's `modified`
//! and the record as JSON.
//!
//! The first failure (storage full, IndexedDB missing, a write refused) switches the cache off for the rest of the
//! session: the page says so and audits go on without it.
//!
//! A cache found empty when the page opened it, and written nothing since, is not read: asking IndexedDB for
//! hundreds of absent records held up the first audit's record requests by tens of milliseconds. (Records another
//! tab writes meanwhile are then missed until a reload: a miss is fetched, never wrong.)
//!
//! A cache of at most [`PRELOAD_MOST`] records is read and parsed while the page is idle after loading, so that the
//! first audit after a reload finds its records in memory: reading and parsing 401 of them once querybatch had
//! answered took 50 ms of that audit, in one task of 56–75 ms. Each preloaded record is still used only while
//! querybatch lists the `modified` it was kept with.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use wasm_bindgen::JsValue;

use crate::audit::{CachedRecord, RecordCache};
use crate::io::clock;
use crate::io::idb::{Connection, IdbError};
use crate::osv::api::VulnRef;
use crate::osv::Vulnerability;

/// The database's name; the offline database uses another.
const DATABASE: &str = "osv-lens-records";
const VERSION: u32 = 1;
const STORE: &str = "records";

/// The performance mark left once the kept records are read ahead (tests wait for it).
pub const READ_AHEAD_MARK: &str = "osv-lens:records-read-ahead";

/// The most records read ahead of the first audit: a few audits' worth (a 348-package lock keeps 401).
const PRELOAD_MOST: u32 = 1000;

/// How long one slice of parsing records runs before the page may handle input and draw.
const SLICE_MS: f64 = 8.0;

/// OSV records kept in IndexedDB.
#[derive(Default)]
pub struct IdbRecordCache {
    connection: RefCell<Option<Rc<Connection>>>,
    /// Why the cache is off for the rest of the session.
    broken: RefCell<Option<String>>,
    /// False while the cache is known to be empty: it was when opened, and nothing was stored since.
    may_hold_records: Cell<Option<bool>>,
    /// Records read and parsed while the page was idle, by ID, each with the `modified` it was kept with; the first
    /// audit takes them.
    preloaded: RefCell<BTreeMap<String, (String, Rc<Vulnerability>)>>,
    /// Set once an audit consulted the cache: the preloading stops.
    consulted: Cell<bool>,
}

impl IdbRecordCache {
    /// Why the cache was switched off for this session, once it failed.
    pub fn broken(&self) -> Option<String> {
        self.broken.borrow().clone()
    }

    async fn connection(&self) -> Result<Rc<Connection>, String> {
        if let Some(reason) = self.broken() {
            return Err(reason);
        }
        if let Some(connection) = self.connection.borrow().as_ref() {
            return Ok(Rc::clone(connection));
        }
        let connection =
            Rc::new(Connection::open(DATABASE, VERSION, &[STORE]).await.map_err(|error| self.fail(error))?);
        *self.connection.borrow_mut() = Some(Rc::clone(&connection));
        Ok(connection)
    }

    /// Opens the database now, so that the first audit does not wait for it: creating it in a new profile takes
    /// hundreds of milliseconds, which the audit would otherwise spend between its first request and the next.
    pub fn warm(self: &Rc<Self>) {
        let cache = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            let Ok(connection) = cache.connection().await else { return };
            let count = connection.count(STORE).await;
            // A store that finished first settled it already.
            if cache.may_hold_records.get().is_none() {
                cache.may_hold_records.set(Some(count.as_ref().map_or(true, |count| *count > 0)));
            }
            if count.is_ok_and(|count| count > 0 && count <= PRELOAD_MOST) {
                cache.preload(&connection).await;
            }
        });
    }

    /// Reads every kept record and parses it, a slice at a time while the page is idle, until an audit consults
    /// the cache.
    async fn preload(&self, connection: &Connection) {
        clock::when_idle().await;
        if self.consulted.get() {
            return;
        }
        let Ok(values) = connection.get_all(STORE).await else { return };
        let mut slice_start = clock::monotonic_ms();
        for value in values {
            if clock::monotonic_ms() - slice_start > SLICE_MS {
                clock::when_idle().await;
                slice_start = clock::monotonic_ms();
            }
            if self.consulted.get() {
                return;
            }
            let Some((modified, record)) = kept_record(&value) else { continue };
            let record = Rc::new(record);
            // Compiled now, for the audit's matching (see `crate::audit::compiled`).
            crate::audit::compiled(&record);
            self.preloaded.borrow_mut().insert(record.id.clone(), (modified, record));
        }
        clock::mark(READ_AHEAD_MARK);
    }

    /// Switches the cache off for the session and says why.
    fn fail(&self, error: IdbError) -> String {
        let reason = match &error {
            IdbError::QuotaExceeded(_) => format!("{error}; advisories are no longer kept in this browser"),
            _ => error.to_string(),
        };
        *self.broken.borrow_mut() = Some(reason.clone());
        self.connection.borrow_mut().take();
        reason
    }

    /// A connection even after the cache was switched off, for counting and clearing (which frees the space).
    async fn connection_anyway(&self) -> Result<Rc<Connection>, String> {
        if let Some(connection) = self.connection.borrow().as_ref() {
            return Ok(Rc::clone(connection));
        }
        let connection = Connection::open(DATABASE, VERSION, &[STORE]).await.map_err(|error| error.to_string())?;
        Ok(Rc::new(connection))
    }

    /// The number of records kept.
    pub async fn count(&self) -> Result<u32, String> {
        let connection = self.connection_anyway().await?;
        connection.count(STORE).await.map_err(|error| error.to_string())
    }

    /// Removes every record; returns how many there were.
    pub async fn clear(&self) -> Result<u32, String> {
        let connection = self.connection_anyway().await?;
        let count = connection.count(STORE).await.map_err(|error| error.to_string())?;
        connection.clear(STORE).await.map_err(|error| error.to_string())?;
        self.preloaded.borrow_mut().clear();
        self.may_hold_records.set(Some(false));
        Ok(count)
    }
}

fn text_field(value: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(value, &JsValue::from_str(name)).ok()?.as_string()
}

/// A kept entry's `modified` and record; `None` for an entry that no longer reads (an older layout, a damaged
/// write).
fn kept_record(value: &JsValue) -> Option<(String, Vulnerability)> {
    let modified = text_field(value, "modified")?;
    let record = serde_json::from_str(&text_field(value, "json")?).ok()?;
    Some((modified, record))
}

impl RecordCache for IdbRecordCache {
    async fn load(&self, wanted: &[VulnRef]) -> Result<BTreeMap<String, Rc<Vulnerability>>, String> {
        self.consulted.set(true);
        let preloaded = std::mem::take(&mut *self.preloaded.borrow_mut());
        if self.may_hold_records.get() == Some(false) {
            return Ok(BTreeMap::new());
        }
        let mut found = BTreeMap::new();
        let mut rest = Vec::new();
        for vuln in wanted.iter().filter(|vuln| !vuln.modified.is_empty()) {
            match preloaded.get(&vuln.id) {
                Some((modified, record)) if *modified == vuln.modified => {
                    found.insert(vuln.id.clone(), Rc::clone(record));
                }
                _ => rest.push(vuln),
            }
        }
        if rest.is_empty() {
            return Ok(found);
        }
        let connection = self.connection().await?;
        let keys: Vec<JsValue> = rest.iter().map(|vuln| JsValue::from_str(&vuln.id)).collect();
        let values = connection.get_many(STORE, &keys).await.map_err(|error| self.fail(error))?;
        let mut slice_start = clock::monotonic_ms();
        for (vuln, value) in rest.into_iter().zip(values) {
            if clock::monotonic_ms() - slice_start > SLICE_MS {
                clock::yield_now().await;
                slice_start = clock::monotonic_ms();
            }
            // An entry kept with another `modified`, or under another ID, is a miss, and is fetched again.
            let Some((modified, record)) = value.as_ref().and_then(kept_record) else { continue };
            if modified == vuln.modified && record.id == vuln.id {
                found.insert(vuln.id.clone(), Rc::new(record));
            }
        }
        Ok(found)
    }

    async fn store(&self, records: &[CachedRecord]) -> Result<(), String> {
        let connection = self.connection().await?;
        let mut entries = Vec::with_capacity(records.len());
        for CachedRecord { id, modified, json, .. } in records {
            let value = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&value, &JsValue::from_str("modified"), &JsValue::from_str(modified));
            let _ = js_sys::Reflect::set(&value, &JsValue::from_str("json"), &JsValue::from_str(json));
            entries.push((JsValue::from_str(id), JsValue::from(value)));
        }
        self.may_hold_records.set(Some(true));
        connection.put_many(STORE, entries).await.map_err(|error| self.fail(error))
    }
}
