//! `enum` <-> a generated `enum.Enum` whose values are the WIT case names.
//! Arguments may be the member or its WIT name as a string.

use pyo3::prelude::*;
use pyo3::types::PyString;
use witbridge_core::abi::TapeReader;

use super::error::{ConvError, Refusal};
use super::{Fault, Mat, Prep};

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
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        cx.tape.push_word(self.index(obj)? as u64);
        Ok(())
    }

    fn index(&self, obj: &Bound<'_, PyAny>) -> Result<usize, ConvError> {
        if let Some(index) = self.members.iter().position(|(_, m)| obj.is(m)) {
            return Ok(index);
        }
        if super::same_wit_type(obj, &self.wit_name) {
            let value = obj.getattr(pyo3::intern!(obj.py(), "value"))?;
            if let Some(index) = value.downcast::<PyString>().ok().and_then(|v| {
                self.members
                    .iter()
                    .position(|(n, _)| v.to_str().is_ok_and(|v| v == n))
            }) {
                return Ok(index);
            }
        }
        if let Ok(s) = obj.downcast::<PyString>() {
            let text = s.to_str().unwrap_or_default();
            if let Some(index) = self.members.iter().position(|(n, _)| n == text) {
                return Ok(index);
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

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        _cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        let index = src.word()?;
        let (_, member) = usize::try_from(index)
            .ok()
            .and_then(|i| self.members.get(i))
            .ok_or_else(|| wasmtime::format_err!("discriminant {index} out of range"))?;
        Ok(member.bind(py).clone())
    }
}
