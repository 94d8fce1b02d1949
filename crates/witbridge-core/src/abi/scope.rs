//! What the static functions of wasmtime's typed traits need from the call
//! that is running them, handed over through thread-locals.
//!
//! `Lift::linear_lift_from_flat` and `ComponentType::typecheck` have no
//! `self`: wasmtime calls them with nothing but the types. A guest call is
//! synchronous on the thread that made it, so the call sets what they need
//! on that thread for its own duration, and restores what an enclosing
//! call had set (a Python import may call another guest) when it ends,
//! however it ends.

use std::cell::Cell;
use std::ptr::NonNull;
use std::thread::LocalKey;

/// A slot that a scope fills for its duration.
pub(crate) struct Slot<T: ?Sized + 'static>(Cell<Option<NonNull<T>>>);

impl<T: ?Sized + 'static> Slot<T> {
    pub(crate) const fn new() -> Self {
        Slot(Cell::new(None))
    }
}

/// Puts the previous value back when the scope ends, even by a panic.
struct Restore<T: ?Sized + 'static> {
    key: &'static LocalKey<Slot<T>>,
    previous: Option<NonNull<T>>,
}

impl<T: ?Sized + 'static> Drop for Restore<T> {
    fn drop(&mut self) {
        let previous = self.previous;
        self.key.with(|slot| slot.0.set(previous));
    }
}

/// Runs `f` with `value` in the slot `key`.
///
/// # Safety
///
/// `value` is erased to `'static` in the slot; it must be read only while
/// `f` runs, which [`with`] and [`take`] ensure by being called from `f`'s
/// dynamic extent only (the slot is restored before this returns).
pub(crate) unsafe fn set<T: ?Sized + 'static, R>(
    key: &'static LocalKey<Slot<T>>,
    value: NonNull<T>,
    f: impl FnOnce() -> R,
) -> R {
    let previous = key.with(|slot| slot.0.replace(Some(value)));
    let _restore = Restore { key, previous };
    f()
}

/// The value in the slot, shared.
pub(crate) fn with<T: ?Sized + 'static, R>(
    key: &'static LocalKey<Slot<T>>,
    f: impl FnOnce(Option<&T>) -> R,
) -> R {
    let value = key.with(|slot| slot.0.get());
    // SAFETY: a value in the slot is alive: `set` put it there and clears it
    // before its borrow ends.
    f(value.map(|ptr| unsafe { ptr.as_ref() }))
}

/// Takes the value out of the slot, so that it is used once and never
/// aliased; `set` puts the previous value back at the end of its scope.
///
/// # Safety
///
/// The caller must be in the dynamic extent of the `set` that filled the
/// slot (which holds for wasmtime's callbacks during a call) and must not
/// keep the reference past it.
pub(crate) unsafe fn take<'a, T: ?Sized + 'static>(
    key: &'static LocalKey<Slot<T>>,
) -> Option<&'a mut T> {
    let value = key.with(|slot| slot.0.take());
    // SAFETY: as in `with`; and taking it makes this the only reference.
    value.map(|mut ptr| unsafe { ptr.as_mut() })
}
