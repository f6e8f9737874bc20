//! The OSV data model and the shapes of the OSV API.

/// The OSV API used when nothing else is configured.
pub const DEFAULT_ENDPOINT: &str = "https://api.osv.dev";

pub mod api;
#[cfg(any(test, feature = "api-server"))]
pub mod api_server;
pub mod archive;
pub mod database;
pub mod schema;
pub mod zip;

pub use schema::{Affected, Event, Package, Range, RangeType, Reference, Severity, Vulnerability};

/// The ecosystem name OSV uses for PyPI.
pub const PYPI: &str = "PyPI";
