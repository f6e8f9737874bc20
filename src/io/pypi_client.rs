//! Release lists from PyPI's JSON API, read with `fetch` (PyPI sends CORS headers). Only the names of packages that
//! have advisories are sent, and each request is logged like the OSV requests.

use std::rc::Rc;

use futures::stream::{self, StreamExt};

use crate::http::{send_with_retries, Endpoint, FetchError, HttpRequest, RetryPolicy};
use crate::io::fetch::{FetchTransport, SentLog};
use crate::pypi::{json_api_path, ReleaseList, ReleaseLookup};

/// Release lists fetched at once; PyPI's documents can be large, so fewer than the OSV lookups.
const CONCURRENCY: usize = 4;

/// Why PyPI gave no list, in words for the report.
fn reason(error: FetchError) -> String {
    match error {
        FetchError::NotFound => "PyPI does not know this package".into(),
        FetchError::Status(status) => format!("PyPI answered HTTP {status}"),
        FetchError::Network(_) => "PyPI could not be reached".into(),
        FetchError::Timeout => "PyPI did not answer in time".into(),
        FetchError::Malformed(message) => message,
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
    let transport = FetchTransport::new(sent);
    let policy = RetryPolicy { max_attempts: 2, timeout_ms, ..RetryPolicy::default() };
    let endpoint = Endpoint::new(base_url);
    let (transport, policy, endpoint) = (&transport, &policy, &endpoint);
    let mut answers = stream::iter(names.into_iter().map(|name| async move {
        let request =
            HttpRequest::get(endpoint.url(&json_api_path(&name)), policy.timeout_ms).carrying(vec![name.clone()]);
        let read = |response: &crate::http::HttpResponse| {
            ReleaseList::from_json(&name, &response.text()).map_err(FetchError::Malformed)
        };
        let lookup = match send_with_retries(transport, policy, &request, read).await {
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
