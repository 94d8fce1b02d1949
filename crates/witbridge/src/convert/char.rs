//! `char` <-> a `str` of length 1 holding a Unicode scalar value.

use pyo3::prelude::*;
use pyo3::types::PyString;
use wasmtime::component::Val;

use super::Cx;

use super::error::{ConvError, Refusal};
use super::unexpected;

pub struct CharConverter;

impl CharConverter {
    pub fn lower(&self, obj: &Bound<'_, PyAny>, _cx: &mut Cx<'_>) -> Result<Val, ConvError> {
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
            (Some(c), None) => Ok(Val::Char(c)),
            _ => Err(ConvError::new(
                Refusal::Value,
                format!(
                    "expected char (a str of length 1), got {}",
                    super::error::describe(obj)
                ),
            )),
        }
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        _cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match val {
            Val::Char(c) => Ok(PyString::new(py, c.encode_utf8(&mut [0; 4])).into_any()),
            other => Err(unexpected("char", &other)),
        }
    }
}
