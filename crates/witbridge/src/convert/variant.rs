//! `variant` <-> per-case classes `<Variant><Case>` under a common base; a
//! case with a payload keeps it in `.value`.

use pyo3::prelude::*;
use pyo3::types::PyType;
use witbridge_core::abi::TapeReader;

use super::error::ConvError;
use super::{Converter, Fault, Mat, Prep};

pub struct Case {
    pub class: Py<PyType>,
    pub wit_name: String,
    pub payload: Option<Converter>,
}

pub struct VariantConverter {
    pub cases: Vec<Case>,
    /// `variant shape (one of ShapeCircle, ShapeRect, ...)`.
    pub expected: String,
}

impl VariantConverter {
    fn case_of(&self, obj: &Bound<'_, PyAny>) -> Option<(usize, &Case)> {
        let py = obj.py();
        let ty = obj.get_type();
        // Exact class first (the common case, and cheap), then subclasses.
        let mut cases = self.cases.iter().enumerate();
        cases
            .clone()
            .find(|(_, c)| ty.is(c.class.bind(py)))
            .or_else(|| {
                cases
                    .clone()
                    .find(|(_, c)| obj.is_instance(c.class.bind(py)).unwrap_or(false))
            })
            .or_else(|| {
                // The same WIT variant's case class from another component.
                cases.find(|(_, c)| {
                    c.class
                        .bind(py)
                        .getattr("__wit_name__")
                        .and_then(|n| n.extract::<String>())
                        .is_ok_and(|n| super::same_wit_type(obj, &n))
                })
            })
    }

    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        let Some((index, case)) = self.case_of(obj) else {
            return Err(ConvError::wrong_type(&self.expected, obj));
        };
        cx.tape.push_word(index as u64);
        if let Some(conv) = &case.payload {
            let value = obj.getattr(pyo3::intern!(obj.py(), "value"))?;
            conv.prepare(&value, cx).map_err(|e| e.in_field("value"))?;
        }
        Ok(())
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        let index = src.word()?;
        let case = usize::try_from(index)
            .ok()
            .and_then(|i| self.cases.get(i))
            .ok_or_else(|| wasmtime::format_err!("discriminant {index} out of range"))?;
        let class = case.class.bind(py);
        Ok(match &case.payload {
            Some(conv) => class.call1((conv.materialize(py, src, cx)?,))?,
            None => class.call0()?,
        })
    }
}
