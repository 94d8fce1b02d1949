//! `f32` and `f64` <-> `float`. NaN and infinities pass through; an `f32`
//! argument is rounded to the nearest `f32`, and a finite value too large for
//! `f32` is refused rather than silently becoming infinity.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt};
use wasmtime::component::Val;

use super::Cx;

use super::error::{ConvError, Refusal, describe};
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

    pub fn lower(&self, obj: &Bound<'_, PyAny>, _cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        let value = if let Ok(float) = obj.downcast::<PyFloat>() {
            float.value()
        } else if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
            if self.single {
                // One rounding, int -> f32: going through f64 would round
                // twice and can miss the nearest f32 (2**60 + 2**36 + 1).
                let single = match obj.extract::<i128>() {
                    Ok(i) => i as f32,
                    Err(_) => obj.extract::<u128>().map_or(f32::INFINITY, |u| u as f32),
                };
                return self.single_or_overflow(single, true, obj);
            }
            obj.extract::<f64>().map_err(|_| {
                ConvError::new(
                    Refusal::Overflow,
                    format!(
                        "expected {}, got {} (too large for a float)",
                        self.name(),
                        describe(obj)
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
        self.single_or_overflow(value as f32, value.is_finite(), obj)
    }

    /// `single`, unless rounding made a finite argument infinite.
    fn single_or_overflow(
        &self,
        single: f32,
        finite: bool,
        obj: &Bound<'_, PyAny>,
    ) -> Result<Val, ConvError> {
        if single.is_infinite() && finite {
            return Err(ConvError::new(
                Refusal::Overflow,
                format!(
                    "expected f32 (at most 3.4028235e38 in magnitude), got {}",
                    describe(obj)
                ),
            ));
        }
        Ok(Val::Float32(single))
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        _cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match val {
            Val::Float32(v) => Ok(PyFloat::new(py, f64::from(v)).into_any()),
            Val::Float64(v) => Ok(PyFloat::new(py, v).into_any()),
            other => Err(unexpected(self.name(), &other)),
        }
    }
}
