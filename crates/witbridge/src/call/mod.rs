//! The call pipeline, in the order a call goes through it:
//!
//! 1. [`signature`]: a function's WIT types, compiled once per component
//!    into converters (`crate::convert`);
//! 2. the arguments are staged on a tape by those converters, checked
//!    whole before anything reaches the guest;
//! 3. [`guest`]: entering the guest, the one place that does (GIL, epoch
//!    ticker, deadline, what a failure leaves behind);
//! 4. the guest's values come back on a tape and the converters make
//!    Python values of them.
//!
//! [`export`] runs it for a call from Python into a guest, [`host`] the
//! other way, for a guest calling a Python import. Tapes move in and out of
//! guest memory through witbridge's canonical ABI, `witbridge_core::abi`;
//! [`reference`] swaps that step for wasmtime's `Val` API, for the tests
//! that compare the two.

pub mod export;
pub mod guest;
pub mod host;
pub mod reference;
pub mod signature;
