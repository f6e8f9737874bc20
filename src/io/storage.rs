//! localStorage, for what must survive a reload. Storage can be missing or full: every call fails quietly.

/// Reads `key`.
pub fn load(key: &str) -> Option<String> {
    web_sys::window()?.local_storage().ok()??.get_item(key).ok()?
}

/// Writes `key`; returns false when the browser refused (quota, private mode).
pub fn save(key: &str, value: &str) -> bool {
    web_sys::window()
        .and_then(|window| window.local_storage().ok().flatten())
        .is_some_and(|storage| storage.set_item(key, value).is_ok())
}

/// Removes `key`.
pub fn remove(key: &str) {
    if let Some(storage) = web_sys::window().and_then(|window| window.local_storage().ok().flatten()) {
        let _ = storage.remove_item(key);
    }
}

/// The key that is set while the page reads its input. A page that stops while reading (a crash the page cannot
/// catch: wasm traps on stack overflow) leaves it set, and the next load knows the saved input caused it.
pub const READING_KEY: &str = "osv-lens.reading.v1";

/// Marks the input as being read until dropped. A crash skips the drop, which is the point.
pub struct ReadingMark(());

impl ReadingMark {
    /// Sets [`READING_KEY`].
    pub fn set() -> Self {
        save(READING_KEY, "1");
        Self(())
    }
}

impl Drop for ReadingMark {
    fn drop(&mut self) {
        remove(READING_KEY);
    }
}
