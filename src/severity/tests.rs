use super::*;

fn record(json: &str) -> Vulnerability {
    serde_json::from_str(json).expect("test records are valid")
}

/// Vectors with the base scores the CVSS specifications publish for them (examples in the v2 guide, the v3.0 and
/// v3.1 specification examples, and the v4.0 calculator's reference points).
#[test]
fn published_vectors_score_as_the_specifications_say() {
    let table: &[(&str, f64, Rating, CvssVersion)] = &[
        // CVSS v2.0 guide, section 3.3 examples.
        ("AV:N/AC:L/Au:N/C:N/I:N/A:C", 7.8, Rating::High, CvssVersion::V2),
        ("AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0, Rating::High, CvssVersion::V2),
        ("AV:L/AC:H/Au:N/C:C/I:C/A:C", 6.2, Rating::Medium, CvssVersion::V2),
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, Rating::High, CvssVersion::V2),
        // CVSS v3.0 specification examples.
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Rating::Medium, CvssVersion::V30),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, Rating::High, CvssVersion::V30),
        // CVSS v3.1.
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Rating::Critical, CvssVersion::V31),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, Rating::Critical, CvssVersion::V31),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, Rating::Low, CvssVersion::V31),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N", 0.0, Rating::None, CvssVersion::V31),
        // CVSS v4.0.
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0, Rating::Critical, CvssVersion::V40),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, Rating::Critical, CvssVersion::V40),
        ("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5, Rating::High, CvssVersion::V40),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0, Rating::None, CvssVersion::V40),
    ];
    for &(vector, score, rating, version) in table {
        let scored = CvssScore::parse(vector).unwrap_or_else(|| panic!("{vector} scores"));
        assert_eq!((scored.score, scored.rating, scored.version), (score, rating, version), "{vector}");
    }
}

#[test]
fn vectors_that_are_not_cvss_are_refused() {
    for vector in ["", "CVSS:3.1/", "CVSS:9.9/AV:N", "AV:X/AC:L", "not a vector", "CVSS:3.1/AV:N/AC:L"] {
        assert_eq!(CvssScore::parse(vector), None, "{vector}");
    }
}

#[test]
fn the_newest_vector_wins_then_the_database_word_then_unknown() {
    let both = record(
        r#"{"id":"X-1","severity":[{"type":"CVSS_V2","score":"AV:N/AC:L/Au:N/C:P/I:P/A:P"},
            {"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"}]}"#,
    );
    let severity = Severity::of_record(&both, "demo");
    assert_eq!((severity.rating, severity.score()), (Rating::Low, Some(3.1)));
    assert_eq!(severity.scores.len(), 2);
    assert_eq!(severity.describe(), "3.1 Low (CVSS 3.1)");

    let package_level = record(
        r#"{"id":"X-2","affected":[{"package":{"ecosystem":"PyPI","name":"Demo"},
            "severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}]}]}"#,
    );
    assert_eq!(Severity::of_record(&package_level, "demo").score(), Some(9.3));

    let worded = record(r#"{"id":"X-3","database_specific":{"severity":"MODERATE"}}"#);
    let severity = Severity::of_record(&worded, "demo");
    assert_eq!((severity.rating, severity.score()), (Rating::Medium, None));
    assert_eq!(severity.describe(), "Medium (advisory says MODERATE)");

    let nothing = record(
        r#"{"id":"X-4","database_specific":{"severity":"whatever"},"severity":[{"type":"CVSS_V3","score":"junk"}]}"#,
    );
    assert_eq!(Severity::of_record(&nothing, "demo"), Severity::default());
    assert_eq!(Severity::default().describe(), UNKNOWN_SEVERITY);
}

#[test]
fn the_worst_of_a_group_is_the_highest_rating_and_pools_the_scores() {
    let low = Severity::of_record(
        &record(r#"{"id":"A","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"}]}"#),
        "x",
    );
    let critical = Severity::of_record(
        &record(r#"{"id":"B","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}"#),
        "x",
    );
    let worst = Severity::worst([low, Severity::default(), critical]);
    assert_eq!((worst.rating, worst.score()), (Rating::Critical, Some(9.8)));
    assert_eq!(worst.scores.len(), 2);
    assert_eq!(Severity::worst([]), Severity::default());
}

#[test]
fn rating_words_read_in_any_case() {
    assert_eq!(Rating::from_word("CRITICAL"), Some(Rating::Critical));
    assert_eq!(Rating::from_word("Important"), Some(Rating::High));
    assert_eq!(Rating::from_word("bad"), None);
    assert!(Rating::Critical > Rating::High && Rating::None > Rating::Unknown);
}
