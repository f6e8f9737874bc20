//! A wheel's `*.dist-info/METADATA`, read out of the remote wheel with HTTP range requests when the index serves no
//! metadata file for it, as uv does: the end of the file first (the end of central directory record, with a zip64
//! locator when there is one), then the central directory, then the member's local header and compressed data,
//! inflated by [`crate::osv::zip::inflate`]. A wheel's `.dist-info` is written last, so for most wheels the first
//! read (the last 64 KB) holds all of it and one request is enough.
//!
//! Every size comes from an untrusted file: the directory, the member and its inflated text are bounded, and every
//! read is checked against the file's size.

use pep508_rs::PackageName;

use super::metadata::MAX_METADATA_BYTES;
use super::IndexError;
use crate::osv::zip::{directory_entries, inflate, ZipEntry};

/// The first read: the file's last 64 KB.
pub const TAIL_BYTES: u64 = 64 << 10;
/// The largest central directory read (a wheel of 100,000 files has one of about 10 MB).
pub const MAX_DIRECTORY_BYTES: u64 = 16 << 20;

const END_SIGNATURE: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const ZIP64_END_SIGNATURE: u32 = 0x0606_4b50;
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const END_LENGTH: u64 = 22;
const LOCATOR_LENGTH: u64 = 20;
const ZIP64_END_LENGTH: u64 = 56;
/// The end record, its longest comment and the zip64 locator before it.
const LONGEST_END: u64 = END_LENGTH + 0xFFFF + LOCATOR_LENGTH;

/// Reads byte ranges of one remote file.
#[allow(async_fn_in_trait)] // The page runs on one thread; no `Send` bound is wanted.
pub trait RangeReader {
    /// Bytes `start..end` of the file (`end` exclusive), all of them.
    async fn read(&self, start: u64, end: u64) -> Result<Vec<u8>, IndexError>;
}

/// The whole file in memory is a [`RangeReader`] too (a server that ignores `Range` sends it all).
impl RangeReader for [u8] {
    async fn read(&self, start: u64, end: u64) -> Result<Vec<u8>, IndexError> {
        let range = usize::try_from(start).ok().zip(usize::try_from(end).ok());
        range
            .and_then(|(start, end)| self.get(start..end))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| broken("a read past the end of the file"))
    }
}

fn broken(message: &str) -> IndexError {
    IndexError::Malformed(format!("the wheel is not a readable zip archive: {message}"))
}

/// The parts of the file read so far, so that a range read once is not asked for again.
struct Pieces<'a, R: RangeReader + ?Sized> {
    reader: &'a R,
    size: u64,
    pieces: Vec<(u64, Vec<u8>)>,
}

impl<R: RangeReader + ?Sized> Pieces<'_, R> {
    /// Bytes `start..end`, from a piece already read or with one more read.
    async fn get(&mut self, start: u64, end: u64) -> Result<&[u8], IndexError> {
        if start > end || end > self.size {
            return Err(broken("an offset points outside the file"));
        }
        let held = self.pieces.iter().position(|(at, bytes)| *at <= start && end <= at + bytes.len() as u64);
        // A piece that covers the end of the range: only what lies before it is read, and joined to it.
        let behind =
            self.pieces.iter().position(|(at, bytes)| start < *at && *at <= end && end <= at + bytes.len() as u64);
        let index = match (held, behind) {
            (Some(index), _) => index,
            (None, Some(index)) => {
                let mut bytes = self.read(start, self.pieces[index].0).await?;
                bytes.extend_from_slice(&self.pieces[index].1);
                self.pieces[index] = (start, bytes);
                index
            }
            (None, None) => {
                let bytes = self.read(start, end).await?;
                self.pieces.push((start, bytes));
                self.pieces.len() - 1
            }
        };
        let (at, bytes) = &self.pieces[index];
        Ok(&bytes[(start - at) as usize..(end - at) as usize])
    }
}

impl<R: RangeReader + ?Sized> Pieces<'_, R> {
    async fn read(&self, start: u64, end: u64) -> Result<Vec<u8>, IndexError> {
        let bytes = self.reader.read(start, end).await?;
        if bytes.len() as u64 != end - start {
            return Err(IndexError::Malformed(format!("a range read of {} bytes gave {}", end - start, bytes.len())));
        }
        Ok(bytes)
    }
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    bytes.get(at..at + 2).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    bytes.get(at..at + 4).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    bytes.get(at..at + 8).map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
}

/// Where the central directory is, from the file's end.
async fn find_directory<R: RangeReader + ?Sized>(pieces: &mut Pieces<'_, R>) -> Result<(u64, u64, u64), IndexError> {
    let size = pieces.size;
    if size < END_LENGTH {
        return Err(broken("too short"));
    }
    let mut tail_start = size.saturating_sub(TAIL_BYTES);
    let end_at = loop {
        let tail = pieces.get(tail_start, size).await?;
        // The last end record whose comment reaches exactly to the end of the file (a comment may hold the
        // signature itself).
        let found = (0..=tail.len() - END_LENGTH as usize).rev().find(|&at| {
            u32_at(tail, at) == END_SIGNATURE
                && at + END_LENGTH as usize + usize::from(u16_at(tail, at + 20)) == tail.len()
        });
        match found {
            Some(at) => break tail_start + at as u64,
            None if tail_start > size.saturating_sub(LONGEST_END) => tail_start = size.saturating_sub(LONGEST_END),
            None => return Err(broken("no end of central directory record")),
        }
    };
    let end = pieces.get(end_at, end_at + END_LENGTH).await?.to_vec();
    let (mut entries, mut directory_size, mut directory_at) =
        (u64::from(u16_at(&end, 10)), u64::from(u32_at(&end, 12)), u64::from(u32_at(&end, 16)));
    if let Some(locator_at) = end_at.checked_sub(LOCATOR_LENGTH) {
        let locator = pieces.get(locator_at, end_at).await?.to_vec();
        if u32_at(&locator, 0) == ZIP64_LOCATOR_SIGNATURE {
            let record_at = u64_at(&locator, 8);
            let record_end = record_at.checked_add(ZIP64_END_LENGTH).filter(|&end| end <= locator_at);
            let record_end = record_end.ok_or_else(|| broken("the zip64 end record lies outside the file"))?;
            let record = pieces.get(record_at, record_end).await?;
            if u32_at(record, 0) != ZIP64_END_SIGNATURE {
                return Err(broken("the zip64 end record is missing"));
            }
            (entries, directory_size, directory_at) = (u64_at(record, 32), u64_at(record, 40), u64_at(record, 48));
        }
    }
    Ok((entries, directory_size, directory_at))
}

/// The `*.dist-info/METADATA` member of a wheel of `project`: the one at the top of the archive whose directory
/// names the project (`{name}-{version}.dist-info`), or the only one there is.
fn metadata_entry(entries: Vec<ZipEntry>, project: &PackageName) -> Result<ZipEntry, IndexError> {
    let mut candidates: Vec<(ZipEntry, bool)> = entries
        .into_iter()
        .filter_map(|entry| {
            let directory = entry.name.strip_suffix(".dist-info/METADATA")?;
            if directory.contains('/') {
                return None;
            }
            let named = directory
                .rsplit_once('-')
                .and_then(|(name, _)| PackageName::new(name.to_string()).ok())
                .is_some_and(|name| &name == project);
            Some((entry, named))
        })
        .collect();
    let no_metadata = |why: &str| IndexError::NoMetadata(format!("the wheel {why}"));
    match candidates.len() {
        0 => Err(no_metadata("has no `.dist-info/METADATA`")),
        1 => Ok(candidates.remove(0).0),
        _ => {
            let mut named = candidates.into_iter().filter(|(_, named)| *named);
            match (named.next(), named.next()) {
                (Some((entry, _)), None) => Ok(entry),
                _ => Err(no_metadata(&format!("has several `.dist-info/METADATA` files and none is `{project}`'s"))),
            }
        }
    }
}

/// Reads the `METADATA` of a wheel of `project` whose file is `size` bytes, through `reader`.
pub async fn read_wheel_metadata<R: RangeReader + ?Sized>(
    reader: &R,
    size: u64,
    project: &PackageName,
) -> Result<Vec<u8>, IndexError> {
    let mut pieces = Pieces { reader, size, pieces: Vec::new() };
    let (count, directory_size, directory_at) = find_directory(&mut pieces).await?;
    if directory_size > MAX_DIRECTORY_BYTES {
        return Err(broken(&format!(
            "its central directory of {} MB is over the {} MB read",
            directory_size >> 20,
            MAX_DIRECTORY_BYTES >> 20
        )));
    }
    let directory_end = directory_at.checked_add(directory_size).ok_or_else(|| broken("bad directory size"))?;
    let listing = pieces.get(directory_at, directory_end).await?;
    let entries = directory_entries(listing, count).map_err(|error| broken(&error.0))?;
    let entry = metadata_entry(entries, project)?;
    if entry.size > MAX_METADATA_BYTES as u64 || entry.compressed_size > MAX_METADATA_BYTES as u64 {
        return Err(broken(&format!("its METADATA is over the {} MB read", MAX_METADATA_BYTES >> 20)));
    }
    // The local header repeats the name and may carry another extra field; read it with room for both, then the
    // data if it reaches further.
    let header_at = entry.local_header_offset;
    let guess = 30 + entry.name.len() as u64 + 256 + entry.compressed_size;
    let header_end = header_at.saturating_add(guess).min(size);
    let header = pieces.get(header_at, header_end).await?;
    if header.len() < 30 || u32_at(header, 0) != LOCAL_SIGNATURE {
        return Err(broken("the METADATA member's local header is damaged"));
    }
    let data_at = header_at + 30 + u64::from(u16_at(header, 26)) + u64::from(u16_at(header, 28));
    let data_end = data_at.checked_add(entry.compressed_size).ok_or_else(|| broken("bad member size"))?;
    let data = pieces.get(data_at, data_end).await?;
    inflate(&entry, data).map_err(|error| match error {
        Some(error) => broken(&format!("its METADATA member: {error}")),
        None => broken("its METADATA member holds more than it declares"),
    })
}

#[cfg(test)]
mod tests;
