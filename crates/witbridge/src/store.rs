//! What each instance's wasmtime `Store` carries, and the store's hooks:
//! the resource limiter and the epoch callback behind timeouts and Ctrl-C.

use std::cell::Cell;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use wasmtime::component::ResourceTable;
use wasmtime::{Store, StoreContextMut, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use witbridge_core::abi::LoadOptions;
use witbridge_core::fork;
use witbridge_core::gil_policy::Gil;
use witbridge_core::limits::{Limiter, ResourceLimits, TimedOut};
use witbridge_core::ticker::Ticker;

use witbridge_core::stderr_tail::StderrTail;

/// What each store carries for its host.
#[derive(Default)]
pub struct Host {
    /// The exception a host function raised (or the `KeyboardInterrupt` a
    /// signal handler did), waiting to be re-raised by the call that entered
    /// the guest (see `host.rs`).
    pub pending: Option<PyErr>,
    /// The Python objects of host resources the guest holds (shared with
    /// the instance, which converts results while wasmtime holds the store).
    pub resources: Arc<Mutex<crate::host_resources::HostTable>>,
    /// WASI's context, when the component imports WASI.
    pub wasi: Option<WasiCtx>,
    /// WASI's resources (streams, files, ...).
    pub table: ResourceTable,
    /// The end of what the running call wrote to WASI's stderr, when the
    /// component imports WASI.
    pub stderr_tail: Option<StderrTail>,
    pub limiter: Limiter,
    /// The longest a single call may run.
    pub timeout: Option<Duration>,
    /// When the running call must end (from `timeout`).
    pub deadline: Option<Instant>,
    /// The running call keeps the GIL (see `witbridge_core::gil_policy`).
    pub keeps_gil: bool,
    /// An epoch tick found the running call still going with the GIL kept.
    pub kept_past_a_tick: bool,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            // WASI is only linked into stores that were given a context.
            ctx: self
                .wasi
                .as_mut()
                .expect("a WASI call in a store without WASI"),
            table: &mut self.table,
        }
    }
}

/// The error that unwinds a guest when Ctrl-C arrives; the
/// `KeyboardInterrupt` itself waits in [`Host::pending`].
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted by a signal")
    }
}

impl std::error::Error for Interrupted {}

thread_local! {
    /// Whether this is Python's main thread, the only one signal handlers run on.
    static MAIN_THREAD: Cell<Option<bool>> = const { Cell::new(None) };
}

fn on_main_thread(py: Python<'_>) -> bool {
    MAIN_THREAD.with(|known| {
        known.get().unwrap_or_else(|| {
            let is_main = py
                .import("threading")
                .and_then(|t| {
                    Ok(t.call_method0("current_thread")?
                        .is(&t.call_method0("main_thread")?))
                })
                .unwrap_or(false);
            known.set(Some(is_main));
            is_main
        })
    })
}

/// Lets Python's signal handlers run, if this is the main thread; what one
/// raised (`KeyboardInterrupt` for Ctrl-C).
fn run_signal_handlers(py: Python<'_>) -> Option<PyErr> {
    on_main_thread(py)
        .then(|| py.check_signals().err())
        .flatten()
}

/// [`run_signal_handlers`] for a thread that doesn't hold the GIL, such as
/// one waiting in WASI: a thread known not to be the main one doesn't take
/// the GIL for nothing.
pub fn signal_raised() -> Option<PyErr> {
    if MAIN_THREAD.with(Cell::get) == Some(false) {
        return None;
    }
    crate::attach::attach(run_signal_handlers)
}

/// Runs at each epoch tick while a guest runs (every `ticker::TICK`): ends
/// the call if it is past its deadline, lets Python's signal handlers run,
/// so that Ctrl-C raises `KeyboardInterrupt` in a guest call too, and, if
/// the call keeps the GIL, hands it to any thread waiting for it.
pub fn on_epoch(mut store: StoreContextMut<'_, Host>) -> wasmtime::Result<UpdateDeadline> {
    let host = store.data_mut();
    if let (Some(deadline), Some(timeout)) = (host.deadline, host.timeout)
        && Instant::now() >= deadline
    {
        return Err(wasmtime::Error::new(TimedOut::running(timeout)));
    }
    let keeps_gil = host.keeps_gil;
    host.kept_past_a_tick |= keeps_gil;
    // Other threads learn once that they aren't the main one, and from
    // then on take the GIL at a tick only if they hold it anyway.
    let maybe_main = MAIN_THREAD.with(Cell::get) != Some(false);
    let signalled = (keeps_gil || maybe_main)
        .then(|| {
            crate::attach::attach(|py| {
                let raised = run_signal_handlers(py);
                if keeps_gil && raised.is_none() {
                    // What Python's own loop does every switch interval: if
                    // another thread asked for the GIL, it gets it now, and
                    // this one waits its turn to take it back.
                    crate::attach::detach_for_guest(py, || ());
                }
                raised
            })
        })
        .flatten();
    if let Some(raised) = signalled {
        host.pending = Some(raised);
        return Err(wasmtime::Error::new(Interrupted));
    }
    Ok(UpdateDeadline::Continue(1))
}

/// Runs guest code, `enter(store)`: with the GIL released if `gil` says so,
/// so that other Python threads run meanwhile, and, on an engine with epoch
/// interruption (`ticker`), with the ticker running and the call's deadline
/// set. Only a store whose engine has a ticker may keep the GIL.
pub fn in_guest<R: Send>(
    py: Python<'_>,
    store: &mut Store<Host>,
    ticker: Option<&Ticker>,
    gil: Gil,
    enter: impl Send + FnOnce(&mut Store<Host>) -> R,
) -> R {
    let host = store.data_mut();
    host.kept_past_a_tick = false;
    if let Some(tail) = &host.stderr_tail {
        tail.clear(); // a Trap shows what this call wrote, not earlier ones
    }
    if ticker.is_some() {
        // A timeout too long to add to now is no deadline at all.
        host.deadline = host.timeout.and_then(|t| Instant::now().checked_add(t));
        // The callback runs at the next tick and then at every tick.
        store.set_epoch_deadline(1);
    }
    // SAFETY: the ticker is entered, and left, only here, with the GIL
    // held: the lock `Ticker::enter` asks for.
    let _running = ticker.map(|t| unsafe { t.enter() });
    // In a forked process, WASI's blocking calls need a runtime with threads.
    let _runtime = store
        .data()
        .wasi
        .is_some()
        .then(fork::wasi_runtime)
        .flatten();
    match gil {
        Gil::Keep if ticker.is_some() => {
            store.data_mut().keeps_gil = true;
            let outcome = enter(store);
            store.data_mut().keeps_gil = false;
            outcome
        }
        _ => crate::attach::detach_for_guest(py, || enter(store)),
    }
}

/// A `witbridge.Limits`, read for one instantiation.
pub struct StoreLimits {
    pub fuel: Option<u64>,
    pub timeout: Option<Duration>,
    pub limiter: Limiter,
    /// The most bytes a guest may hand the host in one crossing.
    pub max_transfer: Option<usize>,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            fuel: None,
            timeout: None,
            limiter: Limiter::default(),
            max_transfer: LoadOptions::DEFAULT.max_transfer,
        }
    }
}

impl StoreLimits {
    /// Reads a `witbridge.Limits` (validated by its `__post_init__`), or
    /// none at all.
    pub fn from_py(limits: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let Some(limits) = limits.filter(|l| !l.is_none()) else {
            return Ok(StoreLimits::default());
        };
        let get = |name: &str| -> PyResult<Option<usize>> { limits.getattr(name)?.extract() };
        Ok(StoreLimits {
            fuel: limits.getattr("fuel")?.extract()?,
            timeout: limits
                .getattr("timeout")?
                .extract::<Option<f64>>()?
                .map(|seconds| {
                    Duration::try_from_secs_f64(seconds).map_err(|_| {
                        pyo3::exceptions::PyValueError::new_err(format!(
                            "Limits(timeout=...): {seconds} seconds is not a duration"
                        ))
                    })
                })
                .transpose()?,
            limiter: Limiter::new(ResourceLimits {
                max_memory: get("max_memory")?,
                max_table_elements: get("max_table_elements")?,
                max_instances: get("max_instances")?,
                max_tables: get("max_tables")?,
                max_memories: get("max_memories")?,
            }),
            max_transfer: get("max_transfer")?,
        })
    }
}
