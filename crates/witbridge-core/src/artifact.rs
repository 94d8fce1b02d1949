//! Precompiled components: witbridge's artifact format and the on-disk
//! compile cache built on it.
//!
//! wasmtime's serialized components are machine code that wasmtime trusts
//! as it would its own output; it checks that they come from the same
//! wasmtime version and engine settings, but not that the bytes are intact.
//! An artifact therefore wraps them with a SHA-256 of its whole body, and
//! carries the component's WIT world too, which wasmtime's form lacks and
//! witbridge needs for names:
//!
//! ```text
//! "witbridge-cwasm\0"  magic (16 bytes)
//! u32 LE              format version
//! [u8; 32]            SHA-256 of everything after it
//! [u8; 32]            the compile-cache key it was stored under (zeros if none)
//! u64 LE, bytes       the WIT world (see `encode_world`)
//! bytes               wasmtime's serialized component
//! ```
//!
//! The key makes a cache entry say which component it is: an intact
//! artifact of another component, copied over an entry, is not taken.

use std::hash::Hasher;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::cache_trust;
use crate::describe::Description;
use crate::error::{LoadError, chain};

const MAGIC: &[u8; 16] = b"witbridge-cwasm\0";
const FORMAT: u32 = 1;
const HEADER: usize = 16 + 4 + 32;

/// Whether `bytes` look like a witbridge artifact (to tell them from wasm).
pub fn is_artifact(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// A compile-cache key: SHA-256 over the component and engine settings.
pub type Key = [u8; 32];

/// Serializes a compiled component and its world.
pub fn serialize(component: &Component, desc: &Description) -> Result<Vec<u8>, LoadError> {
    serialize_keyed(component, desc, &[0; 32])
}

fn serialize_keyed(
    component: &Component,
    desc: &Description,
    key: &Key,
) -> Result<Vec<u8>, LoadError> {
    let code = component
        .serialize()
        .map_err(|e| LoadError::compile("cannot serialize the component", format!("{e:#}")))?;
    let wit = encode_world(desc)?;
    let mut body = Vec::with_capacity(32 + 8 + wit.len() + code.len());
    body.extend_from_slice(key);
    body.extend_from_slice(&(wit.len() as u64).to_le_bytes());
    body.extend_from_slice(&wit);
    body.extend_from_slice(&code);
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&Sha256::digest(&body));
    out.extend_from_slice(&body);
    Ok(out)
}

/// Loads an artifact made by [`serialize`] for `engine`.
///
/// Refuses bytes that aren't an artifact, are damaged (checksum), or were
/// made by another wasmtime version or with other engine settings.
///
/// The checksum catches damage, not malice: whoever can write an artifact
/// can make the host run any machine code. Load only artifacts you made.
pub fn deserialize(engine: &Engine, bytes: &[u8]) -> Result<(Component, Description), LoadError> {
    deserialize_keyed(engine, bytes, None)
}

/// [`deserialize`], refusing an artifact not stored under `key` when given.
fn deserialize_keyed(
    engine: &Engine,
    bytes: &[u8],
    key: Option<&Key>,
) -> Result<(Component, Description), LoadError> {
    let bad = |why: &str| LoadError::Compile(format!("not a usable witbridge artifact: {why}"));
    if !is_artifact(bytes) {
        return Err(bad(
            "it doesn't start with witbridge's header (make one with Component.serialize())",
        ));
    }
    if bytes.len() < HEADER + 32 + 8 {
        return Err(bad("it is truncated"));
    }
    let format = u32::from_le_bytes(bytes[16..20].try_into().expect("4 bytes"));
    if format != FORMAT {
        return Err(bad(&format!(
            "format {format}, but this witbridge reads format {FORMAT}"
        )));
    }
    let body = &bytes[HEADER..];
    if Sha256::digest(body).as_slice() != &bytes[20..HEADER] {
        return Err(bad("its checksum doesn't match (the file is damaged)"));
    }
    let (stored_key, body) = body.split_at(32);
    if key.is_some_and(|key| key.as_slice() != stored_key) {
        return Err(bad("it is the entry of another component"));
    }
    let wit_len = u64::from_le_bytes(body[..8].try_into().expect("8 bytes"));
    let wit_end = usize::try_from(wit_len)
        .ok()
        .and_then(|n| n.checked_add(8))
        .filter(|end| *end <= body.len())
        .ok_or_else(|| bad("its WIT section is longer than the file"))?;
    let desc = decode_world(&body[8..wit_end])?;
    // SAFETY: wasmtime checks the version and engine settings recorded in
    // the bytes, and our checksum that they are what `serialize` wrote.
    let component = unsafe { Component::deserialize(engine, &body[wit_end..]) }
        .map_err(|e| bad(&format!("{e:#}")))?;
    Ok((component, desc))
}

/// The world's package in wit-component's binary WIT form (which keeps
/// names, docs and the packages it uses), then the world's name.
fn encode_world(desc: &Description) -> Result<Vec<u8>, LoadError> {
    let world = desc.world();
    let package = world
        .package
        .ok_or_else(|| LoadError::Compile("the component's world has no package".into()))?;
    let mut out = wit_component::encode(&desc.resolve, package)
        .map_err(|e| LoadError::compile("cannot encode the component's WIT", chain(&e)))?;
    out.extend_from_slice(world.name.as_bytes());
    out.extend_from_slice(&(world.name.len() as u32).to_le_bytes());
    Ok(out)
}

fn decode_world(bytes: &[u8]) -> Result<Description, LoadError> {
    let bad = || LoadError::Compile("not a usable witbridge artifact: its WIT is damaged".into());
    let (rest, len) = bytes
        .split_at_checked(bytes.len().saturating_sub(4))
        .ok_or_else(bad)?;
    let len = u32::from_le_bytes(len.try_into().map_err(|_| bad())?) as usize;
    let (package_bytes, name) = rest
        .split_at_checked(rest.len().checked_sub(len).ok_or_else(bad)?)
        .ok_or_else(bad)?;
    let name = std::str::from_utf8(name).map_err(|_| bad())?;
    // An artifact's bytes are checked against their hash, but that only
    // proves they weren't damaged, not that whoever wrote them was friendly.
    let decoded = crate::describe::decode_wasm(package_bytes)
        .map_err(|e| LoadError::compile("cannot read the artifact's WIT", chain(&e)))?;
    let wit_component::DecodedWasm::WitPackage(resolve, package) = decoded else {
        return Err(bad());
    };
    let world = *resolve.packages[package].worlds.get(name).ok_or_else(bad)?;
    Ok(Description { resolve, world })
}

/// Feeds `Hash` implementations into SHA-256, for stable cache keys.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        unreachable!("only the digest is used")
    }
}

/// A directory of compiled components, keyed by their bytes, the witbridge
/// version and the engine's settings (which include wasmtime's version).
///
/// Every failure is soft: an unreadable, damaged or foreign entry is a miss
/// (and gets replaced), and a cache that can't be written just isn't.
///
/// A directory or entry that another user owns or can write is never read
/// or written ([`crate::cache_trust`]); [`CompileCache::take_refusal`] says
/// why, once, so that the caller can warn.
#[derive(Debug, Clone)]
pub struct CompileCache {
    dir: PathBuf,
    /// Why the cache was last refused, until someone takes it to warn.
    refusal: Arc<Mutex<Refusal>>,
}

#[derive(Debug, Default)]
struct Refusal {
    reason: Option<String>,
    /// A reason was handed out already: one warning per cache is enough.
    told: bool,
}

impl CompileCache {
    /// A cache in `dir`, created (private to this user) when first written.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        CompileCache {
            dir: dir.into(),
            refusal: Arc::default(),
        }
    }

    /// Why the cache was refused, the first time it was; `None` after that
    /// and while it is trusted.
    pub fn take_refusal(&self) -> Option<String> {
        let mut refusal = self.refusal.lock().unwrap_or_else(|e| e.into_inner());
        if refusal.told {
            return None;
        }
        let reason = refusal.reason.take()?;
        refusal.told = true;
        Some(reason)
    }

    fn refuse(&self, reason: String) {
        let mut refusal = self.refusal.lock().unwrap_or_else(|e| e.into_inner());
        if !refusal.told && refusal.reason.is_none() {
            refusal.reason = Some(reason);
        }
    }

    /// Whether the directory may be used, noting why not.
    fn dir_trusted(&self) -> bool {
        match cache_trust::check_dir(&self.dir) {
            Ok(()) => true,
            Err(reason) => {
                self.refuse(reason);
                false
            }
        }
    }

    /// Where the cache lives.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of `component` (component bytes) for `engine`.
    pub fn key(engine: &Engine, component: &[u8]) -> Key {
        let mut hasher = ShaHasher(Sha256::new());
        hasher.write(b"witbridge ");
        hasher.write(env!("CARGO_PKG_VERSION").as_bytes());
        std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
        hasher.write(&(component.len() as u64).to_le_bytes());
        hasher.write(component);
        hasher.0.finalize().into()
    }

    fn path(&self, key: &Key) -> PathBuf {
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{hex}.cwasm"))
    }

    /// The cached component for `key`, if there is a sound one.
    pub fn get(&self, engine: &Engine, key: &Key) -> Option<(Component, Description)> {
        if !self.dir_trusted() {
            return None;
        }
        let path = self.path(key);
        let mut file = std::fs::File::open(&path).ok()?;
        // Checked on the open file: what is read is what was checked.
        if let Err(reason) = cache_trust::check_entry(&path, &file.metadata().ok()?) {
            // Not ours to delete; `put` replaces it with an entry of ours.
            self.refuse(reason);
            return None;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).ok()?;
        match deserialize_keyed(engine, &bytes, Some(key)) {
            Ok(found) => Some(found),
            Err(_) => {
                // Damaged or foreign: out of the way, so it is rebuilt.
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores a compiled component under `key`. Best effort: errors are
    /// returned for logging but leave nothing half-written behind, since
    /// the entry appears by an atomic rename.
    pub fn put(&self, key: &Key, component: &Component, desc: &Description) -> std::io::Result<()> {
        if !self.dir_trusted() {
            return Ok(());
        }
        let artifact = serialize_keyed(component, desc, key).map_err(std::io::Error::other)?;
        private_dir_builder().create(&self.dir)?;
        let tmp = self.path(key).with_extension(format!(
            "{}.{:?}.tmp",
            std::process::id(),
            std::thread::current().id()
        ));
        let written = private_file_options().open(&tmp).and_then(|mut f| {
            f.write_all(&artifact)?;
            f.sync_all()
        });
        match written.and_then(|()| std::fs::rename(&tmp, self.path(key))) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }
}

/// Creates missing directories readable and writable by this user only.
fn private_dir_builder() -> std::fs::DirBuilder {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
}

/// Creates a new file readable and writable by this user only.
fn private_file_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// The per-user cache directory witbridge uses by default:
/// `$WITBRIDGE_CACHE_DIR` if set, else the platform's user cache directory
/// (`$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS,
/// `%LOCALAPPDATA%` on Windows) plus `witbridge`. None when there is no home.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("WITBRIDGE_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let env_dir = |name: &str| {
        std::env::var_os(name)
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(windows) {
        env_dir("LOCALAPPDATA")
    } else if cfg!(target_os = "macos") {
        env_dir("HOME").map(|h| h.join("Library").join("Caches"))
    } else {
        env_dir("XDG_CACHE_HOME").or_else(|| env_dir("HOME").map(|h| h.join(".cache")))
    };
    base.map(|b| b.join("witbridge"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{component_bytes, describe};

    fn compiled(engine: &Engine) -> (Vec<u8>, Component, Description) {
        let bytes = component_bytes(
            br#"(component
                (core module $m (func (export "f") (result i32) i32.const 7))
                (core instance $i (instantiate $m))
                (func (export "seven") (result u32) (canon lift (core func $i "f"))))"#,
            None,
        )
        .unwrap();
        let component = Component::new(engine, &bytes).unwrap();
        let desc = describe(&bytes, None).unwrap();
        (bytes, component, desc)
    }

    #[test]
    fn roundtrip_keeps_the_world() {
        let engine = Engine::default();
        let (_, component, desc) = compiled(&engine);
        let artifact = serialize(&component, &desc).unwrap();
        let (_, back) = deserialize(&engine, &artifact).unwrap();
        let names = |d: &Description| -> Vec<String> {
            d.world()
                .exports
                .keys()
                .map(|k| d.resolve.name_world_key(k))
                .collect()
        };
        assert_eq!(names(&back), vec!["seven".to_string()]);
        assert_eq!(names(&back), names(&desc));
    }

    #[test]
    fn damage_is_refused() {
        let engine = Engine::default();
        let (_, component, desc) = compiled(&engine);
        let mut artifact = serialize(&component, &desc).unwrap();
        let last = artifact.len() - 100;
        artifact[last] ^= 0x55;
        let err = deserialize(&engine, &artifact).err().unwrap().to_string();
        assert!(err.contains("checksum"), "{err}");
        let err = deserialize(&engine, b"\0asm\x0d\0\x01\0")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("header"), "{err}");
    }

    #[test]
    fn another_engine_configuration_is_refused() {
        let engine = Engine::default();
        let (_, component, desc) = compiled(&engine);
        let artifact = serialize(&component, &desc).unwrap();
        let mut config = wasmtime::Config::new();
        config.consume_fuel(true);
        let other = Engine::new(&config).unwrap();
        assert!(deserialize(&other, &artifact).is_err());
    }

    #[test]
    fn cache_rebuilds_damaged_entries() {
        let dir = std::env::temp_dir().join(format!("witbridge-cache-test-{}", std::process::id()));
        let cache = CompileCache::new(&dir);
        let engine = Engine::default();
        let (bytes, component, desc) = compiled(&engine);
        let key = CompileCache::key(&engine, &bytes);
        assert!(cache.get(&engine, &key).is_none());
        cache.put(&key, &component, &desc).unwrap();
        assert!(cache.get(&engine, &key).is_some());
        std::fs::write(cache.path(&key), b"witbridge-cwasm\0garbage").unwrap();
        assert!(cache.get(&engine, &key).is_none());
        assert!(!cache.path(&key).exists(), "a damaged entry is removed");
        // An intact artifact, but not this entry's: refused too.
        std::fs::write(cache.path(&key), serialize(&component, &desc).unwrap()).unwrap();
        assert!(cache.get(&engine, &key).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
