//! Where the resolver's data comes from: a project's page and a file's core metadata, asked for asynchronously so
//! that the page can fetch them from the index and the host tests can serve them from memory or disk.

use std::rc::Rc;

use pep508_rs::PackageName;

use crate::index::{CoreMetadata, DistFile, IndexError, ProjectLookup};

/// The package index, as the resolver reads it. The resolver asks for many answers at once (up to
/// [`MAX_IN_FLIGHT`](super::MAX_IN_FLIGHT)); an implementation may queue them.
#[allow(async_fn_in_trait)]
pub trait PackageSource {
    /// The project's page: its releases and files.
    async fn project(&self, name: &PackageName) -> ProjectLookup;

    /// The core metadata of a wheel (its `Requires-Dist`, `Requires-Python` and `Provides-Extra`).
    async fn metadata(&self, file: &DistFile) -> Result<Rc<CoreMetadata>, IndexError>;
}
