//! The browser's clock, for link creation times, export timestamps and the expiry of ignore rules.

/// Now, as RFC 3339 in UTC with seconds: `2026-11-25T12:00:00Z`.
pub fn now_rfc3339() -> String {
    let iso: String = js_sys::Date::new_0().to_iso_string().into();
    // `toISOString` gives milliseconds; seconds are enough and read better.
    match iso.split_once('.') {
        Some((seconds, _)) => format!("{seconds}Z"),
        None => iso,
    }
}

/// Milliseconds since the page's navigation started (`performance.now()`), for timing the page's own work.
pub fn monotonic_ms() -> f64 {
    web_sys::window().and_then(|window| window.performance()).map_or(0.0, |performance| performance.now())
}

/// Today in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    now_rfc3339().chars().take(10).collect()
}
