//! The record cache the audit consults before fetching records: records are kept with the `modified` time that
//! querybatch reported, and a record is reused only while querybatch still reports that same time.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::Lookups;
use crate::osv::api::VulnRef;
use crate::osv::Vulnerability;

/// A record to keep: its ID and `modified` as querybatch listed them, the record, and its JSON as the server sent
/// it (kept as is, so that the page needs no JSON writer for records).
///
/// The `modified` kept is querybatch's rather than the record's own, so that the next audit compares querybatch's
/// answer with querybatch's answer: a server that writes the two times differently (precision, time zone) then
/// still gets cache hits.
#[derive(Debug, Clone)]
pub struct CachedRecord {
    /// The record's ID.
    pub id: String,
    /// The `modified` time querybatch listed for it.
    pub modified: String,
    /// The record.
    pub record: Rc<Vulnerability>,
    /// The record's JSON, as the server sent it.
    pub json: String,
}

/// Where the audit keeps OSV records between audits (the page keeps them in IndexedDB).
///
/// An error is a value: the audit reports it, stops using the cache for the rest of that audit and goes on.
#[allow(async_fn_in_trait)] // The page runs on one thread; no `Send` bound is wanted.
pub trait RecordCache {
    /// The cached records among `wanted` whose kept `modified` equals the one in `wanted`, by ID. Records missing
    /// from the cache or kept with another `modified` are left out: the audit fetches them.
    async fn load(&self, wanted: &[VulnRef]) -> Result<BTreeMap<String, Rc<Vulnerability>>, String>;
    /// Keeps `records`, replacing older copies.
    async fn store(&self, records: &[CachedRecord]) -> Result<(), String>;
}

impl<C: RecordCache + ?Sized> RecordCache for &C {
    async fn load(&self, wanted: &[VulnRef]) -> Result<BTreeMap<String, Rc<Vulnerability>>, String> {
        (**self).load(wanted).await
    }

    async fn store(&self, records: &[CachedRecord]) -> Result<(), String> {
        (**self).store(records).await
    }
}

/// A cache that may be switched off: `None` fetches every record and keeps nothing.
impl<C: RecordCache> RecordCache for Option<C> {
    async fn load(&self, wanted: &[VulnRef]) -> Result<BTreeMap<String, Rc<Vulnerability>>, String> {
        match self {
            Some(cache) => cache.load(wanted).await,
            None => Ok(BTreeMap::new()),
        }
    }

    async fn store(&self, records: &[CachedRecord]) -> Result<(), String> {
        match self {
            Some(cache) => cache.store(records).await,
            None => Ok(()),
        }
    }
}

/// No cache: every record is fetched, nothing is kept.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCache;

impl RecordCache for NoCache {
    async fn load(&self, _wanted: &[VulnRef]) -> Result<BTreeMap<String, Rc<Vulnerability>>, String> {
        Ok(BTreeMap::new())
    }

    async fn store(&self, _records: &[CachedRecord]) -> Result<(), String> {
        Ok(())
    }
}

/// A cache in memory, keyed by ID: for tests and for records the page already holds.
#[derive(Debug, Default)]
pub struct MemoryCache {
    records: RefCell<BTreeMap<String, (String, Rc<Vulnerability>)>>,
}

impl MemoryCache {
    /// The records `lookups` fetched, each with the `modified` querybatch listed for it.
    pub fn of_lookups(lookups: &Lookups) -> Self {
        let mut records = BTreeMap::new();
        for vulns in lookups.queries.values().filter_map(|result| result.as_ref().ok()) {
            for vuln in vulns {
                if let Some(Ok(record)) = lookups.records.get(&vuln.id) {
                    records.insert(vuln.id.clone(), (vuln.modified.clone(), Rc::clone(record)));
                }
            }
        }
        Self { records: RefCell::new(records) }
    }

    /// The number of records kept.
    pub fn len(&self) -> usize {
        self.records.borrow().len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.records.borrow().is_empty()
    }

    /// The `modified` time kept for `id`.
    pub fn modified(&self, id: &str) -> Option<String> {
        self.records.borrow().get(id).map(|(modified, _)| modified.clone())
    }
}

impl RecordCache for MemoryCache {
    async fn load(&self, wanted: &[VulnRef]) -> Result<BTreeMap<String, Rc<Vulnerability>>, String> {
        let records = self.records.borrow();
        Ok(crate::sorting::map_of(wanted.iter().filter_map(|vuln| match records.get(&vuln.id) {
            Some((modified, record)) if *modified == vuln.modified => Some((vuln.id.clone(), Rc::clone(record))),
            _ => None,
        })))
    }

    async fn store(&self, records: &[CachedRecord]) -> Result<(), String> {
        let mut kept = self.records.borrow_mut();
        for CachedRecord { id, modified, record, .. } in records {
            kept.insert(id.clone(), (modified.clone(), Rc::clone(record)));
        }
        Ok(())
    }
}

/// Two caches, one in front of the other: records the front one holds (with querybatch's same `modified`) are served
/// from it, the rest are asked of the back one. Records are kept in the back one only: the front one holds what the
/// page has already (the records of its last report, [`MemoryCache::of_lookups`]), so that auditing again soon after
/// an audit does not depend on the back one having stored them yet.
#[derive(Debug)]
pub struct InFront<'a, F, B> {
    /// Asked first.
    pub front: &'a F,
    /// Asked for the rest; keeps what is stored.
    pub back: &'a B,
}

impl<F: RecordCache, B: RecordCache> RecordCache for InFront<'_, F, B> {
    async fn load(&self, wanted: &[VulnRef]) -> Result<BTreeMap<String, Rc<Vulnerability>>, String> {
        let mut found = self.front.load(wanted).await?;
        let rest: Vec<VulnRef> = wanted.iter().filter(|vuln| !found.contains_key(&vuln.id)).cloned().collect();
        if !rest.is_empty() {
            found.extend(self.back.load(&rest).await?);
        }
        Ok(found)
    }

    async fn store(&self, records: &[CachedRecord]) -> Result<(), String> {
        self.back.store(records).await
    }
}

/// Records already at hand (those of the report being retried) in front of another cache: a known ID is served
/// from memory whatever its `modified`, since it arrived in this same session; the rest goes to `inner`.
#[derive(Debug)]
pub struct WithKnown<'a, C> {
    /// The records at hand, by ID.
    pub known: BTreeMap<String, Rc<Vulnerability>>,
    /// The cache behind them.
    pub inner: &'a C,
}

impl<C: RecordCache> RecordCache for WithKnown<'_, C> {
    async fn load(&self, wanted: &[VulnRef]) -> Result<BTreeMap<String, Rc<Vulnerability>>, String> {
        let (known, rest): (Vec<VulnRef>, Vec<VulnRef>) =
            wanted.iter().cloned().partition(|vuln| self.known.contains_key(&vuln.id));
        let mut found = if rest.is_empty() { BTreeMap::new() } else { self.inner.load(&rest).await? };
        for vuln in known {
            found.insert(vuln.id.clone(), Rc::clone(&self.known[&vuln.id]));
        }
        Ok(found)
    }

    async fn store(&self, records: &[CachedRecord]) -> Result<(), String> {
        self.inner.store(records).await
    }
}
