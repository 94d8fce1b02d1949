//! `f32` and `f64` <-> `float`. NaN and infinities pass through; an `f32`
//! argument is rounded to the nearest `f32`, and a finite value too large for
//! `f32` is refused rather than silently becoming infinity.
//!
//! Accepted: a `float`; an integer (an `int` but not a `bool`, or anything
//! with `__index__`, as the integer types take), rounded once; and any other
//! `numbers.Real` (numpy's floating scalars, `Fraction`), as `float()`
//! reads it.

use pyo3::exceptions::PyOverflowError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt};
use witbridge_core::abi::TapeReader;

use super::error::{ConvError, Refusal, describe};
use super::int::index_of;
use super::{Fault, Mat, Prep};

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

    pub fn width(&self) -> usize {
        if self.single { 4 } else { 8 }
    }

    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        cx.tape.push_word(self.word(obj)?);
        Ok(())
    }

    /// The checked value as a tape word: its bits.
    pub fn word(&self, obj: &Bound<'_, PyAny>) -> Result<u64, ConvError> {
        let value = if let Ok(float) = obj.downcast::<PyFloat>() {
            float.value()
        } else if obj.is_instance_of::<PyBool>() {
            return Err(self.wrong_type(obj));
        } else if let Some(int) = index_of(obj)? {
            return self.int_word(&int);
        } else if is_real(obj)? {
            // numpy's floating scalars (its `float32` is no `float`),
            // `Fraction`: what `float()` makes of them.
            real_value(obj).map_err(|err| {
                if err.is_instance_of::<PyOverflowError>(obj.py()) {
                    self.too_large(obj)
                } else {
                    err.into()
                }
            })?
        } else {
            return Err(self.wrong_type(obj));
        };
        if !self.single {
            return Ok(value.to_bits());
        }
        self.single_or_overflow(value as f32, value.is_finite(), obj)
    }

    /// The word of an integer, `int` or what `__index__` made.
    fn int_word(&self, int: &Bound<'_, PyInt>) -> Result<u64, ConvError> {
        if self.single {
            // One rounding, int -> f32: going through f64 would round
            // twice and can miss the nearest f32 (2**60 + 2**36 + 1).
            let single = match int.extract::<i128>() {
                Ok(i) => i as f32,
                Err(_) => big_int_to_f32(int.as_any()),
            };
            return self.single_or_overflow(single, true, int.as_any());
        }
        let double = int
            .extract::<f64>()
            .map_err(|_| self.too_large(int.as_any()))?;
        Ok(double.to_bits())
    }

    // The refusals and the rare forms below are `#[cold]`, which keeps them
    // out of the way of the hot paths in the extension's layout: without
    // it, a `get-u32()` call missed the instruction cache 65 times instead
    // of 61 (callgrind), and took 3% longer.
    #[cold]
    fn wrong_type(&self, obj: &Bound<'_, PyAny>) -> ConvError {
        ConvError::wrong_type(&format!("{} (a float)", self.name()), obj)
    }

    #[cold]
    fn too_large(&self, obj: &Bound<'_, PyAny>) -> ConvError {
        ConvError::new(
            Refusal::Overflow,
            format!(
                "expected {}, got {} (too large for a float)",
                self.name(),
                describe(obj)
            ),
        )
    }

    /// The word of `obj` if it is a `float` itself that this type holds
    /// (an f32 must not round to infinity); `None` for anything else (the
    /// general path, [`FloatConverter::word`], says why).
    #[inline]
    pub fn exact_word(&self, obj: &Bound<'_, PyAny>) -> Option<u64> {
        // SAFETY: comparing type pointers; `PyFloat_Type` is a static.
        if unsafe { ffi::Py_TYPE(obj.as_ptr()) } != &raw mut ffi::PyFloat_Type {
            return None;
        }
        // SAFETY: `obj` is a float, and the GIL is held: this can't fail.
        let value = unsafe { ffi::PyFloat_AsDouble(obj.as_ptr()) };
        if !self.single {
            return Some(value.to_bits());
        }
        let single = value as f32;
        (!single.is_infinite() || !value.is_finite()).then(|| u64::from(single.to_bits()))
    }

    /// `single`, unless rounding made a finite argument infinite.
    fn single_or_overflow(
        &self,
        single: f32,
        finite: bool,
        obj: &Bound<'_, PyAny>,
    ) -> Result<u64, ConvError> {
        if single.is_infinite() && finite {
            return Err(ConvError::new(
                Refusal::Overflow,
                format!(
                    "expected f32 (at most 3.4028235e38 in magnitude), got {}",
                    describe(obj)
                ),
            ));
        }
        Ok(u64::from(single.to_bits()))
    }

    /// The Python float of a tape word.
    pub fn object<'py>(&self, py: Python<'py>, word: u64) -> Bound<'py, PyAny> {
        let value = if self.single {
            f64::from(f32::from_bits(word as u32))
        } else {
            f64::from_bits(word)
        };
        PyFloat::new(py, value).into_any()
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        _cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        Ok(self.object(py, src.word()?))
    }
}

/// An int past `i128`, rounded once to an f32: its magnitude as a `u128`
/// (every finite f32 is below 2**128), then its sign; infinite when even
/// the magnitude is too large.
fn big_int_to_f32(obj: &Bound<'_, PyAny>) -> f32 {
    let negative = obj.lt(0).unwrap_or(false);
    let magnitude = if negative {
        obj.neg().ok()
    } else {
        Some(obj.clone())
    };
    let single = magnitude
        .and_then(|m| m.extract::<u128>().ok())
        .map_or(f32::INFINITY, |u| u as f32);
    if negative { -single } else { single }
}

/// Whether `obj` is a `numbers.Real`, the numeric tower's promise that
/// `float()` gives its value (numpy registers its floating types there;
/// `Decimal`, which refuses to mix with floats, is not one).
#[cold]
fn is_real(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    static REAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = obj.py();
    let real = REAL.get_or_try_init(py, || {
        py.import("numbers")?.getattr("Real").map(Bound::unbind)
    })?;
    obj.is_instance(real.bind(py))
}

/// What `float(obj)` gives, for a `numbers.Real`.
#[cold]
fn real_value(obj: &Bound<'_, PyAny>) -> PyResult<f64> {
    // SAFETY: the GIL is held; -1.0 is the value or a raised error, which
    // `PyErr::take` tells apart.
    let value = unsafe { ffi::PyFloat_AsDouble(obj.as_ptr()) };
    match (value == -1.0).then(|| PyErr::take(obj.py())).flatten() {
        Some(err) => Err(err),
        None => Ok(value),
    }
}
