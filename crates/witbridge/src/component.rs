//! `witbridge.Component`: a compiled component and the description of its world.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;
use pyo3::types::{PyDict, PyList};
use witbridge_core::LoadError;
use witbridge_core::artifact;
use witbridge_core::compile::compile;
use witbridge_core::describe::{Description, Item};
use witbridge_core::load::{WitSource, component_bytes};
use witbridge_core::names;
use witbridge_core::wit_parser::{Function as WitFunction, InterfaceId, Type};
use witbridge_core::wit_text;

use crate::call::signature::Signature;
use crate::classes::{TypeClass, TypeClasses};
use crate::engine::{Engine, Variant, engine_or_default};
use crate::fs_path::FsPath;
use crate::pyclasses;

/// A compiled WebAssembly component.
///
/// Make one with :meth:`from_file`, :meth:`from_bytes` or :meth:`from_wat`
/// from a component, WAT text, or a wit-bindgen core module (componentized
/// on the fly); a core module without embedded WIT needs ``wit=`` (a .wit
/// file or directory) and usually ``world=``. Compile once, instantiate as
/// often as you like.
#[pyclass(frozen, weakref, module = "witbridge._native")]
pub struct Component {
    pub engine: Py<Engine>,
    /// Compiled for the engine's base variant.
    pub inner: wasmtime::component::Component,
    /// Compiled for the engine's fuel-metering variant, once needed.
    fueled: OnceLock<wasmtime::component::Component>,
    /// The component binary it was compiled from (after componentizing), for
    /// a fuel variant and for pickling; `None` when deserialized from an artifact.
    source: Option<Arc<[u8]>>,
    pub desc: Arc<Description>,
    pub classes: TypeClasses,
    /// Signatures compiled so far.
    signatures: Mutex<HashMap<FunctionKey, Arc<Signature>>>,
}

/// (interface, function) by WIT names; no interface for a root function.
type FunctionKey = (Option<String>, String);

pub(crate) fn load_error(err: LoadError) -> PyErr {
    match err {
        LoadError::Compile(message) => pyclasses::new_err(pyclasses::compile_error, message),
        LoadError::Io { path, source } => {
            let errno =
                source
                    .raw_os_error()
                    .unwrap_or(if source.kind() == std::io::ErrorKind::NotFound {
                        2
                    } else {
                        5
                    });
            // OSError(errno, message, filename) picks the right subclass
            // (FileNotFoundError, PermissionError, ...) by itself.
            PyOSError::new_err((errno, source.to_string(), path.display().to_string()))
        }
    }
}

impl Component {
    fn compile(
        py: Python<'_>,
        input: &[u8],
        engine: Option<Py<Engine>>,
        wit: Option<PathBuf>,
        world: Option<String>,
    ) -> PyResult<Self> {
        if artifact::is_artifact(input) {
            // Never run an artifact's machine code on a path that also takes
            // untrusted wasm: loading one must be asked for by name.
            return Err(pyclasses::new_err(
                pyclasses::compile_error,
                "this is a precompiled witbridge artifact, not wasm: load it with \
                 Component.deserialize() (only if you made it yourself)",
            ));
        }
        let engine = engine_or_default(py, engine)?;
        let wit = match (wit, world) {
            (Some(path), world) => Some(WitSource { path, world }),
            (None, Some(_)) => {
                return Err(pyclasses::new_err(
                    pyclasses::compile_error,
                    "world= names a world in the WIT given by wit=; pass wit= too",
                ));
            }
            (None, None) => None,
        };
        let engine_ref = engine.get();
        // Componentizing and compiling take long enough that other Python
        // threads should run meanwhile.
        let (inner, desc, source) = py
            .detach(|| {
                let bytes = component_bytes(input, wit.as_ref())?;
                let (inner, desc) = compile(
                    &engine_ref.base.engine,
                    &bytes,
                    wit.as_ref(),
                    engine_ref.cache.as_ref(),
                )?;
                Ok::<_, LoadError>((inner, desc, Some(Arc::<[u8]>::from(bytes))))
            })
            .map_err(load_error)?;
        engine_ref.warn_if_cache_refused(py)?;
        Ok(Self::new(engine, inner, desc, source))
    }

    fn new(
        engine: Py<Engine>,
        inner: wasmtime::component::Component,
        desc: Description,
        source: Option<Arc<[u8]>>,
    ) -> Self {
        Component {
            engine,
            inner,
            fueled: OnceLock::new(),
            source,
            desc: Arc::new(desc),
            classes: TypeClasses::default(),
            signatures: Mutex::default(),
        }
    }

    /// The component compiled for `variant` of its engine: the base one, or
    /// the fuel-metering one (compiled, or loaded from the cache, on first use).
    pub fn for_variant(
        &self,
        py: Python<'_>,
        variant: &Variant,
    ) -> PyResult<wasmtime::component::Component> {
        let engine = self.engine.get();
        if std::ptr::eq(variant, &*engine.base) {
            return Ok(self.inner.clone());
        }
        if let Some(compiled) = self.fueled.get() {
            return Ok(compiled.clone());
        }
        let Some(source) = &self.source else {
            return Err(pyclasses::new_err(
                pyclasses::error,
                "Limits(fuel=...) needs this component compiled with fuel metering, but it was \
                 deserialized from an artifact without it: deserialize it into an \
                 Engine(fuel=True), or load it from its .wasm file",
            ));
        };
        let cache = engine.cache.as_ref();
        let compiled = py
            .detach(|| compile(&variant.engine, source, None, cache).map(|(c, _)| c))
            .map_err(load_error)?;
        engine.warn_if_cache_refused(py)?;
        Ok(self.fueled.get_or_init(|| compiled).clone())
    }

    /// The interface id of an export named by its full WIT name.
    pub fn exported_interface(&self, name: &str) -> Option<InterfaceId> {
        self.desc
            .exports()
            .into_iter()
            .find_map(|(n, item)| match item {
                Item::Interface { id, .. } if n == name => Some(id),
                _ => None,
            })
    }

    /// The WIT function `name` in `interface` (or at the root).
    pub fn exported_function(&self, interface: Option<&str>, name: &str) -> Option<&WitFunction> {
        match interface {
            Some(iface) => {
                let id = self.exported_interface(iface)?;
                self.desc.resolve.interfaces[id].functions.get(name)
            }
            None => self
                .desc
                .exports()
                .into_iter()
                .find_map(|(n, item)| match item {
                    Item::Function(f) if n == name => Some(f),
                    _ => None,
                }),
        }
    }

    /// The compiled signature of an exported function, made on first use.
    pub fn signature(
        &self,
        py: Python<'_>,
        interface: Option<&str>,
        name: &str,
    ) -> PyResult<Arc<Signature>> {
        let key = (interface.map(str::to_owned), name.to_owned());
        if let Some(sig) = self
            .signatures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(sig.clone());
        }
        let func = self.exported_function(interface, name).ok_or_else(|| {
            pyo3::exceptions::PyAttributeError::new_err(format!(
                "the component exports no function {}",
                names::qualified(interface, name)
            ))
        })?;
        let sig = Arc::new(Signature::compile(
            py,
            &self.desc,
            &self.classes,
            interface,
            func,
        )?);
        let mut table = self.signatures.lock().unwrap_or_else(|p| p.into_inner());
        Ok(table.entry(key).or_insert(sig).clone())
    }

    /// The classes of `types` (local name, type) by attribute name. Each is
    /// there under the name the interface gives it: a `use a.{point as spot}`
    /// is `Spot`, and a rename is how WIT keeps two types called `point`
    /// apart, so one must not hide the other. A class is also there under
    /// its own name (`Point`, and `ShapeCircle` for a variant's cases) unless
    /// the interface gives that name to another class.
    fn types_dict<'py>(
        &self,
        py: Python<'py>,
        types: Vec<(&str, Type)>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        let mut classes = Vec::new();
        for (local, ty) in types {
            let Type::Id(id) = ty else { continue };
            let Some(class) = self.classes.get(py, &self.desc, id)? else {
                continue;
            };
            dict.set_item(names::pascal(local), class.main().bind(py))?;
            classes.push(class);
        }
        let local = dict.copy()?;
        for class in &classes {
            let mut own = vec![class.main().bind(py)];
            if let TypeClass::Variant(_, cases) = class {
                own.extend(cases.iter().map(|case| case.bind(py)));
            }
            for cls in own {
                let name = cls.name()?;
                if !local.contains(&name)? {
                    dict.set_item(name, cls)?;
                }
            }
        }
        Ok(dict)
    }
}

#[pymethods]
impl Component {
    /// Loads a component, WAT file, or wit-bindgen core module from disk.
    #[staticmethod]
    #[pyo3(signature = (path, *, engine = None, wit = None, world = None))]
    fn from_file(
        py: Python<'_>,
        path: FsPath,
        engine: Option<Py<Engine>>,
        wit: Option<FsPath>,
        world: Option<String>,
    ) -> PyResult<Self> {
        let FsPath(path) = path;
        let bytes =
            std::fs::read(&path).map_err(|source| load_error(LoadError::Io { path, source }))?;
        Self::compile(py, &bytes, engine, wit.map(|wit| wit.0), world)
    }

    /// Loads a component (or WAT text, or a core module) from bytes.
    #[staticmethod]
    #[pyo3(signature = (data, *, engine = None, wit = None, world = None))]
    fn from_bytes(
        py: Python<'_>,
        data: PyBackedBytes,
        engine: Option<Py<Engine>>,
        wit: Option<FsPath>,
        world: Option<String>,
    ) -> PyResult<Self> {
        Self::compile(py, &data, engine, wit.map(|wit| wit.0), world)
    }

    /// Assembles a component (or core module) written in WAT text.
    #[staticmethod]
    #[pyo3(signature = (text, *, engine = None, wit = None, world = None))]
    fn from_wat(
        py: Python<'_>,
        text: &str,
        engine: Option<Py<Engine>>,
        wit: Option<FsPath>,
        world: Option<String>,
    ) -> PyResult<Self> {
        if !text.trim_start().starts_with('(') && !text.trim_start().starts_with(";;") {
            return Err(pyclasses::new_err(
                pyclasses::compile_error,
                "from_wat() expects WAT text such as '(component ...)'; use from_file() for a path",
            ));
        }
        Self::compile(py, text.as_bytes(), engine, wit.map(|wit| wit.0), world)
    }

    /// The compiled component as bytes, for :meth:`deserialize`: machine
    /// code for this engine's settings and this wasmtime version, plus the
    /// component's world and a checksum.
    fn serialize<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py
            .detach(|| artifact::serialize(&self.inner, &self.desc))
            .map_err(load_error)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Loads what :meth:`serialize` wrote, without compiling.
    ///
    /// The bytes must come from :meth:`serialize` with an engine of the same
    /// settings and the same witbridge and wasmtime versions; anything else,
    /// and damaged bytes, raise ``CompileError``. They are machine code that
    /// will run in this process: load only artifacts you made yourself.
    #[staticmethod]
    #[pyo3(signature = (data, *, engine = None))]
    fn deserialize(
        py: Python<'_>,
        data: PyBackedBytes,
        engine: Option<Py<Engine>>,
    ) -> PyResult<Self> {
        let engine = engine_or_default(py, engine)?;
        let base = engine.get().base.engine.clone();
        let (inner, desc) = py
            .detach(|| artifact::deserialize(&base, &data))
            .map_err(load_error)?;
        Ok(Self::new(engine, inner, desc, None))
    }

    /// The component binary this was compiled from (a core module made a
    /// component already), or None for one deserialized from an artifact.
    fn _wasm<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.source.as_ref().map(|bytes| PyBytes::new(py, bytes))
    }

    /// Pickles as the component's bytes and its engine's settings, never
    /// machine code: the receiving process compiles (or hits its compile
    /// cache). See `witbridge._portable`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("witbridge._portable")?
            .call_method1("_reduce_component", (slf,))
    }

    /// The component's world as WIT text.
    fn wit(&self) -> PyResult<String> {
        wit_text::world_text(&self.desc.resolve, self.desc.world).map_err(|e| {
            pyclasses::new_err(pyclasses::error, format!("cannot print the world: {e:#}"))
        })
    }

    /// The engine the component was compiled with.
    #[getter]
    fn engine(&self, py: Python<'_>) -> Py<Engine> {
        self.engine.clone_ref(py)
    }

    /// The imports and exports of the component, with their WIT types.
    #[getter]
    fn world<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let world = py.import("witbridge._world")?;
        let imports = self.items(py, self.desc.imports())?;
        let exports = self.items(py, self.desc.exports())?;
        world.call_method1("build", (self.desc.world().name.clone(), imports, exports))
    }

    /// (full name, Python attribute, kind) of every export, for namespaces.
    fn _exports(&self) -> Vec<(String, String, &'static str)> {
        self.desc
            .exports()
            .into_iter()
            .map(|(name, item)| match item {
                Item::Interface { .. } => {
                    let attr = names::interface_attr(&name);
                    (name, attr, "interface")
                }
                Item::Function(_) => {
                    let attr = names::snake(&name);
                    (name, attr, "function")
                }
            })
            .collect()
    }

    /// (Python name, WIT name) of the functions of an exported interface.
    fn _functions(&self, interface: &str) -> PyResult<Vec<(String, String)>> {
        let id = self.exported_interface(interface).ok_or_else(|| {
            pyo3::exceptions::PyKeyError::new_err(format!(
                "the component exports no interface {interface}"
            ))
        })?;
        Ok(self
            .desc
            .interface_functions(id)
            .into_iter()
            .map(|f| (names::snake(&f.name), f.name.clone()))
            .collect())
    }

    /// The classes of the named types of an exported interface (or of the
    /// world's root when `interface` is None), by Python name.
    #[pyo3(signature = (interface = None))]
    fn _types<'py>(
        &self,
        py: Python<'py>,
        interface: Option<&str>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let types = match interface {
            None => self.desc.world_types(),
            Some(name) => {
                let id = self.exported_interface(name).ok_or_else(|| {
                    pyo3::exceptions::PyKeyError::new_err(format!(
                        "the component exports no interface {name}"
                    ))
                })?;
                self.desc.interface_types(id)
            }
        };
        self.types_dict(py, types)
    }

    fn __repr__(&self) -> String {
        let exports: Vec<String> = self.desc.exports().into_iter().map(|(n, _)| n).collect();
        format!("<witbridge.Component exports=[{}]>", exports.join(", "))
    }
}

impl Component {
    /// The world items as plain tuples for `witbridge._world.build`.
    fn items<'py>(
        &self,
        py: Python<'py>,
        items: Vec<(String, Item<'_>)>,
    ) -> PyResult<Bound<'py, PyList>> {
        let resolve = &self.desc.resolve;
        let describe_fn = |f: &WitFunction| {
            let params: Vec<(String, String)> = f
                .params
                .iter()
                .map(|p| (p.name.clone(), wit_text::type_expr(resolve, &p.ty)))
                .collect();
            let result = f.result.as_ref().map(|t| wit_text::type_expr(resolve, t));
            (
                f.name.clone(),
                params,
                result,
                wit_text::signature(resolve, f),
                f.docs.contents.clone(),
            )
        };
        let list = PyList::empty(py);
        for (name, item) in items {
            match item {
                Item::Interface { id, .. } => {
                    let funcs: Vec<_> = self
                        .desc
                        .interface_functions(id)
                        .into_iter()
                        .map(describe_fn)
                        .collect();
                    let types: Vec<String> = resolve.interfaces[id].types.keys().cloned().collect();
                    list.append(("interface", name, funcs, types))?;
                }
                Item::Function(f) => {
                    list.append(("function", name, vec![describe_fn(f)], Vec::<String>::new()))?
                }
            }
        }
        Ok(list)
    }
}
