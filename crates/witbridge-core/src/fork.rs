//! Surviving `fork()`.
//!
//! A process made by `fork()` (Python's `os.fork`, and `multiprocessing`'s
//! default start method on Linux before Python 3.14) has one thread: the one
//! that forked. The helper threads that witbridge, wasmtime and wasmtime-wasi
//! started in the parent are not there, and whatever waits for them in the
//! child waits forever:
//!
//! - the epoch ticker ([`crate::ticker`]): a timeout would never fire;
//! - rayon's pool, which wasmtime compiles on: a compile would hang;
//! - the tokio runtime that WASI's blocking calls run on: a file read or a
//!   sleep would hang.
//!
//! So each helper belongs to the process that started it. [`generation`]
//! counts the forks between the process that first loaded witbridge and
//! this one, and a helper kept in a [`PerProcess`] is started anew the first
//! time a process of a later generation needs it. The parent's helper is
//! left alone, never dropped: dropping a thread pool or a runtime waits for
//! threads that the child doesn't have.

use std::marker::PhantomData;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};

/// Forks since the process that first called [`watch`].
static GENERATION: AtomicU32 = AtomicU32::new(0);

/// The thread that forked this process (`pthread_self()`), 0 in the first.
static FORKED_BY: AtomicU64 = AtomicU64::new(0);

#[cfg(unix)]
extern "C" fn forked() {
    // In the child, right after the fork: only async-signal-safe work here,
    // which atomic stores and `pthread_self` are.
    // SAFETY: always safe to call.
    FORKED_BY.store(unsafe { libc::pthread_self() } as u64, Ordering::Relaxed);
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// Starts counting forks, once per process (the count is inherited, and so
/// is the handler). Called before any helper thread starts: the extension
/// calls it when it is imported.
pub fn watch() {
    #[cfg(unix)]
    {
        static WATCH: std::sync::Once = std::sync::Once::new();
        WATCH.call_once(|| {
            // SAFETY: `forked` is async-signal-safe, as a child handler must be.
            let err = unsafe { libc::pthread_atfork(None, None, Some(forked)) };
            // It fails only without memory for the handler; then forked
            // processes keep the parent's helpers, as they did before.
            debug_assert_eq!(err, 0, "pthread_atfork failed");
        });
    }
}

/// How many forks lie between this process and the one that first called
/// [`watch`]: 0 in that process.
#[inline]
pub fn generation() -> u32 {
    GENERATION.load(Ordering::Relaxed)
}

/// The thread that forked this process, which is the only one it started
/// with (`pthread_self()`); `None` in the process that first called [`watch`].
pub fn forking_thread() -> Option<u64> {
    match generation() {
        0 => None,
        _ => Some(FORKED_BY.load(Ordering::Relaxed)),
    }
}

/// A value made at most once per process, such as a helper thread's handle
/// or a pool of threads: a process forked from the one that made it gets
/// its own, made when it first asks.
pub struct PerProcess<T> {
    /// The value and the generation it was made in; null until made. A value
    /// from an earlier generation is never freed (see the module docs).
    slot: AtomicPtr<Made<T>>,
    owns: PhantomData<Box<Made<T>>>,
}

struct Made<T> {
    generation: u32,
    value: T,
}

// SAFETY: the values are shared between threads as `&T` (so `T: Sync`)
// and may be dropped on another thread than the one that made them (so
// `T: Send`), as an `Arc<T>` would be.
unsafe impl<T: Send + Sync> Sync for PerProcess<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Send for PerProcess<T> {}

impl<T> Default for PerProcess<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> PerProcess<T> {
    pub const fn new() -> Self {
        PerProcess {
            slot: AtomicPtr::new(ptr::null_mut()),
            owns: PhantomData,
        }
    }

    /// This process's value, made by `make` if this process has none yet.
    #[inline]
    pub fn get(&self, make: impl FnOnce() -> T) -> &T {
        match self.current() {
            Some(value) => value,
            None => self.make(make),
        }
    }

    /// This process's value, if it made one.
    #[inline]
    pub fn current(&self) -> Option<&T> {
        let made = self.slot.load(Ordering::Acquire);
        // SAFETY: a non-null slot points at a `Made` that lives as long as
        // `self` (replaced ones are leaked, never freed).
        let made = unsafe { made.as_ref() }?;
        (made.generation == generation()).then_some(&made.value)
    }

    #[cold]
    fn make(&self, make: impl FnOnce() -> T) -> &T {
        watch();
        let seen = self.slot.load(Ordering::Acquire);
        let generation = generation();
        // SAFETY: a non-null slot lives as long as `self`.
        if let Some(theirs) = unsafe { seen.as_ref() }
            && theirs.generation == generation
        {
            return &theirs.value; // another thread made it meanwhile
        }
        let new = Box::into_raw(Box::new(Made {
            generation,
            value: make(),
        }));
        match self
            .slot
            .compare_exchange(seen, new, Ordering::AcqRel, Ordering::Acquire)
        {
            // `seen`, a parent's value or null, is left as it is.
            // SAFETY: `new` is in the slot now, alive as long as `self`.
            Ok(_) => unsafe { &(*new).value },
            Err(theirs) => {
                // Another thread of this process made one meanwhile: use
                // that, and drop ours, which no one else has seen.
                // SAFETY: `new` came from `Box::into_raw` above and was never shared.
                drop(unsafe { Box::from_raw(new) });
                // SAFETY: a non-null slot lives as long as `self`.
                unsafe { &(*theirs).value }
            }
        }
    }
}

impl<T> Drop for PerProcess<T> {
    fn drop(&mut self) {
        let made = *self.slot.get_mut();
        // SAFETY: a non-null slot came from `Box::into_raw`, and `&mut self`
        // means no one borrows it.
        if let Some(ours) = unsafe { made.as_ref() }
            && ours.generation == generation()
        {
            // SAFETY: as above; this process made it, so it may drop it.
            drop(unsafe { Box::from_raw(made) });
        }
    }
}

/// The tokio runtime for WASI in a forked process, entered for as long as
/// the guard lives; `None` in the process that first loaded witbridge,
/// where wasmtime-wasi's own runtime serves.
///
/// wasmtime-wasi runs its blocking calls on the runtime of the calling
/// thread when there is one, and on a runtime of its own otherwise, made
/// once and never again: in a forked child, that one's threads are gone.
pub fn wasi_runtime() -> Option<tokio::runtime::EnterGuard<'static>> {
    static RUNTIME: PerProcess<Option<tokio::runtime::Runtime>> = PerProcess::new();
    if generation() == 0 {
        return None;
    }
    let runtime = RUNTIME.get(|| {
        // The settings of wasmtime-wasi's own runtime.
        tokio::runtime::Builder::new_multi_thread()
            .enable_time()
            .enable_io()
            .build()
            .ok()
        // Without threads to spare, WASI's calls go to wasmtime-wasi's runtime,
        // as they did before.
    });
    runtime.as_ref().map(|r| r.enter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// What a fork does to the count, without forking the test harness.
    fn pretend_forked() {
        GENERATION.fetch_add(1, Ordering::Relaxed);
    }

    #[test]
    fn a_value_is_made_once_per_process() {
        // One test touches the process-wide count, so that no other test
        // sees it move.
        let made = AtomicUsize::new(0);
        let make = || made.fetch_add(1, Ordering::Relaxed);
        let values = PerProcess::new();
        assert_eq!(values.current(), None);
        assert_eq!(*values.get(make), 0);
        assert_eq!(*values.get(make), 0, "made again in the same process");
        let before: *const usize = values.get(make);

        pretend_forked();
        assert_eq!(values.current(), None, "a child sees its parent's value");
        assert_eq!(*values.get(make), 1);
        assert_eq!(*values.get(make), 1);
        assert_eq!(made.load(Ordering::Relaxed), 2);
        // The parent's value is left where it was: references to it hold.
        // SAFETY: PerProcess never frees a value of an earlier generation.
        assert_eq!(unsafe { *before }, 0);

        assert!(wasi_runtime().is_some(), "a child gets a runtime for WASI");
    }
}
