//! `string` <-> `str`.
//!
//! A `str` goes to the guest as its UTF-8 (which CPython caches in the
//! object), borrowed when large; a guest's string is decoded by CPython's
//! own codec for the guest's encoding, which checks it on the way: one
//! pass, one copy.

use std::ffi::c_char;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;
use witbridge_core::abi::{TapeReader, Text};

use super::error::{ConvError, Refusal};
use super::{Fault, Mat, Prep};

pub struct StringConverter;

impl StringConverter {
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        let Ok(s) = obj.downcast::<PyString>() else {
            return Err(ConvError::wrong_type("string (a str)", obj));
        };
        let Ok(text) = s.to_str() else {
            return Err(ConvError::new(
                Refusal::Value,
                format!(
                    "expected string, got {} (it holds a lone surrogate, which is not valid Unicode)",
                    super::error::describe(obj)
                ),
            ));
        };
        cx.stage(
            || Box::new(s.clone().unbind()),
            text.as_bytes(),
            Some(Text::Utf8),
        );
        Ok(())
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        _cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        let (bytes, text) = src.text()?;
        decode(py, bytes, text)
    }
}

/// A Python `str` of `bytes` in encoding `text`.
pub fn decode<'py>(py: Python<'py>, bytes: &[u8], text: Text) -> Result<Bound<'py, PyAny>, Fault> {
    let ptr = bytes.as_ptr().cast::<c_char>();
    let len = bytes.len() as ffi::Py_ssize_t;
    let strict = c"strict".as_ptr();
    // SAFETY: each decoder reads `len` bytes at `ptr`, which `bytes` holds,
    // and returns a new reference or NULL with an exception set.
    let raw = unsafe {
        match text {
            Text::Utf8 | Text::UncheckedUtf8 => ffi::PyUnicode_DecodeUTF8(ptr, len, strict),
            Text::Latin1 => ffi::PyUnicode_DecodeLatin1(ptr, len, strict),
            Text::Utf16 => {
                let mut little_endian: std::ffi::c_int = -1;
                ffi::PyUnicode_DecodeUTF16(ptr, len, strict, &mut little_endian)
            }
        }
    };
    // SAFETY: as above.
    match unsafe { Bound::from_owned_ptr_or_opt(py, raw) } {
        Some(s) => Ok(s),
        None => {
            let err = PyErr::fetch(py);
            if !err.is_instance_of::<pyo3::exceptions::PyUnicodeDecodeError>(py) {
                return Err(Fault::Python(err)); // out of memory, say
            }
            let encoding = match text {
                Text::Utf16 => "utf-16",
                _ => "utf-8",
            };
            Err(Fault::Guest(wasmtime::format_err!(
                "invalid {encoding} in a string from the guest ({err})"
            )))
        }
    }
}
