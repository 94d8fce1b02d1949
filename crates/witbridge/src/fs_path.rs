//! File-system paths from Python arguments.
//!
//! pyo3 0.26's `PathBuf` extraction panics ("Python API call failed") on a
//! `str` that the file-system encoding can't represent, such as a lone
//! surrogate `"\ud800"`: it calls `PyUnicode_EncodeFSDefault` and doesn't
//! check for the error. A panic reaches Python as a `BaseException` that
//! `except Exception` misses, so every path argument comes through
//! [`FsPath`] instead, which lets `os.fsencode` say what is wrong.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyBytes;

/// A path given as `str`, `bytes` or an `os.PathLike`, as `open()` takes it.
pub struct FsPath(pub PathBuf);

impl<'py> FromPyObject<'py> for FsPath {
    fn extract_bound(obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        static FSENCODE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let py = obj.py();
        let fsencode = FSENCODE.get_or_try_init(py, || {
            PyResult::Ok(py.import("os")?.getattr("fsencode")?.unbind())
        })?;
        // `os.fsencode` takes what `os.fspath` takes and raises TypeError or
        // UnicodeEncodeError for anything else.
        let encoded = fsencode.bind(py).call1((obj,))?;
        let bytes = encoded.downcast::<PyBytes>()?.as_bytes().to_vec();
        if bytes.contains(&0) {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "a path must not contain a NUL character",
            ));
        }
        Ok(FsPath(PathBuf::from(OsString::from_vec(bytes))))
    }
}
