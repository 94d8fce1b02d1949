//! WIT text: type expressions, function signatures and whole worlds.
//!
//! wit-component's `WitPrinter` prints whole packages; docstrings and error
//! messages need single types and signatures, which is what the helpers here
//! render, in the same syntax.

use wit_component::WitPrinter;
use wit_parser::{Function, Handle, PackageId, Resolve, Type, TypeDefKind, WorldId};

/// A type as it would be written in WIT: `u32`, `list<point>`,
/// `result<string, error-code>`. Named types print as their name.
pub fn type_expr(resolve: &Resolve, ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::S8 => "s8".into(),
        Type::S16 => "s16".into(),
        Type::S32 => "s32".into(),
        Type::S64 => "s64".into(),
        Type::F32 => "f32".into(),
        Type::F64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
        Type::Id(id) => {
            let def = &resolve.types[*id];
            if let Some(name) = &def.name {
                return name.clone();
            }
            let expr = |t: &Type| type_expr(resolve, t);
            let or_underscore = |t: &Option<Type>| t.as_ref().map_or("_".to_string(), expr);
            match &def.kind {
                TypeDefKind::List(t) => format!("list<{}>", expr(t)),
                TypeDefKind::FixedLengthList(t, n) => format!("list<{}, {n}>", expr(t)),
                TypeDefKind::Map(k, v) => format!("map<{}, {}>", expr(k), expr(v)),
                TypeDefKind::Option(t) => format!("option<{}>", expr(t)),
                TypeDefKind::Tuple(t) => {
                    let items: Vec<String> = t.types.iter().map(expr).collect();
                    format!("tuple<{}>", items.join(", "))
                }
                TypeDefKind::Result(r) => match (&r.ok, &r.err) {
                    (None, None) => "result".into(),
                    (Some(ok), None) => format!("result<{}>", expr(ok)),
                    (ok, Some(err)) => format!("result<{}, {}>", or_underscore(ok), expr(err)),
                },
                TypeDefKind::Handle(Handle::Own(r)) => type_expr(resolve, &Type::Id(*r)),
                TypeDefKind::Handle(Handle::Borrow(r)) => {
                    format!("borrow<{}>", type_expr(resolve, &Type::Id(*r)))
                }
                TypeDefKind::Future(t) => t
                    .as_ref()
                    .map_or("future".into(), |t| format!("future<{}>", expr(t))),
                TypeDefKind::Stream(t) => t
                    .as_ref()
                    .map_or("stream".into(), |t| format!("stream<{}>", expr(t))),
                TypeDefKind::Type(t) => expr(t),
                kind => kind.as_str().into(),
            }
        }
    }
}

/// A type with every named type spelled out (`record{x: u32, y: u32}`), so
/// that two types from different components can be compared by structure,
/// which is how the component model matches them.
pub fn structure(resolve: &Resolve, ty: &Type) -> String {
    let Type::Id(id) = ty else {
        return type_expr(resolve, ty);
    };
    let def = &resolve.types[*id];
    let inner = |t: &Type| structure(resolve, t);
    let opt = |t: &Option<Type>| t.as_ref().map_or("_".to_string(), inner);
    match &def.kind {
        TypeDefKind::Record(r) => {
            let fields: Vec<String> = r
                .fields
                .iter()
                .map(|f| format!("{}: {}", f.name, inner(&f.ty)))
                .collect();
            format!("record{{{}}}", fields.join(", "))
        }
        TypeDefKind::Variant(v) => {
            let cases: Vec<String> = v
                .cases
                .iter()
                .map(|c| format!("{}({})", c.name, opt(&c.ty)))
                .collect();
            format!("variant{{{}}}", cases.join(", "))
        }
        TypeDefKind::Enum(e) => {
            let cases: Vec<&str> = e.cases.iter().map(|c| c.name.as_str()).collect();
            format!("enum{{{}}}", cases.join(", "))
        }
        TypeDefKind::Flags(f) => {
            let flags: Vec<&str> = f.flags.iter().map(|f| f.name.as_str()).collect();
            format!("flags{{{}}}", flags.join(", "))
        }
        TypeDefKind::List(t) => format!("list<{}>", inner(t)),
        TypeDefKind::Option(t) => format!("option<{}>", inner(t)),
        TypeDefKind::Result(r) => format!("result<{}, {}>", opt(&r.ok), opt(&r.err)),
        TypeDefKind::Tuple(t) => {
            let items: Vec<String> = t.types.iter().map(inner).collect();
            format!("tuple<{}>", items.join(", "))
        }
        TypeDefKind::Type(t) => inner(t),
        // Resources and the rest are identified by definition, not structure.
        _ => format!("{}#{}", type_expr(resolve, ty), id.index()),
    }
}

/// The structure of a function's type: parameter and result types, without names.
pub fn func_structure(resolve: &Resolve, func: &Function) -> String {
    let params: Vec<String> = func
        .params
        .iter()
        .map(|p| structure(resolve, &p.ty))
        .collect();
    let result = func
        .result
        .as_ref()
        .map_or(String::new(), |t| structure(resolve, t));
    format!("({}) -> {result}", params.join(", "))
}

/// A function's signature, `run: func(machine: machine-id, start: point) -> run-result`.
pub fn signature(resolve: &Resolve, func: &Function) -> String {
    let params: Vec<String> = func
        .params
        .iter()
        .map(|p| format!("{}: {}", p.name, type_expr(resolve, &p.ty)))
        .collect();
    let mut text = format!("{}: func({})", func.item_name(), params.join(", "));
    if let Some(result) = &func.result {
        text.push_str(" -> ");
        text.push_str(&type_expr(resolve, result));
    }
    text
}

/// The whole world as WIT text, with every package it refers to nested in it.
pub fn world_text(resolve: &Resolve, world: WorldId) -> anyhow::Result<String> {
    let main = resolve.worlds[world]
        .package
        .ok_or_else(|| anyhow::anyhow!("the world has no package"))?;
    package_text(resolve, main)
}

/// A package as WIT text (every world and interface of it), with the other
/// packages of `resolve` (its dependencies) nested in it.
pub fn package_text(resolve: &Resolve, main: PackageId) -> anyhow::Result<String> {
    let nested: Vec<_> = resolve
        .packages
        .iter()
        .map(|(id, _)| id)
        .filter(|id| *id != main)
        .collect();
    let mut printer = WitPrinter::default();
    printer.print(resolve, main, &nested)?;
    Ok(printer.output.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_signatures() {
        let mut resolve = Resolve::default();
        let pkg = resolve
            .push_str(
                "t.wit",
                "package t:p;
                 interface i {
                   record pt { x: u32 }
                   f: func(a: list<pt>, b: option<tuple<u8, string>>) -> result<_, string>;
                   g: func();
                 }",
            )
            .unwrap();
        let iface = resolve.packages[pkg].interfaces["i"];
        let funcs = &resolve.interfaces[iface].functions;
        assert_eq!(
            signature(&resolve, &funcs["f"]),
            "f: func(a: list<pt>, b: option<tuple<u8, string>>) -> result<_, string>"
        );
        assert_eq!(signature(&resolve, &funcs["g"]), "g: func()");
        assert_eq!(
            func_structure(&resolve, &funcs["f"]),
            "(list<record{x: u32}>, option<tuple<u8, string>>) -> result<_, string>"
        );
    }
}
