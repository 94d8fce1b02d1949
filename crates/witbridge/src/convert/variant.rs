//! `variant` <-> per-case classes `<Variant><Case>` under a common base; a
//! case with a payload keeps it in `.value`.

use pyo3::prelude::*;
use pyo3::types::PyType;
use wasmtime::component::Val;

use super::Cx;

use super::error::ConvError;
use super::{Converter, unexpected};

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
    fn case_of(&self, obj: &Bound<'_, PyAny>) -> Option<&Case> {
        let py = obj.py();
        let ty = obj.get_type();
        // Exact class first (the common case, and cheap), then subclasses.
        self.cases
            .iter()
            .find(|c| ty.is(c.class.bind(py)))
            .or_else(|| {
                self.cases
                    .iter()
                    .find(|c| obj.is_instance(c.class.bind(py)).unwrap_or(false))
            })
            .or_else(|| {
                // The same WIT variant's case class from another component.
                self.cases.iter().find(|c| {
                    c.class
                        .bind(py)
                        .getattr("__wit_name__")
                        .and_then(|n| n.extract::<String>())
                        .is_ok_and(|n| super::same_wit_type(obj, &n))
                })
            })
    }

    pub fn lower(&self, obj: &Bound<'_, PyAny>, cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        let Some(case) = self.case_of(obj) else {
            return Err(ConvError::wrong_type(&self.expected, obj));
        };
        let payload = match &case.payload {
            None => None,
            Some(conv) => {
                let value = obj.getattr(pyo3::intern!(obj.py(), "value"))?;
                Some(Box::new(
                    conv.lower(&value, cx).map_err(|e| e.in_field("value"))?,
                ))
            }
        };
        Ok(Val::Variant(case.wit_name.clone(), payload))
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Val::Variant(name, payload) = val else {
            return Err(unexpected(&self.expected, &val));
        };
        let Some(case) = self.cases.iter().find(|c| c.wit_name == name) else {
            return Err(unexpected(&self.expected, &Val::Variant(name, payload)));
        };
        let class = case.class.bind(py);
        match (&case.payload, payload) {
            (Some(conv), Some(value)) => class.call1((conv.lift(py, *value, cx)?,)),
            (None, None) => class.call0(),
            (_, payload) => Err(unexpected(&self.expected, &Val::Variant(name, payload))),
        }
    }
}
