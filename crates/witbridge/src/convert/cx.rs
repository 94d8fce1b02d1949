//! The context of one conversion: what a converter needs besides the value.

use std::any::Any;
use std::sync::Mutex;

use pyo3::prelude::*;
use smallvec::SmallVec;
use wasmtime::component::ResourceDynamic;
use witbridge_core::abi::{Handle, Tape, Text};

use crate::host_resources::HostTable;
use crate::instance::Instance;
use crate::resource::ResourceHandle;

/// How numeric lists come out (`Linker.instantiate(numeric_lists=...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListMode {
    /// A Python `list` of `int`/`float` (DESIGN §3).
    #[default]
    List,
    /// An `array.array` of the matching type code.
    Array,
    /// A `numpy.ndarray` of the matching dtype.
    Numpy,
}

impl ListMode {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "list" => ListMode::List,
            "array" => ListMode::Array,
            "numpy" => ListMode::Numpy,
            _ => return None,
        })
    }

    /// The name [`ListMode::parse`] reads.
    pub fn name(self) -> &'static str {
        match self {
            ListMode::List => "list",
            ListMode::Array => "array",
            ListMode::Numpy => "numpy",
        }
    }
}

/// A host resource object waiting to enter the host table: it does only
/// once every value of the call was accepted.
struct PendingHost {
    /// Its handle's position on the tape.
    handle: usize,
    object: Py<PyAny>,
    payload: u32,
    own: bool,
}

/// Where Python values are staged for the guest, and what happens to
/// resources once every value of a call was accepted.
pub struct Prep<'a> {
    pub tape: &'a mut Tape,
    /// The instance whose export is called, for its resources; `None` in a
    /// host function's result.
    pub owner: Option<&'a Py<Instance>>,
    /// The Python objects of the host resources the guest may hold.
    pub table: &'a Mutex<HostTable>,
    handles: usize,
    /// Guest resources passed as `own<...>`: their objects die at commit.
    moved: Vec<Py<ResourceHandle>>,
    hosts: Vec<PendingHost>,
}

impl<'a> Prep<'a> {
    pub fn new(
        tape: &'a mut Tape,
        owner: Option<&'a Py<Instance>>,
        table: &'a Mutex<HostTable>,
    ) -> Self {
        Prep {
            tape,
            owner,
            table,
            handles: 0,
            moved: Vec::new(),
            hosts: Vec::new(),
        }
    }

    /// Stages `bytes`, which live inside `owner` (an immutable object such
    /// as a `str` or `bytes`, or a buffer export): borrowed, with `owner`
    /// kept alive by the tape, when that is cheaper than a copy.
    pub fn stage(
        &mut self,
        owner: impl FnOnce() -> Box<dyn Any + Send + Sync>,
        bytes: &[u8],
        text: Option<Text>,
    ) {
        // Below this, copying costs less than keeping the owner alive.
        const BORROW_FROM: usize = 256;
        if bytes.len() < BORROW_FROM {
            self.tape.push_copy(bytes, text);
        } else {
            // SAFETY: `owner` keeps `bytes` alive and unchanged as long as
            // the tape, which holds it: immutable objects, or buffer exports
            // (a `bytearray` can't be resized while exported).
            unsafe { self.tape.push_outside(bytes, text) };
            self.tape.keep(owner());
        }
    }

    pub fn push_handle(&mut self, handle: Handle) {
        self.tape.push_handle(handle);
        self.handles += 1;
    }

    /// A guest resource moved into the guest: its object dies at commit.
    pub fn moved(&mut self, handle: Py<ResourceHandle>) {
        self.moved.push(handle);
    }

    /// A host resource object for the guest, linked in at commit.
    pub fn host(&mut self, object: Py<PyAny>, payload: u32, own: bool) {
        // A stand-in until the object has its place in the table.
        let stand_in = ResourceDynamic::new_borrow(0, payload);
        self.hosts.push(PendingHost {
            handle: self.handles,
            object,
            payload,
            own,
        });
        self.push_handle(Handle::Host(stand_in));
    }

    /// Every value was accepted: `own` guest resources now belong to the
    /// guest, and host resources get their place in the table. A `borrow`
    /// one has it only for the call: its place is returned, for the caller
    /// to give back when the call is over ([`Lent::give_back`]).
    pub fn commit(self, py: Python<'_>) -> Lent {
        for handle in self.moved {
            handle.get().forget(py);
        }
        let mut lent = Lent(Vec::new());
        if self.hosts.is_empty() {
            return lent;
        }
        let mut table = crate::host_resources::lock(self.table);
        let handles = self.tape.handles_mut();
        for pending in self.hosts {
            let rep = table.insert(pending.object);
            handles[pending.handle] = Handle::Host(if pending.own {
                ResourceDynamic::new_own(rep, pending.payload)
            } else {
                lent.0.push(rep);
                ResourceDynamic::new_borrow(rep, pending.payload)
            });
        }
        lent
    }
}

/// Host resources lent to a guest for one call (`borrow<...>` arguments).
#[must_use = "lent resources must be given back when the call is over"]
pub struct Lent(Vec<u32>);

impl Lent {
    /// The call is over: the guest can't hold the borrows any more.
    pub fn give_back(self, table: &Mutex<HostTable>) {
        if self.0.is_empty() {
            return;
        }
        let mut table = crate::host_resources::lock(table);
        for rep in self.0 {
            table.remove(rep);
        }
    }
}

/// What Python values are made with from a tape.
pub struct Mat<'a> {
    /// The instance whose export returned the values (its guest resources
    /// become objects bound to it); `None` in a host function's arguments.
    pub owner: Option<&'a Py<Instance>>,
    pub table: &'a Mutex<HostTable>,
    pub lists: ListMode,
    /// Which record converters found their class plain in this call (see
    /// [`Mat::plain`]), by address; inline, as a call's result rarely has
    /// more than a few record types: a `Vec` cost an allocation and a free
    /// in every call that returns a record.
    plain: SmallVec<[(usize, bool); 4]>,
}

impl<'a> Mat<'a> {
    pub fn new(
        owner: Option<&'a Py<Instance>>,
        table: &'a Mutex<HostTable>,
        lists: ListMode,
    ) -> Self {
        Mat {
            owner,
            table,
            lists,
            plain: SmallVec::new(),
        }
    }

    /// Whether the record class of the converter at `key` is still plain,
    /// asking `ask` once per call: a list of 10,000 records looks the
    /// class's `__init__` up once, not 10,000 times. Nothing the user wrote
    /// runs while one call's values are made, so the answer holds.
    pub fn plain(&mut self, key: usize, ask: impl FnOnce() -> PyResult<bool>) -> PyResult<bool> {
        if let Some(&(_, plain)) = self.plain.iter().find(|(k, _)| *k == key) {
            return Ok(plain);
        }
        let plain = ask()?;
        self.plain.push((key, plain));
        Ok(plain)
    }
}
