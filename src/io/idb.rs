//! A small async wrapper over the browser's IndexedDB: open a database with its object stores, then get, get many,
//! get all, list the keys, put many (in one transaction), delete, clear and count.
//!
//! Every failure comes back as an [`IdbError`] value, never a panic: IndexedDB can be missing (some private modes,
//! sandboxed frames), full ([`IdbError::QuotaExceeded`], which callers use to switch a cache off), or closed under
//! us when another tab upgrades the database.
//!
//! Stores hold values under out-of-line keys (strings, numbers, arrays of them: any valid IndexedDB key). Each call
//! runs in a transaction of its own, so a batch written with [`Connection::put_many`] is stored whole or not at
//! all. Separate features should use separate databases (one name each), so that each can upgrade its stores on
//! its own schedule.
//!
//! ```ignore
//! let db = idb::Connection::open("osv-lens-cache", 1, &["records"]).await?;
//! db.put_many("records", [(JsValue::from_str("PYSEC-1"), value)]).await?;
//! let found: Vec<Option<JsValue>> = db.get_many("records", &[JsValue::from_str("PYSEC-1")]).await?;
//! ```

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use futures::channel::oneshot;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    DomException, Event, EventTarget, IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode,
};

/// Why an IndexedDB operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdbError {
    /// The browser offers no IndexedDB here, or refused to open it; with the browser's words.
    Unavailable(String),
    /// The browser refused to store more (`QuotaExceededError`): the origin's storage is full.
    QuotaExceeded(String),
    /// Opening waits for another tab that keeps an older version of the database open.
    Blocked,
    /// Any other failure, with the `DOMException`'s name (`InvalidStateError`, `AbortError`, …) and message.
    Failed {
        /// The exception's name.
        name: String,
        /// The browser's message.
        message: String,
    },
}

impl IdbError {
    /// True when storage is full; a cache should switch itself off rather than retry.
    pub fn is_quota(&self) -> bool {
        matches!(self, Self::QuotaExceeded(_))
    }

    /// Reads a thrown value or a request's error: a `DOMException` keeps its name, anything else is described.
    fn from_js(value: &JsValue) -> Self {
        match value.dyn_ref::<DomException>() {
            Some(exception) => Self::from_exception(exception),
            None => Self::Failed {
                name: "Error".into(),
                message: value
                    .dyn_ref::<js_sys::Error>()
                    .map(|error| String::from(error.message()))
                    .or_else(|| value.as_string())
                    .unwrap_or_else(|| "unknown error".into()),
            },
        }
    }

    fn from_exception(exception: &DomException) -> Self {
        let (name, message) = (exception.name(), exception.message());
        if name == "QuotaExceededError" {
            Self::QuotaExceeded(message)
        } else {
            Self::Failed { name, message }
        }
    }
}

impl fmt::Display for IdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable(message) => write!(f, "IndexedDB is not available ({message})"),
            Self::QuotaExceeded(message) if message.is_empty() => f.write_str("the browser's storage is full"),
            Self::QuotaExceeded(message) => write!(f, "the browser's storage is full ({message})"),
            Self::Blocked => f.write_str("another tab keeps an older version of the database open"),
            Self::Failed { name, message } => write!(f, "IndexedDB failed: {name}: {message}"),
        }
    }
}

/// An event handler kept alive while it is attached.
type Handler = Closure<dyn FnMut(Event)>;

/// Event listeners on one target, removed when dropped: a future that is dropped before its event fires (an audit
/// cancelled mid-way) leaves no callback behind for the browser to call.
struct Listeners {
    target: EventTarget,
    attached: Vec<(&'static str, Handler)>,
}

impl Listeners {
    fn new(target: &EventTarget) -> Self {
        Self { target: target.clone(), attached: Vec::new() }
    }

    fn listen(&mut self, name: &'static str, handler: impl FnMut(Event) + 'static) {
        let closure: Handler = Closure::new(handler);
        let _ = self.target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        self.attached.push((name, closure));
    }
}

impl Drop for Listeners {
    fn drop(&mut self) {
        for (name, closure) in &self.attached {
            let _ = self.target.remove_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        }
    }
}

/// Waits for the first of `names` to fire on `target` and returns its name.
async fn first_event(target: &EventTarget, names: &[&'static str]) -> &'static str {
    let (sender, receiver) = oneshot::channel();
    let sender = Rc::new(RefCell::new(Some(sender)));
    let mut listeners = Listeners::new(target);
    for &name in names {
        let sender = Rc::clone(&sender);
        listeners.listen(name, move |_| {
            if let Some(sender) = sender.borrow_mut().take() {
                let _ = sender.send(name);
            }
        });
    }
    let fired = receiver.await.unwrap_or("cancelled");
    drop(listeners);
    fired
}

/// Waits until `transaction` commits; an aborted transaction gives its error (`QuotaExceededError` when the
/// writes did not fit).
async fn committed(transaction: &IdbTransaction) -> Result<(), IdbError> {
    match first_event(transaction, &["complete", "abort"]).await {
        "complete" => Ok(()),
        _ => Err(transaction.error().map_or_else(
            || IdbError::Failed { name: "AbortError".into(), message: "the transaction was aborted".into() },
            |exception| IdbError::from_exception(&exception),
        )),
    }
}

/// A request's result after its transaction committed; `undefined` (no such key) becomes `None`.
fn result_of(request: &IdbRequest) -> Result<Option<JsValue>, IdbError> {
    let value = request.result().map_err(|error| IdbError::from_js(&error))?;
    Ok((!value.is_undefined()).then_some(value))
}

/// An open IndexedDB database. Dropping it closes the connection.
pub struct Connection {
    database: IdbDatabase,
    /// Closes this connection when another tab wants to upgrade the database, so that we never block it.
    _on_version_change: Handler,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection").field("name", &self.database.name()).finish()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.database.set_onversionchange(None);
        self.database.close();
    }
}

impl Connection {
    /// Opens database `name` at `version` (1 or more). When the database is new or older than `version`, every
    /// store in `stores` that does not exist yet is created (with out-of-line keys); existing stores and their data
    /// are kept. Raise `version` whenever `stores` gains a name.
    pub async fn open(name: &str, version: u32, stores: &[&str]) -> Result<Connection, IdbError> {
        // The page has a window; the package-index worker has only its worker scope.
        let factory = match web_sys::window() {
            Some(window) => window.indexed_db(),
            None => js_sys::global().unchecked_into::<web_sys::WorkerGlobalScope>().indexed_db(),
        };
        let factory = factory
            .map_err(|error| IdbError::Unavailable(IdbError::from_js(&error).to_string()))?
            .ok_or_else(|| IdbError::Unavailable("this browser context has no IndexedDB".into()))?;
        let request = factory
            .open_with_u32(name, version.max(1))
            .map_err(|error| IdbError::Unavailable(IdbError::from_js(&error).to_string()))?;
        {
            // Not removed when this future is dropped: an upgrade that starts must create the stores even if the
            // caller stopped waiting, or the database would stay at the new version without them. The closure
            // frees itself when it runs; it is small when it never does.
            let request_for_upgrade = request.clone();
            let stores: Vec<String> = stores.iter().map(|store| store.to_string()).collect();
            let on_upgrade = Closure::once_into_js(move |_: Event| {
                let Ok(result) = request_for_upgrade.result() else { return };
                let database: IdbDatabase = result.unchecked_into();
                let existing = database.object_store_names();
                for store in &stores {
                    if !existing.contains(store) {
                        // A failure here aborts the upgrade, and the open request then fails with the reason.
                        let _ = database.create_object_store(store);
                    }
                }
            });
            request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
        }
        match first_event(&request, &["success", "error", "blocked"]).await {
            "success" => {}
            "blocked" => return Err(IdbError::Blocked),
            _ => {
                return Err(match request.error() {
                    Ok(Some(exception)) => IdbError::from_exception(&exception),
                    _ => IdbError::Unavailable("the database could not be opened".into()),
                })
            }
        }
        let database: IdbDatabase = request.result().map_err(|error| IdbError::from_js(&error))?.unchecked_into();
        let on_version_change = {
            let database = database.clone();
            Handler::new(move |_: Event| database.close())
        };
        database.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        let connection = Connection { database, _on_version_change: on_version_change };
        let existing = connection.database.object_store_names();
        if let Some(missing) = stores.iter().find(|store| !existing.contains(store)) {
            // The database exists at this version with other stores: `version` was not raised with `stores`.
            return Err(IdbError::Failed {
                name: "NotFoundError".into(),
                message: format!("database `{name}` version {version} has no store `{missing}`"),
            });
        }
        Ok(connection)
    }

    /// A transaction over `store` and the store itself.
    fn store(&self, store: &str, mode: IdbTransactionMode) -> Result<(IdbTransaction, IdbObjectStore), IdbError> {
        let transaction =
            self.database.transaction_with_str_and_mode(store, mode).map_err(|error| IdbError::from_js(&error))?;
        let object_store = transaction.object_store(store).map_err(|error| IdbError::from_js(&error))?;
        Ok((transaction, object_store))
    }

    /// Runs `requests` (which issues requests on the store and returns them) in one transaction, waits for it to
    /// commit, and returns the requests, whose results are then final. A request that throws aborts the whole
    /// transaction.
    async fn run<R>(
        &self,
        store: &str,
        mode: IdbTransactionMode,
        requests: impl FnOnce(&IdbObjectStore) -> Result<R, JsValue>,
    ) -> Result<R, IdbError> {
        let (transaction, object_store) = self.store(store, mode)?;
        match requests(&object_store) {
            Ok(issued) => {
                committed(&transaction).await?;
                Ok(issued)
            }
            Err(error) => {
                // Nothing of the batch may be stored when one part was refused.
                let _ = transaction.abort();
                Err(IdbError::from_js(&error))
            }
        }
    }

    /// The value under `key` in `store`, or `None`.
    pub async fn get(&self, store: &str, key: &JsValue) -> Result<Option<JsValue>, IdbError> {
        let request = self.run(store, IdbTransactionMode::Readonly, |object_store| object_store.get(key)).await?;
        result_of(&request)
    }

    /// The values under `keys` in `store`, in the same order, `None` where a key is missing. One transaction.
    pub async fn get_many(&self, store: &str, keys: &[JsValue]) -> Result<Vec<Option<JsValue>>, IdbError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let requests = self
            .run(store, IdbTransactionMode::Readonly, |object_store| {
                keys.iter().map(|key| object_store.get(key)).collect::<Result<Vec<_>, _>>()
            })
            .await?;
        requests.iter().map(result_of).collect()
    }

    /// Every value in `store`, in key order.
    pub async fn get_all(&self, store: &str) -> Result<Vec<JsValue>, IdbError> {
        let request = self.run(store, IdbTransactionMode::Readonly, IdbObjectStore::get_all).await?;
        Ok(result_of(&request)?.map(|array| js_sys::Array::from(&array).to_vec()).unwrap_or_default())
    }

    /// Every key in `store`, in key order, without reading the values.
    pub async fn keys(&self, store: &str) -> Result<Vec<JsValue>, IdbError> {
        let request = self.run(store, IdbTransactionMode::Readonly, IdbObjectStore::get_all_keys).await?;
        Ok(result_of(&request)?.map(|array| js_sys::Array::from(&array).to_vec()).unwrap_or_default())
    }

    /// Stores every `(key, value)` pair in `store`, replacing what was under the key, in one transaction: all are
    /// stored or none is. A full disk gives [`IdbError::QuotaExceeded`].
    pub async fn put_many(
        &self,
        store: &str,
        entries: impl IntoIterator<Item = (JsValue, JsValue)>,
    ) -> Result<(), IdbError> {
        self.run(store, IdbTransactionMode::Readwrite, |object_store| {
            for (key, value) in entries {
                object_store.put_with_key(&value, &key)?;
            }
            Ok(())
        })
        .await
    }

    /// Removes the value under `key` from `store` (nothing happens when there is none).
    pub async fn delete(&self, store: &str, key: &JsValue) -> Result<(), IdbError> {
        self.run(store, IdbTransactionMode::Readwrite, |object_store| object_store.delete(key).map(drop)).await
    }

    /// Removes every value from `store`.
    pub async fn clear(&self, store: &str) -> Result<(), IdbError> {
        self.run(store, IdbTransactionMode::Readwrite, |object_store| object_store.clear().map(drop)).await
    }

    /// The number of values in `store`.
    pub async fn count(&self, store: &str) -> Result<u32, IdbError> {
        let request = self.run(store, IdbTransactionMode::Readonly, IdbObjectStore::count).await?;
        Ok(result_of(&request)?.and_then(|count| count.as_f64()).map_or(0, |count| count as u32))
    }
}
