//! `f32` and `f64` <-> `float`. NaN and infinities pass through; an `f32`
//! argument is rounded to the nearest `f32`, and a finite value too large for
//! `f32` is refused rather than silently becoming infinity.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt};
use wasmtime::component::Val;

use super::error::{ConvError, Refusal};
use super::unexpected;

pub struct FloatConverter {
    single: bool,
}

impl FloatConverter {
    pub fn f32() -> Self {
        FloatConverter { single: true }
    }

    pub fn f64() -> Self {
        FloatConverter { single: false }
    }

    fn name(&self) -> &'static str {
        if self.single { "f32" } else { "f64" }
    }

    pub fn lower(&self, obj: &Bound<'_, PyAny>) -> Result<Val, ConvError> {
        let value = if let Ok(float) = obj.downcast::<PyFloat>() {
            float.value()
        } else if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
            obj.extract::<f64>().map_err(|_| {
                ConvError::new(
                    Refusal::Overflow,
                    format!(
                        "expected {}, got {} (too large for a float)",
                        self.name(),
                        obj
                    ),
                )
            })?
        } else {
            return Err(ConvError::wrong_type(
                &format!("{} (a float)", self.name()),
                obj,
            ));
        };
        if !self.single {
            return Ok(Val::Float64(value));
        }
        let single = value as f32;
        if single.is_infinite() && value.is_finite() {
            return Err(ConvError::new(
                Refusal::Overflow,
                format!("expected f32 (at most 3.4028235e38 in magnitude), got {value}"),
            ));
        }
        Ok(Val::Float32(single))
    }

    pub fn lift<'py>(&self, py: Python<'py>, val: Val) -> PyResult<Bound<'py, PyAny>> {
        match val {
            Val::Float32(v) => Ok(PyFloat::new(py, f64::from(v)).into_any()),
            Val::Float64(v) => Ok(PyFloat::new(py, v).into_any()),
            other => Err(unexpected(self.name(), &other)),
        }
    }
}
