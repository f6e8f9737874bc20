//! SPDX 2.x SBOMs in JSON.
//!
//! Every entry of `packages` is read in order. Its `externalRefs` purl (`referenceType: "purl"`) gives the package
//! and version: a `pkg:pypi` purl is looked up, other ecosystems are skipped as not PyPI, and a package without a
//! purl is skipped because nothing says which ecosystem it belongs to. SPDX 3 (JSON-LD) is a different format and
//! is refused with an error at `spdxVersion`.

use serde_json::Value;

use super::json_doc::{self, JsonOffsets};
use super::locator::Locator;
use super::purl::sbom_dependency;
use super::{Format, ParsedFile};

/// Parses an SPDX 2.x JSON SBOM.
pub fn parse(file_name: &str, text: &str) -> ParsedFile {
    let mut parsed = ParsedFile::new(file_name, Format::Spdx);
    let locator = Locator::new(file_name, text);
    let document = match json_doc::parse(text, &locator) {
        Ok(document) => document,
        Err(error) => {
            parsed.errors.push(error);
            return parsed;
        }
    };
    if !document.is_object() {
        let message = format!("expected an SPDX JSON object, found {}", json_doc::type_name(&document));
        parsed.errors.push(locator.error(0, 1, message));
        return parsed;
    }
    let offsets = JsonOffsets::scan(text);
    if let Some(version) = document.get("spdxVersion") {
        if !version.as_str().is_some_and(|version| version.starts_with("SPDX-2.")) {
            let at = offsets.nearest(&["spdxVersion"]);
            let message = format!("unsupported spdxVersion {version}; osv-lens reads SPDX 2.x JSON");
            parsed.errors.push(locator.error(at, at + "\"spdxVersion\"".len(), message));
            return parsed;
        }
    }
    let packages = document.get("packages").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    for (at, package) in packages.iter().enumerate() {
        let index = at.to_string();
        let refs = package.get("externalRefs").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        let purls: Vec<(usize, &str)> = refs
            .iter()
            .enumerate()
            .filter(|(_, reference)| json_doc::get_str(reference, "referenceType") == Some("purl"))
            .filter_map(|(ref_at, reference)| Some((ref_at, json_doc::get_str(reference, "referenceLocator")?)))
            .collect();
        // A package may carry purls of several ecosystems; a PyPI one is what can be audited.
        let chosen =
            purls.iter().find(|(_, purl)| purl.to_ascii_lowercase().starts_with("pkg:pypi/")).or(purls.first());
        let offset = match chosen {
            Some((ref_at, _)) => {
                offsets.nearest(&["packages", &index, "externalRefs", &ref_at.to_string(), "referenceLocator"])
            }
            None => offsets.nearest(&["packages", &index, "name"]),
        };
        let name = json_doc::get_str(package, "name").unwrap_or_default();
        let (dependency, problem) =
            sbom_dependency(chosen.map(|(_, purl)| *purl), name, locator.origin(offset), Vec::new());
        if let Some(message) = problem {
            parsed.errors.push(locator.error(offset, offset + 1, message));
        }
        parsed.dependencies.push(dependency);
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DependencyVersion, SkipReason};

    #[test]
    fn purls_of_packages_are_read() {
        let text = r#"{
  "spdxVersion": "SPDX-2.3",
  "packages": [
    {"name": "requests", "versionInfo": "2.31.0",
     "externalRefs": [
       {"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:x"},
       {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/requests@2.31.0"}
     ]},
    {"name": "root-project"},
    {"name": "lodash", "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:npm/lodash@4.17.21"}]}
  ]
}"#;
        let parsed = parse("sbom.spdx.json", text);
        assert!(parsed.errors.is_empty());
        let found: Vec<_> =
            parsed.dependencies.iter().map(|dep| (dep.name.as_str(), dep.version.clone(), dep.origin.line)).collect();
        assert_eq!((found[0].0, found[0].1.to_string(), found[0].2), ("requests", "2.31.0".to_string(), 7));
        assert!(matches!(&found[1].1, DependencyVersion::Skipped(SkipReason::NotPypi(_))));
        assert_eq!(found[1].2, 9);
        assert_eq!(found[2].1, DependencyVersion::Skipped(SkipReason::NotPypi("pkg:npm".into())));
    }

    #[test]
    fn spdx_3_is_refused_at_its_version() {
        let parsed = parse("sbom.spdx.json", "{\n  \"spdxVersion\": \"SPDX-3.0\"\n}");
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!((parsed.errors[0].line, parsed.errors[0].column), (2, 3));
    }
}
