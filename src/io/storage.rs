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
