#![no_main]
//! An OSV record from an untrusted answer: decoding it, compiling it and matching versions against it never panic.

use libfuzzer_sys::fuzz_target;
use osv_lens::matching::CompiledVulnerability;
use osv_lens::osv::Vulnerability;
use osv_lens::pep440_rs::Version;
use osv_lens_fuzz::on_page_stack;

fuzz_target!(|data: &[u8]| on_page_stack(|| {
    let Ok(record) = serde_json::from_slice::<Vulnerability>(data) else { return };
    let compiled = CompiledVulnerability::new(&record);
    let names: Vec<String> = compiled.package_names().map(str::to_string).collect();
    for name in names {
        for version in ["0", "1.0", "1.0rc1", "2!1.0.post3+local", "99999999999999999999"] {
            if let Ok(version) = version.parse::<Version>() {
                let _ = compiled.affects(&name, &version).map(|reason| reason.to_string());
            }
        }
        let _ = compiled.fixed_versions(&name);
    }
}));
