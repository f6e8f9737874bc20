//! The parts of the zip format that an OSV export uses: the central directory (with its zip64 forms), stored and
//! deflated entries, and CRC-32. Deflate is miniz_oxide's, which the share links already use.
//!
//! Written here rather than taken from the `zip` crate, which the host tools use: in the page, that crate's reading
//! path would take about a tenth of the 450 KB weight budget (see `docs/benchmarks.md`), where the reader below
//! costs a few KB. Every offset and length comes from the untrusted file, so every read is bounds-checked and
//! arithmetic saturates; a malformed archive is an error, never a panic.

use std::fmt;

/// One entry as the central directory describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// The name, as written (UTF-8, or read as such with replacement characters).
    pub name: String,
    /// 0 for stored, 8 for deflated; anything else is not read.
    pub method: u16,
    /// General-purpose flags; bit 0 marks an encrypted entry.
    pub flags: u16,
    /// The CRC-32 of the uncompressed data.
    pub crc32: u32,
    /// Bytes in the archive.
    pub compressed_size: u64,
    /// Bytes once inflated, as declared.
    pub size: u64,
    /// Where the entry's local header starts.
    pub local_header_offset: u64,
}

impl ZipEntry {
    /// True for a directory entry.
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// Why an archive or an entry could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipError(pub String);

impl fmt::Display for ZipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn error<T>(message: &str) -> Result<T, ZipError> {
    Err(ZipError(message.to_string()))
}

const END_SIGNATURE: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const ZIP64_END_SIGNATURE: u32 = 0x0606_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const END_LENGTH: usize = 22;
const MAX_COMMENT: usize = 0xFFFF;

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

fn index(value: u64) -> Option<usize> {
    usize::try_from(value).ok()
}

/// Where the central directory is and how many entries it lists.
struct Directory {
    entries: u64,
    offset: u64,
    size: u64,
}

/// Finds the end-of-central-directory record: the last one in the file's final 64 KB + 22 bytes whose comment
/// length reaches exactly to the end of the file (a comment may itself contain the signature).
fn find_directory(bytes: &[u8]) -> Result<Directory, ZipError> {
    if bytes.len() < END_LENGTH {
        return error("too short to be a zip archive");
    }
    let earliest = bytes.len().saturating_sub(END_LENGTH + MAX_COMMENT);
    let end = (earliest..=bytes.len() - END_LENGTH)
        .rev()
        .find(|&at| {
            u32_at(bytes, at) == Some(END_SIGNATURE)
                && u16_at(bytes, at + 20).is_some_and(|comment| at + END_LENGTH + usize::from(comment) == bytes.len())
        })
        .ok_or_else(|| ZipError("no end of central directory record".into()))?;
    let field = |offset| u16_at(bytes, end + offset).map(u64::from).unwrap_or(0);
    let field32 = |offset| u32_at(bytes, end + offset).map(u64::from).unwrap_or(0);
    let mut directory = Directory { entries: field(10), size: field32(12), offset: field32(16) };
    // A zip64 archive says so with a locator just before the record; its own record has the full-width fields.
    if let Some(locator) = end.checked_sub(20).filter(|&at| u32_at(bytes, at) == Some(ZIP64_LOCATOR_SIGNATURE)) {
        let record = u64_at(bytes, locator + 8).and_then(index).ok_or_else(|| ZipError("bad zip64 locator".into()))?;
        if u32_at(bytes, record) != Some(ZIP64_END_SIGNATURE) {
            return error("the zip64 end record is missing");
        }
        let read = |offset| u64_at(bytes, record + offset).ok_or_else(|| ZipError("truncated zip64 end record".into()));
        directory = Directory { entries: read(32)?, size: read(40)?, offset: read(48)? };
    }
    Ok(directory)
}

/// The number of entries the archive says it has, read from its end record alone, so that an archive with too many
/// can be refused before its directory is parsed.
pub fn entry_count(bytes: &[u8]) -> Result<u64, ZipError> {
    Ok(find_directory(bytes)?.entries)
}

/// Every entry the central directory lists, in order.
pub fn entries(bytes: &[u8]) -> Result<Vec<ZipEntry>, ZipError> {
    let directory = find_directory(bytes)?;
    let start = index(directory.offset).ok_or_else(|| ZipError("bad central directory offset".into()))?;
    let end = start.checked_add(index(directory.size).unwrap_or(usize::MAX));
    match end.and_then(|end| bytes.get(start..end)) {
        Some(listing) => directory_entries(listing, directory.entries),
        None => error("the central directory lies outside the file"),
    }
}

/// The `count` entries of a central directory from its bytes alone (`bytes`), as a client that reads an archive in
/// ranges has them.
pub fn directory_entries(bytes: &[u8], count: u64) -> Result<Vec<ZipEntry>, ZipError> {
    // Each entry takes at least 46 bytes, which bounds what a lying count can make us reserve.
    let count = index(count).unwrap_or(usize::MAX);
    if count > bytes.len() / 46 {
        return error("the archive lists more entries than it can hold");
    }
    let mut entries = Vec::with_capacity(count);
    let mut at = 0;
    for number in 1..=count {
        let header = |offset| u32_at(bytes, at + offset).map(u64::from);
        let short = |offset| u16_at(bytes, at + offset);
        let truncated = || ZipError(format!("central directory entry {number} is truncated"));
        if u32_at(bytes, at) != Some(CENTRAL_SIGNATURE) {
            return Err(ZipError(format!("central directory entry {number} is damaged")));
        }
        let flags = short(8).ok_or_else(truncated)?;
        let method = short(10).ok_or_else(truncated)?;
        let crc32 = u32_at(bytes, at + 16).ok_or_else(truncated)?;
        let mut compressed_size = header(20).ok_or_else(truncated)?;
        let mut size = header(24).ok_or_else(truncated)?;
        let name_length = usize::from(short(28).ok_or_else(truncated)?);
        let extra_length = usize::from(short(30).ok_or_else(truncated)?);
        let comment_length = usize::from(short(32).ok_or_else(truncated)?);
        let mut local_header_offset = header(42).ok_or_else(truncated)?;
        let name_start = at + 46;
        let name = bytes.get(name_start..name_start + name_length).ok_or_else(truncated)?;
        let extra =
            bytes.get(name_start + name_length..name_start + name_length + extra_length).ok_or_else(truncated)?;
        // Fields too large for 32 bits are 0xFFFFFFFF here and follow, in this order, in the zip64 extra field.
        let mut wide = zip64_fields(extra).into_iter();
        for field in [&mut size, &mut compressed_size, &mut local_header_offset] {
            if *field == 0xFFFF_FFFF {
                *field = wide.next().ok_or_else(|| ZipError(format!("entry {number} lacks its zip64 sizes")))?;
            }
        }
        entries.push(ZipEntry {
            name: String::from_utf8_lossy(name).into_owned(),
            method,
            flags,
            crc32,
            compressed_size,
            size,
            local_header_offset,
        });
        at = name_start + name_length + extra_length + comment_length;
    }
    Ok(entries)
}

/// The 64-bit values of the zip64 extended information field (ID 1) in `extra`, if there is one.
fn zip64_fields(extra: &[u8]) -> Vec<u64> {
    let mut at = 0;
    while let (Some(id), Some(length)) = (u16_at(extra, at), u16_at(extra, at + 2)) {
        let data = extra.get(at + 4..at + 4 + usize::from(length)).unwrap_or(&[]);
        if id == 1 {
            return data.chunks_exact(8).filter_map(|chunk| u64_at(chunk, 0)).collect();
        }
        at += 4 + usize::from(length);
    }
    Vec::new()
}

/// The uncompressed data of `entry`: never more than its declared size (`Err(None)` when the data holds more: the
/// header lied), and checked against its CRC-32.
pub fn read(bytes: &[u8], entry: &ZipEntry) -> Result<Vec<u8>, Option<ZipError>> {
    let fail = |message: String| Err(Some(ZipError(message)));
    let Some(start) = index(entry.local_header_offset) else { return fail("bad local header offset".into()) };
    if u32_at(bytes, start) != Some(LOCAL_SIGNATURE) {
        return fail("its local header is damaged".into());
    }
    let (Some(name_length), Some(extra_length)) = (u16_at(bytes, start + 26), u16_at(bytes, start + 28)) else {
        return fail("its local header is truncated".into());
    };
    let data_start = start + 30 + usize::from(name_length) + usize::from(extra_length);
    let data = index(entry.compressed_size)
        .and_then(|length| bytes.get(data_start..data_start.checked_add(length)?))
        .ok_or_else(|| Some(ZipError("its data lies outside the file".into())))?;
    inflate(entry, data)
}

/// The uncompressed data of `entry` from its stored or deflated `data`: never more than its declared size
/// (`Err(None)` when the data holds more), and checked against its CRC-32. Encrypted entries are refused.
pub fn inflate(entry: &ZipEntry, data: &[u8]) -> Result<Vec<u8>, Option<ZipError>> {
    let fail = |message: String| Err(Some(ZipError(message)));
    if entry.flags & 1 != 0 {
        return fail("it is encrypted".into());
    }
    let Some(limit) = index(entry.size) else { return Err(None) };
    let inflated = match entry.method {
        0 if data.len() > limit => return Err(None),
        0 => data.to_vec(),
        8 => match miniz_oxide::inflate::decompress_to_vec_with_limit(data, limit) {
            Ok(inflated) => inflated,
            Err(error) if error.status == miniz_oxide::inflate::TINFLStatus::HasMoreOutput => return Err(None),
            Err(error) => return fail(format!("its deflate data is damaged ({:?})", error.status)),
        },
        method => return fail(format!("compression method {method} is not supported (only stored and deflate)")),
    };
    if crc32(&inflated) != entry.crc32 {
        return fail("its CRC-32 does not match its data".into());
    }
    Ok(inflated)
}

/// The CRC-32 table (polynomial 0xEDB88320, reflected), built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0_u32; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut value = byte as u32;
        let mut bit = 0;
        while bit < 8 {
            value = if value & 1 == 1 { (value >> 1) ^ 0xEDB8_8320 } else { value >> 1 };
            bit += 1;
        }
        table[byte] = value;
        byte += 1;
    }
    table
};

/// The CRC-32 of `data`, as zip (and gzip, and PNG) compute it.
pub fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0_u32, |crc, &byte| (crc >> 8) ^ CRC_TABLE[usize::from((crc as u8) ^ byte)])
}

#[cfg(test)]
mod tests;
