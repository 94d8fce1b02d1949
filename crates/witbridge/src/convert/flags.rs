//! `flags` <-> a generated `enum.Flag`; arguments may also be a set (or list
//! or tuple) of WIT flag names.

use pyo3::prelude::*;
use pyo3::types::{PyFrozenSet, PyList, PySet, PyString, PyTuple, PyType};
use witbridge_core::abi::TapeReader;

use super::error::{ConvError, Refusal};
use super::{Fault, Mat, Prep};

pub struct FlagsConverter {
    pub class: Py<PyType>,
    /// WIT names; the n-th is the bit `1 << n`.
    pub names: Vec<String>,
    /// `flags perms (Perms or a set of 'read', 'write', ...)`.
    pub expected: String,
}

impl FlagsConverter {
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        cx.tape.push_word(self.bits(obj)?);
        Ok(())
    }

    fn bits(&self, obj: &Bound<'_, PyAny>) -> Result<u64, ConvError> {
        let py = obj.py();
        // Its own class, or the class another component made for the same WIT flags.
        if obj.is_instance(self.class.bind(py))? || self.same_flags_class(obj)? {
            let bits: u64 = obj.getattr(pyo3::intern!(py, "value"))?.extract()?;
            let known = if self.names.len() >= 64 {
                u64::MAX
            } else {
                (1u64 << self.names.len()) - 1
            };
            return Ok(bits & known);
        }
        let is_collection = obj.is_instance_of::<PySet>()
            || obj.is_instance_of::<PyFrozenSet>()
            || obj.is_instance_of::<PyList>()
            || obj.is_instance_of::<PyTuple>();
        if !is_collection {
            return Err(ConvError::wrong_type(&self.expected, obj));
        }
        let mut bits = 0u64;
        for item in obj.try_iter()? {
            let item = item?;
            let Ok(name) = item.downcast::<PyString>() else {
                return Err(ConvError::wrong_type(&self.expected, &item));
            };
            let name = name.to_str().unwrap_or_default();
            let Some(index) = self.names.iter().position(|n| n == name) else {
                return Err(ConvError::new(
                    Refusal::Value,
                    format!(
                        "expected {}, got unknown flag {}",
                        self.expected,
                        item.repr()?
                    ),
                ));
            };
            bits |= 1 << index;
        }
        Ok(bits)
    }

    fn same_flags_class(&self, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(wit_name) = self
            .class
            .bind(obj.py())
            .getattr("__wit_name__")?
            .extract::<String>()
        else {
            return Ok(false);
        };
        if !super::same_wit_type(obj, &wit_name) {
            return Ok(false);
        }
        let theirs: Vec<String> = obj
            .get_type()
            .getattr("__members__")?
            .call_method0("keys")?
            .try_iter()?
            .map(|k| k?.extract())
            .collect::<PyResult<_>>()?;
        let ours: Vec<String> = self
            .class
            .bind(obj.py())
            .getattr("__members__")?
            .call_method0("keys")?
            .try_iter()?
            .map(|k| k?.extract())
            .collect::<PyResult<_>>()?;
        Ok(theirs == ours)
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        _cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        Ok(self.class.bind(py).call1((src.word()?,))?)
    }
}
