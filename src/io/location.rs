//! The page's address: the `?osv=` parameter and the share link's fragment.

/// The value of the query parameter `name` in the page's address.
pub fn query_parameter(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name).filter(|value| !value.trim().is_empty())
}

/// The content of `<meta name="…">` in the page, which `cargo xtask serve` uses to point the page at its local API.
pub fn meta_content(name: &str) -> Option<String> {
    let document = web_sys::window()?.document()?;
    let element = document.query_selector(&format!("meta[name=\"{name}\"]")).ok()??;
    element.get_attribute("content").filter(|value| !value.trim().is_empty())
}

/// The address's fragment without the `#`, when there is one.
pub fn fragment() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let fragment = hash.strip_prefix('#').unwrap_or(&hash).to_string();
    (!fragment.is_empty()).then_some(fragment)
}

/// Removes the fragment from the address without reloading or adding a history entry, so that a reload shows
/// the saved state rather than opening the share link again.
pub fn clear_fragment() {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let (Ok(path), Ok(search)) = (location.pathname(), location.search()) else { return };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}{search}")));
    }
}

/// The page's address without its fragment, to which a share link's fragment is appended.
pub fn page_address() -> Option<String> {
    let location = web_sys::window()?.location();
    Some(format!("{}{}{}", location.origin().ok()?, location.pathname().ok()?, location.search().ok()?))
}

/// Calls `on_change` with the new fragment (without `#`) each time it changes while the page is open, as when a
/// share link is pasted into the address bar of a tab that already shows osv-lens. The listener lives as long as
/// the page.
pub fn on_fragment_change(on_change: impl Fn(String) + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else { return };
    let listener = Closure::<dyn Fn()>::new(move || {
        if let Some(fragment) = fragment() {
            on_change(fragment);
        }
    });
    let _ = window.add_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref());
    listener.forget();
}

/// The page's address, with everything.
pub fn href() -> Option<String> {
    web_sys::window()?.location().href().ok()
}

/// The Content Security Policy in the page's `<meta http-equiv>`, which `dist/` always carries.
pub fn content_security_policy() -> Option<String> {
    let document = web_sys::window()?.document()?;
    let element = document.query_selector("meta[http-equiv=\"Content-Security-Policy\"]").ok()??;
    element.get_attribute("content")
}

/// Calls `on_blocked` with the address each time the Content Security Policy refuses a connection (`connect-src`),
/// so that the page can say why a lookup failed. The listener lives as long as the page.
pub fn on_connect_blocked(on_blocked: impl Fn(String) + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    let field = |event: &web_sys::Event, name: &str| {
        js_sys::Reflect::get(event, &JsValue::from_str(name))
            .ok()
            .and_then(|value| value.as_string())
            .unwrap_or_default()
    };
    let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        if field(&event, "effectiveDirective") == "connect-src" {
            on_blocked(field(&event, "blockedURI"));
        }
    });
    let _ = document.add_event_listener_with_callback("securitypolicyviolation", listener.as_ref().unchecked_ref());
    listener.forget();
}
