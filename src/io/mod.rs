//! The browser side effects: fetch, storage and files.
