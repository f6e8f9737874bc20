//! The headings of an advisory's reference groups, by OSV reference type.

/// The heading for references of `kind` (`ADVISORY`, `FIX`, …).
pub(super) fn reference_label(kind: &str) -> String {
    match kind {
        "ADVISORY" => "Advisories".into(),
        "ARTICLE" => "Articles".into(),
        "DETECTION" => "Detection".into(),
        "DISCUSSION" => "Discussion".into(),
        "EVIDENCE" => "Evidence".into(),
        "FIX" => "Fixes".into(),
        "INTRODUCED" => "Introduced by".into(),
        "PACKAGE" => "Package".into(),
        "REPORT" => "Reports".into(),
        "WEB" => "Web".into(),
        other => other.to_lowercase(),
    }
}
