//! `witbridge._native`: the PyO3 extension behind the `witbridge` package.
//!
//! The package's public names live in `python/witbridge`; this module holds
//! what must be fast or must touch wasmtime: compiling components, the
//! converters between Python values and the canonical ABI's staged form
//! (`convert`), and calls (`call`).

mod attach;
mod bindgen;
mod call;
mod classes;
mod command;
mod component;
mod convert;
mod engine;
mod fit;
mod fs_path;
mod function;
mod host_resources;
mod instance;
mod linker;
mod pyclasses;
mod resource;
mod state;
mod store;
mod tools;
mod trap;
mod wasi;
mod wasi_deadline;
mod wave;

use pyo3::prelude::*;

/// Python names for WIT names, as the package's Python code and bindgen use them.
#[pyfunction]
fn snake_name(wit_name: &str) -> String {
    witbridge_core::names::snake(wit_name)
}

// Public so that the fuzz targets in fuzz/, which link this crate as an rlib
// into a binary that embeds CPython, can register this module as
// `witbridge._native` themselves: then the converters libFuzzer instruments
// are the ones the Python package calls, not those of the prebuilt .so.
#[pymodule]
pub fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Before any helper thread starts: a forked process replaces them.
    witbridge_core::fork::watch();
    attach::init(m)?;
    m.add_class::<engine::Engine>()?;
    m.add_class::<component::Component>()?;
    m.add_class::<linker::Linker>()?;
    m.add_class::<instance::Instance>()?;
    m.add_class::<function::Function>()?;
    m.add_class::<resource::ResourceHandle>()?;
    m.add_function(wrap_pyfunction!(snake_name, m)?)?;
    bindgen::register(m)?;
    tools::register(m)?;
    wave::register(m)?;
    m.add("WASMTIME_VERSION", "48.0.8")?;
    Ok(())
}
