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

use super::export::Receive;
use super::load::LoadOptions;

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
/// `f` runs, which [`with`] ensures by being called from `f`'s dynamic
/// extent only (the slot is restored before this returns).
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

/// What the guest call running on this thread set for the values it
/// hands the host: how to read them, and (for an export's results) who
/// takes them. One slot, so that a call pays for one thread-local swap.
#[derive(Clone, Copy)]
struct Current {
    options: Option<NonNull<LoadOptions>>,
    receiver: Option<NonNull<dyn Receive>>,
}

thread_local! {
    static CURRENT: Cell<Current> = const {
        Cell::new(Current {
            options: None,
            receiver: None,
        })
    };
}

/// Puts the enclosing call's `Current` back, even after a panic.
struct RestoreCurrent(Current);

impl Drop for RestoreCurrent {
    fn drop(&mut self) {
        let previous = self.0;
        CURRENT.with(|slot| slot.set(previous));
    }
}

/// Runs `f`, which enters a guest, with `options` (and `receiver`, for an
/// export's results) for what that guest hands the host meanwhile.
///
/// # Safety
///
/// `receiver`, erased to `'static`, must live until this returns; it is
/// reached only from `f`'s dynamic extent ([`take_receiver`]).
pub(crate) unsafe fn crossing<R>(
    options: &LoadOptions,
    receiver: Option<NonNull<dyn Receive>>,
    f: impl FnOnce() -> R,
) -> R {
    let current = Current {
        options: Some(NonNull::from(options)),
        receiver,
    };
    let previous = CURRENT.with(|slot| slot.replace(current));
    let _restore = RestoreCurrent(previous);
    f()
}

/// The options outside any crossing.
static NO_CROSSING: LoadOptions = LoadOptions::DEFAULT;

/// The options a crossing put in the slot, or the defaults outside any.
///
/// # Safety
///
/// `options` comes from the slot, during the crossing that set it.
unsafe fn in_force<'a>(options: Option<NonNull<LoadOptions>>) -> &'a LoadOptions {
    // SAFETY: the caller's promise.
    options.map_or(&NO_CROSSING, |ptr| unsafe { ptr.as_ref() })
}

/// The options of the innermost [`crossing`] on this thread, or the defaults.
pub(crate) fn options<R>(f: impl FnOnce(&LoadOptions) -> R) -> R {
    let options = CURRENT.with(|slot| slot.get().options);
    // SAFETY: `crossing` keeps them alive while they are in the slot.
    f(unsafe { in_force(options) })
}

/// Takes the receiver out of the slot, so that it is used once and never
/// aliased, with the options of the same [`crossing`] (one thread-local
/// access for both: a small call pays ~20 instructions for each). The
/// `crossing` puts the enclosing receiver back when it ends.
///
/// # Safety
///
/// Called during the `crossing` that set it, and neither reference kept
/// past it.
pub(crate) unsafe fn take_receiver<'a>() -> (Option<&'a mut dyn Receive>, &'a LoadOptions) {
    let (receiver, options) = CURRENT.with(|slot| {
        let mut current = slot.get();
        let receiver = current.receiver.take();
        slot.set(current);
        (receiver, current.options)
    });
    // SAFETY: see above; `crossing` keeps both alive while they are in
    // the slot.
    unsafe { (receiver.map(|mut ptr| ptr.as_mut()), in_force(options)) }
}
