//! `Instance`: one instantiated component with its own wasmtime `Store`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple, PyType};
use wasmtime::component::{ResourceAny, Val};
use wasmtime::{AsContextMut, Store, StoreContextMut};
use witbridge_core::describe::Item;
use witbridge_core::gil_policy::{Gil, GilPolicy};
use witbridge_core::names;
use witbridge_core::wit_parser::{FunctionKind, TypeDefKind, TypeId, TypeOwner};

use crate::classes::TypeClass;
use crate::component::Component;
use crate::convert::{Cx, Owner};
use crate::engine::Variant;
use crate::entered::{Entered, thread_token};
use crate::function::Function;
use crate::pyclasses;
use crate::store::{Host, Interrupted, in_guest};
use crate::trap::call_failure;
use crate::typed_call::typed_call;
use crate::wasi::Captured;

/// The mutable part of an instance, behind one lock.
pub struct State {
    pub store: Store<Host>,
    pub instance: wasmtime::component::Instance,
    /// Why the instance may no longer be entered (it trapped), if it did.
    pub broken: Option<String>,
}

/// A running component. Its exports are reached through the Python wrapper
/// `witbridge.Instance`; this native half owns the store.
#[pyclass(frozen, module = "witbridge._native")]
pub struct Instance {
    pub component: Py<Component>,
    /// The engine variant the instance runs in (with fuel metering or not).
    variant: Arc<Variant>,
    /// The component as compiled for that variant.
    compiled: wasmtime::component::Component,
    state: Mutex<State>,
    /// Which thread holds `state` (a [`thread_token`]), 0 when none does.
    holder: AtomicUsize,
    /// The guest's captured stdout and stderr.
    captured: Captured,
    /// Guest resources that Python garbage-collected while a call held the
    /// state; they are dropped the next time the instance is entered.
    deferred_drops: Mutex<Vec<ResourceAny>>,
    /// Whether `deferred_drops` may hold anything: lets every call skip its lock.
    has_deferred_drops: AtomicBool,
    /// The classes of this instance's exported resources: subclasses of the
    /// component's classes whose methods call into this instance.
    resource_classes: Mutex<HashMap<TypeId, Py<PyType>>>,
    /// Whether calls may keep the GIL while the guest runs: only without
    /// WASI and with an epoch ticker (see `witbridge_core::gil_policy`).
    may_keep_gil: bool,
}

fn unpoison<'a, T>(
    result: Result<MutexGuard<'a, T>, std::sync::PoisonError<MutexGuard<'a, T>>>,
) -> MutexGuard<'a, T> {
    result.unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How a guest call ended, when it didn't return.
pub enum Failure {
    /// The guest called WASI's `exit` with this code.
    Exit(i32),
    Raised(PyErr),
}

impl From<PyErr> for Failure {
    fn from(err: PyErr) -> Self {
        Failure::Raised(err)
    }
}

impl Failure {
    fn into_pyerr(self, what: &str) -> PyErr {
        match self {
            Failure::Raised(err) => err,
            Failure::Exit(code) => pyclasses::new_err(
                pyclasses::error,
                format!("{what} called exit({code}); use Instance.run() to run a command"),
            ),
        }
    }
}

impl Instance {
    pub fn new(
        component: Py<Component>,
        variant: Arc<Variant>,
        compiled: wasmtime::component::Component,
        state: State,
        captured: Captured,
    ) -> Self {
        let may_keep_gil = variant.ticker.is_some() && state.store.data().wasi.is_none();
        Instance {
            component,
            variant,
            compiled,
            state: Mutex::new(state),
            holder: AtomicUsize::new(0),
            captured,
            deferred_drops: Mutex::default(),
            has_deferred_drops: AtomicBool::new(false),
            resource_classes: Mutex::default(),
            may_keep_gil,
        }
    }

    /// Takes the instance's state for a call of (or lookup in) `what`.
    ///
    /// Another thread's call is waited for, with the GIL released. If this
    /// very thread holds the state, a host function is calling back into
    /// the instance that called it: waiting would deadlock, so refuse.
    pub fn enter(&self, py: Python<'_>, what: &str) -> PyResult<Entered<'_>> {
        let me = thread_token();
        let guard = loop {
            match self.state.try_lock() {
                Ok(state) => break state,
                Err(TryLockError::Poisoned(poisoned)) => break poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
            if self.holder.load(Ordering::Acquire) == me {
                return Err(pyclasses::new_err(
                    pyclasses::error,
                    format!(
                        "cannot call {what}: this instance is already running a call (a host \
                         function may not call back into the instance that called it)"
                    ),
                ));
            }
            // Wait for the other thread's call without the GIL (its host
            // functions need it), then race for the lock again.
            py.detach(|| drop(unpoison(self.state.lock())));
        };
        self.holder.store(me, Ordering::Release);
        let mut state = Entered {
            guard,
            holder: &self.holder,
        };
        // A plain load first: a swap is a locked instruction, on every call.
        if self.has_deferred_drops.load(Ordering::Relaxed)
            && self.has_deferred_drops.swap(false, Ordering::Acquire)
        {
            let deferred = std::mem::take(&mut *unpoison(self.deferred_drops.lock()));
            for resource in deferred {
                Self::drop_in(&mut state, resource, "a resource");
            }
        }
        Ok(state)
    }

    fn drop_in(state: &mut State, resource: ResourceAny, what: &str) -> Option<wasmtime::Error> {
        if state.broken.is_some() {
            return None; // the guest can't run its destructor any more
        }
        let dropped = resource.resource_drop(&mut state.store);
        dropped.err().inspect(|err| {
            state.broken = Some(format!("dropping {what} failed ({err:#})"));
        })
    }

    /// Drops a guest resource now (`obj.drop()`, `with`).
    pub fn drop_resource(
        &self,
        py: Python<'_>,
        resource: ResourceAny,
        wit_name: &str,
    ) -> PyResult<()> {
        let mut state = self.enter(py, &format!("drop of {wit_name}"))?;
        match Self::drop_in(&mut state, resource, wit_name) {
            Some(err) => Err(call_failure(py, err, &format!("dropping {wit_name}")).error),
            None => Ok(()),
        }
    }

    /// Drops a garbage-collected guest resource, now if the instance is
    /// free, else at its next entry. Never raises: it runs in a destructor.
    pub fn release(&self, _py: Python<'_>, resource: ResourceAny) {
        match self.state.try_lock() {
            Ok(mut state) => {
                Self::drop_in(&mut state, resource, "a garbage-collected resource");
            }
            Err(_) => {
                unpoison(self.deferred_drops.lock()).push(resource);
                self.has_deferred_drops.store(true, Ordering::Release);
            }
        }
    }

    /// Calls `func` with arguments already lowered (a forwarded import).
    pub fn call(
        &self,
        py: Python<'_>,
        function: &Function,
        params: &[Val],
        results: &mut [Val],
    ) -> PyResult<()> {
        let what = &function.sig.qualified;
        let mut state = self.enter(py, what)?;
        self.run(py, &mut state, function, params, results)
            .map_err(|f| f.into_pyerr(what))
    }

    /// Calls an exported function with Python arguments: lower, call, lift.
    ///
    /// The state stays locked throughout, so that converters can reach the
    /// store; the GIL is released only while the guest runs.
    pub fn invoke(
        slf: &Py<Instance>,
        py: Python<'_>,
        function: &Function,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let sig = &function.sig;
        let this = slf.get();
        let mut state = this.enter(py, &sig.qualified)?;
        Self::check_usable(&state, &sig.qualified)?; // before converters touch the store
        let wasm = state.instance;
        let params = {
            let mut cx = Cx::new(
                state.store.as_context_mut(),
                Some(Owner {
                    instance: slf,
                    wasm,
                }),
            );
            // Every argument is lowered before the guest is entered, and
            // `own` handles die only once all are accepted: a refused value
            // leaves nothing half-done.
            let params = sig.lower_args(args, kwargs, &mut cx)?;
            cx.commit_moves(py);
            params
        };
        let mut results = [Val::Bool(false)];
        let results = &mut results[..sig.result_count()];
        this.run(py, &mut state, function, &params, results)
            .map_err(|f| f.into_pyerr(&sig.qualified))?;
        let result = results
            .first_mut()
            .map(|v| std::mem::replace(v, Val::Bool(false)));
        let mut cx = Cx::new(
            state.store.as_context_mut(),
            Some(Owner {
                instance: slf,
                wasm,
            }),
        );
        sig.lift_result(py, result, &mut cx)
    }

    fn check_usable(state: &State, what: &str) -> PyResult<()> {
        match &state.broken {
            Some(why) => Err(pyclasses::new_err(
                pyclasses::error,
                format!("cannot call {what}: this instance is no longer usable because {why}"),
            )),
            None => Ok(()),
        }
    }

    /// Enters the guest to call `function`: the epoch ticker runs, the
    /// call's deadline is set, and the GIL is released unless the function
    /// has learned that its calls are short (`witbridge_core::gil_policy`).
    pub(crate) fn run(
        &self,
        py: Python<'_>,
        state: &mut State,
        function: &Function,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), Failure> {
        let sig = &function.sig;
        Self::check_usable(state, &sig.qualified)?;
        let choice = self.may_keep_gil.then(|| function.gil.choose());
        let gil = choice.as_ref().map_or(Gil::Release, |c| c.gil);
        let call = function.guest_call();
        let outcome = in_guest(
            py,
            &mut state.store,
            self.variant.ticker.as_ref(),
            gil,
            |store| call.call(store.as_context_mut(), params, results),
        );
        if let Some(choice) = choice {
            function
                .gil
                .learn(choice, state.store.data().kept_past_a_tick);
        }
        let resources = &mut state.store.data_mut().resources;
        if !resources.lent.is_empty() {
            for rep in std::mem::take(&mut resources.lent) {
                resources.remove(rep);
            }
        }
        let err = match outcome {
            Ok(()) => return Ok(()),
            Err(err) => err,
        };
        if let Some(exit) = err.downcast_ref::<wasmtime_wasi::I32Exit>() {
            state.broken = Some(format!("the guest exited with code {}", exit.0));
            return Err(Failure::Exit(exit.0));
        }
        if let Some(raised) = state.store.data_mut().pending.take() {
            // The guest was unwound in the middle of its work: its state
            // can't be trusted any more.
            let kind = raised
                .get_type(py)
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default();
            state.broken = Some(if err.is::<Interrupted>() {
                format!("{kind} interrupted an earlier call to {}", sig.qualified)
            } else {
                format!(
                    "a host function raised {kind} during an earlier call to {}",
                    sig.qualified
                )
            });
            return Err(Failure::Raised(raised));
        }
        let failure = call_failure(py, err, &sig.qualified);
        state.broken = Some(format!("an earlier call failed ({})", failure.summary));
        Err(Failure::Raised(failure.error))
    }

    /// The callable for the exported function `name` of `interface` (None at
    /// the root), given the store.
    pub fn make_function(
        py: Python<'_>,
        slf: &Py<Instance>,
        mut store: impl AsContextMut<Data = Host>,
        wasm: wasmtime::component::Instance,
        interface: Option<&str>,
        name: &str,
    ) -> PyResult<Function> {
        let this = slf.get();
        let component = this.component.get();
        let sig = component.signature(py, interface, name)?;
        let inner = &this.compiled;
        let index = match interface {
            Some(iface) => inner
                .get_export_index(None, iface)
                .and_then(|i| inner.get_export_index(Some(&i), name)),
            None => inner.get_export_index(None, name),
        };
        let func = index
            .and_then(|i| wasm.get_func(&mut store, i))
            .ok_or_else(|| {
                pyclasses::new_err(
                    pyclasses::error,
                    format!(
                        "the component describes {} but does not export it as a function",
                        sig.qualified
                    ),
                )
            })?;
        let typed = typed_call(func, &store);
        Ok(Function {
            instance: slf.clone_ref(py),
            func,
            typed,
            gil: GilPolicy::default(),
            sig,
        })
    }

    /// The class of this instance's exported resource `id`, made on first use.
    pub fn resource_class(
        &self,
        py: Python<'_>,
        slf: &Py<Instance>,
        store: &mut StoreContextMut<'_, Host>,
        wasm: wasmtime::component::Instance,
        id: TypeId,
    ) -> PyResult<Py<PyType>> {
        if let Some(class) = unpoison(self.resource_classes.lock()).get(&id) {
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
        let members = pyo3::types::PyList::empty(py);
        for f in desc.resolve.interfaces[owner].functions.values() {
            let kind = match f.kind {
                FunctionKind::Constructor(r) if r == id => "constructor",
                FunctionKind::Method(r) if r == id => "method",
                FunctionKind::Static(r) if r == id => "static",
                _ => continue,
            };
            let function =
                Self::make_function(py, slf, &mut *store, wasm, Some(&interface), &f.name)?;
            members.append((kind, names::snake(f.item_name()), function))?;
        }
        let class = py
            .import("witbridge._classes")?
            .call_method1("bind_resource", (base.bind(py), members))?
            .downcast_into::<PyType>()?
            .unbind();
        let mut table = unpoison(self.resource_classes.lock());
        Ok(table.entry(id).or_insert(class).clone_ref(py))
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
        let mut state = slf.get().enter(slf.py(), name)?;
        let wasm = state.instance;
        Self::make_function(
            slf.py(),
            &slf.clone().unbind(),
            &mut state.store,
            wasm,
            interface,
            name,
        )
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
        let resources: Vec<(String, TypeId)> = desc.resolve.interfaces[iface]
            .types
            .iter()
            .filter(|(_, id)| matches!(desc.resolve.types[**id].kind, TypeDefKind::Resource))
            .map(|(name, id)| (names::pascal(name), *id))
            .collect();
        if resources.is_empty() {
            return Ok(dict);
        }
        let slf_py = slf.clone().unbind();
        let mut state = this.enter(py, interface)?;
        let wasm = state.instance;
        let mut store = state.store.as_context_mut();
        for (name, id) in resources {
            dict.set_item(
                name,
                this.resource_class(py, &slf_py, &mut store, wasm, id)?,
            )?;
        }
        Ok(dict)
    }

    /// Runs a command component's ``wasi:cli/run`` export; returns its exit code.
    fn _run(slf: &Bound<'_, Self>) -> PyResult<i32> {
        Self::run_command(&slf.clone().unbind(), slf.py())
    }

    /// What the guest wrote to a captured stdout so far (None when not captured).
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
    fn _host_resource_count(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self
            .enter(py, "_host_resource_count")?
            .store
            .data()
            .resources
            .live())
    }

    /// Whether an earlier call trapped, leaving the instance unusable.
    #[getter]
    fn broken(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.enter(py, "broken")?.broken.is_some())
    }
}
