#![no_main]
//! Any file given to the VEX import: it reads as rules or is refused with a message naming the file, never a panic;
//! every rule it gives has an ID and a reason within the bound the share link and storage carry.

use libfuzzer_sys::fuzz_target;
use osv_lens::triage::MAX_REASON_CHARS;
use osv_lens_fuzz::on_page_stack;

fuzz_target!(|data: &[u8]| on_page_stack(|| match osv_lens::vex::read("fuzz.json", data) {
    Ok(read) => {
        for rule in &read.rules {
            assert!(!rule.id.is_empty());
            assert!(rule.reason.chars().count() <= MAX_REASON_CHARS);
        }
    }
    Err(message) => assert!(message.contains("`fuzz.json`"), "{message}"),
}));
