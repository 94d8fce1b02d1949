//! `list<T>` <-> `list`. Any sequence is accepted (a `str` is not, although
//! Python calls it one); iterators and generators are not, because a call must
//! not consume what the caller may still need.

use pyo3::prelude::*;
use pyo3::types::{PyList, PySequence, PyString, PyTuple};
use wasmtime::component::Val;

use super::Cx;

use super::error::ConvError;
use super::{Converter, unexpected};

pub struct ListConverter {
    pub item: Box<Converter>,
    /// `list<point> (a sequence)`, for refusals.
    pub expected: String,
}

impl ListConverter {
    pub fn lower(&self, obj: &Bound<'_, PyAny>, cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        let mut lower_item = |(i, item): (usize, Bound<'_, PyAny>)| {
            self.item.lower(&item, cx).map_err(|e| e.at_index(i))
        };
        if let Ok(list) = obj.downcast::<PyList>() {
            return list
                .iter()
                .enumerate()
                .map(lower_item)
                .collect::<Result<_, _>>()
                .map(Val::List);
        }
        if let Ok(tuple) = obj.downcast::<PyTuple>() {
            return tuple
                .iter()
                .enumerate()
                .map(lower_item)
                .collect::<Result<_, _>>()
                .map(Val::List);
        }
        if obj.is_instance_of::<PyString>() {
            return Err(ConvError::wrong_type(&self.expected, obj));
        }
        let Ok(seq) = obj.downcast::<PySequence>() else {
            return Err(ConvError::wrong_type(&self.expected, obj));
        };
        let len = seq.len()?;
        let mut out = Vec::with_capacity(len);
        for i in 0..len {
            out.push(lower_item((i, seq.get_item(i)?))?);
        }
        Ok(Val::List(out))
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Val::List(items) = val else {
            return Err(unexpected(&self.expected, &val));
        };
        let lifted = items
            .into_iter()
            .map(|item| self.item.lift(py, item, cx))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, lifted)?.into_any())
    }
}
