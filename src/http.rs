//! The one HTTP seam of the core: requests and answers as plain values, the [`Transport`] trait that sends them, and
//! [`send_with_retries`], which every service (the OSV API, the package index) uses to reach its server.
//!
//! The page implements [`Transport`] with the browser's `fetch` (`io::fetch`); host tests implement it in memory or
//! over a local server. Nothing here touches the network by itself.

use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// HEAD.
    Head,
    /// POST, with a JSON body.
    Post,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
        }
    }
}

/// A request: an absolute URL, the headers to send, and a JSON body for a POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// GET, HEAD or POST.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Headers to send besides the ones the transport adds (`Content-Type: application/json` with a body).
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body of a POST.
    pub body: Option<String>,
    /// How long the transport waits for the whole answer.
    pub timeout_ms: u32,
    /// What the request carries, in words, one line per item (`django 3.2.0`, an advisory ID, a project name), for
    /// the page's list of what was sent.
    pub carries: Vec<String>,
}

impl HttpRequest {
    /// A GET of `url`.
    pub fn get(url: impl Into<String>, timeout_ms: u32) -> Self {
        Self { method: Method::Get, url: url.into(), headers: Vec::new(), body: None, timeout_ms, carries: Vec::new() }
    }

    /// A POST of the JSON `body` to `url`.
    pub fn post_json(url: impl Into<String>, body: String, timeout_ms: u32) -> Self {
        Self {
            method: Method::Post,
            url: url.into(),
            headers: Vec::new(),
            body: Some(body),
            timeout_ms,
            carries: Vec::new(),
        }
    }

    /// The same request with one more header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The same request, saying what it carries.
    pub fn carrying(mut self, carries: Vec<String>) -> Self {
        self.carries = carries;
        self
    }
}

/// An answer: the status, the headers the transport could read, and the body's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// An answer with `status` and `body` and no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self { status, headers: Vec::new(), body: body.into() }
    }

    /// The same answer with one more header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// The value of header `name`, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// The body as text, as `Response.text()` reads it (see [`body_text`]).
    pub fn text(&self) -> String {
        body_text(&self.body)
    }
}

/// A body's bytes as text, as `Response.text()` reads them: UTF-8 without a leading byte order mark, with a
/// replacement character for each invalid sequence.
pub fn body_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

/// One line of the page's "What was sent" list: a request as it left the page, and what it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRequest {
    /// `GET`, `HEAD` or `POST`.
    pub method: &'static str,
    /// The full URL.
    pub url: String,
    /// Bytes in the body.
    pub body_bytes: usize,
    /// What it carried, in words ([`HttpRequest::carries`]).
    pub contents: Vec<String>,
    /// How it ended, once it has: the HTTP status (`200`, `503`), `network error` or `timed out`.
    pub outcome: Option<String>,
}

impl SentRequest {
    /// The line for `request`.
    pub fn of(request: &HttpRequest) -> Self {
        Self {
            method: request.method.as_str(),
            url: request.url.clone(),
            body_bytes: request.body.as_ref().map_or(0, String::len),
            contents: request.carries.clone(),
            outcome: None,
        }
    }

    /// How `request` ended, for the line that listed it ([`SentRequest::outcome`]).
    pub fn answered(request: &HttpRequest, result: &Result<HttpResponse, TransportError>) -> Self {
        let outcome = match result {
            Ok(response) => response.status.to_string(),
            Err(TransportError::Timeout) => "timed out".to_string(),
            Err(TransportError::Network(_)) => "network error".to_string(),
        };
        Self {
            method: request.method.as_str(),
            url: request.url.clone(),
            body_bytes: 0,
            contents: Vec::new(),
            outcome: Some(outcome),
        }
    }
}

/// Why a request got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The connection failed (offline, refused, CORS, …).
    Network(String),
    /// No answer within the time-out.
    Timeout,
}

/// How the core reaches a server.
#[allow(async_fn_in_trait)] // The page runs on one thread; no `Send` bound is wanted.
pub trait Transport {
    /// Sends one request and waits for its whole answer, or for the time-out.
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError>;
    /// Waits `millis` milliseconds.
    async fn sleep(&self, millis: u32);
    /// A random number in `0.0..1.0`, for retry jitter.
    fn random(&self) -> f64;
}

impl<T: Transport + ?Sized> Transport for &T {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        (**self).send(request).await
    }

    async fn sleep(&self, millis: u32) {
        (**self).sleep(millis).await;
    }

    fn random(&self) -> f64 {
        (**self).random()
    }
}

/// How often and how patiently a request is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries per request, the first included.
    pub max_attempts: u32,
    /// Time-out of one try.
    pub timeout_ms: u32,
    /// The first retry waits about this long; each further retry doubles it.
    pub backoff_ms: u32,
    /// The longest wait between tries, `Retry-After` included.
    pub max_backoff_ms: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 4, timeout_ms: 20_000, backoff_ms: 250, max_backoff_ms: 8_000 }
    }
}

/// Why a request finally failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The server answered with an error status.
    Status(u16),
    /// No connection.
    Network(String),
    /// No answer in time.
    Timeout,
    /// The answer was not what was expected.
    Malformed(String),
    /// The server has no such thing (404 or 410).
    NotFound,
}

impl FetchError {
    /// True for failures worth another try: 429, 5xx, network errors, time-outs and unreadable answers.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Status(status) => *status == 429 || *status >= 500,
            Self::Network(_) | Self::Timeout | Self::Malformed(_) => true,
            Self::NotFound => false,
        }
    }

    /// The failure in words, naming the service (`the OSV API`, `the package index`).
    pub fn describe(&self, service: &str) -> String {
        match self {
            Self::Status(429) => format!("{service} kept answering 429 Too Many Requests"),
            Self::Status(status) => format!("{service} answered HTTP {status}"),
            Self::Network(message) => format!("{service} could not be reached ({message})"),
            Self::Timeout => format!("{service} did not answer in time"),
            Self::Malformed(message) => format!("{service} sent an unreadable answer ({message})"),
            Self::NotFound => format!("{service} answered 404 Not Found"),
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe("the server"))
    }
}

/// Sends `request`, retrying 429, 5xx, network errors, time-outs and unreadable answers with exponential backoff
/// and jitter, honouring `Retry-After`. `read` turns a 2xx or 304 answer into a value; 404 and 410 are
/// [`FetchError::NotFound`] at once.
pub async fn send_with_retries<T, R, F>(
    transport: &T,
    policy: &RetryPolicy,
    request: &HttpRequest,
    read: F,
) -> Result<R, FetchError>
where
    T: Transport + ?Sized,
    F: Fn(&HttpResponse) -> Result<R, FetchError>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (error, retry_after) = match transport.send(request).await {
            Ok(response) if (200..300).contains(&response.status) || response.status == 304 => match read(&response) {
                Ok(value) => return Ok(value),
                Err(error) => (error, None),
            },
            Ok(response) if matches!(response.status, 404 | 410) => return Err(FetchError::NotFound),
            Ok(response) => (FetchError::Status(response.status), response.header("retry-after").map(str::to_string)),
            Err(TransportError::Timeout) => (FetchError::Timeout, None),
            Err(TransportError::Network(message)) => (FetchError::Network(message), None),
        };
        if !error.is_retryable() || attempt >= policy.max_attempts {
            return Err(error);
        }
        transport.sleep(backoff_ms(transport, policy, attempt, retry_after.as_deref())).await;
    }
}

/// The wait before retry number `attempt`: `Retry-After` when the server gave seconds, otherwise exponential
/// backoff with "equal jitter" (half fixed, half random), capped.
fn backoff_ms<T: Transport + ?Sized>(
    transport: &T,
    policy: &RetryPolicy,
    attempt: u32,
    retry_after: Option<&str>,
) -> u32 {
    if let Some(seconds) = retry_after.and_then(|value| value.trim().parse::<f64>().ok()) {
        if seconds.is_finite() && seconds >= 0.0 {
            return ((seconds * 1000.0) as u32).min(policy.max_backoff_ms);
        }
    }
    let exponential = policy.backoff_ms.saturating_mul(1 << (attempt - 1).min(16)).min(policy.max_backoff_ms);
    let half = exponential / 2;
    half + (f64::from(half) * transport.random()) as u32
}

/// Reads a JSON body.
pub fn read_json<R: serde::de::DeserializeOwned>(body: &[u8]) -> Result<R, FetchError> {
    serde_json::from_slice(body).map_err(|error| FetchError::Malformed(error.to_string()))
}

/// Characters left as they are in a path segment: RFC 3986's unreserved set.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes everything but unreserved characters, so that a value from an answer cannot change the path.
pub fn encode_path_segment(segment: &str) -> String {
    utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

/// A service's base URL (`https://api.osv.dev`), without a trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint(String);

impl Endpoint {
    /// The endpoint at `base`; trailing `/`s are dropped.
    pub fn new(base: &str) -> Self {
        Self(base.trim().trim_end_matches('/').to_string())
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.0
    }

    /// The URL of `path`, which starts with `/`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// Answers from a script, one per try; records the waits.
    struct Scripted {
        answers: RefCell<Vec<Result<HttpResponse, TransportError>>>,
        waits: RefCell<Vec<u32>>,
    }

    impl Transport for Scripted {
        async fn send(&self, _request: &HttpRequest) -> Result<HttpResponse, TransportError> {
            self.answers.borrow_mut().remove(0)
        }

        async fn sleep(&self, millis: u32) {
            self.waits.borrow_mut().push(millis);
        }

        fn random(&self) -> f64 {
            0.5
        }
    }

    fn run(answers: Vec<Result<HttpResponse, TransportError>>) -> (Result<String, FetchError>, Vec<u32>) {
        let transport = Scripted { answers: RefCell::new(answers), waits: RefCell::default() };
        let request = HttpRequest::get("https://example.org/x", 1000);
        let result =
            futures::executor::block_on(send_with_retries(&transport, &RetryPolicy::default(), &request, |response| {
                Ok(format!("{} {}", response.status, response.text()))
            }));
        (result, transport.waits.into_inner())
    }

    #[test]
    fn retries_what_is_worth_retrying_and_honours_retry_after() {
        let (result, waits) = run(vec![
            Ok(HttpResponse::new(503, "")),
            Ok(HttpResponse::new(429, "").with_header("Retry-After", "2")),
            Err(TransportError::Timeout),
            Ok(HttpResponse::new(200, "\u{feff}ok")),
        ]);
        assert_eq!(result.as_deref(), Ok("200 ok"));
        // 250 ms with equal jitter at 0.5, then Retry-After's 2 s, then 1 s with jitter.
        assert_eq!(waits, [187, 2000, 750]);
    }

    #[test]
    fn not_found_and_client_errors_are_final_and_304_is_an_answer() {
        assert_eq!(run(vec![Ok(HttpResponse::new(404, ""))]).0, Err(FetchError::NotFound));
        assert_eq!(run(vec![Ok(HttpResponse::new(410, ""))]).0, Err(FetchError::NotFound));
        assert_eq!(run(vec![Ok(HttpResponse::new(400, ""))]).0, Err(FetchError::Status(400)));
        assert_eq!(run(vec![Ok(HttpResponse::new(304, ""))]).0.as_deref(), Ok("304 "));
        let failures = (0..4).map(|_| Ok(HttpResponse::new(502, ""))).collect();
        assert_eq!(run(failures), (Err(FetchError::Status(502)), vec![187, 375, 750]));
    }

    #[test]
    fn a_body_reads_as_the_browser_reads_text() {
        assert_eq!(body_text(br#"{"vulns":[]}"#), r#"{"vulns":[]}"#);
        // A leading byte order mark is not part of the text; one further in is.
        assert_eq!(body_text(b"\xef\xbb\xbf{}"), "{}");
        assert_eq!(body_text(b"{}\xef\xbb\xbf"), "{}\u{feff}");
        // Invalid UTF-8 becomes replacement characters rather than failing the answer.
        assert_eq!(body_text(b"{\"a\":\"\xff\xfe\"}"), "{\"a\":\"\u{fffd}\u{fffd}\"}");
        assert_eq!(body_text("résumé ✓".as_bytes()), "résumé ✓");
        assert_eq!(body_text(&[]), "");
    }

    #[test]
    fn errors_name_their_service() {
        assert_eq!(FetchError::Status(503).describe("the OSV API"), "the OSV API answered HTTP 503");
        assert_eq!(FetchError::Timeout.describe("the package index"), "the package index did not answer in time");
        assert_eq!(FetchError::Status(429).to_string(), "the server kept answering 429 Too Many Requests");
    }

    #[test]
    fn path_segments_and_endpoints() {
        assert_eq!(encode_path_segment("PYSEC-2021-1"), "PYSEC-2021-1");
        assert_eq!(encode_path_segment("../a b/?#é"), "..%2Fa%20b%2F%3F%23%C3%A9");
        let endpoint = Endpoint::new(" https://api.osv.dev// ");
        assert_eq!(endpoint.url("/v1/querybatch"), "https://api.osv.dev/v1/querybatch");
        let response = HttpResponse::new(200, "").with_header("ETag", "\"x\"");
        assert_eq!(response.header("etag"), Some("\"x\""));
    }
}
