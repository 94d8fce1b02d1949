//! `record` <-> a generated dataclass.
//!
//! Accepts the generated class, any object with attributes of the field
//! names (another dataclass, a namedtuple), or a dict keyed by the snake_case
//! or the WIT field names.

use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use wasmtime::component::Val;

use super::Cx;

use super::error::ConvError;
use super::{Converter, unexpected};

pub struct Field {
    /// The Python attribute, `machine_id`.
    pub py_name: Py<PyString>,
    /// The WIT name, `machine-id`, as wasmtime wants it and as a dict key.
    pub wit_name: String,
    pub wit_key: Py<PyString>,
    pub conv: Converter,
}

pub struct RecordConverter {
    pub class: Py<PyType>,
    pub fields: Vec<Field>,
    /// `record point (Point, a dict or an object with attributes x, y)`.
    pub expected: String,
}

impl RecordConverter {
    pub fn lower(&self, obj: &Bound<'_, PyAny>, cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        if let Ok(dict) = obj.downcast::<PyDict>() {
            return self.lower_dict(dict, cx);
        }
        let py = obj.py();
        let mut out = Vec::with_capacity(self.fields.len());
        for field in &self.fields {
            let name = field.py_name.bind(py);
            let value = match obj.getattr(name) {
                Ok(value) => value,
                Err(err) if err.is_instance_of::<PyAttributeError>(py) => {
                    // An object with some of the fields is probably a typo;
                    // say which one is missing.
                    let partial = self
                        .fields
                        .iter()
                        .any(|f| obj.hasattr(f.py_name.bind(py)).unwrap_or(false));
                    let expected = if partial {
                        format!("{} (it has no attribute {name})", self.expected)
                    } else {
                        self.expected.clone()
                    };
                    return Err(ConvError::wrong_type(&expected, obj));
                }
                Err(err) => return Err(err.into()),
            };
            out.push(self.lower_field(field, &value, cx)?);
        }
        Ok(Val::Record(out))
    }

    fn lower_field(
        &self,
        field: &Field,
        value: &Bound<'_, PyAny>,
        cx: &mut Cx<'_>,
    ) -> Result<(String, Val), ConvError> {
        let val = field.conv.lower(value, cx).map_err(|e| {
            e.in_field(
                field
                    .py_name
                    .bind(value.py())
                    .to_str()
                    .unwrap_or(&field.wit_name),
            )
        })?;
        Ok((field.wit_name.clone(), val))
    }

    fn lower_dict(&self, dict: &Bound<'_, PyDict>, cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        let py = dict.py();
        let mut out = Vec::with_capacity(self.fields.len());
        for field in &self.fields {
            let value = match dict.get_item(field.py_name.bind(py))? {
                Some(v) => v,
                None => dict.get_item(field.wit_key.bind(py))?.ok_or_else(|| {
                    ConvError::wrong_type(
                        &format!(
                            "{} (the dict has no key '{}')",
                            self.expected,
                            field.py_name.bind(py)
                        ),
                        dict.as_any(),
                    )
                })?,
            };
            out.push(self.lower_field(field, &value, cx)?);
        }
        if dict.len() > self.fields.len() {
            for key in dict.keys() {
                let known = self.fields.iter().any(|f| {
                    key.eq(f.py_name.bind(py)).unwrap_or(false)
                        || key.eq(f.wit_key.bind(py)).unwrap_or(false)
                });
                if !known {
                    return Err(ConvError::new(
                        super::error::Refusal::Type,
                        format!("unknown field {} for {}", key.repr()?, self.expected),
                    ));
                }
            }
        }
        Ok(Val::Record(out))
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Val::Record(values) = val else {
            return Err(unexpected(&self.expected, &val));
        };
        let args = self
            .fields
            .iter()
            .zip(values)
            .map(|(field, (_, v))| field.conv.lift(py, v, cx))
            .collect::<PyResult<Vec<_>>>()?;
        self.class.bind(py).call1(PyTuple::new(py, args)?)
    }
}
