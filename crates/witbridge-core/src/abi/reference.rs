//! Tapes <-> wasmtime's `Val`s: the reference path.
//!
//! With these, a call can cross into the guest through wasmtime's own
//! canonical ABI (`Func::call`, `func_new`) instead of witbridge's
//! [`store`](super::store) and [`load`](super::load). Nothing runs this way
//! unless asked to (`Linker.instantiate(..., _reference_abi=True)`): it is
//! the oracle that tests and fuzzers compare witbridge's ABI against, value
//! for value and error for error.
//!
//! Driven by wit-parser's types, the ones the host's converters follow.

use wasmtime::AsContextMut;
use wasmtime::component::{ResourceDynamic, Val};
use wit_parser::{Resolve, Type, TypeDefKind};

use super::strings;
use super::tape::{Handle, Tape, TapeReader, Text};

/// The values on `tape` (one per type in `types`) as `Val`s.
pub fn to_vals(
    resolve: &Resolve,
    types: &[Type],
    tape: &Tape,
    mut store: impl AsContextMut,
) -> wasmtime::Result<Vec<Val>> {
    let mut src = tape.reader();
    let mut vals = Vec::with_capacity(types.len());
    for ty in types {
        vals.push(to_val(resolve, ty, &mut src, &mut store)?);
    }
    src.finish()?;
    Ok(vals)
}

/// `vals` (one per type in `types`) onto a new tape. Handles of host
/// resources become [`Handle::Host`], as [`super::load`] makes them.
pub fn from_vals(
    resolve: &Resolve,
    types: &[Type],
    vals: &[Val],
    mut store: impl AsContextMut,
) -> wasmtime::Result<Tape> {
    if vals.len() != types.len() {
        return Err(wasmtime::format_err!(
            "{} values for {} types",
            vals.len(),
            types.len()
        ));
    }
    let mut tape = Tape::new();
    for (ty, val) in types.iter().zip(vals) {
        from_val(resolve, ty, val, &mut tape, &mut store)?;
    }
    Ok(tape)
}

fn unalias(resolve: &Resolve, ty: &Type) -> Type {
    let mut ty = *ty;
    while let Type::Id(id) = ty {
        match &resolve.types[id].kind {
            TypeDefKind::Type(inner) => ty = *inner,
            _ => break,
        }
    }
    ty
}

/// A `list<T>`'s `T`, when it is a scalar the tape holds as one run.
fn scalar(resolve: &Resolve, ty: &Type) -> Option<Type> {
    let ty = unalias(resolve, ty);
    match ty {
        Type::Bool
        | Type::U8
        | Type::U16
        | Type::U32
        | Type::U64
        | Type::S8
        | Type::S16
        | Type::S32
        | Type::S64
        | Type::F32
        | Type::F64
        | Type::Char => Some(ty),
        _ => None,
    }
}

/// A field of a record of numbers: its name, its type and its offset.
type NumericField = (String, Type, usize);

/// The fields of a `list<T>`'s `T` when it is a record of integers and
/// floats, which the tape holds as one run of the elements' memory image:
/// each field's name, type and offset, and the record's size. Laid out
/// here from the WIT, as the canonical ABI does (each field at its natural
/// alignment), independently of `store` and `load`, which take wasmtime's.
fn numeric_record(resolve: &Resolve, ty: &Type) -> Option<(Vec<NumericField>, usize)> {
    let Type::Id(id) = unalias(resolve, ty) else {
        return None;
    };
    let TypeDefKind::Record(record) = &resolve.types[id].kind else {
        return None;
    };
    let (mut end, mut align) = (0usize, 1usize);
    let mut fields = Vec::with_capacity(record.fields.len());
    for field in &record.fields {
        let ty = scalar(resolve, &field.ty).filter(|t| !matches!(t, Type::Bool | Type::Char))?;
        let width = scalar_width(&ty);
        let offset = end.next_multiple_of(width);
        fields.push((field.name.clone(), ty, offset));
        end = offset + width;
        align = align.max(width);
    }
    (!fields.is_empty()).then(|| (fields, end.next_multiple_of(align)))
}

fn scalar_width(ty: &Type) -> usize {
    match ty {
        Type::Bool | Type::U8 | Type::S8 => 1,
        Type::U16 | Type::S16 => 2,
        Type::U64 | Type::S64 | Type::F64 => 8,
        _ => 4,
    }
}

fn scalar_val(ty: &Type, word: u64) -> wasmtime::Result<Val> {
    Ok(match ty {
        Type::Bool => Val::Bool(word != 0),
        Type::U8 => Val::U8(word as u8),
        Type::U16 => Val::U16(word as u16),
        Type::U32 => Val::U32(word as u32),
        Type::U64 => Val::U64(word),
        Type::S8 => Val::S8(word as i8),
        Type::S16 => Val::S16(word as i16),
        Type::S32 => Val::S32(word as i32),
        Type::S64 => Val::S64(word as i64),
        Type::F32 => Val::Float32(f32::from_bits(word as u32)),
        Type::F64 => Val::Float64(f64::from_bits(word)),
        Type::Char => Val::Char(
            char::from_u32(word as u32)
                .ok_or_else(|| wasmtime::format_err!("invalid char {word:#x}"))?,
        ),
        _ => return Err(super::internal("not a scalar")),
    })
}

fn scalar_word(val: &Val) -> wasmtime::Result<u64> {
    Ok(match val {
        Val::Bool(v) => u64::from(*v),
        Val::U8(v) => u64::from(*v),
        Val::U16(v) => u64::from(*v),
        Val::U32(v) => u64::from(*v),
        Val::U64(v) => *v,
        Val::S8(v) => *v as i64 as u64,
        Val::S16(v) => *v as i64 as u64,
        Val::S32(v) => *v as i64 as u64,
        Val::S64(v) => *v as u64,
        Val::Float32(v) => u64::from(v.to_bits()),
        Val::Float64(v) => v.to_bits(),
        Val::Char(c) => u64::from(u32::from(*c)),
        other => return Err(wasmtime::format_err!("expected a scalar, got {other:?}")),
    })
}

fn to_val(
    resolve: &Resolve,
    ty: &Type,
    src: &mut TapeReader<'_>,
    store: &mut impl AsContextMut,
) -> wasmtime::Result<Val> {
    let ty = unalias(resolve, ty);
    let Type::Id(id) = ty else {
        if ty == Type::String {
            let (bytes, text) = src.text()?;
            return Ok(Val::String(strings::to_str(bytes, text)?.into_owned()));
        }
        return scalar_val(&ty, src.word()?);
    };
    Ok(match &resolve.types[id].kind {
        TypeDefKind::List(item) if let Some((fields, size)) = numeric_record(resolve, item) => {
            let bytes = src.elements()?;
            let mut items = Vec::with_capacity(bytes.len() / size);
            for element in bytes.chunks_exact(size) {
                let record = fields
                    .iter()
                    .map(|(name, ty, offset)| {
                        let width = scalar_width(ty);
                        let mut word = [0u8; 8];
                        word[..width].copy_from_slice(&element[*offset..*offset + width]);
                        Ok((name.clone(), scalar_val(ty, u64::from_le_bytes(word))?))
                    })
                    .collect::<wasmtime::Result<_>>()?;
                items.push(Val::Record(record));
            }
            Val::List(items)
        }
        TypeDefKind::List(item) => match scalar(resolve, item) {
            Some(item) => {
                let width = scalar_width(&item);
                let bytes = src.elements()?;
                let mut items = Vec::with_capacity(bytes.len() / width);
                for chunk in bytes.chunks_exact(width) {
                    let mut word = [0u8; 8];
                    word[..width].copy_from_slice(chunk);
                    let mut word = u64::from_le_bytes(word);
                    // Signed scalars are sign-extended on the tape.
                    let bits = 8 * width as u32;
                    if matches!(item, Type::S8 | Type::S16 | Type::S32) {
                        word = (((word << (64 - bits)) as i64) >> (64 - bits)) as u64;
                    }
                    items.push(scalar_val(&item, word)?);
                }
                Val::List(items)
            }
            None => {
                let len = usize::try_from(src.word()?)?;
                let mut items = Vec::with_capacity(len.min(1 << 16));
                for _ in 0..len {
                    items.push(to_val(resolve, item, src, store)?);
                }
                Val::List(items)
            }
        },
        TypeDefKind::Record(r) => Val::Record(
            r.fields
                .iter()
                .map(|f| Ok((f.name.clone(), to_val(resolve, &f.ty, src, store)?)))
                .collect::<wasmtime::Result<_>>()?,
        ),
        TypeDefKind::Tuple(t) => Val::Tuple(
            t.types
                .iter()
                .map(|t| to_val(resolve, t, src, store))
                .collect::<wasmtime::Result<_>>()?,
        ),
        TypeDefKind::Variant(v) => {
            let case = v
                .cases
                .get(usize::try_from(src.word()?)?)
                .ok_or_else(|| super::internal("staged case out of range"))?;
            let payload = match &case.ty {
                Some(t) => Some(Box::new(to_val(resolve, t, src, store)?)),
                None => None,
            };
            Val::Variant(case.name.clone(), payload)
        }
        TypeDefKind::Enum(e) => Val::Enum(
            e.cases
                .get(usize::try_from(src.word()?)?)
                .ok_or_else(|| super::internal("staged case out of range"))?
                .name
                .clone(),
        ),
        TypeDefKind::Option(inner) => Val::Option(match src.word()? {
            0 => None,
            _ => Some(Box::new(to_val(resolve, inner, src, store)?)),
        }),
        TypeDefKind::Result(r) => {
            let is_err = src.word()? != 0;
            let payload = match if is_err { &r.err } else { &r.ok } {
                Some(t) => Some(Box::new(to_val(resolve, t, src, store)?)),
                None => None,
            };
            Val::Result(if is_err { Err(payload) } else { Ok(payload) })
        }
        TypeDefKind::Flags(f) => {
            let bits = src.word()?;
            Val::Flags(
                f.flags
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| bits.checked_shr(*i as u32).unwrap_or(0) & 1 != 0)
                    .map(|(_, flag)| flag.name.clone())
                    .collect(),
            )
        }
        TypeDefKind::Handle(_) => Val::Resource(match src.handle()? {
            Handle::Any(r) => *r,
            Handle::Host(r) => {
                let copy = if r.owned() {
                    ResourceDynamic::new_own(r.rep(), r.ty())
                } else {
                    ResourceDynamic::new_borrow(r.rep(), r.ty())
                };
                copy.try_into_resource_any(&mut *store)?
            }
        }),
        other => {
            return Err(wasmtime::format_err!(
                "witbridge does not support WIT `{}` types yet",
                other.as_str()
            ));
        }
    })
}

fn from_val(
    resolve: &Resolve,
    ty: &Type,
    val: &Val,
    tape: &mut Tape,
    store: &mut impl AsContextMut,
) -> wasmtime::Result<()> {
    let ty = unalias(resolve, ty);
    let Type::Id(id) = ty else {
        if let Val::String(s) = val {
            tape.push_copy(s.as_bytes(), Some(Text::Utf8));
        } else {
            tape.push_word(scalar_word(val)?);
        }
        return Ok(());
    };
    let wrong = || {
        wasmtime::format_err!(
            "a {} value for a WIT {}",
            val_kind(val),
            resolve.types[id].kind.as_str()
        )
    };
    match (&resolve.types[id].kind, val) {
        (TypeDefKind::List(item), Val::List(items))
            if let Some((fields, size)) = numeric_record(resolve, item) =>
        {
            let start = tape.arena().len();
            for item in items {
                let Val::Record(values) = item else {
                    return Err(wrong());
                };
                let at = tape.arena().len();
                tape.arena().resize(at + size, 0);
                for ((_, ty, offset), (_, v)) in fields.iter().zip(values) {
                    let width = scalar_width(ty);
                    let word = scalar_word(v)?.to_le_bytes();
                    tape.arena()[at + offset..at + offset + width].copy_from_slice(&word[..width]);
                }
            }
            tape.push_arena_run(start, None);
        }
        (TypeDefKind::List(item), Val::List(items)) => match scalar(resolve, item) {
            Some(item) => {
                let width = scalar_width(&item);
                let start = tape.arena().len();
                for v in items {
                    let word = scalar_word(v)?;
                    tape.arena().extend_from_slice(&word.to_le_bytes()[..width]);
                }
                tape.push_arena_run(start, None);
            }
            None => {
                tape.push_word(items.len() as u64);
                for v in items {
                    from_val(resolve, item, v, tape, store)?;
                }
            }
        },
        (TypeDefKind::Record(r), Val::Record(fields)) => {
            for (field, (_, v)) in r.fields.iter().zip(fields) {
                from_val(resolve, &field.ty, v, tape, store)?;
            }
        }
        (TypeDefKind::Tuple(t), Val::Tuple(items)) => {
            for (t, v) in t.types.iter().zip(items) {
                from_val(resolve, t, v, tape, store)?;
            }
        }
        (TypeDefKind::Variant(v), Val::Variant(name, payload)) => {
            let index = v
                .cases
                .iter()
                .position(|c| &c.name == name)
                .ok_or_else(wrong)?;
            tape.push_word(index as u64);
            if let (Some(t), Some(p)) = (&v.cases[index].ty, payload) {
                from_val(resolve, t, p, tape, store)?;
            }
        }
        (TypeDefKind::Enum(e), Val::Enum(name)) => {
            let index = e
                .cases
                .iter()
                .position(|c| &c.name == name)
                .ok_or_else(wrong)?;
            tape.push_word(index as u64);
        }
        (TypeDefKind::Option(inner), Val::Option(v)) => match v {
            None => tape.push_word(0),
            Some(v) => {
                tape.push_word(1);
                from_val(resolve, inner, v, tape, store)?;
            }
        },
        (TypeDefKind::Result(r), Val::Result(v)) => {
            let (word, ty, payload) = match v {
                Ok(p) => (0, &r.ok, p),
                Err(p) => (1, &r.err, p),
            };
            tape.push_word(word);
            if let (Some(t), Some(p)) = (ty, payload) {
                from_val(resolve, t, p, tape, store)?;
            }
        }
        (TypeDefKind::Flags(f), Val::Flags(names)) => {
            let mut bits = 0u64;
            for name in names {
                let index = f
                    .flags
                    .iter()
                    .position(|g| &g.name == name)
                    .ok_or_else(wrong)?;
                bits |= 1u64.checked_shl(index as u32).unwrap_or(0);
            }
            tape.push_word(bits);
        }
        (TypeDefKind::Handle(_), Val::Resource(r)) => {
            let handle = match ResourceDynamic::try_from_resource_any(*r, &mut *store) {
                Ok(host) => Handle::Host(host),
                Err(_) => Handle::Any(*r),
            };
            tape.push_handle(handle);
        }
        _ => return Err(wrong()),
    }
    Ok(())
}

fn val_kind(val: &Val) -> String {
    let debug = format!("{val:?}");
    debug.split('(').next().unwrap_or(&debug).to_owned()
}
