//! Release lists from PyPI's JSON API, as the audit's [`PackageIndex`]. Only the names of packages that have
//! advisories are asked for; each request is listed like the OSV requests.

use std::rc::Rc;

use crate::audit::PackageIndex;
use crate::http::{send_with_retries, Endpoint, FetchError, HttpRequest, HttpResponse, RetryPolicy, Transport};
use crate::pypi::{json_api_path, ReleaseList, ReleaseLookup};

/// The package index at a base URL, reached over a transport.
pub struct PypiIndex<'a, T> {
    endpoint: Endpoint,
    transport: &'a T,
    policy: RetryPolicy,
}

impl<'a, T: Transport> PypiIndex<'a, T> {
    /// The index at `base`, each request waiting at most `timeout_ms`.
    pub fn new(base: &str, transport: &'a T, timeout_ms: u32) -> Self {
        Self {
            endpoint: Endpoint::new(base),
            transport,
            policy: RetryPolicy { max_attempts: 2, timeout_ms, ..RetryPolicy::default() },
        }
    }
}

/// Why PyPI gave no list, in words for the report.
fn reason(error: FetchError) -> String {
    match error {
        FetchError::NotFound => "PyPI does not know this package".into(),
        FetchError::Malformed(message) => message,
        other => other.describe("PyPI"),
    }
}

impl<T: Transport> PackageIndex for PypiIndex<'_, T> {
    async fn release_list(&self, name: &str) -> ReleaseLookup {
        let url = self.endpoint.url(&json_api_path(name));
        let request = HttpRequest::get(url, self.policy.timeout_ms).carrying(vec![name.to_string()]);
        let read =
            |response: &HttpResponse| ReleaseList::from_json(name, &response.text()).map_err(FetchError::Malformed);
        match send_with_retries(self.transport, &self.policy, &request, read).await {
            Ok(list) => ReleaseLookup::Found(Rc::new(list)),
            Err(FetchError::NotFound) => ReleaseLookup::NotOnIndex,
            Err(error) => ReleaseLookup::Unavailable(reason(error)),
        }
    }
}
