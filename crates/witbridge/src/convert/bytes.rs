//! `list<u8>` <-> `bytes`.
//!
//! Accepts `bytes`, `bytearray`, anything with the buffer protocol whose items
//! are bytes (`memoryview`, `array('B')`, a `uint8` numpy array), at the cost
//! of one copy into the guest, and sequences of ints, checked one by one.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PySequence, PyString};
use witbridge_core::abi::TapeReader;

use super::buffer::{Buffer, Number, array_rows};
use super::error::{ConvError, sequence_item};
use super::int::{IntConverter, IntKind};
use super::{Fault, Mat, Prep};

const EXPECTED: &str = "list<u8> (bytes, bytearray, memoryview or a sequence of ints)";

pub struct BytesConverter;

impl BytesConverter {
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        if let Ok(bytes) = obj.downcast::<PyBytes>() {
            cx.stage(|| Box::new(bytes.clone().unbind()), bytes.as_bytes(), None);
            return Ok(());
        }
        if obj.is_instance_of::<PyString>() {
            return Err(ConvError::wrong_type(EXPECTED, obj));
        }
        if let Some(buffer) = Buffer::get(obj) {
            if buffer.ndim() == 0 {
                return Err(ConvError::scalar_buffer(EXPECTED, obj));
            }
            if buffer.item_size() == 1 && buffer.number() == Some(Number::Unsigned) {
                stage_buffer(buffer, cx)?;
                return Ok(());
            }
        }
        // Anything else that is a sequence of ints (an `array('I')`, a
        // numpy array of another type), checked one by one.
        let item = IntConverter::new(IntKind::U8);
        let byte = |i: usize, value: &Bound<'_, PyAny>| {
            item.word(value).map(|b| b as u8).map_err(|e| e.at_index(i))
        };
        let start = cx.tape.arena().len();
        if let Ok(seq) = obj.downcast::<PySequence>() {
            for i in 0..seq.len()? {
                let b = byte(i, &sequence_item(seq, i, EXPECTED)?)?;
                cx.tape.arena().push(b);
            }
        } else if let Some(rows) = array_rows(obj) {
            for (i, row) in rows?.iter().enumerate() {
                let b = byte(i, row)?;
                cx.tape.arena().push(b);
            }
        } else {
            return Err(ConvError::wrong_type(EXPECTED, obj));
        }
        cx.tape.push_arena_run(start, None);
        Ok(())
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        _cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        Ok(PyBytes::new(py, src.elements()?).into_any())
    }
}

/// Stages the bytes of a buffer whose elements are what the guest wants:
/// borrowed, with the export kept open, or copied in C order when the
/// buffer is not one run.
pub(super) fn stage_buffer(buffer: Buffer, cx: &mut Prep<'_>) -> PyResult<()> {
    match buffer.contiguous().map(|b| (b.as_ptr(), b.len())) {
        Some((ptr, len)) => {
            // SAFETY: the exporter's memory, which stays put while the
            // export (moved into the tape below) is open.
            let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
            cx.stage(move || Box::new(buffer), bytes, None);
        }
        None => {
            let copy = buffer.to_vec()?;
            cx.tape.push_copy(&copy, None);
        }
    }
    Ok(())
}
