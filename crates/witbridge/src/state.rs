//! An instance's mutable part (its store), behind one lock that knows which
//! thread holds it.
//!
//! With the GIL released during guest calls, another thread may find an
//! instance busy: it waits its turn. The same thread finding it busy is a
//! host function calling back into its own caller: waiting would deadlock,
//! so [`Locked::enter`] refuses. Telling the two apart needs to know who
//! holds the lock, which [`Entered`] records and clears.
//!
//! Waiting can deadlock across instances too: thread 1 in instance A calls
//! (from a host function) into B while thread 2 in B calls into A. So a
//! thread about to wait first follows the chain of waits (who holds the
//! instance it wants, what that thread waits for, who holds that, ...) and
//! refuses if the chain comes back to itself. The chain is kept in
//! [`WAITS`] only while threads wait: the uncontended path never sees it.
//!
//! A process forked while another thread was in a call inherits the lock
//! held, by a thread it doesn't have: the call will never end there. A
//! thread's token carries the process's fork generation (see
//! `witbridge_core::fork`), so a lock held in an earlier generation is
//! refused at once instead of waited for forever.

use std::collections::HashMap;
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
    /// `None` once the instance was closed: its store is gone.
    state: Mutex<Option<State>>,
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
            state: Mutex::new(Some(state)),
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
        let entered = self.take_lock(py, what)?;
        if entered.guard.is_none() {
            return Err(pyclasses::new_err(
                pyclasses::error,
                format!("cannot call {what}: the instance was closed"),
            ));
        }
        Ok(entered)
    }

    /// Ends the instance: waits for a running call, then drops the store
    /// (its memories, tables and guest state) without running guest code.
    /// Resources that Python still holds are dead from then on. Closing a
    /// closed instance does nothing.
    pub fn close(&self, py: Python<'_>) -> PyResult<()> {
        let mut entered = self.take_lock(py, "close")?;
        let state = entered.guard.take();
        drop(entered);
        // Dropping a store frees its memory: no need to hold the GIL.
        py.detach(|| drop(state));
        drop(std::mem::take(&mut *unpoison(self.deferred_drops.lock())));
        Ok(())
    }

    /// Whether [`Locked::close`] ran.
    pub fn closed(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.take_lock(py, "closed")?.guard.is_none())
    }

    fn take_lock(&self, py: Python<'_>, what: &str) -> PyResult<Entered<'_>> {
        let me = thread_token();
        let guard = loop {
            match self.state.try_lock() {
                Ok(state) => break state,
                Err(TryLockError::Poisoned(poisoned)) => break poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
            let holder = self.holder.load(Ordering::Acquire);
            if holder != 0 && generation_of(holder) != generation_of(me) {
                return Err(pyclasses::new_err(
                    pyclasses::error,
                    format!(
                        "cannot call {what}: this process was forked while another thread was \
                         in a call of this instance, which can't end here; make a new instance \
                         in this process"
                    ),
                ));
            }
            if holder == me {
                return Err(pyclasses::new_err(
                    pyclasses::error,
                    format!(
                        "cannot call {what}: this instance is already running a call (a host \
                         function may not call back into the instance that called it)"
                    ),
                ));
            }
            let _waiting = Waiting::start(me, &self.holder).map_err(|()| {
                pyclasses::new_err(
                    pyclasses::error,
                    format!(
                        "cannot call {what}: its instance is running a call in another thread \
                         that waits for this thread's call to end (two instances whose host \
                         functions call into each other, from two threads): waiting would \
                         deadlock"
                    ),
                )
            })?;
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
    /// `Some` whenever an `Entered` is handed out by [`Locked::enter`].
    guard: MutexGuard<'a, Option<State>>,
    holder: &'a AtomicUsize,
}

impl Deref for Entered<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        self.guard
            .as_ref()
            .expect("Locked::enter hands out only open states")
    }
}

impl DerefMut for Entered<'_> {
    fn deref_mut(&mut self) -> &mut State {
        self.guard
            .as_mut()
            .expect("Locked::enter hands out only open states")
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        // Before the guard unlocks (fields drop after this body).
        self.holder.store(0, Ordering::Release);
    }
}

/// Each waiting thread's token, with the address of the `holder` of the
/// instance it waits for.
static WAITS: Mutex<Option<HashMap<usize, usize>>> = Mutex::new(None);

/// A thread's entry in [`WAITS`], for as long as it waits.
struct Waiting {
    me: usize,
}

impl Waiting {
    /// Records that thread `me` waits for the instance whose holder is
    /// `holder`, unless that wait would close a cycle.
    fn start(me: usize, holder: &AtomicUsize) -> Result<Waiting, ()> {
        let mut waits = unpoison(WAITS.lock());
        let waits = waits.get_or_insert_with(HashMap::new);
        let mut next = holder.load(Ordering::Acquire);
        // Each step moves to another waiting thread; a chain can't be
        // longer than the number of them without repeating one.
        for _ in 0..=waits.len() {
            if next == me {
                return Err(());
            }
            let Some(&wanted) = waits.get(&next) else {
                break;
            };
            // SAFETY: `wanted` is the address of the `holder` of a `Locked`
            // that thread `next` is waiting for inside `Locked::enter`,
            // which borrows it for the whole wait and removes this entry
            // (under the WAITS lock that we hold) before it returns.
            next = unsafe { &*(wanted as *const AtomicUsize) }.load(Ordering::Acquire);
        }
        waits.insert(me, holder as *const AtomicUsize as usize);
        Ok(Waiting { me })
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some(waits) = unpoison(WAITS.lock()).as_mut() {
            waits.remove(&self.me);
        }
    }
}

thread_local! {
    static TOKEN: u8 = const { 0 };
}

/// Where a token's fork generation goes: above every bit of a user-space
/// address (47 on x86_64, 48 on aarch64).
const GENERATION_SHIFT: u32 = usize::BITS - 8;

/// A number unique to the current thread among the live threads of all the
/// processes forked from one another, never 0: the address of a
/// thread-local (unique among a process's threads, but a child's forking
/// thread has its parent's), with the fork generation in the top bits
/// (modulo 256).
pub fn thread_token() -> usize {
    let address = TOKEN.with(|t| t as *const u8 as usize);
    let generation = (witbridge_core::fork::generation() & 0xff) as usize;
    address ^ (generation << GENERATION_SHIFT)
}

/// The fork generation (modulo 256) of the process whose thread has `token`.
fn generation_of(token: usize) -> usize {
    token >> GENERATION_SHIFT
}
