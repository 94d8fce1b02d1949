//! `list<T>` of a scalar `T` other than `u8` (which is `bytes`) <-> `list`,
//! or, on request, an `array.array` or a numpy array.
//!
//! Any buffer-protocol object whose items are `T` as the guest stores them
//! (`array.array`, `memoryview`, a numpy array of the matching dtype) goes
//! in with one copy; anything else is a sequence, checked item by item
//! with the messages of `T`'s own converter. Out, the default is a `list`
//! (DESIGN §3); `ListMode::Array` and `ListMode::Numpy` make one object for
//! the whole list, with one copy.

use std::ffi::c_char;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PySequence, PyString, PyTuple};
use witbridge_core::abi::TapeReader;

use super::buffer::{Buffer, Number};
use super::bytes::stage_buffer;
use super::error::{ConvError, sequence_item};
use super::{
    BoolConverter, CharConverter, Fault, FloatConverter, IntConverter, IntKind, ListMode, Mat, Prep,
};

/// A list's element type.
pub enum Scalar {
    Bool(BoolConverter),
    Int(IntConverter),
    Float(FloatConverter),
    Char(CharConverter),
}

impl Scalar {
    fn width(&self) -> usize {
        match self {
            Scalar::Bool(_) => 1,
            Scalar::Int(c) => c.width(),
            Scalar::Float(c) => c.width(),
            Scalar::Char(_) => 4,
        }
    }

    fn word(&self, obj: &Bound<'_, PyAny>) -> Result<u64, ConvError> {
        match self {
            Scalar::Bool(c) => c.word(obj),
            Scalar::Int(c) => c.word(obj),
            Scalar::Float(c) => c.word(obj),
            Scalar::Char(c) => c.word(obj),
        }
    }

    fn object<'py>(&self, py: Python<'py>, word: u64) -> Result<Bound<'py, PyAny>, Fault> {
        Ok(match self {
            Scalar::Bool(c) => c.object(py, word),
            Scalar::Int(c) => c.object(py, word),
            Scalar::Float(c) => c.object(py, word),
            Scalar::Char(c) => return c.object(py, word),
        })
    }

    /// Whether a buffer of `number`s can go to the guest as it is: the
    /// same kind of number, the same width. (Bools are copied, so that
    /// every `true` the guest sees is 1.)
    fn takes(&self, number: Option<Number>, width: usize) -> bool {
        let kind = match self {
            Scalar::Int(c) if c.signed() => Number::Signed,
            Scalar::Int(_) => Number::Unsigned,
            Scalar::Float(_) => Number::Float,
            Scalar::Bool(_) | Scalar::Char(_) => return false,
        };
        number == Some(kind) && width == self.width()
    }

    /// `array.array`'s type code and numpy's dtype for this element, when
    /// they have one.
    fn codes(&self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Scalar::Int(c) => match c.kind() {
                IntKind::U8 => ("B", "uint8"),
                IntKind::S8 => ("b", "int8"),
                IntKind::U16 => ("H", "uint16"),
                IntKind::S16 => ("h", "int16"),
                IntKind::U32 => ("I", "uint32"),
                IntKind::S32 => ("i", "int32"),
                IntKind::U64 => ("Q", "uint64"),
                IntKind::S64 => ("q", "int64"),
            },
            Scalar::Float(c) if c.width() == 4 => ("f", "float32"),
            Scalar::Float(_) => ("d", "float64"),
            Scalar::Bool(_) => ("", "bool"),
            Scalar::Char(_) => return None,
        })
    }
}

pub struct NumbersConverter {
    pub item: Scalar,
    /// `list<u32> (a list or other sequence)`, for refusals.
    pub expected: String,
}

impl NumbersConverter {
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        if let Ok(list) = obj.downcast::<PyList>() {
            return self.pack(list.iter(), cx);
        }
        if let Ok(tuple) = obj.downcast::<PyTuple>() {
            return self.pack(tuple.iter(), cx);
        }
        if obj.is_instance_of::<PyString>() {
            return Err(ConvError::wrong_type(&self.expected, obj));
        }
        if let Some(buffer) = Buffer::get(obj) {
            if buffer.ndim() == 0 {
                return Err(ConvError::scalar_buffer(&self.expected, obj));
            }
            let (number, width) = (buffer.number(), buffer.item_size());
            if self.item.takes(number, width) {
                stage_buffer(buffer, cx)?;
                return Ok(());
            }
            if matches!(self.item, Scalar::Bool(_)) && number == Some(Number::Bool) && width == 1 {
                // Copied, so that every `true` the guest sees is 1.
                let start = cx.tape.arena().len();
                let bytes = buffer.to_vec()?;
                cx.tape
                    .arena()
                    .extend(bytes.iter().map(|&b| u8::from(b != 0)));
                cx.tape.push_arena_run(start, None);
                return Ok(());
            }
            // Another layout (another type, byte order or width): an array
            // or memoryview is still a sequence of numbers, read one by one.
            drop(buffer);
            if !obj.is_instance_of::<PySequence>() {
                let items = obj.try_iter()?.collect::<PyResult<Vec<_>>>()?;
                return self.pack(items.into_iter(), cx);
            }
        }
        let Ok(seq) = obj.downcast::<PySequence>() else {
            return Err(ConvError::wrong_type(&self.expected, obj));
        };
        let len = seq.len()?;
        let start = cx.tape.arena().len();
        for i in 0..len {
            let item = sequence_item(seq, i, &self.expected)?;
            self.push(&item, i, cx)?;
        }
        cx.tape.push_arena_run(start, None);
        Ok(())
    }

    /// Each item checked and packed, little-endian, into the tape's arena.
    fn pack<'py>(
        &self,
        items: impl Iterator<Item = Bound<'py, PyAny>>,
        cx: &mut Prep<'_>,
    ) -> Result<(), ConvError> {
        let start = cx.tape.arena().len();
        for (i, item) in items.enumerate() {
            self.push(&item, i, cx)?;
        }
        cx.tape.push_arena_run(start, None);
        Ok(())
    }

    fn push(
        &self,
        item: &Bound<'_, PyAny>,
        index: usize,
        cx: &mut Prep<'_>,
    ) -> Result<(), ConvError> {
        let word = self.item.word(item).map_err(|e| e.at_index(index))?;
        let width = self.item.width();
        cx.tape
            .arena()
            .extend_from_slice(&word.to_le_bytes()[..width]);
        Ok(())
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        let bytes = src.elements()?;
        match (cx.lists, self.item.codes()) {
            (ListMode::Array, Some((code, _))) if !code.is_empty() => Ok(array(py, code, bytes)?),
            (ListMode::Numpy, Some((_, dtype))) => Ok(numpy(py, dtype, bytes)?),
            _ => self.list(py, bytes),
        }
    }

    fn list<'py>(&self, py: Python<'py>, bytes: &[u8]) -> Result<Bound<'py, PyAny>, Fault> {
        let width = self.item.width();
        let signed = matches!(&self.item, Scalar::Int(c) if c.signed());
        let items = bytes
            .chunks_exact(width)
            .map(|chunk| self.item.object(py, word_at(chunk, width, signed)))
            .collect::<Result<Vec<_>, Fault>>()?;
        Ok(PyList::new(py, items)?.into_any())
    }
}

/// The tape word of the little-endian number of `width` bytes at the start
/// of `bytes`: its value, sign-extended if `signed` (a float's bits).
#[inline(always)] // called per element: a call costs as much as the load
pub(super) fn word_at(bytes: &[u8], width: usize, signed: bool) -> u64 {
    // One fixed-size load per width, with one bounds check: a copy of a
    // variable length is a call to memcpy, and indexing byte by byte checks
    // and loads each byte, either costing as much as the rest of the
    // conversion.
    fn first<const N: usize>(bytes: &[u8]) -> [u8; N] {
        *bytes
            .first_chunk::<N>()
            .expect("a number's bytes lie within its element")
    }
    match width {
        1 if signed => first::<1>(bytes)[0] as i8 as u64,
        1 => u64::from(first::<1>(bytes)[0]),
        2 if signed => i16::from_le_bytes(first(bytes)) as u64,
        2 => u64::from(u16::from_le_bytes(first(bytes))),
        4 if signed => i32::from_le_bytes(first(bytes)) as u64,
        4 => u64::from(u32::from_le_bytes(first(bytes))),
        _ => u64::from_le_bytes(first(bytes)),
    }
}

/// A read-only memoryview of `bytes`, released before this returns.
pub(super) fn with_view<'py, R>(
    py: Python<'py>,
    bytes: &[u8],
    f: impl FnOnce(&Bound<'py, PyAny>) -> PyResult<R>,
) -> PyResult<R> {
    const PYBUF_READ: std::ffi::c_int = 0x100;
    // SAFETY: a view of `bytes` for reading, which lives until the release
    // below; nothing we hand it to keeps it.
    let view = unsafe {
        let raw = ffi::PyMemoryView_FromMemory(
            bytes.as_ptr() as *mut c_char,
            bytes.len() as ffi::Py_ssize_t,
            PYBUF_READ,
        );
        Bound::from_owned_ptr_or_err(py, raw)?
    };
    let result = f(&view);
    view.call_method0(pyo3::intern!(py, "release"))?;
    result
}

fn array<'py>(py: Python<'py>, code: &str, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    static ARRAY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let array = ARRAY.get_or_try_init(py, || {
        py.import("array")?.getattr("array").map(Bound::unbind)
    })?;
    let out = array.bind(py).call1((code,))?;
    with_view(py, bytes, |view| {
        out.call_method1(pyo3::intern!(py, "frombytes"), (view,))
    })?;
    Ok(out)
}

/// The `numpy` module, or an error that says how to get it.
pub(super) fn import_numpy(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("numpy").map_err(|e| {
        let err = crate::pyclasses::new_err(
            crate::pyclasses::error,
            "numeric_lists='numpy' needs numpy, which is not installed (pip install numpy)",
        );
        err.set_cause(py, Some(e));
        err
    })
}

fn numpy<'py>(py: Python<'py>, dtype: &str, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let numpy = import_numpy(py)?;
    let frombuffer = numpy.getattr(pyo3::intern!(py, "frombuffer"))?;
    // A little-endian dtype: the guest's byte order on any machine.
    let dtype = numpy
        .getattr(pyo3::intern!(py, "dtype"))?
        .call1((dtype,))?
        .call_method1("newbyteorder", ("<",))?;
    with_view(py, bytes, |view| {
        frombuffer
            .call1((view, dtype))?
            .call_method0(pyo3::intern!(py, "copy"))
    })
}
