//! Turning user input into component bytes.
//!
//! witbridge accepts four shapes of input and makes each a component:
//!
//! 1. a component binary, used as is;
//! 2. WAT text of a component or core module, assembled with `wat`;
//! 3. a core module carrying wit-bindgen's `component-type` custom section
//!    (the article's `wasm_intro.wasm`), componentized with wit-component;
//! 4. a core module without that section plus a WIT package on disk naming
//!    the world it implements.

use std::path::{Path, PathBuf};

use wasmparser::{Parser, Payload};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::Resolve;

use crate::describe::Description;
use crate::error::{LoadError, chain};
use crate::preview1::Adapter;

/// The WIT that describes a core module which carries none of its own.
#[derive(Debug, Clone)]
pub struct WitSource {
    /// A `.wit` file or a directory of them (with a `deps/` folder if needed).
    pub path: PathBuf,
    /// The world the module implements; may be omitted when the package has
    /// exactly one world.
    pub world: Option<String>,
}

/// What a blob of input is, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A binary component.
    Component,
    /// A binary core module.
    CoreModule,
    /// Not a wasm binary: may be WAT text.
    Other,
}

/// Classifies `bytes` by their wasm header.
pub fn input_kind(bytes: &[u8]) -> InputKind {
    if Parser::is_component(bytes) {
        InputKind::Component
    } else if Parser::is_core_wasm(bytes) {
        InputKind::CoreModule
    } else {
        InputKind::Other
    }
}

/// Whether a core module carries wit-bindgen's type information.
pub fn has_component_type_section(module: &[u8]) -> bool {
    Parser::new(0).parse_all(module).any(|payload| {
        matches!(payload, Ok(Payload::CustomSection(ref s)) if s.name().starts_with("component-type"))
    })
}

/// The world of the component made from `bytes` (the output of
/// [`component_bytes`]).
///
/// When the WIT came from `wit=`, this is that WIT as parsed, doc comments
/// included; a component binary keeps none. Call it after the component
/// compiled, so that a broken binary is reported by the compiler, which says
/// more precisely what is wrong.
pub fn describe(bytes: &[u8], wit: Option<&WitSource>) -> Result<Description, LoadError> {
    match wit {
        Some(wit) => {
            let (resolve, world) = parse_wit(&wit.path, wit.world.as_deref())?;
            Ok(Description { resolve, world })
        }
        None => Description::decode(bytes),
    }
}

/// Returns the component that `input` denotes; see the module docs.
///
/// `wit` is required for a core module that has no `component-type` section
/// and is rejected for inputs that are already components.
pub fn component_bytes(input: &[u8], wit: Option<&WitSource>) -> Result<Vec<u8>, LoadError> {
    match input_kind(input) {
        InputKind::Component => {
            if wit.is_some() {
                return Err(LoadError::Compile(
                    "wit= applies only to core modules: this input is already a component and \
                     carries its own WIT"
                        .into(),
                ));
            }
            Ok(input.to_vec())
        }
        InputKind::CoreModule => componentize(input, wit),
        InputKind::Other => {
            let text = std::str::from_utf8(input).map_err(|_| not_wasm(input))?;
            if !looks_like_wat(text) {
                return Err(not_wasm(input));
            }
            let binary =
                wat::parse_str(text).map_err(|e| LoadError::compile("invalid WAT text", e))?;
            component_bytes(&binary, wit)
        }
    }
}

/// The wasm binary that `input` denotes: the input itself, or its WAT text
/// assembled. Refuses witbridge artifacts, which are machine code, not wasm.
pub fn wasm_binary(input: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, LoadError> {
    if crate::artifact::is_artifact(input) {
        return Err(LoadError::Compile(
            "this is a precompiled witbridge artifact (from `witbridge compile` or \
             Component.serialize()), not wasm: load it with Component.deserialize()"
                .into(),
        ));
    }
    if input_kind(input) != InputKind::Other {
        return Ok(std::borrow::Cow::Borrowed(input));
    }
    let text = std::str::from_utf8(input).map_err(|_| not_wasm(input))?;
    if !looks_like_wat(text) {
        return Err(not_wasm(input));
    }
    let binary = wat::parse_str(text).map_err(|e| LoadError::compile("invalid WAT text", e))?;
    Ok(std::borrow::Cow::Owned(binary))
}

/// The world of whatever `input` is (a component, WAT text, or a core module
/// with embedded WIT), decoded without compiling anything.
pub fn world_of(input: &[u8]) -> Result<Description, LoadError> {
    let binary = wasm_binary(input)?;
    if input_kind(&binary) == InputKind::CoreModule && !has_component_type_section(&binary) {
        return Err(LoadError::Compile(
            "this core WebAssembly module carries no WIT (it has no `component-type` custom \
             section, which wit-bindgen adds), so it has no world"
                .into(),
        ));
    }
    Description::decode(&component_bytes(&binary, None)?)
}

/// Makes a core module a component, with its own or the given WIT.
fn componentize(module: &[u8], wit: Option<&WitSource>) -> Result<Vec<u8>, LoadError> {
    // Validate first: a truncated module has lost its trailing custom
    // sections too, and "pass wit=" would be the wrong advice.
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(module)
        .map_err(|e| LoadError::compile("not a valid core WebAssembly module", e))?;
    let adapter = Adapter::needed_by(module);
    let mut module = module.to_vec();
    match wit {
        Some(wit) => embed_wit(&mut module, wit)?,
        // A WASI command needs no WIT: its one export is `wasi:cli/run`,
        // which the adapter provides.
        None if adapter == Some(Adapter::Command) => {}
        None if !has_component_type_section(&module) => {
            return Err(LoadError::Compile(
                "this is a core WebAssembly module without WIT type information (it has no \
                 `component-type` custom section, which wit-bindgen adds). Pass wit= (a .wit file \
                 or directory) and world= to say which world it implements"
                    .into(),
            ));
        }
        None => {}
    }
    let mut encoder = ComponentEncoder::default()
        .module(&module)
        .map_err(|e| LoadError::compile("cannot make this core module a component", chain(&e)))?;
    if let Some(adapter) = adapter {
        encoder = encoder
            .adapter(adapter.module_name(), adapter.bytes())
            .map_err(|e| {
                LoadError::compile(
                    format!("cannot apply the {}", adapter.description()),
                    chain(&e),
                )
            })?;
    }
    encoder
        .validate(true)
        .encode()
        .map_err(|e| LoadError::compile("cannot make this core module a component", chain(&e)))
}

/// Parses the WIT at `wit.path` and embeds the chosen world into `module`.
fn embed_wit(module: &mut Vec<u8>, wit: &WitSource) -> Result<(), LoadError> {
    let (resolve, world) = parse_wit(&wit.path, wit.world.as_deref())?;
    wit_component::embed_component_metadata(module, &resolve, world, StringEncoding::UTF8)
        .map_err(|e| LoadError::compile("cannot embed WIT into the module", chain(&e)))
}

/// Parses a WIT file or directory and selects a world in it.
pub fn parse_wit(
    path: &Path,
    world: Option<&str>,
) -> Result<(Resolve, wit_parser::WorldId), LoadError> {
    let (resolve, package) = read_wit(path)?;
    let world_id = resolve.select_world(&[package], world).map_err(|e| {
        let known: Vec<&str> = resolve.packages[package]
            .worlds
            .keys()
            .map(String::as_str)
            .collect();
        let wanted = world.map_or_else(|| "a world".to_string(), |w| format!("world `{w}`"));
        LoadError::Compile(format!(
            "cannot select {wanted} in {}: {} (worlds in this package: {})",
            path.display(),
            chain(&e),
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        ))
    })?;
    Ok((resolve, world_id))
}

/// Parses a WIT file or directory (with its `deps/`); returns its main package.
pub fn read_wit(path: &Path) -> Result<(Resolve, wit_parser::PackageId), LoadError> {
    if !path.exists() {
        return Err(LoadError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such WIT file or directory",
            ),
        });
    }
    let mut resolve = Resolve::default();
    let (package, _) = resolve
        .push_path(path)
        .map_err(|e| LoadError::compile(format!("invalid WIT in {}", path.display()), chain(&e)))?;
    Ok((resolve, package))
}

/// WAT starts with an s-expression, possibly after comments and blank space.
fn looks_like_wat(text: &str) -> bool {
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix(";;") {
            rest = after
                .split_once('\n')
                .map_or("", |(_, tail)| tail)
                .trim_start();
        } else if rest.starts_with("(;") {
            rest = rest
                .split_once(";)")
                .map_or("", |(_, tail)| tail)
                .trim_start();
        } else {
            return rest.starts_with('(');
        }
    }
}

fn not_wasm(input: &[u8]) -> LoadError {
    if input.is_empty() {
        return LoadError::Compile(
            "the input is empty: expected a WebAssembly binary or WAT text".into(),
        );
    }
    let head: Vec<String> = input.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let truncated = input.starts_with(b"\0asm");
    LoadError::Compile(if truncated {
        format!(
            "not a valid WebAssembly binary: the header is incomplete or has an unknown \
             version (first bytes: {})",
            head.join(" ")
        )
    } else {
        format!(
            "not a WebAssembly binary or WAT text: a binary starts with `\\0asm`, and this \
             input starts with bytes {}",
            head.join(" ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORE_WAT: &str = r#"(module (func (export "f") (result i32) i32.const 7))"#;

    #[test]
    fn classifies_inputs() {
        let core = wat::parse_str(CORE_WAT).unwrap();
        let component = wat::parse_str("(component)").unwrap();
        assert_eq!(input_kind(&core), InputKind::CoreModule);
        assert_eq!(input_kind(&component), InputKind::Component);
        assert_eq!(input_kind(b"hello"), InputKind::Other);
    }

    #[test]
    fn component_text_is_assembled() {
        let bytes = component_bytes(b"  ;; a comment\n(component)", None).unwrap();
        assert_eq!(input_kind(&bytes), InputKind::Component);
    }

    #[test]
    fn core_module_without_wit_asks_for_wit() {
        let err = component_bytes(CORE_WAT.as_bytes(), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Pass wit="), "{err}");
    }

    #[test]
    fn garbage_is_named() {
        let err = component_bytes(&[1, 2, 3, 255], None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not a WebAssembly binary or WAT text"),
            "{err}"
        );
        assert!(err.contains("01 02 03 ff"), "{err}");
    }

    #[test]
    fn truncated_module_is_a_compile_error() {
        let mut core = wat::parse_str(r#"(module (func (export "f")))"#).unwrap();
        core.truncate(core.len() - 3);
        let err = component_bytes(&core, None).unwrap_err().to_string();
        assert!(err.contains("not a valid core WebAssembly module"), "{err}");
    }

    #[test]
    fn core_module_with_wit_directory() {
        let core = wat::parse_str(
            r#"(module
                 (func (export "t:demo/math#double") (param i32) (result i32)
                   local.get 0 i32.const 2 i32.mul)
                 (memory (export "memory") 1))"#,
        )
        .unwrap();
        let wit = WitSource {
            path: fixture_wit(),
            world: Some("demo".into()),
        };
        let bytes = component_bytes(&core, Some(&wit)).unwrap();
        assert_eq!(input_kind(&bytes), InputKind::Component);
    }

    #[test]
    fn unknown_world_lists_the_known_ones() {
        let core = wat::parse_str(CORE_WAT).unwrap();
        let wit = WitSource {
            path: fixture_wit(),
            world: Some("nope".into()),
        };
        let err = component_bytes(&core, Some(&wit)).unwrap_err().to_string();
        assert!(
            err.contains("world `nope`") && err.contains("demo"),
            "{err}"
        );
    }

    fn fixture_wit() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("witbridge-core-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("demo.wit");
        std::fs::write(
            &file,
            "package t:demo;\ninterface math { double: func(x: u32) -> u32; }\nworld demo { export math; }\n",
        )
        .unwrap();
        file
    }
}
