//! Compiling WIT types into converter trees.

use pyo3::exceptions::PyNotImplementedError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use witbridge_core::describe::Description;
use witbridge_core::names;
use witbridge_core::wit_parser::{Handle, Type, TypeDefKind, TypeId, TypeOwner, WorldItem};
use witbridge_core::wit_text::type_expr;

use super::*;
use crate::classes::{TypeClass, TypeClasses};

/// Builds converters for the types of one component.
pub struct Builder<'a, 'py> {
    pub py: Python<'py>,
    pub desc: &'a Description,
    pub classes: &'a TypeClasses,
}

impl Builder<'_, '_> {
    /// The converter for `ty`.
    pub fn build(&self, ty: &Type) -> PyResult<Converter> {
        Ok(match self.desc.unalias(*ty) {
            Type::Bool => Converter::Bool(BoolConverter),
            Type::U8 => Converter::Int(IntConverter::new(IntKind::U8)),
            Type::U16 => Converter::Int(IntConverter::new(IntKind::U16)),
            Type::U32 => Converter::Int(IntConverter::new(IntKind::U32)),
            Type::U64 => Converter::Int(IntConverter::new(IntKind::U64)),
            Type::S8 => Converter::Int(IntConverter::new(IntKind::S8)),
            Type::S16 => Converter::Int(IntConverter::new(IntKind::S16)),
            Type::S32 => Converter::Int(IntConverter::new(IntKind::S32)),
            Type::S64 => Converter::Int(IntConverter::new(IntKind::S64)),
            Type::F32 => Converter::Float(FloatConverter::f32()),
            Type::F64 => Converter::Float(FloatConverter::f64()),
            Type::Char => Converter::Char(CharConverter),
            Type::String => Converter::String(StringConverter),
            Type::ErrorContext => return Err(unsupported("error-context")),
            Type::Id(id) => self.build_def(id)?,
        })
    }

    fn wit(&self, ty: &Type) -> String {
        type_expr(&self.desc.resolve, ty)
    }

    fn boxed(&self, ty: &Type) -> PyResult<Box<Converter>> {
        self.build(ty).map(Box::new)
    }

    fn class(&self, id: TypeId) -> PyResult<TypeClass> {
        self.classes
            .get(self.py, self.desc, id)?
            .ok_or_else(|| unsupported(self.desc.resolve.types[id].kind.as_str()))
    }

    fn build_def(&self, id: TypeId) -> PyResult<Converter> {
        let py = self.py;
        let def = &self.desc.resolve.types[id];
        let wit = self.wit(&Type::Id(id));
        Ok(match &def.kind {
            // `bytes`, also when the element is an alias of u8 (DESIGN §3).
            TypeDefKind::List(item) if self.desc.unalias(*item) == Type::U8 => {
                Converter::Bytes(BytesConverter)
            }
            TypeDefKind::List(item) if let Some(scalar) = self.scalar(item) => {
                Converter::Numbers(NumbersConverter {
                    expected: format!("{wit} (a list or other sequence)"),
                    item: scalar,
                })
            }
            TypeDefKind::List(item) => {
                let item = self.boxed(item)?;
                let numeric = match &*item {
                    Converter::Record(record) => NumericRecord::of(record),
                    _ => None,
                };
                Converter::List(ListConverter {
                    item,
                    expected: format!("{wit} (a list or other sequence)"),
                    numeric,
                })
            }
            TypeDefKind::Tuple(tuple) => Converter::Tuple(TupleConverter {
                items: tuple
                    .types
                    .iter()
                    .map(|t| self.build(t))
                    .collect::<PyResult<_>>()?,
                wit,
            }),
            TypeDefKind::Option(inner) => Converter::Option(OptionConverter {
                inner: self.boxed(inner)?,
                nested: self.is_option(inner),
                wit,
            }),
            TypeDefKind::Result(r) => Converter::Result(ResultConverter {
                ok: r.ok.as_ref().map(|t| self.boxed(t)).transpose()?,
                err: r.err.as_ref().map(|t| self.boxed(t)).transpose()?,
                expected: format!("{wit} (witbridge.Ok or witbridge.Err)"),
            }),
            TypeDefKind::Record(record) => {
                let TypeClass::Record(class) = self.class(id)? else {
                    unreachable!()
                };
                let fields = record
                    .fields
                    .iter()
                    .map(|f| {
                        Ok(Field {
                            py_name: PyString::intern(py, &names::snake(&f.name)).unbind(),
                            wit_name: f.name.clone(),
                            wit_key: PyString::intern(py, &f.name).unbind(),
                            conv: self.build(&f.ty)?,
                        })
                    })
                    .collect::<PyResult<Vec<_>>>()?;
                let attrs: Vec<String> = record
                    .fields
                    .iter()
                    .map(|f| names::snake(&f.name))
                    .collect();
                let class_name = class.bind(py).name()?.to_string();
                let own = class
                    .bind(py)
                    .getattr("__dict__")?
                    .get_item("__wit_plain__");
                let plain_init = own.ok().map(Bound::unbind);
                let slots = match plain_init {
                    Some(_) => super::record::Slots::of(class.bind(py), &fields)?,
                    None => None,
                };
                Converter::Record(RecordConverter {
                    plain_init,
                    slots,
                    expected: format!(
                        "record {wit} ({class_name}, a dict or an object with attributes {})",
                        attrs.join(", ")
                    ),
                    class,
                    fields,
                })
            }
            TypeDefKind::Variant(variant) => {
                let TypeClass::Variant(_, classes) = self.class(id)? else {
                    unreachable!()
                };
                let mut names_list = Vec::new();
                let cases = variant
                    .cases
                    .iter()
                    .zip(classes)
                    .map(|(case, class)| {
                        names_list.push(class.bind(py).name()?.to_string());
                        Ok(Case {
                            class,
                            wit_name: case.name.clone(),
                            payload: case.ty.as_ref().map(|t| self.build(t)).transpose()?,
                        })
                    })
                    .collect::<PyResult<Vec<_>>>()?;
                Converter::Variant(VariantConverter {
                    cases,
                    expected: format!("variant {wit} (one of {})", names_list.join(", ")),
                })
            }
            TypeDefKind::Enum(e) => {
                let TypeClass::Enum(class) = self.class(id)? else {
                    unreachable!()
                };
                let class = class.bind(py);
                let members = e
                    .cases
                    .iter()
                    .map(|c| {
                        Ok((
                            c.name.clone(),
                            class.getattr(names::upper(&c.name))?.unbind(),
                        ))
                    })
                    .collect::<PyResult<Vec<_>>>()?;
                let quoted: Vec<String> = e.cases.iter().map(|c| format!("'{}'", c.name)).collect();
                Converter::Enum(EnumConverter {
                    wit_name: wit.clone(),
                    members,
                    expected: format!(
                        "enum {wit} ({} or one of {})",
                        class.name()?,
                        quoted.join(", ")
                    ),
                })
            }
            TypeDefKind::Flags(f) => {
                let TypeClass::Flags(class) = self.class(id)? else {
                    unreachable!()
                };
                let quoted: Vec<String> = f.flags.iter().map(|f| format!("'{}'", f.name)).collect();
                Converter::Flags(FlagsConverter {
                    expected: format!(
                        "flags {wit} ({} or a set of {})",
                        class.bind(py).name()?,
                        quoted.join(", ")
                    ),
                    class,
                    names: f.flags.iter().map(|f| f.name.clone()).collect(),
                })
            }
            TypeDefKind::Handle(Handle::Own(r)) => self.handle(*r, true)?,
            TypeDefKind::Handle(Handle::Borrow(r)) => self.handle(*r, false)?,
            TypeDefKind::Type(t) => self.build(t)?,
            kind => return Err(unsupported(kind.as_str())),
        })
    }

    fn handle(&self, resource: TypeId, own: bool) -> PyResult<Converter> {
        // A resource that an interface `use`s is an alias of the original.
        let resource = match self.desc.unalias(Type::Id(resource)) {
            Type::Id(id) => id,
            _ => resource,
        };
        let name = self.desc.type_name(resource).unwrap_or("resource");
        let expected = format!(
            "{}{name} (a {} object)",
            if own { "" } else { "borrow of " },
            names::pascal(name)
        );
        let guest = GuestResourceConverter {
            resource,
            own,
            expected: expected.clone(),
        };
        if !self.desc.is_exported_resource(resource) {
            return Ok(Converter::HostResource(HostResourceConverter {
                resource,
                own,
                expected,
                wit_name: name.to_owned(),
                guest: None,
            }));
        }
        if !self.is_imported_resource(resource) {
            return Ok(Converter::GuestResource(guest));
        }
        // An interface both imported and exported (`import test; export
        // test;`) has one WIT type for two resources: the host's and the
        // guest's. Which one a value is shows at run time: a host object or
        // a `Resource` of the export's class going in, the kind of handle
        // (host table or guest) coming out; wasmtime checks that the handle
        // suits the place it is lowered into.
        Ok(Converter::HostResource(HostResourceConverter {
            resource,
            own,
            expected: format!(
                "{}{name} (a {} object, or an object of the class implementing the imported {name})",
                if own { "" } else { "borrow of " },
                names::pascal(name)
            ),
            wit_name: name.to_owned(),
            guest: Some(Box::new(guest)),
        }))
    }

    /// Whether `resource` belongs to an interface the world imports.
    fn is_imported_resource(&self, resource: TypeId) -> bool {
        let TypeOwner::Interface(owner) = self.desc.resolve.types[resource].owner else {
            return false;
        };
        self.desc
            .world()
            .imports
            .values()
            .any(|item| matches!(item, WorldItem::Interface { id, .. } if *id == owner))
    }

    /// A list's element when it is a scalar a tape holds as one run.
    fn scalar(&self, ty: &Type) -> Option<Scalar> {
        Some(match self.desc.unalias(*ty) {
            Type::Bool => Scalar::Bool(BoolConverter),
            Type::Char => Scalar::Char(CharConverter),
            Type::F32 => Scalar::Float(FloatConverter::f32()),
            Type::F64 => Scalar::Float(FloatConverter::f64()),
            Type::Id(_) | Type::String | Type::ErrorContext => return None,
            other => match self.build(&other).ok()? {
                Converter::Int(int) => Scalar::Int(int),
                _ => return None,
            },
        })
    }

    fn is_option(&self, ty: &Type) -> bool {
        match self.desc.unalias(*ty) {
            Type::Id(id) => matches!(self.desc.resolve.types[id].kind, TypeDefKind::Option(_)),
            _ => false,
        }
    }
}

fn unsupported(kind: &str) -> PyErr {
    PyNotImplementedError::new_err(format!("witbridge does not support WIT `{kind}` types yet"))
}
