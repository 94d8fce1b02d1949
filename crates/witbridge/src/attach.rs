//! Letting go of the GIL for guest code, and taking it back, when the
//! program may be exiting.
//!
//! A daemon thread may be in a guest call when the program exits. When the
//! call comes back to Python (to make its result, to call an import, to let
//! a signal handler run, or at its end), the interpreter may be finalizing
//! or gone. Attaching then goes wrong in every way PyO3 0.26 and CPython
//! 3.11 offer: PyO3 panics once the interpreter is gone, and CPython ends a
//! thread that takes the GIL during finalization with `pthread_exit`, whose
//! unwinding through Rust frames aborts the whole process ("FATAL:
//! exception not rethrown"). So such a thread waits here instead, forever,
//! which is what CPython 3.14 does with every thread that comes back late;
//! the process exits around it.
//!
//! What can't be helped here: a thread that is in Python code when the
//! interpreter finalizes (the body of an import the guest called), or that
//! passed the check below and is already waiting for the GIL, is ended by
//! CPython itself, with Rust frames under it. That remains CPython's hazard,
//! before 3.14, for every extension whose daemon threads call back into
//! Python.
//!
//! Only threads other than the main one wait: the main thread is the one
//! that finalizes, and must go on (it may drop witbridge objects, or even
//! call a guest from a `__del__`, on its way out).

use std::ffi::c_int;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::prelude::*;
use witbridge_core::fork;

/// The main thread of the process that imported witbridge, as
/// `threading.main_thread().ident` says (`pthread_self()` on Linux); 0
/// when unknown.
static MAIN_THREAD: AtomicU64 = AtomicU64::new(0);

/// Notes which thread is the main one; called when the extension is
/// imported.
pub fn remember_main_thread(py: Python<'_>) -> PyResult<()> {
    let ident: u64 = py
        .import("threading")?
        .call_method0("main_thread")?
        .getattr("ident")?
        .extract()?;
    MAIN_THREAD.store(ident, Ordering::Relaxed);
    Ok(())
}

/// Runs `guest` without the GIL (`py.detach`); a thread that comes back
/// from it while the program exits waits forever (see the module docs).
pub fn detach_for_guest<R: Send>(py: Python<'_>, guest: impl Send + FnOnce() -> R) -> R {
    py.detach(|| {
        let outcome = guest();
        wait_if_exiting();
        outcome
    })
}

/// `Python::attach`, for code that guest code calls: on a thread other
/// than the main one, while the program exits, it never returns (see the
/// module docs).
pub fn attach<F, R>(f: F) -> R
where
    F: for<'py> FnOnce(Python<'py>) -> R,
{
    wait_if_exiting();
    Python::attach(f)
}

fn wait_if_exiting() {
    // The cheap check first: every call of an import comes through here.
    if exiting() && !on_main_thread() {
        loop {
            std::thread::park();
        }
    }
}

/// Whether this is the thread that will finalize the interpreter: the main
/// one, or in a forked process the one that forked (CPython's main thread
/// there). True when unknown, so that no thread waits by mistake.
fn on_main_thread() -> bool {
    #[cfg(unix)]
    {
        let main = match fork::forking_thread() {
            Some(forker) => forker,
            None => MAIN_THREAD.load(Ordering::Relaxed),
        };
        // SAFETY: always safe to call.
        main == 0 || main == unsafe { libc::pthread_self() } as u64
    }
    #[cfg(not(unix))]
    true
}

/// Whether the interpreter is finalizing, or no longer there.
fn exiting() -> bool {
    // SAFETY: both may be called from any thread, with or without the GIL;
    // they read a flag of the runtime.
    // (CPython sets its flag when finalization begins and resets it only if
    // the interpreter is initialized again.)
    unsafe {
        match finalizing() {
            Some(is_finalizing) => is_finalizing() != 0,
            None => pyo3::ffi::Py_IsInitialized() == 0,
        }
    }
}

/// CPython's "is finalizing" check: `Py_IsFinalizing` from 3.13 on,
/// `_Py_IsFinalizing` before. Neither is in the limited API that this
/// extension builds against, so it is looked up in the running interpreter.
fn finalizing() -> Option<unsafe extern "C" fn() -> c_int> {
    static FOUND: OnceLock<Option<unsafe extern "C" fn() -> c_int>> = OnceLock::new();
    *FOUND.get_or_init(|| {
        #[cfg(unix)]
        for name in [c"Py_IsFinalizing", c"_Py_IsFinalizing"] {
            // SAFETY: looking a symbol up in the process.
            let symbol = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
            if !symbol.is_null() {
                // SAFETY: both are `int (void)` in every CPython that has them.
                return Some(unsafe {
                    std::mem::transmute::<*mut libc::c_void, unsafe extern "C" fn() -> c_int>(
                        symbol,
                    )
                });
            }
        }
        None
    })
}
