//! OSV export archives: a zip with one JSON record per entry, in the layout of OSV's `<ecosystem>/all.zip`.
//!
//! The archive is untrusted. [`ExportReader::open`] checks the whole central directory against [`Limits`] before a
//! single entry is inflated: the file size, the number of entries, each entry's size, the total size and the
//! compression ratio (a zip bomb inflates a few kilobytes into gigabytes). Declared sizes can lie, so reading
//! stops one byte past the declared size and refuses the archive when an entry is larger than it says.
//!
//! Entries are read one at a time ([`ExportReader::next_entry`]), so that a caller can spread the work over several
//! turns of the browser's event loop and show progress. An entry that is not a readable OSV record is reported as
//! such and the reading goes on; only a broken or hostile archive stops it.

use std::fmt;
use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::Vulnerability;

/// What an archive may hold before it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The archive itself must be smaller than this, in bytes.
    pub max_archive_bytes: u64,
    /// The most entries, directories included.
    pub max_entries: usize,
    /// The largest entry, uncompressed.
    pub max_entry_bytes: u64,
    /// The most bytes all entries hold together, uncompressed.
    pub max_total_bytes: u64,
    /// The highest ratio of uncompressed to compressed size, for an entry (above [`RATIO_FLOOR_BYTES`]) and for the
    /// whole archive. OSV's JSON compresses about 3:1 (the 7,080 PyPI records: 28.9 MB in 9.9 MB).
    pub max_ratio: u64,
}

/// Entries smaller than this, uncompressed, are never refused for their ratio: a tiny file cannot be a bomb, and an
/// all-blank record compresses very well.
pub const RATIO_FLOOR_BYTES: u64 = 64 * 1024;

/// One megabyte, as the messages count them.
const MB: u64 = 1_000_000;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_archive_bytes: 50 * MB,
            max_entries: 100_000,
            max_entry_bytes: 8 * MB,
            max_total_bytes: 200 * MB,
            max_ratio: 100,
        }
    }
}

/// Why an archive was refused or could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportError {
    /// The archive is too large to load in a page.
    ArchiveTooLarge {
        /// Its size.
        bytes: u64,
        /// The limit it reached.
        limit: u64,
    },
    /// Not a zip archive, or a damaged one.
    NotZip(String),
    /// More entries than allowed.
    TooManyEntries {
        /// How many the archive lists.
        entries: usize,
        /// The limit.
        limit: usize,
    },
    /// One entry is too large.
    EntryTooLarge {
        /// The entry's name.
        name: String,
        /// Its uncompressed size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// The entries together are too large.
    TotalTooLarge {
        /// Their uncompressed size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// An entry, or the whole archive, inflates too much for its size: a zip bomb.
    SuspiciousRatio {
        /// The entry's name, or `None` for the whole archive.
        name: Option<String>,
        /// Uncompressed size divided by compressed size, rounded down.
        ratio: u64,
        /// The limit.
        limit: u64,
    },
    /// An entry inflated to more than the size its header declares: a zip bomb that lies about its size.
    LyingSize {
        /// The entry's name.
        name: String,
        /// The size it declares.
        declared: u64,
    },
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ArchiveTooLarge { bytes, limit } => write!(
                f,
                "the file is {}; an offline database must be smaller than {}",
                megabytes(*bytes),
                megabytes(*limit)
            ),
            Self::NotZip(reason) => write!(f, "the file is not a readable zip archive ({reason})"),
            Self::TooManyEntries { entries, limit } => {
                write!(f, "the archive lists {entries} entries; at most {limit} are accepted")
            }
            Self::EntryTooLarge { name, bytes, limit } => write!(
                f,
                "`{name}` inflates to {}; no OSV record is larger than {}, so the archive was refused",
                megabytes(*bytes),
                megabytes(*limit)
            ),
            Self::TotalTooLarge { bytes, limit } => write!(
                f,
                "the archive inflates to {}; at most {} can be loaded in a page",
                megabytes(*bytes),
                megabytes(*limit)
            ),
            Self::SuspiciousRatio { name, ratio, limit } => {
                let what = match name {
                    Some(name) => format!("`{name}`"),
                    None => "the archive".to_string(),
                };
                write!(
                    f,
                    "{what} inflates {ratio} times its compressed size (more than {limit}); it looks like a zip bomb and \
                     was refused"
                )
            }
            Self::LyingSize { name, declared } => write!(
                f,
                "`{name}` inflates to more than the {declared} bytes its header declares; it looks like a zip bomb and \
                 the archive was refused"
            ),
        }
    }
}

impl std::error::Error for ExportError {}

/// `12.3 MB`.
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / MB as f64)
}

/// One entry of an archive.
#[derive(Debug)]
pub enum Entry {
    /// An OSV record.
    Record(Box<Vulnerability>),
    /// A directory, or a file that is not `.json`: not a record, and not an error.
    Skipped,
    /// A `.json` entry that is not a readable OSV record, with its name and the reason.
    Unreadable(String),
}

/// Reads the entries of an OSV export archive one at a time.
pub struct ExportReader {
    archive: ZipArchive<Cursor<Vec<u8>>>,
    next: usize,
    buffer: Vec<u8>,
}

impl fmt::Debug for ExportReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportReader").field("entries", &self.archive.len()).field("next", &self.next).finish()
    }
}

impl ExportReader {
    /// Opens the archive in `bytes` and checks its central directory against `limits`; nothing is inflated yet.
    pub fn open(bytes: Vec<u8>, limits: &Limits) -> Result<Self, ExportError> {
        let archive_bytes = bytes.len() as u64;
        check_archive_size(archive_bytes, limits)?;
        let archive = ZipArchive::new(Cursor::new(bytes)).map_err(|error| ExportError::NotZip(error.to_string()))?;
        if archive.len() > limits.max_entries {
            return Err(ExportError::TooManyEntries { entries: archive.len(), limit: limits.max_entries });
        }
        let mut total: u64 = 0;
        for index in 0..archive.len() {
            let entry = archive.by_index_data(index).map_err(|error| ExportError::NotZip(error.to_string()))?;
            let name = || String::from_utf8_lossy(entry.name_raw()).into_owned();
            let size = entry.size();
            // The ratio first: a bomb is named as one even when it is also too large.
            if size > RATIO_FLOOR_BYTES {
                let ratio = size / entry.compressed_size().max(1);
                if ratio > limits.max_ratio {
                    return Err(ExportError::SuspiciousRatio { name: Some(name()), ratio, limit: limits.max_ratio });
                }
            }
            if size > limits.max_entry_bytes {
                return Err(ExportError::EntryTooLarge { name: name(), bytes: size, limit: limits.max_entry_bytes });
            }
            total = total.saturating_add(size);
        }
        if total > limits.max_total_bytes {
            return Err(ExportError::TotalTooLarge { bytes: total, limit: limits.max_total_bytes });
        }
        if total > RATIO_FLOOR_BYTES {
            let ratio = total / archive_bytes.max(1);
            if ratio > limits.max_ratio {
                return Err(ExportError::SuspiciousRatio { name: None, ratio, limit: limits.max_ratio });
            }
        }
        Ok(Self { archive, next: 0, buffer: Vec::new() })
    }

    /// The number of entries, directories included.
    pub fn len(&self) -> usize {
        self.archive.len()
    }

    /// True when the archive has no entries.
    pub fn is_empty(&self) -> bool {
        self.archive.len() == 0
    }

    /// How many entries have been read.
    pub fn position(&self) -> usize {
        self.next
    }

    /// Reads the next entry; `None` after the last. An error means the archive is hostile and reading must stop.
    pub fn next_entry(&mut self) -> Option<Result<Entry, ExportError>> {
        if self.next >= self.archive.len() {
            return None;
        }
        let index = self.next;
        self.next += 1;
        Some(self.read_entry(index))
    }

    fn read_entry(&mut self, index: usize) -> Result<Entry, ExportError> {
        let mut entry = match self.archive.by_index(index) {
            Ok(entry) => entry,
            // A damaged or encrypted entry, or one in a compression method this build does not read.
            Err(error) => return Ok(Entry::Unreadable(format!("entry {}: {error}", index + 1))),
        };
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if entry.is_dir() || !name.to_ascii_lowercase().ends_with(".json") {
            return Ok(Entry::Skipped);
        }
        let declared = entry.size();
        self.buffer.clear();
        // One byte more than declared: reaching it proves the header lied; stopping short of the end would skip the
        // CRC check that the reader makes at the end of the entry. The zip crate also stops at the declared size,
        // with an error of its own, which is the same refusal.
        if let Err(error) = entry.by_ref().take(declared + 1).read_to_end(&mut self.buffer) {
            if error.to_string().contains("larger than its declared uncompressed size") {
                return Err(ExportError::LyingSize { name, declared });
            }
            return Ok(Entry::Unreadable(format!("{name}: {error}")));
        }
        if self.buffer.len() as u64 > declared {
            return Err(ExportError::LyingSize { name, declared });
        }
        match serde_json::from_slice::<Vulnerability>(&self.buffer) {
            Ok(record) => Ok(Entry::Record(Box::new(record))),
            Err(error) => Ok(Entry::Unreadable(format!("{name}: not an OSV record ({error})"))),
        }
    }
}

/// Refuses an archive by its size alone, before it is read into memory.
pub fn check_archive_size(bytes: u64, limits: &Limits) -> Result<(), ExportError> {
    if bytes >= limits.max_archive_bytes {
        Err(ExportError::ArchiveTooLarge { bytes, limit: limits.max_archive_bytes })
    } else {
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests;
