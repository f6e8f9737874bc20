//! The settings the user keeps (OSV endpoint, request time-out, record cache), and whether the page's Content
//! Security Policy lets it reach an endpoint at all, so that a blocked endpoint is named instead of failing quietly.

use serde::{Deserialize, Serialize};

pub use crate::osv::DEFAULT_ENDPOINT;

/// The shortest and longest request time-outs the page accepts, in seconds.
pub const TIMEOUT_SECONDS: std::ops::RangeInclusive<u32> = 1..=300;

/// What the user set. Stored as JSON; fields added later read as their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The OSV API's base URL, or `None` for the default (the local API `cargo xtask serve` announces, else
    /// api.osv.dev).
    pub endpoint: Option<String>,
    /// The time-out of each request, in seconds.
    pub timeout_seconds: u32,
    /// Whether OSV records are kept in this browser between audits.
    pub cache: bool,
}

/// One setting the user changed. It is applied to the settings as they are when it arrives, not as they were when
/// the panel was drawn: two changes made before the page draws again must both hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingChange {
    /// The OSV endpoint, checked; `None` for the default.
    Endpoint(Option<String>),
    /// The time-out of each request, in seconds (clamped to [`TIMEOUT_SECONDS`]).
    TimeoutSeconds(u32),
    /// Whether records are kept in this browser.
    Cache(bool),
}

impl SettingChange {
    /// Applies the change.
    pub fn apply(self, settings: &mut Settings) {
        match self {
            Self::Endpoint(endpoint) => settings.endpoint = endpoint,
            Self::TimeoutSeconds(seconds) => {
                settings.timeout_seconds = seconds.clamp(*TIMEOUT_SECONDS.start(), *TIMEOUT_SECONDS.end());
            }
            Self::Cache(cache) => settings.cache = cache,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self { endpoint: None, timeout_seconds: 20, cache: true }
    }
}

impl Settings {
    /// The settings in `json`, with anything unreadable or out of range replaced by its default.
    pub fn from_json(json: &str) -> Self {
        let mut settings: Settings = serde_json::from_str(json).unwrap_or_default();
        settings.endpoint = settings.endpoint.and_then(|endpoint| check_endpoint(&endpoint).ok());
        if !TIMEOUT_SECONDS.contains(&settings.timeout_seconds) {
            settings.timeout_seconds = Settings::default().timeout_seconds;
        }
        settings
    }

    /// The time-out in milliseconds.
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_seconds.clamp(*TIMEOUT_SECONDS.start(), *TIMEOUT_SECONDS.end()) * 1000
    }
}

/// Checks an endpoint the user typed: an `http` or `https` URL with a host, and no query, fragment or credentials
/// (the page appends `/v1/…`). Returns it without trailing slashes.
pub fn check_endpoint(text: &str) -> Result<String, String> {
    let text = text.trim();
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err("an endpoint starts with https:// (or http://)".into());
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(format!("`{scheme}:` is not an HTTP address"));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("an endpoint has no spaces".into());
    }
    if rest.contains(['?', '#']) {
        return Err("an endpoint has no query or fragment (`?`, `#`)".into());
    }
    let authority = rest.split('/').next().unwrap_or("");
    if authority.contains('@') {
        return Err("an endpoint carries no user name or password".into());
    }
    if authority.is_empty() || authority.starts_with(':') {
        return Err("the endpoint has no host".into());
    }
    Ok(format!("{scheme}://{}", rest.trim_end_matches('/')))
}

/// A URL's parts, as CSP source matching needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UrlParts {
    scheme: String,
    host: String,
    port: u16,
    path: String,
}

fn default_port(scheme: &str) -> u16 {
    match scheme {
        "http" | "ws" => 80,
        _ => 443,
    }
}

fn parse_url(url: &str) -> Option<UrlParts> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(index) => (&rest[..index], rest[index..].split(['?', '#']).next().unwrap_or("/")),
        None => (rest, "/"),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = split_port(authority);
    let port = match port {
        Some(port) => port.parse().ok()?,
        None => default_port(&scheme),
    };
    let path = if path.is_empty() { "/" } else { path };
    Some(UrlParts { scheme, host: host.to_ascii_lowercase(), port, path: path.to_string() })
}

/// Splits `host:port`, leaving IPv6 brackets alone.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    match authority.rfind(':') {
        Some(index) if !authority[index..].contains(']') => (&authority[..index], Some(&authority[index + 1..])),
        _ => (authority, None),
    }
}

/// Whether a page at `page_url` under the Content Security Policy `policy` may `fetch` `url`: the `connect-src`
/// directive (or `default-src` without it) must list a source that matches, as CSP Level 3 matches them (`'self'`,
/// `*`, schemes, hosts with `*.` wildcards, ports and paths). A policy without either directive allows everything.
pub fn csp_allows_connect(policy: &str, page_url: &str, url: &str) -> bool {
    let directives: Vec<(&str, Vec<&str>)> = policy
        .split(';')
        .filter_map(|directive| {
            let mut words = directive.split_whitespace();
            Some((words.next()?, words.collect()))
        })
        .collect();
    let find = |name: &str| {
        directives.iter().find(|(directive, _)| directive.eq_ignore_ascii_case(name)).map(|(_, sources)| sources)
    };
    let Some(sources) = find("connect-src").or_else(|| find("default-src")) else { return true };
    let (Some(page), Some(target)) = (parse_url(page_url), parse_url(url)) else { return false };
    sources.iter().any(|source| source_matches(source, &page, &target))
}

fn source_matches(source: &str, page: &UrlParts, target: &UrlParts) -> bool {
    let source = source.to_ascii_lowercase();
    match source.as_str() {
        "'self'" => {
            target.scheme == page.scheme && target.host == page.host && target.port == page.port
            // CSP 3: 'self' also allows the secure upgrade of the page's own origin.
            || (page.scheme == "http" && target.scheme == "https" && target.host == page.host)
        }
        "'none'" => false,
        "*" => matches!(target.scheme.as_str(), "http" | "https" | "ws" | "wss"),
        _ if source.starts_with('\'') => false,
        _ if source.ends_with(':') && !source.contains('/') => {
            let scheme = source.trim_end_matches(':');
            scheme == target.scheme || (scheme == "http" && target.scheme == "https")
        }
        _ => host_source_matches(&source, page, target),
    }
}

fn host_source_matches(source: &str, page: &UrlParts, target: &UrlParts) -> bool {
    let (scheme, rest) = match source.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, source),
    };
    let scheme_ok = match scheme {
        Some(scheme) => scheme == target.scheme || (scheme == "http" && target.scheme == "https"),
        // Without a scheme, the page's own scheme applies (and its secure upgrade).
        None => target.scheme == page.scheme || (page.scheme == "http" && target.scheme == "https"),
    };
    if !scheme_ok {
        return false;
    }
    let (authority, path) = match rest.find('/') {
        Some(index) => (&rest[..index], &rest[index..]),
        None => (rest, ""),
    };
    let (host, port) = split_port(authority);
    let host_ok = match host.strip_prefix("*.") {
        Some(suffix) => target.host.ends_with(&format!(".{suffix}")),
        None => host == "*" || host == target.host,
    };
    let port_ok = match port {
        Some("*") => true,
        Some(port) => port.parse::<u16>().is_ok_and(|port| port == target.port),
        None => target.port == default_port(&target.scheme),
    };
    let path_ok =
        path.is_empty() || if path.ends_with('/') { target.path.starts_with(path) } else { target.path == path };
    host_ok && port_ok && path_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' \
                          https://api.osv.dev https://pypi.org; object-src 'none'";

    #[test]
    fn the_page_policy_allows_its_origin_and_the_listed_hosts_only() {
        let page = "http://127.0.0.1:8080/index.html";
        assert!(csp_allows_connect(POLICY, page, "http://127.0.0.1:8080/v1/querybatch"));
        assert!(csp_allows_connect(POLICY, page, "https://api.osv.dev/v1/vulns/PYSEC-1"));
        assert!(csp_allows_connect(POLICY, page, "https://pypi.org/pypi/jinja2/json"));
        assert!(!csp_allows_connect(POLICY, page, "http://localhost:8080/v1/querybatch"), "another host");
        assert!(!csp_allows_connect(POLICY, page, "http://127.0.0.1:9090/v1/querybatch"), "another port");
        assert!(!csp_allows_connect(POLICY, page, "http://api.osv.dev/v1/querybatch"), "no downgrade");
        assert!(!csp_allows_connect(POLICY, page, "https://osv.example/v1/querybatch"));
    }

    #[test]
    fn default_src_applies_without_connect_src_and_no_policy_allows_all() {
        assert!(!csp_allows_connect("default-src 'self'", "https://a.example/", "https://b.example/"));
        assert!(csp_allows_connect("script-src 'self'", "https://a.example/", "https://b.example/"));
        assert!(csp_allows_connect("", "https://a.example/", "https://b.example/"));
    }

    #[test]
    fn wildcards_schemes_ports_and_paths_match_as_csp_says() {
        let page = "https://a.example/";
        assert!(csp_allows_connect("connect-src *.osv.dev", page, "https://api.osv.dev/v1"));
        assert!(!csp_allows_connect("connect-src *.osv.dev", page, "https://osv.dev/v1"));
        assert!(csp_allows_connect("connect-src https:", page, "https://anything.example/"));
        assert!(csp_allows_connect("connect-src http://mirror.example:*", page, "http://mirror.example:8000/"));
        assert!(csp_allows_connect("connect-src https://m.example/osv/", page, "https://m.example/osv/v1/query"));
        assert!(!csp_allows_connect("connect-src https://m.example/osv/", page, "https://m.example/other"));
        assert!(!csp_allows_connect("connect-src 'none'", page, "https://a.example/"));
        assert!(csp_allows_connect("connect-src *", page, "http://b.example/"));
    }

    #[test]
    fn endpoints_are_checked_and_trimmed() {
        assert_eq!(check_endpoint(" https://api.osv.dev/ ").as_deref(), Ok("https://api.osv.dev"));
        assert_eq!(check_endpoint("http://127.0.0.1:8080").as_deref(), Ok("http://127.0.0.1:8080"));
        assert_eq!(check_endpoint("HTTPS://mirror.example/osv").as_deref(), Ok("https://mirror.example/osv"));
        for bad in
            ["api.osv.dev", "ftp://x", "javascript://x", "https://", "https://a b", "https://u:p@x", "https://x/?a"]
        {
            assert!(check_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stored_settings_read_leniently() {
        assert_eq!(Settings::from_json("not json"), Settings::default());
        let read = Settings::from_json(r#"{"endpoint":"javascript:alert(1)","timeout_seconds":0,"cache":false}"#);
        assert_eq!(read, Settings { endpoint: None, timeout_seconds: 20, cache: false });
        let read = Settings::from_json(r#"{"endpoint":"http://127.0.0.1:1","timeout_seconds":5}"#);
        assert_eq!(read, Settings { endpoint: Some("http://127.0.0.1:1".into()), timeout_seconds: 5, cache: true });
    }

    #[test]
    fn changes_made_one_after_another_all_hold() {
        let mut settings = Settings::default();
        SettingChange::TimeoutSeconds(7).apply(&mut settings);
        SettingChange::Cache(false).apply(&mut settings);
        SettingChange::Endpoint(Some("https://mirror.example".into())).apply(&mut settings);
        assert_eq!(
            settings,
            Settings { endpoint: Some("https://mirror.example".into()), timeout_seconds: 7, cache: false }
        );
        SettingChange::TimeoutSeconds(100_000).apply(&mut settings);
        assert_eq!(settings.timeout_seconds, *TIMEOUT_SECONDS.end());
        SettingChange::Endpoint(None).apply(&mut settings);
        assert_eq!(settings.endpoint, None);
    }
}
