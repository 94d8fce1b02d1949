//! A component's interface, as a WIT world.
//!
//! wasmtime's own component types are structural: they know a record's
//! fields but not that the record is called `point`. Python users want named
//! classes (`mi.Point`), so witbridge describes a component with wit-parser's
//! [`Resolve`], decoded from the component binary, which keeps every name and
//! doc comment.

use wit_parser::{
    Function, FunctionKind, InterfaceId, Resolve, Type, TypeDefKind, TypeId, TypeOwner, World,
    WorldId, WorldItem, WorldKey,
};

use crate::error::{LoadError, chain};

/// The WIT world of one component.
#[derive(Debug, Clone)]
pub struct Description {
    /// Every package, interface and type the world refers to.
    pub resolve: Resolve,
    /// The component's own world inside `resolve`.
    pub world: WorldId,
}

/// One import or export of a world.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    /// An interface: a namespace of functions and types.
    Interface {
        /// Its full WIT name, `xyz:machine/machine-interface` (with `@version`
        /// when it has one), or the plain name of an inline interface.
        name: &'a WorldKey,
        /// Where it lives in the resolve.
        id: InterfaceId,
    },
    /// A function at the root of the world.
    Function(&'a Function),
}

impl Description {
    /// Decodes the WIT world of a component binary.
    pub fn decode(component: &[u8]) -> Result<Self, LoadError> {
        match decode_wasm(component) {
            Ok(wit_parser::decoding::DecodedWasm::Component(resolve, world)) => {
                Ok(Description { resolve, world })
            }
            Ok(wit_parser::decoding::DecodedWasm::WitPackage(..)) => Err(LoadError::Compile(
                "this is a WIT package encoded as wasm, not a runnable component".into(),
            )),
            Err(e) => Err(LoadError::compile(
                "cannot read the component's interface as WIT",
                chain(&e),
            )),
        }
    }

    /// The world itself.
    pub fn world(&self) -> &World {
        &self.resolve.worlds[self.world]
    }

    /// The full WIT name of a world key (`xyz:machine/machine-interface`).
    pub fn key_name(&self, key: &WorldKey) -> String {
        self.resolve.name_world_key(key)
    }

    /// The world's exports, in declaration order.
    pub fn exports(&self) -> Vec<(String, Item<'_>)> {
        self.items(&self.world().exports)
    }

    /// The world's imports, in declaration order (types are left out).
    pub fn imports(&self) -> Vec<(String, Item<'_>)> {
        self.items(&self.world().imports)
    }

    fn items<'a>(
        &'a self,
        items: &'a wit_parser::IndexMap<WorldKey, WorldItem>,
    ) -> Vec<(String, Item<'a>)> {
        items
            .iter()
            .filter_map(|(key, item)| {
                let item = match item {
                    WorldItem::Interface { id, .. } => Item::Interface { name: key, id: *id },
                    WorldItem::Function(func) => Item::Function(func),
                    WorldItem::Type { .. } => return None,
                };
                Some((self.key_name(key), item))
            })
            .collect()
    }

    /// The freestanding functions of an interface (resource methods are
    /// reached through their resource).
    pub fn interface_functions(&self, id: InterfaceId) -> Vec<&Function> {
        self.resolve.interfaces[id]
            .functions
            .values()
            .filter(|f| matches!(f.kind, FunctionKind::Freestanding))
            .collect()
    }

    /// The named types an interface defines or `use`s, by their WIT name,
    /// with `use` and `type x = y` aliases followed to the real definition.
    pub fn interface_types(&self, id: InterfaceId) -> Vec<(&str, Type)> {
        self.resolve.interfaces[id]
            .types
            .iter()
            .map(|(name, ty)| (name.as_str(), self.unalias(Type::Id(*ty))))
            .collect()
    }

    /// The named types declared at the root of the world.
    pub fn world_types(&self) -> Vec<(&str, Type)> {
        let world = self.world();
        world
            .imports
            .iter()
            .chain(world.exports.iter())
            .filter_map(|(key, item)| match (key, item) {
                (WorldKey::Name(name), WorldItem::Type { id, .. }) => {
                    Some((name.as_str(), self.unalias(Type::Id(*id))))
                }
                _ => None,
            })
            .collect()
    }

    /// Follows `type a = b` and `use` chains to the type they stand for.
    pub fn unalias(&self, mut ty: Type) -> Type {
        while let Type::Id(id) = ty {
            match &self.resolve.types[id].kind {
                TypeDefKind::Type(inner) => ty = *inner,
                _ => break,
            }
        }
        ty
    }

    /// Whether `resource` is defined by an interface the component exports
    /// (the guest implements it) rather than one it imports.
    pub fn is_exported_resource(&self, resource: TypeId) -> bool {
        let TypeOwner::Interface(owner) = self.resolve.types[resource].owner else {
            return false;
        };
        self.world()
            .exports
            .values()
            .any(|item| matches!(item, WorldItem::Interface { id, .. } if *id == owner))
    }

    /// The WIT name of a type definition, if it has one.
    pub fn type_name(&self, id: TypeId) -> Option<&str> {
        self.resolve.types[id].name.as_deref()
    }
}

/// `wit_parser::decoding::decode`, safe on truncated or hostile input.
///
/// That function reads through a streaming parser that, when a section
/// claims more bytes than follow, zero-fills a buffer of the claimed size
/// before it notices the input has ended: eight bytes of header and a
/// section size of 4 GiB make it allocate 4 GiB (found by `cargo fuzz run
/// load_bytes`). Parsing the whole input first, which checks every section's
/// size against the bytes there are, turns that into an error; `decode` then
/// never runs short of data.
pub(crate) fn decode_wasm(bytes: &[u8]) -> anyhow::Result<wit_parser::decoding::DecodedWasm> {
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        payload?;
    }
    wit_parser::decoding::decode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::component_bytes;

    fn describe(wat: &str, wit: &str) -> Description {
        let dir = std::env::temp_dir().join(format!("witbridge-describe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.wit", wit.len()));
        std::fs::write(&path, wit).unwrap();
        let source = crate::load::WitSource { path, world: None };
        let bytes = component_bytes(wat.as_bytes(), Some(&source)).unwrap();
        Description::decode(&bytes).unwrap()
    }

    #[test]
    fn lists_exports_functions_and_types() {
        let d = describe(
            r#"(module
                 (memory (export "memory") 1)
                 (func (export "t:p/api#origin") (result i32) i32.const 0)
                 (func (export "answer") (result i32) i32.const 42))"#,
            "package t:p;
             interface api { record pt { x: u32, y: u32 } type alias = pt; origin: func() -> alias; }
             world w { export api; export answer: func() -> u32; }",
        );
        let exports = d.exports();
        let mut names: Vec<&str> = exports.iter().map(|(n, _)| n.as_str()).collect();
        names.sort();
        assert_eq!(names, ["answer", "t:p/api"]);
        let Some(Item::Interface { id, .. }) = exports
            .iter()
            .map(|(_, i)| *i)
            .find(|i| matches!(i, Item::Interface { .. }))
        else {
            panic!("no interface among the exports")
        };
        assert_eq!(d.interface_functions(id)[0].name, "origin");
        let types = d.interface_types(id);
        let Type::Id(pt) = types[0].1 else { panic!() };
        assert_eq!(types[1].1, Type::Id(pt), "the alias resolves to the record");
        assert_eq!(d.type_name(pt), Some("pt"));
    }

    #[test]
    fn garbage_does_not_decode() {
        assert!(Description::decode(b"\0asm\x0d\0\x01\0garbage").is_err());
    }

    #[test]
    fn a_section_longer_than_the_input_is_refused_without_allocating_it() {
        // A component header, then a custom section claiming 0xFFFF_FFF0
        // bytes: decoded naively, a 4 GiB buffer.
        let bytes = b"\0asm\x0d\0\x01\0\x00\xf0\xff\xff\xff\x0f";
        let err = Description::decode(bytes).unwrap_err().to_string();
        assert!(err.contains("unexpected end-of-file"), "{err}");
    }
}
