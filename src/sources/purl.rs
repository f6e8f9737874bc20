//! Package URLs (purls) as SBOMs write them: `pkg:pypi/requests@2.31.0?repository_url=…#subpath`.

use percent_encoding::percent_decode_str;

use super::entry;
use crate::model::{Dependency, DependencyVersion, Origin, SkipReason};

/// Why an SBOM entry without a purl is not looked up.
pub(crate) const NO_PURL: &str = "no package URL (purl) names its ecosystem";

/// The dependency an SBOM entry describes through its purl. `fallback_name` (the entry's own name) is used when
/// there is no purl. An unreadable purl gives a skipped dependency and the message for an error.
pub(crate) fn sbom_dependency(
    purl: Option<&str>,
    fallback_name: &str,
    origin: Origin,
    groups: Vec<String>,
) -> (Dependency, Option<String>) {
    let Some(purl) = purl else {
        let reason = SkipReason::NotPypi(NO_PURL.to_string());
        return (entry::skipped(fallback_name, reason, origin, groups), None);
    };
    match Purl::parse(purl) {
        Ok(parsed) => (entry::dependency(&parsed.name, parsed.dependency_version(), origin, groups), None),
        Err(message) => {
            let name = if fallback_name.is_empty() { purl } else { fallback_name };
            (entry::skipped(name, SkipReason::InvalidEntry(message.clone()), origin, groups), Some(message))
        }
    }
}

/// The parts of a purl that osv-lens uses, percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Purl {
    /// The package type (`pypi`, `npm`, …), lower-cased.
    pub kind: String,
    /// The name (the last path segment).
    pub name: String,
    /// The version, when the purl has one.
    pub version: Option<String>,
    /// The qualifiers (`key=value` after `?`), in order.
    pub qualifiers: Vec<(String, String)>,
}

impl Purl {
    /// Parses a purl per the purl specification's parsing rules.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let without_subpath = text.split_once('#').map_or(text, |(before, _)| before);
        let (rest, qualifiers) = match without_subpath.rsplit_once('?') {
            Some((rest, qualifiers)) => (rest, qualifiers),
            None => (without_subpath, ""),
        };
        let rest = match rest.get(..4) {
            Some(scheme) if scheme.eq_ignore_ascii_case("pkg:") => rest[4..].trim_start_matches('/'),
            _ => return Err(format!("`{text}` is not a package URL: it does not start with `pkg:`")),
        };
        let (path, version) = match rest.rsplit_once('@') {
            Some((path, version)) if !path.is_empty() => (path, Some(decode(version))),
            _ => (rest, None),
        };
        let path = path.trim_end_matches('/');
        let Some((kind, name_path)) = path.split_once('/') else {
            return Err(format!("`{text}` has no package name after its type"));
        };
        let name = decode(name_path.rsplit('/').next().unwrap_or(name_path));
        if kind.is_empty() || name.is_empty() {
            return Err(format!("`{text}` has an empty type or name"));
        }
        let qualifiers = qualifiers
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(key, value)| (key.to_ascii_lowercase(), decode(value)))
            .collect();
        Ok(Self {
            kind: kind.to_ascii_lowercase(),
            name,
            version: version.filter(|version| !version.is_empty()),
            qualifiers,
        })
    }

    fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers.iter().find(|(name, _)| name == key).map(|(_, value)| value.as_str())
    }

    /// What a PyPI purl asks for: the version, or why it cannot be looked up. Purls of other types are not PyPI.
    pub fn dependency_version(&self) -> DependencyVersion {
        if self.kind != "pypi" {
            return DependencyVersion::Skipped(SkipReason::NotPypi(format!("pkg:{}", self.kind)));
        }
        if let Some(vcs) = self.qualifier("vcs_url") {
            return DependencyVersion::Skipped(SkipReason::Vcs(vcs.to_string()));
        }
        if let Some(url) = self.qualifier("download_url") {
            return DependencyVersion::Skipped(entry::url_skip_reason(url));
        }
        match &self.version {
            Some(version) => entry::pinned_version(version),
            None => DependencyVersion::Skipped(SkipReason::NoVersion),
        }
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_purls_are_decoded() {
        let purl = Purl::parse("pkg:pypi/zope.interface@5.4.0%2Blocal?repository_url=http://x/simple#sub").unwrap();
        assert_eq!(
            (purl.kind.as_str(), purl.name.as_str(), purl.version.as_deref()),
            ("pypi", "zope.interface", Some("5.4.0+local"))
        );
        assert_eq!(purl.dependency_version().to_string(), "5.4.0+local");
        assert_eq!(
            Purl::parse("PKG:PyPI/Django").unwrap().dependency_version(),
            DependencyVersion::Skipped(SkipReason::NoVersion)
        );
    }

    #[test]
    fn other_ecosystems_and_direct_sources_are_skipped() {
        let npm = Purl::parse("pkg:npm/%40angular/core@1.0.0").unwrap();
        assert_eq!(npm.name, "core");
        assert_eq!(npm.dependency_version(), DependencyVersion::Skipped(SkipReason::NotPypi("pkg:npm".into())));
        let vcs = Purl::parse("pkg:pypi/six@1.16.0?vcs_url=git%2Bssh://git%40github.com/b/six.git%40654").unwrap();
        assert_eq!(
            vcs.dependency_version(),
            DependencyVersion::Skipped(SkipReason::Vcs("git+ssh://git@github.com/b/six.git@654".into()))
        );
    }

    #[test]
    fn text_that_is_not_a_purl_is_an_error() {
        for bad in ["", "pypi/requests@1", "pkg:", "pkg:pypi", "pkg:/x", "pkg:pypi/@1.0"] {
            assert!(Purl::parse(bad).is_err(), "{bad}");
        }
    }
}
