//! `Instance.run()`: running a command component's `wasi:cli/run` export.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::call::export::invoke;
use crate::call::guest::Failure;
use crate::call::signature::Outcome;
use crate::instance::Instance;
use crate::pyclasses;

/// Runs the `wasi:cli/run` export of `instance`; returns the exit code.
pub fn run(py: Python<'_>, instance: &Py<Instance>) -> PyResult<i32> {
    let component = instance.get().component.get();
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
    let function = Instance::make_function(py, instance, Some(&interface), "run")?;
    match invoke(py, &function, &PyTuple::empty(py), None) {
        Ok(Outcome::Value(_)) => Ok(0),
        Ok(Outcome::Error(_)) => Ok(1),
        Err(Failure::Exit(code)) => Ok(code),
        Err(Failure::Raised(err)) => Err(err),
    }
}
