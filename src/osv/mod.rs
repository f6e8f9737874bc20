//! The OSV data model and the shapes of the OSV API.

/// The OSV API used when nothing else is configured.
pub const DEFAULT_ENDPOINT: &str = "https://api.osv.dev";

pub mod api;
pub mod database;
pub mod export;
pub mod schema;
pub mod zip;

pub use schema::{Affected, Event, Package, Range, RangeType, Reference, Severity, Vulnerability};

/// The ecosystem name OSV uses for PyPI.
pub const PYPI: &str = "PyPI";
