//! The Python classes the native code creates or raises, imported once from
//! the pure-Python part of the package and kept for the life of the process.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

macro_rules! python_class {
    ($(#[$doc:meta])* $fn_name:ident, $module:literal, $class:literal) => {
        $(#[$doc])*
        pub fn $fn_name(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
            static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
            CLASS.import(py, $module, $class)
        }
    };
}

python_class!(/// `witbridge.Ok`
    ok, "witbridge._values", "Ok");
python_class!(/// `witbridge.Some`
    some, "witbridge._values", "Some");
python_class!(/// `witbridge.Err`
    err, "witbridge._errors", "Err");
python_class!(/// `witbridge.Error`, the base of every witbridge error
    error, "witbridge._errors", "Error");
python_class!(/// `witbridge.CompileError`
    compile_error, "witbridge._errors", "CompileError");
python_class!(/// `witbridge.LinkError`
    link_error, "witbridge._errors", "LinkError");
python_class!(/// `witbridge.CacheWarning`
    cache_warning, "witbridge._errors", "CacheWarning");
python_class!(/// `witbridge.Trap`
    trap, "witbridge._errors", "Trap");

/// A `witbridge.Error` (or subclass) with a message, ready to raise.
pub fn new_err(
    class: fn(Python<'_>) -> PyResult<&Bound<'_, PyType>>,
    message: impl Into<String>,
) -> PyErr {
    let message = message.into();
    Python::attach(|py| match class(py) {
        Ok(class) => PyErr::from_type(class.clone(), (message,)),
        Err(import_failed) => import_failed,
    })
}
