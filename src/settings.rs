//! The settings the user keeps: the OSV endpoint, the request time-out, the record cache.

use serde::{Deserialize, Serialize};

use crate::environment::{Platform, PythonVersion, TargetEnvironment};

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
    /// Whether the package index is asked (release lists, flags, resolution).
    pub index: bool,
    /// Whether an input that is not fully pinned is resolved (what it installs is audited).
    pub resolve: bool,
    /// The Python version and platform resolutions and lockfile markers are for.
    pub target: TargetEnvironment,
    /// Resolve as of this day (`YYYY-MM-DD`): files uploaded after it are left out; `None` for today.
    pub as_of: Option<String>,
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
    /// Whether the package index is asked.
    Index(bool),
    /// Whether inputs that are not fully pinned are resolved.
    Resolve(bool),
    /// The target's Python version.
    Python(PythonVersion),
    /// The target's platform.
    Platform(Platform),
    /// The "as of" day, checked; `None` for today.
    AsOf(Option<String>),
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
            Self::Index(index) => settings.index = index,
            Self::Resolve(resolve) => settings.resolve = resolve,
            Self::Python(python) => settings.target.python = python,
            Self::Platform(platform) => settings.target.platform = platform,
            Self::AsOf(day) => settings.as_of = day.filter(|day| check_day(day).is_ok()),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            endpoint: None,
            timeout_seconds: 20,
            cache: true,
            index: true,
            resolve: true,
            target: TargetEnvironment::default(),
            as_of: None,
        }
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
        settings.as_of = settings.as_of.filter(|day| check_day(day).is_ok());
        settings
    }

    /// The time-out in milliseconds.
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_seconds.clamp(*TIMEOUT_SECONDS.start(), *TIMEOUT_SECONDS.end()) * 1000
    }
}

/// Checks an "as of" day: `YYYY-MM-DD`, a real date.
pub fn check_day(text: &str) -> Result<String, String> {
    text.trim().parse::<crate::resolve::AsOf>().map(|day| day.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(read, Settings { endpoint: None, timeout_seconds: 20, cache: false, ..Settings::default() });
        let read = Settings::from_json(r#"{"endpoint":"http://127.0.0.1:1","timeout_seconds":5}"#);
        assert_eq!(
            read,
            Settings { endpoint: Some("http://127.0.0.1:1".into()), timeout_seconds: 5, ..Settings::default() }
        );
    }

    #[test]
    fn the_target_and_the_day_are_settings_that_read_leniently() {
        let read = Settings::from_json(
            r#"{"resolve":false,"target":{"python":{"major":3,"minor":11},"platform":"windows"},"as_of":"2025-02-30"}"#,
        );
        assert!(!read.resolve);
        assert_eq!(read.target.to_string(), "CPython 3.11 on Windows x86_64");
        assert_eq!(read.as_of, None, "not a date");
        let mut settings = Settings::default();
        SettingChange::AsOf(Some("2025-10-01".into())).apply(&mut settings);
        SettingChange::Platform(Platform::Macos).apply(&mut settings);
        assert_eq!((settings.as_of.as_deref(), settings.target.platform), (Some("2025-10-01"), Platform::Macos));
        SettingChange::AsOf(Some("tomorrow".into())).apply(&mut settings);
        assert_eq!(settings.as_of, None);
        assert_eq!(Settings::from_json("{}").target, TargetEnvironment::default(), "old settings read as defaults");
    }

    #[test]
    fn changes_made_one_after_another_all_hold() {
        let mut settings = Settings::default();
        SettingChange::TimeoutSeconds(7).apply(&mut settings);
        SettingChange::Cache(false).apply(&mut settings);
        SettingChange::Endpoint(Some("https://mirror.example".into())).apply(&mut settings);
        assert_eq!(
            settings,
            Settings {
                endpoint: Some("https://mirror.example".into()),
                timeout_seconds: 7,
                cache: false,
                ..Settings::default()
            }
        );
        SettingChange::TimeoutSeconds(100_000).apply(&mut settings);
        assert_eq!(settings.timeout_seconds, *TIMEOUT_SECONDS.end());
        SettingChange::Endpoint(None).apply(&mut settings);
        assert_eq!(settings.endpoint, None);
    }
}
