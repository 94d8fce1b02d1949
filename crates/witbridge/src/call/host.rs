//! Python functions that implement a component's imports.
//!
//! A host function is the mirror of an export: the guest's arguments come
//! on a tape, the signature's converters make Python values of them, the
//! Python callable runs, and what it returns is staged for the guest. A
//! Python exception can't cross wasm frames, so it is parked in the store's
//! [`Host`] and the guest is unwound with an error; the call that entered
//! the guest then re-raises the parked exception unchanged, traceback and
//! all.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use wasmtime::StoreContextMut;
use witbridge_core::abi::Tape;
use witbridge_core::limits::TimedOut;

use super::export::call_staged;
use super::signature::Signature;
use crate::convert::{Fault, ListMode, Mat, Prep};
use crate::function::Function;
use crate::host_resources::HostTable;
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

/// What answers an imported function.
pub enum Target {
    /// A Python callable (a function, a class for a constructor, a static
    /// method looked up on the class).
    Call(Py<PyAny>),
    /// A resource method, looked up on the object behind the first
    /// argument (`self`).
    Method(Py<PyString>),
    /// Another instance's export of the same type: values pass from guest
    /// to guest with no Python objects in between.
    Forward(Py<Function>),
}

/// A Python implementation of one imported function.
pub struct HostFunction {
    sig: Arc<Signature>,
    target: Target,
    /// The instance's host resources.
    hosts: Arc<Mutex<HostTable>>,
    lists: ListMode,
}

impl HostFunction {
    pub fn new(
        py: Python<'_>,
        sig: Arc<Signature>,
        target: Target,
        hosts: Arc<Mutex<HostTable>>,
        lists: ListMode,
    ) -> Self {
        // Only an exact structural match may skip the converters (wasmtime
        // would refuse anything else, but only after marking the target
        // instance broken), and never with resources, which can't leave the
        // store they live in.
        let target = match target {
            Target::Call(callable) => match callable.bind(py).downcast::<Function>() {
                Ok(export) if export.get().sig.structure == sig.structure && !sig.has_handles => {
                    Target::Forward(export.clone().unbind())
                }
                _ => Target::Call(callable),
            },
            other => other,
        };
        HostFunction {
            sig,
            target,
            hosts,
            lists,
        }
    }

    pub fn sig(&self) -> &Arc<Signature> {
        &self.sig
    }

    /// The body of the wasmtime host function: arguments in, result out.
    pub fn body(
        &self,
        mut store: StoreContextMut<'_, Host>,
        args: &Tape,
    ) -> wasmtime::Result<Tape> {
        // Takes the GIL back if the export call that entered the guest
        // released it; only a check if that call kept it.
        let result = crate::attach::attach(|py| match self.respond(py, args) {
            Ok(result) => Ok(result),
            Err(Fault::Guest(err)) => Err(err),
            Err(Fault::Python(err)) => {
                store.data_mut().pending = Some(err);
                Err(wasmtime::Error::new(HostFunctionRaised))
            }
        })?;
        self.within_deadline(store.data())?;
        Ok(result)
    }

    /// Ends the call if it went past its deadline while in this function.
    /// Epoch ticks don't reach Python code, and nothing can stop it
    /// safely, so the timeout holds when the function returns: no guest
    /// code runs after the deadline, even if the guest had none left to
    /// run into a tick.
    fn within_deadline(&self, host: &Host) -> wasmtime::Result<()> {
        match host.deadline.zip(host.timeout) {
            Some((deadline, timeout)) if Instant::now() >= deadline => {
                Err(wasmtime::Error::new(TimedOut::during(
                    timeout,
                    format!(
                        "in the host function implementing {}, which returned after the \
                         deadline (Python code can't be interrupted)",
                        self.sig.qualified
                    ),
                )))
            }
            _ => Ok(()),
        }
    }

    fn respond(&self, py: Python<'_>, args: &Tape) -> Result<Tape, Fault> {
        if let Target::Forward(export) = &self.target {
            return Ok(call_staged(py, export.get(), args)?);
        }
        let mut cx = Mat::new(None, &self.hosts, self.lists);
        let values = self.sig.materialize_args(py, &mut args.reader(), &mut cx)?;
        let returned = match &self.target {
            Target::Call(callable) => callable.bind(py).call1(PyTuple::new(py, values)?),
            Target::Method(name) => match values.split_first() {
                Some((receiver, rest)) => {
                    receiver.call_method1(name.bind(py), PyTuple::new(py, rest)?)
                }
                None => Err(crate::convert::internal(
                    "a resource method called without `self`",
                )),
            },
            Target::Forward(_) => Err(crate::convert::internal("a forward reached Python")),
        };
        if let Err(raised) = &returned {
            // PEP 678: the traceback says which import was running.
            let note = format!(
                "raised in the host function implementing {}",
                self.sig.qualified
            );
            let _ = raised
                .value(py)
                .call_method1(pyo3::intern!(py, "add_note"), (note,));
        }
        let mut result = Tape::new();
        let mut prep = Prep::new(&mut result, None, &self.hosts);
        self.sig.prepare_result(py, returned, &mut prep)?;
        // A result holds no borrows: nothing is lent.
        let _nothing_lent = prep.commit(py);
        Ok(result)
    }
}
