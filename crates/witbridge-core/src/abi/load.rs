//! Guest -> tape: the canonical ABI's `lift_flat` and `load`.
//!
//! Strings and lists of scalars go on the tape as runs that borrow the
//! guest's memory: nothing is copied until the host makes its own objects
//! from them. Everything a guest can get wrong is checked here (bounds,
//! alignment, discriminants, `char`s; a string's encoding is checked by
//! whoever decodes it, see [`super::strings`]), and so is the host's
//! budget for how much a guest may hand it in one call.

use wasmtime::ValRaw;
use wasmtime::component::__internal::wasmtime_environ::component::StringEncoding;
use wasmtime::component::__internal::{ComponentTypes, InterfaceType, LiftContext};
use wasmtime::component::{Lift, ResourceAny, ResourceDynamic, ResourceType};

use super::scope;
use super::strings::UTF16_TAG;
use super::tape::{Handle, Tape, Text};
use super::{Leaf, field_offsets, flat_count, numeric_record, plain_leaves, scalar_size};

/// What the host allows a guest that hands it values.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The most bytes of strings and lists one crossing (an export's
    /// results, an import's arguments) may carry; `None`: no limit.
    pub max_transfer: Option<usize>,
    /// The payloads of the `ResourceType::host_dynamic` resources of the
    /// instance: handles of these come out as [`Handle::Host`].
    pub host_payloads: Vec<u32>,
}

/// What [`LoadOptions::max_transfer`] is unless the host says otherwise:
/// 1 GiB, far more than any real call needs and far less than a guest's
/// 4 GiB of memory could make the host build by handing it the same bytes
/// many times over.
pub const DEFAULT_MAX_TRANSFER: usize = 1 << 30;

impl LoadOptions {
    /// The defaults: [`DEFAULT_MAX_TRANSFER`], no host resources.
    pub const DEFAULT: LoadOptions = LoadOptions {
        max_transfer: Some(DEFAULT_MAX_TRANSFER),
        host_payloads: Vec::new(),
    };
}

/// Runs `f`, which enters a guest, with `options` for every value that
/// guest hands the host meanwhile (its imports' arguments). An export call
/// through [`super::export::TypedExport::call`] sets them itself.
pub fn with_options<R>(options: &LoadOptions, f: impl FnOnce() -> R) -> R {
    // SAFETY: no receiver.
    unsafe { scope::crossing(options, None, f) }
}

/// A guest handed the host more than [`LoadOptions::max_transfer`] allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferLimit {
    pub limit: usize,
}

impl std::fmt::Display for TransferLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the guest handed the host more than {} bytes of strings and lists in one call, \
             over its max_transfer",
            self.limit
        )
    }
}

impl std::error::Error for TransferLimit {}

/// Flat core values being read, in order.
pub struct FlatIn<'s> {
    vals: &'s [ValRaw],
    at: usize,
}

impl<'s> FlatIn<'s> {
    pub fn new(vals: &'s [ValRaw]) -> Self {
        FlatIn { vals, at: 0 }
    }

    fn next(&mut self) -> wasmtime::Result<&'s ValRaw> {
        let val = self
            .vals
            .get(self.at)
            .ok_or_else(|| super::internal("fewer flat values than the signature has"))?;
        self.at += 1;
        Ok(val)
    }
}

/// Reads values out of one guest onto tapes.
pub(crate) struct Loader<'m> {
    mem: &'m [u8],
    types: &'m ComponentTypes,
    /// The guest's string encoding, looked up for the first string.
    encoding: Option<StringEncoding>,
    options: &'m LoadOptions,
    /// What is left of `options.max_transfer` for this crossing.
    budget: usize,
}

impl<'m> Loader<'m> {
    /// A loader for the guest behind `cx`.
    ///
    /// The tapes it fills borrow the guest's memory (as seen by `cx`): they
    /// must be used before anything can run in the guest again.
    pub(crate) fn new(cx: &LiftContext<'m>, options: &'m LoadOptions) -> Self {
        Loader {
            mem: cx.memory(),
            types: cx.types,
            encoding: None,
            options,
            budget: options.max_transfer.unwrap_or(usize::MAX),
        }
    }

    pub(crate) fn memory(&self) -> &'m [u8] {
        self.mem
    }

    fn charge(&mut self, bytes: usize) -> wasmtime::Result<()> {
        match self.budget.checked_sub(bytes) {
            Some(left) => {
                self.budget = left;
                Ok(())
            }
            None => Err(wasmtime::Error::new(TransferLimit {
                limit: self.options.max_transfer.unwrap_or(usize::MAX),
            })),
        }
    }

    fn bytes(&self, offset: usize, len: usize) -> wasmtime::Result<&'m [u8]> {
        offset
            .checked_add(len)
            .and_then(|end| self.mem.get(offset..end))
            .ok_or_else(|| wasmtime::format_err!("pointer out of bounds of memory"))
    }

    fn read<const N: usize>(&self, offset: usize) -> wasmtime::Result<[u8; N]> {
        Ok(self.bytes(offset, N)?.try_into().unwrap_or([0; N]))
    }

    /// One value of type `ty` from flat core values onto the tape.
    pub(crate) fn flat(
        &mut self,
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        src: &mut FlatIn<'_>,
        tape: &mut Tape,
    ) -> wasmtime::Result<()> {
        let types = self.types;
        let word = match ty {
            InterfaceType::Bool => u64::from(src.next()?.get_u32() != 0),
            InterfaceType::U8 => u64::from(src.next()?.get_u32() as u8),
            InterfaceType::S8 => src.next()?.get_u32() as u8 as i8 as i64 as u64,
            InterfaceType::U16 => u64::from(src.next()?.get_u32() as u16),
            InterfaceType::S16 => src.next()?.get_u32() as u16 as i16 as i64 as u64,
            InterfaceType::U32 => u64::from(src.next()?.get_u32()),
            InterfaceType::S32 => i64::from(src.next()?.get_i32()) as u64,
            InterfaceType::U64 | InterfaceType::S64 => src.next()?.get_u64(),
            InterfaceType::Float32 => u64::from(src.next()?.get_f32()),
            InterfaceType::Float64 => src.next()?.get_f64(),
            InterfaceType::Char => char_word(src.next()?.get_u32())?,
            InterfaceType::String => {
                let (ptr, len) = (src.next()?.get_u32(), src.next()?.get_u32());
                return self.string(cx, ptr as usize, len as usize, tape);
            }
            InterfaceType::List(i) => {
                let (ptr, len) = (src.next()?.get_u32(), src.next()?.get_u32());
                return self.list(cx, types[i].element, ptr as usize, len as usize, tape);
            }
            InterfaceType::Record(i) => {
                for field in types[i].fields.iter() {
                    self.flat(cx, field.ty, src, tape)?;
                }
                return Ok(());
            }
            InterfaceType::Tuple(i) => {
                for ty in types[i].types.iter() {
                    self.flat(cx, *ty, src, tape)?;
                }
                return Ok(());
            }
            InterfaceType::Variant(i) => {
                let cases = types[i].cases.values().copied();
                return self.variant_flat(cx, ty, cases, src, tape);
            }
            InterfaceType::Enum(i) => {
                let cases = types[i].names.iter().map(|_| None);
                return self.variant_flat(cx, ty, cases, src, tape);
            }
            InterfaceType::Option(i) => {
                let cases = [None, Some(types[i].ty)].into_iter();
                return self.variant_flat(cx, ty, cases, src, tape);
            }
            InterfaceType::Result(i) => {
                let r = &types[i];
                return self.variant_flat(cx, ty, [r.ok, r.err].into_iter(), src, tape);
            }
            InterfaceType::Flags(i) => {
                let count = types[i].names.len();
                let mut bits = 0u64;
                for chunk in 0..count.div_ceil(32) {
                    let word = u64::from(src.next()?.get_u32());
                    bits |= word.checked_shl(32 * chunk as u32).unwrap_or(0);
                }
                flags_mask(bits, count)
            }
            InterfaceType::Own(_) | InterfaceType::Borrow(_) => {
                let handle = self.handle(cx, ty, Source::Flat(src.next()?))?;
                tape.push_handle(handle);
                return Ok(());
            }
            other => return Err(unsupported(other)),
        };
        tape.push_word(word);
        Ok(())
    }

    fn variant_flat(
        &mut self,
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        mut cases: impl ExactSizeIterator<Item = Option<InterfaceType>>,
        src: &mut FlatIn<'_>,
        tape: &mut Tape,
    ) -> wasmtime::Result<()> {
        let count = cases.len();
        let case = src.next()?.get_u32();
        let payload = cases
            .nth(case as usize)
            .ok_or_else(|| out_of_range(case, count))?;
        tape.push_word(u64::from(case));
        let read = match payload {
            Some(payload) => {
                self.flat(cx, payload, src, tape)?;
                flat_count(self.types, &payload)
            }
            None => 0,
        };
        for _ in 1 + read..flat_count(self.types, &ty) {
            src.next()?;
        }
        Ok(())
    }

    /// One value of type `ty` stored at `offset` onto the tape.
    pub(crate) fn mem(
        &mut self,
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        offset: usize,
        tape: &mut Tape,
    ) -> wasmtime::Result<()> {
        let types = self.types;
        let word = match ty {
            InterfaceType::Bool => u64::from(self.read::<1>(offset)?[0] != 0),
            InterfaceType::U8 => u64::from(self.read::<1>(offset)?[0]),
            InterfaceType::S8 => self.read::<1>(offset)?[0] as i8 as i64 as u64,
            InterfaceType::U16 => u64::from(u16::from_le_bytes(self.read(offset)?)),
            InterfaceType::S16 => i16::from_le_bytes(self.read(offset)?) as i64 as u64,
            InterfaceType::U32 | InterfaceType::Float32 => {
                u64::from(u32::from_le_bytes(self.read(offset)?))
            }
            InterfaceType::S32 => i32::from_le_bytes(self.read(offset)?) as i64 as u64,
            InterfaceType::U64 | InterfaceType::S64 | InterfaceType::Float64 => {
                u64::from_le_bytes(self.read(offset)?)
            }
            InterfaceType::Char => char_word(u32::from_le_bytes(self.read(offset)?))?,
            InterfaceType::String => {
                let (ptr, len) = self.pair(offset)?;
                return self.string(cx, ptr, len, tape);
            }
            InterfaceType::List(i) => {
                let (ptr, len) = self.pair(offset)?;
                return self.list(cx, types[i].element, ptr, len, tape);
            }
            InterfaceType::Record(i) => {
                let mut at = 0;
                for field in types[i].fields.iter() {
                    let field_at = types.canonical_abi(&field.ty).next_field32_size(&mut at);
                    self.mem(cx, field.ty, offset + field_at, tape)?;
                }
                return Ok(());
            }
            InterfaceType::Tuple(i) => {
                let mut at = 0;
                for ty in types[i].types.iter() {
                    let field_at = types.canonical_abi(ty).next_field32_size(&mut at);
                    self.mem(cx, *ty, offset + field_at, tape)?;
                }
                return Ok(());
            }
            InterfaceType::Variant(i) => {
                let v = &types[i];
                let info = (u32::from(v.info.size), v.info.payload_offset32);
                return self.variant_mem(cx, info, v.cases.values().copied(), offset, tape);
            }
            InterfaceType::Enum(i) => {
                let e = &types[i];
                let info = (u32::from(e.info.size), e.info.payload_offset32);
                return self.variant_mem(cx, info, e.names.iter().map(|_| None), offset, tape);
            }
            InterfaceType::Option(i) => {
                let o = &types[i];
                let info = (u32::from(o.info.size), o.info.payload_offset32);
                return self.variant_mem(cx, info, [None, Some(o.ty)].into_iter(), offset, tape);
            }
            InterfaceType::Result(i) => {
                let r = &types[i];
                let info = (u32::from(r.info.size), r.info.payload_offset32);
                return self.variant_mem(cx, info, [r.ok, r.err].into_iter(), offset, tape);
            }
            InterfaceType::Flags(i) => {
                let count = types[i].names.len();
                let bits = match count {
                    0 => 0,
                    1..=8 => u64::from(self.read::<1>(offset)?[0]),
                    9..=16 => u64::from(u16::from_le_bytes(self.read(offset)?)),
                    n => {
                        let mut bits = 0u64;
                        for chunk in 0..n.div_ceil(32) {
                            let word =
                                u64::from(u32::from_le_bytes(self.read(offset + 4 * chunk)?));
                            bits |= word.checked_shl(32 * chunk as u32).unwrap_or(0);
                        }
                        bits
                    }
                };
                flags_mask(bits, count)
            }
            InterfaceType::Own(_) | InterfaceType::Borrow(_) => {
                let handle = self.handle(cx, ty, Source::Memory(self.bytes(offset, 4)?))?;
                tape.push_handle(handle);
                return Ok(());
            }
            other => return Err(unsupported(other)),
        };
        tape.push_word(word);
        Ok(())
    }

    fn variant_mem(
        &mut self,
        cx: &mut LiftContext<'_>,
        (discriminant_size, payload_offset): (u32, u32),
        mut cases: impl ExactSizeIterator<Item = Option<InterfaceType>>,
        offset: usize,
        tape: &mut Tape,
    ) -> wasmtime::Result<()> {
        let count = cases.len();
        let case = match discriminant_size {
            1 => u32::from(self.read::<1>(offset)?[0]),
            2 => u32::from(u16::from_le_bytes(self.read(offset)?)),
            _ => u32::from_le_bytes(self.read(offset)?),
        };
        let payload = cases
            .nth(case as usize)
            .ok_or_else(|| out_of_range(case, count))?;
        tape.push_word(u64::from(case));
        match payload {
            Some(payload) => self.mem(cx, payload, offset + payload_offset as usize, tape),
            None => Ok(()),
        }
    }

    fn pair(&self, offset: usize) -> wasmtime::Result<(usize, usize)> {
        let bytes: [u8; 8] = self.read(offset)?;
        let ptr = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let len = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        Ok((ptr as usize, len as usize))
    }

    fn string(
        &mut self,
        cx: &LiftContext<'_>,
        ptr: usize,
        len: usize,
        tape: &mut Tape,
    ) -> wasmtime::Result<()> {
        let encoding = *self
            .encoding
            .get_or_insert_with(|| cx.options().string_encoding);
        let (byte_len, align, text) = match encoding {
            StringEncoding::Utf8 => (Some(len), 1, Text::UncheckedUtf8),
            StringEncoding::Utf16 => (len.checked_mul(2), 2, Text::Utf16),
            StringEncoding::CompactUtf16 if len & UTF16_TAG as usize == 0 => {
                (Some(len), 2, Text::Latin1)
            }
            StringEncoding::CompactUtf16 => {
                ((len ^ UTF16_TAG as usize).checked_mul(2), 2, Text::Utf16)
            }
        };
        if !ptr.is_multiple_of(align) {
            return Err(wasmtime::format_err!(
                "string pointer not aligned to {align}"
            ));
        }
        let bytes = byte_len
            .and_then(|n| self.bytes(ptr, n).ok())
            .ok_or_else(|| {
                wasmtime::format_err!("string pointer/length out of bounds of memory")
            })?;
        self.charge(bytes.len())?;
        // SAFETY: the guest's memory; see `Loader::new` for who keeps it still.
        unsafe { tape.push_outside(bytes, Some(text)) };
        Ok(())
    }

    fn list(
        &mut self,
        cx: &mut LiftContext<'_>,
        element: InterfaceType,
        ptr: usize,
        len: usize,
        tape: &mut Tape,
    ) -> wasmtime::Result<()> {
        let abi = self.types.canonical_abi(&element);
        let size = abi.size32 as usize;
        let bytes = len
            .checked_mul(size)
            .and_then(|total| self.bytes(ptr, total).ok())
            .ok_or_else(|| wasmtime::format_err!("list pointer/length out of bounds of memory"))?;
        if !ptr.is_multiple_of(abi.align32 as usize) {
            return Err(wasmtime::format_err!("list pointer is not aligned"));
        }
        // Each element counts at least one byte, so that a list of empty
        // records can't make the host build billions of objects for free.
        self.charge(len.saturating_mul(size.max(1)))?;
        // A list of records of numbers is one run, as a list of scalars is
        // (below): every byte pattern is a valid value.
        if scalar_size(&element).is_none() && !numeric_record(self.types, &element) {
            tape.push_word(len as u64);
            if let Some(leaves) = plain_leaves(self.types, &element) {
                tape.reserve_words(len.saturating_mul(leaves.len()).min(1 << 20));
                // `bytes` is the whole list, checked above; `size` is not 0,
                // as a plain value holds at least one scalar.
                for value in bytes.chunks_exact(size) {
                    for &(at, leaf) in &leaves {
                        tape.push_word(leaf_word(leaf, &value[at..])?);
                    }
                }
                return Ok(());
            }
            if let Some(fields) = field_offsets(self.types, &element) {
                // A hint, capped: the words grow as they come past it.
                tape.reserve_words(len.saturating_mul(fields.len()).min(1 << 20));
                for index in 0..len {
                    let at = ptr + index * size;
                    for &(field_at, ty) in &fields {
                        self.mem(cx, ty, at + field_at, tape)?;
                    }
                }
                return Ok(());
            }
            for index in 0..len {
                self.mem(cx, element, ptr + index * size, tape)?;
            }
            return Ok(());
        }
        match element {
            // A guest's `true` is any byte but 0; the tape's is 1.
            InterfaceType::Bool => {
                let start = tape.arena().len();
                tape.arena().extend(bytes.iter().map(|&b| u8::from(b != 0)));
                tape.push_arena_run(start, None);
            }
            InterfaceType::Char => {
                for c in bytes.chunks_exact(4) {
                    char_word(u32::from_le_bytes([c[0], c[1], c[2], c[3]]))?;
                }
                // SAFETY: as for strings.
                unsafe { tape.push_outside(bytes, None) };
            }
            // SAFETY: as for strings.
            _ => unsafe { tape.push_outside(bytes, None) },
        }
        Ok(())
    }

    fn handle(
        &mut self,
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        src: Source<'_>,
    ) -> wasmtime::Result<Handle> {
        let (InterfaceType::Own(table) | InterfaceType::Borrow(table)) = ty else {
            return Err(super::internal("a handle of no resource type"));
        };
        let resource = cx.resource_type(table);
        let host = self
            .options
            .host_payloads
            .iter()
            .any(|payload| ResourceType::host_dynamic(*payload) == resource);
        Ok(match (host, src) {
            (true, Source::Flat(raw)) => {
                Handle::Host(ResourceDynamic::linear_lift_from_flat(cx, ty, raw)?)
            }
            (true, Source::Memory(bytes)) => {
                Handle::Host(ResourceDynamic::linear_lift_from_memory(cx, ty, bytes)?)
            }
            (false, Source::Flat(raw)) => {
                Handle::Any(ResourceAny::linear_lift_from_flat(cx, ty, raw)?)
            }
            (false, Source::Memory(bytes)) => {
                Handle::Any(ResourceAny::linear_lift_from_memory(cx, ty, bytes)?)
            }
        })
    }
}

/// Where a handle's index is.
enum Source<'a> {
    Flat(&'a ValRaw),
    Memory(&'a [u8]),
}

/// The tape word of the scalar `leaf` stored at the start of `bytes`
/// (which holds at least its size: the caller's value does).
#[inline]
fn leaf_word(leaf: Leaf, bytes: &[u8]) -> wasmtime::Result<u64> {
    fn take<const N: usize>(bytes: &[u8]) -> wasmtime::Result<[u8; N]> {
        bytes
            .get(..N)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| super::internal("a plain value's scalar past its end"))
    }
    Ok(match leaf {
        Leaf::Bool => u64::from(take::<1>(bytes)?[0] != 0),
        Leaf::U8 => u64::from(take::<1>(bytes)?[0]),
        Leaf::S8 => take::<1>(bytes)?[0] as i8 as i64 as u64,
        Leaf::U16 => u64::from(u16::from_le_bytes(take(bytes)?)),
        Leaf::S16 => i16::from_le_bytes(take(bytes)?) as i64 as u64,
        Leaf::U32 => u64::from(u32::from_le_bytes(take(bytes)?)),
        Leaf::S32 => i32::from_le_bytes(take(bytes)?) as i64 as u64,
        Leaf::W64 => u64::from_le_bytes(take(bytes)?),
        Leaf::Char => char_word(u32::from_le_bytes(take(bytes)?))?,
    })
}

fn char_word(bits: u32) -> wasmtime::Result<u64> {
    char::from_u32(bits)
        .map(|c| u64::from(u32::from(c)))
        .ok_or_else(|| wasmtime::format_err!("the guest passed an invalid char: {bits:#x}"))
}

/// A guest's flags with the bits past the last flag cleared, as the
/// canonical ABI ignores them.
fn flags_mask(bits: u64, count: usize) -> u64 {
    if count >= 64 {
        bits
    } else {
        bits & ((1u64 << count) - 1)
    }
}

fn out_of_range(case: u32, count: usize) -> wasmtime::Error {
    wasmtime::format_err!("discriminant {case} out of range [0..{count})")
}

fn unsupported(ty: InterfaceType) -> wasmtime::Error {
    wasmtime::format_err!("witbridge does not support passing {ty:?} values yet")
}
