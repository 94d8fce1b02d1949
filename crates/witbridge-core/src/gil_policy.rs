//! Whether a call into the guest releases the GIL, learned per function.
//!
//! Releasing the GIL while the guest runs lets other Python threads go on
//! and calls into different instances run in parallel. But releasing it and
//! taking it back costs ~150 ns, as much as all the rest of a small call.
//! CPython's rule for C code is the model here: release the GIL around work
//! that takes long, keep it for work that doesn't (numpy decides by array
//! size). How long a guest takes can't be known before the call, so each
//! exported function learns it from its own calls:
//!
//! - A function starts out releasing the GIL, and times its calls. After
//!   [`SHORT_STREAK`] calls in a row that each took under [`SHORT_CALL`], it
//!   keeps the GIL.
//! - While it keeps the GIL, one call in [`SAMPLE_EVERY`] is timed, and one
//!   that took [`SHORT_CALL`] or more sends the function back to releasing.
//! - A call that keeps the GIL and runs long is also caught by the epoch
//!   ticker (`store::on_epoch`, every `ticker::TICK`): from then on that
//!   call hands the GIL to any waiting thread at every tick, as Python's own
//!   loop does every 5 ms, and the function's next calls release it.
//!
//! So other threads wait at most one tick for a guest that turned slow, and
//! calls that take 10 µs or more pay under 2% for the release.
//!
//! Only instances whose store has no WASI may keep the GIL: a WASI call can
//! block (a sleep, a read of stdin) and wasmtime-wasi can't release it. And
//! only on engines with epoch interruption, whose ticks catch long calls.
//!
//! The policy is plain Rust, with no Python in it, so it lives here beside
//! its tests; `crates/witbridge` acts on it.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A call shorter than this may keep the GIL: releasing it would cost over
/// 1.5% of the call.
pub const SHORT_CALL: Duration = Duration::from_micros(10);
/// How many short calls in a row before a function keeps the GIL.
pub const SHORT_STREAK: u32 = 16;
/// While a function keeps the GIL, one call in this many is timed (a clock
/// read costs ~25 ns, a tenth of a small call).
pub const SAMPLE_EVERY: u32 = 32;

/// One exported function's choice, shared by the threads that call it.
#[derive(Default)]
pub struct GilPolicy {
    keep: AtomicBool,
    /// Short calls in a row while releasing; calls since the last sample
    /// while keeping.
    count: AtomicU32,
}

/// What one call does with the GIL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gil {
    /// Released while the guest runs.
    Release,
    /// Kept while the guest runs (handed over at epoch ticks if it runs long).
    Keep,
}

/// A call's choice, and when it started if it is timed.
pub struct Choice {
    pub gil: Gil,
    started: Option<Instant>,
}

impl GilPolicy {
    /// What the next call does; its outcome goes to [`GilPolicy::learn`].
    #[inline]
    pub fn choose(&self) -> Choice {
        if !self.keep.load(Ordering::Relaxed) {
            return Choice {
                gil: Gil::Release,
                started: Some(Instant::now()),
            };
        }
        // A load and a store, not an atomic add: that is a locked
        // instruction on every call, a tenth of a small call's own cost.
        // Threads racing here may lose a count, which only moves a sample.
        let count = self.count.load(Ordering::Relaxed);
        self.count.store(count.wrapping_add(1), Ordering::Relaxed);
        let sampled = count.is_multiple_of(SAMPLE_EVERY);
        Choice {
            gil: Gil::Keep,
            started: sampled.then(Instant::now),
        }
    }

    /// Learns from a call made as `choice` said; `ran_past_a_tick` is
    /// whether an epoch tick found it still running with the GIL kept.
    #[inline]
    pub fn learn(&self, choice: Choice, ran_past_a_tick: bool) {
        let short = !ran_past_a_tick
            && choice
                .started
                .is_none_or(|started| started.elapsed() < SHORT_CALL);
        match (choice.gil, short) {
            (Gil::Release, true) => {
                if self.count.fetch_add(1, Ordering::Relaxed) + 1 >= SHORT_STREAK {
                    self.count.store(0, Ordering::Relaxed);
                    self.keep.store(true, Ordering::Relaxed);
                }
            }
            (_, false) => {
                self.count.store(0, Ordering::Relaxed);
                self.keep.store(false, Ordering::Relaxed);
            }
            (Gil::Keep, true) => {}
        }
    }

    /// Whether calls keep the GIL now (for tests and `repr`s).
    pub fn keeps(&self) -> bool {
        self.keep.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(gil: Gil) -> Choice {
        Choice {
            gil,
            started: Some(Instant::now()),
        }
    }

    fn long(gil: Gil) -> Choice {
        Choice {
            gil,
            started: Some(Instant::now() - SHORT_CALL * 2),
        }
    }

    #[test]
    fn a_streak_of_short_calls_keeps_the_gil() {
        let policy = GilPolicy::default();
        for _ in 1..SHORT_STREAK {
            assert_eq!(policy.choose().gil, Gil::Release);
            policy.learn(short(Gil::Release), false);
        }
        assert!(!policy.keeps());
        policy.learn(short(Gil::Release), false);
        assert!(policy.keeps());
        assert_eq!(policy.choose().gil, Gil::Keep);
    }

    #[test]
    fn one_long_call_restarts_the_streak() {
        let policy = GilPolicy::default();
        for _ in 1..SHORT_STREAK {
            policy.learn(short(Gil::Release), false);
        }
        policy.learn(long(Gil::Release), false);
        for _ in 1..SHORT_STREAK {
            policy.learn(short(Gil::Release), false);
        }
        assert!(!policy.keeps());
    }

    #[test]
    fn a_tick_or_a_slow_sample_releases_again() {
        let policy = GilPolicy::default();
        for _ in 0..SHORT_STREAK {
            policy.learn(short(Gil::Release), false);
        }
        policy.learn(short(Gil::Keep), true);
        assert!(!policy.keeps());

        for _ in 0..SHORT_STREAK {
            policy.learn(short(Gil::Release), false);
        }
        policy.learn(long(Gil::Keep), false);
        assert!(!policy.keeps());
    }

    #[test]
    fn kept_calls_are_sampled() {
        let policy = GilPolicy::default();
        for _ in 0..SHORT_STREAK {
            policy.learn(short(Gil::Release), false);
        }
        let timed = (0..SAMPLE_EVERY * 4)
            .filter(|_| policy.choose().started.is_some())
            .count();
        assert_eq!(timed, 4);
    }
}
