//! Integers of every width, `u8` to `s64`, with range checks.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};
use wasmtime::component::Val;

use super::Cx;

use super::error::{ConvError, Refusal, describe};
use super::unexpected;

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

    pub fn lower(&self, obj: &Bound<'_, PyAny>, _cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        let int = self.as_int(obj)?;
        let out_of_range = || {
            ConvError::new(
                Refusal::Overflow,
                // `describe`, not `Display`: an int past Python's digit limit
                // can't be printed, and a huge one is cut short.
                format!("expected {}, got {}", self.expected, describe(int.as_any())),
            )
        };
        if self.kind == IntKind::U64 {
            return int
                .extract::<u64>()
                .map(Val::U64)
                .map_err(|_| out_of_range());
        }
        let v: i64 = int.extract().map_err(|_| out_of_range())?;
        let val = match self.kind {
            IntKind::U8 => u8::try_from(v).map(Val::U8).ok(),
            IntKind::U16 => u16::try_from(v).map(Val::U16).ok(),
            IntKind::U32 => u32::try_from(v).map(Val::U32).ok(),
            IntKind::S8 => i8::try_from(v).map(Val::S8).ok(),
            IntKind::S16 => i16::try_from(v).map(Val::S16).ok(),
            IntKind::S32 => i32::try_from(v).map(Val::S32).ok(),
            IntKind::S64 => Some(Val::S64(v)),
            IntKind::U64 => unreachable!("handled above"),
        };
        val.ok_or_else(out_of_range)
    }

    /// An `int` (not a `bool`), or any object with `__index__` such as a numpy
    /// integer.
    fn as_int<'py>(&self, obj: &Bound<'py, PyAny>) -> Result<Bound<'py, PyInt>, ConvError> {
        if let Ok(int) = obj.downcast::<PyInt>() {
            if !obj.is_instance_of::<PyBool>() {
                return Ok(int.clone());
            }
        } else if obj
            .hasattr(pyo3::intern!(obj.py(), "__index__"))
            .unwrap_or(false)
        {
            let index = obj.call_method0(pyo3::intern!(obj.py(), "__index__"))?;
            if let Ok(int) = index.downcast_into::<PyInt>() {
                return Ok(int);
            }
        }
        Err(ConvError::wrong_type(self.expected, obj))
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        _cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let obj = match val {
            Val::U8(v) => v.into_pyobject(py)?,
            Val::U16(v) => v.into_pyobject(py)?,
            Val::U32(v) => v.into_pyobject(py)?,
            Val::U64(v) => v.into_pyobject(py)?,
            Val::S8(v) => v.into_pyobject(py)?,
            Val::S16(v) => v.into_pyobject(py)?,
            Val::S32(v) => v.into_pyobject(py)?,
            Val::S64(v) => v.into_pyobject(py)?,
            other => return Err(unexpected(self.expected, &other)),
        };
        Ok(obj.into_any())
    }
}
