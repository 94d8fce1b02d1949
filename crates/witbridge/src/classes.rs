//! The Python classes of a component's named WIT types.
//!
//! Each record, variant, enum and flags type becomes a Python class once per
//! component (by `witbridge._classes`), the first time a function or
//! namespace needs it; every instance of the component shares them, so
//! values from two instances compare equal.

use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyModule, PyTuple, PyType};
use witbridge_core::describe::Description;
use witbridge_core::names;
use witbridge_core::wit_parser::{TypeDefKind, TypeId};

/// The Python side of one named WIT type.
pub enum TypeClass {
    Record(Py<PyType>),
    /// The base class and one class per case, in case order.
    Variant(Py<PyType>, Vec<Py<PyType>>),
    Enum(Py<PyType>),
    Flags(Py<PyType>),
    /// The component-wide base class of an exported resource; each instance
    /// subclasses it with methods bound to itself.
    Resource(Py<PyType>),
}

impl TypeClass {
    fn clone_ref(&self, py: Python<'_>) -> TypeClass {
        match self {
            TypeClass::Record(c) => TypeClass::Record(c.clone_ref(py)),
            TypeClass::Variant(b, cases) => TypeClass::Variant(
                b.clone_ref(py),
                cases.iter().map(|c| c.clone_ref(py)).collect(),
            ),
            TypeClass::Enum(c) => TypeClass::Enum(c.clone_ref(py)),
            TypeClass::Flags(c) => TypeClass::Flags(c.clone_ref(py)),
            TypeClass::Resource(c) => TypeClass::Resource(c.clone_ref(py)),
        }
    }

    /// The class users name: the record, the variant's base, the enum.
    pub fn main(&self) -> &Py<PyType> {
        match self {
            TypeClass::Record(c)
            | TypeClass::Enum(c)
            | TypeClass::Flags(c)
            | TypeClass::Resource(c) => c,
            TypeClass::Variant(base, _) => base,
        }
    }
}

/// Every class made so far for one component, by WIT type.
#[derive(Default)]
pub struct TypeClasses {
    made: Mutex<HashMap<TypeId, TypeClass>>,
}

fn factories(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    MODULE
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(py.import("witbridge._classes")?.unbind())
        })
        .map(|m| m.bind(py))
}

impl TypeClasses {
    /// The class of a named record, variant, enum or flags type, made on
    /// first use; `None` for any other kind.
    pub fn get(
        &self,
        py: Python<'_>,
        desc: &Description,
        id: TypeId,
    ) -> PyResult<Option<TypeClass>> {
        if let Some(found) = self.lock().get(&id) {
            return Ok(Some(found.clone_ref(py)));
        }
        // The lock is not held while Python runs: the factory could switch
        // threads, and another thread waiting on this lock would then hold
        // the GIL forever.
        let Some(made) = make(py, desc, id)? else {
            return Ok(None);
        };
        let mut table = self.lock();
        // Two threads may race to make the same class; the first one wins so
        // that every value of the type shares one class.
        Ok(Some(table.entry(id).or_insert(made).clone_ref(py)))
    }

    /// Whether type `id` has `class` for its class already.
    pub fn has(&self, id: TypeId, class: &Py<PyType>) -> bool {
        self.lock().get(&id).is_some_and(|c| c.main().is(class))
    }

    /// Makes the given classes those of their types, all of them or none:
    /// a type that already has another class (classes never change once
    /// values of them may exist) keeps it, and is returned. This is how the
    /// classes of generated bindings (`witbridge bindgen`) take the place of
    /// the ones made on first use.
    pub fn bind(&self, classes: Vec<(TypeId, TypeClass)>) -> Vec<TypeId> {
        let mut table = self.lock();
        let taken: Vec<TypeId> = classes
            .iter()
            .filter(|(id, class)| table.get(id).is_some_and(|c| !c.main().is(class.main())))
            .map(|(id, _)| *id)
            .collect();
        if taken.is_empty() {
            for (id, class) in classes {
                table.entry(id).or_insert(class);
            }
        }
        taken
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TypeId, TypeClass>> {
        self.made
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn make(py: Python<'_>, desc: &Description, id: TypeId) -> PyResult<Option<TypeClass>> {
    let def = &desc.resolve.types[id];
    let wit_name = def.name.clone().unwrap_or_default();
    let class_name = names::pascal(&wit_name);
    let doc = def.docs.contents.clone();
    let module = factories(py)?;
    let class = |obj: Bound<'_, PyAny>| -> PyResult<Py<PyType>> {
        Ok(obj.downcast_into::<PyType>()?.unbind())
    };
    Ok(Some(match &def.kind {
        TypeDefKind::Record(record) => {
            let fields: Vec<(String, String)> = record
                .fields
                .iter()
                .map(|f| (names::snake(&f.name), f.name.clone()))
                .collect();
            TypeClass::Record(class(
                module.call_method1("make_record", (class_name, wit_name, fields, doc))?,
            )?)
        }
        TypeDefKind::Variant(variant) => {
            let cases: Vec<(String, String, String, bool)> = variant
                .cases
                .iter()
                .map(|c| {
                    let case = names::pascal(&c.name);
                    (
                        format!("{class_name}{case}"),
                        case,
                        c.name.clone(),
                        c.ty.is_some(),
                    )
                })
                .collect();
            let made = module.call_method1("make_variant", (class_name, wit_name, cases, doc))?;
            let made = made.downcast::<PyTuple>()?;
            let base = class(made.get_item(0)?)?;
            let cases = made
                .get_item(1)?
                .try_iter()?
                .map(|c| class(c?))
                .collect::<PyResult<Vec<_>>>()?;
            TypeClass::Variant(base, cases)
        }
        TypeDefKind::Enum(e) => {
            let members: Vec<(String, String)> = e
                .cases
                .iter()
                .map(|c| (names::upper(&c.name), c.name.clone()))
                .collect();
            TypeClass::Enum(class(
                module.call_method1("make_enum", (class_name, wit_name, members, doc))?,
            )?)
        }
        TypeDefKind::Flags(f) => {
            let members: Vec<String> = f.flags.iter().map(|f| names::upper(&f.name)).collect();
            TypeClass::Flags(class(
                module.call_method1("make_flags", (class_name, wit_name, members, doc))?,
            )?)
        }
        TypeDefKind::Resource => TypeClass::Resource(class(
            module.call_method1("make_resource", (class_name, wit_name, doc))?,
        )?),
        _ => return Ok(None),
    }))
}
