//! `Instance`: one instantiated component with its own wasmtime `Store`.

use std::sync::{Mutex, MutexGuard, TryLockError};

use pyo3::prelude::*;
use wasmtime::Store;
use wasmtime::component::{Func, Val};

use crate::component::Component;
use crate::function::{Function, Signature};
use crate::pyclasses;
use crate::trap::call_failure;

/// What each store carries for its host.
#[derive(Default)]
pub struct Host {
    /// The exception a host function raised, waiting to be re-raised by the
    /// call that entered the guest (see `host.rs`).
    pub pending: Option<PyErr>,
}

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
    pub state: Mutex<State>,
}

impl Instance {
    /// Takes the instance's state for a call of (or lookup in) `what`.
    ///
    /// The GIL is held for the whole of every call, so if the state is taken
    /// it is taken by this very thread: a host function calling back into
    /// the instance that called it. Waiting would deadlock; refuse instead.
    fn enter(&self, what: &str) -> PyResult<MutexGuard<'_, State>> {
        match self.state.try_lock() {
            Ok(state) => Ok(state),
            Err(TryLockError::Poisoned(poisoned)) => Ok(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => Err(pyclasses::new_err(
                pyclasses::error,
                format!(
                    "cannot call {what}: this instance is already running a call (a host \
                     function may not call back into the instance that called it)"
                ),
            )),
        }
    }

    /// Calls `func` with already-lowered arguments.
    ///
    /// The GIL stays held: a call is a few hundred nanoseconds, and handing
    /// the GIL over would cost about as much again. (Long-running guests and
    /// threads come with timeouts, which will release it.)
    pub fn call(
        &self,
        py: Python<'_>,
        func: Func,
        params: &[Val],
        results: &mut [Val],
        sig: &Signature,
    ) -> PyResult<()> {
        let mut state = self.enter(&sig.qualified)?;
        if let Some(why) = &state.broken {
            return Err(pyclasses::new_err(
                pyclasses::error,
                format!(
                    "cannot call {}: this instance is no longer usable because {why}",
                    sig.qualified
                ),
            ));
        }
        match func.call(&mut state.store, params, results) {
            Ok(()) => Ok(()),
            Err(_) if state.store.data().pending.is_some() => {
                let raised = state
                    .store
                    .data_mut()
                    .pending
                    .take()
                    .expect("checked above");
                // The guest was unwound in the middle of its work: its state
                // can't be trusted any more.
                state.broken = Some(format!(
                    "a host function raised {} during an earlier call to {}",
                    raised
                        .get_type(py)
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                    sig.qualified
                ));
                Err(raised)
            }
            Err(err) => {
                let failure = call_failure(py, err, &sig.qualified);
                state.broken = Some(format!("an earlier call failed ({})", failure.summary));
                Err(failure.error)
            }
        }
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
        let py = slf.py();
        let this = slf.get();
        let component = this.component.get();
        let sig = component.signature(py, interface, name)?;
        let inner = &component.inner;
        let index = match interface {
            Some(iface) => inner
                .get_export_index(None, iface)
                .and_then(|i| inner.get_export_index(Some(&i), name)),
            None => inner.get_export_index(None, name),
        };
        let mut state = this.enter(&sig.qualified)?;
        let State {
            store, instance, ..
        } = &mut *state;
        let func = index
            .and_then(|i| instance.get_func(&mut *store, i))
            .ok_or_else(|| {
                pyclasses::new_err(
                    pyclasses::error,
                    format!(
                        "the component describes {} but does not export it as a function",
                        sig.qualified
                    ),
                )
            })?;
        Ok(Function {
            instance: slf.clone().unbind(),
            func,
            sig,
        })
    }

    /// Whether an earlier call trapped, leaving the instance unusable.
    #[getter]
    fn broken(&self) -> PyResult<bool> {
        Ok(self.enter("broken")?.broken.is_some())
    }
}
