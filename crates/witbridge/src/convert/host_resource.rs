//! `own<R>` and `borrow<R>` of a resource the host implements <-> the Python
//! object implementing it (see `host_resources.rs`). Where the WIT type is
//! also that of a resource the guest exports (an interface both imported
//! and exported), the converter takes and gives either kind of object.

use pyo3::prelude::*;
use witbridge_core::abi::{Handle, TapeReader};
use witbridge_core::wit_parser::TypeId;

use super::error::{ConvError, Refusal};
use super::{Fault, GuestResourceConverter, Mat, Prep};
use crate::host_resources::lock;
use crate::resource::ResourceHandle;

pub struct HostResourceConverter {
    pub resource: TypeId,
    pub own: bool,
    /// `file (an object of the class given to define_resource)`.
    pub expected: String,
    /// The exported resource that shares this WIT type, if one does.
    pub guest: Option<Box<GuestResourceConverter>>,
}

impl HostResourceConverter {
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        if let Some(guest) = &self.guest {
            let is_guest = obj
                .getattr(pyo3::intern!(obj.py(), "_handle"))
                .is_ok_and(|h| h.is_instance_of::<ResourceHandle>());
            if is_guest {
                return guest.prepare(obj, cx);
            }
        }
        let payload = lock(cx.table).payloads.get(&self.resource).copied();
        let payload = payload.ok_or_else(|| {
            ConvError::new(
                Refusal::Error,
                format!("{} is not linked in this instance", self.expected),
            )
        })?;
        cx.host(obj.clone().unbind(), payload, self.own);
        Ok(())
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        let handle = match (src.handle()?, &self.guest) {
            (Handle::Host(handle), _) => handle,
            (Handle::Any(resource), Some(guest)) => return guest.wrap(py, resource, cx),
            (Handle::Any(_), None) => {
                return Err(Fault::Python(super::internal(&format!(
                    "{}: a guest handle for a host resource",
                    self.expected
                ))));
            }
        };
        let mut table = lock(cx.table);
        // An owned handle passes to Python: the guest will never drop it.
        let obj = if handle.owned() {
            table.remove(handle.rep())
        } else {
            table.get(py, handle.rep())
        };
        obj.map(|o| o.into_bound(py)).ok_or_else(|| {
            Fault::Python(super::internal(&format!(
                "{}: the guest passed a handle the host table does not hold",
                self.expected
            )))
        })
    }
}
