use std::io::Write;

use super::*;

/// A zip of `(name, contents)` entries, deflated, written with the `zip` crate (a dev-dependency: the page reads
/// archives with its own reader, and the tests write them with another implementation).
pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated)
        .large_file(false);
    for (name, contents) in entries {
        writer.start_file(*name, options).expect("the entry starts");
        writer.write_all(contents).expect("the entry is written");
    }
    writer.finish().expect("the archive is finished").into_inner()
}

fn record(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"PyPI","name":"demo"}},"versions":["1.0"]}}]}}"#
    )
}

fn read_all(bytes: Vec<u8>, limits: &Limits) -> Result<Vec<Entry>, ExportError> {
    let mut reader = ExportReader::open(bytes, limits)?;
    let mut entries = Vec::new();
    while let Some(entry) = reader.next_entry() {
        entries.push(entry?);
    }
    Ok(entries)
}

fn describe(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .map(|entry| match entry {
            Entry::Record(record) => format!("record {}", record.id),
            Entry::Skipped => "skipped".to_string(),
            Entry::Unreadable(reason) => format!("unreadable {reason}"),
        })
        .collect()
}

#[test]
fn reads_records_and_tells_other_entries_apart() {
    let bytes = zip_of(&[
        ("PYSEC-1.json", record("PYSEC-1").as_bytes()),
        ("README.txt", b"not a record"),
        ("nested/PYSEC-2.JSON", record("PYSEC-2").as_bytes()),
        ("broken.json", b"{\"id\": 12"),
        ("no-id.json", b"{\"modified\": \"2024-01-01T00:00:00Z\"}"),
    ]);
    let entries = read_all(bytes, &Limits::default()).expect("the archive reads");
    let described = describe(&entries);
    assert_eq!(&described[..3], ["record PYSEC-1", "skipped", "record PYSEC-2"]);
    assert!(described[3].starts_with("unreadable broken.json: not an OSV record"), "{}", described[3]);
    assert!(
        described[4].starts_with("unreadable no-id.json: not an OSV record (missing field `id`"),
        "{}",
        described[4]
    );
}

#[test]
fn position_counts_entries_read() {
    let bytes = zip_of(&[("A.json", record("A").as_bytes()), ("B.json", record("B").as_bytes())]);
    let mut reader = ExportReader::open(bytes, &Limits::default()).expect("opens");
    assert_eq!((reader.position(), reader.len()), (0, 2));
    assert!(matches!(reader.next_entry(), Some(Ok(Entry::Record(_)))));
    assert_eq!(reader.position(), 1);
    assert!(matches!(reader.next_entry(), Some(Ok(Entry::Record(_)))));
    assert!(reader.next_entry().is_none());
    assert_eq!(reader.position(), 2);
}

#[test]
fn what_is_not_a_zip_is_refused_with_a_message() {
    for bytes in [Vec::new(), b"PK\x03\x04 but nothing else".to_vec(), vec![0x7f; 4096]] {
        let error = ExportReader::open(bytes, &Limits::default()).expect_err("refused");
        assert!(matches!(error, ExportError::NotZip(_)), "{error:?}");
        assert!(error.to_string().starts_with("the file is not a readable zip archive ("), "{error}");
    }
}

#[test]
fn a_truncated_archive_is_refused() {
    let bytes = zip_of(&[("A.json", record("A").as_bytes())]);
    let cut = bytes[..bytes.len() - 10].to_vec();
    assert!(matches!(ExportReader::open(cut, &Limits::default()), Err(ExportError::NotZip(_))));
}

#[test]
fn a_damaged_entry_is_unreadable_not_fatal() {
    let text = record("A").repeat(20);
    let mut bytes = zip_of(&[("A.json", text.as_bytes()), ("B.json", record("B").as_bytes())]);
    // Flip bytes in the middle of the first entry's compressed data (after its 30-byte header and 6-byte name).
    for byte in &mut bytes[40..48] {
        *byte ^= 0x5a;
    }
    let entries = read_all(bytes, &Limits::default()).expect("the archive still opens");
    let described = describe(&entries);
    assert!(described[0].starts_with("unreadable"), "{described:?}");
    assert_eq!(described[1], "record B");
}

#[test]
fn an_archive_too_large_is_refused_before_it_is_read() {
    let limits = Limits { max_archive_bytes: 1000, ..Limits::default() };
    let error = ExportReader::open(vec![0; 1000], &limits).expect_err("refused");
    assert_eq!(error, ExportError::ArchiveTooLarge { bytes: 1000, limit: 1000 });
    assert_eq!(
        check_archive_size(50_000_000, &Limits::default()).expect_err("50 MB is refused").to_string(),
        "the file is 50.0 MB; an offline database must be smaller than 50.0 MB"
    );
    assert!(check_archive_size(49_999_999, &Limits::default()).is_ok());
}

#[test]
fn too_many_entries_are_refused() {
    let names: Vec<String> = (0..11).map(|index| format!("R-{index}.json")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|name| (name.as_str(), &b"{}"[..])).collect();
    let limits = Limits { max_entries: 10, ..Limits::default() };
    let error = ExportReader::open(zip_of(&entries), &limits).expect_err("refused");
    assert_eq!(error.to_string(), "the archive lists 11 entries; at most 10 are accepted");
}

#[test]
fn an_entry_too_large_is_refused() {
    let big = format!(r#"{{"id":"BIG","details":"{}"}}"#, "x".repeat(3000));
    let limits = Limits { max_entry_bytes: 2000, ..Limits::default() };
    let error = ExportReader::open(zip_of(&[("BIG.json", big.as_bytes())]), &limits).expect_err("refused");
    assert_eq!(error, ExportError::EntryTooLarge { name: "BIG.json".into(), bytes: big.len() as u64, limit: 2000 });
    assert_eq!(
        error.to_string(),
        "`BIG.json` inflates to 0.0 MB; no OSV record is larger than 0.0 MB, so the archive was refused"
    );
}

#[test]
fn entries_too_large_together_are_refused() {
    let text = record("A");
    let entries: Vec<(String, &[u8])> = (0..5).map(|index| (format!("{index}.json"), text.as_bytes())).collect();
    let entries: Vec<(&str, &[u8])> = entries.iter().map(|(name, text)| (name.as_str(), *text)).collect();
    let limits = Limits { max_total_bytes: text.len() as u64 * 4, ..Limits::default() };
    let error = ExportReader::open(zip_of(&entries), &limits).expect_err("refused");
    assert!(matches!(error, ExportError::TotalTooLarge { .. }), "{error:?}");
}

#[test]
fn a_zip_bomb_is_refused_by_its_ratio_before_it_is_inflated() {
    // 20 MB of blanks deflate to about 20 KB: a ratio of about 1000.
    let blanks = vec![b' '; 20_000_000];
    let bytes = zip_of(&[("bomb.json", &blanks)]);
    assert!(bytes.len() < 100_000, "the bomb is small: {} bytes", bytes.len());
    let error = ExportReader::open(bytes, &Limits::default()).expect_err("refused");
    match &error {
        ExportError::SuspiciousRatio { name: Some(name), ratio, limit: 100 } => {
            assert_eq!(name, "bomb.json");
            assert!(*ratio > 500, "ratio {ratio}");
        }
        other => panic!("expected a ratio refusal, got {other:?}"),
    }
    assert!(error.to_string().contains("looks like a zip bomb"), "{error}");
}

#[test]
fn many_small_entries_that_compress_too_well_together_are_refused() {
    // Each entry stays under the ratio floor, but the archive inflates far beyond 100 times its size.
    let blanks = vec![b' '; 60_000];
    let names: Vec<String> = (0..40).map(|index| format!("{index}.json")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|name| (name.as_str(), &blanks[..])).collect();
    let error = ExportReader::open(zip_of(&entries), &Limits::default()).expect_err("refused");
    assert!(matches!(error, ExportError::SuspiciousRatio { name: None, .. }), "{error:?}");
}

/// Overwrites the uncompressed size of every entry, in its local header and in the central directory.
fn declare_size(bytes: &mut [u8], size: u32) {
    let mut index = 0;
    while index + 4 <= bytes.len() {
        match &bytes[index..index + 4] {
            b"PK\x03\x04" => bytes[index + 22..index + 26].copy_from_slice(&size.to_le_bytes()),
            b"PK\x01\x02" => bytes[index + 24..index + 28].copy_from_slice(&size.to_le_bytes()),
            _ => {}
        }
        index += 1;
    }
}

#[test]
fn an_entry_that_lies_about_its_size_is_never_inflated_past_it() {
    // 1 MB of blanks that claim to be 1,000 bytes: small enough to pass the ratio check, refused while reading.
    let blanks = vec![b' '; 1_000_000];
    let mut bytes = zip_of(&[("A.json", record("A").as_bytes()), ("liar.json", &blanks)]);
    declare_size(&mut bytes[..], 1000);
    let mut reader = ExportReader::open(bytes, &Limits::default()).expect("the directory looks harmless");
    // The first entry, a real record, is shorter than its rewritten size says: that is harmless, and it reads.
    assert!(matches!(reader.next_entry(), Some(Ok(Entry::Record(record))) if record.id == "A"));
    let refusal = reader.next_entry().expect("a second entry").expect_err("the liar is refused");
    assert_eq!(refusal, ExportError::LyingSize { name: "liar.json".into(), declared: 1000 });
}
