//! The same calls through wasmtime's own canonical ABI (`Func::call` and
//! `func_new`, with `Val`s), for instances made with
//! `Linker.instantiate(..., _reference_abi=True)`.
//!
//! Everything but the crossing is shared with the real path: the same
//! converters stage and make the Python values, the same entry runs the
//! guest. So a test or fuzzer that compares the two compares witbridge's
//! ABI (`witbridge_core::abi::{store, load}`) with wasmtime's, and nothing
//! else.

use std::sync::Arc;

use pyo3::prelude::*;
use wasmtime::AsContextMut;
use wasmtime::component::{Func, LinkerInstance, Val};
use witbridge_core::abi::load::with_options;
use witbridge_core::abi::{Tape, reference};

use super::guest::Failure;
use super::host::HostFunction;
use super::signature::Outcome;
use crate::convert::Mat;
use crate::function::Function;
use crate::state::State;
use crate::store::Host;

fn internal(err: wasmtime::Error) -> PyErr {
    crate::convert::internal(&format!("{err:#}"))
}

/// Calls an export with `Func::call`: the arguments are `args` as `Val`s.
pub fn call_export(
    py: Python<'_>,
    function: &Function,
    state: &mut State,
    func: Func,
    args: &Tape,
) -> Result<Outcome, Failure> {
    let sig = &function.sig;
    let instance = function.instance.get();
    let resolve = &sig.types.desc.resolve;
    let params =
        reference::to_vals(resolve, &sig.types.params, args, &mut state.store).map_err(internal)?;
    let mut results = vec![Val::Bool(false); sig.types.results.len()];
    let crossing = instance.crossing();
    let options = crossing.options;
    crossing.run(py, state, &sig.qualified, Some(&function.gil), |store| {
        with_options(options, || func.call(store, &params, &mut results))
    })?;
    let tape = reference::from_vals(resolve, &sig.types.results, &results, &mut state.store)
        .map_err(internal)?;
    let mut cx = Mat::new(Some(&function.instance), &instance.hosts, instance.lists);
    sig.materialize_result(py, &mut tape.reader(), &mut cx)
        .map_err(|fault| Failure::Raised(fault.into_pyerr()))
}

/// Defines an import with `func_new`, answered by `host`.
pub fn define(
    linker: &mut LinkerInstance<'_, Host>,
    name: &str,
    host: Arc<HostFunction>,
) -> wasmtime::Result<()> {
    linker.func_new(name, move |mut store, _ty, params, results| {
        let types = &host.sig().types;
        let resolve = &types.desc.resolve;
        let args = reference::from_vals(resolve, &types.params, params, &mut store)?;
        let answer = host.body(store.as_context_mut(), &args)?;
        let vals = reference::to_vals(resolve, &types.results, &answer, &mut store)?;
        if vals.len() != results.len() {
            return Err(wasmtime::format_err!(
                "{} results for {} slots",
                vals.len(),
                results.len()
            ));
        }
        results.clone_from_slice(&vals);
        Ok(())
    })
}
