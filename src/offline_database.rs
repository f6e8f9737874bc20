//! Audits without the network: an offline database loaded from an OSV export archive, and the lookups it answers.
//!
//! [`Loader`] turns an archive into an [`OfflineDatabase`] a few entries at a time ([`Loader::step`]), so that the
//! page can show progress and stay responsive. [`lookups`] answers the audit's package keys from it with the same
//! [`Lookups`] the online path builds from the OSV API, so that the report is built by the same code either way, and
//! with the same matcher the local OSV API server runs.

use std::collections::BTreeSet;
use std::rc::Rc;
use std::str::FromStr;

use pep508_rs::pep440_rs::Version;

use crate::audit::{AtHand, AuditEvent, Lookups, OsvService, PackageKey, Unsaved};
use crate::osv::api::VulnRef;
use crate::osv::archive::{Entry, ExportError, ExportReader, Limits};
use crate::osv::database::Database;
use crate::osv::PYPI;

/// How many unreadable entries are described by name; the rest are only counted.
const MAX_DESCRIBED_FAILURES: usize = 5;

/// What loading an archive found besides the records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Entries in the archive, directories included.
    pub entries: usize,
    /// Records that name a PyPI package, all kept.
    pub records: usize,
    /// Records that name no PyPI package; left out.
    pub other_ecosystems: usize,
    /// Records whose ID came earlier in the archive; left out.
    pub duplicates: usize,
    /// Directories and files that are not `.json`.
    pub skipped: usize,
    /// `.json` entries that are not readable OSV records.
    pub unreadable: usize,
    /// The first few of those, with the reason.
    pub unreadable_examples: Vec<String>,
    /// The newest `modified` of the kept records (RFC 3339), which dates the database.
    pub newest_modified: Option<String>,
}

impl LoadReport {
    /// Sentences about what was left out, for the page; empty when nothing was.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.unreadable > 0 {
            let mut note = format!(
                "{} {} not a readable OSV record and {} left out",
                self.unreadable,
                if self.unreadable == 1 { "entry is" } else { "entries are" },
                if self.unreadable == 1 { "was" } else { "were" },
            );
            if !self.unreadable_examples.is_empty() {
                note.push_str(": ");
                note.push_str(&self.unreadable_examples.join("; "));
                if self.unreadable > self.unreadable_examples.len() {
                    note.push_str("; …");
                }
            }
            notes.push(note);
        }
        if self.other_ecosystems > 0 {
            notes.push(format!(
                "{} {} no PyPI package and {} left out",
                self.other_ecosystems,
                if self.other_ecosystems == 1 { "record names" } else { "records name" },
                if self.other_ecosystems == 1 { "was" } else { "were" },
            ));
        }
        if self.duplicates > 0 {
            notes.push(format!("{} repeated IDs were left out (the first record with an ID is kept)", self.duplicates));
        }
        notes
    }
}

/// The records of an OSV export, indexed for matching.
#[derive(Debug, Default)]
pub struct OfflineDatabase {
    /// The records, with the same matcher the local OSV API server uses.
    pub database: Database,
    /// What loading found.
    pub report: LoadReport,
}

impl OfflineDatabase {
    /// The number of records.
    pub fn len(&self) -> usize {
        self.database.len()
    }

    /// True when no record names a PyPI package.
    pub fn is_empty(&self) -> bool {
        self.database.is_empty()
    }

    /// Why a database that holds no PyPI record cannot be used, naming the archive `name`: the real reason when its
    /// entries could not be read (compressed with a method other than deflate, failing their CRC-32, not OSV
    /// records), not only that it holds none.
    pub fn empty_reason(&self, name: &str) -> String {
        let report = &self.report;
        if report.unreadable == 0 {
            return format!("`{name}` holds no OSV record for PyPI packages, so it cannot be used for audits.");
        }
        let what = if report.unreadable == 1 {
            "its one record could not be read".to_string()
        } else {
            format!("{} of its entries could not be read", report.unreadable)
        };
        let mut reasons = report.unreadable_examples.join("; ");
        if report.unreadable > report.unreadable_examples.len() {
            reasons.push_str("; …");
        }
        format!("`{name}` cannot be used for audits: {what} ({reasons}).")
    }

    /// The day of the newest `modified`, `YYYY-MM-DD`.
    pub fn newest_day(&self) -> Option<&str> {
        self.report.newest_modified.as_deref().and_then(|modified| modified.get(..10))
    }
}

/// Loads an archive into an [`OfflineDatabase`], a few entries per [`Loader::step`].
#[derive(Debug)]
pub struct Loader {
    reader: ExportReader,
    database: Database,
    report: LoadReport,
}

impl Loader {
    /// Opens the archive; a hostile or broken one is refused here, before any entry is inflated.
    pub fn open(bytes: Vec<u8>, limits: &Limits) -> Result<Self, ExportError> {
        let reader = ExportReader::open(bytes, limits)?;
        let report = LoadReport { entries: reader.len(), ..LoadReport::default() };
        Ok(Self { reader, database: Database::default(), report })
    }

    /// Entries read so far.
    pub fn done(&self) -> usize {
        self.reader.position()
    }

    /// Entries in the archive.
    pub fn total(&self) -> usize {
        self.reader.len()
    }

    /// Records kept so far.
    pub fn records(&self) -> usize {
        self.database.len()
    }

    /// True when every entry has been read.
    pub fn is_finished(&self) -> bool {
        self.done() >= self.total()
    }

    /// Reads up to `entries` more entries. An error means the archive turned out to be hostile; the loader must
    /// then be dropped.
    pub fn step(&mut self, entries: usize) -> Result<(), ExportError> {
        for _ in 0..entries {
            let Some(entry) = self.reader.next_entry() else { break };
            match entry? {
                Entry::Record(record) => self.add(*record),
                Entry::Skipped => self.report.skipped += 1,
                Entry::Unreadable(reason) => {
                    self.report.unreadable += 1;
                    if self.report.unreadable_examples.len() < MAX_DESCRIBED_FAILURES {
                        self.report.unreadable_examples.push(reason);
                    }
                }
            }
        }
        Ok(())
    }

    fn add(&mut self, record: crate::osv::Vulnerability) {
        let names_pypi = record
            .affected
            .iter()
            .any(|affected| affected.package.as_ref().is_some_and(|package| package.ecosystem == PYPI));
        if !names_pypi {
            self.report.other_ecosystems += 1;
            return;
        }
        let modified = record.modified.clone();
        // Compiled while loading: the load shows progress, while the first audit would otherwise wait for it.
        if !self.database.insert_compiled(record) {
            self.report.duplicates += 1;
            return;
        }
        self.report.records += 1;
        if self.report.newest_modified.as_ref().is_none_or(|newest| later(&modified, newest)) {
            self.report.newest_modified = Some(modified);
        }
    }

    /// Reads every entry that is left and returns the database.
    pub fn finish(mut self) -> Result<OfflineDatabase, ExportError> {
        while !self.is_finished() {
            self.step(usize::MAX)?;
        }
        Ok(OfflineDatabase { database: self.database, report: self.report })
    }
}

/// True when RFC 3339 time `a` is later than `b`. Both are UTC (`Z`) in OSV data; fractional seconds vary in length,
/// so the seconds are compared before the fraction.
fn later(a: &str, b: &str) -> bool {
    let split = |time: &str| {
        let seconds = time.get(..19).unwrap_or(time).to_string();
        let fraction: String =
            time.get(19..).unwrap_or("").trim_start_matches('.').chars().take_while(char::is_ascii_digit).collect();
        (seconds, format!("{fraction:0<9}"))
    };
    split(a) > split(b)
}

/// Answers the audit's package keys from the offline database: for a key with a version, the records that affect
/// it; with an empty version (range audits), every record that names the package. Withdrawn records never match.
/// The result has the shape of the online lookups, so the report treats both alike.
pub fn lookups(database: &OfflineDatabase, packages: &[PackageKey]) -> Lookups {
    let mut lookups = Lookups::default();
    let unique: BTreeSet<&PackageKey> = crate::sorting::set_of(packages);
    for key in unique {
        let version = match key.version.as_str() {
            "" => None,
            text => match Version::from_str(text) {
                Ok(version) => Some(version),
                // The OSV API answers a version it cannot read with no matches; so does the offline database.
                Err(_) => {
                    lookups.queries.insert(key.clone(), Ok(Vec::new()));
                    continue;
                }
            },
        };
        let found = database.database.matching(&key.name, version.as_ref());
        let refs = found.iter().map(|record| VulnRef { id: record.id.clone(), modified: record.modified.clone() });
        lookups.queries.insert(key.clone(), Ok(refs.collect()));
        // A pin's report reads at most this many of its records (see `report::MAX_FINDINGS_PER_PACKAGE`); a range's
        // verdict needs them all.
        let needed = if version.is_some() { 3 * crate::report::MAX_FINDINGS_PER_PACKAGE } else { usize::MAX };
        for record in found.into_iter().take(needed) {
            if lookups.records.contains_key(&record.id) {
                continue;
            }
            // The database compiled the record to match it; the report uses that, not a second compilation.
            if let Some(compiled) = database.database.compiled(&record.id) {
                lookups.compiled.insert(record.id.clone(), compiled);
            }
            lookups.records.insert(record.id.clone(), Ok(Rc::new(record.as_ref().clone())));
        }
    }
    lookups
}

impl OsvService for OfflineDatabase {
    async fn look_up(
        &self,
        packages: &[PackageKey],
        _at_hand: &AtHand,
        on_event: &mut dyn FnMut(AuditEvent),
    ) -> (Lookups, Unsaved) {
        let found = lookups(self, packages);
        on_event(AuditEvent::Answered(Box::new(found.clone())));
        (found, Unsaved::default())
    }
}

/// Whole days from `from` to `to`, both `YYYY-MM-DD` (or longer RFC 3339 times, whose date is used).
pub fn days_between(from: &str, to: &str) -> Option<i64> {
    Some(day_number(to)? - day_number(from)?)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date in the proleptic Gregorian calendar.
fn day_number(date: &str) -> Option<i64> {
    let mut parts = date.get(..10)?.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Count years from March, so that the leap day ends the year.
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

#[cfg(test)]
mod tests;
