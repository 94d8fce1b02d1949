//! `bool` <-> `bool`. Integers are refused: `1` is not a WIT bool.

use pyo3::prelude::*;
use pyo3::types::PyBool;
use wasmtime::component::Val;

use super::Cx;

use super::error::ConvError;
use super::unexpected;

pub struct BoolConverter;

impl BoolConverter {
    pub fn lower(&self, obj: &Bound<'_, PyAny>, _cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        match obj.downcast::<PyBool>() {
            Ok(b) => Ok(Val::Bool(b.is_true())),
            Err(_) => Err(ConvError::wrong_type("bool", obj)),
        }
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        _cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match val {
            Val::Bool(b) => Ok(PyBool::new(py, b).to_owned().into_any()),
            other => Err(unexpected("bool", &other)),
        }
    }
}
