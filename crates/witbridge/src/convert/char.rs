//! `char` <-> a `str` of length 1 holding a Unicode scalar value.

use pyo3::prelude::*;
use pyo3::types::PyString;
use witbridge_core::abi::TapeReader;

use super::error::{ConvError, Refusal};
use super::{Fault, Mat, Prep};

pub struct CharConverter;

impl CharConverter {
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        cx.tape.push_word(self.word(obj)?);
        Ok(())
    }

    /// The checked value as a tape word: its scalar value.
    pub fn word(&self, obj: &Bound<'_, PyAny>) -> Result<u64, ConvError> {
        let Ok(s) = obj.downcast::<PyString>() else {
            return Err(ConvError::wrong_type("char (a str of length 1)", obj));
        };
        // A lone surrogate cannot be encoded as UTF-8: that's the one str of
        // length 1 that is not a Unicode scalar value.
        let Ok(text) = s.to_str() else {
            return Err(ConvError::new(
                Refusal::Value,
                format!(
                    "expected char (a Unicode scalar value), got {} (a lone surrogate)",
                    super::error::describe(obj)
                ),
            ));
        };
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(u64::from(u32::from(c))),
            _ => Err(ConvError::new(
                Refusal::Value,
                format!(
                    "expected char (a str of length 1), got {}",
                    super::error::describe(obj)
                ),
            )),
        }
    }

    /// The Python str of a tape word (a scalar value the ABI checked).
    pub fn object<'py>(&self, py: Python<'py>, word: u64) -> Result<Bound<'py, PyAny>, Fault> {
        let c = char::from_u32(word as u32)
            .ok_or_else(|| wasmtime::format_err!("the guest passed an invalid char: {word:#x}"))?;
        Ok(PyString::new(py, c.encode_utf8(&mut [0; 4])).into_any())
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        _cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        self.object(py, src.word()?)
    }
}
