//! `tuple<...>` <-> `tuple`; a list of the right length is accepted too.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use wasmtime::component::Val;

use super::Cx;

use super::error::{ConvError, Refusal};
use super::{Converter, unexpected};

pub struct TupleConverter {
    pub items: Vec<Converter>,
    /// `tuple<u8, string>`, for refusals.
    pub wit: String,
}

impl TupleConverter {
    pub fn lower(&self, obj: &Bound<'_, PyAny>, cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        let values: Vec<Bound<'_, PyAny>> = if let Ok(t) = obj.downcast::<PyTuple>() {
            t.iter().collect()
        } else if let Ok(l) = obj.downcast::<PyList>() {
            l.iter().collect()
        } else {
            return Err(ConvError::wrong_type(
                &format!("{} (a tuple)", self.wit),
                obj,
            ));
        };
        if values.len() != self.items.len() {
            return Err(ConvError::new(
                Refusal::Value,
                format!(
                    "expected {} ({} items), got {} items",
                    self.wit,
                    self.items.len(),
                    values.len()
                ),
            ));
        }
        self.items
            .iter()
            .zip(values.iter())
            .enumerate()
            .map(|(i, (conv, v))| conv.lower(v, cx).map_err(|e| e.at_index(i)))
            .collect::<Result<_, _>>()
            .map(Val::Tuple)
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Val::Tuple(values) = val else {
            return Err(unexpected(&self.wit, &val));
        };
        let lifted = self
            .items
            .iter()
            .zip(values)
            .map(|(conv, v)| conv.lift(py, v, cx))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyTuple::new(py, lifted)?.into_any())
    }
}
