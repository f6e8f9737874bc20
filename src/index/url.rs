//! The index's URLs: where a project's page is (`<base>/simple/<name>/`), and file URLs resolved against the page
//! they were read from (RFC 3986, section 5.2). Written here rather than taken from the `url` crate, whose IDNA and
//! Unicode tables the page would have to carry for the few references an index gives.

use pep508_rs::PackageName;

use crate::http::encode_path_segment;

/// A package index's base URL (`https://pypi.org`), whose JSON simple API is at `<base>/simple/`. A base written
/// with its `/simple` already (`https://pypi.org/simple/`, as pip's and uv's `--index-url` take it) means the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexUrl(String);

impl IndexUrl {
    /// The index at `base`; surrounding spaces, trailing `/`s and one trailing `/simple` are dropped.
    pub fn new(base: &str) -> Self {
        let base = base.trim().trim_end_matches('/');
        Self(base.strip_suffix("/simple").unwrap_or(base).trim_end_matches('/').to_string())
    }

    /// The base, without `/simple`.
    pub fn base(&self) -> &str {
        &self.0
    }

    /// The URL of `name`'s page: `<base>/simple/<normalised name>/`.
    pub fn project(&self, name: &PackageName) -> String {
        project_url(&self.0, name)
    }
}

/// `<base>/simple/<name>/`. A normalised name holds only `a-z`, `0-9` and `-`; it is encoded all the same, so that
/// nothing in it can change the path.
pub fn project_url(base: &str, name: &PackageName) -> String {
    format!("{base}/simple/{}/", encode_path_segment(name.as_ref()))
}

/// The scheme of an absolute URL, when `text` starts with one (`https:`).
fn scheme(text: &str) -> Option<&str> {
    let colon = text.find(':')?;
    let scheme = &text[..colon];
    let mut bytes = scheme.bytes();
    let first = bytes.next()?;
    (first.is_ascii_alphabetic() && bytes.all(|byte| byte.is_ascii_alphanumeric() || b"+-.".contains(&byte)))
        .then_some(scheme)
}

/// Resolves `reference` (a file's `url` in a page) against `base` (the page's URL), as RFC 3986 section 5.2 says,
/// and drops its fragment (`#sha256=…` in some indexes). `None` when the result is not an `http(s)` URL, or when
/// either holds spaces or control characters: such a file cannot be fetched.
pub fn resolve_url(base: &str, reference: &str) -> Option<String> {
    if reference.bytes().chain(base.bytes()).any(|byte| byte <= b' ' || byte == 0x7f || byte == b'\\') {
        return None;
    }
    let reference = reference.split('#').next().unwrap_or("");
    let base = base.split('#').next().unwrap_or("");
    // The usual case (PyPI's file URLs): already absolute and clean, kept as it is.
    if let Some(rest) = reference.strip_prefix("https://").or_else(|| reference.strip_prefix("http://")) {
        let (host, path) = split_authority(rest);
        let path = path.split('?').next().unwrap_or("");
        let dotted = path.split('/').any(|segment| segment == "." || segment == "..");
        if !host.is_empty() && !host.starts_with('@') && !dotted {
            return Some(reference.to_string());
        }
    }
    let resolved = if let Some(scheme) = scheme(reference) {
        let rest = &reference[scheme.len() + 1..];
        match rest.strip_prefix("//") {
            Some(after) => {
                let (authority, path) = split_authority(after);
                format!("{}://{authority}{}", scheme.to_ascii_lowercase(), remove_dot_segments(path))
            }
            None => return None,
        }
    } else {
        let base_scheme = scheme(base)?;
        let (authority, base_path) = split_authority(base[base_scheme.len() + 1..].strip_prefix("//")?);
        let origin = format!("{}://{authority}", base_scheme.to_ascii_lowercase());
        if let Some(network) = reference.strip_prefix("//") {
            let (authority, path) = split_authority(network);
            format!("{}://{authority}{}", base_scheme.to_ascii_lowercase(), remove_dot_segments(path))
        } else if reference.starts_with('/') {
            format!("{origin}{}", remove_dot_segments(reference))
        } else if reference.is_empty() {
            format!("{origin}{base_path}")
        } else if reference.starts_with('?') {
            let path = base_path.split('?').next().unwrap_or("");
            format!("{origin}{path}{reference}")
        } else {
            let path = base_path.split('?').next().unwrap_or("");
            let directory = &path[..path.rfind('/').map_or(0, |at| at + 1)];
            let directory = if directory.is_empty() { "/" } else { directory };
            format!("{origin}{}", remove_dot_segments(&format!("{directory}{reference}")))
        }
    };
    let scheme = scheme(&resolved)?;
    let host = split_authority(&resolved[scheme.len() + 3..]).0;
    (matches!(scheme, "http" | "https") && !host.is_empty() && !host.starts_with('@')).then_some(resolved)
}

/// `host:port/path?query` → (`host:port`, `/path?query`).
fn split_authority(text: &str) -> (&str, &str) {
    let end = text.find(['/', '?']).unwrap_or(text.len());
    (&text[..end], &text[end..])
}

/// RFC 3986 section 5.2.4, on a path that may be followed by a query (which is left as it is).
fn remove_dot_segments(path_and_query: &str) -> String {
    let (path, query) = match path_and_query.find('?') {
        Some(at) => path_and_query.split_at(at),
        None => (path_and_query, ""),
    };
    let mut output: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (index, segment) in segments.iter().enumerate() {
        let last = index + 1 == segments.len();
        match *segment {
            "." => {
                if last {
                    output.push("");
                }
            }
            ".." => {
                if output.len() > 1 {
                    output.pop();
                }
                if last {
                    output.push("");
                }
            }
            other => output.push(other),
        }
    }
    let mut joined = output.join("/");
    if !joined.starts_with('/') && path.starts_with('/') {
        joined.insert(0, '/');
    }
    joined + query
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://index.example/simple/demo/";

    #[test]
    fn the_index_base_takes_either_form() {
        let name = PackageName::new("Zope.Interface".into()).expect("valid");
        for base in ["https://pypi.org", "https://pypi.org/", " https://pypi.org/simple/ ", "https://pypi.org/simple"] {
            assert_eq!(IndexUrl::new(base).project(&name), "https://pypi.org/simple/zope-interface/", "{base}");
        }
        assert_eq!(IndexUrl::new("http://127.0.0.1:8080/mirror/").base(), "http://127.0.0.1:8080/mirror");
    }

    #[test]
    fn references_resolve_as_rfc_3986_says() {
        let cases = [
            ("https://files.example/p/demo-1.0.tar.gz#sha256=ab", "https://files.example/p/demo-1.0.tar.gz"),
            ("HTTPS://files.example/a/./b/../c.whl", "https://files.example/a/c.whl"),
            ("//cdn.example/x.whl", "https://cdn.example/x.whl"),
            ("/files/demo-1.0.whl", "https://index.example/files/demo-1.0.whl"),
            ("../../files/demo-1.0.whl", "https://index.example/files/demo-1.0.whl"),
            ("../../../../../files/x.whl", "https://index.example/files/x.whl"),
            ("demo-1.0.whl", "https://index.example/simple/demo/demo-1.0.whl"),
            ("./sub/demo-1.0.whl?x=1", "https://index.example/simple/demo/sub/demo-1.0.whl?x=1"),
            ("?download", "https://index.example/simple/demo/?download"),
            ("", "https://index.example/simple/demo/"),
            ("http://127.0.0.1:8080/files/a.whl", "http://127.0.0.1:8080/files/a.whl"),
        ];
        for (reference, expected) in cases {
            assert_eq!(resolve_url(PAGE, reference).as_deref(), Some(expected), "{reference}");
        }
        assert_eq!(resolve_url("http://host", "a.whl").as_deref(), Some("http://host/a.whl"));
        assert_eq!(resolve_url("http://host/simple/x?page=2", "a.whl").as_deref(), Some("http://host/simple/a.whl"));
    }

    #[test]
    fn references_that_cannot_be_fetched_are_refused() {
        for reference in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/plain,x",
            "mailto:x@y",
            "https://",
            "https:relative",
            "https://@/x",
            "a b.whl",
            "a\nb.whl",
            "a\\b.whl",
            "ftp://host/x.whl",
        ] {
            assert_eq!(resolve_url(PAGE, reference), None, "{reference:?}");
        }
        assert_eq!(resolve_url("not a url", "x.whl"), None);
        assert_eq!(resolve_url("relative/base", "x.whl"), None);
    }
}
