//! The share link: the inputs, the settings and the ignores in the page address's fragment, so that a report can be
//! shown to someone else without uploading anything. Browsers never send the fragment to a server.
//!
//! Format, version 1: `r=v1.<payload>`, where the payload is the [`Shared`] JSON compressed with DEFLATE in a zlib
//! wrapper (RFC 1950: its Adler-32 check catches most tampering) and written in unpadded base64url (RFC 4648 §5,
//! [`base64url`]).
//! Opening a link re-runs the audit, so the link stays small and the findings are current. Later versions must keep
//! decoding `v1` links: the fixture `tests/fixtures/share/v1-*.txt` holds one.
//!
//! Decoding is defensive: the link's length, the inflated size (so that a small link cannot inflate into gigabytes),
//! the number and size of files are all bounded, and every failure is a [`ShareError`] with a message for people.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::triage::Ignore;

/// The fragment key: `#r=…`.
pub const FRAGMENT_KEY: &str = "r=";
/// The longest link payload read, in characters.
pub const MAX_LINK_CHARS: usize = 512 * 1024;
/// The most bytes a payload may inflate to.
pub const MAX_INFLATED_BYTES: usize = 8 * 1024 * 1024;
/// The most files a link may carry.
pub const MAX_FILES: usize = 64;
/// The most text the paste box takes, in UTF-16 code units (what the browser counts): about 4 MB. A link's pasted
/// text obeys the same limit as a paste.
pub const MAX_PASTE_CHARS: usize = 4 * 1024 * 1024;

/// What a link carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shared {
    /// When the link was made (RFC 3339).
    pub created: String,
    /// The chosen files, in order.
    #[serde(default)]
    pub files: Vec<SharedFile>,
    /// The paste box's text.
    #[serde(default)]
    pub pasted: String,
    /// The page's settings, by name; a reader ignores names it does not know.
    #[serde(default)]
    pub settings: BTreeMap<String, serde_json::Value>,
    /// The ignore rules.
    #[serde(default)]
    pub ignores: Vec<Ignore>,
}

/// The settings key of [`SharedResolution`].
pub const RESOLUTION_KEY: &str = "resolution";

/// How the link's audit resolved its input: whether it did, for which target, and as of which day. A reader's audit
/// of the link uses them (and leaves the reader's own settings as they are), so that it resolves to the same pins.
/// The index is not carried: a link never chooses where the reader's package names are sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedResolution {
    /// Whether inputs that are not fully pinned were resolved.
    pub resolve: bool,
    /// The target (its Python version and platform).
    pub target: crate::environment::TargetEnvironment,
    /// The "as of" day, when there was one.
    #[serde(default)]
    pub as_of: Option<String>,
}

impl Shared {
    /// The resolution the link's audit used, when the link says (links made before it was carried do not).
    pub fn resolution(&self) -> Option<SharedResolution> {
        let value = self.settings.get(RESOLUTION_KEY)?;
        let resolution: SharedResolution = serde_json::from_value(value.clone()).ok()?;
        let day_is_valid = resolution.as_of.as_deref().is_none_or(|day| crate::settings::check_day(day).is_ok());
        let python = resolution.target.python;
        let known_python =
            (crate::environment::PythonVersion::OLDEST..=crate::environment::PythonVersion::NEWEST).contains(&python);
        (day_is_valid && known_python).then_some(resolution)
    }
}

/// One input file in a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedFile {
    /// Its name.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// Why a link cannot be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareError {
    /// The fragment is not a share link at all.
    NotALink,
    /// A version this build does not know.
    UnknownVersion(String),
    /// Longer than [`MAX_LINK_CHARS`].
    TooLong(usize),
    /// Not base64url.
    BadEncoding,
    /// The compressed data is damaged or was altered.
    Damaged,
    /// It inflates past [`MAX_INFLATED_BYTES`].
    TooLarge,
    /// The content is not what a link holds.
    BadContent(String),
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotALink => f.write_str("the address does not hold a share link"),
            Self::UnknownVersion(version) => {
                write!(f, "the link is format `{version}`, which this version of osv-lens cannot read")
            }
            Self::TooLong(length) => {
                write!(f, "the link is {length} characters long; the limit is {MAX_LINK_CHARS}")
            }
            Self::BadEncoding => f.write_str("the link is not valid base64url; it may have been cut or altered"),
            Self::Damaged => f.write_str("the link's data is damaged or was altered"),
            Self::TooLarge => {
                write!(f, "the link unpacks to more than {} MB; it was refused", MAX_INFLATED_BYTES >> 20)
            }
            Self::BadContent(message) => write!(f, "the link's content cannot be read: {message}"),
        }
    }
}

impl std::error::Error for ShareError {}

/// The fragment (without `#`) for `shared`: `r=v1.<payload>`. Credentials written in URLs of the inputs
/// (`https://user:secret@host/…`, an index URL's usual form) are left out of it: a link is made to be passed on.
pub fn encode(shared: &Shared) -> String {
    let mut encoding = Encoding::new(shared);
    loop {
        if let Some(fragment) = encoding.step() {
            return fragment;
        }
    }
}

/// An [`encode`] done a step at a time, so that a page can pack a large input between frames: compressing half a
/// megabyte of lockfile at once held the page's main thread for about 100 ms.
pub struct Encoding {
    json: Vec<u8>,
    read: usize,
    compressor: Box<miniz_oxide::deflate::core::CompressorOxide>,
    compressed: Vec<u8>,
    written: usize,
}

/// The bytes of JSON one [`Encoding::step`] compresses.
const BYTES_PER_STEP: usize = 64 * 1024;

impl Encoding {
    /// Starts encoding `shared`: credentials are taken out of its texts, and it is written as JSON.
    pub fn new(shared: &Shared) -> Self {
        use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressorOxide};
        let clean = Shared {
            files: shared
                .files
                .iter()
                .map(|file| SharedFile { name: file.name.clone(), text: without_credentials(&file.text).into_owned() })
                .collect(),
            pasted: without_credentials(&shared.pasted).into_owned(),
            ..shared.clone()
        };
        let json = serde_json::to_vec(&clean).expect("a share payload always serialises");
        // Level 6 with a zlib header (window bits > 0), as `compress_to_vec_zlib(json, 6)`.
        let compressor = Box::new(CompressorOxide::new(create_comp_flags_from_zip_params(6, 1, 0)));
        let compressed = vec![0; (json.len() / 2).max(64)];
        Self { json, read: 0, compressor, compressed, written: 0 }
    }

    /// Compresses the next part; the fragment once everything is.
    pub fn step(&mut self) -> Option<String> {
        use miniz_oxide::deflate::core::{compress, TDEFLFlush, TDEFLStatus};
        let end = (self.read + BYTES_PER_STEP).min(self.json.len());
        let flush = if end == self.json.len() { TDEFLFlush::Finish } else { TDEFLFlush::None };
        loop {
            if self.written == self.compressed.len() {
                self.compressed.resize(self.compressed.len() * 2, 0);
            }
            let (status, read, written) =
                compress(&mut self.compressor, &self.json[self.read..end], &mut self.compressed[self.written..], flush);
            self.read += read;
            self.written += written;
            match status {
                TDEFLStatus::Done => {
                    self.compressed.truncate(self.written);
                    return Some(format!("{FRAGMENT_KEY}v1.{}", base64url::encode(&self.compressed)));
                }
                TDEFLStatus::Okay if self.read == end && flush == TDEFLFlush::None => return None,
                TDEFLStatus::Okay => {}
                // The compressor only fails on bad parameters, which are fixed here.
                _ => unreachable!("deflate failed: {status:?}"),
            }
        }
    }
}

/// Reads a fragment (with or without the leading `#`).
pub fn decode(fragment: &str) -> Result<Shared, ShareError> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let link = fragment.strip_prefix(FRAGMENT_KEY).ok_or(ShareError::NotALink)?;
    if link.len() > MAX_LINK_CHARS {
        return Err(ShareError::TooLong(link.len()));
    }
    let (version, payload) = link.split_once('.').ok_or(ShareError::NotALink)?;
    match version {
        "v1" => decode_v1(payload),
        other => Err(ShareError::UnknownVersion(other.chars().take(16).collect())),
    }
}

fn decode_v1(payload: &str) -> Result<Shared, ShareError> {
    // Links pasted from chat programs sometimes gain padding or line breaks; neither carries data.
    let cleaned: String = payload.chars().filter(|c| !c.is_whitespace() && *c != '=').collect();
    let compressed = base64url::decode(&cleaned).ok_or(ShareError::BadEncoding)?;
    let json =
        miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&compressed, MAX_INFLATED_BYTES).map_err(|error| {
            match error.status {
                miniz_oxide::inflate::TINFLStatus::HasMoreOutput => ShareError::TooLarge,
                _ => ShareError::Damaged,
            }
        })?;
    let shared: Shared = serde_json::from_slice(&json).map_err(|error| ShareError::BadContent(error.to_string()))?;
    if shared.files.len() > MAX_FILES {
        return Err(ShareError::BadContent(format!("{} files; the limit is {MAX_FILES}", shared.files.len())));
    }
    if shared.files.iter().any(|file| file.name.trim().is_empty()) {
        return Err(ShareError::BadContent("a file without a name".into()));
    }
    let pasted = shared.pasted.encode_utf16().count();
    if pasted > MAX_PASTE_CHARS {
        return Err(ShareError::BadContent(format!(
            "its pasted text is {:.1} MB; the paste box takes up to {} MB",
            pasted as f64 / 1024.0 / 1024.0,
            MAX_PASTE_CHARS >> 20
        )));
    }
    Ok(shared)
}

/// `text` with the user information of every URL in it removed: `https://user:secret@host/path` becomes
/// `https://host/path`, `git+https://token@github.com/…` becomes `git+https://github.com/…`. A URL is anything
/// after `://` up to whitespace or a quote; its user information is what precedes the last `@` before the first
/// `/`, `?` or `#`.
pub fn without_credentials(text: &str) -> std::borrow::Cow<'_, str> {
    let is_end = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`');
    let mut clean = String::new();
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("://") {
        let authority_start = search + found + 3;
        let rest = &text[authority_start..];
        let url_end = rest.find(is_end).unwrap_or(rest.len());
        let authority_end = rest[..url_end].find(['/', '?', '#']).unwrap_or(url_end);
        if let Some(at) = rest[..authority_end].rfind('@') {
            clean.push_str(&text[copied..authority_start]);
            copied = authority_start + at + 1;
        }
        search = authority_start + authority_end;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    clean.push_str(&text[copied..]);
    std::borrow::Cow::Owned(clean)
}

mod base64url;

#[cfg(test)]
mod tests;
