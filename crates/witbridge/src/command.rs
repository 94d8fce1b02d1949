//! `Instance.run()`: running a command component's `wasi:cli/run` export.

use pyo3::prelude::*;
use wasmtime::component::Val;

use crate::instance::{Failure, Instance};
use crate::pyclasses;

impl Instance {
    /// Runs the `wasi:cli/run` export and returns the exit code.
    pub fn run_command(slf: &Py<Instance>, py: Python<'_>) -> PyResult<i32> {
        let this = slf.get();
        let component = this.component.get();
        let interface = component
            .desc
            .exports()
            .into_iter()
            .map(|(name, _)| name)
            .find(|name| {
                name.strip_prefix("wasi:cli/run@")
                    .is_some_and(|v| v.starts_with("0.2."))
            })
            .ok_or_else(|| {
                pyclasses::new_err(
                    pyclasses::error,
                    "run() needs a command component (one that exports wasi:cli/run); this one \
                     doesn't: call its exports instead",
                )
            })?;
        let function = {
            let mut state = this.enter(py, "run")?;
            let wasm = state.instance;
            Self::make_function(py, slf, &mut state.store, wasm, Some(&interface), "run")?
        };
        let mut state = this.enter(py, &function.sig.qualified)?;
        let mut results = [Val::Bool(false)];
        match this.run(py, &mut state, &function, &[], &mut results) {
            Ok(()) => Ok(match &results[0] {
                Val::Result(Ok(_)) => 0,
                _ => 1,
            }),
            Err(Failure::Exit(code)) => Ok(code),
            Err(Failure::Raised(err)) => Err(err),
        }
    }
}
