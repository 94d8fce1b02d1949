//! `result<T, E>` used as a value <-> `witbridge.Ok(value)` / `witbridge.Err(value)`.
//!
//! (A function *returning* a result raises `Err` instead; that is decided by
//! the function's signature, not here.)

use pyo3::prelude::*;
use wasmtime::component::Val;

use super::Cx;

use super::error::{ConvError, Refusal};
use super::{Converter, unexpected};
use crate::pyclasses;

pub struct ResultConverter {
    pub ok: Option<Box<Converter>>,
    pub err: Option<Box<Converter>>,
    /// `result<u32, string> (witbridge.Ok or witbridge.Err)`.
    pub expected: String,
}

impl ResultConverter {
    pub fn lower(&self, obj: &Bound<'_, PyAny>, cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        let py = obj.py();
        let (is_ok, conv) = if obj.is_instance(pyclasses::ok(py)?)? {
            (true, &self.ok)
        } else if obj.is_instance(pyclasses::err(py)?)? {
            (false, &self.err)
        } else {
            return Err(ConvError::wrong_type(&self.expected, obj));
        };
        let value = obj.getattr(pyo3::intern!(py, "value"))?;
        let payload = match conv {
            Some(conv) => Some(Box::new(
                conv.lower(&value, cx).map_err(|e| e.in_field("value"))?,
            )),
            None if value.is_none() => None,
            None => {
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
        };
        Ok(Val::Result(if is_ok { Ok(payload) } else { Err(payload) }))
    }

    /// Lifts a payload of one case (`None` when the case has no type).
    pub fn lift_payload<'py>(
        py: Python<'py>,
        conv: &Option<Box<Converter>>,
        payload: Option<Box<Val>>,
        cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match (conv, payload) {
            (Some(conv), Some(v)) => conv.lift(py, *v, cx),
            (None, None) => Ok(py.None().into_bound(py)),
            (_, payload) => Err(unexpected("result payload", &Val::Option(payload))),
        }
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match val {
            Val::Result(Ok(payload)) => {
                pyclasses::ok(py)?.call1((Self::lift_payload(py, &self.ok, payload, cx)?,))
            }
            Val::Result(Err(payload)) => {
                pyclasses::err(py)?.call1((Self::lift_payload(py, &self.err, payload, cx)?,))
            }
            other => Err(unexpected(&self.expected, &other)),
        }
    }
}
