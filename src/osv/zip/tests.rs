//! The reader against archives written by the `zip` crate (another implementation), and against damage.

use std::io::Write;

use super::*;

fn archive(entries: &[(&str, &[u8], ::zip::CompressionMethod)], zip64: bool, comment: &str) -> Vec<u8> {
    let mut writer = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, contents, method) in entries {
        let options = ::zip::write::SimpleFileOptions::default().compression_method(*method).large_file(zip64);
        writer.start_file(*name, options).expect("the entry starts");
        writer.write_all(contents).expect("the entry is written");
    }
    writer.set_comment(comment).expect("the comment fits");
    writer.finish().expect("the archive is finished").into_inner()
}

const DEFLATED: ::zip::CompressionMethod = ::zip::CompressionMethod::Deflated;
const STORED: ::zip::CompressionMethod = ::zip::CompressionMethod::Stored;

fn contents(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    entries(bytes)
        .expect("the directory reads")
        .iter()
        .map(|entry| (entry.name.clone(), read(bytes, entry).expect("the entry reads")))
        .collect()
}

#[test]
fn crc32_of_known_inputs() {
    assert_eq!(crc32(b""), 0);
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b"The quick brown fox jumps over the lazy dog"), 0x414F_A339);
}

#[test]
fn reads_stored_and_deflated_entries_and_directories() {
    let text = b"{\"id\": \"PYSEC-1\"}".repeat(100);
    let bytes = archive(
        &[
            ("a/", b"", STORED),
            ("a/one.json", &text, DEFLATED),
            ("two.txt", b"plain", STORED),
            ("empty", b"", DEFLATED),
        ],
        false,
        "",
    );
    let listed = entries(&bytes).expect("reads");
    assert_eq!(
        listed.iter().map(|entry| entry.name.as_str()).collect::<Vec<_>>(),
        ["a/", "a/one.json", "two.txt", "empty"]
    );
    assert!(listed[0].is_dir() && !listed[1].is_dir());
    assert_eq!((listed[1].method, listed[1].size), (8, text.len() as u64));
    assert!(listed[1].compressed_size < 100, "deflated: {}", listed[1].compressed_size);
    assert_eq!(entry_count(&bytes), Ok(4));
    let read_back = contents(&bytes);
    assert_eq!(read_back[1].1, text);
    assert_eq!(read_back[2].1, b"plain");
    assert_eq!(read_back[3].1, b"");
}

#[test]
fn reads_zip64_entries_and_a_comment_that_holds_the_end_signature() {
    let comment = "PK\u{5}\u{6} is the end record's signature";
    let bytes = archive(&[("one.json", b"{}", DEFLATED), ("two.json", b"[]", STORED)], true, comment);
    let read_back = contents(&bytes);
    assert_eq!(read_back, [("one.json".to_string(), b"{}".to_vec()), ("two.json".to_string(), b"[]".to_vec())]);
}

#[test]
fn reads_more_than_65535_entries_through_the_zip64_end_record() {
    let names: Vec<String> = (0..65_600).map(|index| format!("{index}.json")).collect();
    let listed: Vec<(&str, &[u8], ::zip::CompressionMethod)> =
        names.iter().map(|name| (name.as_str(), &b"{}"[..], STORED)).collect();
    let bytes = archive(&listed, false, "");
    assert_eq!(entry_count(&bytes), Ok(65_600));
    let found = entries(&bytes).expect("reads");
    assert_eq!(found.len(), 65_600);
    assert_eq!(found[65_599].name, "65599.json");
    assert_eq!(read(&bytes, &found[65_599]).expect("reads"), b"{}");
}

#[test]
fn damaged_entries_give_reasons() {
    let bytes = archive(&[("one.json", b"{\"a\": 1}", DEFLATED)], false, "");
    let entry = &entries(&bytes).expect("reads")[0];

    let wrong_crc = ZipEntry { crc32: entry.crc32 ^ 1, ..entry.clone() };
    assert_eq!(read(&bytes, &wrong_crc), Err(Some(ZipError("its CRC-32 does not match its data".into()))));
    let encrypted = ZipEntry { flags: 1, ..entry.clone() };
    assert_eq!(read(&bytes, &encrypted), Err(Some(ZipError("it is encrypted".into()))));
    let bzip2 = ZipEntry { method: 12, ..entry.clone() };
    assert_eq!(
        read(&bytes, &bzip2),
        Err(Some(ZipError("compression method 12 is not supported (only stored and deflate)".into())))
    );
    let outside = ZipEntry { compressed_size: 1 << 40, ..entry.clone() };
    assert_eq!(read(&bytes, &outside), Err(Some(ZipError("its data lies outside the file".into()))));
    let elsewhere = ZipEntry { local_header_offset: 3, ..entry.clone() };
    assert_eq!(read(&bytes, &elsewhere), Err(Some(ZipError("its local header is damaged".into()))));
}

#[test]
fn more_data_than_declared_is_refused_without_inflating_it() {
    let blanks = vec![b' '; 100_000];
    for method in [DEFLATED, STORED] {
        let bytes = archive(&[("big.json", &blanks, method)], false, "");
        let entry = &entries(&bytes).expect("reads")[0];
        assert_eq!(read(&bytes, &ZipEntry { size: 1000, ..entry.clone() }), Err(None), "{method:?}");
    }
}

#[test]
fn what_is_not_an_archive_is_an_error() {
    assert_eq!(entries(b"short"), Err(ZipError("too short to be a zip archive".into())));
    assert_eq!(entries(&[0; 100]), Err(ZipError("no end of central directory record".into())));
    // An end record that lists a million entries in a 22-byte file.
    let mut lying = vec![0; 22];
    lying[..4].copy_from_slice(&0x0605_4b50_u32.to_le_bytes());
    lying[10..12].copy_from_slice(&0xFFFF_u16.to_le_bytes());
    assert_eq!(entries(&lying), Err(ZipError("the archive lists more entries than it can hold".into())));
    lying[10..12].copy_from_slice(&1_u16.to_le_bytes());
    lying[12..16].copy_from_slice(&46_u32.to_le_bytes());
    assert_eq!(entries(&lying), Err(ZipError("the central directory lies outside the file".into())));
}

#[test]
fn no_truncation_or_single_byte_damage_panics() {
    let bytes = archive(&[("one.json", b"{\"id\": \"A\"}", DEFLATED), ("two.json", b"{}", STORED)], true, "c");
    let survive = |bytes: &[u8]| {
        if let Ok(found) = entries(bytes) {
            for entry in &found {
                let _ = read(bytes, entry);
            }
        }
    };
    for length in 0..bytes.len() {
        survive(&bytes[..length]);
    }
    for position in 0..bytes.len() {
        for value in [0x00, 0xFF, bytes[position] ^ 0x80] {
            let mut damaged = bytes.clone();
            damaged[position] = value;
            survive(&damaged);
        }
    }
}
