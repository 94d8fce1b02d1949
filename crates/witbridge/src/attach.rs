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
//! The check alone leaves a race: a thread that passed it just before
//! finalization began, and now waits for the GIL, or that is running the
//! Python code of an import, is still ended by CPython. So witbridge's
//! `atexit` handler, which runs after the program's own ones and before
//! finalization, raises a flag of its own that the check also reads, and
//! then lets go of the GIL for a moment (at most [`DRAIN`]) so that such
//! threads get through and reach their next check, where they wait.
//!
//! Only threads other than the main one wait: the main thread is the one
//! that finalizes, and must go on (it may drop witbridge objects, or even
//! call a guest from a `__del__`, on its way out). And only threads that
//! let go of the GIL: one that holds it (a short call that kept it) hands
//! it over at its next epoch tick, and waits there. What is left is such a
//! thread inside the Python code of an import when finalization begins:
//! CPython ends it there, with Rust frames under it, which aborts the
//! process. That is CPython's hazard before 3.14 for every extension whose
//! daemon threads call back into Python.

use std::cell::Cell;
use std::ffi::c_int;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use witbridge_core::fork;

/// How long witbridge's `atexit` handler lets the threads on their way back
/// to Python get through: a program whose daemon threads sit in a long
/// import waits this much longer to exit.
const DRAIN: Duration = Duration::from_millis(100);

/// The main thread of the process that imported witbridge, as
/// `threading.main_thread().ident` says (`pthread_self()` on Linux); 0
/// when unknown.
static MAIN_THREAD: AtomicU64 = AtomicU64::new(0);

/// Set by witbridge's `atexit` handler.
static AT_EXIT: AtomicBool = AtomicBool::new(false);

/// Threads that left guest code, or called Python from it, with the GIL
/// let go: between their check and the end of what they do with the GIL.
static COMING_BACK: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Whether this thread let go of the GIL for guest code (through
    /// [`detach_for_guest`]) and hasn't taken it back.
    static LET_GO: Cell<bool> = const { Cell::new(false) };
}

/// Puts back what [`LET_GO`] was, however the code in between ended.
struct RestoreLetGo(bool);

impl Drop for RestoreLetGo {
    fn drop(&mut self) {
        LET_GO.with(|l| l.set(self.0));
    }
}

/// One of the [`COMING_BACK`] threads, for as long as it lives.
struct ComingBack;

impl ComingBack {
    /// Counts this thread in, unless the program is exiting: then it waits
    /// for good (see the module docs).
    fn enter() -> ComingBack {
        COMING_BACK.fetch_add(1, Ordering::SeqCst);
        let back = ComingBack;
        if exiting() && !on_main_thread() {
            drop(back);
            loop {
                std::thread::park();
            }
        }
        back
    }
}

impl Drop for ComingBack {
    fn drop(&mut self) {
        COMING_BACK.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Notes which thread is the main one, and registers witbridge's `atexit`
/// handler; called when the extension is imported.
pub fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let ident: u64 = py
        .import("threading")?
        .call_method0("main_thread")?
        .getattr("ident")?
        .extract()?;
    MAIN_THREAD.store(ident, Ordering::Relaxed);
    let handler = wrap_pyfunction!(program_exits, module)?;
    py.import("atexit")?.call_method1("register", (handler,))?;
    Ok(())
}

/// witbridge's `atexit` handler (see the module docs).
#[pyfunction]
fn program_exits(py: Python<'_>) {
    AT_EXIT.store(true, Ordering::SeqCst);
    if COMING_BACK.load(Ordering::SeqCst) == 0 {
        return;
    }
    py.detach(|| {
        let until = Instant::now() + DRAIN;
        while COMING_BACK.load(Ordering::SeqCst) > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Runs `guest` without the GIL (`py.detach`); a thread that comes back
/// from it while the program exits waits forever (see the module docs).
pub fn detach_for_guest<R: Send>(py: Python<'_>, guest: impl Send + FnOnce() -> R) -> R {
    let (outcome, back) = py.detach(|| {
        let _restore = RestoreLetGo(LET_GO.with(|l| l.replace(true)));
        let outcome = guest();
        (outcome, ComingBack::enter())
    });
    // Attached again (PyO3 took the GIL back as `detach` returned).
    drop(back);
    outcome
}

/// `Python::attach`, for code that guest code calls: a thread that let go
/// of the GIL for the guest and comes back while the program exits waits
/// forever (see the module docs).
pub fn attach<F, R>(f: F) -> R
where
    F: for<'py> FnOnce(Python<'py>) -> R,
{
    if !LET_GO.with(Cell::get) {
        // This thread holds the GIL, or isn't in guest code.
        return Python::attach(f);
    }
    let back = ComingBack::enter();
    Python::attach(|py| {
        let _restore = RestoreLetGo(LET_GO.with(|l| l.replace(false)));
        let result = f(py);
        drop(back); // after the Python code, which CPython could end too
        result
    })
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

/// Whether the program is exiting: past witbridge's `atexit` handler, the
/// interpreter finalizing, or no longer there.
fn exiting() -> bool {
    if AT_EXIT.load(Ordering::SeqCst) {
        return true;
    }
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
