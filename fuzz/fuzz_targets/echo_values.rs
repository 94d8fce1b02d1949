//! Arbitrary values of arbitrary WIT types through an echo guest, and back.
//!
//! The work is done in Python, by `tests.fuzzing.echo.fuzz_one(data)`: it
//! reads a WIT type and a value of it from the bytes, calls a guest that
//! hands the value straight back, and raises if what came back is not what
//! went in. This binary embeds CPython to run it, so that the code libFuzzer
//! instruments and steers by is what we want tested: witbridge's PyO3
//! converters (crates/witbridge/src/convert), linked in from source as the
//! `_native` rlib and registered as `witbridge._native` before the package
//! is imported. The prebuilt `python/witbridge/_native*.so` is never loaded.
//!
//! A Python exception is a failed round trip (or a converter raising where
//! it shouldn't): the traceback is printed and the input recorded as a crash.
//!
//! `WITBRIDGE_FUZZ_MODULE` names another module with a `fuzz_one` to run
//! instead (found on `PYTHONPATH`), for trying the harness out.
//!
//! AddressSanitizer (cargo fuzz's default) works here, leak detection
//! included, on two conditions this file sees to:
//!
//! - CPython's small-object allocator is switched off (`PYTHONMALLOC=malloc`,
//!   unless set already). Every Python object is then a malloc block of its
//!   own, with red zones around it, so a converter that reads or writes past
//!   the end of a `bytes` or `str` buffer is caught. And LeakSanitizer can
//!   follow pointers held by Python objects: inside pymalloc's arenas, which
//!   it doesn't scan, they look lost, and a run ends with thousands of false
//!   leak reports. (Set another PYTHONMALLOC only with
//!   `ASAN_OPTIONS=detect_leaks=0`.)
//! - Python is started without its signal handlers (`Python::initialize`
//!   does that), so libFuzzer keeps SIGINT and the sanitizers keep the
//!   crash signals. wasmtime installs its SIGSEGV/SIGILL handlers for wasm
//!   traps on top of ASan's and passes on the faults that aren't its own;
//!   out-of-bounds loads, `unreachable` and stack overflows in guests trap
//!   as they should.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The Python module with `fuzz_one`, unless `WITBRIDGE_FUZZ_MODULE` says otherwise.
const MODULE: &str = "tests.fuzzing.echo";

/// `fuzz_one` of that module, found once.
static FUZZ_ONE: OnceLock<Py<PyAny>> = OnceLock::new();

fuzz_target!(init: init(), |data: &[u8]| {
    Python::attach(|py| {
        let fuzz_one = FUZZ_ONE.get().expect("LLVMFuzzerInitialize ran").bind(py);
        if let Err(err) = fuzz_one.call1((PyBytes::new(py, data),)) {
            err.print(py);
            panic!("fuzz_one raised {err}");
        }
    });
});

/// Starts Python and finds `fuzz_one`, once, before libFuzzer runs anything.
fn init() {
    if std::env::var_os("PYTHONMALLOC").is_none() {
        // SAFETY: LLVMFuzzerInitialize runs before libFuzzer starts any
        // thread (its RSS watcher comes later) and before Python exists, so
        // nothing can be reading the environment concurrently.
        unsafe { std::env::set_var("PYTHONMALLOC", "malloc") };
    }
    Python::initialize();
    let module = std::env::var("WITBRIDGE_FUZZ_MODULE").unwrap_or_else(|_| MODULE.to_owned());
    let fuzz_one = Python::attach(|py| {
        find_fuzz_one(py, &module).unwrap_or_else(|err| {
            err.print(py);
            panic!("cannot get {module}.fuzz_one: {err}");
        })
    });
    FUZZ_ONE
        .set(fuzz_one)
        .expect("LLVMFuzzerInitialize runs once");
}

/// Imports the package over the instrumented `_native`, then `module`.
fn find_fuzz_one(py: Python<'_>, module: &str) -> PyResult<Py<PyAny>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("fuzz/ is inside the repository");
    // As str: pyo3 makes a Path a pathlib.Path, which the import system
    // skips on sys.path.
    let python = root.join("python");
    let (root, python) = (root.to_str(), python.to_str());
    let (Some(root), Some(python)) = (root, python) else {
        panic!("the repository's path is not UTF-8");
    };
    let sys = py.import("sys")?;
    let path = sys.getattr("path")?;
    // The package from this source tree (not an installed copy), and the
    // repository root for `tests.fuzzing`.
    path.call_method1("insert", (0, root))?;
    path.call_method1("insert", (0, python))?;

    // The package does `from . import _native`, which takes a module already
    // in sys.modules before looking for the .so file next to it.
    let native = pyo3::wrap_pymodule!(_native::_native)(py).into_bound(py);
    sys.getattr("modules")?
        .set_item("witbridge._native", &native)?;
    let witbridge = py.import("witbridge")?;
    assert!(
        witbridge.getattr("_native")?.is(&native),
        "witbridge imported another _native than this binary's"
    );
    Ok(py.import(module)?.getattr("fuzz_one")?.unbind())
}
