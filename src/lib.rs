//! Core logic of osv-lens: an auditor of Python dependencies that runs in the browser.
//!
//! Everything in this crate except `io` and `app` is pure Rust that builds and is tested on the host: reading
//! dependency files ([`sources`]), the OSV data model ([`osv`]), version matching ([`matching`]), the audit pipeline
//! and its services ([`audit`], over [`http`]), the package index and the resolver ([`index`], [`resolve`], for a
//! target [`environment`]), range audits ([`ranges`]), fix plans ([`fix`]), the offline database
//! ([`offline_database`]), the report ([`report`], [`severity`], [`triage`]) and its exports ([`export`]), and the
//! page's own pure parts ([`page`]: its state machine, the CSP check, the HTML builder). The browser shell (`io` for
//! fetch, storage and files, `app` for the Yew UI) is compiled only for `wasm32`.
//!
//! ```
//! use osv_lens::sources::{parse_files, InputFile};
//!
//! let files = [InputFile::new("requirements.txt", "requests==2.19.0  # pinned\n")];
//! let parsed = parse_files(&files);
//! let dependency = &parsed.files[0].dependencies[0];
//! assert_eq!(dependency.name, "requests");
//! assert_eq!(dependency.version.to_string(), "2.19.0");
//! assert_eq!(dependency.origin.line, 1);
//! ```
#![warn(missing_docs)]

pub mod advisory_markdown;
pub mod audit;
pub mod environment;
pub mod export;
pub mod fix;
pub mod graph;
pub mod http;
pub mod ignore_rule;
pub mod index;
pub mod matching;
pub mod model;
pub mod offline_database;
pub mod osv;
pub mod page;
pub mod pypi;
pub mod ranges;
pub mod report;
pub mod resolve;
pub mod settings;
pub mod severity;
pub mod share;
pub mod sorting;
pub mod sources;
pub mod triage;
pub mod vex;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod io;

pub use pep508_rs::pep440_rs;
