//! Byte searches for the requirements parser's long lines, eight bytes at a time.
//!
//! A pip-compile file is mostly `--hash=sha256:…` values: every byte of them is read several times (for a comment,
//! a `${VAR}`, the end of a word), and in wasm the standard library's searches read four bytes at a time, or one.
//! Each search here reads a 64-bit word, flags the bytes that may match with the usual borrow trick, and reports the
//! lowest flagged byte, which always matches: a borrow only spreads from a matching byte to the bytes above it.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The high bit of every byte of `word` that is zero (and possibly of bytes above the first such byte).
fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGH_BITS
}

/// The high bit of every byte of `word` below `limit` (at most 128), as [`zero_bytes`] does for zero.
fn bytes_below(word: u64, limit: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(limit)) & !word & HIGH_BITS
}

/// Finds the first byte of `bytes` for which `flags` (given a little-endian word) sets a high bit, and
/// `matches` (given a byte) is true. `flags` must flag every matching byte; its lowest flag must match.
fn find_flagged(bytes: &[u8], flags: impl Fn(u64) -> u64, matches: impl Fn(u8) -> bool) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("chunks of eight bytes"));
        let flagged = flags(word);
        if flagged != 0 {
            return Some(offset + flagged.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    chunks.remainder().iter().position(|&byte| matches(byte)).map(|index| offset + index)
}

/// The index of the first `byte` in `text`. The standard library's search spends longer setting up than a short
/// requirement takes to read.
pub(crate) fn find_byte(text: &str, byte: u8) -> Option<usize> {
    let everywhere = ONES * u64::from(byte);
    find_flagged(text.as_bytes(), |word| zero_bytes(word ^ everywhere), |candidate| candidate == byte)
}

/// `text` split at the first `byte` (which must be ASCII), without it.
pub(crate) fn split_at_byte(text: &str, byte: u8) -> Option<(&str, &str)> {
    debug_assert!(byte.is_ascii());
    find_byte(text, byte).map(|at| (&text[..at], &text[at + 1..]))
}

/// The index of the first byte of `bytes` that is `first` or `second`.
pub(crate) fn find_either(bytes: &[u8], first: u8, second: u8) -> Option<usize> {
    let (first_everywhere, second_everywhere) = (ONES * u64::from(first), ONES * u64::from(second));
    find_flagged(
        bytes,
        |word| zero_bytes(word ^ first_everywhere) | zero_bytes(word ^ second_everywhere),
        |byte| byte == first || byte == second,
    )
}

/// The index of the first byte of `bytes` that may end a run of plain word characters in shell-like splitting: a
/// byte below `(` (whitespace, quotes, and some punctuation that the caller checks again), a backslash, or the
/// start of a non-ASCII character. `bytes.len()` when there is none.
pub(crate) fn find_word_break_candidate(bytes: &[u8]) -> usize {
    let backslashes = ONES * u64::from(b'\\');
    find_flagged(
        bytes,
        |word| bytes_below(word, b'(') | zero_bytes(word ^ backslashes) | (word & HIGH_BITS),
        |byte| byte < b'(' || byte == b'\\' || !byte.is_ascii(),
    )
    .unwrap_or(bytes.len())
}

/// The index of the first byte of `bytes` that ends or spoils a one-line TOML string opened by `quote`: the quote,
/// a backslash, or a control character (tab included, which the caller allows). `bytes.len()` when there is none.
pub(crate) fn find_string_stop(bytes: &[u8], quote: u8) -> usize {
    let (quotes, backslashes, deletes) = (ONES * u64::from(quote), ONES * u64::from(b'\\'), ONES * 0x7f);
    find_flagged(
        bytes,
        |word| {
            bytes_below(word, b' ')
                | zero_bytes(word ^ quotes)
                | zero_bytes(word ^ backslashes)
                | zero_bytes(word ^ deletes)
        },
        |byte| byte < b' ' || byte == quote || byte == b'\\' || byte == 0x7f,
    )
    .unwrap_or(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value at every position of inputs longer than a word, against the obvious search.
    #[test]
    fn agrees_with_a_search_byte_by_byte() {
        let plain = b"sha256:0123456789abcdefABCDEF-_.=/+";
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 31, 40] {
            for position in 0..length {
                for value in 0..=255u8 {
                    let mut bytes: Vec<u8> = plain.iter().cycle().take(length).copied().collect();
                    bytes[position] = value;
                    let expected = bytes.iter().position(|&byte| byte == b'#' || byte == b'$');
                    assert_eq!(find_either(&bytes, b'#', b'$'), expected, "{bytes:?}");
                    if let Ok(text) = std::str::from_utf8(&bytes) {
                        assert_eq!(find_byte(text, b';'), text.find(';'), "{text:?}");
                        assert_eq!(split_at_byte(text, b':'), text.split_once(':'), "{text:?}");
                    }
                    let candidate = bytes.iter().position(|&byte| byte < b'(' || byte == b'\\' || byte >= 0x80);
                    assert_eq!(find_word_break_candidate(&bytes), candidate.unwrap_or(length), "{bytes:?}");
                    let stop =
                        bytes.iter().position(|&byte| byte < b' ' || byte == b'"' || byte == b'\\' || byte == 0x7f);
                    assert_eq!(find_string_stop(&bytes, b'"'), stop.unwrap_or(length), "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn the_first_of_several_matches_is_found() {
        // A matching byte followed by bytes just above it: the borrow must not hide the first one.
        let bytes = b"abcdefg#$#\x01\x00 x";
        assert_eq!(find_either(bytes, b'#', b'$'), Some(7));
        assert_eq!(find_either(b"aaaaaaaaaaaa$", b'#', b'$'), Some(12));
        assert_eq!(find_word_break_candidate(b"abcdefgh\x00\x01 "), 8);
        assert_eq!(find_word_break_candidate("abcdefghé".as_bytes()), 8);
        assert_eq!(find_word_break_candidate(b"abcdefghij"), 10);
    }
}
