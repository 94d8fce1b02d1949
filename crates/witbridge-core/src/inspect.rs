//! What a WebAssembly file holds, for `witbridge inspect`.
//!
//! [`inspect`] reads a component, a core module or WAT text without compiling
//! it: its kind and size, its imports and exports (with WIT signatures where
//! it has WIT), the core modules inside it, their memories, and the
//! `producers` sections that say which toolchains made it.
//!
//! ```
//! use witbridge_core::inspect::{inspect, Kind};
//!
//! let found = inspect(br#"(module (memory (export "memory") 1 2))"#).unwrap();
//! assert_eq!(found.kind, Kind::CoreModule);
//! assert!(found.text);
//! assert_eq!((found.memories[0].initial, found.memories[0].maximum), (1, Some(2)));
//! ```

use wasmparser::{
    CompositeInnerType, ExternalKind, KnownCustom, Parser, Payload, TypeRef, Validator,
    WasmFeatures,
};
use wit_parser::Function;

use crate::describe::{Description, Item as WorldItem};
use crate::error::LoadError;
use crate::load::{InputKind, has_component_type_section, input_kind, wasm_binary, world_of};
use crate::preview1::Adapter;
use crate::wit_text;

/// What kind of binary a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A component.
    Component,
    /// A core module with wit-bindgen's `component-type` section, which
    /// witbridge makes a component when it loads it.
    CoreModuleWithWit,
    /// A core module without WIT.
    CoreModule,
}

impl Kind {
    /// `component`, `core-module-with-wit` or `core-module`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Component => "component",
            Kind::CoreModuleWithWit => "core-module-with-wit",
            Kind::CoreModule => "core-module",
        }
    }
}

/// Everything [`inspect`] found.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The kind of binary (for WAT text: of the binary it assembles to).
    pub kind: Kind,
    /// Whether the input was WAT text.
    pub text: bool,
    /// The size of the input, in bytes.
    pub size: usize,
    /// The name of the component's WIT world; `None` without WIT.
    pub world: Option<String>,
    /// The world's imports, or a plain core module's imports.
    pub imports: Vec<Entry>,
    /// The world's exports, or a plain core module's exports.
    pub exports: Vec<Entry>,
    /// Every core module, in the order they appear (a core module input is
    /// module 0 itself).
    pub modules: Vec<Module>,
    /// Every memory of every core module, defined or imported.
    pub memories: Vec<Memory>,
    /// Every `producers` custom section.
    pub producers: Vec<Producers>,
    /// For a wasm32-wasip1 core module: the preview 1 adapter that loading
    /// it applies (`wasi_snapshot_preview1 reactor adapter (wasmtime ...)`).
    pub adapter: Option<String>,
}

/// What an import or export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A WIT interface.
    Interface,
    /// A WIT function at the root of the world.
    Function,
    /// A core function.
    CoreFunc,
    /// A core table.
    CoreTable,
    /// A core memory.
    CoreMemory,
    /// A core global.
    CoreGlobal,
    /// A core exception tag.
    CoreTag,
}

impl EntryKind {
    /// `interface`, `function`, `core-func`, `core-table`, `core-memory`,
    /// `core-global` or `core-tag`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Interface => "interface",
            EntryKind::Function => "function",
            EntryKind::CoreFunc => "core-func",
            EntryKind::CoreTable => "core-table",
            EntryKind::CoreMemory => "core-memory",
            EntryKind::CoreGlobal => "core-global",
            EntryKind::CoreTag => "core-tag",
        }
    }
}

/// One import or export.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The full WIT name (`xyz:machine/machine-interface`, `add`), or for a
    /// core import `module.name`, for a core export its name.
    pub name: String,
    /// What it is.
    pub kind: EntryKind,
    /// A function's signature (`add: func(a: u32, b: u32) -> u32`, or
    /// `(func (param i32) (result i32))` for a core function), or the type of
    /// another core item (`(memory 1 2)`); `None` for an interface.
    pub signature: Option<String>,
    /// An interface's functions (resource methods included), with their
    /// signatures.
    pub functions: Vec<FunctionEntry>,
}

/// A function of an interface.
#[derive(Debug, Clone)]
pub struct FunctionEntry {
    /// Its WIT name (`count-symbols`, `[method]counter.add`).
    pub name: String,
    /// The resource it belongs to (a constructor, method or static
    /// function), by WIT name.
    pub resource: Option<String>,
    /// `count-symbols: func(s: string) -> u32`.
    pub signature: String,
}

/// One core module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Its position among all the core modules of the file.
    pub index: usize,
    /// Its size in bytes.
    pub size: usize,
    /// How many imports it has.
    pub imports: usize,
    /// How many exports it has.
    pub exports: usize,
}

/// One linear memory of a core module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    /// The index of the module it belongs to.
    pub module: usize,
    /// Whether the module imports it (rather than defining it).
    pub imported: bool,
    /// Initial size, in pages.
    pub initial: u64,
    /// Maximum size, in pages, if it has one.
    pub maximum: Option<u64>,
    /// Whether it is a 64-bit memory (memory64).
    pub memory64: bool,
    /// Whether it is shared between threads.
    pub shared: bool,
    /// The size of a page in bytes (64 KiB unless custom-page-sizes says otherwise).
    pub page_size: u64,
}

/// One `producers` custom section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Producers {
    /// The core module it belongs to; `None` for a component's own section.
    pub module: Option<usize>,
    /// Its fields (`language`, `processed-by`, `sdk`) in order, each with
    /// (name, version) pairs.
    pub fields: Vec<(String, Vec<(String, String)>)>,
}

/// Reads what `input` (a component, core module or WAT text) holds; see the
/// module docs. Nothing is compiled.
pub fn inspect(input: &[u8]) -> Result<Inspection, LoadError> {
    let binary = wasm_binary(input)?;
    let text = !matches!(binary, std::borrow::Cow::Borrowed(_));
    let is_component = input_kind(&binary) == InputKind::Component;
    Validator::new_with_features(WasmFeatures::all())
        .validate_all(&binary)
        .map_err(|e| {
            let what = if is_component {
                "not a valid component"
            } else {
                "not a valid core WebAssembly module"
            };
            LoadError::compile(what, e)
        })?;
    let kind = if is_component {
        Kind::Component
    } else if has_component_type_section(&binary) {
        Kind::CoreModuleWithWit
    } else {
        Kind::CoreModule
    };
    let parts = walk(&binary, is_component).map_err(|e| LoadError::compile("cannot read", e))?;
    let (world, imports, exports) = match kind {
        Kind::CoreModule => {
            let (imports, exports) =
                core_entries(&binary).map_err(|e| LoadError::compile("cannot read", e))?;
            (None, imports, exports)
        }
        _ => {
            let desc = world_of(&binary)?;
            let imports = world_entries(&desc, desc.imports());
            let exports = world_entries(&desc, desc.exports());
            (Some(desc.world().name.clone()), imports, exports)
        }
    };
    Ok(Inspection {
        kind,
        text,
        size: input.len(),
        world,
        imports,
        exports,
        modules: parts.modules,
        memories: parts.memories,
        producers: parts.producers,
        adapter: (!is_component)
            .then(|| Adapter::needed_by(&binary).map(Adapter::description))
            .flatten(),
    })
}

/// The world's items as entries, interfaces with all their functions.
fn world_entries(desc: &Description, items: Vec<(String, WorldItem<'_>)>) -> Vec<Entry> {
    let resolve = &desc.resolve;
    let function = |f: &Function| FunctionEntry {
        name: f.name.clone(),
        resource: f
            .kind
            .resource()
            .and_then(|id| desc.type_name(id))
            .map(str::to_string),
        signature: wit_text::signature(resolve, f),
    };
    items
        .into_iter()
        .map(|(name, item)| match item {
            WorldItem::Interface { id, .. } => Entry {
                name,
                kind: EntryKind::Interface,
                signature: None,
                functions: resolve.interfaces[id]
                    .functions
                    .values()
                    .map(function)
                    .collect(),
            },
            WorldItem::Function(f) => Entry {
                name,
                kind: EntryKind::Function,
                signature: Some(wit_text::signature(resolve, f)),
                functions: Vec::new(),
            },
        })
        .collect()
}

/// What [`walk`] collects.
#[derive(Default)]
struct Parts {
    modules: Vec<Module>,
    memories: Vec<Memory>,
    producers: Vec<Producers>,
}

/// Walks every section of the binary, nested modules and components
/// included, keeping track of which module each section belongs to.
fn walk(binary: &[u8], is_component: bool) -> wasmparser::Result<Parts> {
    let mut parts = Parts::default();
    // The module each level of nesting is in; `None` inside a component.
    let mut stack: Vec<Option<usize>> = Vec::new();
    if !is_component {
        parts.modules.push(Module {
            index: 0,
            size: binary.len(),
            imports: 0,
            exports: 0,
        });
    }
    for payload in Parser::new(0).parse_all(binary) {
        let payload = payload?;
        let here = stack.last().copied().flatten();
        match payload {
            Payload::Version { .. } if stack.is_empty() => {
                stack.push((!is_component).then_some(0));
            }
            Payload::ModuleSection {
                unchecked_range, ..
            } => {
                let index = parts.modules.len();
                parts.modules.push(Module {
                    index,
                    size: unchecked_range.len(),
                    imports: 0,
                    exports: 0,
                });
                stack.push(Some(index));
            }
            Payload::ComponentSection { .. } => stack.push(None),
            Payload::End(_) => {
                stack.pop();
            }
            Payload::ImportSection(reader) => {
                let Some(module) = here else { continue };
                for import in reader.into_imports() {
                    let import = import?;
                    parts.modules[module].imports += 1;
                    if let TypeRef::Memory(ty) = import.ty {
                        parts.memories.push(memory(module, true, &ty));
                    }
                }
            }
            Payload::ExportSection(reader) => {
                if let Some(module) = here {
                    parts.modules[module].exports += reader.count() as usize;
                }
            }
            Payload::MemorySection(reader) => {
                let Some(module) = here else { continue };
                for ty in reader {
                    parts.memories.push(memory(module, false, &ty?));
                }
            }
            Payload::CustomSection(section) => {
                if let KnownCustom::Producers(reader) = section.as_known() {
                    let mut fields = Vec::new();
                    for field in reader {
                        let field = field?;
                        let values = field
                            .values
                            .into_iter()
                            .map(|v| v.map(|v| (v.name.to_string(), v.version.to_string())))
                            .collect::<wasmparser::Result<Vec<_>>>()?;
                        fields.push((field.name.to_string(), values));
                    }
                    parts.producers.push(Producers {
                        module: here,
                        fields,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(parts)
}

fn memory(module: usize, imported: bool, ty: &wasmparser::MemoryType) -> Memory {
    Memory {
        module,
        imported,
        initial: ty.initial,
        maximum: ty.maximum,
        memory64: ty.memory64,
        shared: ty.shared,
        page_size: ty.page_size_log2.map_or(65536, |log2| 1 << log2),
    }
}

/// The imports and exports of a core module (without nested modules), with
/// their core types.
fn core_entries(binary: &[u8]) -> wasmparser::Result<(Vec<Entry>, Vec<Entry>)> {
    let mut types: Vec<String> = Vec::new();
    // The type of every function by index: imported ones first, then defined.
    let mut funcs: Vec<u32> = Vec::new();
    let mut tables = Vec::new();
    let mut memories = Vec::new();
    let mut globals = Vec::new();
    let mut tags = Vec::new();
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    let entry = |name: String, kind, signature: String| Entry {
        name,
        kind,
        signature: Some(signature),
        functions: Vec::new(),
    };
    let func_type = |types: &[String], index: u32| {
        types
            .get(index as usize)
            .cloned()
            .unwrap_or_else(|| format!("(type {index})"))
    };
    for payload in Parser::new(0).parse_all(binary) {
        match payload? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group?.types() {
                        types.push(match &sub.composite_type.inner {
                            CompositeInnerType::Func(f) => f.to_string(),
                            _ => sub.to_string(),
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let name = format!("{}.{}", import.module, import.name);
                    let (kind, signature) = match import.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            funcs.push(t);
                            (EntryKind::CoreFunc, func_type(&types, t))
                        }
                        TypeRef::Table(t) => {
                            tables.push(t);
                            (EntryKind::CoreTable, table_text(&t))
                        }
                        TypeRef::Memory(m) => {
                            memories.push(m);
                            (EntryKind::CoreMemory, memory_text(&m))
                        }
                        TypeRef::Global(g) => {
                            globals.push(g);
                            (EntryKind::CoreGlobal, global_text(&g))
                        }
                        TypeRef::Tag(t) => {
                            tags.push(t.func_type_idx);
                            (EntryKind::CoreTag, tag_text(&types, t.func_type_idx))
                        }
                    };
                    imports.push(entry(name, kind, signature));
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader {
                    funcs.push(t?);
                }
            }
            Payload::TableSection(reader) => {
                for t in reader {
                    tables.push(t?.ty);
                }
            }
            Payload::MemorySection(reader) => {
                for m in reader {
                    memories.push(m?);
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    globals.push(g?.ty);
                }
            }
            Payload::TagSection(reader) => {
                for t in reader {
                    tags.push(t?.func_type_idx);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    let i = export.index as usize;
                    let missing = || format!("(index {i})");
                    let (kind, signature) = match export.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => (
                            EntryKind::CoreFunc,
                            funcs.get(i).map_or_else(missing, |t| func_type(&types, *t)),
                        ),
                        ExternalKind::Table => (
                            EntryKind::CoreTable,
                            tables.get(i).map_or_else(missing, table_text),
                        ),
                        ExternalKind::Memory => (
                            EntryKind::CoreMemory,
                            memories.get(i).map_or_else(missing, memory_text),
                        ),
                        ExternalKind::Global => (
                            EntryKind::CoreGlobal,
                            globals.get(i).map_or_else(missing, global_text),
                        ),
                        ExternalKind::Tag => (
                            EntryKind::CoreTag,
                            tags.get(i).map_or_else(missing, |t| tag_text(&types, *t)),
                        ),
                    };
                    exports.push(entry(export.name.to_string(), kind, signature));
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

fn limits(initial: u64, maximum: Option<u64>) -> String {
    match maximum {
        Some(max) => format!("{initial} {max}"),
        None => initial.to_string(),
    }
}

fn table_text(t: &wasmparser::TableType) -> String {
    let index = if t.table64 { "i64 " } else { "" };
    format!(
        "(table {index}{} {})",
        limits(t.initial, t.maximum),
        t.element_type
    )
}

fn memory_text(m: &wasmparser::MemoryType) -> String {
    let index = if m.memory64 { "i64 " } else { "" };
    let shared = if m.shared { " shared" } else { "" };
    format!("(memory {index}{}{shared})", limits(m.initial, m.maximum))
}

fn global_text(g: &wasmparser::GlobalType) -> String {
    if g.mutable {
        format!("(global (mut {}))", g.content_type)
    } else {
        format!("(global {})", g.content_type)
    }
}

fn tag_text(types: &[String], index: u32) -> String {
    match types.get(index as usize) {
        Some(func) => format!("(tag {func})"),
        None => format!("(tag (type {index}))"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/../../fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn a_component_with_its_world_modules_and_producers() {
        let bytes = fixture("wasm/wasm_intro.component.wasm");
        let found = inspect(&bytes).unwrap();
        assert_eq!(found.kind, Kind::Component);
        assert!(!found.text);
        assert_eq!(found.size, bytes.len());
        // A component binary keeps no world name: decoders call it `root`.
        assert_eq!(found.world.as_deref(), Some("root"));
        assert!(found.imports.is_empty());
        let [export] = &found.exports[..] else {
            panic!("{:?}", found.exports)
        };
        assert_eq!(export.name, "xyz:machine/machine-interface");
        assert_eq!(export.kind, EntryKind::Interface);
        let signatures: Vec<&str> = export
            .functions
            .iter()
            .map(|f| f.signature.as_str())
            .collect();
        assert!(
            signatures.contains(&"count-symbols: func(s: string) -> u32"),
            "{signatures:?}"
        );
        assert!(!found.modules.is_empty());
        assert!(found.modules.iter().all(|m| m.size > 0));
        assert!(
            found.memories.iter().any(|m| !m.imported && !m.memory64),
            "{:?}",
            found.memories
        );
        // wit-component records itself; rustc records the language.
        let fields: Vec<&str> = found
            .producers
            .iter()
            .flat_map(|p| p.fields.iter().map(|(name, _)| name.as_str()))
            .collect();
        assert!(fields.contains(&"processed-by"), "{fields:?}");
    }

    #[test]
    fn resource_functions_name_their_resource() {
        let found = inspect(&fixture("wasm/host_user.component.wasm")).unwrap();
        let counters = found
            .exports
            .iter()
            .find(|e| e.name == "witbridge:host/counters@0.1.0")
            .unwrap();
        let add = counters
            .functions
            .iter()
            .find(|f| f.name == "[method]counter.add")
            .unwrap();
        assert_eq!(add.resource.as_deref(), Some("counter"));
        assert_eq!(
            add.signature,
            "add: func(self: borrow<counter>, delta: s64) -> s64"
        );
        let tick = found.imports.iter().find(|e| e.name == "tick").unwrap();
        assert_eq!(tick.kind, EntryKind::Function);
        assert_eq!(tick.signature.as_deref(), Some("tick: func(n: u32) -> u32"));
    }

    #[test]
    fn a_core_module_with_wit_shows_the_world_it_becomes() {
        let found = inspect(&fixture("wasm/wasm_intro.wasm")).unwrap();
        assert_eq!(found.kind, Kind::CoreModuleWithWit);
        // A component binary keeps no world name: decoders call it `root`.
        assert_eq!(found.world.as_deref(), Some("root"));
        assert_eq!(found.modules.len(), 1);
        assert_eq!(found.modules[0].index, 0);
        assert!(found.modules[0].exports > 5);
        assert_eq!(found.exports[0].name, "xyz:machine/machine-interface");
    }

    #[test]
    fn a_plain_core_module_lists_core_items() {
        let found = inspect(
            br#"(module
                 (import "env" "log" (func (param i32)))
                 (import "env" "mem" (memory i64 1 4 shared))
                 (global (export "g") (mut i32) (i32.const 0))
                 (func (export "f") (param i32 i32) (result i32) local.get 0))"#,
        )
        .unwrap();
        assert_eq!(found.kind, Kind::CoreModule);
        assert!(found.text);
        assert_eq!(found.world, None);
        let imports: Vec<(&str, &str)> = found
            .imports
            .iter()
            .map(|e| (e.name.as_str(), e.signature.as_deref().unwrap()))
            .collect();
        assert_eq!(
            imports,
            [
                ("env.log", "(func (param i32))"),
                ("env.mem", "(memory i64 1 4 shared)")
            ]
        );
        let exports: Vec<(&str, EntryKind, &str)> = found
            .exports
            .iter()
            .map(|e| (e.name.as_str(), e.kind, e.signature.as_deref().unwrap()))
            .collect();
        assert_eq!(
            exports,
            [
                ("g", EntryKind::CoreGlobal, "(global (mut i32))"),
                (
                    "f",
                    EntryKind::CoreFunc,
                    "(func (param i32 i32) (result i32))"
                ),
            ]
        );
        assert_eq!(
            found.memories,
            [Memory {
                module: 0,
                imported: true,
                initial: 1,
                maximum: Some(4),
                memory64: true,
                shared: true,
                page_size: 65536,
            }]
        );
        assert_eq!(
            found.modules,
            [Module {
                index: 0,
                size: found.modules[0].size,
                imports: 2,
                exports: 2
            }]
        );
    }

    #[test]
    fn nested_modules_are_counted_in_order() {
        let found = inspect(
            br#"(component
                 (core module $a (memory 1) (func (export "f")))
                 (core module $b (import "a" "f" (func)) (memory 2 3)))"#,
        )
        .unwrap();
        assert_eq!(found.kind, Kind::Component);
        assert_eq!(found.world.as_deref(), Some("root"));
        let counts: Vec<(usize, usize, usize)> = found
            .modules
            .iter()
            .map(|m| (m.index, m.imports, m.exports))
            .collect();
        assert_eq!(counts, [(0, 0, 1), (1, 1, 0)]);
        let memories: Vec<(usize, u64, Option<u64>)> = found
            .memories
            .iter()
            .map(|m| (m.module, m.initial, m.maximum))
            .collect();
        assert_eq!(memories, [(0, 1, None), (1, 2, Some(3))]);
    }

    #[test]
    fn worlds_come_only_from_wit() {
        let err = world_of(b"(module)").unwrap_err().to_string();
        assert!(err.contains("carries no WIT"), "{err}");
        let desc = world_of(&fixture("wasm/wasm_intro.wasm")).unwrap();
        assert_eq!(desc.exports()[0].0, "xyz:machine/machine-interface");
    }

    #[test]
    fn bad_input_is_a_compile_error() {
        let err = inspect(b"witbridge-cwasm\0...").unwrap_err().to_string();
        assert!(err.contains("precompiled witbridge artifact"), "{err}");
        let err = inspect(b"\0asm\x01\0\0\0\x01").unwrap_err().to_string();
        assert!(err.contains("not a valid core WebAssembly module"), "{err}");
        let err = inspect(b"hello").unwrap_err().to_string();
        assert!(err.contains("not a WebAssembly binary"), "{err}");
    }
}
