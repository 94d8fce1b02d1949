//! Echo components: guests that hand every call straight back to the host.
//!
//! For each function `f` that a world exports, the world also imports a
//! function `f` of the same type, and the component's core module forwards
//! each export to that import without looking at the values. A value given to
//! the export is therefore lowered into guest memory, lifted for the host's
//! import, lowered again from what the import returns and lifted as the
//! export's result. Both directions of every conversion run, and the input is
//! the oracle for both outputs, which is what the fuzzers and property tests
//! (`fuzz/`, `tests/fuzzing/`) build on for generated WIT types.
//!
//! The core module is generated from the signatures wit-parser computes for
//! the canonical ABI, so it stays right for every type without knowing any
//! of them: flat arguments, or the pointer to spilled ones, pass through
//! unchanged, and a return area is allocated when the result does not fit in
//! one core value. Its `cabi_realloc` is a bump allocator that each
//! `cabi_post_*` rewinds, so memory does not grow from call to call.
//!
//! ```
//! use witbridge_core::echo::Strings;
//! let wit = "package fuzz:echo; world echo {
//!     import twice: func(x: list<string>) -> list<string>;
//!     export twice: func(x: list<string>) -> list<string>;
//! }";
//! let bytes = witbridge_core::echo::echo_component(wit, "echo", Strings::Utf8).unwrap();
//! assert!(wasmparser::Parser::is_component(&bytes));
//! ```

use std::fmt::Write as _;

use wit_component::StringEncoding;
use wit_parser::abi::{AbiVariant, WasmSignature, WasmType};
use wit_parser::{Function, Resolve, WorldItem, WorldKey};

use crate::LoadError;
use crate::wit_text;

/// Where the bump allocator starts; below it, nothing (address 0 stays unused
/// so that a null pointer never aliases a real allocation).
const HEAP_BASE: u32 = 16;

/// The string encoding an echo component's functions are lifted and
/// lowered with (the canonical ABI's `string-encoding` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strings {
    Utf8,
    Utf16,
    /// latin1+utf16: latin-1 when every character fits, else UTF-16.
    Latin1Utf16,
}

impl Strings {
    fn encoding(self) -> StringEncoding {
        match self {
            Strings::Utf8 => StringEncoding::UTF8,
            Strings::Utf16 => StringEncoding::UTF16,
            Strings::Latin1Utf16 => StringEncoding::CompactUTF16,
        }
    }
}

/// The echo component of world `world` in the WIT package `wit`, passing
/// strings in `strings`; see the module docs for what the world must
/// contain.
pub fn echo_component(wit: &str, world: &str, strings: Strings) -> Result<Vec<u8>, LoadError> {
    let mut resolve = Resolve::default();
    let package = resolve
        .push_str("echo.wit", wit)
        .map_err(|e| LoadError::compile("invalid WIT for an echo component", format!("{e:#}")))?;
    let world_id = resolve
        .select_world(&[package], Some(world))
        .map_err(|e| LoadError::compile("cannot select the echo world", format!("{e:#}")))?;

    let functions = paired_functions(&resolve, world_id)?;
    let wat = core_module_text(&resolve, &functions);
    let mut module = wat::parse_str(&wat)
        .map_err(|e| LoadError::compile("the generated echo module is not valid WAT", e))?;
    wit_component::embed_component_metadata(&mut module, &resolve, world_id, strings.encoding())
        .map_err(|e| {
            LoadError::compile("cannot embed WIT into the echo module", format!("{e:#}"))
        })?;
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(&module)
        .and_then(|mut encoder| encoder.encode())
        .map_err(|e| LoadError::compile("cannot componentize the echo module", format!("{e:#}")))
}

/// The world's exported functions, each checked to have an imported twin.
fn paired_functions(
    resolve: &Resolve,
    world: wit_parser::WorldId,
) -> Result<Vec<&Function>, LoadError> {
    let world = &resolve.worlds[world];
    let mut functions = Vec::new();
    for (key, item) in &world.exports {
        let (WorldKey::Name(name), WorldItem::Function(export)) = (key, item) else {
            return Err(LoadError::Compile(format!(
                "an echo world may export only functions, not `{}`",
                resolve.name_world_key(key)
            )));
        };
        let import = match world.imports.get(key) {
            Some(WorldItem::Function(import)) => import,
            _ => {
                return Err(LoadError::Compile(format!(
                    "the echo world exports `{name}` but does not import a function of that name"
                )));
            }
        };
        let (want, have) = (
            wit_text::func_structure(resolve, export),
            wit_text::func_structure(resolve, import),
        );
        if want != have {
            return Err(LoadError::Compile(format!(
                "the echo world's `{name}` is exported as `{want}` but imported as `{have}`"
            )));
        }
        functions.push(export);
    }
    Ok(functions)
}

/// The forwarding core module, as WAT text.
fn core_module_text(resolve: &Resolve, functions: &[&Function]) -> String {
    let mut sizes = wit_parser::SizeAlign::default();
    sizes.fill(resolve);

    let mut wat = String::from("(module\n");
    for (index, func) in functions.iter().enumerate() {
        let import = resolve.wasm_signature(AbiVariant::GuestImport, func);
        let _ = writeln!(
            wat,
            "  (import \"$root\" \"{}\" (func $import{index} {}))",
            func.name,
            signature_text(&import)
        );
    }
    let _ = writeln!(wat, "  (memory (export \"memory\") 1)");
    let _ = writeln!(wat, "  (global $bump (mut i32) (i32.const {HEAP_BASE}))");
    wat.push_str(REALLOC);

    for (index, func) in functions.iter().enumerate() {
        let export = resolve.wasm_signature(AbiVariant::GuestExport, func);
        let _ = writeln!(
            wat,
            "  (func (export \"{}\") {}",
            func.name,
            signature_text(&export)
        );
        for param in 0..export.params.len() {
            let _ = writeln!(wat, "    local.get {param}");
        }
        if export.retptr {
            // The import writes the result to memory we provide, and the
            // export hands the canonical ABI a pointer to the same bytes.
            let ty = func
                .result
                .as_ref()
                .expect("a return area implies a result");
            let size = sizes.size(ty).size_wasm32();
            let align = sizes.align(ty).align_wasm32().max(1);
            let _ = writeln!(
                wat,
                "    (call $realloc (i32.const 0) (i32.const 0) (i32.const {align}) (i32.const {size}))\n    \
                 global.set $retarea\n    global.get $retarea\n    call $import{index}\n    global.get $retarea"
            );
        } else {
            let _ = writeln!(wat, "    call $import{index}");
        }
        wat.push_str("  )\n");
        let _ = writeln!(
            wat,
            "  (func (export \"cabi_post_{}\") (param {})\n    (global.set $bump (i32.const {HEAP_BASE})))",
            func.name,
            export
                .results
                .iter()
                .map(|t| core_type(*t))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    wat.push_str("  (global $retarea (mut i32) (i32.const 0))\n)\n");
    wat
}

/// A bump allocator: aligns, grows memory when it must, copies on realloc,
/// and traps (rather than wrapping around) when 4 GiB would not suffice.
const REALLOC: &str = r#"
  (func $realloc (export "cabi_realloc")
        (param $old i32) (param $old_size i32) (param $align i32) (param $size i32)
        (result i32)
    (local $ptr i32) (local $end i32) (local $have i32)
    (local.set $ptr
      (i32.and
        (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then unreachable))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow
                (i32.shr_u
                  (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535))
                  (i32.const 16)))
              (i32.const -1))
          (then unreachable))))
    ;; A realloc keeps the old contents, as much of them as fits.
    (if (local.get $old_size)
      (then
        (memory.copy (local.get $ptr) (local.get $old)
          (select (local.get $old_size) (local.get $size)
            (i32.lt_u (local.get $old_size) (local.get $size))))))
    (global.set $bump (local.get $end))
    local.get $ptr)
"#;

fn signature_text(sig: &WasmSignature) -> String {
    let mut text = String::new();
    if !sig.params.is_empty() {
        let params: Vec<&str> = sig.params.iter().map(|t| core_type(*t)).collect();
        let _ = write!(text, "(param {})", params.join(" "));
    }
    if !sig.results.is_empty() {
        let results: Vec<&str> = sig.results.iter().map(|t| core_type(*t)).collect();
        let _ = write!(text, " (result {})", results.join(" "));
    }
    text
}

/// Core wasm types of a 32-bit memory.
fn core_type(ty: WasmType) -> &'static str {
    match ty {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => "i32",
        WasmType::I64 | WasmType::PointerOrI64 => "i64",
        WasmType::F32 => "f32",
        WasmType::F64 => "f64",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(body: &str) -> String {
        format!("package fuzz:echo; world echo {{ {body} }}")
    }

    #[test]
    fn builds_for_flat_spilled_and_return_area_signatures() {
        let wit = world(
            "record r { a: u8, b: string, c: option<list<u64>> }
             variant v { none, int(s64), text(string), pair(tuple<f32, char>) }
             import flat: func(a: u32, b: f64) -> s8;
             export flat: func(a: u32, b: f64) -> s8;
             import nothing: func();
             export nothing: func();
             import area: func(x: r) -> r;
             export area: func(x: r) -> r;
             import spilled: func(a: r, b: r, c: r, d: r, e: v) -> v;
             export spilled: func(a: r, b: r, c: r, d: r, e: v) -> v;",
        );
        let bytes = echo_component(&wit, "echo", Strings::Utf8).unwrap();
        let desc = crate::describe::Description::decode(&bytes).unwrap();
        assert_eq!(desc.exports().len(), 4);
    }

    #[test]
    fn refuses_an_export_without_its_import() {
        let wit = world("export lonely: func(x: u32) -> u32;");
        let err = echo_component(&wit, "echo", Strings::Utf8)
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not import a function"), "{err}");
    }

    #[test]
    fn refuses_twins_of_different_types() {
        let wit = world(
            "import f: func(x: u32) -> u32;
             export f: func(x: u64) -> u32;",
        );
        let err = echo_component(&wit, "echo", Strings::Utf8)
            .unwrap_err()
            .to_string();
        assert!(err.contains("imported as"), "{err}");
    }
}
