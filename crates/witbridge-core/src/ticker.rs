//! The epoch ticker: a thread that advances an engine's epoch while guest
//! code runs, so that timeouts and Ctrl-C can interrupt it.
//!
//! wasmtime checks the epoch at function entries and loop back-edges; when
//! it passes a store's deadline, the store's callback decides whether the
//! guest goes on. The ticker only ticks while at least one call is inside a
//! guest and parks itself after a second without calls, so a program that
//! isn't calling wasm pays for no wake-ups at all. A process forked from one
//! with a ticker starts its own thread at its first call (see
//! [`crate::fork`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, Thread};
use std::time::Duration;

use crate::fork::{self, PerProcess};

/// How often the epoch advances: the resolution of timeouts and how soon
/// Ctrl-C is noticed.
pub const TICK: Duration = Duration::from_millis(10);

/// Ticks without any call before the thread parks.
const IDLE_TICKS: u32 = 100;

struct Shared {
    engine: wasmtime::Engine,
    /// Calls inside a guest right now.
    active: AtomicUsize,
    stop: AtomicBool,
}

/// Advances one engine's epoch while calls are running.
pub struct Ticker {
    shared: Arc<Shared>,
    /// The ticking thread of this process.
    thread: PerProcess<Thread>,
}

/// Held for the duration of one call; see [`Ticker::enter`].
pub struct Running<'a>(&'a Ticker);

impl Ticker {
    /// A ticker for `engine`; its thread starts with the first call.
    pub fn new(engine: wasmtime::Engine) -> Self {
        fork::watch();
        Ticker {
            shared: Arc::new(Shared {
                engine,
                active: AtomicUsize::new(0),
                stop: AtomicBool::new(false),
            }),
            thread: PerProcess::new(),
        }
    }

    /// Marks a call as running until the returned guard is dropped.
    ///
    /// Costs a load and a store, plus an unpark (itself one atomic swap
    /// unless the thread really sleeps) when no other call was running: a
    /// locked add would cost as much again, on every call.
    ///
    /// # Safety
    ///
    /// Every `enter` of this ticker, and every drop of what it returns, must
    /// happen under one outside lock (witbridge's host holds the GIL for
    /// both): the count is updated with a plain load and store, which two
    /// threads doing at once would get wrong.
    pub unsafe fn enter(&self) -> Running<'_> {
        // Started first (once per process), as it may reset the count.
        let thread = self.thread();
        let active = self.shared.active.load(Ordering::Acquire);
        self.shared.active.store(active + 1, Ordering::Release);
        if active == 0 {
            thread.unpark();
        }
        Running(self)
    }

    fn thread(&self) -> &Thread {
        self.thread.get(|| {
            // In a forked process, the calls counted were the parent's
            // threads', which this process doesn't have.
            self.shared.active.store(0, Ordering::Release);
            let shared = Arc::clone(&self.shared);
            thread::Builder::new()
                .name("witbridge-epoch".into())
                .spawn(move || tick(&shared))
                .expect("cannot start the witbridge epoch thread")
                .thread()
                .clone()
        })
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        // Under the same outside lock as `Ticker::enter`, by its contract.
        // Saturating: a call that a forked process inherited half-done (a
        // Python import that forked) ends after its count was reset.
        let active = &self.0.shared.active;
        active.store(
            active.load(Ordering::Acquire).saturating_sub(1),
            Ordering::Release,
        );
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.current() {
            thread.unpark();
        }
    }
}

fn tick(shared: &Shared) {
    let mut idle = 0;
    while !shared.stop.load(Ordering::Acquire) {
        if shared.active.load(Ordering::Acquire) == 0 {
            idle += 1;
            if idle >= IDLE_TICKS {
                // A call starting meanwhile unparks us; an unpark that comes
                // before the park makes it return at once, so none is lost.
                thread::park();
                idle = 0;
                continue;
            }
        } else {
            idle = 0;
        }
        thread::sleep(TICK);
        shared.engine.increment_epoch();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn an_interrupted_loop_stops_within_ticks() {
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let engine = wasmtime::Engine::new(&config).unwrap();
        let module =
            wasmtime::Module::new(&engine, r#"(module (func (export "spin") (loop (br 0))))"#)
                .unwrap();
        let mut store = wasmtime::Store::new(&engine, ());
        store.set_epoch_deadline(3);
        store.epoch_deadline_trap();
        let instance = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
        let spin = instance
            .get_typed_func::<(), ()>(&mut store, "spin")
            .unwrap();
        let ticker = Ticker::new(engine);
        let started = Instant::now();
        let outcome = {
            // SAFETY: this test's one thread is the only one to enter.
            let _running = unsafe { ticker.enter() };
            spin.call(&mut store, ())
        };
        let err = outcome.unwrap_err();
        assert_eq!(
            err.downcast_ref::<wasmtime::Trap>(),
            Some(&wasmtime::Trap::Interrupt)
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
