#![no_main]
//! Several files with arbitrary names and contents: format detection, parsing and include resolution never panic.

use libfuzzer_sys::fuzz_target;
use osv_lens::sources::{parse_files, InputFile};
use osv_lens_fuzz::on_page_stack;

fuzz_target!(|data: &[u8]| on_page_stack(|| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The first line of each chunk is the file name; chunks are separated by a form feed.
    let files: Vec<InputFile> = text
        .split('\u{c}')
        .map(|chunk| {
            let (name, body) = chunk.split_once('\n').unwrap_or(("requirements.txt", chunk));
            InputFile::new(name, body)
        })
        .collect();
    let _ = parse_files(&files);
}));
