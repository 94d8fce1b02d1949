//! Turning errors from a guest call into `witbridge.Trap`.

use pyo3::prelude::*;
use wasmtime::{Trap, WasmBacktrace};
use witbridge_core::abi::TransferLimit;
use witbridge_core::limits::{LimitExceeded, TimedOut};

use crate::pyclasses;
use crate::store::Host;
use witbridge_core::stderr_tail::{StderrTail, TAIL_BYTES, TailText};

/// A failed call, described for Python and for the instance's later refusals.
pub struct CallFailure {
    pub error: PyErr,
    /// One line, kept by the instance to explain why it is no longer usable.
    pub summary: String,
}

/// `StackOverflow` -> `stack_overflow`: trap codes as Python users spell things.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Describes an error returned by wasmtime for a call of `what` into the
/// store of `host`.
///
/// A real trap carries a [`Trap`] code, and so do the sandbox's limits
/// (`timeout`, `memory_limit`, `table_limit`, `transfer_limit`; fuel is
/// wasmtime's `out_of_fuel`). Other failures (a guest returning a string pointer
/// outside its memory, invalid UTF-8, a bad `realloc`) are the guest
/// breaking the canonical ABI and become a `Trap` without code. What the
/// guest wrote to its WASI stderr during the call ends the message, and is
/// `Trap.stderr`: a Rust guest's panic message is there, and only there.
pub fn call_failure(py: Python<'_>, err: wasmtime::Error, what: &str, host: &Host) -> CallFailure {
    let code = if let Some(trap) = err.downcast_ref::<Trap>() {
        Some(snake_case(&format!("{trap:?}")))
    } else if let Some(limit) = err.downcast_ref::<LimitExceeded>() {
        Some(limit.code().to_owned())
    } else if err.is::<TimedOut>() {
        Some("timeout".to_owned())
    } else if err.is::<TransferLimit>() {
        Some("transfer_limit".to_owned())
    } else {
        None
    };
    let backtrace = err
        .downcast_ref::<WasmBacktrace>()
        .map(|bt| bt.to_string().trim_end().to_owned());
    let cause = match err.downcast_ref::<Trap>() {
        Some(trap) => trap.to_string(),
        None => err.root_cause().to_string(),
    };
    let summary = format!("{what}: {cause}");
    let stderr = host.stderr_tail.as_ref().and_then(StderrTail::text);
    let message = match &stderr {
        Some(tail) => format!("{summary}\n{}", stderr_section(tail)),
        None => summary.clone(),
    };
    let stderr = stderr.map(|tail| tail.text).unwrap_or_default();
    let error = match pyclasses::trap(py) {
        Ok(class) => PyErr::from_type(class.clone(), (message, code, backtrace, stderr)),
        Err(import_failed) => import_failed,
    };
    CallFailure { error, summary }
}

/// The guest's stderr as the end of a message: a heading, then its lines
/// indented, as a backtrace's are.
fn stderr_section(tail: &TailText) -> String {
    let mut section = if tail.cut {
        format!("the last {TAIL_BYTES} bytes the guest wrote to stderr during the call:")
    } else {
        "the guest wrote to stderr during the call:".to_owned()
    };
    for line in tail.text.trim_start_matches('\n').trim_end().lines() {
        section.push('\n');
        if !line.is_empty() {
            section.push_str("    ");
            section.push_str(line);
        }
    }
    section
}
