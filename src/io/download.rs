//! Saving a generated file: a Blob, an object URL and a click on a temporary `<a download>`.

use wasm_bindgen::JsCast;

/// Offers `text` as a download called `file_name`.
pub fn save_text(file_name: &str, media_type: &str, text: &str) -> Result<(), String> {
    let failed = |what: &str| format!("the download of `{file_name}` failed ({what})");
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(media_type);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| failed("no Blob"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| failed("no object URL"))?;
    let document = web_sys::window().and_then(|window| window.document()).ok_or_else(|| failed("no document"))?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| failed("no element"))?
        .dyn_into()
        .map_err(|_| failed("not an anchor"))?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.set_rel("noopener");
    let body = document.body().ok_or_else(|| failed("no body"))?;
    body.append_child(&anchor).map_err(|_| failed("cannot attach"))?;
    anchor.click();
    anchor.remove();
    // The browser reads the Blob when the download starts; free it a little later.
    gloo_timers::callback::Timeout::new(30_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}
