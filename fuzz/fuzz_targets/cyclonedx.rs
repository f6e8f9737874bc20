#![no_main]
//! Any text given to the cyclonedx parser gives dependencies or spanned errors, never a panic or a hang.

use libfuzzer_sys::fuzz_target;
use osv_lens::sources::Format;
use osv_lens_fuzz::on_page_stack;

fuzz_target!(|data: &[u8]| on_page_stack(|| {
    if let Ok(text) = std::str::from_utf8(data) {
        let parsed = Format::CycloneDx.parse("fuzz-input", text);
        for error in &parsed.errors {
            // Rendering the caret must work for every error the parser makes.
            let _ = error.to_string();
        }
    }
}));
