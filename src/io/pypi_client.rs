//! Release lists from PyPI's JSON API, read with `fetch` (PyPI sends CORS headers). Only the names of packages that
//! have advisories are sent, and each request is logged like the OSV requests.

use std::rc::Rc;

use futures::stream::{self, StreamExt};

use crate::audit::{send_with_retries, HttpRequest, LookupError, LookupSettings, Method};
use crate::io::osv_client::{FetchTransport, SentLog};
use crate::pypi::{json_api_path, ReleaseList, ReleaseLookup};

/// Release lists fetched at once; PyPI's documents can be large, so fewer than the OSV lookups.
const CONCURRENCY: usize = 4;

/// Why PyPI gave no list, in words for the report.
fn reason(error: LookupError) -> String {
    match error {
        LookupError::NotFound => "PyPI does not know this package".into(),
        LookupError::Status(status) => format!("PyPI answered HTTP {status}"),
        LookupError::Network(_) => "PyPI could not be reached".into(),
        LookupError::Timeout => "PyPI did not answer in time".into(),
        LookupError::Malformed(message) => message,
    }
}

/// Fetches the release list of every package in `names` from the PyPI at `base_url`, handing each result to
/// `on_result` as it arrives. Each request waits at most `timeout_ms`.
pub async fn fetch_release_lists(
    base_url: &str,
    names: Vec<String>,
    timeout_ms: u32,
    sent: SentLog,
    on_result: &mut dyn FnMut(String, ReleaseLookup),
) {
    let transport = FetchTransport::new(base_url, sent);
    let settings = LookupSettings { max_attempts: 2, timeout_ms, ..LookupSettings::default() };
    let transport = &transport;
    let settings = &settings;
    let mut answers = stream::iter(names.into_iter().map(|name| async move {
        let request = HttpRequest {
            method: Method::Get,
            path: json_api_path(&name),
            body: None,
            timeout_ms: settings.timeout_ms,
        };
        let read = |body: &str| ReleaseList::from_json(&name, body).map_err(LookupError::Malformed);
        let lookup = match send_with_retries(transport, settings, &request, read).await {
            Ok(list) => ReleaseLookup::Found(Rc::new(list)),
            Err(error) => ReleaseLookup::Unavailable(reason(error)),
        };
        (name, lookup)
    }))
    .buffer_unordered(CONCURRENCY);
    while let Some((name, lookup)) = answers.next().await {
        on_result(name, lookup);
    }
}
