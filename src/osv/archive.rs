//! OSV export archives: a zip with one JSON record per entry, in the layout of OSV's `<ecosystem>/all.zip`.
//!
//! The archive is untrusted. [`ExportReader::open`] checks the whole central directory against [`Limits`] before a
//! single entry is inflated: the file size, the number of entries, each entry's size, the total size and the
//! compression ratio (a zip bomb inflates a few kilobytes into gigabytes). Declared sizes can lie, so inflating
//! stops at the declared size and refuses the archive when an entry holds more than it says.
//!
//! Entries are read one at a time ([`ExportReader::next_entry`]), so that a caller can spread the work over several
//! turns of the browser's event loop and show progress. An entry that is not a readable OSV record is reported as
//! such and the reading goes on; only a broken or hostile archive stops it.

use std::fmt;

use super::zip::{self, ZipEntry};
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
    bytes: Vec<u8>,
    entries: Vec<ZipEntry>,
    next: usize,
}

impl fmt::Debug for ExportReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportReader").field("entries", &self.entries.len()).field("next", &self.next).finish()
    }
}

impl ExportReader {
    /// Opens the archive in `bytes` and checks its central directory against `limits`; nothing is inflated yet.
    pub fn open(bytes: Vec<u8>, limits: &Limits) -> Result<Self, ExportError> {
        let archive_bytes = bytes.len() as u64;
        check_archive_size(archive_bytes, limits)?;
        let not_zip = |error: zip::ZipError| ExportError::NotZip(error.to_string());
        let count = zip::entry_count(&bytes).map_err(not_zip)?;
        if count > limits.max_entries as u64 {
            let entries = usize::try_from(count).unwrap_or(usize::MAX);
            return Err(ExportError::TooManyEntries { entries, limit: limits.max_entries });
        }
        let entries = zip::entries(&bytes).map_err(not_zip)?;
        let mut total: u64 = 0;
        for entry in &entries {
            let name = || entry.name.clone();
            let size = entry.size;
            // The ratio first: a bomb is named as one even when it is also too large.
            if size > RATIO_FLOOR_BYTES {
                let ratio = size / entry.compressed_size.max(1);
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
        Ok(Self { bytes, entries, next: 0 })
    }

    /// The number of entries, directories included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the archive has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many entries have been read.
    pub fn position(&self) -> usize {
        self.next
    }

    /// Reads the next entry; `None` after the last. An error means the archive is hostile and reading must stop.
    pub fn next_entry(&mut self) -> Option<Result<Entry, ExportError>> {
        let entry = self.entries.get(self.next)?;
        self.next += 1;
        if entry.is_dir() || !entry.name.to_ascii_lowercase().ends_with(".json") {
            return Some(Ok(Entry::Skipped));
        }
        let name = &entry.name;
        // Inflating stops at the declared size: an entry whose data holds more lied about its size, which only a
        // hostile archive does.
        let data = match zip::read(&self.bytes, entry) {
            Ok(data) => data,
            Err(None) => return Some(Err(ExportError::LyingSize { name: name.clone(), declared: entry.size })),
            Err(Some(error)) => return Some(Ok(Entry::Unreadable(format!("{name}: {error}")))),
        };
        Some(Ok(match serde_json::from_slice::<Vulnerability>(&data) {
            Ok(record) => Entry::Record(Box::new(record)),
            Err(error) => Entry::Unreadable(format!("{name}: not an OSV record ({error})")),
        }))
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
