//! `Linker`: provides a component's imports and instantiates it.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use wasmtime::Store;
use witbridge_core::describe::Item;
use witbridge_core::names;
use witbridge_core::wit_parser::Function as WitFunction;
use witbridge_core::wit_text;

use crate::component::Component;
use crate::engine::{Engine, engine_or_default};
use crate::function::Signature;
use crate::host::HostFunction;
use crate::instance::{Host, Instance, State};
use crate::pyclasses;
use crate::trap::call_failure;

/// Provides imports and instantiates components.
///
/// ``define(name, impl)`` implements an imported interface with an object,
/// module or dict whose attributes (snake_case) are its functions;
/// ``define_func(name, fn)`` implements a root-level imported function.
/// ``instantiate`` checks every import first and lists everything missing in
/// one ``LinkError``.
#[pyclass(frozen, subclass, module = "witbridge._native")]
pub struct Linker {
    engine: Py<Engine>,
    /// (name as given, implementation), latest definition last.
    definitions: Mutex<Vec<(String, Py<PyAny>)>>,
}

/// A function import resolved to its Python implementation.
struct Resolved<'a> {
    /// The import's full name as the component spells it; `None` at the root.
    interface: Option<String>,
    func: &'a WitFunction,
    callable: Py<PyAny>,
}

impl Linker {
    fn definition(&self, py: Python<'_>, import: &str) -> Option<Py<PyAny>> {
        let definitions = self.definitions.lock().unwrap_or_else(|p| p.into_inner());
        // The most recent matching definition wins, as in a Python dict.
        definitions
            .iter()
            .rev()
            .find(|(name, _)| names::import_matches(name, import))
            .map(|(_, implementation)| implementation.clone_ref(py))
    }

    /// Finds an implementation for every function import of `comp`, or lists
    /// all that are missing.
    fn resolve_imports<'a>(
        &self,
        py: Python<'_>,
        comp: &'a Component,
    ) -> PyResult<Vec<Resolved<'a>>> {
        let desc = &comp.desc;
        let resolve = &desc.resolve;
        let mut resolved = Vec::new();
        let mut missing = Vec::new();
        for (name, item) in desc.imports() {
            match item {
                Item::Interface { id, .. } => {
                    let funcs = desc.interface_functions(id);
                    if funcs.is_empty() {
                        continue; // an interface of types only needs nothing
                    }
                    let Some(implementation) = self.definition(py, &name) else {
                        let mut text = format!("  interface {name}:");
                        for f in &funcs {
                            text.push_str(&format!("\n      {}", wit_text::signature(resolve, f)));
                        }
                        missing.push(text);
                        continue;
                    };
                    for f in funcs {
                        match member(implementation.bind(py), &f.name)? {
                            Some(callable) => resolved.push(Resolved {
                                interface: Some(name.clone()),
                                func: f,
                                callable,
                            }),
                            None => missing.push(format!(
                                "  {}() in the implementation of {name} ({}): {}",
                                names::snake(&f.name),
                                implementation.bind(py).get_type().name()?,
                                wit_text::signature(resolve, f)
                            )),
                        }
                    }
                }
                Item::Function(f) => match self.definition(py, &name) {
                    Some(callable) => resolved.push(Resolved {
                        interface: None,
                        func: f,
                        callable,
                    }),
                    None => missing.push(format!("  function {}", wit_text::signature(resolve, f))),
                },
            }
        }
        if missing.is_empty() {
            return Ok(resolved);
        }
        Err(pyclasses::new_err(
            pyclasses::link_error,
            format!(
                "the component has {} import{} that nothing provides:\n{}",
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
                missing.join("\n")
            ),
        ))
    }
}

/// The callable implementing WIT function `wit_name` on `implementation`:
/// a dict entry (by snake_case or WIT name) or an attribute.
fn member(implementation: &Bound<'_, PyAny>, wit_name: &str) -> PyResult<Option<Py<PyAny>>> {
    let snake = names::snake(wit_name);
    let found = if let Ok(dict) = implementation.downcast::<PyDict>() {
        match dict.get_item(&snake)? {
            Some(v) => Some(v),
            None => dict.get_item(wit_name)?,
        }
    } else {
        implementation.getattr(snake.as_str()).ok()
    };
    Ok(found.filter(|f| f.is_callable()).map(Bound::unbind))
}

#[pymethods]
impl Linker {
    #[new]
    #[pyo3(signature = (engine = None))]
    fn new(py: Python<'_>, engine: Option<Py<Engine>>) -> PyResult<Self> {
        Ok(Linker {
            engine: engine_or_default(py, engine)?,
            definitions: Mutex::default(),
        })
    }

    /// The engine components must be compiled with to be linked here.
    #[getter]
    fn engine(&self, py: Python<'_>) -> Py<Engine> {
        self.engine.clone_ref(py)
    }

    /// Implements the imported interface `name` (``"xyz:host/log"``, with or
    /// without a version) with the functions of `implementation`: an object,
    /// module or dict whose attributes are named in snake_case.
    fn define(&self, name: String, implementation: Py<PyAny>) {
        self.definitions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((name, implementation));
    }

    /// Implements the root-level imported function `name` with `func`.
    fn define_func(&self, py: Python<'_>, name: String, func: Py<PyAny>) -> PyResult<()> {
        if !func.bind(py).is_callable() {
            return Err(PyTypeError::new_err(format!(
                "define_func({name:?}, ...): expected a callable"
            )));
        }
        self.define(name, func);
        Ok(())
    }

    /// Instantiates `component` in a store of its own.
    fn instantiate(&self, py: Python<'_>, component: Py<Component>) -> PyResult<Instance> {
        let comp = component.get();
        let engine = self.engine.get();
        if !wasmtime::Engine::same(&engine.inner, &comp.engine.get().inner) {
            return Err(pyclasses::new_err(
                pyclasses::link_error,
                "the component was compiled with another engine than this linker's",
            ));
        }
        let resolved = self.resolve_imports(py, comp)?;
        let mut linker = wasmtime::component::Linker::<Host>::new(&engine.inner);
        for import in resolved {
            let sig = Arc::new(Signature::compile(
                py,
                comp,
                import.interface.as_deref(),
                import.func,
            )?);
            let host = HostFunction::new(py, sig, import.callable);
            let body =
                move |store: wasmtime::StoreContextMut<'_, Host>,
                      _ty,
                      params: &[_],
                      results: &mut [_]| { host.call(store, params, results) };
            let defined = match &import.interface {
                Some(iface) => linker
                    .instance(iface)
                    .and_then(|mut i| i.func_new(&import.func.name, body)),
                None => linker.root().func_new(&import.func.name, body),
            };
            defined.map_err(|e| pyclasses::new_err(pyclasses::link_error, format!("{e:#}")))?;
        }
        let mut store = Store::new(&engine.inner, Host::default());
        if engine.options.fuel {
            // Without a budget of its own, an instance may run as long as it likes.
            store
                .set_fuel(u64::MAX)
                .map_err(|e| pyclasses::new_err(pyclasses::error, format!("{e:#}")))?;
        }
        if engine.options.epoch_interruption {
            store.epoch_deadline_trap();
            store.set_epoch_deadline(u64::MAX / 2);
        }
        let instance = linker.instantiate(&mut store, &comp.inner).map_err(|e| {
            match store.data_mut().pending.take() {
                Some(raised) => raised,
                None => call_failure(py, e, "instantiating the component").error,
            }
        })?;
        Ok(Instance {
            component,
            state: Mutex::new(State {
                store,
                instance,
                broken: None,
            }),
        })
    }

    fn __repr__(&self) -> String {
        let definitions = self.definitions.lock().unwrap_or_else(|p| p.into_inner());
        let names: Vec<&str> = definitions.iter().map(|(n, _)| n.as_str()).collect();
        format!("<witbridge.Linker defines=[{}]>", names.join(", "))
    }
}
