//! Calling a guest's export: stage the arguments, cross into the guest,
//! make the result.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use witbridge_core::abi::Tape;
use witbridge_core::abi::export::{Receive, TypedExport};

use super::guest::Failure;
use super::reference;
use super::signature::{Outcome, Signature};
use crate::convert::{Fault, ListMode, Mat, Prep};
use crate::function::Function;
use crate::host_resources::HostTable;
use crate::instance::Instance;
use crate::pyclasses;
use crate::state::State;

/// Calls `function` with Python arguments; what it returned, or raised.
pub fn call(
    py: Python<'_>,
    function: &Function,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyAny>> {
    let what = &function.sig.qualified;
    invoke(py, function, args, kwargs)
        .map_err(|f| f.into_pyerr(what))?
        .into_result(py, what)
}

/// Calls `function` with Python arguments; how the call ended.
pub fn invoke(
    py: Python<'_>,
    function: &Function,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> Result<Outcome, Failure> {
    let sig = &function.sig;
    let instance = function.instance.get();
    let mut state = instance.enter(py, &sig.qualified)?;
    state.check_usable(&sig.qualified)?;
    // Every argument is staged before anything reaches the guest or a
    // resource table: a refused value leaves nothing half-done.
    let mut tape = Tape::new();
    let mut prep = Prep::new(&mut tape, Some(&function.instance), &instance.hosts);
    sig.prepare_args(args, kwargs, &mut prep)?;
    let lent = prep.commit(py);
    let typed = typed(function, instance, &mut state)?;
    if instance.reference {
        let outcome = reference::call_export(py, function, &mut state, typed.func(), &tape);
        lent.give_back(&instance.hosts);
        return outcome;
    }
    let mut results = Results {
        sig,
        owner: &function.instance,
        hosts: &instance.hosts,
        lists: instance.lists,
        attached: false,
        outcome: None,
        raised: None,
    };
    let crossing = instance.crossing();
    let options = crossing.options;
    let crossed = crossing.run(
        py,
        &mut state,
        &sig.qualified,
        Some(&function.gil),
        |store| {
            results.attached = store.data().keeps_gil;
            typed.call(store, &tape, options, &mut results)
        },
    );
    lent.give_back(&instance.hosts);
    if let Some(raised) = results.raised.take() {
        state.broken = Some(format!(
            "making the result of an earlier call to {} raised {}",
            sig.qualified,
            raised
                .get_type(py)
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ));
        return Err(Failure::Raised(raised));
    }
    crossed?;
    results
        .outcome
        .ok_or_else(|| Failure::Raised(crate::convert::internal("a call returned no result")))
}

/// Calls `function` with arguments already staged (another guest's, which
/// an import forwards): the results come back detached from the guest.
pub fn call_staged(py: Python<'_>, function: &Function, args: &Tape) -> PyResult<Tape> {
    let sig = &function.sig;
    let instance = function.instance.get();
    let mut state = instance.enter(py, &sig.qualified)?;
    let typed = typed(function, instance, &mut state)?;
    let mut detached = Detach(None);
    let crossing = instance.crossing();
    let options = crossing.options;
    crossing
        .run(
            py,
            &mut state,
            &sig.qualified,
            Some(&function.gil),
            |store| typed.call(store, args, options, &mut detached),
        )
        .map_err(|f| f.into_pyerr(&sig.qualified))?;
    detached
        .0
        .ok_or_else(|| crate::convert::internal("a forwarded call returned no result"))
}

/// The export as wasmtime's typed function, found and type-checked on its
/// first call.
fn typed(function: &Function, instance: &Instance, state: &mut State) -> PyResult<TypedExport> {
    if let Some(typed) = function.typed.get() {
        return Ok(*typed);
    }
    let (interface, name) = &function.export;
    let compiled = &instance.compiled;
    let index = match interface {
        Some(iface) => compiled
            .get_export_index(None, iface)
            .and_then(|i| compiled.get_export_index(Some(&i), name)),
        None => compiled.get_export_index(None, name),
    };
    let wasm = state.instance;
    let func = index
        .and_then(|i| wasm.get_func(&mut state.store, i))
        .ok_or_else(|| {
            pyclasses::new_err(
                pyclasses::error,
                format!(
                    "the component describes {} but does not export it as a function",
                    function.sig.qualified
                ),
            )
        })?;
    let typed = TypedExport::new(func, &state.store, &function.sig.types).map_err(|e| {
        pyclasses::new_err(
            pyclasses::error,
            format!(
                "the export {} does not match its WIT: {e:#}",
                function.sig.qualified
            ),
        )
    })?;
    Ok(*function.typed.get_or_init(|| typed))
}

/// Makes the Python result of a call while it is still in the guest's
/// memory, from inside wasmtime's lift (see `witbridge_core::abi::export`).
struct Results<'a> {
    sig: &'a Signature,
    owner: &'a Py<Instance>,
    hosts: &'a std::sync::Mutex<HostTable>,
    lists: ListMode,
    /// Whether the call kept the GIL (see `store::in_guest`), so that the
    /// results are made without attaching to Python again.
    attached: bool,
    outcome: Option<Outcome>,
    /// What Python raised while making the result (out of memory, say).
    raised: Option<PyErr>,
}

/// The error wasmtime sees when Python raised while results were made;
/// the exception itself waits in `Results::raised`.
#[derive(Debug)]
struct ResultRaised;

impl std::fmt::Display for ResultRaised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Python raised while making a call's result")
    }
}

impl std::error::Error for ResultRaised {}

impl Receive for Results<'_> {
    fn receive(&mut self, results: &Tape) -> wasmtime::Result<()> {
        if self.attached {
            // SAFETY: the call kept the GIL (`attached`), and this runs on
            // the calling thread, inside the call.
            self.make(unsafe { Python::assume_attached() }, results)
        } else {
            // The call let go of the GIL while the guest ran.
            crate::attach::attach(|py| self.make(py, results))
        }
    }
}

impl Results<'_> {
    fn make(&mut self, py: Python<'_>, results: &Tape) -> wasmtime::Result<()> {
        let mut cx = Mat::new(Some(self.owner), self.hosts, self.lists);
        match self
            .sig
            .materialize_result(py, &mut results.reader(), &mut cx)
        {
            Ok(outcome) => {
                self.outcome = Some(outcome);
                Ok(())
            }
            Err(Fault::Guest(err)) => Err(err),
            Err(Fault::Python(err)) => {
                self.raised = Some(err);
                Err(wasmtime::Error::new(ResultRaised))
            }
        }
    }
}

/// Keeps a call's results past the guest's `post-return`.
struct Detach(Option<Tape>);

impl Receive for Detach {
    fn receive(&mut self, results: &Tape) -> wasmtime::Result<()> {
        self.0 = Some(results.detached());
        Ok(())
    }
}
