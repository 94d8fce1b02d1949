//! `record` <-> a generated dataclass.
//!
//! Accepts the generated class, any object with attributes of the field
//! names (another dataclass, a namedtuple), or a dict keyed by the snake_case
//! or the WIT field names.

use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use witbridge_core::abi::TapeReader;

use super::error::ConvError;
use super::{Converter, Fault, Mat, Prep};

pub struct Field {
    /// The Python attribute, `machine_id`.
    pub py_name: Py<PyString>,
    /// The WIT name, `machine-id`, for messages and as a dict key.
    pub wit_name: String,
    pub wit_key: Py<PyString>,
    pub conv: Converter,
}

pub struct RecordConverter {
    pub class: Py<PyType>,
    /// The `__init__` that `class` was made with, when it is a plain
    /// dataclass of witbridge's own making (its `__wit_plain__`), which
    /// only sets the fields: while `class` still has it, a value is made
    /// without running it, which costs a third as much.
    pub plain_init: Option<Py<PyAny>>,
    pub fields: Vec<Field>,
    /// `record point (Point, a dict or an object with attributes x, y)`.
    pub expected: String,
}

impl RecordConverter {
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        if let Ok(dict) = obj.downcast::<PyDict>() {
            return self.prepare_dict(dict, cx);
        }
        let py = obj.py();
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
            self.prepare_field(field, &value, cx)?;
        }
        Ok(())
    }

    fn prepare_field(
        &self,
        field: &Field,
        value: &Bound<'_, PyAny>,
        cx: &mut Prep<'_>,
    ) -> Result<(), ConvError> {
        field.conv.prepare(value, cx).map_err(|e| {
            e.in_field(
                field
                    .py_name
                    .bind(value.py())
                    .to_str()
                    .unwrap_or(&field.wit_name),
            )
        })
    }

    fn prepare_dict(&self, dict: &Bound<'_, PyDict>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        let py = dict.py();
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
            self.prepare_field(field, &value, cx)?;
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
        Ok(())
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        let class = self.class.bind(py);
        let plain = match &self.plain_init {
            Some(init) => class.getattr(pyo3::intern!(py, "__init__"))?.is(init),
            None => false,
        };
        if plain {
            let obj = new_object(class)?;
            for field in &self.fields {
                let value = field.conv.materialize(py, src, cx)?;
                obj.setattr(field.py_name.bind(py), value)?;
            }
            return Ok(obj);
        }
        let args = self
            .fields
            .iter()
            .map(|field| field.conv.materialize(py, src, cx))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.class.bind(py).call1(PyTuple::new(py, args)?)?)
    }
}

/// `object.__new__(class)`: an instance whose `__init__` has not run.
fn new_object<'py>(class: &Bound<'py, PyType>) -> PyResult<Bound<'py, PyAny>> {
    let py = class.py();
    static NO_ARGS: pyo3::sync::PyOnceLock<Py<PyTuple>> = pyo3::sync::PyOnceLock::new();
    let no_args = NO_ARGS.get_or_init(py, || PyTuple::empty(py).unbind());
    // SAFETY: `object`'s `tp_new` slot is a `newfunc`, called with a type
    // that derives from `object`, an empty tuple and no keywords; it returns
    // a new reference or NULL with an exception set.
    unsafe {
        let base = &raw mut pyo3::ffi::PyBaseObject_Type;
        let slot = pyo3::ffi::PyType_GetSlot(base, pyo3::ffi::Py_tp_new);
        let new: pyo3::ffi::newfunc = std::mem::transmute(slot);
        let raw = new(class.as_type_ptr(), no_args.as_ptr(), std::ptr::null_mut());
        Bound::from_owned_ptr_or_err(py, raw)
    }
}
