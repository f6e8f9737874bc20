//! Keeps the offline database's archive in IndexedDB and reads archives into the page.
//!
//! The archive is kept as the file the user chose (a Blob: about 10 MB for PyPI's 7,080 records, a third of their
//! JSON), in a database of its own, and loaded again after a reload; it is never sent anywhere.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::io::idb::Connection;

const DATABASE: &str = "osv-lens-offline";
const VERSION: u32 = 1;
const STORE: &str = "archive";
const FILE_KEY: &str = "file";
const NAME_KEY: &str = "name";

async fn open() -> Result<Connection, String> {
    Connection::open(DATABASE, VERSION, &[STORE]).await.map_err(|error| error.to_string())
}

/// Keeps `blob` (named `name`) for the next visit, replacing what was kept.
pub async fn save(blob: &web_sys::Blob, name: &str) -> Result<(), String> {
    let connection = open().await?;
    let entries = [
        (JsValue::from_str(FILE_KEY), JsValue::from(blob.clone())),
        (JsValue::from_str(NAME_KEY), JsValue::from_str(name)),
    ];
    connection.put_many(STORE, entries).await.map_err(|error| error.to_string())
}

/// The archive kept from an earlier visit and its name, if there is one.
pub async fn load() -> Result<Option<(web_sys::Blob, String)>, String> {
    let connection = open().await?;
    let keys = [JsValue::from_str(FILE_KEY), JsValue::from_str(NAME_KEY)];
    let mut found = connection.get_many(STORE, &keys).await.map_err(|error| error.to_string())?.into_iter();
    let (Some(Some(file)), Some(name)) = (found.next(), found.next()) else { return Ok(None) };
    let Ok(blob) = file.dyn_into::<web_sys::Blob>() else { return Ok(None) };
    let name = name.and_then(|name| name.as_string()).unwrap_or_else(|| "offline database".into());
    Ok(Some((blob, name)))
}

/// Forgets the kept archive.
pub async fn remove() -> Result<(), String> {
    open().await?.clear(STORE).await.map_err(|error| error.to_string())
}

/// The bytes of `blob`, copied into the page's memory.
pub async fn read_bytes(blob: &web_sys::Blob) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(blob.array_buffer()).await.map_err(|error| {
        error.dyn_ref::<js_sys::Error>().map(|error| String::from(error.message())).unwrap_or_else(|| "unknown".into())
    })?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
