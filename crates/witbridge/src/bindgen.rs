//! The native side of `witbridge bindgen` and of the modules it writes: the
//! type model of a world (see `witbridge_core::type_model`), and binding a
//! generated module's classes to a component so that its values are made
//! of them.

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyType;
use witbridge_core::describe::Description;
use witbridge_core::load;
use witbridge_core::type_model;
use witbridge_core::wit_parser::TypeDefKind;

use crate::classes::TypeClass;
use crate::component::{Component, load_error};
use crate::fs_path::FsPath;

/// The type model of a component, WAT text or core module with embedded
/// WIT, as JSON text.
#[pyfunction]
fn _world_model(py: Python<'_>, data: PyBackedBytes) -> PyResult<String> {
    py.detach(|| load::world_of(&data).map(|desc| model_text(&desc)))
        .map_err(load_error)
}

/// The type model of the world `world` of the WIT file or directory at
/// `path` (the only world of its package when None), as JSON text.
#[pyfunction]
#[pyo3(signature = (path, world = None))]
fn _wit_model(py: Python<'_>, path: FsPath, world: Option<String>) -> PyResult<String> {
    let FsPath(path) = path;
    py.detach(|| {
        load::parse_wit(&path, world.as_deref())
            .map(|(resolve, world)| model_text(&Description { resolve, world }))
    })
    .map_err(load_error)
}

/// The models of a compiled component's named types with the given keys,
/// as a JSON array (`null` for a key it has no class type for).
#[pyfunction]
fn _component_types(component: &Bound<'_, Component>, keys: Vec<String>) -> String {
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    type_model::type_models(&component.get().desc, &keys).to_string()
}

fn model_text(desc: &Description) -> String {
    type_model::world_model(desc).to_string()
}

/// Makes the component use the given classes for its named types, each
/// given as (type key, class, case classes in case order for a variant);
/// keys the component doesn't have are skipped. Binds all or nothing:
/// returns the keys whose type already has another class (made on first
/// use, before), which can't change any more, and then binds none.
#[pyfunction]
fn _bind_classes(
    component: &Bound<'_, Component>,
    classes: Vec<(String, Py<PyType>, Vec<Py<PyType>>)>,
) -> Vec<String> {
    let component = component.get();
    let desc = &component.desc;
    let mut wanted = Vec::new();
    let mut keys = Vec::new();
    for (key, class, cases) in classes {
        let Some(id) = type_model::find_type(desc, &key) else {
            continue;
        };
        let class = match desc.resolve.types[id].kind {
            TypeDefKind::Record(_) => TypeClass::Record(class),
            TypeDefKind::Variant(_) => TypeClass::Variant(class, cases),
            TypeDefKind::Enum(_) => TypeClass::Enum(class),
            TypeDefKind::Flags(_) => TypeClass::Flags(class),
            _ => TypeClass::Resource(class),
        };
        wanted.push((id, class));
        keys.push((id, key));
    }
    let taken = component.classes.bind(wanted);
    keys.into_iter()
        .filter(|(id, _)| taken.contains(id))
        .map(|(_, key)| key)
        .collect()
}

/// Whether every type the component has of the given (type key, class)
/// pairs already has that class: then a module bound before needs no checks.
#[pyfunction]
fn _classes_bound(component: &Bound<'_, Component>, classes: Vec<(String, Py<PyType>)>) -> bool {
    let component = component.get();
    classes.iter().all(|(key, class)| {
        type_model::find_type(&component.desc, key)
            .is_none_or(|id| component.classes.has(id, class))
    })
}

/// Adds this module's functions to `witbridge._native`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_world_model, m)?)?;
    m.add_function(wrap_pyfunction!(_wit_model, m)?)?;
    m.add_function(wrap_pyfunction!(_component_types, m)?)?;
    m.add_function(wrap_pyfunction!(_bind_classes, m)?)?;
    m.add_function(wrap_pyfunction!(_classes_bound, m)?)?;
    Ok(())
}
