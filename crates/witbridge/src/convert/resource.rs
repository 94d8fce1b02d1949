//! `own<R>` and `borrow<R>` of a resource the guest exports <-> an object of
//! the resource's class (`ns.Counter`).

use pyo3::prelude::*;
use pyo3::types::PyType;
use wasmtime::component::Val;
use witbridge_core::wit_parser::TypeId;

use super::Cx;
use super::error::{ConvError, Refusal};
use super::unexpected;
use crate::resource::ResourceHandle;

pub struct GuestResourceConverter {
    pub resource: TypeId,
    /// `own` moves the handle into the guest; `borrow` lends it for the call.
    pub own: bool,
    /// `counter (a Counter object)`, for refusals.
    pub expected: String,
}

impl GuestResourceConverter {
    pub fn lower(&self, obj: &Bound<'_, PyAny>, cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        let py = obj.py();
        let handle = obj
            .getattr(pyo3::intern!(py, "_handle"))
            .ok()
            .and_then(|h| h.downcast_into::<ResourceHandle>().ok())
            .ok_or_else(|| ConvError::wrong_type(&self.expected, obj))?;
        let owner = cx.owner.as_ref().ok_or_else(|| {
            ConvError::new(
                Refusal::Type,
                format!(
                    "{} cannot be passed here (no instance owns this call)",
                    self.expected
                ),
            )
        })?;
        if !handle.get().instance.is(owner.instance) {
            return Err(ConvError::new(
                Refusal::Error,
                format!(
                    "expected {}, got one that belongs to another instance",
                    self.expected
                ),
            ));
        }
        let Some(resource) = handle.get().get() else {
            return Err(ConvError::new(
                Refusal::Error,
                format!(
                    "this {} was already dropped, or moved into a call that took ownership of it",
                    handle.get().wit_name
                ),
            ));
        };
        if self.own {
            cx.moved.push(handle.unbind());
        }
        Ok(Val::Resource(resource))
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Val::Resource(resource) = val else {
            return Err(unexpected(&self.expected, &val));
        };
        let Some(owner) = cx.owner.as_ref() else {
            return Err(unexpected(&self.expected, &Val::Resource(resource)));
        };
        let instance = owner.instance.clone_ref(py);
        let wasm = owner.wasm;
        let class: Py<PyType> =
            instance
                .get()
                .resource_class(py, &instance, &mut cx.store, wasm, self.resource)?;
        let wit_name = class
            .bind(py)
            .getattr("__wit_name__")?
            .extract::<String>()?;
        let handle = Bound::new(py, ResourceHandle::new(instance, resource, wit_name))?;
        class
            .bind(py)
            .call_method1(pyo3::intern!(py, "_wrap"), (handle,))
    }
}
