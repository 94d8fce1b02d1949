//! `witbridge.Engine`: compiles components; shared by everything made with it.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use witbridge_core::engine::{EngineOptions, new_engine};

use crate::pyclasses;

/// Compiles and runs components.
///
/// One engine can serve any number of components and instances. Most
/// programs never build one: a process-wide default engine is used wherever
/// ``engine=`` is left out.
///
/// ``fuel=True`` counts the instructions a guest runs and
/// ``epoch_interruption=True`` lets a running guest be interrupted; each
/// costs a little speed, so both are off by default.
#[pyclass(frozen, module = "witbridge._native")]
pub struct Engine {
    pub inner: wasmtime::Engine,
    pub options: EngineOptions,
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (*, fuel = false, epoch_interruption = false))]
    fn new(fuel: bool, epoch_interruption: bool) -> PyResult<Self> {
        let options = EngineOptions {
            fuel,
            epoch_interruption,
        };
        let inner = new_engine(options).map_err(|e| {
            pyclasses::new_err(pyclasses::error, format!("cannot create engine: {e:#}"))
        })?;
        Ok(Engine { inner, options })
    }

    /// The process-wide engine used where ``engine=`` is not given.
    #[staticmethod]
    pub fn default(py: Python<'_>) -> PyResult<Py<Engine>> {
        static DEFAULT: PyOnceLock<Py<Engine>> = PyOnceLock::new();
        DEFAULT
            .get_or_try_init(py, || Py::new(py, Engine::new(false, false)?))
            .map(|e| e.clone_ref(py))
    }

    /// Whether fuel metering is on.
    #[getter]
    fn fuel(&self) -> bool {
        self.options.fuel
    }

    /// Whether epoch interruption is on.
    #[getter]
    fn epoch_interruption(&self) -> bool {
        self.options.epoch_interruption
    }

    fn __repr__(&self) -> String {
        format!(
            "Engine(fuel={}, epoch_interruption={})",
            py_bool(self.options.fuel),
            py_bool(self.options.epoch_interruption)
        )
    }
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// The given engine, or the default one.
pub fn engine_or_default(py: Python<'_>, engine: Option<Py<Engine>>) -> PyResult<Py<Engine>> {
    match engine {
        Some(engine) => Ok(engine),
        None => Engine::default(py),
    }
}
