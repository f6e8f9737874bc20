#![no_main]
//! A share link from an untrusted address: decoding never panics, never inflates past its limit, and whatever it
//! accepts encodes back to a link that decodes to the same content.

use libfuzzer_sys::fuzz_target;
use osv_lens::share;
use osv_lens_fuzz::on_page_stack;

fuzz_target!(|data: &[u8]| on_page_stack(|| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Raw fragments, and fragments behind the link prefix so that the inflater and the JSON reader get exercised.
    for fragment in [text.to_string(), format!("r=v1.{text}")] {
        if let Ok(shared) = share::decode(&fragment) {
            let again = share::decode(&share::encode(&shared)).expect("an accepted link encodes to a readable one");
            assert_eq!(again, shared);
        }
    }
}));
