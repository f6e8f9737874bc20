//! Reading files the user chose or dropped.

use wasm_bindgen_futures::JsFuture;

use crate::sources::{decode_file, DecodedFile, InputFile};

/// The largest file read, in bytes. Larger files are refused with a message rather than freezing the tab.
pub const MAX_FILE_BYTES: f64 = 10.0 * 1024.0 * 1024.0;

/// The files of a `FileList`, taken out at once: the list is live, and clearing its input empties it.
pub fn take_files(list: &web_sys::FileList) -> Vec<web_sys::File> {
    (0..list.length()).filter_map(|index| list.get(index)).collect()
}

/// Reads every file as text. A file that cannot be read or is too large gives an error message.
pub async fn read_all(files: Vec<web_sys::File>) -> Vec<Result<InputFile, String>> {
    let mut read = Vec::new();
    for file in &files {
        read.push(read_one(file).await);
    }
    read
}

async fn read_one(file: &web_sys::File) -> Result<InputFile, String> {
    let name = file.name();
    if file.size() > MAX_FILE_BYTES {
        return Err(format!("`{name}` is {:.1} MB; the limit is 10 MB", file.size() / 1024.0 / 1024.0));
    }
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(|_| format!("`{name}` could not be read"))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let text = decode_text(&bytes).ok_or_else(|| format!("`{name}` is not a text file"))?;
    Ok(InputFile::new(name, text))
}

/// Decodes Unicode text (UTF-8, or UTF-16 as PowerShell writes it), falling back to Windows-1252, which is what
/// older Windows tools write.
fn decode_text(bytes: &[u8]) -> Option<String> {
    match decode_file(bytes) {
        DecodedFile::Text(text) => Some(text),
        DecodedFile::Binary => None,
        DecodedFile::Legacy => {
            let decoder = web_sys::TextDecoder::new_with_label("windows-1252").ok()?;
            decoder.decode_with_u8_array(bytes).ok()
        }
    }
}
