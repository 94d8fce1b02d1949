//! The text format (WAT) of a component or core module, as `wasm2wat` and
//! `wasm-tools print` show it.
//!
//! ```
//! let text = witbridge_core::wat_text::print(b"\0asm\x01\0\0\0").unwrap();
//! assert_eq!(text.trim(), "(module)");
//! ```

use crate::error::{LoadError, chain};
use crate::load::wasm_binary;

/// The WAT of `input` (a binary, or WAT text, which is printed again in the
/// canonical layout).
pub fn print(input: &[u8]) -> Result<String, LoadError> {
    let binary = wasm_binary(input)?;
    wasmprinter::print_bytes(&binary)
        .map_err(|e| LoadError::compile("cannot print this binary as WAT", chain(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_components_and_modules() {
        let text = print(br#"(component (core module (func (export "f"))))"#).unwrap();
        assert!(text.starts_with("(component"), "{text}");
        assert!(text.contains("(export \"f\""), "{text}");
        let text = print(&wat::parse_str("(module (memory 1))").unwrap()).unwrap();
        assert!(text.contains("(memory (;0;) 1)"), "{text}");
    }

    #[test]
    fn garbage_is_refused() {
        assert!(print(b"\0asm\x01\0\0\0\x05garbage").is_err());
        assert!(print(b"nope").is_err());
    }
}
