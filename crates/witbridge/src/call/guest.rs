//! Crossing into the guest: the one place every call, instantiation and
//! resource drop enters guest code, and where its failures are sorted out.

use pyo3::prelude::*;
use wasmtime::Store;
use wasmtime::component::ResourceAny;
use witbridge_core::abi::LoadOptions;
use witbridge_core::abi::load::with_options;
use witbridge_core::gil_policy::{Gil, GilPolicy};
use witbridge_core::ticker::Ticker;

use crate::pyclasses;
use crate::state::State;
use crate::store::{Host, Interrupted, in_guest};
use crate::trap::call_failure;

/// What entering one instance's guest code needs to know.
pub struct Crossing<'a> {
    /// The engine's epoch ticker, when it has epoch interruption.
    pub ticker: Option<&'a Ticker>,
    /// How the values the guest hands the host are read.
    pub options: &'a LoadOptions,
    /// Whether calls may keep the GIL while the guest runs: only without
    /// WASI and with an epoch ticker (see `witbridge_core::gil_policy`).
    pub may_keep_gil: bool,
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
    pub fn into_pyerr(self, what: &str) -> PyErr {
        match self {
            Failure::Raised(err) => err,
            Failure::Exit(code) => pyclasses::new_err(
                pyclasses::error,
                format!("{what} called exit({code}); use Instance.run() to run a command"),
            ),
        }
    }
}

impl Crossing<'_> {
    /// Runs `enter` (a call of `what`) in the guest: the epoch ticker runs,
    /// the call's deadline is set, and the GIL is released unless `gil`
    /// learned that the function's calls are short. A failure leaves the
    /// instance unusable, and says why.
    pub fn run(
        &self,
        py: Python<'_>,
        state: &mut State,
        what: &str,
        gil: Option<&GilPolicy>,
        enter: impl Send + FnOnce(&mut Store<Host>) -> wasmtime::Result<()>,
    ) -> Result<(), Failure> {
        state.check_usable(what)?;
        let choice = gil.filter(|_| self.may_keep_gil).map(GilPolicy::choose);
        let keep = choice.as_ref().map_or(Gil::Release, |c| c.gil);
        let outcome = in_guest(py, &mut state.store, self.ticker, keep, enter);
        if let (Some(policy), Some(choice)) = (gil, choice) {
            policy.learn(choice, state.store.data().kept_past_a_tick);
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
                format!("{kind} interrupted an earlier call to {what}")
            } else {
                let note = format!(
                    "during the call to {what}, which it ended; the instance can't be used again"
                );
                let _ = raised
                    .value(py)
                    .call_method1(pyo3::intern!(py, "add_note"), (note,));
                format!("a host function raised {kind} during an earlier call to {what}")
            });
            return Err(Failure::Raised(raised));
        }
        let failure = call_failure(py, err, what, state.store.data());
        state.broken = Some(format!("an earlier call failed ({})", failure.summary));
        Err(Failure::Raised(failure.error))
    }

    /// Drops guest resources, running their destructors in the guest as
    /// any call runs.
    pub fn drop_resources(
        &self,
        py: Python<'_>,
        state: &mut State,
        resources: Vec<ResourceAny>,
        what: &str,
    ) -> PyResult<()> {
        let mut first = Ok(());
        for resource in resources {
            if state.broken.is_some() {
                break; // the guest can't run its destructors any more
            }
            let options = self.options;
            let dropped = self
                .run(py, state, what, None, |store| {
                    // A destructor may call the guest's imports.
                    with_options(options, || resource.resource_drop(store))
                })
                .map_err(|f| f.into_pyerr(what));
            if first.is_ok() {
                first = dropped;
            }
        }
        first
    }
}
