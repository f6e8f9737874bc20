//! The audit's [`Transport`] over the browser's `fetch`.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestInit, Response};

use crate::audit::{self, HttpRequest, HttpResponse, Method, Transport, TransportError};

/// One line of the "what was sent" log: every request the page made, and what it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The full URL.
    pub url: String,
    /// Bytes in the body.
    pub body_bytes: usize,
    /// What it carried: package names and versions, a record ID, a PyPI package name ([`audit::sent::contents`]).
    pub contents: Vec<String>,
}

/// Where a transport reports each request as it sends it.
pub type SentLog = Rc<dyn Fn(SentRequest)>;

/// Sends OSV API requests to `base_url` with `fetch`. Each request has its own time-out, and a request dropped
/// before it finishes is aborted, so that a cancelled audit frees its connections at once.
pub struct FetchTransport {
    base_url: String,
    sent: SentLog,
}

impl FetchTransport {
    /// A transport to `base_url` (such as `https://api.osv.dev`) that reports every request to `sent`.
    pub fn new(base_url: &str, sent: SentLog) -> Self {
        Self { base_url: base_url.trim_end_matches('/').to_string(), sent }
    }
}

/// Aborts the fetch when dropped, unless it finished.
struct AbortOnDrop {
    controller: AbortController,
    finished: bool,
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if !self.finished {
            self.controller.abort();
        }
    }
}

impl Transport for FetchTransport {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let url = format!("{}{}", self.base_url, request.path);
        let controller = AbortController::new().map_err(|_| TransportError::Network("no AbortController".into()))?;
        let mut guard = AbortOnDrop { controller, finished: false };
        let timed_out = Rc::new(Cell::new(false));
        let timer = {
            let controller = guard.controller.clone();
            let timed_out = Rc::clone(&timed_out);
            Timeout::new(request.timeout_ms, move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        // `fetch(url, init)`, not `fetch(new Request(url, init))`: the extra object was ~0.15 ms of the main thread
        // per request, and a cold audit sends 66.
        let init = RequestInit::new();
        init.set_signal(Some(&guard.controller.signal()));
        match &request.body {
            Some(body) => {
                init.set_method("POST");
                init.set_body(&JsValue::from_str(body));
                let headers = Headers::new().map_err(js_network)?;
                headers.set("Content-Type", "application/json").map_err(js_network)?;
                init.set_headers(&headers);
            }
            None => init.set_method(match request.method {
                Method::Get => "GET",
                Method::Post => "POST",
            }),
        }
        (self.sent)(SentRequest {
            method: match request.method {
                Method::Get => "GET",
                Method::Post => "POST",
            },
            url: url.clone(),
            body_bytes: request.body.as_ref().map_or(0, String::len),
            contents: audit::sent::contents(request),
        });
        let result = async {
            let window = web_sys::window().ok_or_else(|| TransportError::Network("no window".into()))?;
            let response: Response =
                JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await.map_err(js_network)?.unchecked_into();
            let status = response.status();
            let retry_after = response.headers().get("Retry-After").ok().flatten();
            // Read as bytes: as text, the browser would decode the body into a JavaScript string, and the page
            // then encode it back into UTF-8 for the wasm, which took ~20 ms of a 1 MB cold audit.
            let buffer = JsFuture::from(response.array_buffer().map_err(js_network)?).await.map_err(js_network)?;
            let body = audit::body_text(Uint8Array::new(&buffer).to_vec());
            Ok(HttpResponse { status, body, retry_after })
        }
        .await;
        guard.finished = true;
        drop(timer);
        match result {
            Err(_) if timed_out.get() => Err(TransportError::Timeout),
            other => other,
        }
    }

    async fn sleep(&self, millis: u32) {
        gloo_timers::future::TimeoutFuture::new(millis).await;
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
}

/// A failed `fetch` as the page shows it: `TypeError: Failed to fetch`, `AbortError: …`.
fn js_network(error: JsValue) -> TransportError {
    let message = match error.dyn_ref::<js_sys::Error>() {
        Some(error) => format!("{}: {}", String::from(error.name()), String::from(error.message())),
        None => error.as_string().unwrap_or_else(|| format!("{error:?}")),
    };
    TransportError::Network(message)
}
