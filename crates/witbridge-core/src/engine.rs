//! The wasmtime engine configuration witbridge uses.

use wasmtime::{Config, Engine};

/// Engine features a user can switch on or off.
///
/// Defaults are what a plain call wants: no fuel metering and no epoch checks,
/// because each costs a little on every loop iteration of the guest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineOptions {
    /// Count instructions so that a fuel budget can stop a guest.
    pub fuel: bool,
    /// Insert epoch checks so that a timeout can interrupt a guest.
    pub epoch_interruption: bool,
}

/// Builds a wasmtime engine for components with the given options.
pub fn new_engine(options: EngineOptions) -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.consume_fuel(options.fuel);
    config.epoch_interruption(options.epoch_interruption);
    // Guest backtraces (on by default) are part of every `Trap` we raise.
    Engine::new(&config)
}
