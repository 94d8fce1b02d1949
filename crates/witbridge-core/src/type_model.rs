//! A world's functions and named types as plain JSON, for code generators.
//!
//! `witbridge bindgen` writes typed Python from this model instead of
//! parsing WIT itself, so the Python names in it are exactly the ones the
//! runtime uses ([`crate::names`]). The model is a tree of objects, arrays,
//! strings and booleans:
//!
//! - `world`: `{name, package, docs, imports, exports, types, world_types}`;
//! - an import or export: `{kind: "interface", name, attr, docs, wasi,
//!   types: [{name, class, type}], functions}` (`class` is the Python name
//!   of the type there, which a `use a.{b as c}` makes `C`) or
//!   `{kind: "function", name, attr,
//!   function}`;
//! - a function: `{name, py, kind, resource, params: [{name, py, type}],
//!   result, docs, wit}`, where `kind` is `freestanding`, `constructor`,
//!   `method` or `static` (or an `async-…` kind, which witbridge can't call);
//! - a named type: `{key, owner, name, class, docs, kind, …}` with `fields`
//!   (record), `cases` (variant, enum), `flags`, `exported` (resource) or
//!   `target` (alias);
//! - a type reference: a primitive's WIT name (`"u32"`), `{ref: KEY}` for a
//!   named type, or `{list}`, `{tuple}`, `{option}`, `{result: {ok, err}}`,
//!   `{own: KEY}`, `{borrow: KEY}`, `{unsupported: KIND}`.
//!
//! A type's key is `OWNER#NAME`, where the owner is the full name of its
//! interface (`xyz:machine/machine-interface`) or empty for a type of the
//! world itself. Keys are the same whether the world was read from WIT
//! files or decoded from a component, which is what lets generated classes
//! be matched to a component's types at run time ([`find_type`]). A
//! `use`d type is not a type of its own: references follow it to the type
//! it names, unless it was renamed (`use a.{b as c}`), which makes an alias.
//!
//! ```
//! let (resolve, world) = {
//!     let mut resolve = wit_parser::Resolve::default();
//!     let pkg = resolve
//!         .push_str("t.wit", "package t:p; interface i { record pt { x: u32 } origin: func() -> pt; }
//!                             world w { export i; }")
//!         .unwrap();
//!     let world = resolve.select_world(&[pkg], Some("w")).unwrap();
//!     (resolve, world)
//! };
//! let desc = witbridge_core::describe::Description { resolve, world };
//! let model = witbridge_core::type_model::world_model(&desc);
//! assert_eq!(model["exports"][0]["functions"][0]["result"]["ref"], "t:p/i#pt");
//! assert_eq!(model["types"][0]["class"], "Pt");
//! ```

use serde_json::{Value, json};
use wit_parser::{
    Docs, Function, FunctionKind, Handle, InterfaceId, Type, TypeDefKind, TypeId, TypeOwner,
    WorldItem, WorldKey,
};

use crate::describe::Description;
use crate::{names, wasi, wit_text};

/// The model of `desc`'s world; see the module docs.
pub fn world_model(desc: &Description) -> Value {
    let mut builder = Builder {
        desc,
        seen: Vec::new(),
        types: Vec::new(),
    };
    let world = desc.world();
    let imports = builder.items(&world.imports);
    let exports = builder.items(&world.exports);
    let world_types: Vec<Value> = world
        .imports
        .iter()
        .chain(world.exports.iter())
        .filter_map(|(key, item)| match (key, item) {
            (WorldKey::Name(name), WorldItem::Type { id, .. }) => {
                Some(json!({"name": name, "class": names::pascal(name), "type": builder.reference(&Type::Id(*id))}))
            }
            _ => None,
        })
        .collect();
    json!({
        "name": world.name,
        "package": world.package.map(|p| desc.resolve.packages[p].name.to_string()),
        "docs": docs(&world.docs),
        "imports": imports,
        "exports": exports,
        "world_types": world_types,
        "types": builder.types,
    })
}

/// The models of the named types with the given keys, as an array (`null`
/// for a key the world has no record, variant, enum, flags or resource type
/// for): what
/// checking a generated class against a component's type needs, without
/// the cost of the whole world.
pub fn type_models(desc: &Description, keys: &[&str]) -> Value {
    let mut builder = Builder {
        desc,
        seen: Vec::new(),
        types: Vec::new(),
    };
    keys.iter()
        .map(|key| match find_type(desc, key) {
            Some(id) => {
                builder.define(id);
                builder
                    .types
                    .iter()
                    .find(|t| t["key"] == *key)
                    .cloned()
                    .unwrap_or(Value::Null)
            }
            None => Value::Null,
        })
        .collect()
}

/// The key of a named type: `OWNER#NAME` (see the module docs).
pub fn type_key(desc: &Description, id: TypeId) -> String {
    let def = &desc.resolve.types[id];
    let owner = match def.owner {
        TypeOwner::Interface(iface) => interface_name(desc, iface),
        TypeOwner::World(_) | TypeOwner::None => String::new(),
    };
    format!("{owner}#{}", def.name.as_deref().unwrap_or(""))
}

/// The record, variant, enum, flags or resource type with the key `key`,
/// if the world has one.
pub fn find_type(desc: &Description, key: &str) -> Option<TypeId> {
    let (_, name) = key.rsplit_once('#')?;
    desc.resolve.types.iter().find_map(|(id, def)| {
        let is_class = matches!(
            def.kind,
            TypeDefKind::Record(_)
                | TypeDefKind::Variant(_)
                | TypeDefKind::Enum(_)
                | TypeDefKind::Flags(_)
                | TypeDefKind::Resource
        );
        (is_class && def.name.as_deref() == Some(name) && type_key(desc, id) == key).then_some(id)
    })
}

/// The full name of an interface; an inline interface (`export x:
/// interface { … }`) goes by its name in the world.
fn interface_name(desc: &Description, iface: InterfaceId) -> String {
    if let Some(name) = desc.resolve.id_of(iface) {
        return name;
    }
    let world = desc.world();
    world
        .imports
        .iter()
        .chain(world.exports.iter())
        .find_map(|(key, item)| match item {
            WorldItem::Interface { id, .. } if *id == iface => Some(desc.key_name(key)),
            _ => None,
        })
        .unwrap_or_default()
}

fn docs(docs: &Docs) -> Value {
    docs.contents.as_deref().map_or(Value::Null, |d| json!(d))
}

struct Builder<'a> {
    desc: &'a Description,
    /// The named types described so far, in the order met.
    seen: Vec<TypeId>,
    types: Vec<Value>,
}

impl Builder<'_> {
    fn items(&mut self, items: &wit_parser::IndexMap<WorldKey, WorldItem>) -> Vec<Value> {
        let mut out = Vec::new();
        for (key, item) in items {
            let name = self.desc.key_name(key);
            match item {
                WorldItem::Interface { id, docs: at, .. } => {
                    out.push(self.interface(&name, *id, at));
                }
                WorldItem::Function(f) => out.push(json!({
                    "kind": "function",
                    "name": name,
                    "attr": names::snake(&name),
                    "function": self.function(f),
                })),
                WorldItem::Type { .. } => {}
            }
        }
        out
    }

    fn interface(&mut self, name: &str, id: InterfaceId, at: &Docs) -> Value {
        let resolve = &self.desc.resolve;
        let iface = &resolve.interfaces[id];
        let types: Vec<Value> = iface
            .types
            .iter()
            .map(|(local, ty)| {
                json!({"name": local, "class": names::pascal(local), "type": self.reference(&Type::Id(*ty))})
            })
            .collect();
        let functions: Vec<Value> = iface.functions.values().map(|f| self.function(f)).collect();
        // The doc comment of the interface, else that of the import/export line.
        let doc = match docs(&iface.docs) {
            Value::Null => docs(at),
            d => d,
        };
        json!({
            "kind": "interface",
            "name": name,
            "attr": names::interface_attr(name),
            "docs": doc,
            "wasi": wasi::is_provided(name),
            "types": types,
            "functions": functions,
        })
    }

    fn function(&mut self, f: &Function) -> Value {
        let kind = match f.kind {
            FunctionKind::Freestanding => "freestanding",
            FunctionKind::Constructor(_) => "constructor",
            FunctionKind::Method(_) => "method",
            FunctionKind::Static(_) => "static",
            FunctionKind::AsyncFreestanding => "async-freestanding",
            FunctionKind::AsyncMethod(_) => "async-method",
            FunctionKind::AsyncStatic(_) => "async-static",
        };
        let resource = f.kind.resource().map(|r| self.resource_key(r));
        let params: Vec<Value> = f
            .params
            .iter()
            .map(|p| json!({"name": p.name, "py": names::snake(&p.name), "type": self.reference(&p.ty)}))
            .collect();
        json!({
            "name": f.name,
            "py": names::snake(f.item_name()),
            "kind": kind,
            "resource": resource,
            "params": params,
            "result": f.result.as_ref().map(|t| self.reference(t)),
            "docs": docs(&f.docs),
            "wit": wit_text::signature(&self.desc.resolve, f),
        })
    }

    /// The key of a resource, through any `use` aliases of it.
    fn resource_key(&mut self, resource: TypeId) -> Value {
        let resource = match self.desc.unalias(Type::Id(resource)) {
            Type::Id(id) => id,
            _ => resource,
        };
        self.define(resource);
        json!(type_key(self.desc, resource))
    }

    /// A reference to `ty`, describing the named types it mentions.
    fn reference(&mut self, ty: &Type) -> Value {
        let id = match ty {
            Type::Bool => return json!("bool"),
            Type::U8 => return json!("u8"),
            Type::U16 => return json!("u16"),
            Type::U32 => return json!("u32"),
            Type::U64 => return json!("u64"),
            Type::S8 => return json!("s8"),
            Type::S16 => return json!("s16"),
            Type::S32 => return json!("s32"),
            Type::S64 => return json!("s64"),
            Type::F32 => return json!("f32"),
            Type::F64 => return json!("f64"),
            Type::Char => return json!("char"),
            Type::String => return json!("string"),
            Type::ErrorContext => return json!({"unsupported": "error-context"}),
            Type::Id(id) => *id,
        };
        let def = &self.desc.resolve.types[id];
        match (&def.name, &def.kind) {
            // `use a.{b}` names the same type under the same name: not a type of its own.
            (Some(name), TypeDefKind::Type(Type::Id(target)))
                if self.desc.resolve.types[*target].name.as_ref() == Some(name) =>
            {
                self.reference(&Type::Id(*target))
            }
            (Some(_), _) => {
                self.define(id);
                json!({"ref": type_key(self.desc, id)})
            }
            (None, kind) => self.structure(kind),
        }
    }

    /// The reference form of an anonymous type (or of what an alias stands for).
    fn structure(&mut self, kind: &TypeDefKind) -> Value {
        match kind {
            TypeDefKind::List(t) => json!({"list": self.reference(t)}),
            TypeDefKind::Tuple(t) => {
                json!({"tuple": t.types.iter().map(|t| self.reference(t)).collect::<Vec<_>>()})
            }
            TypeDefKind::Option(t) => json!({"option": self.reference(t)}),
            TypeDefKind::Result(r) => json!({"result": {
                "ok": r.ok.as_ref().map(|t| self.reference(t)),
                "err": r.err.as_ref().map(|t| self.reference(t)),
            }}),
            TypeDefKind::Handle(Handle::Own(r)) => json!({"own": self.resource_key(*r)}),
            TypeDefKind::Handle(Handle::Borrow(r)) => json!({"borrow": self.resource_key(*r)}),
            TypeDefKind::Type(t) => self.reference(t),
            other => json!({"unsupported": other.as_str()}),
        }
    }

    /// Describes the named type `id` once, after (and so before any type
    /// that refers to it) the types it refers to.
    fn define(&mut self, id: TypeId) {
        if self.seen.contains(&id) {
            return;
        }
        self.seen.push(id);
        let desc = self.desc;
        let def = &desc.resolve.types[id];
        let name = def.name.clone().unwrap_or_default();
        let class = names::pascal(&name);
        let (kind, detail) = match &def.kind {
            TypeDefKind::Record(r) => {
                let fields: Vec<Value> = r
                    .fields
                    .iter()
                    .map(|f| json!({"name": f.name, "py": names::snake(&f.name), "type": self.reference(&f.ty), "docs": docs(&f.docs)}))
                    .collect();
                ("record", json!({"fields": fields}))
            }
            TypeDefKind::Variant(v) => {
                let cases: Vec<Value> = v
                    .cases
                    .iter()
                    .map(|c| {
                        let case = names::pascal(&c.name);
                        json!({
                            "name": c.name,
                            "attr": case,
                            "class": format!("{class}{case}"),
                            "type": c.ty.as_ref().map(|t| self.reference(t)),
                            "docs": docs(&c.docs),
                        })
                    })
                    .collect();
                ("variant", json!({"cases": cases}))
            }
            TypeDefKind::Enum(e) => {
                let cases: Vec<Value> = e
                    .cases
                    .iter()
                    .map(|c| json!({"name": c.name, "py": names::upper(&c.name), "docs": docs(&c.docs)}))
                    .collect();
                ("enum", json!({"cases": cases}))
            }
            TypeDefKind::Flags(f) => {
                let flags: Vec<Value> = f
                    .flags
                    .iter()
                    .map(|f| json!({"name": f.name, "py": names::upper(&f.name), "docs": docs(&f.docs)}))
                    .collect();
                ("flags", json!({"flags": flags}))
            }
            TypeDefKind::Resource => (
                "resource",
                json!({"exported": desc.is_exported_resource(id)}),
            ),
            other => ("alias", json!({"target": self.structure(other)})),
        };
        let key = type_key(desc, id);
        let owner = key.rsplit_once('#').map_or("", |(owner, _)| owner);
        let mut model = json!({
            "key": key,
            "owner": owner,
            "name": name,
            "class": class,
            "kind": kind,
            "docs": docs(&def.docs),
        });
        if let (Value::Object(model), Value::Object(detail)) = (&mut model, detail) {
            model.extend(detail);
        }
        self.types.push(model);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(wit: &str) -> (Description, Value) {
        let mut resolve = wit_parser::Resolve::default();
        let pkg = resolve.push_str("t.wit", wit).unwrap();
        let world = resolve.select_world(&[pkg], None).unwrap();
        let desc = Description { resolve, world };
        let model = world_model(&desc);
        (desc, model)
    }

    #[test]
    fn uses_follow_to_the_type_and_renames_make_aliases() {
        let (desc, m) = model(
            "package t:p@1.0.0;
             interface types { record pt { x: u32 } type id = u64; }
             interface api {
               use types.{pt, id, pt as point};
               resource counter { constructor(start: s64); get: func() -> id; }
               f: func(a: pt, b: point, c: list<id>, d: borrow<counter>) -> option<counter>;
             }
             world w { export api; }",
        );
        let api = &m["exports"][0];
        assert_eq!(api["name"], "t:p/api@1.0.0");
        assert_eq!(api["attr"], "api");
        let f = &api["functions"].as_array().unwrap().last().unwrap();
        assert_eq!(f["params"][0]["type"], json!({"ref": "t:p/types@1.0.0#pt"}));
        assert_eq!(
            f["params"][1]["type"],
            json!({"ref": "t:p/api@1.0.0#point"})
        );
        assert_eq!(
            f["params"][2]["type"],
            json!({"list": {"ref": "t:p/types@1.0.0#id"}})
        );
        assert_eq!(
            f["params"][3]["type"],
            json!({"borrow": "t:p/api@1.0.0#counter"})
        );
        assert_eq!(
            f["result"],
            json!({"option": {"own": "t:p/api@1.0.0#counter"}})
        );
        let kinds: Vec<(&str, &str)> = m["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["key"].as_str().unwrap(), t["kind"].as_str().unwrap()))
            .collect();
        assert!(kinds.contains(&("t:p/types@1.0.0#pt", "record")));
        assert!(kinds.contains(&("t:p/types@1.0.0#id", "alias")));
        assert!(kinds.contains(&("t:p/api@1.0.0#point", "alias")));
        assert!(kinds.contains(&("t:p/api@1.0.0#counter", "resource")));
        let models = type_models(&desc, &["t:p/types@1.0.0#pt", "t:p/types@1.0.0#id", "x#y"]);
        assert_eq!(models[0]["fields"][0]["name"], "x");
        assert_eq!(models[1], Value::Null, "aliases are no classes");
        assert_eq!(models[2], Value::Null);
        let pt = find_type(&desc, "t:p/types@1.0.0#pt").unwrap();
        assert_eq!(desc.type_name(pt), Some("pt"));
        assert!(
            find_type(&desc, "t:p/types@1.0.0#id").is_none(),
            "aliases are no classes"
        );
        assert!(find_type(&desc, "t:p/api@1.0.0#pt").is_none());
    }

    #[test]
    fn names_are_the_runtimes() {
        let (_, m) = model(
            "package t:p;
             interface i {
               /// Shapes.
               variant shape { circle(f64), empty }
               enum color { light-yellow }
               flags perms { read, %type }
               record kw { %type: u32, class: string }
               %type: func(class: u32) -> result<kw, color>;
             }
             world w { export i; }",
        );
        let types = m["types"].as_array().unwrap();
        let shape = types.iter().find(|t| t["name"] == "shape").unwrap();
        assert_eq!(shape["docs"], "Shapes.");
        assert_eq!(shape["cases"][0]["class"], "ShapeCircle");
        assert_eq!(shape["cases"][0]["attr"], "Circle");
        assert_eq!(shape["cases"][1]["type"], Value::Null);
        let color = types.iter().find(|t| t["name"] == "color").unwrap();
        assert_eq!(color["cases"][0]["py"], "LIGHT_YELLOW");
        let perms = types.iter().find(|t| t["name"] == "perms").unwrap();
        assert_eq!(perms["flags"][1]["py"], "TYPE");
        let kw = types.iter().find(|t| t["name"] == "kw").unwrap();
        assert_eq!(kw["fields"][0]["py"], "type_");
        assert_eq!(kw["fields"][1]["py"], "class_");
        let f = &m["exports"][0]["functions"][0];
        assert_eq!(f["py"], "type_");
        assert_eq!(f["params"][0]["py"], "class_");
        assert_eq!(f["wit"], "type: func(class: u32) -> result<kw, color>");
        assert_eq!(
            f["result"],
            json!({"result": {"ok": {"ref": "t:p/i#kw"}, "err": {"ref": "t:p/i#color"}}})
        );
    }

    #[test]
    fn world_functions_and_types() {
        let (_, m) = model(
            "package t:p;
             world w {
               record pt { x: u32 }
               import log: func(msg: string);
               export origin: func() -> pt;
             }",
        );
        assert_eq!(m["imports"][0]["kind"], "function");
        assert_eq!(m["imports"][0]["function"]["name"], "log");
        assert_eq!(m["exports"][0]["function"]["result"], json!({"ref": "#pt"}));
        assert_eq!(m["world_types"][0]["type"], json!({"ref": "#pt"}));
    }
}
