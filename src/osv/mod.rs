//! The OSV data model and the shapes of the OSV API.

pub mod api;
pub mod database;
pub mod export;
pub mod schema;
pub mod zip;

pub use schema::{Affected, Event, Package, Range, RangeType, Reference, Severity, Vulnerability};

/// The ecosystem name OSV uses for PyPI.
pub const PYPI: &str = "PyPI";
