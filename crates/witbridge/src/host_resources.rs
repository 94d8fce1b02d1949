//! Resources that Python implements for a guest (`Linker.define_resource`).
//!
//! wasmtime knows a host resource only as a 32-bit `rep`; witbridge makes
//! each rep an index into a table of Python objects kept in the store. Each
//! Python class defined with `define_resource` becomes its own wasmtime
//! resource type (`ResourceType::host_dynamic(payload)`), so handles of two
//! classes can't be confused.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::PyType;
use witbridge_core::wit_parser::TypeId;

/// A fresh wasmtime payload for a resource type defined by a linker.
pub fn next_payload() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The Python objects behind the host resources a guest holds. One per
/// instance, shared by its store's host functions and by the calls that
/// convert its exports' results (which run while wasmtime holds the store).
#[derive(Default)]
pub struct HostTable {
    slots: Vec<Option<Py<PyAny>>>,
    free: Vec<u32>,
    /// Each host resource type of the component, by WIT type.
    pub types: HashMap<TypeId, HostType>,
}

/// A resource type the host implements, as one instance links it.
pub struct HostType {
    /// wasmtime's `ResourceType::host_dynamic` payload of the type.
    pub payload: u32,
    /// The class given for it, whose objects alone may stand for it; `None`
    /// when a factory that is not a class was given, whose objects can be
    /// anything.
    pub class: Option<Py<PyType>>,
}

impl HostTable {
    pub fn insert(&mut self, obj: Py<PyAny>) -> u32 {
        match self.free.pop() {
            Some(rep) => {
                self.slots[rep as usize] = Some(obj);
                rep
            }
            None => {
                self.slots.push(Some(obj));
                (self.slots.len() - 1) as u32
            }
        }
    }

    pub fn get(&self, py: Python<'_>, rep: u32) -> Option<Py<PyAny>> {
        self.slots
            .get(rep as usize)?
            .as_ref()
            .map(|o| o.clone_ref(py))
    }

    pub fn remove(&mut self, rep: u32) -> Option<Py<PyAny>> {
        let obj = self.slots.get_mut(rep as usize)?.take()?;
        self.free.push(rep);
        Some(obj)
    }

    /// Every object the guest still holds, taken out (the table is empty
    /// afterwards, types kept).
    pub fn take_all(&mut self) -> Vec<Py<PyAny>> {
        self.free.clear();
        self.slots.drain(..).flatten().collect()
    }

    /// How many objects the guest holds (for leak checks).
    pub fn live(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }
}

/// The table, even if a panic elsewhere poisoned its lock.
pub fn lock(table: &Mutex<HostTable>) -> MutexGuard<'_, HostTable> {
    table
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Ends a host resource the guest dropped: its `drop()` or `__exit__` runs
/// when it has one.
pub fn finalize(py: Python<'_>, obj: Py<PyAny>) -> PyResult<()> {
    let obj = obj.bind(py);
    if let Ok(drop) = obj.getattr(pyo3::intern!(py, "drop")) {
        drop.call0()?;
    } else if let Ok(exit) = obj.getattr(pyo3::intern!(py, "__exit__")) {
        exit.call1((py.None(), py.None(), py.None()))?;
    }
    Ok(())
}
