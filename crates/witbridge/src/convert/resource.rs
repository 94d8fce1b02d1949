//! `own<R>` and `borrow<R>` of a resource the guest exports <-> an object of
//! the resource's class (`ns.Counter`).

use pyo3::prelude::*;
use wasmtime::component::ResourceAny;
use witbridge_core::abi::{Handle, TapeReader};
use witbridge_core::wit_parser::TypeId;

use super::error::{ConvError, Refusal};
use super::{Fault, Mat, Prep};
use crate::resource::ResourceHandle;

pub struct GuestResourceConverter {
    pub resource: TypeId,
    /// `own` moves the handle into the guest; `borrow` lends it for the call.
    pub own: bool,
    /// `counter (a Counter object)`, for refusals.
    pub expected: String,
}

impl GuestResourceConverter {
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        let py = obj.py();
        let handle = obj
            .getattr(pyo3::intern!(py, "_handle"))
            .ok()
            .and_then(|h| h.downcast_into::<ResourceHandle>().ok())
            .ok_or_else(|| ConvError::wrong_type(&self.expected, obj))?;
        let owner = cx.owner.ok_or_else(|| {
            ConvError::new(
                Refusal::Type,
                format!(
                    "{} cannot be passed here (no instance owns this call)",
                    self.expected
                ),
            )
        })?;
        if !handle.get().instance.is(owner) {
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
        cx.push_handle(Handle::Any(resource));
        if self.own {
            cx.moved(handle.unbind());
        }
        Ok(())
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        let Handle::Any(resource) = src.handle()? else {
            return Err(Fault::Python(super::internal(
                "a host handle for a guest resource",
            )));
        };
        self.wrap(py, resource, cx)
    }

    /// The Python object of the resource's class for a guest handle.
    pub fn wrap<'py>(
        &self,
        py: Python<'py>,
        resource: &ResourceAny,
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        let Some(owner) = cx.owner else {
            return Err(Fault::Python(crate::pyclasses::new_err(
                crate::pyclasses::error,
                format!(
                    "{}: a guest lending its own resource to a host function is not supported yet",
                    self.expected
                ),
            )));
        };
        let class = owner.get().resource_class(py, owner, self.resource)?;
        let class = class.bind(py);
        let wit_name = class.getattr("__wit_name__")?.extract::<String>()?;
        let handle = Bound::new(
            py,
            ResourceHandle::new(owner.clone_ref(py), *resource, wit_name),
        )?;
        Ok(class.call_method1(pyo3::intern!(py, "_wrap"), (handle,))?)
    }
}
