//! Sandbox limits: how much memory, tables and instances a store may use,
//! and the errors that stop a guest when it goes over a limit or a deadline.

use std::fmt;
use std::time::Duration;

use wasmtime::ResourceLimiter;

/// Which limit a guest ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The bytes of linear memory, all memories of the instance together.
    Memory,
    /// The elements of one table.
    TableElements,
}

/// Raised (as a trap) when a guest grows past a limit. Growth normally just
/// fails in wasm (`memory.grow` returns -1) and most guests then abort with
/// an unhelpful `unreachable`; trapping right away says what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitExceeded {
    /// Which limit.
    pub limit: Limit,
    /// The limit, in bytes or elements.
    pub max: usize,
    /// What the guest asked to grow to.
    pub desired: usize,
}

impl LimitExceeded {
    /// The `Trap.code` Python sees.
    pub fn code(&self) -> &'static str {
        match self.limit {
            Limit::Memory => "memory_limit",
            Limit::TableElements => "table_limit",
        }
    }
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.limit {
            Limit::Memory => write!(
                f,
                "the guest tried to grow its memory to {} bytes, over its max_memory of {} bytes",
                self.desired, self.max
            ),
            Limit::TableElements => write!(
                f,
                "the guest tried to grow a table to {} elements, over its max_table_elements of {}",
                self.desired, self.max
            ),
        }
    }
}

impl std::error::Error for LimitExceeded {}

/// Raised (as a trap) when a call runs past its timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedOut {
    /// The call's timeout.
    pub timeout: Duration,
    /// Where the call was when its time was up, if not in guest code: in
    /// a host call that waits (WASI's), or one that can't be interrupted
    /// (a Python import); said after the timeout.
    pub during: Option<String>,
}

impl TimedOut {
    /// The guest's own code ran past the deadline.
    pub fn running(timeout: Duration) -> Self {
        TimedOut {
            timeout,
            during: None,
        }
    }

    /// The deadline came while the call was `during` (`while the guest
    /// waited in ...`).
    pub fn during(timeout: Duration, during: impl Into<String>) -> Self {
        TimedOut {
            timeout,
            during: Some(during.into()),
        }
    }
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the call ran longer than its timeout of {:?}",
            self.timeout
        )?;
        match &self.during {
            Some(during) => write!(f, ", {during}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for TimedOut {}

/// The resource limits of one store; `None` is wasmtime's default.
#[derive(Debug, Clone, Default)]
pub struct ResourceLimits {
    /// Bytes of linear memory, summed over the store's memories.
    pub max_memory: Option<usize>,
    /// Elements per table.
    pub max_table_elements: Option<usize>,
    /// Core and component instances in the store.
    pub max_instances: Option<usize>,
    /// Tables in the store.
    pub max_tables: Option<usize>,
    /// Linear memories in the store.
    pub max_memories: Option<usize>,
}

/// Enforces [`ResourceLimits`] on a store (`Store::limiter`).
#[derive(Debug, Clone, Default)]
pub struct Limiter {
    limits: ResourceLimits,
    /// Bytes of linear memory the store holds now.
    memory_in_use: usize,
}

impl Limiter {
    /// A limiter enforcing `limits`.
    pub fn new(limits: ResourceLimits) -> Self {
        Limiter {
            limits,
            memory_in_use: 0,
        }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.memory_in_use - current.min(self.memory_in_use) + desired;
        if let Some(max) = self.limits.max_memory
            && total > max
        {
            return Err(wasmtime::Error::new(LimitExceeded {
                limit: Limit::Memory,
                max,
                desired: total,
            }));
        }
        self.memory_in_use = total;
        Ok(true)
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        // The growth we counted didn't happen; the guest sees -1 as usual.
        Ok(())
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if let Some(max) = self.limits.max_table_elements
            && desired > max
        {
            return Err(wasmtime::Error::new(LimitExceeded {
                limit: Limit::TableElements,
                max,
                desired,
            }));
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.limits
            .max_instances
            .unwrap_or(wasmtime::DEFAULT_INSTANCE_LIMIT)
    }

    fn tables(&self) -> usize {
        self.limits
            .max_tables
            .unwrap_or(wasmtime::DEFAULT_TABLE_LIMIT)
    }

    fn memories(&self) -> usize {
        self.limits
            .max_memories
            .unwrap_or(wasmtime::DEFAULT_MEMORY_LIMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_counted_over_all_memories() {
        let mut limiter = Limiter::new(ResourceLimits {
            max_memory: Some(3 << 16),
            ..ResourceLimits::default()
        });
        assert!(limiter.memory_growing(0, 1 << 16, None).unwrap());
        assert!(limiter.memory_growing(0, 1 << 16, None).unwrap()); // a second memory
        assert!(limiter.memory_growing(1 << 16, 2 << 16, None).unwrap());
        let err = limiter.memory_growing(1 << 16, 2 << 16, None).unwrap_err();
        let exceeded = err.downcast_ref::<LimitExceeded>().unwrap();
        assert_eq!(exceeded.code(), "memory_limit");
        assert_eq!(exceeded.desired, 4 << 16);
    }

    #[test]
    fn no_limit_means_wasmtime_defaults() {
        let mut limiter = Limiter::default();
        assert!(limiter.memory_growing(0, usize::MAX / 2, None).unwrap());
        assert_eq!(limiter.instances(), wasmtime::DEFAULT_INSTANCE_LIMIT);
    }
}
