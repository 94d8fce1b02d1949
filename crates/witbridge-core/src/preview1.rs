//! wasm32-wasip1 core modules, made components with WASI's preview 1 adapter.
//!
//! What `cargo build --target wasm32-wasip1` writes is a core module that
//! imports `wasi_snapshot_preview1`, an ABI no component host runs. The
//! adapter that wasmtime publishes (for the same wasmtime release as the
//! WASI witbridge links, 48.0.8) implements those imports over WASI 0.2, and
//! wit-component fuses it with the module. A module that exports `_start`
//! is a command and gets the command adapter, which exports `wasi:cli/run`;
//! any other gets the reactor adapter, and its exports are those of its WIT.

use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
    WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
};
use wasmparser::{Parser, Payload};

/// The two preview 1 adapters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adapter {
    /// For a module with `_start`: adds `wasi:cli/run`.
    Command,
    /// For a library module: adds nothing to its exports.
    Reactor,
}

impl Adapter {
    /// The adapter a core module needs, if it imports preview 1 at all.
    pub fn needed_by(module: &[u8]) -> Option<Adapter> {
        let mut imports_preview1 = false;
        let mut has_start = false;
        for payload in Parser::new(0).parse_all(module) {
            match payload {
                Ok(Payload::ImportSection(reader)) => {
                    imports_preview1 |= reader
                        .into_imports()
                        .flatten()
                        .any(|import| import.module == WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME);
                }
                Ok(Payload::ExportSection(reader)) => {
                    has_start |= reader.into_iter().flatten().any(|e| e.name == "_start");
                }
                // The caller validates; a broken module needs no adapter here.
                Err(_) => return None,
                _ => {}
            }
        }
        imports_preview1.then_some(if has_start {
            Adapter::Command
        } else {
            Adapter::Reactor
        })
    }

    /// The name wit-component fuses the adapter under: the module it replaces.
    pub fn module_name(self) -> &'static str {
        WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME
    }

    /// The adapter module.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Adapter::Command => WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
            Adapter::Reactor => WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        }
    }

    /// How `inspect` names it: `wasi_snapshot_preview1 command adapter (wasmtime 48.0.8)`.
    pub fn description(self) -> String {
        let kind = match self {
            Adapter::Command => "command",
            Adapter::Reactor => "reactor",
        };
        format!("{WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME} {kind} adapter (wasmtime {ADAPTER_VERSION})")
    }
}

/// The wasmtime release the adapters come from (pinned in Cargo.toml).
pub const ADAPTER_VERSION: &str = "48.0.8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_adapter_follows_the_module() {
        let command = wat::parse_str(
            r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                 (func (export "_start")))"#,
        )
        .unwrap();
        let reactor = wat::parse_str(
            r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))))"#,
        )
        .unwrap();
        let plain = wat::parse_str("(module (func (export \"_start\")))").unwrap();
        assert_eq!(Adapter::needed_by(&command), Some(Adapter::Command));
        assert_eq!(Adapter::needed_by(&reactor), Some(Adapter::Reactor));
        assert_eq!(Adapter::needed_by(&plain), None);
        assert!(wasmparser::Parser::is_core_wasm(Adapter::Command.bytes()));
    }
}
