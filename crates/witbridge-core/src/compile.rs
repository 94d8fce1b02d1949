//! Compiling component bytes, through the compile cache when there is one.

use wasmtime::Engine;
use wasmtime::component::Component;

use crate::artifact::CompileCache;
use crate::describe::Description;
use crate::error::LoadError;
use crate::fork::PerProcess;
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
    let component = match compile_pool() {
        Some(pool) => pool.install(|| Component::new(engine, bytes)),
        None => Component::new(engine, bytes),
    }
    .map_err(|e| compile_error(&e))?;
    let desc = describe(bytes, wit)?;
    if let (Some(cache), Some(key)) = (cache, &key) {
        // A cache that can't be written only costs the next load its speed.
        let _ = cache.put(key, &component, &desc);
    }
    Ok((component, desc))
}

/// The threads wasmtime compiles on: this process's own pool, rather than
/// rayon's global one, which a forked process would inherit without its
/// threads (see [`crate::fork`]). `None` when no thread could be started:
/// then the global pool serves, as it would without witbridge.
fn compile_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: PerProcess<Option<rayon::ThreadPool>> = PerProcess::new();
    POOL.get(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("witbridge-compile-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// Why wasmtime refused the bytes. A component that uses a component-model
/// proposal this build leaves off (async, streams and futures among them)
/// is not invalid, and its message says so.
fn compile_error(err: &wasmtime::Error) -> LoadError {
    let why = format!("{err:#}");
    LoadError::Compile(match unsupported_proposal(&why) {
        Some(proposal) => format!(
            "this component uses the component model's {proposal} proposal, which witbridge \
             can't run yet: {why}"
        ),
        None => format!("invalid WebAssembly component: {why}"),
    })
}

/// The proposal named by wasmparser's refusal of a feature it wasn't given
/// ("`stream` requires the component model async feature", "async component
/// functions require ..."): wasmparser 0.254's wording, which the loading
/// tests check.
fn unsupported_proposal(why: &str) -> Option<&str> {
    let (before, rest) = why.split_once(" the component model ")?;
    if !(before.ends_with(" require") || before.ends_with(" requires")) {
        return None;
    }
    let (proposal, _) = rest.split_once(" feature")?;
    Some(proposal)
}

#[cfg(test)]
mod tests {
    use super::unsupported_proposal;

    #[test]
    fn a_refused_proposal_is_named() {
        let why = "failed to parse WebAssembly module: `stream` requires the component model \
                   async feature (at offset 0xb)";
        assert_eq!(unsupported_proposal(why), Some("async"));
        let why = "async component functions require the component model async feature";
        assert_eq!(unsupported_proposal(why), Some("async"));
        let why = "`error-context` requires the component model error-context feature";
        assert_eq!(unsupported_proposal(why), Some("error-context"));
        let why = "a type the component model describes (and feature flags)";
        assert_eq!(unsupported_proposal(why), None);
        assert_eq!(unsupported_proposal("type mismatch (at offset 0x2a)"), None);
    }
}
