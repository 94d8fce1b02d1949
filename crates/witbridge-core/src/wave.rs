//! Calls written in WAVE, the value syntax of `wasmtime run --invoke`.
//!
//! `witbridge call FILE 'add(1, 2)'` names an exported function and gives
//! its arguments as WAVE values. [`parse_call`] finds the function in the
//! component's world and types the arguments by its WIT parameters, with
//! `wasm-wave`'s own parser; the caller turns them into whatever its calls
//! take and renders the result with [`render`].
//!
//! A function is named
//!
//! - `add`: a function at the root of the world, or else the function of
//!   that name in the one exported interface that has one;
//! - `machine-interface.count-symbols`: a function of an exported interface
//!   by the interface's short name (the last part of its full name, without
//!   the version; the snake_case attribute name works too);
//! - `xyz:machine/machine-interface.count-symbols`: WAVE's and `wasmtime run
//!   --invoke`'s form, with a version at the very end
//!   (`wasi:cli/run.run@0.2.0`);
//! - `xyz:machine/machine-interface#count-symbols`: the full WIT name, with
//!   the version where WIT puts it (`wasi:cli/run@0.2.0#run`).
//!
//! A full interface name without its version matches the exported interface
//! of any version.
//!
//! ```
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/wasm/wasm_intro.component.wasm");
//! use witbridge_core::{describe::Description, wave};
//!
//! let desc = Description::decode(&std::fs::read(path).unwrap()).unwrap();
//! let call = wave::parse_call(&desc, r#"machine-interface.count-symbols("héllo")"#).unwrap();
//! assert_eq!(call.interface.as_deref(), Some("xyz:machine/machine-interface"));
//! assert_eq!(call.function.name, "count-symbols");
//! assert_eq!(wave::render(&call.params[0]), r#""héllo""#);
//! ```

use std::fmt;

use wasm_wave::parser::{ParserError, ParserErrorKind};
use wasm_wave::untyped::UntypedFuncCall;
use wasm_wave::value::{Type as WaveType, Value, resolve_wit_func_type};
use wasm_wave::wasm::{WasmFunc, WasmType, WasmTypeKind, WasmValue};
use wit_parser::{Function, InterfaceId};

use crate::describe::{Description, Item};
use crate::names;
use crate::wit_text;

/// A call, resolved and typed.
#[derive(Debug)]
pub struct Call<'a> {
    /// The full WIT name of the exported interface the function is in;
    /// `None` for a function at the root of the world.
    pub interface: Option<String>,
    /// The function.
    pub function: &'a Function,
    /// The arguments, one per parameter (omitted trailing `option`s are `none`).
    pub params: Vec<Value>,
    /// The WAVE type of the function's result, if it has one.
    pub result: Option<WaveType>,
}

/// Why a call could not be resolved or its arguments not be read; the
/// message is one sentence, with the position for a WAVE syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError(pub String);

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CallError {}

/// Resolves and types `text`, a call such as `add(1, 2)`; see the module docs.
pub fn parse_call<'a>(desc: &'a Description, text: &str) -> Result<Call<'a>, CallError> {
    let Some(open) = text.find('(') else {
        return Err(CallError(format!(
            "expected a function call such as `add(1, 2)`, with the arguments in parentheses; \
             got `{}`",
            text.trim()
        )));
    };
    let name = text[..open].trim();
    if name.is_empty() {
        return Err(CallError(
            "the call names no function: expected NAME(ARGUMENTS), such as `add(1, 2)`".into(),
        ));
    }
    let (interface, function) = find_function(desc, name)?;
    let types = func_type(desc, function)?;
    let params: Vec<WaveType> = types.params().collect();
    // WAVE's parser reads `NAME(ARGS)`, but its names have no `#` nor
    // snake_case: give it a one-letter name and keep the arguments where
    // they are, so that its error positions map back to `text`.
    let source = format!("f{}", &text[open..]);
    let shift = |at: usize| open + at.saturating_sub(1);
    let signature = wit_text::signature(&desc.resolve, function);
    let syntax_error = |e| syntax_error(text, shift, &e, &signature);
    let call = UntypedFuncCall::parse(&source).map_err(syntax_error)?;
    let params = if call.params_node().is_none() && params.iter().all(is_option) {
        // `f()` for a function whose parameters are all options: WAVE lets
        // trailing options be left out, but only after a first argument.
        params
            .iter()
            .map(|ty| Value::make_option(ty, None))
            .collect::<Result<_, _>>()
            .map_err(|e| CallError(format!("cannot make the arguments: {e}")))?
    } else {
        call.to_wasm_params::<Value>(&params)
            .map_err(syntax_error)?
    };
    Ok(Call {
        interface,
        function,
        params,
        result: types.results().next(),
    })
}

fn is_option(ty: &WaveType) -> bool {
    ty.kind() == WasmTypeKind::Option
}

/// The WAVE type of a function's parameters and result, or why it has none.
pub fn func_type(
    desc: &Description,
    function: &Function,
) -> Result<wasm_wave::value::FuncType, CallError> {
    resolve_wit_func_type(&desc.resolve, function).map_err(|e| {
        CallError(format!(
            "`{}` cannot be called from the command line: WAVE has no syntax for a type in it \
             ({e}); call it from Python",
            wit_text::signature(&desc.resolve, function)
        ))
    })
}

/// `value` as WAVE text.
pub fn render(value: &Value) -> String {
    // Writing into a String fails only if a value disagrees with its own
    // type, which `Value`'s constructors rule out.
    wasm_wave::to_string(value).unwrap_or_else(|e| format!("<{e}>"))
}

/// `bad WAVE at column 16 (at `256`): invalid value; the function is
/// `echo-u8: func(x: u8) -> u8``: where, what, and the types that were expected.
fn syntax_error(
    text: &str,
    shift: impl Fn(usize) -> usize,
    err: &ParserError,
    signature: &str,
) -> CallError {
    let span = err.span();
    let (start, end) = (shift(span.start), shift(span.end).max(shift(span.start)));
    let column = text[..start.min(text.len())].chars().count() + 1;
    let near = text.get(start..end.min(text.len())).unwrap_or_default();
    let shown = !near.is_empty() && near.chars().count() <= 40;
    let mut what = err.kind().to_string();
    match (err.detail(), std::error::Error::source(err)) {
        // The detail of an unexpected token is its lexer name (`BraceClose`):
        // the excerpt says it better.
        (Some(_), _) if err.kind() == ParserErrorKind::UnexpectedToken && shown => {}
        (Some(detail), _) => what = format!("{what}: {detail}"),
        (None, Some(source)) => what = format!("{what}: {source}"),
        (None, None) => {}
    }
    let near = if shown {
        format!(" (at `{near}`)")
    } else {
        String::new()
    };
    CallError(format!(
        "bad WAVE at column {column}{near}: {what}; the function is `{signature}`"
    ))
}

/// Finds the exported function `name` names (see the module docs): the
/// full name of its interface (`None` at the root) and the function.
pub fn find_function<'a>(
    desc: &'a Description,
    name: &str,
) -> Result<(Option<String>, &'a Function), CallError> {
    let (interface, func) = split_name(name);
    let Some(interface) = interface else {
        return root_function(desc, func);
    };
    let (full, id) = find_interface(desc, &interface)?;
    let functions = desc.interface_functions(id);
    match functions
        .iter()
        .find(|f| f.name == func || names::snake(&f.name) == func)
    {
        Some(f) => Ok((Some(full), f)),
        None => {
            let known: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
            Err(CallError(format!(
                "interface `{full}` has no function `{func}` (its functions: {})",
                list_or_none(&known)
            )))
        }
    }
}

/// (interface part, function) of a name; see the module docs.
fn split_name(name: &str) -> (Option<String>, &str) {
    if let Some((interface, func)) = name.rsplit_once('#') {
        return (Some(interface.to_string()), func);
    }
    let (base, version) = match name.rsplit_once('@') {
        Some((base, version)) => (base, Some(version)),
        None => (name, None),
    };
    match base.rsplit_once('.') {
        Some((interface, func)) => {
            let interface = match version {
                Some(v) => format!("{interface}@{v}"),
                None => interface.to_string(),
            };
            (Some(interface), func)
        }
        None => (None, name),
    }
}

fn exported_interfaces(desc: &Description) -> Vec<(String, InterfaceId)> {
    desc.exports()
        .into_iter()
        .filter_map(|(name, item)| match item {
            Item::Interface { id, .. } => Some((name, id)),
            Item::Function(_) => None,
        })
        .collect()
}

/// `xyz:machine/machine-interface@1.0.0` -> `machine-interface`.
fn short_name(full: &str) -> &str {
    let base = full.split('@').next().unwrap_or(full);
    base.rsplit('/').next().unwrap_or(base)
}

fn find_interface(desc: &Description, given: &str) -> Result<(String, InterfaceId), CallError> {
    let exported = exported_interfaces(desc);
    if let Some((full, id)) = exported.iter().find(|(full, _)| full == given) {
        return Ok((full.clone(), *id));
    }
    let qualified = given.contains('/') || given.contains(':');
    let matches: Vec<&(String, InterfaceId)> = exported
        .iter()
        .filter(|(full, _)| {
            if qualified {
                full.split('@').next() == Some(given)
            } else {
                short_name(full) == given || names::interface_attr(full) == given
            }
        })
        .collect();
    match matches[..] {
        [(full, id)] => Ok((full.clone(), *id)),
        [] => {
            let known: Vec<&str> = exported.iter().map(|(n, _)| n.as_str()).collect();
            Err(CallError(format!(
                "the component exports no interface `{given}` (its interfaces: {})",
                list_or_none(&known)
            )))
        }
        _ => {
            let known: Vec<&str> = matches.iter().map(|(n, _)| n.as_str()).collect();
            Err(CallError(format!(
                "`{given}` could be any of {}: name the interface in full, as in `{}#NAME(...)`",
                known.join(", "),
                known[0]
            )))
        }
    }
}

fn root_function<'a>(
    desc: &'a Description,
    name: &str,
) -> Result<(Option<String>, &'a Function), CallError> {
    let exports = desc.exports();
    let mut roots = Vec::new();
    for (export, item) in &exports {
        if let Item::Function(f) = item {
            if export == name || names::snake(export) == name {
                return Ok((None, f));
            }
            roots.push(export.as_str());
        }
    }
    // A function of exactly one exported interface may go without it.
    let found: Vec<(String, &Function)> = exported_interfaces(desc)
        .into_iter()
        .filter_map(|(full, id)| {
            let f = desc
                .interface_functions(id)
                .into_iter()
                .find(|f| f.name == name || names::snake(&f.name) == name)?;
            Some((full, f))
        })
        .collect();
    match &found[..] {
        [(full, f)] => return Ok((Some(full.clone()), f)),
        [] => {}
        several => {
            let names: Vec<String> = several
                .iter()
                .map(|(full, f)| format!("`{full}#{}`", f.name))
                .collect();
            return Err(CallError(format!(
                "`{name}` could be any of {}: say which, as in `{}.{name}(...)`",
                names.join(", "),
                short_name(&several[0].0)
            )));
        }
    }
    let interfaces: Vec<String> = exported_interfaces(desc)
        .iter()
        .map(|(full, _)| short_name(full).to_string())
        .collect();
    let interfaces: Vec<&str> = interfaces.iter().map(String::as_str).collect();
    Err(CallError(format!(
        "the component exports no function `{name}` (root functions: {}; interfaces, whose \
         functions are called as `INTERFACE.NAME(...)`: {})",
        list_or_none(&roots),
        list_or_none(&interfaces)
    )))
}

fn list_or_none(items: &[&str]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Description {
        let path = format!("{}/../../fixtures/wasm/{name}", env!("CARGO_MANIFEST_DIR"));
        Description::decode(&std::fs::read(path).unwrap()).unwrap()
    }

    /// Two interfaces with a function `f` each, and a root function `g`.
    fn twins() -> Description {
        let dir = std::env::temp_dir().join(format!("witbridge-wave-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let wit = dir.join("twins.wit");
        std::fs::write(
            &wit,
            "package t:p; interface a { f: func() -> u32; } interface b { f: func() -> u32; }
             world w { export a; export b; export g: func(); }",
        )
        .unwrap();
        let module = r#"(module
            (func (export "t:p/a#f") (result i32) i32.const 1)
            (func (export "t:p/b#f") (result i32) i32.const 2)
            (func (export "g"))
            (memory (export "memory") 1))"#;
        let source = crate::load::WitSource {
            path: wit,
            world: None,
        };
        let bytes = crate::load::component_bytes(module.as_bytes(), Some(&source)).unwrap();
        Description::decode(&bytes).unwrap()
    }

    #[test]
    fn a_function_in_two_interfaces_needs_one_named() {
        let desc = twins();
        let err = parse_call(&desc, "f()").unwrap_err().0;
        assert!(
            err.contains("`t:p/a#f`, `t:p/b#f`") && err.contains("`a.f(...)`"),
            "{err}"
        );
        assert_eq!(
            parse_call(&desc, "b.f()").unwrap().interface.as_deref(),
            Some("t:p/b")
        );
        assert_eq!(parse_call(&desc, "g()").unwrap().interface, None);
    }

    fn rendered(call: &Call<'_>) -> Vec<String> {
        call.params.iter().map(render).collect()
    }

    #[test]
    fn names_an_interface_function_in_every_form() {
        let desc = fixture("wasm_intro.component.wasm");
        for name in [
            "machine-interface.count-symbols",
            "machine_interface.count_symbols",
            "xyz:machine/machine-interface.count-symbols",
            "xyz:machine/machine-interface#count-symbols",
        ] {
            let call = parse_call(&desc, &format!("{name}(\"héllo\")")).unwrap();
            assert_eq!(
                call.interface.as_deref(),
                Some("xyz:machine/machine-interface")
            );
            assert_eq!(call.function.name, "count-symbols", "{name}");
        }
    }

    #[test]
    fn versions_go_where_wave_or_wit_puts_them() {
        let desc = fixture("values.component.wasm");
        for name in [
            "witbridge:fixtures/values.echo-u8@0.1.0",
            "witbridge:fixtures/values@0.1.0#echo-u8",
            "witbridge:fixtures/values#echo-u8",
            "values.echo-u8",
        ] {
            let call = parse_call(&desc, &format!("{name}(1)")).unwrap();
            assert_eq!(
                call.interface.as_deref(),
                Some("witbridge:fixtures/values@0.1.0")
            );
            assert_eq!(call.function.name, "echo-u8");
        }
    }

    #[test]
    fn types_the_arguments() {
        let desc = fixture("wasm_intro.component.wasm");
        let call = parse_call(
            &desc,
            "machine-interface.run(7, {x: 1, y: 2}, {y: 4, x: 3})",
        )
        .unwrap();
        assert_eq!(rendered(&call), ["7", "{x: 1, y: 2}", "{x: 3, y: 4}"]);
        assert_eq!(call.params[0].unwrap_u64(), 7);
        assert!(call.result.is_some());
        let call = parse_call(&desc, "machine-interface.get-u32( )").unwrap();
        assert!(call.params.is_empty());
    }

    #[test]
    fn root_functions_and_omitted_options() {
        let desc = fixture("values.component.wasm");
        let call = parse_call(&desc, "add(1, 2)").unwrap();
        assert_eq!(call.interface, None);
        assert_eq!(rendered(&call), ["1", "2"]);
        let call = parse_call(&desc, "values.echo-option()").unwrap();
        assert_eq!(rendered(&call), ["none"]);
    }

    #[test]
    fn syntax_errors_say_where() {
        let desc = fixture("wasm_intro.component.wasm");
        let err = parse_call(&desc, "machine-interface.run(7, {x: 1, y: }, {x: 3, y: 4})")
            .unwrap_err()
            .0;
        assert!(err.starts_with("bad WAVE at column 36"), "{err}");
        let err = parse_call(&desc, r#"machine-interface.count-symbols("é", 2)"#)
            .unwrap_err()
            .0;
        assert!(
            err.contains("column 38") && err.contains("more param"),
            "{err}"
        );
        let err = parse_call(&desc, "machine-interface.count-symbols(5)")
            .unwrap_err()
            .0;
        assert!(err.contains("column 33"), "{err}");
        let err = parse_call(&desc, "machine-interface.count-symbols()")
            .unwrap_err()
            .0;
        assert!(err.contains("no params provided"), "{err}");
    }

    #[test]
    fn unknown_names_list_what_there_is_and_unique_ones_need_no_interface() {
        let desc = fixture("wasm_intro.component.wasm");
        let call = parse_call(&desc, "count-symbols(\"x\")").unwrap();
        assert_eq!(
            call.interface.as_deref(),
            Some("xyz:machine/machine-interface")
        );
        let err = parse_call(&desc, "machine-interface.nope()").unwrap_err().0;
        assert!(err.contains("its functions: get-u32"), "{err}");
        let err = parse_call(&desc, "nope.get-u32()").unwrap_err().0;
        assert!(
            err.contains("its interfaces: xyz:machine/machine-interface"),
            "{err}"
        );
        let err = parse_call(&desc, "get-u33()").unwrap_err().0;
        assert!(err.contains("root functions: none"), "{err}");
        let err = parse_call(&desc, "get-u32").unwrap_err().0;
        assert!(err.contains("in parentheses"), "{err}");
    }
}
