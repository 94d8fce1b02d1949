//! witbridge's own canonical ABI: values pass between a host's staged form
//! and a guest's linear memory with one copy, never one object per element.
//!
//! wasmtime's dynamic `Val` API turns every value into a tree of `Val`s,
//! which it walks and type-checks again, element by element: a `bytes` of
//! 1 MiB becomes a million boxed values. Instead, a host language stages a
//! value on a [`Tape`](tape::Tape) (a pre-order list of words, byte runs and
//! resource handles, where a `list<u8>` or a `string` is one run borrowed
//! from the host's own object), and this module moves tapes in and out of
//! the guest:
//!
//! ```text
//!   host value --(host's converters)--> Tape --store--> guest memory / flat args
//!   guest memory / flat results --load--> Tape --(host's converters)--> host value
//! ```
//!
//! [`store`] and [`load`] are driven by wasmtime's own description of the
//! function's types (`InterfaceType`), so what they write and read is laid
//! out exactly as the guest expects whatever the host's converters did. The
//! host's converters are built from the component's WIT (wit-parser's
//! `Type`); [`typecheck`] proves, once per function, that the two describe
//! the same types, so that the tape a converter writes is the tape `store`
//! reads.
//!
//! The seam with wasmtime is its typed API, whose traits (`ComponentType`,
//! `Lower`, `Lift`) are public but doc-hidden, as its own derive macros use
//! them from user crates: [`export`] calls a guest's export with
//! `TypedFunc`, [`host`] defines host functions with `func_wrap`. Because
//! the items are doc-hidden, the workspace pins wasmtime to an exact
//! version. [`reference`] converts tapes to and from `Val`s, so that tests
//! and fuzzers can run every signature through wasmtime's own
//! implementation as well and compare.

pub mod export;
pub mod host;
pub mod load;
pub mod reference;
mod scope;
pub mod store;
pub mod strings;
pub mod tape;
pub mod typecheck;

pub use self::load::{LoadOptions, TransferLimit};
pub use self::tape::{Handle, Tape, TapeReader, Text};

use wasmtime::component::__internal::{ComponentTypes, InterfaceType};

/// The size in bytes of one element of a `list<T>` whose `T` is a plain
/// scalar, which a tape holds as one run of little-endian bytes; `None`
/// for every other `T`.
pub fn scalar_size(ty: &InterfaceType) -> Option<usize> {
    Some(match ty {
        InterfaceType::Bool | InterfaceType::U8 | InterfaceType::S8 => 1,
        InterfaceType::U16 | InterfaceType::S16 => 2,
        InterfaceType::U32 | InterfaceType::S32 | InterfaceType::Float32 | InterfaceType::Char => 4,
        InterfaceType::U64 | InterfaceType::S64 | InterfaceType::Float64 => 8,
        _ => return None,
    })
}

/// Whether `ty` is a record whose fields are all integers or floats (a
/// `point { x: s32, y: s32 }`): every byte pattern of its fields is a valid
/// value, so a tape holds a `list` of them as one run, the elements as the
/// guest stores them (see the tape's module docs), which needs no check
/// in either direction.
pub fn numeric_record(types: &ComponentTypes, ty: &InterfaceType) -> bool {
    let InterfaceType::Record(i) = ty else {
        return false;
    };
    let fields = &types[*i].fields;
    !fields.is_empty()
        && fields.iter().all(|f| {
            matches!(
                f.ty,
                InterfaceType::U8
                    | InterfaceType::S8
                    | InterfaceType::U16
                    | InterfaceType::S16
                    | InterfaceType::U32
                    | InterfaceType::S32
                    | InterfaceType::U64
                    | InterfaceType::S64
                    | InterfaceType::Float32
                    | InterfaceType::Float64
            )
        })
}

/// The number of flat core values of `ty`, which fits every type that is
/// part of a flat signature.
fn flat_count(types: &ComponentTypes, ty: &InterfaceType) -> usize {
    usize::from(types.canonical_abi(ty).flat_count.unwrap_or(u8::MAX))
}

/// Where each field of a record or tuple type `ty` is stored, from the start
/// of one value, with its type; `None` for every other type. Worked out once
/// for a list of them, rather than once per element.
fn field_offsets(
    types: &ComponentTypes,
    ty: &InterfaceType,
) -> Option<Vec<(usize, InterfaceType)>> {
    let fields: Vec<InterfaceType> = match ty {
        InterfaceType::Record(i) => types[*i].fields.iter().map(|f| f.ty).collect(),
        InterfaceType::Tuple(i) => types[*i].types.to_vec(),
        _ => return None,
    };
    let mut at = 0;
    Some(
        fields
            .into_iter()
            .map(|ty| (types.canonical_abi(&ty).next_field32_size(&mut at), ty))
            .collect(),
    )
}

/// One scalar inside a plain record or tuple (see [`plain_leaves`]), by how
/// its bytes become a tape word and back. Floats travel as their bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leaf {
    Bool,
    U8,
    S8,
    U16,
    S16,
    /// `u32` and `f32`.
    U32,
    S32,
    /// `u64`, `s64` and `f64`.
    W64,
    Char,
}

impl Leaf {
    fn of(ty: &InterfaceType) -> Option<Leaf> {
        Some(match ty {
            InterfaceType::Bool => Leaf::Bool,
            InterfaceType::U8 => Leaf::U8,
            InterfaceType::S8 => Leaf::S8,
            InterfaceType::U16 => Leaf::U16,
            InterfaceType::S16 => Leaf::S16,
            InterfaceType::U32 | InterfaceType::Float32 => Leaf::U32,
            InterfaceType::S32 => Leaf::S32,
            InterfaceType::U64 | InterfaceType::S64 | InterfaceType::Float64 => Leaf::W64,
            InterfaceType::Char => Leaf::Char,
            _ => return None,
        })
    }
}

/// The scalars of a record or tuple made only of scalars (nested records
/// and tuples included), in the order a tape holds them, each with where
/// it is stored from the start of one value; `None` for any other type.
///
/// A list of such values (`list<point>`) is read and written by a loop
/// over this table, without walking the type for every element.
fn plain_leaves(types: &ComponentTypes, ty: &InterfaceType) -> Option<Vec<(usize, Leaf)>> {
    fn walk(
        types: &ComponentTypes,
        ty: &InterfaceType,
        base: usize,
        out: &mut Vec<(usize, Leaf)>,
    ) -> Option<()> {
        if let Some(leaf) = Leaf::of(ty) {
            out.push((base, leaf));
            return Some(());
        }
        for (at, field) in field_offsets(types, ty)? {
            walk(types, &field, base + at, out)?;
        }
        Some(())
    }
    if Leaf::of(ty).is_some() {
        return None; // a list of scalars is one run of bytes instead
    }
    let mut out = Vec::new();
    walk(types, ty, 0, &mut out)?;
    Some(out)
}

/// An error that means witbridge itself is wrong, never the guest or the
/// caller; still an error rather than a panic.
#[cold]
fn internal(what: impl std::fmt::Display) -> wasmtime::Error {
    wasmtime::format_err!("witbridge internal error: {what}")
}

#[cfg(test)]
mod tests;
