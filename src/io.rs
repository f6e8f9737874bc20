//! The browser's side effects: fetch, storage, files and the address bar. Nothing else in the crate touches them.

pub mod archive_store;
pub mod clock;
pub mod download;
pub mod fetch;
pub mod files;
pub mod idb;
pub mod index_store;
pub mod index_worker;
pub mod location;
pub mod record_cache;
pub mod storage;
pub mod worker_client;
