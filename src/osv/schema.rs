//! A serde mirror of the OSV schema (<https://ossf.github.io/osv-schema/>), with the spec's field names.
//!
//! OSV data is untrusted: unknown fields are ignored, missing lists are empty, and an event with an unknown kind is
//! kept as [`Event::Unknown`] rather than failing the whole record.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One OSV record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    /// The schema version the record follows, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// The record's ID, such as `PYSEC-2021-66`.
    pub id: String,
    /// When the record last changed (RFC 3339).
    #[serde(default)]
    pub modified: String,
    /// When the record was first published (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// When the record was withdrawn; withdrawn records never match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Other IDs for the same vulnerability (CVE, GHSA, …).
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Related but distinct vulnerabilities.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// A one-line summary, plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The details, in Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Severity scores (CVSS vectors).
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    /// The affected packages and versions.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
    /// Links.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Database-specific data, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// A severity score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector string.
    pub score: String,
}

/// A link about the vulnerability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// `ADVISORY`, `FIX`, `WEB`, `REPORT`, …
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The link.
    #[serde(default)]
    pub url: String,
}

/// One affected package, with its versions and ranges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The package; absent in some records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    /// Version ranges.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Per-package severity.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    /// Ecosystem-specific data, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<serde_json::Value>,
    /// Database-specific data, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// A package in an ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// `PyPI` for Python packages.
    #[serde(default)]
    pub ecosystem: String,
    /// The package name as the record writes it.
    #[serde(default)]
    pub name: String,
    /// The package URL, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// The kind of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeType {
    /// Versions ordered by the ecosystem's rules (PEP 440 for PyPI).
    Ecosystem,
    /// Semantic versions.
    Semver,
    /// Git commits; never used for PyPI matching.
    Git,
    /// Anything else.
    Other(String),
}

impl Serialize for RangeType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match self {
            Self::Ecosystem => "ECOSYSTEM",
            Self::Semver => "SEMVER",
            Self::Git => "GIT",
            Self::Other(other) => other,
        })
    }
}

impl<'de> Deserialize<'de> for RangeType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.as_str() {
            "ECOSYSTEM" => Self::Ecosystem,
            "SEMVER" => Self::Semver,
            "GIT" => Self::Git,
            _ => Self::Other(text),
        })
    }
}

/// A version range, as a list of events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// The range type.
    #[serde(rename = "type")]
    pub kind: RangeType,
    /// The repository, for `GIT` ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// The events, in any order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub events: Vec<Event>,
}

/// One event of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The range starts at this version (`0` means from the beginning).
    Introduced(String),
    /// The first version that is fixed.
    Fixed(String),
    /// The last version that is affected.
    LastAffected(String),
    /// An upper limit for the whole range.
    Limit(String),
    /// An event of a kind this version of osv-lens does not know.
    Unknown,
}

#[derive(Serialize, Deserialize, Default)]
struct RawEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    introduced: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_affected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limit: Option<String>,
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut raw = RawEvent::default();
        match self {
            Self::Introduced(version) => raw.introduced = Some(version.clone()),
            Self::Fixed(version) => raw.fixed = Some(version.clone()),
            Self::LastAffected(version) => raw.last_affected = Some(version.clone()),
            Self::Limit(version) => raw.limit = Some(version.clone()),
            Self::Unknown => {}
        }
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawEvent::deserialize(deserializer)?;
        Ok(if let Some(version) = raw.introduced {
            Self::Introduced(version)
        } else if let Some(version) = raw.fixed {
            Self::Fixed(version)
        } else if let Some(version) = raw.last_affected {
            Self::LastAffected(version)
        } else if let Some(version) = raw.limit {
            Self::Limit(version)
        } else {
            Self::Unknown
        })
    }
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

impl Vulnerability {
    /// True when the record has been withdrawn.
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.as_deref().is_some_and(|when| !when.is_empty())
    }

    /// The major version of `schema_version`, defaulting to 1 when absent or unreadable.
    pub fn schema_major(&self) -> u32 {
        self.schema_version
            .as_deref()
            .and_then(|version| version.split('.').next())
            .and_then(|major| major.parse().ok())
            .unwrap_or(1)
    }

    /// A notice for a record written in a schema major this build does not know (`schema_version: "2.0.0"`): it is
    /// still read as 1.x where it can be, and the reader is told that fields may have been missed.
    pub fn schema_notice(&self) -> Option<String> {
        let major = self.schema_major();
        (major != 1).then(|| {
            let version: String = self.schema_version.as_deref().unwrap_or_default().chars().take(20).collect();
            format!(
                "This record is written in OSV schema {version}; osv-lens knows schema 1.x, so it read what it could                  as 1.x and may have missed what changed. Check the record on osv.dev."
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_with_unknown_fields_and_events_still_reads() {
        let json = r#"{
            "id": "TEST-1", "modified": "2024-01-01T00:00:00Z", "new_field": {"x": 1}, "aliases": null,
            "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"future": "1"}, {"fixed": "2"}]}]}]
        }"#;
        let record: Vulnerability = serde_json::from_str(json).expect("reads");
        assert!(record.aliases.is_empty());
        assert_eq!(
            record.affected[0].ranges[0].events,
            [Event::Introduced("0".into()), Event::Unknown, Event::Fixed("2".into())]
        );
    }

    #[test]
    fn an_unknown_schema_major_gets_a_notice_and_is_still_read() {
        let json = |version: &str| {
            format!(
                r#"{{"id": "TEST-2", "modified": "2024-01-01T00:00:00Z", "schema_version": "{version}",
                    "affected": [{{"package": {{"ecosystem": "PyPI", "name": "demo"}}, "versions": ["1.0"]}}]}}"#
            )
        };
        let record: Vulnerability = serde_json::from_str(&json("2.0.0")).expect("read as 1.x");
        assert_eq!(record.schema_major(), 2);
        assert_eq!(record.affected[0].versions, ["1.0"]);
        let notice = record.schema_notice().expect("a notice");
        assert!(notice.contains("OSV schema 2.0.0") && notice.contains("1.x"), "{notice}");
        for known in ["1.7.3", "1.0.0", "not a version"] {
            let record: Vulnerability = serde_json::from_str(&json(known)).expect("reads");
            assert_eq!(record.schema_notice(), None, "{known}");
        }
    }

    #[test]
    fn events_round_trip_in_the_spec_shape() {
        let json = serde_json::to_string(&Event::LastAffected("1.2".into())).expect("writes");
        assert_eq!(json, r#"{"last_affected":"1.2"}"#);
    }
}
