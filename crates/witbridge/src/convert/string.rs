//! `string` <-> `str`.

use pyo3::prelude::*;
use pyo3::types::PyString;
use wasmtime::component::Val;

use super::Cx;

use super::error::{ConvError, Refusal};
use super::unexpected;

pub struct StringConverter;

impl StringConverter {
    pub fn lower(&self, obj: &Bound<'_, PyAny>, _cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        let Ok(s) = obj.downcast::<PyString>() else {
            return Err(ConvError::wrong_type("string (a str)", obj));
        };
        match s.to_str() {
            Ok(text) => Ok(Val::String(text.to_owned())),
            Err(_) => Err(ConvError::new(
                Refusal::Value,
                format!(
                    "expected string, got {} (it holds a lone surrogate, which is not valid Unicode)",
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
            Val::String(s) => Ok(PyString::new(py, &s).into_any()),
            other => Err(unexpected("string", &other)),
        }
    }
}
