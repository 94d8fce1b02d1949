//! `Linker`: provides a component's imports and instantiates it.

use std::sync::Mutex;

use pyo3::prelude::*;
use wasmtime::Store;
use witbridge_core::describe::Item;
use witbridge_core::wit_text;

use crate::component::Component;
use crate::engine::{Engine, engine_or_default};
use crate::instance::{Host, Instance, State};
use crate::pyclasses;
use crate::trap::call_failure;

/// Instantiates components, after checking that every import is provided.
#[pyclass(frozen, subclass, module = "witbridge._native")]
pub struct Linker {
    engine: Py<Engine>,
}

#[pymethods]
impl Linker {
    #[new]
    #[pyo3(signature = (engine = None))]
    fn new(py: Python<'_>, engine: Option<Py<Engine>>) -> PyResult<Self> {
        Ok(Linker {
            engine: engine_or_default(py, engine)?,
        })
    }

    /// The engine components must be compiled with to be linked here.
    #[getter]
    fn engine(&self, py: Python<'_>) -> Py<Engine> {
        self.engine.clone_ref(py)
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
        check_imports(comp)?;
        let linker = wasmtime::component::Linker::<Host>::new(&engine.inner);
        let mut store = Store::new(&engine.inner, Host);
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
        let instance = linker
            .instantiate(&mut store, &comp.inner)
            .map_err(|e| call_failure(py, e, "instantiating the component").error)?;
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
        "<witbridge.Linker>".to_owned()
    }
}

/// Lists every import the component needs that nobody provides, in one
/// `LinkError`. An imported interface that declares only types needs
/// nothing.
fn check_imports(comp: &Component) -> PyResult<()> {
    let desc = &comp.desc;
    let resolve = &desc.resolve;
    let mut missing = Vec::new();
    for (name, item) in desc.imports() {
        match item {
            Item::Interface { id, .. } => {
                let funcs = &resolve.interfaces[id].functions;
                if funcs.is_empty() {
                    continue;
                }
                let mut text = format!("  interface {name}:");
                for f in funcs.values() {
                    text.push_str(&format!("\n      {}", wit_text::signature(resolve, f)));
                }
                missing.push(text);
            }
            Item::Function(f) => {
                missing.push(format!("  function {}", wit_text::signature(resolve, f)))
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
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
