//! Python functions that implement a component's imports.
//!
//! A host function is the mirror of an export: wasmtime hands us WIT values,
//! the signature's converters lift them to Python, the Python callable runs,
//! and its return value is lowered back. A Python exception can't cross
//! wasm frames, so it is parked in the store's [`Host`] and the guest is
//! unwound with an error; the call that entered the guest then re-raises the
//! parked exception unchanged, traceback and all.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use wasmtime::component::Val;
use wasmtime::{AsContextMut, StoreContextMut};

use crate::convert::Cx;
use crate::function::{Function, Returns, Signature};
use crate::pyclasses;
use crate::store::Host;

/// The error wasmtime sees when a host function raised; never shown to users.
#[derive(Debug)]
struct HostFunctionRaised;

impl std::fmt::Display for HostFunctionRaised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a host function raised a Python exception")
    }
}

impl std::error::Error for HostFunctionRaised {}

/// A Python callable standing in for one imported function.
pub struct HostFunction {
    sig: Arc<Signature>,
    callable: Py<PyAny>,
    /// For a resource method: the Python method name, looked up on the
    /// object the first argument (`self`) lifts to; `callable` is unused.
    method: Option<Py<PyString>>,
    /// Set when the implementation is another instance's export of the same
    /// type: then WIT values go straight from one guest to the other, with
    /// no Python objects in between.
    forward_to: Option<Py<Function>>,
}

impl HostFunction {
    pub fn new(py: Python<'_>, sig: Arc<Signature>, callable: Py<PyAny>) -> Self {
        // Only an exact structural match may skip the converters: wasmtime
        // would refuse anything else, but only after marking the target
        // instance broken.
        let forward_to = callable
            .bind(py)
            .downcast::<Function>()
            .ok()
            .filter(|target| target.get().sig.structure == sig.structure)
            .map(|target| target.clone().unbind());
        HostFunction {
            sig,
            callable,
            method: None,
            forward_to,
        }
    }

    /// A resource method: `self` is the first argument.
    pub fn method(sig: Arc<Signature>, name: Py<PyString>, py: Python<'_>) -> Self {
        HostFunction {
            sig,
            callable: py.None(),
            method: Some(name),
            forward_to: None,
        }
    }

    fn forward(&self, py: Python<'_>, params: &[Val], results: &mut [Val]) -> Option<PyResult<()>> {
        let target = self.forward_to.as_ref()?.get();
        Some(target.instance.get().call(py, target, params, results))
    }
}

impl HostFunction {
    /// The body of the wasmtime host function.
    pub fn call(
        &self,
        mut store: StoreContextMut<'_, Host>,
        params: &[Val],
        results: &mut [Val],
    ) -> wasmtime::Result<()> {
        // Takes the GIL back if the export call that entered the guest
        // released it; only a check if that call kept it.
        Python::attach(|py| {
            let outcome = match self.forward(py, params, results) {
                Some(forwarded) => forwarded.map(|()| None),
                None => {
                    let mut cx = Cx::new(store.as_context_mut(), None);
                    self.call_python(py, params, &mut cx)
                }
            };
            self.finish(&mut store, outcome, results)
        })
    }

    fn finish(
        &self,
        store: &mut StoreContextMut<'_, Host>,
        outcome: PyResult<Option<Val>>,
        results: &mut [Val],
    ) -> wasmtime::Result<()> {
        match outcome {
            Ok(Some(val)) => {
                results[0] = val;
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(err) => {
                store.data_mut().pending = Some(err);
                Err(wasmtime::Error::new(HostFunctionRaised))
            }
        }
    }

    fn call_python(
        &self,
        py: Python<'_>,
        params: &[Val],
        cx: &mut Cx<'_>,
    ) -> PyResult<Option<Val>> {
        let sig = &self.sig;
        let args = sig
            .params
            .iter()
            .zip(params)
            .map(|(param, val)| param.conv.lift(py, val.clone(), cx))
            .collect::<PyResult<Vec<_>>>()?;
        let outcome = match &self.method {
            Some(name) => match args.split_first() {
                Some((receiver, rest)) => {
                    receiver.call_method1(name.bind(py), PyTuple::new(py, rest)?)
                }
                None => Err(crate::convert::internal(
                    "a resource method called without `self`",
                )),
            },
            None => self.callable.bind(py).call1(PyTuple::new(py, args)?),
        };
        let bad_return = |e: crate::convert::ConvError| {
            e.into_pyerr(&format!("host function {}", sig.qualified), "return value")
        };
        match &sig.returns {
            Returns::Nothing => outcome.map(|_| None),
            Returns::Value(conv) => conv.lower(&outcome?, cx).map(Some).map_err(bad_return),
            Returns::Fallible(ok, err) => {
                let (is_ok, conv, value) = match outcome {
                    Ok(value) => (true, ok, value),
                    // `raise witbridge.Err(e)` is how a host function returns the error case.
                    Err(raised) if raised.is_instance(py, pyclasses::err(py)?) => (
                        false,
                        err,
                        raised.value(py).getattr(pyo3::intern!(py, "value"))?,
                    ),
                    Err(raised) => return Err(raised),
                };
                let payload = match conv {
                    Some(conv) => Some(Box::new(conv.lower(&value, cx).map_err(bad_return)?)),
                    None => None,
                };
                Ok(Some(Val::Result(if is_ok {
                    Ok(payload)
                } else {
                    Err(payload)
                })))
            }
        }
    }
}
