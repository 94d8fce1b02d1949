//! `flags` <-> a generated `enum.Flag`; arguments may also be a set (or list
//! or tuple) of WIT flag names.

use pyo3::prelude::*;
use pyo3::types::{PyFrozenSet, PyList, PySet, PyString, PyTuple, PyType};
use wasmtime::component::Val;

use super::Cx;

use super::error::{ConvError, Refusal};
use super::unexpected;

pub struct FlagsConverter {
    pub class: Py<PyType>,
    /// WIT names; the n-th is the bit `1 << n`.
    pub names: Vec<String>,
    /// `flags perms (Perms or a set of 'read', 'write', ...)`.
    pub expected: String,
}

impl FlagsConverter {
    pub fn lower(&self, obj: &Bound<'_, PyAny>, _cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        let py = obj.py();
        // Its own class, or the class another component made for the same WIT flags.
        if obj.is_instance(self.class.bind(py))? || self.same_flags_class(obj)? {
            let bits: u64 = obj.getattr(pyo3::intern!(py, "value"))?.extract()?;
            let names = self
                .names
                .iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, n)| n.clone())
                .collect();
            return Ok(Val::Flags(names));
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
        let names = (0..self.names.len())
            .filter(|i| bits & (1 << i) != 0)
            .map(|i| self.names[i].clone())
            .collect();
        Ok(Val::Flags(names))
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

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        _cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Val::Flags(set) = val else {
            return Err(unexpected(&self.expected, &val));
        };
        let mut bits = 0u64;
        for name in &set {
            match self.names.iter().position(|n| n == name) {
                Some(i) => bits |= 1 << i,
                None => return Err(unexpected(&self.expected, &Val::Flags(set.clone()))),
            }
        }
        self.class.bind(py).call1((bits,))
    }
}
