//! The audit's [`RecordCache`] in IndexedDB: one entry per OSV record, keyed by ID, holding querybatch's `modified`
//! and the record as JSON.
//!
//! The first failure (storage full, IndexedDB missing, a write refused) switches the cache off for the rest of the
//! session: the page says so and audits go on without it.
//!
//! A cache found empty when the page opened it, and written nothing since, is not read: asking IndexedDB for
//! hundreds of absent records held up the first audit's record requests by tens of milliseconds. (Records another
//! tab writes meanwhile are then missed until a reload: a miss is fetched, never wrong.)

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use wasm_bindgen::JsValue;

use crate::audit::{CachedRecord, RecordCache};
use crate::io::idb::{Connection, IdbError};
use crate::osv::api::VulnRef;
use crate::osv::Vulnerability;

/// The database's name; the offline database uses another.
const DATABASE: &str = "osv-lens-records";
const VERSION: u32 = 1;
const STORE: &str = "records";

/// OSV records kept in IndexedDB.
#[derive(Default)]
pub struct IdbRecordCache {
    connection: RefCell<Option<Rc<Connection>>>,
    /// Why the cache is off for the rest of the session.
    broken: RefCell<Option<String>>,
    /// False while the cache is known to be empty: it was when opened, and nothing was stored since.
    may_hold_records: Cell<Option<bool>>,
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
                cache.may_hold_records.set(Some(count.map_or(true, |count| count > 0)));
            }
        });
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
        self.may_hold_records.set(Some(false));
        Ok(count)
    }
}

fn text_field(value: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(value, &JsValue::from_str(name)).ok()?.as_string()
}

impl RecordCache for IdbRecordCache {
    async fn load(&self, wanted: &[VulnRef]) -> Result<BTreeMap<String, Rc<Vulnerability>>, String> {
        if self.may_hold_records.get() == Some(false) {
            return Ok(BTreeMap::new());
        }
        let connection = self.connection().await?;
        let keys: Vec<JsValue> = wanted.iter().map(|vuln| JsValue::from_str(&vuln.id)).collect();
        let values = connection.get_many(STORE, &keys).await.map_err(|error| self.fail(error))?;
        let mut found = BTreeMap::new();
        for (vuln, value) in wanted.iter().zip(values) {
            let Some(value) = value else { continue };
            if text_field(&value, "modified").as_deref() != Some(vuln.modified.as_str()) || vuln.modified.is_empty() {
                continue;
            }
            // An entry that no longer reads (an older layout, a damaged write) is a miss, and is fetched again.
            let record = text_field(&value, "json").and_then(|json| serde_json::from_str::<Vulnerability>(&json).ok());
            if let Some(record) = record.filter(|record| record.id == vuln.id) {
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
