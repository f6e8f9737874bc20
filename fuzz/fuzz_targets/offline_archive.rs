#![no_main]
//! Any bytes chosen as an offline database: opening, loading and matching against the result never panic or hang,
//! and nothing inflates past the limits.

use libfuzzer_sys::fuzz_target;
use osv_lens::audit::PackageKey;
use osv_lens::offline_database::{self, Loader};
use osv_lens::osv::archive::Limits;
use osv_lens_fuzz::on_page_stack;

fuzz_target!(|data: &[u8]| on_page_stack(|| {
    // Small limits, so that a bomb is found by its shape rather than by running out of memory.
    let limits = Limits { max_entry_bytes: 1 << 20, max_total_bytes: 4 << 20, ..Limits::default() };
    let Ok(loader) = Loader::open(data.to_vec(), &limits) else { return };
    let Ok(database) = loader.finish() else { return };
    let _ = database.report.notes();
    let names: Vec<String> = database
        .database
        .records()
        .take(8)
        .flat_map(|record| {
            record.affected.iter().filter_map(|affected| affected.package.as_ref().map(|package| package.name.clone()))
        })
        .collect();
    let keys: Vec<PackageKey> = names
        .iter()
        .flat_map(|name| {
            ["", "1.0", "0.0.0.dev0"].map(|version| PackageKey { name: name.clone(), version: version.into() })
        })
        .collect();
    let _ = offline_database::lookups(&database, &keys);
}));
