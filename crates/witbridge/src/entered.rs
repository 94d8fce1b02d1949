//! The guard of an instance's state, which knows the thread holding it.
//!
//! With the GIL released during guest calls, another thread may find an
//! instance busy: it should wait its turn. The same thread finding it busy
//! is a host function calling back into its own caller: waiting would
//! deadlock, so `Instance::enter` refuses. Telling the two apart needs to
//! know who holds the lock, which `Entered` records and clears.

use std::ops::{Deref, DerefMut};
use std::sync::MutexGuard;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::instance::State;

/// An instance's state, taken by one thread for one call.
pub struct Entered<'a> {
    pub(crate) guard: MutexGuard<'a, State>,
    pub(crate) holder: &'a AtomicUsize,
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
