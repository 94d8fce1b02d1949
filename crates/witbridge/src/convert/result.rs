//! `result<T, E>` used as a value <-> `witbridge.Ok(value)` / `witbridge.Err(value)`.
//!
//! (A function *returning* a result raises `Err` instead; that is decided by
//! the function's signature, not here.)

use pyo3::prelude::*;
use witbridge_core::abi::TapeReader;

use super::error::{ConvError, Refusal};
use super::{Converter, Fault, Mat, Prep};
use crate::pyclasses;

pub struct ResultConverter {
    pub ok: Option<Box<Converter>>,
    pub err: Option<Box<Converter>>,
    /// `result<u32, string> (witbridge.Ok or witbridge.Err)`.
    pub expected: String,
}

impl ResultConverter {
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        let py = obj.py();
        let (is_ok, conv) = if obj.is_instance(pyclasses::ok(py)?)? {
            (true, &self.ok)
        } else if obj.is_instance(pyclasses::err(py)?)? {
            (false, &self.err)
        } else {
            return Err(ConvError::wrong_type(&self.expected, obj));
        };
        let value = obj.getattr(pyo3::intern!(py, "value"))?;
        if conv.is_none() && !value.is_none() {
            let case = if is_ok { "ok" } else { "error" };
            return Err(ConvError::new(
                Refusal::Value,
                format!(
                    "expected {}: the {case} case carries no value, got {}",
                    self.expected,
                    super::error::describe(obj)
                ),
            ));
        }
        cx.tape.push_word(u64::from(!is_ok));
        Self::prepare_payload(conv, &value, cx).map_err(|e| e.in_field("value"))
    }

    /// Stages the payload of one case (nothing when the case has no type).
    pub fn prepare_payload(
        conv: &Option<Box<Converter>>,
        value: &Bound<'_, PyAny>,
        cx: &mut Prep<'_>,
    ) -> Result<(), ConvError> {
        match conv {
            Some(conv) => conv.prepare(value, cx),
            None => Ok(()),
        }
    }

    /// Makes the payload of one case (`None` when the case has no type).
    pub fn materialize_payload<'py>(
        py: Python<'py>,
        conv: &Option<Box<Converter>>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        match conv {
            Some(conv) => conv.materialize(py, src, cx),
            None => Ok(py.None().into_bound(py)),
        }
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        if src.word()? == 0 {
            let value = Self::materialize_payload(py, &self.ok, src, cx)?;
            Ok(pyclasses::ok(py)?.call1((value,))?)
        } else {
            let value = Self::materialize_payload(py, &self.err, src, cx)?;
            Ok(pyclasses::err(py)?.call1((value,))?)
        }
    }
}
