//! An instance's mutable part (its store), behind one lock that knows which
//! thread holds it.
//!
//! With the GIL released during guest calls, another thread may find an
//! instance busy: it waits its turn. The same thread finding it busy is a
//! host function calling back into its own caller: waiting would deadlock,
//! so [`Locked::enter`] refuses. Telling the two apart needs to know who
//! holds the lock, which [`Entered`] records and clears.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

use pyo3::prelude::*;
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::pyclasses;
use crate::store::Host;

/// The mutable part of an instance.
pub struct State {
    pub store: Store<Host>,
    pub instance: wasmtime::component::Instance,
    /// Why the instance may no longer be entered (it trapped), if it did.
    pub broken: Option<String>,
}

impl State {
    /// Refuses a call into an instance that an earlier failure left unusable.
    pub fn check_usable(&self, what: &str) -> PyResult<()> {
        match &self.broken {
            Some(why) => Err(pyclasses::new_err(
                pyclasses::error,
                format!("cannot call {what}: this instance is no longer usable because {why}"),
            )),
            None => Ok(()),
        }
    }
}

/// The state with its lock, and the guest resources whose drops wait for it.
pub struct Locked {
    state: Mutex<State>,
    /// Which thread holds `state` (a [`thread_token`]), 0 when none does.
    holder: AtomicUsize,
    /// Guest resources that Python garbage-collected while a call held the
    /// state; they are dropped the next time the instance is entered.
    deferred_drops: Mutex<Vec<ResourceAny>>,
    /// Whether `deferred_drops` may hold anything: lets every call skip its lock.
    has_deferred_drops: AtomicBool,
}

fn unpoison<'a, T>(
    result: Result<MutexGuard<'a, T>, std::sync::PoisonError<MutexGuard<'a, T>>>,
) -> MutexGuard<'a, T> {
    result.unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Locked {
    pub fn new(state: State) -> Self {
        Locked {
            state: Mutex::new(state),
            holder: AtomicUsize::new(0),
            deferred_drops: Mutex::default(),
            has_deferred_drops: AtomicBool::new(false),
        }
    }

    /// Takes the state for a call of (or lookup in) `what`.
    ///
    /// Another thread's call is waited for, with the GIL released. If this
    /// very thread holds the state, a host function is calling back into
    /// the instance that called it: waiting would deadlock, so refuse.
    pub fn enter(&self, py: Python<'_>, what: &str) -> PyResult<Entered<'_>> {
        let me = thread_token();
        let guard = loop {
            match self.state.try_lock() {
                Ok(state) => break state,
                Err(TryLockError::Poisoned(poisoned)) => break poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
            if self.holder.load(Ordering::Acquire) == me {
                return Err(pyclasses::new_err(
                    pyclasses::error,
                    format!(
                        "cannot call {what}: this instance is already running a call (a host \
                         function may not call back into the instance that called it)"
                    ),
                ));
            }
            // Wait for the other thread's call without the GIL (its host
            // functions need it), then race for the lock again.
            py.detach(|| drop(unpoison(self.state.lock())));
        };
        self.holder.store(me, Ordering::Release);
        Ok(Entered {
            guard,
            holder: &self.holder,
        })
    }

    /// The garbage-collected resources waiting to be dropped, taken.
    pub fn take_deferred(&self) -> Vec<ResourceAny> {
        // A plain load first: a swap is a locked instruction, on every call.
        if self.has_deferred_drops.load(Ordering::Relaxed)
            && self.has_deferred_drops.swap(false, Ordering::Acquire)
        {
            return std::mem::take(&mut *unpoison(self.deferred_drops.lock()));
        }
        Vec::new()
    }

    /// Keeps a resource to drop at the instance's next entry.
    pub fn defer_drop(&self, resource: ResourceAny) {
        unpoison(self.deferred_drops.lock()).push(resource);
        self.has_deferred_drops.store(true, Ordering::Release);
    }
}

/// An instance's state, taken by one thread for one call.
pub struct Entered<'a> {
    guard: MutexGuard<'a, State>,
    holder: &'a AtomicUsize,
}

impl Deref for Entered<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        &self.guard
    }
}

impl DerefMut for Entered<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.guard
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        // Before the guard unlocks (fields drop after this body).
        self.holder.store(0, Ordering::Release);
    }
}

thread_local! {
    static TOKEN: u8 = const { 0 };
}

/// A number unique to the current thread among live threads, never 0.
pub fn thread_token() -> usize {
    TOKEN.with(|t| t as *const u8 as usize)
}
