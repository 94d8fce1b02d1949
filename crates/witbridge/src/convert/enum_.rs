//! `enum` <-> a generated `enum.Enum` whose values are the WIT case names.
//! Arguments may be the member or its WIT name as a string.

use pyo3::prelude::*;
use pyo3::types::PyString;
use wasmtime::component::Val;

use super::Cx;

use super::error::{ConvError, Refusal};
use super::unexpected;

pub struct EnumConverter {
    /// (WIT name, member), in declaration order.
    pub members: Vec<(String, Py<PyAny>)>,
    /// `enum color (Color or one of 'red', 'green', ...)`.
    pub expected: String,
    /// The WIT name, to accept members of the same enum from another
    /// component (its own generated class).
    pub wit_name: String,
}

impl EnumConverter {
    pub fn lower(&self, obj: &Bound<'_, PyAny>, _cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        if let Some((name, _)) = self.members.iter().find(|(_, m)| obj.is(m)) {
            return Ok(Val::Enum(name.clone()));
        }
        if super::same_wit_type(obj, &self.wit_name) {
            let value = obj.getattr(pyo3::intern!(obj.py(), "value"))?;
            if let Some((name, _)) = value.downcast::<PyString>().ok().and_then(|v| {
                self.members
                    .iter()
                    .find(|(n, _)| v.to_str().is_ok_and(|v| v == n))
            }) {
                return Ok(Val::Enum(name.clone()));
            }
        }
        if let Ok(s) = obj.downcast::<PyString>() {
            let text = s.to_str().unwrap_or_default();
            if let Some((name, _)) = self.members.iter().find(|(n, _)| n == text) {
                return Ok(Val::Enum(name.clone()));
            }
            return Err(ConvError::new(
                Refusal::Value,
                format!(
                    "expected {}, got {}",
                    self.expected,
                    super::error::describe(obj)
                ),
            ));
        }
        Err(ConvError::wrong_type(&self.expected, obj))
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        _cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Val::Enum(name) = &val
            && let Some((_, member)) = self.members.iter().find(|(n, _)| n == name)
        {
            return Ok(member.bind(py).clone());
        }
        Err(unexpected(&self.expected, &val))
    }
}
