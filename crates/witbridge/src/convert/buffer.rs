//! The buffer protocol: a Python object's bytes, borrowed without a copy.
//!
//! pyo3's `PyBuffer<T>` decides compatibility by format character, and on
//! little-endian machines it takes `>` (big-endian) formats for native
//! ones, so a big-endian numpy array would pass with its bytes swapped.
//! This reads the format itself and takes only what is stored as the
//! guest stores it: little-endian, the right kind of number, the right
//! width.

use std::ffi::CStr;

use pyo3::ffi;
use pyo3::prelude::*;

/// What one element of a buffer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Number {
    Unsigned,
    Signed,
    Float,
    Bool,
}

/// An exported buffer, released when dropped.
pub struct Buffer {
    view: ffi::Py_buffer,
}

// SAFETY: the exporter keeps the memory alive and in place until the view
// is released, whatever thread releases it (with the GIL, see `Drop`).
unsafe impl Send for Buffer {}
// SAFETY: as for `Send`; nothing is written through the view.
unsafe impl Sync for Buffer {}

impl Buffer {
    /// The buffer of `obj`, if it has one.
    pub fn get(obj: &Bound<'_, PyAny>) -> Option<Buffer> {
        let mut view = std::mem::MaybeUninit::<ffi::Py_buffer>::uninit();
        // SAFETY: `view` is written by a successful call, and released in Drop.
        let status = unsafe {
            ffi::PyObject_GetBuffer(
                obj.as_ptr(),
                view.as_mut_ptr(),
                ffi::PyBUF_FORMAT | ffi::PyBUF_STRIDES,
            )
        };
        if status != 0 {
            // Not a buffer (or a refused export): not our concern here.
            // SAFETY: we hold the GIL.
            unsafe { ffi::PyErr_Clear() };
            return None;
        }
        // SAFETY: initialized by the successful call above.
        Some(Buffer {
            view: unsafe { view.assume_init() },
        })
    }

    /// How many dimensions it has: 0 for a scalar's (a numpy number's).
    pub fn ndim(&self) -> usize {
        self.view.ndim as usize
    }

    pub fn item_size(&self) -> usize {
        self.view.itemsize as usize
    }

    /// The element kind, from the format string: `None` for anything but
    /// one number per element stored little-endian, as the guest stores it.
    pub fn number(&self) -> Option<Number> {
        if self.view.format.is_null() {
            return Some(Number::Unsigned); // "B" is the default
        }
        // SAFETY: a non-null format is a NUL-terminated string of the exporter.
        let format = unsafe { CStr::from_ptr(self.view.format) }.to_bytes();
        let (order, code) = match format {
            [code] => (b'@', *code),
            [order, code] => (*order, *code),
            _ => return None,
        };
        let native = matches!(order, b'@' | b'=');
        let little_endian = order == b'<' || (native && cfg!(target_endian = "little"));
        if !little_endian {
            return None;
        }
        Some(match code {
            b'B' | b'H' | b'I' | b'L' | b'Q' | b'N' | b'c' => Number::Unsigned,
            b'b' | b'h' | b'i' | b'l' | b'q' | b'n' => Number::Signed,
            b'f' | b'd' => Number::Float,
            b'?' => Number::Bool,
            _ => return None,
        })
    }

    fn len(&self) -> usize {
        self.view.len as usize
    }

    /// The bytes, when they are one contiguous run in C order.
    pub fn contiguous(&self) -> Option<&[u8]> {
        // SAFETY: the view describes a live export.
        let c_order = unsafe { ffi::PyBuffer_IsContiguous(&self.view, b'C' as _) } != 0;
        if !c_order {
            return None;
        }
        if self.len() == 0 {
            return Some(&[]);
        }
        // SAFETY: a C-contiguous view's `len` bytes start at `buf`.
        Some(unsafe { std::slice::from_raw_parts(self.view.buf as *const u8, self.len()) })
    }

    /// The bytes in C order, copied.
    pub fn to_vec(&self) -> PyResult<Vec<u8>> {
        let mut out = vec![0u8; self.len()];
        // SAFETY: `out` has room for the view's `len` bytes.
        let status = unsafe {
            ffi::PyBuffer_ToContiguous(
                out.as_mut_ptr().cast(),
                &self.view,
                self.view.len,
                b'C' as _,
            )
        };
        if status != 0 {
            return Err(Python::attach(PyErr::fetch));
        }
        Ok(out)
    }
}

/// The rows of `obj` if it is an array of one dimension or more that is no
/// `Sequence` (a numpy array is none): a 1-D array is a sequence of its
/// numbers, a 2-D one a list of lists. Iterating an array, unlike an
/// iterator, consumes nothing, so such an array is taken as the sequence
/// it is. `None` for anything else.
#[cold]
pub fn array_rows<'py>(obj: &Bound<'py, PyAny>) -> Option<PyResult<Vec<Bound<'py, PyAny>>>> {
    let dimensions = Buffer::get(obj)?.ndim();
    if dimensions == 0 {
        return None;
    }
    let rows = obj.try_iter().ok()?;
    Some(rows.collect())
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // Releasing calls into the exporter, which needs the GIL; a tape may
        // be dropped by wasmtime, after the GIL was let go.
        crate::attach::attach(|_py| {
            // SAFETY: acquired in `get`, released once.
            unsafe { ffi::PyBuffer_Release(&mut self.view) }
        });
    }
}
