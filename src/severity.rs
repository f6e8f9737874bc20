//! How bad a vulnerability is: CVSS scores computed from the vectors in an OSV record's `severity[]`, with the
//! record's `database_specific.severity` word as the fallback, and "unknown" said out loud when neither exists.
//!
//! Scoring is the `cvss` crate's (RustSec): CVSS v2.0, v3.0, v3.1 and v4.0 base scores, per the FIRST
//! specifications. The rating words follow CVSS v3/v4 (None, Low, Medium, High, Critical); v2 has no official
//! words, so NVD's v2 scale is used (Low, Medium, High).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::normalize_name;
use crate::osv::Vulnerability;

/// A qualitative rating. `Unknown` means the record gives nothing to rate it by; it is never taken for "none".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    /// No score and no rating in the record.
    Unknown,
    /// CVSS 0.0.
    None,
    /// CVSS 0.1 to 3.9.
    Low,
    /// CVSS 4.0 to 6.9.
    Medium,
    /// CVSS 7.0 to 8.9 (v2: 7.0 to 10.0).
    High,
    /// CVSS 9.0 to 10.0.
    Critical,
}

impl Rating {
    /// Every rating, worst first: the order of the summary bar and the filter.
    pub const ALL: [Rating; 6] =
        [Rating::Critical, Rating::High, Rating::Medium, Rating::Low, Rating::None, Rating::Unknown];

    /// The lower-case name, as used in attributes, exports and the share link.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::None => "none",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// The capitalised name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Unknown => "Unknown",
            Self::None => "None",
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::Critical => "Critical",
        }
    }

    /// Reads a rating word: the lower-case names, and the words advisory databases use (`MODERATE`, `IMPORTANT`).
    pub fn from_word(word: &str) -> Option<Rating> {
        match word.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(Self::Critical),
            "high" | "important" => Some(Self::High),
            "medium" | "moderate" => Some(Self::Medium),
            "low" => Some(Self::Low),
            "none" => Some(Self::None),
            "unknown" => Some(Self::Unknown),
            _ => None,
        }
    }

    /// The v3/v4 rating of a score.
    fn of_score(score: f64) -> Rating {
        match score {
            s if s <= 0.0 => Self::None,
            s if s < 4.0 => Self::Low,
            s if s < 7.0 => Self::Medium,
            s if s < 9.0 => Self::High,
            _ => Self::Critical,
        }
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Which CVSS version a vector is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CvssVersion {
    /// CVSS v2.0 (no prefix).
    V2,
    /// `CVSS:3.0/…`.
    V30,
    /// `CVSS:3.1/…`.
    V31,
    /// `CVSS:4.0/…`.
    V40,
}

impl CvssVersion {
    /// The CycloneDX `ratings[].method` name.
    pub fn cyclonedx_method(self) -> &'static str {
        match self {
            Self::V2 => "CVSSv2",
            Self::V30 => "CVSSv3",
            Self::V31 => "CVSSv31",
            Self::V40 => "CVSSv4",
        }
    }

    /// A short label: `CVSS 3.1`.
    pub fn label(self) -> &'static str {
        match self {
            Self::V2 => "CVSS 2.0",
            Self::V30 => "CVSS 3.0",
            Self::V31 => "CVSS 3.1",
            Self::V40 => "CVSS 4.0",
        }
    }
}

/// A scored CVSS vector.
#[derive(Debug, Clone, PartialEq)]
pub struct CvssScore {
    /// The version.
    pub version: CvssVersion,
    /// The vector as the record gives it.
    pub vector: String,
    /// The base score, 0.0 to 10.0, one decimal.
    pub score: f64,
    /// The rating of the score.
    pub rating: Rating,
}

impl CvssScore {
    /// Scores a vector string. `None` when the string is not a CVSS vector the scorer knows.
    pub fn parse(vector: &str) -> Option<CvssScore> {
        let vector = vector.trim();
        let parsed = cvss::Cvss::from_str(vector).ok()?;
        // The scorer fills missing base metrics with defaults; a vector without all of them is not a score.
        let required: &[&str] = match &parsed {
            cvss::Cvss::CvssV20(_) => &["AV", "AC", "Au", "C", "I", "A"],
            cvss::Cvss::CvssV30(_) | cvss::Cvss::CvssV31(_) => &["AV", "AC", "PR", "UI", "S", "C", "I", "A"],
            cvss::Cvss::CvssV40(_) => &["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"],
            _ => return None,
        };
        let present: Vec<&str> =
            vector.split('/').filter_map(|part| part.split_once(':').map(|(key, _)| key)).collect();
        if !required.iter().all(|key| present.contains(key)) {
            return None;
        }
        // Scored once, not once for the rating and again for the score: in a cold audit, before the browser has
        // optimised this code, scoring is a noticeable share of the main thread's time.
        let raw = parsed.score();
        let (version, rating) = match &parsed {
            cvss::Cvss::CvssV20(base) => {
                let score = base.score().value();
                let rating = match score {
                    s if s < 4.0 => Rating::Low,
                    s if s < 7.0 => Rating::Medium,
                    _ => Rating::High,
                };
                (CvssVersion::V2, rating)
            }
            cvss::Cvss::CvssV30(_) => (CvssVersion::V30, Rating::of_score(raw)),
            cvss::Cvss::CvssV31(_) => (CvssVersion::V31, Rating::of_score(raw)),
            cvss::Cvss::CvssV40(_) => (CvssVersion::V40, Rating::of_score(raw)),
            _ => return None,
        };
        let score = (raw * 10.0).round() / 10.0;
        if !score.is_finite() {
            return None;
        }
        Some(CvssScore { version, vector: vector.to_string(), score, rating })
    }
}

/// What "unknown" means, for the page's badges and counts.
pub const UNKNOWN_SEVERITY: &str = "Unknown: the record gives no CVSS vector and no severity rating";

/// Where a finding's severity came from.
#[derive(Debug, Clone, PartialEq)]
pub enum SeveritySource {
    /// A CVSS vector, scored.
    Cvss(CvssScore),
    /// The database's own word (`database_specific.severity`), with no score.
    Database(String),
    /// Nothing to go by.
    Unknown,
}

/// The severity of a record or of a group of records.
#[derive(Debug, Clone, PartialEq)]
pub struct Severity {
    /// The rating.
    pub rating: Rating,
    /// Where it came from.
    pub source: SeveritySource,
    /// Every CVSS vector that could be scored, newest version first (for the exports' ratings).
    pub scores: Vec<CvssScore>,
}

impl Default for Severity {
    fn default() -> Self {
        Severity { rating: Rating::Unknown, source: SeveritySource::Unknown, scores: Vec::new() }
    }
}

impl Severity {
    /// The numeric score, when the severity comes from CVSS.
    pub fn score(&self) -> Option<f64> {
        match &self.source {
            SeveritySource::Cvss(score) => Some(score.score),
            _ => None,
        }
    }

    /// A short text: `9.8 Critical (CVSS 3.1)`, `High (database)`, `Unknown`.
    pub fn describe(&self) -> String {
        match &self.source {
            SeveritySource::Cvss(score) => format!("{:.1} {} ({})", score.score, score.rating, score.version.label()),
            SeveritySource::Database(word) => format!("{} (advisory says {word})", self.rating),
            SeveritySource::Unknown => UNKNOWN_SEVERITY.to_string(),
        }
    }

    /// The severity of one record for the package `name`. The record's own vectors come first, then the package's
    /// `affected[].severity`; of those, the newest CVSS version is used. Without a vector, the database's word.
    pub fn of_record(record: &Vulnerability, name: &str) -> Severity {
        let package_vectors = record
            .affected
            .iter()
            .filter(|affected| affected.package.as_ref().is_some_and(|package| normalize_name(&package.name) == name))
            .flat_map(|affected| affected.severity.iter());
        let mut scores: Vec<CvssScore> =
            record.severity.iter().chain(package_vectors).filter_map(|entry| CvssScore::parse(&entry.score)).collect();
        newest_first(&mut scores);
        if let Some(best) = scores.first() {
            return Severity { rating: best.rating, source: SeveritySource::Cvss(best.clone()), scores };
        }
        let word = record
            .database_specific
            .as_ref()
            .and_then(|specific| specific.get("severity"))
            .and_then(|value| value.as_str())
            .filter(|word| Rating::from_word(word).is_some_and(|rating| rating != Rating::Unknown));
        match word {
            Some(word) => Severity {
                rating: Rating::from_word(word).unwrap_or(Rating::Unknown),
                source: SeveritySource::Database(word.to_string()),
                scores,
            },
            None => Severity::default(),
        }
    }

    /// The worst of several severities: the highest rating, then the highest score. Scores are pooled.
    pub fn worst(severities: impl IntoIterator<Item = Severity>) -> Severity {
        let mut all: Vec<Severity> = severities.into_iter().collect();
        let mut scores: Vec<CvssScore> = all.iter().flat_map(|severity| severity.scores.iter().cloned()).collect();
        newest_first(&mut scores);
        // The first of the worst: the highest rating, then the highest score.
        let rank = |severity: &Severity| (severity.rating, severity.score().map_or(-1, |score| (score * 10.0) as i32));
        let mut best: Option<Severity> = None;
        for severity in all.drain(..) {
            if best.as_ref().is_none_or(|best| rank(&severity) > rank(best)) {
                best = Some(severity);
            }
        }
        let mut worst = best.unwrap_or_default();
        worst.scores = scores;
        worst
    }
}

/// Sorts scores newest CVSS version first (stably, so the record's order stays within a version) and drops repeated
/// vectors.
fn newest_first(scores: &mut Vec<CvssScore>) {
    crate::sorting::sort_by_key(scores, |score| std::cmp::Reverse(score.version));
    let mut seen = std::collections::BTreeSet::new();
    scores.retain(|score| seen.insert(score.vector.clone()));
}

#[cfg(test)]
mod tests;
