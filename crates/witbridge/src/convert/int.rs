//! Integers of every width, `u8` to `s64`, with range checks.

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};
use witbridge_core::abi::TapeReader;

use super::error::{ConvError, Refusal, describe};
use super::{Fault, Mat, Prep};

/// The eight WIT integer types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntKind {
    U8,
    U16,
    U32,
    U64,
    S8,
    S16,
    S32,
    S64,
}

pub struct IntConverter {
    kind: IntKind,
    /// `u32 (0..4294967295)`, shown in every refusal.
    expected: &'static str,
}

impl IntConverter {
    pub fn new(kind: IntKind) -> Self {
        let expected = match kind {
            IntKind::U8 => "u8 (0..255)",
            IntKind::U16 => "u16 (0..65535)",
            IntKind::U32 => "u32 (0..4294967295)",
            IntKind::U64 => "u64 (0..18446744073709551615)",
            IntKind::S8 => "s8 (-128..127)",
            IntKind::S16 => "s16 (-32768..32767)",
            IntKind::S32 => "s32 (-2147483648..2147483647)",
            IntKind::S64 => "s64 (-9223372036854775808..9223372036854775807)",
        };
        IntConverter { kind, expected }
    }

    pub fn kind(&self) -> IntKind {
        self.kind
    }

    /// The value's bytes in memory.
    pub fn width(&self) -> usize {
        match self.kind {
            IntKind::U8 | IntKind::S8 => 1,
            IntKind::U16 | IntKind::S16 => 2,
            IntKind::U32 | IntKind::S32 => 4,
            IntKind::U64 | IntKind::S64 => 8,
        }
    }

    pub fn signed(&self) -> bool {
        matches!(
            self.kind,
            IntKind::S8 | IntKind::S16 | IntKind::S32 | IntKind::S64
        )
    }

    /// The checked value as a tape word (signed values sign-extended).
    pub fn word(&self, obj: &Bound<'_, PyAny>) -> Result<u64, ConvError> {
        if let Some(word) = self.exact_int_word(obj) {
            return word;
        }
        let int = self.as_int(obj)?;
        if self.kind == IntKind::U64 {
            return int
                .extract::<u64>()
                .map_err(|_| self.out_of_range(int.as_any()));
        }
        match int.extract::<i64>() {
            Ok(v) if self.fits(v) => Ok(v as u64),
            _ => Err(self.out_of_range(int.as_any())),
        }
    }

    /// [`IntConverter::word`] for an object of type `int` itself (not
    /// `bool`, not a subclass): read where it is, without the checks and
    /// reference counting the general path pays, which cost as much again
    /// as the conversion; `None` for any other object.
    #[inline]
    fn exact_int_word(&self, obj: &Bound<'_, PyAny>) -> Option<Result<u64, ConvError>> {
        is_exact_int(obj).then(|| self.int_word(obj).ok_or_else(|| self.out_of_range(obj)))
    }

    /// The word of `obj` if it is an `int` itself in this kind's range;
    /// `None` for anything else, with no exception left set (the general
    /// path, [`IntConverter::word`], says why).
    #[inline]
    pub fn exact_word(&self, obj: &Bound<'_, PyAny>) -> Option<u64> {
        is_exact_int(obj).then(|| self.int_word(obj)).flatten()
    }

    /// The word of `obj`, an `int` itself, if it is in this kind's range.
    #[inline(always)]
    fn int_word(&self, obj: &Bound<'_, PyAny>) -> Option<u64> {
        let py = obj.py();
        // SAFETY: `obj` is an int, and the GIL is held; -1 is either the
        // value or an overflow, which `PyErr::take` tells apart (and clears).
        unsafe {
            if self.kind == IntKind::U64 {
                let v = ffi::PyLong_AsUnsignedLongLong(obj.as_ptr());
                (v != u64::MAX || PyErr::take(py).is_none()).then_some(v)
            } else {
                let v = ffi::PyLong_AsLongLong(obj.as_ptr());
                (v != -1 || PyErr::take(py).is_none())
                    .then_some(v)
                    .filter(|&v| self.fits(v))
                    .map(|v| v as u64)
            }
        }
    }

    /// Whether `v` is in this kind's range (`u64` is read unsigned instead).
    fn fits(&self, v: i64) -> bool {
        match self.kind {
            IntKind::U8 => u8::try_from(v).is_ok(),
            IntKind::U16 => u16::try_from(v).is_ok(),
            IntKind::U32 => u32::try_from(v).is_ok(),
            IntKind::U64 => u64::try_from(v).is_ok(),
            IntKind::S8 => i8::try_from(v).is_ok(),
            IntKind::S16 => i16::try_from(v).is_ok(),
            IntKind::S32 => i32::try_from(v).is_ok(),
            IntKind::S64 => true,
        }
    }

    #[cold]
    fn out_of_range(&self, int: &Bound<'_, PyAny>) -> ConvError {
        ConvError::new(
            Refusal::Overflow,
            // `describe`, not `Display`: an int past Python's digit limit
            // can't be printed, and a huge one is cut short.
            format!("expected {}, got {}", self.expected, describe(int)),
        )
    }

    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        cx.tape.push_word(self.word(obj)?);
        Ok(())
    }

    /// The Python int of a tape word.
    #[inline]
    pub fn object<'py>(&self, py: Python<'py>, word: u64) -> Bound<'py, PyAny> {
        // Straight to CPython's constructors: this runs once per element of
        // a list, where PyO3's conversion per width cost a third of it. Only
        // the kind's own bits of the word count, as after a narrowing cast.
        let shift = 64 - 8 * self.width() as u32;
        // SAFETY: the GIL is held; the constructors return a new reference,
        // or NULL when out of memory, which `from_owned_ptr` turns into a
        // panic (as PyO3's own conversions do).
        unsafe {
            let raw = if self.signed() {
                ffi::PyLong_FromLongLong(((word << shift) as i64) >> shift)
            } else {
                ffi::PyLong_FromUnsignedLongLong((word << shift) >> shift)
            };
            Bound::from_owned_ptr(py, raw)
        }
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        _cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        Ok(self.object(py, src.word()?))
    }

    /// An `int` (not a `bool`), or any object with `__index__` such as a numpy
    /// integer.
    fn as_int<'py>(&self, obj: &Bound<'py, PyAny>) -> Result<Bound<'py, PyInt>, ConvError> {
        index_of(obj)?.ok_or_else(|| ConvError::wrong_type(self.expected, obj))
    }
}

/// `obj` as an `int`, if it is one (but not a `bool`) or has an
/// `__index__` that gives one (numpy's integers, a 0-d integer array);
/// `None` if it is no integer. `__index__` raising `TypeError` says "I am no
/// integer" (a numpy array of several elements does); anything else it
/// raises is the caller's to see.
pub fn index_of<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyInt>>> {
    if let Ok(int) = obj.downcast::<PyInt>() {
        return Ok((!obj.is_instance_of::<PyBool>()).then(|| int.clone()));
    }
    let py = obj.py();
    if !obj.hasattr(pyo3::intern!(py, "__index__")).unwrap_or(false) {
        return Ok(None);
    }
    match obj.call_method0(pyo3::intern!(py, "__index__")) {
        Err(err) if err.is_instance_of::<PyTypeError>(py) => Ok(None),
        index => Ok(index?.downcast_into::<PyInt>().ok()),
    }
}

/// Whether `obj`'s type is `int` itself.
#[inline]
fn is_exact_int(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: comparing type pointers; `PyLong_Type` is a static.
    unsafe { ffi::Py_TYPE(obj.as_ptr()) == &raw mut ffi::PyLong_Type }
}
