//! The resolver: which versions of which packages an input really installs, for a target Python and platform, as
//! `uv pip compile` would resolve them, so that the audit covers the whole tree and not only what the files name.
//!
//! It runs PubGrub (the `pubgrub` crate, the algorithm uv uses) over PEP 440 versions, with uv's choices:
//! - the highest version allowed; pins stay at their pins; `-c` constraints narrow a package whenever something
//!   requires it;
//! - extras are virtual packages (`name[extra]` depends on `name` at the same version and on what the extra adds);
//! - markers are evaluated for the target ([`TargetEnvironment`](crate::environment::TargetEnvironment));
//! - `Requires-Python` (the index's and the metadata's) is read by its lower bound, as uv reads it;
//! - a yanked version is used only when the input pins it exactly (PEP 592);
//! - pre-releases only when a requirement names one or a project has nothing else;
//! - files uploaded after the "as of" day (UTC) are left out, like uv's `--exclude-newer`;
//! - dependencies come from the metadata of the best wheel for the target ([`tags`] ranks them); a version whose
//!   only installable file is an sdist is resolved at its version, and its own dependencies are reported as not
//!   resolved ("needs a build"), never guessed.
//!
//! Data arrives through a [`PackageSource`]; the loop in `driver` fetches ahead many answers at once. When no
//! resolution exists, [`Resolution::failure`] says why, in uv's words. [`resolve`] is the one entry point.
//!
//! ```
//! use osv_lens::environment::TargetEnvironment;
//! use osv_lens::resolve::{InputRequirement, Request};
//!
//! let request = Request::new(vec![InputRequirement::new("flask", ">=3.0", "-r requirements.in").unwrap()],
//!     TargetEnvironment::default());
//! assert_eq!(request.requirements[0].written(), "flask>=3.0");
//! ```

mod candidates;
mod driver;
mod explain;
mod node;
mod output;
mod provider;
pub mod request;
pub mod resolved_set;
mod source;
mod tags;
#[cfg(test)]
mod tests;

pub use output::{Parent, Resolution, ResolveStats, ResolvedPackage, Unresolved};
pub use provider::NotResolved;
pub use request::{from_input, needs_resolution, AsOf, InputRequirement, Request};
pub use resolved_set::{ResolvedRow, ResolvedSet, PULLED_IN};
pub use source::PackageSource;

/// How many requests the resolver keeps in flight at once (uv's default for concurrent downloads).
pub const MAX_IN_FLIGHT: usize = 50;

/// Resolves `request` with the project pages and metadata that `source` serves.
pub async fn resolve<S: PackageSource>(source: &S, request: &Request) -> Resolution {
    driver::resolve(source, request).await
}
