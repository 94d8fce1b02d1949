//! Proof that a function's WIT types (wit-parser's, which the host's
//! converters are built from) and wasmtime's types for it (which
//! [`super::store`] and [`super::load`] follow) are the same types, so that
//! a tape written for the one is read right by the other.
//!
//! Types must agree in kind, in arity, and in every name that decides a
//! value's shape: record fields, variant cases and whether each carries a
//! payload, enum cases, flags. (Which resource a handle refers to is
//! checked by wasmtime itself whenever a handle crosses.)

use std::sync::Arc;

use wasmtime::component::__internal::{ComponentTypes, InterfaceType};
use wit_parser::abi::{FlatTypes, WasmType};
use wit_parser::{Function, Handle, Resolve, Type, TypeDefKind};

use crate::describe::Description;

/// A WIT function's parameter and result types, with the world they live in.
pub struct WitTypes {
    pub desc: Arc<Description>,
    pub params: Vec<Type>,
    /// None or one.
    pub results: Vec<Type>,
}

impl WitTypes {
    pub fn of(desc: Arc<Description>, func: &Function) -> Self {
        WitTypes {
            params: func.params.iter().map(|p| p.ty).collect(),
            results: func.result.into_iter().collect(),
            desc,
        }
    }

    /// Checks the parameters against wasmtime's tuple of them.
    pub fn check_params(
        &self,
        tuple: &InterfaceType,
        types: &ComponentTypes,
    ) -> Result<(), String> {
        check_tuple(&self.desc.resolve, &self.params, tuple, types)
            .map_err(|e| format!("parameters: {e}"))
    }

    /// Checks the results against wasmtime's tuple of them.
    pub fn check_results(
        &self,
        tuple: &InterfaceType,
        types: &ComponentTypes,
    ) -> Result<(), String> {
        check_tuple(&self.desc.resolve, &self.results, tuple, types)
            .map_err(|e| format!("result: {e}"))
    }

    /// How many flat core values the parameters are, or None when they
    /// spill to memory (more than 16).
    pub fn flat_params(&self) -> Option<usize> {
        self.flat(&self.params, 16)
    }

    /// How many flat core values the result is (0 or 1), or None when it
    /// goes through memory.
    pub fn flat_results(&self) -> Option<usize> {
        self.flat(&self.results, 1)
    }

    fn flat(&self, types: &[Type], max: usize) -> Option<usize> {
        let mut storage = [WasmType::I32; 17];
        let mut flat = FlatTypes::new(&mut storage[..max + 1]);
        let fits = types
            .iter()
            .all(|ty| self.desc.resolve.push_flat(ty, &mut flat));
        let count = flat.to_vec().len();
        (fits && count <= max).then_some(count)
    }
}

/// Checks that `wit` (a type in `resolve`) and `ty` (in `types`) describe
/// the same type; the error says where they part.
pub fn check(
    resolve: &Resolve,
    wit: &Type,
    ty: &InterfaceType,
    types: &ComponentTypes,
) -> Result<(), String> {
    Checker { resolve, types }
        .check(wit, ty)
        .map_err(|mismatch| mismatch.message())
}

/// Checks a function's parameters, or results, against wasmtime's tuple of them.
pub fn check_tuple(
    resolve: &Resolve,
    wit: &[Type],
    tuple: &InterfaceType,
    types: &ComponentTypes,
) -> Result<(), String> {
    let InterfaceType::Tuple(i) = tuple else {
        return Err("expected a tuple of parameters or results".into());
    };
    let ours = &types[*i].types;
    if ours.len() != wit.len() {
        return Err(format!(
            "expected {} values, wasmtime has {}",
            wit.len(),
            ours.len()
        ));
    }
    let checker = Checker { resolve, types };
    for (index, (wit, ty)) in wit.iter().zip(ours.iter()).enumerate() {
        checker
            .check(wit, ty)
            .map_err(|m| m.within(format!("[{index}]")).message())?;
    }
    Ok(())
}

struct Mismatch {
    /// Innermost first.
    path: Vec<String>,
    what: String,
}

impl Mismatch {
    fn new(what: String) -> Self {
        Mismatch {
            path: Vec::new(),
            what,
        }
    }

    fn within(mut self, step: String) -> Self {
        self.path.push(step);
        self
    }

    fn message(self) -> String {
        if self.path.is_empty() {
            return self.what;
        }
        let path: Vec<String> = self.path.into_iter().rev().collect();
        format!("at {}: {}", path.join(""), self.what)
    }
}

struct Checker<'a> {
    resolve: &'a Resolve,
    types: &'a ComponentTypes,
}

impl Checker<'_> {
    fn check(&self, wit: &Type, ty: &InterfaceType) -> Result<(), Mismatch> {
        let differ = || {
            Mismatch::new(format!(
                "the WIT type is {}, wasmtime's is {}",
                wit_kind(self.resolve, wit),
                wasm_kind(ty)
            ))
        };
        let types = self.types;
        match (wit, ty) {
            (Type::Bool, InterfaceType::Bool)
            | (Type::U8, InterfaceType::U8)
            | (Type::U16, InterfaceType::U16)
            | (Type::U32, InterfaceType::U32)
            | (Type::U64, InterfaceType::U64)
            | (Type::S8, InterfaceType::S8)
            | (Type::S16, InterfaceType::S16)
            | (Type::S32, InterfaceType::S32)
            | (Type::S64, InterfaceType::S64)
            | (Type::F32, InterfaceType::Float32)
            | (Type::F64, InterfaceType::Float64)
            | (Type::Char, InterfaceType::Char)
            | (Type::String, InterfaceType::String) => Ok(()),
            (Type::Id(id), _) => {
                let kind = &self.resolve.types[*id].kind;
                match (kind, ty) {
                    (TypeDefKind::Type(inner), _) => self.check(inner, ty),
                    (TypeDefKind::List(item), InterfaceType::List(i)) => self
                        .check(item, &types[*i].element)
                        .map_err(|m| m.within("[item]".into())),
                    (TypeDefKind::Option(inner), InterfaceType::Option(i)) => self
                        .check(inner, &types[*i].ty)
                        .map_err(|m| m.within(".some".into())),
                    (TypeDefKind::Result(r), InterfaceType::Result(i)) => {
                        let theirs = &types[*i];
                        self.payload(&r.ok, &theirs.ok, "ok")?;
                        self.payload(&r.err, &theirs.err, "err")
                    }
                    (TypeDefKind::Tuple(t), InterfaceType::Tuple(i)) => {
                        let theirs = &types[*i].types;
                        if t.types.len() != theirs.len() {
                            return Err(differ());
                        }
                        for (n, (a, b)) in t.types.iter().zip(theirs.iter()).enumerate() {
                            self.check(a, b).map_err(|m| m.within(format!(".{n}")))?;
                        }
                        Ok(())
                    }
                    (TypeDefKind::Record(r), InterfaceType::Record(i)) => {
                        let theirs = &types[*i].fields;
                        if r.fields.len() != theirs.len() {
                            return Err(differ());
                        }
                        for (a, b) in r.fields.iter().zip(theirs.iter()) {
                            if a.name != b.name {
                                return Err(Mismatch::new(format!(
                                    "the WIT field is {}, wasmtime's is {}",
                                    a.name, b.name
                                )));
                            }
                            self.check(&a.ty, &b.ty)
                                .map_err(|m| m.within(format!(".{}", a.name)))?;
                        }
                        Ok(())
                    }
                    (TypeDefKind::Variant(v), InterfaceType::Variant(i)) => {
                        let theirs = &types[*i].cases;
                        if v.cases.len() != theirs.len() {
                            return Err(differ());
                        }
                        for (a, (name, b)) in v.cases.iter().zip(theirs.iter()) {
                            if &a.name != name {
                                return Err(Mismatch::new(format!(
                                    "the WIT case is {}, wasmtime's is {name}",
                                    a.name
                                )));
                            }
                            self.payload(&a.ty, b, &a.name)?;
                        }
                        Ok(())
                    }
                    (TypeDefKind::Enum(e), InterfaceType::Enum(i)) => {
                        let theirs = &types[*i].names;
                        let same = e.cases.len() == theirs.len()
                            && e.cases.iter().zip(theirs.iter()).all(|(a, b)| &a.name == b);
                        if same { Ok(()) } else { Err(differ()) }
                    }
                    (TypeDefKind::Flags(f), InterfaceType::Flags(i)) => {
                        let theirs = &types[*i].names;
                        let same = f.flags.len() == theirs.len()
                            && f.flags.iter().zip(theirs.iter()).all(|(a, b)| &a.name == b);
                        if same { Ok(()) } else { Err(differ()) }
                    }
                    (TypeDefKind::Handle(Handle::Own(_)), InterfaceType::Own(_))
                    | (TypeDefKind::Handle(Handle::Borrow(_)), InterfaceType::Borrow(_)) => Ok(()),
                    _ => Err(differ()),
                }
            }
            _ => Err(differ()),
        }
    }

    fn payload(
        &self,
        wit: &Option<Type>,
        ty: &Option<InterfaceType>,
        case: &str,
    ) -> Result<(), Mismatch> {
        match (wit, ty) {
            (None, None) => Ok(()),
            (Some(a), Some(b)) => self.check(a, b).map_err(|m| m.within(format!(".{case}"))),
            (Some(_), None) => Err(Mismatch::new(format!(
                "wasmtime's case {case} has no payload"
            ))),
            (None, Some(_)) => Err(Mismatch::new(format!("the WIT case {case} has no payload"))),
        }
    }
}

fn wit_kind(resolve: &Resolve, ty: &Type) -> String {
    match ty {
        Type::Id(id) => resolve.types[*id].kind.as_str().to_owned(),
        other => format!("{other:?}").to_lowercase(),
    }
}

fn wasm_kind(ty: &InterfaceType) -> String {
    let debug = format!("{ty:?}");
    debug.split('(').next().unwrap_or(&debug).to_lowercase()
}
