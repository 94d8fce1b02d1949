//! `witbridge.Engine`: compiles components; shared by everything made with it.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use witbridge_core::artifact::{CompileCache, default_cache_dir};
use witbridge_core::engine::{EngineOptions, new_engine};
use witbridge_core::ticker::Ticker;

use crate::fs_path::FsPath;
use crate::pyclasses;

/// One wasmtime engine with the ticker that drives its epochs.
pub struct Variant {
    pub engine: wasmtime::Engine,
    /// Present when the engine has epoch interruption.
    pub ticker: Option<Ticker>,
    pub fuel: bool,
}

impl Variant {
    fn new(options: EngineOptions) -> PyResult<Arc<Self>> {
        let engine = new_engine(options).map_err(|e| {
            pyclasses::new_err(pyclasses::error, format!("cannot create engine: {e:#}"))
        })?;
        let ticker = options
            .epoch_interruption
            .then(|| Ticker::new(engine.clone()));
        Ok(Arc::new(Variant {
            engine,
            ticker,
            fuel: options.fuel,
        }))
    }
}

/// Compiles and runs components.
///
/// One engine can serve any number of components and instances. Most
/// programs never build one: a process-wide default engine is used wherever
/// ``engine=`` is left out.
///
/// ``fuel``: ``None`` (the default) compiles fuel metering only into the
/// instances that get a ``Limits(fuel=...)`` budget (a second compiled
/// variant of the component, made when first needed), ``True`` into every
/// instance, ``False`` into none (then fuel limits are refused).
/// ``epoch_interruption=True`` (the default) lets ``Limits(timeout=...)``
/// and Ctrl-C stop a running guest, at the price of a counter check at each
/// loop iteration. ``cache_dir`` is where compiled components are kept
/// (``None``: no cache); by default the user's cache directory, or
/// ``$WITBRIDGE_CACHE_DIR``.
#[pyclass(frozen, module = "witbridge._native")]
pub struct Engine {
    /// What every component is compiled for.
    pub base: Arc<Variant>,
    /// With fuel metering, for instances with a fuel budget (`fuel=None` only).
    fueled: OnceLock<Arc<Variant>>,
    /// `Some(true)`/`Some(false)`: fuel always/never; `None`: on demand.
    fuel: Option<bool>,
    pub cache: Option<CompileCache>,
}

/// What `Engine(cache_dir=...)` was given: a path, or `...` (Ellipsis),
/// the default, "the user's cache directory".
enum CacheDir {
    Path(PathBuf),
    Default,
}

impl<'py> FromPyObject<'py> for CacheDir {
    fn extract_bound(obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        if obj.is(obj.py().Ellipsis()) {
            return Ok(CacheDir::Default);
        }
        match obj.extract::<FsPath>() {
            Ok(FsPath(path)) => Ok(CacheDir::Path(path)),
            Err(err) if err.is_instance_of::<pyo3::exceptions::PyTypeError>(obj.py()) => {
                Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "cache_dir must be a path, None (no cache) or ... (the default), got {}",
                    obj.get_type().name()?
                )))
            }
            // A path that can't be encoded (UnicodeEncodeError) or has a NUL.
            Err(err) => Err(err),
        }
    }
}

impl Engine {
    /// Warns (`witbridge.CacheWarning`, once per engine) if the compile
    /// cache was refused as untrusted while compiling. Call it with the
    /// GIL, after a compile.
    pub fn warn_if_cache_refused(&self, py: Python<'_>) -> PyResult<()> {
        let Some(reason) = self.cache.as_ref().and_then(|c| c.take_refusal()) else {
            return Ok(());
        };
        let message = format!(
            "witbridge is not using its compile cache: {reason}. Compiled machine code is \
             loaded from there, so it must be yours alone; components are compiled anew \
             until then"
        );
        let category = pyclasses::cache_warning(py)?;
        PyErr::warn(py, category, &std::ffi::CString::new(message)?, 1)
    }

    /// The variant to instantiate in: with fuel metering if `fuel` is asked.
    pub fn variant(&self, fuel: bool) -> PyResult<&Arc<Variant>> {
        match (fuel, self.fuel) {
            (false, _) | (true, Some(true)) => Ok(&self.base),
            (true, Some(false)) => Err(pyclasses::new_err(
                pyclasses::error,
                "Limits(fuel=...) needs an engine that meters fuel; this one was made with \
                 Engine(fuel=False) (use fuel=None or fuel=True)",
            )),
            (true, None) => {
                if let Some(v) = self.fueled.get() {
                    return Ok(v);
                }
                let options = EngineOptions {
                    fuel: true,
                    epoch_interruption: self.base.ticker.is_some(),
                };
                let made = Variant::new(options)?;
                Ok(self.fueled.get_or_init(|| made))
            }
        }
    }

    pub fn epoch_interruption(&self) -> bool {
        self.base.ticker.is_some()
    }

    fn build(
        fuel: Option<bool>,
        epoch_interruption: bool,
        cache_dir: Option<CacheDir>,
    ) -> PyResult<Self> {
        let base = Variant::new(EngineOptions {
            fuel: fuel == Some(true),
            epoch_interruption,
        })?;
        let cache = match cache_dir {
            None => None,
            Some(CacheDir::Path(dir)) => Some(CompileCache::new(dir)),
            Some(CacheDir::Default) => default_cache_dir().map(CompileCache::new),
        };
        Ok(Engine {
            base,
            fueled: OnceLock::new(),
            fuel,
            cache,
        })
    }
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (*, fuel = None, epoch_interruption = true, cache_dir = Some(CacheDir::Default)))]
    fn new(
        fuel: Option<bool>,
        epoch_interruption: bool,
        cache_dir: Option<CacheDir>,
    ) -> PyResult<Self> {
        Self::build(fuel, epoch_interruption, cache_dir)
    }

    /// The process-wide engine used where ``engine=`` is not given.
    #[staticmethod]
    pub fn default(py: Python<'_>) -> PyResult<Py<Engine>> {
        static DEFAULT: PyOnceLock<Py<Engine>> = PyOnceLock::new();
        DEFAULT
            .get_or_try_init(py, || {
                Py::new(py, Engine::build(None, true, Some(CacheDir::Default))?)
            })
            .map(|e| e.clone_ref(py))
    }

    /// ``True``, ``False`` or ``None`` (only for instances with a fuel budget).
    #[getter(fuel)]
    fn fuel_setting(&self) -> Option<bool> {
        self.fuel
    }

    /// Whether running guests can be interrupted (timeouts, Ctrl-C).
    #[getter(epoch_interruption)]
    fn epoch_interruption_setting(&self) -> bool {
        self.epoch_interruption()
    }

    /// The compile cache's directory, or None when caching is off.
    #[getter]
    fn cache_dir(&self) -> Option<PathBuf> {
        self.cache.as_ref().map(|c| c.dir().to_path_buf())
    }

    fn __repr__(&self) -> String {
        let fuel = match self.fuel {
            None => "None",
            Some(b) => py_bool(b),
        };
        let cache = match &self.cache {
            Some(c) => format!("{:?}", c.dir().display().to_string()),
            None => "None".into(),
        };
        format!(
            "Engine(fuel={fuel}, epoch_interruption={}, cache_dir={cache})",
            py_bool(self.epoch_interruption()),
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
