//! Whether the page's Content Security Policy lets it reach an address at all, so that a blocked endpoint is named
//! instead of failing quietly as a bare network error.

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
}
