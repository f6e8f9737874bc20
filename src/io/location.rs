//! The page's address: the `?osv=` parameter.

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
