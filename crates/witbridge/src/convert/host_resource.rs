//! `own<R>` and `borrow<R>` of a resource the host implements <-> the Python
//! object implementing it (see `host_resources.rs`).

use pyo3::prelude::*;
use wasmtime::component::{ResourceDynamic, Val};
use witbridge_core::wit_parser::TypeId;

use super::Cx;
use super::error::{ConvError, Refusal};
use super::unexpected;

pub struct HostResourceConverter {
    pub resource: TypeId,
    pub own: bool,
    /// `file (an object of the class given to define_resource)`.
    pub expected: String,
}

impl HostResourceConverter {
    fn payload(&self, cx: &Cx<'_>) -> Option<u32> {
        cx.store
            .data()
            .resources
            .payloads
            .get(&self.resource)
            .copied()
    }

    pub fn lower(&self, obj: &Bound<'_, PyAny>, cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        let payload = self.payload(cx).ok_or_else(|| {
            ConvError::new(
                Refusal::Error,
                format!("{} is not linked in this instance", self.expected),
            )
        })?;
        let table = &mut cx.store.data_mut().resources;
        let rep = table.insert(obj.clone().unbind());
        let handle = if self.own {
            ResourceDynamic::new_own(rep, payload)
        } else {
            // A loan for this call only: released when the call returns.
            table.lent.push(rep);
            ResourceDynamic::new_borrow(rep, payload)
        };
        let any = handle.try_into_resource_any(&mut cx.store).map_err(|e| {
            ConvError::new(
                Refusal::Error,
                format!("cannot pass {}: {e:#}", self.expected),
            )
        })?;
        Ok(Val::Resource(any))
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Val::Resource(any) = val else {
            return Err(unexpected(&self.expected, &val));
        };
        let handle = ResourceDynamic::try_from_resource_any(any, &mut cx.store).map_err(|e| {
            crate::pyclasses::new_err(crate::pyclasses::error, format!("{}: {e:#}", self.expected))
        })?;
        let table = &mut cx.store.data_mut().resources;
        // An owned handle passes to Python: the guest will never drop it.
        let obj = if handle.owned() {
            table.remove(handle.rep())
        } else {
            table.get(py, handle.rep())
        };
        obj.map(|o| o.into_bound(py)).ok_or_else(|| {
            super::internal(&format!(
                "{}: the guest passed a handle the host table does not hold",
                self.expected
            ))
        })
    }
}
