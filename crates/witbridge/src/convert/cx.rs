//! The context of one conversion: where the values live.

use pyo3::prelude::*;
use wasmtime::StoreContextMut;

use crate::instance::Instance;
use crate::resource::ResourceHandle;
use crate::store::Host;

/// The instance whose exports are being called, for wrapping the resources
/// it returns.
pub struct Owner<'a> {
    pub instance: &'a Py<Instance>,
    pub wasm: wasmtime::component::Instance,
}

/// Everything a converter may need besides the value: the store (host
/// resources live in its table), the calling instance (guest resources
/// become objects bound to it), and the handles moved into `own<...>`
/// arguments, which die only once every argument has been lowered.
pub struct Cx<'a> {
    pub store: StoreContextMut<'a, Host>,
    pub owner: Option<Owner<'a>>,
    pub moved: Vec<Py<ResourceHandle>>,
}

impl<'a> Cx<'a> {
    pub fn new(store: StoreContextMut<'a, Host>, owner: Option<Owner<'a>>) -> Self {
        Cx {
            store,
            owner,
            moved: Vec::new(),
        }
    }

    /// Every argument was accepted: the handles passed as `own` now belong
    /// to the guest, and their Python objects are dead.
    #[inline]
    pub fn commit_moves(&mut self, py: Python<'_>) {
        if self.moved.is_empty() {
            return;
        }
        for handle in self.moved.drain(..) {
            handle.get().forget(py);
        }
    }
}
