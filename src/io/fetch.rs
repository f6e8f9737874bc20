//! The core's [`Transport`] over the browser's `fetch`, with gloo-net. It works in the page and in a Web Worker.

use std::cell::Cell;
use std::rc::Rc;

use gloo_net::http::{Method as FetchMethod, RequestBuilder};
use gloo_timers::callback::Timeout;
use web_sys::AbortController;

use crate::http::{HttpRequest, HttpResponse, Method, SentRequest, Transport, TransportError};

/// Where a transport reports each request as it sends it.
pub type SentLog = Rc<dyn Fn(SentRequest)>;

/// The answer headers the core reads: retries, revalidation and range reads.
const READ_HEADERS: [&str; 6] = ["retry-after", "etag", "last-modified", "cache-control", "content-range", "age"];

/// Sends requests with `fetch`. Each request has its own time-out, and a request dropped before it finishes is
/// aborted, so that a cancelled audit frees its connections at once.
pub struct FetchTransport {
    sent: SentLog,
}

impl FetchTransport {
    /// A transport that reports every request to `sent`.
    pub fn new(sent: SentLog) -> Self {
        Self { sent }
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
        let method = match request.method {
            Method::Get => FetchMethod::GET,
            Method::Head => FetchMethod::HEAD,
            Method::Post => FetchMethod::POST,
        };
        let signal = guard.controller.signal();
        let mut builder = RequestBuilder::new(&request.url).method(method).abort_signal(Some(&signal));
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        (self.sent)(SentRequest::of(request));
        let result = async {
            let response = match &request.body {
                Some(body) => builder.header("Content-Type", "application/json").body(body.as_str()),
                None => builder.build(),
            }
            .map_err(network)?
            .send()
            .await
            .map_err(network)?;
            let status = response.status();
            let headers = response.headers();
            let headers = READ_HEADERS
                .iter()
                .filter_map(|name| headers.get(name).map(|value| ((*name).to_string(), value)))
                .collect();
            // Bytes, not text: the core reads them directly, without a round trip through a JavaScript string.
            let body = response.binary().await.map_err(network)?;
            Ok(HttpResponse { status, headers, body })
        }
        .await;
        guard.finished = true;
        drop(timer);
        let result = match result {
            Err(_) if timed_out.get() => Err(TransportError::Timeout),
            other => other,
        };
        (self.sent)(SentRequest::answered(request, &result));
        result
    }

    async fn sleep(&self, millis: u32) {
        gloo_timers::future::TimeoutFuture::new(millis).await;
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
}

/// A failed `fetch` as the page shows it: `TypeError: Failed to fetch`, `AbortError: …`.
fn network(error: gloo_net::Error) -> TransportError {
    TransportError::Network(error.to_string())
}
