//! `list<u8>` <-> `bytes`.
//!
//! Accepts `bytes`, `bytearray`, anything with the buffer protocol whose items
//! are bytes (`memoryview`, `array('B')`), and sequences of ints.

use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use wasmtime::component::Val;

use super::Cx;

use super::error::ConvError;
use super::int::{IntConverter, IntKind};
use super::unexpected;

const EXPECTED: &str = "list<u8> (bytes, bytearray, memoryview or a sequence of ints)";

pub struct BytesConverter;

fn vals(bytes: &[u8]) -> Val {
    Val::List(bytes.iter().map(|b| Val::U8(*b)).collect())
}

impl BytesConverter {
    pub fn lower(&self, obj: &Bound<'_, PyAny>, cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        if let Ok(bytes) = obj.downcast::<PyBytes>() {
            return Ok(vals(bytes.as_bytes()));
        }
        if let Ok(array) = obj.downcast::<PyByteArray>() {
            return Ok(vals(&array.to_vec()));
        }
        if obj.is_instance_of::<PyString>() {
            return Err(ConvError::wrong_type(EXPECTED, obj));
        }
        if let Ok(buffer) = PyBuffer::<u8>::get(obj) {
            return Ok(vals(&buffer.to_vec(obj.py())?));
        }
        let Ok(seq) = obj.downcast::<pyo3::types::PySequence>() else {
            return Err(ConvError::wrong_type(EXPECTED, obj));
        };
        let item = IntConverter::new(IntKind::U8);
        let len = seq.len()?;
        let mut out = Vec::with_capacity(len);
        for i in 0..len {
            out.push(
                item.lower(&seq.get_item(i)?, cx)
                    .map_err(|e| e.at_index(i))?,
            );
        }
        Ok(Val::List(out))
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        _cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Val::List(items) = val else {
            return Err(unexpected("list<u8>", &val));
        };
        let mut bytes = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Val::U8(b) => bytes.push(b),
                other => return Err(unexpected("u8", &other)),
            }
        }
        Ok(PyBytes::new(py, &bytes).into_any())
    }
}
