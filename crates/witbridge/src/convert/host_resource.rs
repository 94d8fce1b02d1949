//! `own<R>` and `borrow<R>` of a resource the host implements <-> the Python
//! object implementing it (see `host_resources.rs`). Where the WIT type is
//! also that of a resource the guest exports (an interface both imported
//! and exported), the converter takes and gives either kind of object.

use pyo3::prelude::*;
use pyo3::types::PyType;
use witbridge_core::abi::{Handle, TapeReader};
use witbridge_core::names;
use witbridge_core::wit_parser::TypeId;

use super::error::{ConvError, Refusal};
use super::{Fault, GuestResourceConverter, Mat, Prep};
use crate::host_resources::lock;
use crate::resource::ResourceHandle;

pub struct HostResourceConverter {
    pub resource: TypeId,
    pub own: bool,
    /// `file (a File object)`.
    pub expected: String,
    /// `file`: the resource's WIT name.
    pub wit_name: String,
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
        let (payload, class) = {
            let table = lock(cx.table);
            let linked = table.types.get(&self.resource).ok_or_else(|| {
                ConvError::new(
                    Refusal::Error,
                    format!("{} is not linked in this instance", self.expected),
                )
            })?;
            (
                linked.payload,
                linked.class.as_ref().map(|c| c.clone_ref(obj.py())),
            )
        };
        // Checked now, like every other value: a wrong object the guest got
        // would fail only later, in another call, as the target of a method.
        // (The table's lock is let go first: `isinstance` may run Python.)
        if let Some(class) = class
            && !obj.is_instance(class.bind(obj.py()))?
        {
            return Err(self.not_of(class.bind(obj.py()), obj));
        }
        cx.host(obj.clone().unbind(), payload, self.own);
        Ok(())
    }

    /// The refusal of `obj`, not an object of the implementing `class`.
    fn not_of(&self, class: &Bound<'_, PyType>, obj: &Bound<'_, PyAny>) -> ConvError {
        let class = class
            .qualname()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".to_owned());
        let borrow = if self.own { "" } else { "borrow of " };
        let name = &self.wit_name;
        let expected = match &self.guest {
            None => format!("{borrow}{name} (an object of {class}, the class implementing it)"),
            Some(_) => format!(
                "{borrow}{name} (a {} object, or an object of {class}, the class implementing the \
                 imported {name})",
                names::pascal(name)
            ),
        };
        ConvError::wrong_type(&expected, obj)
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
