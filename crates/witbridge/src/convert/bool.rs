//! `bool` <-> `bool`. Integers are refused: `1` is not a WIT bool.

use pyo3::prelude::*;
use pyo3::types::PyBool;
use witbridge_core::abi::TapeReader;

use super::error::ConvError;
use super::{Fault, Mat, Prep};

pub struct BoolConverter;

impl BoolConverter {
    /// The checked value as a tape word.
    pub fn word(&self, obj: &Bound<'_, PyAny>) -> Result<u64, ConvError> {
        match obj.downcast::<PyBool>() {
            Ok(b) => Ok(u64::from(b.is_true())),
            Err(_) => Err(ConvError::wrong_type("bool", obj)),
        }
    }

    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        cx.tape.push_word(self.word(obj)?);
        Ok(())
    }

    pub fn object<'py>(&self, py: Python<'py>, word: u64) -> Bound<'py, PyAny> {
        PyBool::new(py, word != 0).to_owned().into_any()
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        _cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        Ok(self.object(py, src.word()?))
    }
}
