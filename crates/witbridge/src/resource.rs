//! Handles to resources that a guest exports.
//!
//! Each Python object of a guest resource class (`ns.Counter`) holds one
//! `ResourceHandle`: the wasmtime handle and the instance whose store owns
//! it. The handle is emptied when the resource is dropped or moved into an
//! `own<...>` argument, so a later use is a clean `witbridge.Error`, never a
//! use of a stale index.

use std::sync::Mutex;

use pyo3::prelude::*;
use wasmtime::component::ResourceAny;

use crate::instance::Instance;
use crate::pyclasses;

/// The native half of a guest resource object.
#[pyclass(frozen, module = "witbridge._native")]
pub struct ResourceHandle {
    pub instance: Py<Instance>,
    resource: Mutex<Option<ResourceAny>>,
    /// The WIT name of the resource type, for messages.
    pub wit_name: String,
}

impl ResourceHandle {
    pub fn new(instance: Py<Instance>, resource: ResourceAny, wit_name: String) -> Self {
        ResourceHandle {
            instance,
            resource: Mutex::new(Some(resource)),
            wit_name,
        }
    }

    /// The wasmtime handle, if the resource is still alive here.
    pub fn get(&self) -> Option<ResourceAny> {
        *self.resource.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The guest took ownership (an `own` argument): nothing left to drop.
    pub fn forget(&self, _py: Python<'_>) {
        self.resource
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }

    fn take(&self) -> Option<ResourceAny> {
        self.resource
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Refusal for a handle that is no longer usable.
    pub fn dead_error(&self, what: &str) -> PyErr {
        pyclasses::new_err(
            pyclasses::error,
            format!(
                "{what}: this {} was already dropped, or moved into a call that took ownership of it",
                self.wit_name
            ),
        )
    }
}

#[pymethods]
impl ResourceHandle {
    /// Drops the resource in the guest now. Dropping twice does nothing.
    fn drop(&self, py: Python<'_>) -> PyResult<()> {
        match self.take() {
            Some(resource) => self
                .instance
                .get()
                .drop_resource(py, resource, &self.wit_name),
            None => Ok(()),
        }
    }

    /// Whether the resource can still be used.
    #[getter]
    fn alive(&self) -> bool {
        self.get().is_some()
    }
}

impl Drop for ResourceHandle {
    /// A resource object that Python garbage-collects is dropped in the guest
    /// too, when the instance is next entered.
    fn drop(&mut self) {
        if let Some(resource) = self.take() {
            self.instance.get().release(resource);
        }
    }
}
