//! `Function`: an exported function of one instance, a Python callable.

use std::sync::{Arc, OnceLock};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use witbridge_core::abi::export::TypedExport;
use witbridge_core::gil_policy::GilPolicy;

use crate::call::signature::Signature;
use crate::instance::Instance;

// An exported function of one instance, called with plain Python values.
// (No `///` doc here on purpose: a class docstring would shadow the
// per-function `__doc__` getter below.)
#[pyclass(frozen, module = "witbridge._native")]
pub struct Function {
    pub instance: Py<Instance>,
    pub sig: Arc<Signature>,
    /// Where the instance exports it: (interface or None at the root, name).
    pub export: (Option<String>, String),
    /// The export as wasmtime's typed function, found on the first call.
    pub typed: OnceLock<TypedExport>,
    /// Whether its calls keep the GIL, learned from the calls so far.
    pub gil: GilPolicy,
}

impl Function {
    pub fn new(
        instance: Py<Instance>,
        sig: Arc<Signature>,
        interface: Option<&str>,
        name: &str,
    ) -> Self {
        Function {
            instance,
            sig,
            export: (interface.map(str::to_owned), name.to_owned()),
            typed: OnceLock::new(),
            gil: GilPolicy::default(),
        }
    }
}

#[pymethods]
impl Function {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        crate::call::export::call(py, self, args, kwargs)
    }

    /// Functions are descriptors, so that a resource method stored on its
    /// class binds to the object it is looked up on (`counter.get()`).
    fn __get__(
        slf: &Bound<'_, Self>,
        obj: Option<&Bound<'_, PyAny>>,
        _owner: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        match obj {
            None => Ok(slf.clone().into_any().unbind()),
            Some(obj) => {
                static METHOD_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
                let method_type = METHOD_TYPE.import(slf.py(), "types", "MethodType")?;
                Ok(method_type.call1((slf, obj))?.unbind())
            }
        }
    }

    /// The Python name of the function.
    #[getter]
    fn __name__(&self) -> &str {
        &self.sig.name
    }

    /// The WIT signature followed by the WIT documentation.
    #[getter]
    fn __doc__(&self) -> String {
        self.sig.docstring()
    }

    /// What `inspect.signature` and `help()` show: the Python parameter
    /// names, annotated with their WIT types as text (`s: 'string'`), and
    /// the result's. Parameters may be passed by position or keyword.
    #[getter]
    fn __signature__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inspect = py.import("inspect")?;
        let parameter = inspect.getattr("Parameter")?;
        let kind = parameter.getattr("POSITIONAL_OR_KEYWORD")?;
        let params = self
            .sig
            .params
            .iter()
            .map(|p| {
                let kwargs = PyDict::new(py);
                kwargs.set_item("annotation", &p.wit_type)?;
                parameter.call((&p.name, &kind), Some(&kwargs))
            })
            .collect::<PyResult<Vec<_>>>()?;
        let kwargs = PyDict::new(py);
        match &self.sig.result_wit {
            Some(result) => kwargs.set_item("return_annotation", result)?,
            None => kwargs.set_item("return_annotation", py.None())?,
        }
        inspect.getattr("Signature")?.call((params,), Some(&kwargs))
    }

    /// The WIT signature, `count-symbols: func(s: string) -> u32`.
    #[getter]
    fn wit(&self) -> &str {
        &self.sig.wit
    }

    /// Whether calls keep the GIL now (see `witbridge_core::gil_policy`);
    /// private, for tests.
    #[getter]
    fn _keeps_gil(&self) -> bool {
        self.gil.keeps()
    }

    /// The full WIT name, `xyz:machine/machine-interface#count-symbols`.
    #[getter]
    fn wit_name(&self) -> &str {
        &self.sig.qualified
    }

    fn __repr__(&self) -> String {
        let qualified = &self.sig.qualified;
        match qualified.split_once('#') {
            Some((iface, _)) => format!("<witbridge function {iface}#{}>", self.sig.wit),
            None => format!("<witbridge function {}>", self.sig.wit),
        }
    }
}
