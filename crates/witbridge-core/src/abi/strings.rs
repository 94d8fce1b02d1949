//! Strings in the three encodings of the canonical ABI: UTF-8, UTF-16 and
//! latin1+UTF-16 (latin-1 when every character fits, else UTF-16 with the
//! top bit of the length set).
//!
//! A string from the host is valid UTF-8; one from a guest is whatever its
//! encoding allows, and is checked by whoever reads it first: a host
//! decoding it into its own string type (CPython's decoders check), or
//! this module when it goes to another guest or into a `Val`.

use std::borrow::Cow;

use super::tape::Text;

/// The bit of a latin1+UTF-16 length that says "UTF-16".
pub const UTF16_TAG: u32 = 1 << 31;

/// The longest string, in bytes, the canonical ABI can describe.
pub const MAX_BYTES: usize = (1 << 31) - 1;

/// `bytes` in `text` as a checked `str`: borrowed when it is UTF-8 already,
/// decoded otherwise.
pub fn to_str(bytes: &[u8], text: Text) -> wasmtime::Result<Cow<'_, str>> {
    match text {
        // SAFETY: `Text::Utf8` runs are valid UTF-8 by construction (a
        // host's string, or one checked already).
        Text::Utf8 => Ok(Cow::Borrowed(unsafe {
            std::str::from_utf8_unchecked(bytes)
        })),
        Text::UncheckedUtf8 => std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|e| wasmtime::format_err!("invalid utf-8 in a string from the guest ({e})")),
        Text::Latin1 => Ok(match std::str::from_utf8(bytes) {
            // Latin-1's ASCII range is the same in UTF-8.
            Ok(ascii) if ascii.is_ascii() => Cow::Borrowed(ascii),
            _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
        }),
        Text::Utf16 => {
            let units = bytes
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .map(Cow::Owned)
                .map_err(|e| {
                    wasmtime::format_err!("invalid utf-16 in a string from the guest ({e})")
                })
        }
    }
}

/// The UTF-16 code units of `s`.
pub fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    s.chars().map(char::len_utf16).sum()
}

/// Writes `s` as little-endian UTF-16 into `out`, which is exactly
/// `2 * utf16_len(s)` bytes.
pub fn write_utf16(s: &str, out: &mut [u8]) {
    for (unit, pair) in s.encode_utf16().zip(out.chunks_exact_mut(2)) {
        pair.copy_from_slice(&unit.to_le_bytes());
    }
}

/// `s` as latin-1, when every character fits in one byte.
pub fn latin1(s: &str) -> Option<Cow<'_, [u8]>> {
    if s.is_ascii() {
        return Some(Cow::Borrowed(s.as_bytes()));
    }
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_reads_back_the_same_text() {
        let text = "héllo wörld ✓ 😀";
        let mut utf16 = vec![0u8; 2 * utf16_len(text)];
        write_utf16(text, &mut utf16);
        assert_eq!(utf16_len(text), text.encode_utf16().count());
        assert_eq!(to_str(&utf16, Text::Utf16).unwrap(), text);
        assert_eq!(to_str(text.as_bytes(), Text::UncheckedUtf8).unwrap(), text);
        let latin = latin1("héllo").unwrap();
        assert_eq!(&*latin, b"h\xe9llo");
        assert_eq!(to_str(&latin, Text::Latin1).unwrap(), "héllo");
        assert!(latin1(text).is_none(), "✓ is not latin-1");
        assert!(matches!(latin1("plain"), Some(Cow::Borrowed(_))));
    }

    #[test]
    fn broken_guest_strings_are_errors() {
        assert!(to_str(b"\xff", Text::UncheckedUtf8).is_err());
        // A lone high surrogate.
        assert!(to_str(&0xd800u16.to_le_bytes(), Text::Utf16).is_err());
    }
}
