//! Where the page's services are: the OSV endpoint and the package index, from the address, the meta tags that
//! `cargo xtask serve` writes, the user's settings and the defaults; and whether the Content Security Policy lets the
//! page reach them.

use crate::environment::TargetEnvironment;
use crate::io::location;
use crate::page::csp::csp_allows_connect;
use crate::page::state::PageState;
use crate::settings::Settings;
use crate::share::SharedResolution;

/// The OSV endpoint used when the user set none: the one `cargo xtask serve` announces in a meta tag, else
/// api.osv.dev.
pub fn default_endpoint() -> String {
    location::meta_content("osv-lens-endpoint").unwrap_or_else(|| crate::osv::DEFAULT_ENDPOINT.to_string())
}

/// The endpoint `?osv=` sets for this page load, when the address has one.
pub fn endpoint_override() -> Option<String> {
    location::query_parameter("osv")
}

/// The OSV endpoint: `?osv=` first, then the user's setting, then [`default_endpoint`].
pub fn endpoint(settings: &Settings) -> String {
    endpoint_override().or_else(|| settings.endpoint.clone()).unwrap_or_else(default_endpoint)
}

/// Why the page cannot reach `endpoint`, when its Content Security Policy (`connect-src`) does not allow it.
pub fn endpoint_blocked(endpoint: &str) -> Option<String> {
    let policy = location::content_security_policy()?;
    let page = location::href()?;
    let probe = format!("{}/v1/querybatch", endpoint.trim_end_matches('/'));
    (!csp_allows_connect(&policy, &page, &probe)).then(|| {
        let allowed = policy
            .split(';')
            .map(str::trim)
            .find(|directive| directive.starts_with("connect-src"))
            .unwrap_or("connect-src")
            .trim_start_matches("connect-src")
            .trim()
            .to_string();
        format!(
            "This page's Content Security Policy does not allow connections to {endpoint} (connect-src allows: \
             {allowed}). Nothing was looked up. Choose an allowed endpoint in Settings, or serve the page with a \
             policy that lists it."
        )
    })
}

/// The package index (its JSON simple API is at `<base>/simple/<name>/`): `?index=<base>` first, then `?pypi=`
/// (`?pypi=off` sends nothing to any index), then the one `cargo xtask serve` announces in a meta tag, then pypi.org.
/// `None` when switched off, by `?pypi=off` or the setting.
pub fn index_base(settings: &Settings) -> Option<String> {
    let pypi = location::query_parameter("pypi");
    if pypi.as_deref() == Some("off") || !settings.index {
        return None;
    }
    let base = location::query_parameter("index")
        .or(pypi)
        .or_else(|| location::meta_content("osv-lens-index"))
        .unwrap_or_else(|| crate::index::DEFAULT_INDEX.to_string());
    (base != "off").then_some(base)
}

/// The target environment: `?python=3.11` and `?platform=linux|macos|windows` for this page load, else the setting.
pub fn target(settings: &Settings) -> TargetEnvironment {
    let mut target = settings.target;
    if let Some(python) = location::query_parameter("python").and_then(|text| text.parse().ok()) {
        target.python = python;
    }
    if let Some(platform) = location::query_parameter("platform").and_then(|text| text.parse().ok()) {
        target.platform = platform;
    }
    target
}

/// The "as of" day: `?as-of=YYYY-MM-DD` for this page load, else the setting; `None` for today.
pub fn as_of(settings: &Settings) -> Option<String> {
    location::query_parameter("as-of")
        .and_then(|day| crate::settings::check_day(&day).ok())
        .or_else(|| settings.as_of.clone())
}

/// Whether inputs that are not fully pinned are resolved: `?resolve=on|off` for this page load, else the setting.
pub fn resolve_enabled(settings: &Settings) -> bool {
    match location::query_parameter("resolve").as_deref() {
        Some("off") => false,
        Some("on") => true,
        _ => settings.resolve,
    }
}

/// How the next audit resolves: as the share link that is open says, else as the page parameters and settings say.
pub fn resolution(state: &PageState) -> SharedResolution {
    if let Some(link) = state.opened_link.as_ref().and_then(|link| link.resolution.clone()) {
        return link;
    }
    let settings = &state.settings;
    SharedResolution { resolve: resolve_enabled(settings), target: target(settings), as_of: as_of(settings) }
}
