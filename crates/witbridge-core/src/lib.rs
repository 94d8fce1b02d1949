//! The Python-free core of witbridge.
//!
//! Everything here is plain Rust so that it can be tested with `cargo test`
//! and reused by tools that don't speak Python:
//!
//! - [`abi`]: witbridge's own canonical ABI, moving values between a
//!   host's staged form and a guest's memory with one copy;
//! - [`load`]: turn whatever a user hands us (a component, WAT text, or a
//!   wit-bindgen core module) into component bytes;
//! - [`describe`]: the component's interface as a WIT world, with helpers to
//!   enumerate its exports;
//! - [`names`]: how WIT names become Python names;
//! - [`wit_text`]: WIT text for signatures, types and whole worlds;
//! - [`type_model`]: a world's functions and types as JSON, for code generators;
//! - [`engine`]: the wasmtime engine configuration witbridge uses;
//! - [`artifact`]: precompiled components and the compile cache;
//! - [`limits`], [`ticker`]: sandbox limits, timeouts and interruption;
//! - [`fork`]: helper threads that a forked process starts anew;
//! - [`wasi`]: which WASI interfaces the host provides;
//! - [`stderr_tail`]: the end of a guest's stderr during a call, for its trap;
//! - [`echo`]: guests that hand each call back to the host, the round-trip
//!   oracle of the fuzzers and property tests;
//! - [`inspect`], [`wat_text`], [`wave`]: what the command line's `inspect`,
//!   `wat` and `call` need: a file's contents, its text format, and calls
//!   written in WAVE.
//!
//! ```
//! let bytes = witbridge_core::load::component_bytes(
//!     br#"(component (core module) )"#,
//!     None,
//! ).unwrap();
//! assert!(wasmparser::Parser::is_component(&bytes));
//! ```

pub mod abi;
pub mod artifact;
pub mod cache_trust;
pub mod compile;
pub mod describe;
pub mod echo;
pub mod engine;
pub mod error;
pub mod fork;
pub mod gil_policy;
pub mod inspect;
pub mod limits;
pub mod load;
pub mod names;
pub mod preview1;
pub mod stderr_tail;
pub mod ticker;
pub mod type_model;
pub mod wasi;
pub mod wat_text;
pub mod wave;
pub mod wit_text;

pub use error::LoadError;
pub use wasm_wave;
pub use wasmtime;
pub use wit_parser;
