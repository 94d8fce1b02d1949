//! The native side of the command line's `wit`, `wat` and `inspect`: plain
//! functions of a file's bytes that decode and print, and compile nothing;
//! and the echo components that the fuzzing harness round-trips values
//! through.

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyDict, PyList};
use witbridge_core::LoadError;
use witbridge_core::inspect::{self, Entry, Inspection};
use witbridge_core::{echo, load, wat_text, wit_text};

use crate::component::load_error;
use crate::fs_path::FsPath;
use crate::pyclasses;

fn compile_error(err: LoadError) -> PyErr {
    pyclasses::new_err(pyclasses::compile_error, err.to_string())
}

/// The world of a component, WAT text or core module with embedded WIT, as
/// WIT text (`witbridge wit`).
#[pyfunction]
fn _wit_text(py: Python<'_>, data: PyBackedBytes) -> PyResult<String> {
    py.detach(|| {
        let desc = load::world_of(&data)?;
        wit_text::world_text(&desc.resolve, desc.world)
            .map_err(|e| LoadError::compile("cannot print the world", format!("{e:#}")))
    })
    .map_err(compile_error)
}

/// The WIT package in a `.wit` file or a WIT directory (its `deps/` nested
/// in it), as WIT text (`witbridge wit WITDIR`).
#[pyfunction]
fn _wit_source_text(py: Python<'_>, path: FsPath) -> PyResult<String> {
    let FsPath(path) = path;
    py.detach(|| {
        let (resolve, package) = load::read_wit(&path)?;
        wit_text::package_text(&resolve, package)
            .map_err(|e| LoadError::compile("cannot print the WIT", format!("{e:#}")))
    })
    .map_err(load_error)
}

/// The text format of a component or core module (`witbridge wat`).
#[pyfunction]
fn _wat_text(py: Python<'_>, data: PyBackedBytes) -> PyResult<String> {
    py.detach(|| wat_text::print(&data)).map_err(compile_error)
}

/// What a file holds, as plain dicts and lists (`witbridge inspect`); the
/// keys are those of `witbridge inspect --json`.
#[pyfunction]
fn _inspect<'py>(py: Python<'py>, data: PyBackedBytes) -> PyResult<Bound<'py, PyDict>> {
    let found = py
        .detach(|| inspect::inspect(&data))
        .map_err(compile_error)?;
    inspection_dict(py, &found)
}

fn inspection_dict<'py>(py: Python<'py>, found: &Inspection) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("kind", found.kind.as_str())?;
    dict.set_item("text", found.text)?;
    dict.set_item("size", found.size)?;
    dict.set_item("world", found.world.as_deref())?;
    dict.set_item("imports", entries(py, &found.imports)?)?;
    dict.set_item("exports", entries(py, &found.exports)?)?;
    let modules = PyList::empty(py);
    for m in &found.modules {
        let item = PyDict::new(py);
        item.set_item("index", m.index)?;
        item.set_item("size", m.size)?;
        item.set_item("imports", m.imports)?;
        item.set_item("exports", m.exports)?;
        modules.append(item)?;
    }
    dict.set_item("modules", modules)?;
    let memories = PyList::empty(py);
    for m in &found.memories {
        let item = PyDict::new(py);
        item.set_item("module", m.module)?;
        item.set_item("imported", m.imported)?;
        item.set_item("initial", m.initial)?;
        item.set_item("maximum", m.maximum)?;
        item.set_item("memory64", m.memory64)?;
        item.set_item("shared", m.shared)?;
        item.set_item("page_size", m.page_size)?;
        memories.append(item)?;
    }
    dict.set_item("memories", memories)?;
    let producers = PyList::empty(py);
    for p in &found.producers {
        let fields = PyDict::new(py);
        for (name, values) in &p.fields {
            let list = PyList::empty(py);
            for (value, version) in values {
                let entry = PyDict::new(py);
                entry.set_item("name", value)?;
                entry.set_item("version", version)?;
                list.append(entry)?;
            }
            fields.set_item(name, list)?;
        }
        let item = PyDict::new(py);
        item.set_item("module", p.module)?;
        item.set_item("fields", fields)?;
        producers.append(item)?;
    }
    dict.set_item("producers", producers)?;
    dict.set_item("adapter", found.adapter.as_deref())?;
    Ok(dict)
}

/// A component that forwards each export to the import of the same name and
/// type (see `witbridge_core::echo`), passing strings in `strings`
/// (`"utf8"`, `"utf16"` or `"latin1+utf16"`), for the round-trip tests in
/// `tests/fuzzing/`. Not public API.
#[pyfunction]
#[pyo3(signature = (wit, world, strings = "utf8"))]
fn _echo_component<'py>(
    py: Python<'py>,
    wit: &str,
    world: &str,
    strings: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let strings = match strings {
        "utf8" => echo::Strings::Utf8,
        "utf16" => echo::Strings::Utf16,
        "latin1+utf16" => echo::Strings::Latin1Utf16,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "unknown string encoding {other:?}"
            )));
        }
    };
    let bytes = py
        .detach(|| echo::echo_component(wit, world, strings))
        .map_err(compile_error)?;
    Ok(PyBytes::new(py, &bytes))
}

fn entries<'py>(py: Python<'py>, entries: &[Entry]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for e in entries {
        let item = PyDict::new(py);
        item.set_item("name", &e.name)?;
        item.set_item("kind", e.kind.as_str())?;
        item.set_item("signature", e.signature.as_deref())?;
        let functions = PyList::empty(py);
        for f in &e.functions {
            let func = PyDict::new(py);
            func.set_item("name", &f.name)?;
            func.set_item("resource", f.resource.as_deref())?;
            func.set_item("signature", &f.signature)?;
            functions.append(func)?;
        }
        item.set_item("functions", functions)?;
        list.append(item)?;
    }
    Ok(list)
}

/// Adds this file's functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_wit_text, m)?)?;
    m.add_function(wrap_pyfunction!(_wit_source_text, m)?)?;
    m.add_function(wrap_pyfunction!(_wat_text, m)?)?;
    m.add_function(wrap_pyfunction!(_inspect, m)?)?;
    m.add_function(wrap_pyfunction!(_echo_component, m)?)?;
    Ok(())
}
