//! Compiling component bytes, through the compile cache when there is one.

use wasmtime::Engine;
use wasmtime::component::Component;

use crate::artifact::CompileCache;
use crate::describe::Description;
use crate::error::LoadError;
use crate::load::{WitSource, describe};

/// Compiles `bytes` (a component, as [`crate::load::component_bytes`]
/// returns) for `engine` and describes its world; with a `cache`, a
/// component compiled before is loaded from it instead, and a new one is
/// stored.
///
/// With `wit`, the description comes from that WIT (which keeps doc
/// comments) even on a cache hit.
pub fn compile(
    engine: &Engine,
    bytes: &[u8],
    wit: Option<&WitSource>,
    cache: Option<&CompileCache>,
) -> Result<(Component, Description), LoadError> {
    let key = cache.map(|_| CompileCache::key(engine, bytes));
    if let (Some(cache), Some(key)) = (cache, &key)
        && let Some((component, cached)) = cache.get(engine, key)
    {
        let desc = match wit {
            Some(_) => describe(bytes, wit)?,
            None => cached,
        };
        return Ok((component, desc));
    }
    let component = Component::new(engine, bytes)
        .map_err(|e| LoadError::Compile(format!("invalid WebAssembly component: {e:#}")))?;
    let desc = describe(bytes, wit)?;
    if let (Some(cache), Some(key)) = (cache, &key) {
        // A cache that can't be written only costs the next load its speed.
        let _ = cache.put(key, &component, &desc);
    }
    Ok((component, desc))
}
