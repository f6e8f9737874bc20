//! Unpadded base64url (RFC 4648 §5), the alphabet that survives in a URL fragment unescaped. A few lines here
//! cost less page weight than a general base64 crate.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Encodes `bytes` without padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let word =
            chunk.iter().enumerate().fold(0u32, |word, (index, byte)| word | u32::from(*byte) << (16 - 8 * index));
        for index in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(word >> (18 - 6 * index) & 63) as usize]));
        }
    }
    out
}

/// Decodes unpadded base64url; `None` for any other character or an impossible length.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if digits.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() / 4 * 3 + 2);
    for chunk in digits.chunks(4) {
        let mut word = 0u32;
        for (index, digit) in chunk.iter().enumerate() {
            let value = match digit {
                b'A'..=b'Z' => digit - b'A',
                b'a'..=b'z' => digit - b'a' + 26,
                b'0'..=b'9' => digit - b'0' + 52,
                b'-' => 62,
                b'_' => 63,
                _ => return None,
            };
            word |= u32::from(value) << (18 - 6 * index);
        }
        for index in 0..chunk.len() - 1 {
            out.push((word >> (16 - 8 * index)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_4648_test_vectors_round_trip() {
        // RFC 4648 §10, without padding, in the URL-safe alphabet.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(decode(encoded).as_deref(), Some(plain.as_bytes()));
        }
        let every_byte: Vec<u8> = (0..=255).collect();
        let encoded = encode(&every_byte);
        assert!(encoded.contains('-') && encoded.contains('_') && !encoded.contains('+') && !encoded.contains('/'));
        assert_eq!(decode(&encoded), Some(every_byte));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["Z", "Zm9vY", "Zm+v", "Zm/v", "Zm9v=", "Zm 9v", "é"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
