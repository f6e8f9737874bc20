//! An in-memory OSV database: records indexed by ID and by PyPI package, matched with the core's matcher. The
//! offline database is one; so is the local OSV API server's (`api_server`, behind the `api-server` feature, which
//! only the command runner and the tests turn on).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use pep508_rs::pep440_rs::Version;

use super::{Vulnerability, PYPI};
use crate::matching::CompiledVulnerability;
use crate::model::normalize_name;

/// A set of OSV records, indexed by ID and by PyPI package.
///
/// A record added by [`Database::insert`] is compiled for matching the first time a query reaches it; one added by
/// [`Database::insert_compiled`] is compiled at once, for a database that is loaded in order to be matched against
/// (the page's offline database), where the first audit should not wait for it. Compiling takes about as much memory
/// again as the records themselves (figures for the PyPI export in `docs/benchmarks.md`).
#[derive(Debug, Default)]
pub struct Database {
    records: Vec<(Arc<Vulnerability>, OnceLock<Arc<CompiledVulnerability>>)>,
    by_id: HashMap<String, usize>,
    by_package: HashMap<String, Vec<usize>>,
    /// Results per query before the API server gives a `next_page_token`; `None` never pages.
    #[cfg(any(test, feature = "api-server"))]
    pub page_size: Option<usize>,
}

impl Database {
    /// Builds the database. Withdrawn records are kept for `GET /v1/vulns/{id}` but never match a query.
    pub fn new(records: impl IntoIterator<Item = Vulnerability>) -> Self {
        let mut database = Self::default();
        for record in records {
            database.insert(record);
        }
        database
    }

    /// Adds one record. A record whose ID is already present is not added, and `false` is returned: the first
    /// record with an ID wins, so that a package never matches two copies of one advisory.
    pub fn insert(&mut self, record: Vulnerability) -> bool {
        if self.by_id.contains_key(&record.id) {
            return false;
        }
        let index = self.records.len();
        // The names the compiled record will match: its PyPI packages, PEP 503 normalised.
        let mut names: Vec<String> = record
            .affected
            .iter()
            .filter_map(|affected| affected.package.as_ref().filter(|package| package.ecosystem == PYPI))
            .map(|package| normalize_name(&package.name))
            .collect();
        crate::sorting::sort(&mut names);
        names.dedup();
        for name in names {
            self.by_package.entry(name).or_default().push(index);
        }
        self.by_id.insert(record.id.clone(), index);
        self.records.push((Arc::new(record), OnceLock::new()));
        true
    }

    /// Like [`Database::insert`], and compiles the record for matching now.
    pub fn insert_compiled(&mut self, record: Vulnerability) -> bool {
        if !self.insert(record) {
            return false;
        }
        self.compiled_at(self.records.len() - 1);
        true
    }

    /// Every record, in the order they were added.
    pub fn records(&self) -> impl Iterator<Item = &Arc<Vulnerability>> {
        self.records.iter().map(|(record, _)| record)
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The record with this ID.
    pub fn get(&self, id: &str) -> Option<&Arc<Vulnerability>> {
        self.by_id.get(id).map(|&index| &self.records[index].0)
    }

    /// The record with this ID compiled for matching, compiled once and shared.
    pub fn compiled(&self, id: &str) -> Option<Arc<CompiledVulnerability>> {
        Some(Arc::clone(self.compiled_at(*self.by_id.get(id)?)))
    }

    /// Record number `index` compiled for matching, compiled on first use.
    fn compiled_at(&self, index: usize) -> &Arc<CompiledVulnerability> {
        let (record, compiled) = &self.records[index];
        compiled.get_or_init(|| Arc::new(CompiledVulnerability::new(record)))
    }

    /// Every record that affects `version` of the PyPI package `name`, or with no version every record that names
    /// the package, in ID order. Withdrawn records never match.
    pub fn matching(&self, name: &str, version: Option<&Version>) -> Vec<&Arc<Vulnerability>> {
        let name = normalize_name(name);
        let mut found: Vec<&Arc<Vulnerability>> = self
            .by_package
            .get(&name)
            .into_iter()
            .flatten()
            .filter(|&&index| {
                let compiled = self.compiled_at(index);
                match version {
                    Some(version) => compiled.affects(&name, version).is_some(),
                    None => compiled.mentions(&name),
                }
            })
            .map(|&index| &self.records[index].0)
            .collect();
        crate::sorting::sort_by(&mut found, |a, b| a.id.cmp(&b.id));
        found
    }
}
