//! `Instance`: one instantiated component with its own wasmtime `Store`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyType};
use wasmtime::component::ResourceAny;
use witbridge_core::abi::LoadOptions;
use witbridge_core::describe::Item;
use witbridge_core::names;
use witbridge_core::wit_parser::{FunctionKind, TypeDefKind, TypeId, TypeOwner};

use crate::call::guest::Crossing;
use crate::classes::TypeClass;
use crate::component::Component;
use crate::convert::ListMode;
use crate::engine::Variant;
use crate::function::Function;
use crate::host_resources::{HostTable, lock};
use crate::state::{Entered, Locked, State};
use crate::wasi::Captured;

/// How an instance converts and crosses, as `Linker.instantiate` set it.
pub struct Settings {
    /// What the guest may hand the host, and which resources are the host's.
    pub load: LoadOptions,
    pub lists: ListMode,
    /// Whether calls go through wasmtime's `Val` API (the test oracle)
    /// rather than witbridge's ABI.
    pub reference: bool,
}

/// A running component. Its exports are reached through the Python wrapper
/// `witbridge.Instance`; this native half owns the store.
#[pyclass(frozen, module = "witbridge._native")]
pub struct Instance {
    pub component: Py<Component>,
    /// The engine variant the instance runs in (with fuel metering or not).
    variant: Arc<Variant>,
    /// The component as compiled for that variant.
    pub compiled: wasmtime::component::Component,
    locked: Locked,
    /// The guest's captured stdout and stderr.
    captured: Captured,
    /// The classes of this instance's exported resources: subclasses of the
    /// component's classes whose methods call into this instance.
    resource_classes: Mutex<HashMap<TypeId, Py<PyType>>>,
    /// Whether calls may keep the GIL while the guest runs: only without
    /// WASI and with an epoch ticker (see `witbridge_core::gil_policy`).
    may_keep_gil: bool,
    /// The Python objects of the host resources the guest holds.
    pub hosts: Arc<Mutex<HostTable>>,
    load: LoadOptions,
    pub lists: ListMode,
    pub reference: bool,
}

impl Instance {
    pub fn new(
        component: Py<Component>,
        variant: Arc<Variant>,
        compiled: wasmtime::component::Component,
        state: State,
        captured: Captured,
        settings: Settings,
    ) -> Self {
        let may_keep_gil = variant.ticker.is_some() && state.store.data().wasi.is_none();
        let hosts = state.store.data().resources.clone();
        Instance {
            component,
            variant,
            compiled,
            locked: Locked::new(state),
            captured,
            resource_classes: Mutex::default(),
            may_keep_gil,
            hosts,
            load: settings.load,
            lists: settings.lists,
            reference: settings.reference,
        }
    }

    /// What entering this instance's guest code needs.
    pub fn crossing(&self) -> Crossing<'_> {
        Crossing {
            ticker: self.variant.ticker.as_ref(),
            options: &self.load,
            may_keep_gil: self.may_keep_gil,
        }
    }

    /// Takes the instance's state for a call of (or lookup in) `what`,
    /// first dropping the resources that Python collected meanwhile.
    pub fn enter(&self, py: Python<'_>, what: &str) -> PyResult<Entered<'_>> {
        let mut state = self.locked.enter(py, what)?;
        let deferred = self.locked.take_deferred();
        if !deferred.is_empty() {
            // A failing destructor leaves the instance broken, which the
            // call after this one reports; it is not this call's failure.
            let _ = self.crossing().drop_resources(
                py,
                &mut state,
                deferred,
                "dropping a garbage-collected resource",
            );
        }
        Ok(state)
    }

    /// Drops a guest resource now (`obj.drop()`, `with`).
    pub fn drop_resource(
        &self,
        py: Python<'_>,
        resource: ResourceAny,
        wit_name: &str,
    ) -> PyResult<()> {
        let what = format!("dropping {wit_name}");
        let mut state = self.enter(py, &what)?;
        state.check_usable(&what)?;
        self.crossing()
            .drop_resources(py, &mut state, vec![resource], &what)
    }

    /// Drops a garbage-collected guest resource at the instance's next
    /// entry: a destructor runs guest code, which must not happen inside
    /// Python's garbage collection.
    pub fn release(&self, resource: ResourceAny) {
        self.locked.defer_drop(resource);
    }

    /// The callable for the exported function `name` of `interface` (None
    /// at the root). It finds its wasmtime function on its first call.
    pub fn make_function(
        py: Python<'_>,
        slf: &Py<Instance>,
        interface: Option<&str>,
        name: &str,
    ) -> PyResult<Function> {
        let sig = slf.get().component.get().signature(py, interface, name)?;
        Ok(Function::new(slf.clone_ref(py), sig, interface, name))
    }

    /// The class of this instance's exported resource `id`, made on first use.
    pub fn resource_class(
        &self,
        py: Python<'_>,
        slf: &Py<Instance>,
        id: TypeId,
    ) -> PyResult<Py<PyType>> {
        if let Some(class) = self.classes().get(&id) {
            return Ok(class.clone_ref(py));
        }
        let component = self.component.get();
        let desc = &component.desc;
        let Some(TypeClass::Resource(base)) = component.classes.get(py, desc, id)? else {
            return Err(crate::convert::internal(
                "an exported resource without a class",
            ));
        };
        let TypeOwner::Interface(owner) = desc.resolve.types[id].owner else {
            return Err(crate::convert::internal(
                "an exported resource outside any interface",
            ));
        };
        let interface = desc
            .exports()
            .into_iter()
            .find_map(|(name, item)| {
                matches!(item, Item::Interface { id, .. } if id == owner).then_some(name)
            })
            .ok_or_else(|| {
                crate::convert::internal("a resource of an interface the component does not export")
            })?;
        let members = PyList::empty(py);
        for f in desc.resolve.interfaces[owner].functions.values() {
            let kind = match f.kind {
                FunctionKind::Constructor(r) if r == id => "constructor",
                FunctionKind::Method(r) if r == id => "method",
                FunctionKind::Static(r) if r == id => "static",
                _ => continue,
            };
            let function = Self::make_function(py, slf, Some(&interface), &f.name)?;
            members.append((kind, names::snake(f.item_name()), function))?;
        }
        let class = py
            .import("witbridge._classes")?
            .call_method1("bind_resource", (base.bind(py), members))?
            .downcast_into::<PyType>()?
            .unbind();
        Ok(self.classes().entry(id).or_insert(class).clone_ref(py))
    }

    fn classes(&self) -> std::sync::MutexGuard<'_, HashMap<TypeId, Py<PyType>>> {
        self.resource_classes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[pymethods]
impl Instance {
    /// The component this is an instance of.
    #[getter]
    fn component(&self, py: Python<'_>) -> Py<Component> {
        self.component.clone_ref(py)
    }

    /// The callable for an exported function: `interface` is the full WIT
    /// name of its interface, or None for a root-level function.
    #[pyo3(signature = (interface, name))]
    fn _function(slf: &Bound<'_, Self>, interface: Option<&str>, name: &str) -> PyResult<Function> {
        Self::make_function(slf.py(), &slf.clone().unbind(), interface, name)
    }

    /// The classes of the resources an exported interface defines, by
    /// Python name, bound to this instance.
    fn _resource_classes<'py>(
        slf: &Bound<'py, Self>,
        interface: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let py = slf.py();
        let this = slf.get();
        let component = this.component.get();
        let desc = &component.desc;
        let dict = PyDict::new(py);
        let Some(iface) = component.exported_interface(interface) else {
            return Ok(dict);
        };
        let slf_py = slf.clone().unbind();
        for (name, id) in &desc.resolve.interfaces[iface].types {
            if matches!(desc.resolve.types[*id].kind, TypeDefKind::Resource) {
                dict.set_item(names::pascal(name), this.resource_class(py, &slf_py, *id)?)?;
            }
        }
        Ok(dict)
    }

    /// Runs a command component's ``wasi:cli/run`` export; returns its exit code.
    fn _run(slf: &Bound<'_, Self>) -> PyResult<i32> {
        crate::command::run(slf.py(), &slf.clone().unbind())
    }

    /// What the guest wrote to a captured stdout so far (None when not captured).
    /// How the instance gives back lists of numbers (`numeric_lists=`):
    /// private, for the typed bindings' check that they fit the instance.
    #[getter]
    fn _numeric_lists(&self) -> &'static str {
        self.lists.name()
    }

    #[getter]
    fn stdout<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.captured
            .stdout
            .as_ref()
            .map(|pipe| PyBytes::new(py, &pipe.contents()))
    }

    /// What the guest wrote to a captured stderr so far (None when not captured).
    #[getter]
    fn stderr<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.captured
            .stderr
            .as_ref()
            .map(|pipe| PyBytes::new(py, &pipe.contents()))
    }

    /// The fuel the instance has left, or None without a fuel limit.
    #[getter]
    fn fuel(&self, py: Python<'_>) -> PyResult<Option<u64>> {
        if !self.variant.fuel {
            return Ok(None);
        }
        Ok(self.enter(py, "fuel")?.store.get_fuel().ok())
    }

    /// How many host resource objects the guest holds (for leak checks).
    #[getter]
    fn _host_resource_count(&self) -> usize {
        lock(&self.hosts).live()
    }

    /// Whether an earlier call trapped, leaving the instance unusable (or
    /// it was closed).
    #[getter]
    fn broken(&self, py: Python<'_>) -> PyResult<bool> {
        if self.locked.closed(py)? {
            return Ok(true);
        }
        Ok(self.enter(py, "broken")?.broken.is_some())
    }

    /// Whether :meth:`_close` ran.
    #[getter]
    fn closed(&self, py: Python<'_>) -> PyResult<bool> {
        self.locked.closed(py)
    }

    /// Drops the instance's store now (see `Locked::close`).
    fn _close(&self, py: Python<'_>) -> PyResult<()> {
        self.locked.close(py)?;
        // The guest's handles to host resources went with its store: end
        // those objects as if it had dropped them, all of them even if one
        // raises (the first error is reported).
        let held = lock(&self.hosts).take_all();
        let mut first_error = None;
        for obj in held {
            if let Err(err) = crate::host_resources::finalize(py, obj) {
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}
