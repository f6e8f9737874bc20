//! The range reader against wheels written by the `zip` crate (another implementation), and against damage.

use std::cell::RefCell;
use std::io::Write;

use futures::executor::block_on;

use super::*;

const DEFLATED: ::zip::CompressionMethod = ::zip::CompressionMethod::Deflated;
const STORED: ::zip::CompressionMethod = ::zip::CompressionMethod::Stored;

const METADATA: &[u8] = b"Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nRequires-Dist: idna>=3\n\nBody\n";

/// A wheel with `entries`, then its `.dist-info` (METADATA, WHEEL, RECORD), as wheels are written.
fn wheel(entries: &[(&str, &[u8])], metadata_method: ::zip::CompressionMethod, zip64: bool, comment: &str) -> Vec<u8> {
    let mut writer = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default().large_file(zip64);
    for (name, contents) in entries {
        writer.start_file(*name, options.compression_method(DEFLATED)).expect("starts");
        writer.write_all(contents).expect("written");
    }
    writer.start_file("demo_pkg-1.0.dist-info/METADATA", options.compression_method(metadata_method)).expect("starts");
    writer.write_all(METADATA).expect("written");
    writer.start_file("demo_pkg-1.0.dist-info/WHEEL", options).expect("starts");
    writer.write_all(b"Wheel-Version: 1.0\n").expect("written");
    writer.start_file("demo_pkg-1.0.dist-info/RECORD", options).expect("starts");
    writer.set_comment(comment).expect("fits");
    writer.finish().expect("finished").into_inner()
}

/// Serves ranges of `bytes` and remembers them.
struct Ranges {
    bytes: Vec<u8>,
    asked: RefCell<Vec<(u64, u64)>>,
}

impl Ranges {
    fn new(bytes: Vec<u8>) -> Self {
        Self { bytes, asked: RefCell::default() }
    }
}

impl RangeReader for Ranges {
    async fn read(&self, start: u64, end: u64) -> Result<Vec<u8>, IndexError> {
        self.asked.borrow_mut().push((start, end));
        self.bytes.as_slice().read(start, end).await
    }
}

fn project() -> PackageName {
    PackageName::new("demo-pkg".into()).expect("valid")
}

fn read(ranges: &Ranges) -> Result<Vec<u8>, IndexError> {
    block_on(read_wheel_metadata(ranges, ranges.bytes.len() as u64, &project()))
}

#[test]
fn a_small_wheel_is_read_in_one_request() {
    for method in [DEFLATED, STORED] {
        let ranges = Ranges::new(wheel(&[("demo_pkg/__init__.py", b"print('hi')\n")], method, false, ""));
        assert_eq!(read(&ranges).expect("reads"), METADATA);
        let size = ranges.bytes.len() as u64;
        assert_eq!(*ranges.asked.borrow(), [(0, size)], "one read of the whole (small) file");
    }
}

#[test]
fn a_large_wheel_is_read_from_its_end_only() {
    // 3 MB of incompressible code before the metadata.
    let mut noise = Vec::with_capacity(3 << 20);
    let mut state = 0x2545_f491_u32;
    for _ in 0..(3 << 20) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        noise.push(state as u8);
    }
    let files: Vec<(String, Vec<u8>)> = (0..3)
        .map(|index| (format!("demo_pkg/blob{index}.bin"), noise[index << 20..(index + 1) << 20].to_vec()))
        .collect();
    let listed: Vec<(&str, &[u8])> = files.iter().map(|(name, bytes)| (name.as_str(), bytes.as_slice())).collect();
    let ranges = Ranges::new(wheel(&listed, DEFLATED, false, ""));
    assert_eq!(read(&ranges).expect("reads"), METADATA);
    let asked = ranges.asked.borrow();
    let size = ranges.bytes.len() as u64;
    assert_eq!(asked.len(), 1, "the last 64 KB hold the directory and the member: {asked:?}");
    assert_eq!(asked[0], (size - TAIL_BYTES, size));
}

#[test]
fn a_wheel_whose_directory_is_larger_than_the_tail_takes_more_reads() {
    let names: Vec<String> = (0..3000).map(|index| format!("demo_pkg/module_with_a_long_name_{index}.py")).collect();
    let listed: Vec<(&str, &[u8])> = names.iter().map(|name| (name.as_str(), &b"x = 1\n"[..])).collect();
    let ranges = Ranges::new(wheel(&listed, DEFLATED, false, ""));
    assert!(ranges.bytes.len() as u64 > 2 * TAIL_BYTES);
    assert_eq!(read(&ranges).expect("reads"), METADATA);
    let asked = ranges.asked.borrow();
    let size = ranges.bytes.len() as u64;
    assert_eq!(asked.len(), 3, "the tail, the rest of the directory, the member: {asked:?}");
    assert_eq!(asked[0], (size - TAIL_BYTES, size));
    assert_eq!(asked[1].1, size - TAIL_BYTES, "what was read is not read again");
    let total: u64 = asked.iter().map(|(start, end)| end - start).sum();
    // The directory of 3,000 entries is half of this file; the rest (the modules) is never read.
    assert!(total < size * 6 / 10, "{total} of {size} bytes were read");
}

#[test]
fn zip64_wheels_and_comments_are_read() {
    let comment = "PK\u{5}\u{6} a comment that holds the end signature";
    let ranges = Ranges::new(wheel(&[("demo_pkg/a.py", b"")], DEFLATED, true, comment));
    assert_eq!(read(&ranges).expect("reads"), METADATA);
    // More than 65,535 entries: the zip64 end record and its locator.
    let names: Vec<String> = (0..65_600).map(|index| format!("d/{index}")).collect();
    let listed: Vec<(&str, &[u8])> = names.iter().map(|name| (name.as_str(), &b""[..])).collect();
    let ranges = Ranges::new(wheel(&listed, STORED, false, ""));
    assert_eq!(read(&ranges).expect("reads"), METADATA);
}

#[test]
fn the_metadata_of_the_named_project_is_chosen() {
    let mut writer = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default();
    for (name, text) in [
        ("vendored-2.0.dist-info/METADATA", &b"Name: vendored\nVersion: 2.0\n"[..]),
        ("demo_pkg-1.0.dist-info/METADATA", METADATA),
        ("demo_pkg/inner.dist-info/METADATA", b"not this one"),
    ] {
        writer.start_file(name, options).expect("starts");
        writer.write_all(text).expect("written");
    }
    let ranges = Ranges::new(writer.finish().expect("finished").into_inner());
    assert_eq!(read(&ranges).expect("reads"), METADATA);
    let other = PackageName::new("other".into()).expect("valid");
    let error = block_on(read_wheel_metadata(&ranges, ranges.bytes.len() as u64, &other)).expect_err("ambiguous");
    assert!(matches!(&error, IndexError::NoMetadata(why) if why.contains("several")), "{error:?}");
    let empty = Ranges::new(wheel_without_metadata());
    let error = read(&empty).expect_err("no metadata");
    assert!(matches!(&error, IndexError::NoMetadata(why) if why.contains("no `.dist-info/METADATA`")), "{error:?}");
}

fn wheel_without_metadata() -> Vec<u8> {
    let mut writer = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer.start_file("demo_pkg/__init__.py", ::zip::write::SimpleFileOptions::default()).expect("starts");
    writer.finish().expect("finished").into_inner()
}

#[test]
fn damage_is_an_error_and_never_a_panic() {
    let good = wheel(&[("demo_pkg/__init__.py", b"print('hi')\n")], DEFLATED, false, "");
    assert!(matches!(read(&Ranges::new(b"PK".to_vec())), Err(IndexError::Malformed(_))));
    assert!(matches!(read(&Ranges::new(vec![0; 200])), Err(IndexError::Malformed(_))));
    // Every truncation and every single-byte change: an answer or an error, never a panic or a huge read.
    for cut in 0..good.len() {
        let ranges = Ranges::new(good[..cut].to_vec());
        let _ = read(&ranges);
    }
    for at in 0..good.len() {
        for value in [0x00, 0xFF, good[at] ^ 0x80] {
            let mut damaged = good.clone();
            damaged[at] = value;
            let ranges = Ranges::new(damaged);
            if let Ok(text) = read(&ranges) {
                assert!(text.len() <= MAX_METADATA_BYTES);
            }
            let asked: u64 = ranges.asked.borrow().iter().map(|(start, end)| end - start).sum();
            assert!(asked <= 4 * ranges.bytes.len() as u64, "reads stay within the file");
        }
    }
}

#[test]
fn a_server_that_sends_fewer_bytes_than_asked_is_an_error() {
    struct Short(Vec<u8>);
    impl RangeReader for Short {
        async fn read(&self, start: u64, end: u64) -> Result<Vec<u8>, IndexError> {
            let mut bytes = self.0.as_slice().read(start, end).await?;
            bytes.pop();
            Ok(bytes)
        }
    }
    let good = wheel(&[], DEFLATED, false, "");
    let size = good.len() as u64;
    let error = block_on(read_wheel_metadata(&Short(good), size, &project())).expect_err("short");
    assert!(matches!(&error, IndexError::Malformed(message) if message.contains("range read")), "{error:?}");
}
