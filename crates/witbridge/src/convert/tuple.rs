//! `tuple<...>` <-> `tuple`; a list of the right length is accepted too.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use witbridge_core::abi::TapeReader;

use super::error::{ConvError, Refusal};
use super::{Converter, Fault, Mat, Prep};

pub struct TupleConverter {
    pub items: Vec<Converter>,
    /// `tuple<u8, string>`, for refusals.
    pub wit: String,
}

impl TupleConverter {
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
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
        for (i, (conv, v)) in self.items.iter().zip(values.iter()).enumerate() {
            conv.prepare(v, cx).map_err(|e| e.at_index(i))?;
        }
        Ok(())
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        let items = self
            .items
            .iter()
            .map(|conv| conv.materialize(py, src, cx))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PyTuple::new(py, items)?.into_any())
    }
}
