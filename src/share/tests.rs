use super::*;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/share/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn sample() -> Shared {
    let mut settings = BTreeMap::new();
    settings.insert("view".to_string(), serde_json::json!({ "sort": "package", "fix": "has-fix" }));
    Shared {
        created: "2026-11-25T12:00:00Z".into(),
        files: vec![SharedFile {
            name: "requirements.txt".into(),
            text: "osv-lens-demo==1.3.2\nosv-lens-demo-clean==1.0\n".into(),
        }],
        pasted: "osv-lens-other==2.1\n".into(),
        settings,
        ignores: vec![Ignore::new("OSVLENS-TEST-2", "not reachable from our code", Some("2099-01-01")).expect("valid")],
    }
}

#[test]
fn a_link_round_trips() {
    let shared = sample();
    let fragment = encode(&shared);
    assert!(fragment.starts_with("r=v1."), "{fragment}");
    assert!(fragment[5..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "base64url only");
    assert_eq!(decode(&fragment), Ok(shared.clone()));
    assert_eq!(decode(&format!("#{fragment}")), Ok(shared));
}

/// The checked-in v1 link must keep decoding, whatever the encoder does later.
#[test]
fn the_v1_fixture_still_decodes() {
    let link = fixture("v1-basic.txt");
    let shared = decode(link.trim()).expect("the v1 fixture decodes");
    assert_eq!(shared, sample());
}

#[test]
fn a_342_package_requirements_file_fits_in_16_kb() {
    let text = fixture("requirements-342.txt");
    let pins = text.lines().filter(|line| line.contains("==")).count();
    assert_eq!(pins, 342);
    let shared = Shared {
        created: "2026-11-25T12:00:00Z".into(),
        files: vec![SharedFile { name: "requirements.txt".into(), text: text.clone() }],
        pasted: String::new(),
        settings: sample().settings,
        ignores: sample().ignores,
    };
    let fragment = encode(&shared);
    let url_length = "https://example.org/osv-lens/#".len() + fragment.len();
    eprintln!("342-package link: {} bytes of input, {} characters of link", text.len(), url_length);
    assert!(url_length < 16 * 1024, "{url_length} characters");
    assert_eq!(decode(&fragment).expect("decodes").files[0].text, text);
}

#[test]
fn tampered_and_cut_links_are_refused_with_a_reason() {
    let fragment = encode(&sample());
    // Change one payload character in the middle.
    let middle = fragment.len() / 2;
    let flipped = if &fragment[middle..=middle] == "A" { "B" } else { "A" };
    let tampered = format!("{}{flipped}{}", &fragment[..middle], &fragment[middle + 1..]);
    assert!(matches!(decode(&tampered), Err(ShareError::Damaged | ShareError::BadContent(_))), "{tampered}");
    let cut = &fragment[..fragment.len() - 10];
    assert!(matches!(decode(cut), Err(ShareError::Damaged | ShareError::BadEncoding)));
    assert_eq!(decode("r=v1.not*base64!"), Err(ShareError::BadEncoding));
    assert_eq!(decode("r=v9.abc"), Err(ShareError::UnknownVersion("v9".into())));
    assert_eq!(decode("something-else"), Err(ShareError::NotALink));
    assert_eq!(decode("r=v1"), Err(ShareError::NotALink));
    let valid_json_wrong_shape = encode_raw(br#"{"files": 3}"#);
    assert!(matches!(decode(&valid_json_wrong_shape), Err(ShareError::BadContent(_))));
    for error in [ShareError::Damaged, ShareError::TooLarge, ShareError::BadEncoding, ShareError::TooLong(9)] {
        assert!(!error.to_string().is_empty());
    }
}

fn encode_raw(bytes: &[u8]) -> String {
    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(bytes, 9);
    format!("r=v1.{}", super::base64url::encode(&compressed))
}

#[test]
fn a_link_that_inflates_too_far_is_refused() {
    // 64 MB of spaces compress to a few tens of kilobytes: a zip bomb in miniature.
    let bomb = vec![b' '; 64 * 1024 * 1024];
    let fragment = encode_raw(&bomb);
    assert!(fragment.len() < MAX_LINK_CHARS, "the bomb fits in a link: {}", fragment.len());
    assert_eq!(decode(&fragment), Err(ShareError::TooLarge));
}

#[test]
fn an_oversized_link_is_refused_before_decoding() {
    let long = format!("r=v1.{}", "A".repeat(MAX_LINK_CHARS + 1));
    assert_eq!(decode(&long), Err(ShareError::TooLong(MAX_LINK_CHARS + 4)));
}

#[test]
fn unknown_fields_and_settings_from_later_versions_are_ignored() {
    let fragment = encode_raw(
        br#"{"created":"2030-01-01T00:00:00Z","files":[],"pasted":"a==1","settings":{"new":1},"future":true}"#,
    );
    let shared = decode(&fragment).expect("decodes");
    assert_eq!(shared.pasted, "a==1");
    assert_eq!(shared.settings.get("new"), Some(&serde_json::json!(1)));
}

#[test]
fn credentials_in_urls_never_enter_a_link() {
    let text = "--index-url https://user:s3cret@pypi.example.org/simple\n\
                --extra-index-url=https://__token__:pypi-AgEI@other.example/simple/?x=1#y\n\
                pkg @ git+https://ghp_token@github.com/org/pkg@v1.0\n\
                plain @ https://files.example/pkg-1.0.tar.gz#sha256=ab@cd\n";
    let cleaned = without_credentials(text);
    assert_eq!(
        cleaned,
        "--index-url https://pypi.example.org/simple\n\
         --extra-index-url=https://other.example/simple/?x=1#y\n\
         pkg @ git+https://github.com/org/pkg@v1.0\n\
         plain @ https://files.example/pkg-1.0.tar.gz#sha256=ab@cd\n"
    );
    assert!(matches!(without_credentials("requests==2.0\n"), std::borrow::Cow::Borrowed(_)));
    let mut shared = sample();
    shared.pasted = "--index-url https://user:s3cret@pypi.example.org/simple\nrequests==2.0\n".into();
    shared.files[0].text = "[[tool.uv.index]]\nurl = \"https://me:hunter2@idx.example/simple\"\n".into();
    let opened = decode(&encode(&shared)).expect("the link opens");
    assert_eq!(opened.pasted, "--index-url https://pypi.example.org/simple\nrequests==2.0\n");
    assert_eq!(opened.files[0].text, "[[tool.uv.index]]\nurl = \"https://idx.example/simple\"\n");
    assert!(!format!("{opened:?}").contains("s3cret") && !format!("{opened:?}").contains("hunter2"));
}

#[test]
fn a_link_whose_pasted_text_is_past_the_paste_limit_is_refused() {
    let mut shared = sample();
    // Well-compressible text: 4 MB and one line more, about 10 KB of link.
    shared.pasted = "a==1\n".repeat(MAX_PASTE_CHARS / 5 + 1);
    let fragment = encode(&shared);
    assert!(fragment.len() < MAX_LINK_CHARS, "{}", fragment.len());
    let error = decode(&fragment).unwrap_err();
    assert!(
        matches!(&error, ShareError::BadContent(message) if message.contains("paste box takes up to 4 MB")),
        "{error}"
    );
    shared.pasted = "a==1\n".repeat(MAX_PASTE_CHARS / 5);
    assert!(decode(&encode(&shared)).is_ok(), "at the limit it opens");
}

#[test]
fn a_link_carries_its_resolution_and_a_reader_refuses_a_bad_one() {
    use crate::environment::{Platform, PythonVersion, TargetEnvironment};
    let resolution = SharedResolution {
        resolve: true,
        target: TargetEnvironment { python: PythonVersion { major: 3, minor: 12 }, platform: Platform::Windows },
        as_of: Some("2025-06-01".into()),
    };
    let mut shared = sample();
    assert_eq!(shared.resolution(), None, "a link made before resolution was carried says nothing");
    shared.settings.insert(RESOLUTION_KEY.into(), serde_json::to_value(&resolution).expect("serialises"));
    let opened = decode(&encode(&shared)).expect("decodes");
    assert_eq!(opened.resolution(), Some(resolution.clone()));

    let mut bad_day = resolution.clone();
    bad_day.as_of = Some("2025-13-45".into());
    shared.settings.insert(RESOLUTION_KEY.into(), serde_json::to_value(&bad_day).expect("serialises"));
    assert_eq!(shared.resolution(), None);
    let mut bad_python = resolution;
    bad_python.target.python.minor = 200;
    shared.settings.insert(RESOLUTION_KEY.into(), serde_json::to_value(&bad_python).expect("serialises"));
    assert_eq!(shared.resolution(), None);
}

#[test]
fn a_link_packed_in_steps_is_the_link_packed_at_once() {
    let mut shared = sample();
    // Several steps' worth of text that compresses poorly and well, so that steps end inside runs and matches.
    shared.pasted = (0..40_000).map(|n| format!("package-{}=={}.{}\n", n * 7919 % 10_007, n % 13, n % 101)).collect();
    let mut encoding = Encoding::new(&shared);
    let mut steps = 1;
    let stepped = loop {
        match encoding.step() {
            Some(fragment) => break fragment,
            None => steps += 1,
        }
    };
    assert!(steps > 5, "{steps}");
    let json = serde_json::to_vec(&shared).unwrap();
    let at_once = format!("r=v1.{}", super::base64url::encode(&miniz_oxide::deflate::compress_to_vec_zlib(&json, 6)));
    assert_eq!(stepped, at_once);
    assert_eq!(decode(&stepped).unwrap().pasted, shared.pasted);
}
