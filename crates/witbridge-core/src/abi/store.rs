//! Tape -> guest: the canonical ABI's `lower_flat` and `store`.
//!
//! Driven by wasmtime's `InterfaceType` of each value, so that the layout
//! is the guest's whatever wrote the tape. Each string and list is one
//! `realloc` in the guest, like every other host does it; a list of
//! scalars is then one `memcpy`.

use std::mem::MaybeUninit;

use wasmtime::ValRaw;
use wasmtime::component::__internal::wasmtime_environ::component::StringEncoding;
use wasmtime::component::__internal::{ComponentTypes, InterfaceType, LowerContext};
use wasmtime::component::Lower;

use super::strings::{self, UTF16_TAG};
use super::tape::{Handle, TapeReader, Text};
use super::{Leaf, field_offsets, flat_count, internal, numeric_record, plain_leaves, scalar_size};

/// Flat core values being written, in order.
pub struct FlatOut<'d> {
    slots: &'d mut [MaybeUninit<ValRaw>],
    at: usize,
}

impl<'d> FlatOut<'d> {
    pub fn new(slots: &'d mut [MaybeUninit<ValRaw>]) -> Self {
        FlatOut { slots, at: 0 }
    }

    /// How many slots were written.
    pub fn written(&self) -> usize {
        self.at
    }

    fn next(&mut self) -> wasmtime::Result<&mut MaybeUninit<ValRaw>> {
        let slot = self
            .slots
            .get_mut(self.at)
            .ok_or_else(|| internal("more flat values than the signature has"))?;
        self.at += 1;
        Ok(slot)
    }

    fn push(&mut self, raw: ValRaw) -> wasmtime::Result<()> {
        self.next()?.write(raw);
        Ok(())
    }
}

/// Writes tapes into one guest, through a lowering context.
pub struct Storer<'a, 'cx, T: 'static> {
    cx: &'a mut LowerContext<'cx, T>,
    types: &'cx ComponentTypes,
    /// The guest's string encoding, looked up for the first string.
    encoding: Option<StringEncoding>,
    /// The guest's memory as last seen (null until needed); only `realloc`
    /// (guest code) can grow and so move it, and every `realloc` here
    /// looks again.
    mem: *mut u8,
    mem_len: usize,
}

impl<'a, 'cx, T: 'static> Storer<'a, 'cx, T> {
    pub fn new(cx: &'a mut LowerContext<'cx, T>) -> Self {
        // Nothing is looked up yet: most calls of scalars need neither the
        // memory nor the encoding.
        let types = cx.types;
        Storer {
            cx,
            types,
            encoding: None,
            mem: std::ptr::null_mut(),
            mem_len: 0,
        }
    }

    fn encoding(&mut self) -> StringEncoding {
        *self
            .encoding
            .get_or_insert_with(|| self.cx.options().string_encoding)
    }

    pub fn types(&self) -> &'cx ComponentTypes {
        self.types
    }

    fn refresh(&mut self) {
        let memory = self.cx.as_slice_mut();
        self.mem = memory.as_mut_ptr();
        self.mem_len = memory.len();
    }

    /// `size` fresh bytes of guest memory, aligned to `align`.
    pub fn alloc(&mut self, align: u32, size: usize) -> wasmtime::Result<usize> {
        let ptr = self.cx.realloc(0, 0, align, size)?;
        self.refresh();
        Ok(ptr)
    }

    fn bytes_mut(&mut self, offset: usize, len: usize) -> wasmtime::Result<&mut [u8]> {
        if self.mem.is_null() {
            self.refresh();
        }
        match offset.checked_add(len) {
            // SAFETY: `mem`/`mem_len` describe the memory as it is now (see
            // `refresh`), and the range was just checked to be inside it.
            Some(end) if end <= self.mem_len => {
                Ok(unsafe { std::slice::from_raw_parts_mut(self.mem.add(offset), len) })
            }
            _ => Err(wasmtime::format_err!(
                "pointer out of bounds of memory: {offset}+{len}"
            )),
        }
    }

    fn put(&mut self, offset: usize, bytes: &[u8]) -> wasmtime::Result<()> {
        self.bytes_mut(offset, bytes.len())?.copy_from_slice(bytes);
        Ok(())
    }

    /// One value of type `ty` from the tape, as flat core values.
    pub fn flat(
        &mut self,
        ty: InterfaceType,
        src: &mut TapeReader<'_>,
        dst: &mut FlatOut<'_>,
    ) -> wasmtime::Result<()> {
        let types = self.types;
        match ty {
            InterfaceType::Bool
            | InterfaceType::U8
            | InterfaceType::S8
            | InterfaceType::U16
            | InterfaceType::S16
            | InterfaceType::U32
            | InterfaceType::S32
            | InterfaceType::Char => dst.push(ValRaw::u32(src.word()? as u32)),
            InterfaceType::U64 | InterfaceType::S64 => dst.push(ValRaw::u64(src.word()?)),
            InterfaceType::Float32 => dst.push(ValRaw::f32(src.word()? as u32)),
            InterfaceType::Float64 => dst.push(ValRaw::f64(src.word()?)),
            InterfaceType::String => {
                let (ptr, len) = self.string(src)?;
                dst.push(ValRaw::u32(ptr))?;
                dst.push(ValRaw::u32(len))
            }
            InterfaceType::List(i) => {
                let (ptr, len) = self.list(types[i].element, src)?;
                dst.push(ValRaw::u32(ptr))?;
                dst.push(ValRaw::u32(len))
            }
            InterfaceType::Record(i) => {
                for field in types[i].fields.iter() {
                    self.flat(field.ty, src, dst)?;
                }
                Ok(())
            }
            InterfaceType::Tuple(i) => {
                for ty in types[i].types.iter() {
                    self.flat(*ty, src, dst)?;
                }
                Ok(())
            }
            InterfaceType::Variant(i) => {
                let case = src.word()?;
                let payload = nth_case(types[i].cases.values().copied(), case)?;
                self.variant_flat(ty, case, payload, src, dst)
            }
            InterfaceType::Enum(i) => {
                let case = src.word()?;
                nth_case(types[i].names.iter().map(|_| None), case)?;
                dst.push(ValRaw::u32(case as u32))
            }
            InterfaceType::Option(i) => {
                let case = src.word()?;
                let payload = nth_case([None, Some(types[i].ty)].into_iter(), case)?;
                self.variant_flat(ty, case, payload, src, dst)
            }
            InterfaceType::Result(i) => {
                let case = src.word()?;
                let r = &types[i];
                let payload = nth_case([r.ok, r.err].into_iter(), case)?;
                self.variant_flat(ty, case, payload, src, dst)
            }
            InterfaceType::Flags(i) => {
                let bits = src.word()?;
                for chunk in 0..types[i].names.len().div_ceil(32) {
                    let word = bits.checked_shr(32 * chunk as u32).unwrap_or(0) as u32;
                    dst.push(ValRaw::u32(word))?;
                }
                Ok(())
            }
            InterfaceType::Own(_) | InterfaceType::Borrow(_) => match src.handle()? {
                Handle::Any(r) => r.linear_lower_to_flat(self.cx, ty, dst.next()?),
                Handle::Host(r) => r.linear_lower_to_flat(self.cx, ty, dst.next()?),
            },
            other => Err(unsupported(other)),
        }
    }

    /// A variant's flat form: the case, its payload, and zeros up to the
    /// widest case. Every flat value is written zero-extended to 64 bits
    /// (`ValRaw`'s rule), which makes the canonical ABI's joining of the
    /// cases' core types (an `f32` in an `i32` slot, an `i32` in an `i64`
    /// one) the identity on the bits.
    fn variant_flat(
        &mut self,
        ty: InterfaceType,
        case: u64,
        payload: Option<InterfaceType>,
        src: &mut TapeReader<'_>,
        dst: &mut FlatOut<'_>,
    ) -> wasmtime::Result<()> {
        dst.push(ValRaw::u32(case as u32))?;
        let written = match payload {
            Some(payload) => {
                self.flat(payload, src, dst)?;
                flat_count(self.types, &payload)
            }
            None => 0,
        };
        for _ in 1 + written..flat_count(self.types, &ty) {
            dst.push(ValRaw::u64(0))?;
        }
        Ok(())
    }

    /// One value of type `ty` from the tape, stored at `offset`.
    pub fn mem(
        &mut self,
        ty: InterfaceType,
        src: &mut TapeReader<'_>,
        offset: usize,
    ) -> wasmtime::Result<()> {
        let types = self.types;
        match ty {
            InterfaceType::Bool | InterfaceType::U8 | InterfaceType::S8 => {
                self.put(offset, &[src.word()? as u8])
            }
            InterfaceType::U16 | InterfaceType::S16 => {
                self.put(offset, &(src.word()? as u16).to_le_bytes())
            }
            InterfaceType::U32
            | InterfaceType::S32
            | InterfaceType::Char
            | InterfaceType::Float32 => self.put(offset, &(src.word()? as u32).to_le_bytes()),
            InterfaceType::U64 | InterfaceType::S64 | InterfaceType::Float64 => {
                self.put(offset, &src.word()?.to_le_bytes())
            }
            InterfaceType::String => {
                let (ptr, len) = self.string(src)?;
                self.pair(offset, ptr, len)
            }
            InterfaceType::List(i) => {
                let (ptr, len) = self.list(types[i].element, src)?;
                self.pair(offset, ptr, len)
            }
            InterfaceType::Record(i) => {
                let mut at = 0;
                for field in types[i].fields.iter() {
                    let field_at = types.canonical_abi(&field.ty).next_field32_size(&mut at);
                    self.mem(field.ty, src, offset + field_at)?;
                }
                Ok(())
            }
            InterfaceType::Tuple(i) => {
                let mut at = 0;
                for ty in types[i].types.iter() {
                    let field_at = types.canonical_abi(ty).next_field32_size(&mut at);
                    self.mem(*ty, src, offset + field_at)?;
                }
                Ok(())
            }
            InterfaceType::Variant(i) => {
                let v = &types[i];
                let case = src.word()?;
                let payload = nth_case(v.cases.values().copied(), case)?;
                self.variant_mem(
                    u32::from(v.info.size),
                    v.info.payload_offset32,
                    case,
                    payload,
                    src,
                    offset,
                )
            }
            InterfaceType::Enum(i) => {
                let e = &types[i];
                let case = src.word()?;
                nth_case(e.names.iter().map(|_| None), case)?;
                self.discriminant(u32::from(e.info.size), case, offset)
            }
            InterfaceType::Option(i) => {
                let o = &types[i];
                let case = src.word()?;
                let payload = nth_case([None, Some(o.ty)].into_iter(), case)?;
                self.variant_mem(
                    u32::from(o.info.size),
                    o.info.payload_offset32,
                    case,
                    payload,
                    src,
                    offset,
                )
            }
            InterfaceType::Result(i) => {
                let r = &types[i];
                let case = src.word()?;
                let payload = nth_case([r.ok, r.err].into_iter(), case)?;
                self.variant_mem(
                    u32::from(r.info.size),
                    r.info.payload_offset32,
                    case,
                    payload,
                    src,
                    offset,
                )
            }
            InterfaceType::Flags(i) => {
                let bits = src.word()?;
                match types[i].names.len() {
                    0 => Ok(()),
                    1..=8 => self.put(offset, &[bits as u8]),
                    9..=16 => self.put(offset, &(bits as u16).to_le_bytes()),
                    n => {
                        for chunk in 0..n.div_ceil(32) {
                            let word = bits.checked_shr(32 * chunk as u32).unwrap_or(0) as u32;
                            self.put(offset + 4 * chunk, &word.to_le_bytes())?;
                        }
                        Ok(())
                    }
                }
            }
            InterfaceType::Own(_) | InterfaceType::Borrow(_) => match src.handle()? {
                Handle::Any(r) => r.linear_lower_to_memory(self.cx, ty, offset),
                Handle::Host(r) => r.linear_lower_to_memory(self.cx, ty, offset),
            },
            other => Err(unsupported(other)),
        }
    }

    fn discriminant(&mut self, size: u32, case: u64, offset: usize) -> wasmtime::Result<()> {
        match size {
            1 => self.put(offset, &[case as u8]),
            2 => self.put(offset, &(case as u16).to_le_bytes()),
            _ => self.put(offset, &(case as u32).to_le_bytes()),
        }
    }

    fn variant_mem(
        &mut self,
        discriminant_size: u32,
        payload_offset: u32,
        case: u64,
        payload: Option<InterfaceType>,
        src: &mut TapeReader<'_>,
        offset: usize,
    ) -> wasmtime::Result<()> {
        self.discriminant(discriminant_size, case, offset)?;
        match payload {
            Some(payload) => self.mem(payload, src, offset + payload_offset as usize),
            None => Ok(()),
        }
    }

    fn pair(&mut self, offset: usize, ptr: u32, len: u32) -> wasmtime::Result<()> {
        let mut bytes = [0; 8];
        bytes[..4].copy_from_slice(&ptr.to_le_bytes());
        bytes[4..].copy_from_slice(&len.to_le_bytes());
        self.put(offset, &bytes)
    }

    /// Copies the tape's next string into the guest, in the guest's
    /// encoding; returns (pointer, length) as the canonical ABI spells them.
    fn string(&mut self, src: &mut TapeReader<'_>) -> wasmtime::Result<(u32, u32)> {
        let (bytes, text) = src.text()?;
        let encoding = self.encoding();
        // The common case, a host string to a UTF-8 guest, is one memcpy.
        if let (Text::Utf8, StringEncoding::Utf8) = (text, encoding) {
            return self.copy_string(1, bytes);
        }
        if let (Text::Latin1, StringEncoding::CompactUtf16) = (text, encoding) {
            return self.copy_string(2, bytes);
        }
        let text = strings::to_str(bytes, text)?;
        match encoding {
            StringEncoding::Utf8 => self.copy_string(1, text.as_bytes()),
            StringEncoding::Utf16 => self.utf16(&text),
            StringEncoding::CompactUtf16 => match strings::latin1(&text) {
                Some(latin) => self.copy_string(2, &latin),
                None => {
                    let (ptr, units) = self.utf16(&text)?;
                    Ok((ptr, units | UTF16_TAG))
                }
            },
        }
    }

    /// A string of one byte per unit (UTF-8 or latin-1): (pointer, length).
    fn copy_string(&mut self, align: u32, bytes: &[u8]) -> wasmtime::Result<(u32, u32)> {
        too_long(Some(bytes.len()), strings::MAX_BYTES)?;
        let ptr = self.copy_in(align, bytes)?;
        Ok((ptr, bytes.len() as u32))
    }

    fn utf16(&mut self, text: &str) -> wasmtime::Result<(u32, u32)> {
        let units = strings::utf16_len(text);
        let size = too_long(units.checked_mul(2), strings::MAX_BYTES)?;
        let ptr = self.alloc(2, size)?;
        strings::write_utf16(text, self.bytes_mut(ptr, size)?);
        Ok((ptr as u32, units as u32))
    }

    /// `bytes` in fresh guest memory aligned to `align`.
    fn copy_in(&mut self, align: u32, bytes: &[u8]) -> wasmtime::Result<u32> {
        too_long(Some(bytes.len()), u32::MAX as usize)?;
        let ptr = self.alloc(align, bytes.len())?;
        self.put(ptr, bytes)?;
        Ok(ptr as u32)
    }

    /// Copies the tape's next list of `element`s into the guest.
    fn list(
        &mut self,
        element: InterfaceType,
        src: &mut TapeReader<'_>,
    ) -> wasmtime::Result<(u32, u32)> {
        let abi = self.types.canonical_abi(&element);
        let (size, align) = (abi.size32 as usize, abi.align32);
        // A list of scalars, or of records of numbers, is one run of the
        // elements as the guest stores them.
        let run_element =
            scalar_size(&element).or(numeric_record(self.types, &element).then_some(size));
        if let Some(element_size) = run_element {
            let bytes = src.elements()?;
            // Never 0: a scalar, or a record with at least one field.
            if !bytes.len().is_multiple_of(element_size) {
                return Err(internal("a staged list has a partial element"));
            }
            let len = bytes.len() / element_size;
            return self.copy_in(align, bytes).map(|ptr| (ptr, len as u32));
        }
        let len = usize::try_from(src.word()?)?;
        let total = too_long(len.checked_mul(size), u32::MAX as usize)?;
        let ptr = self.alloc(align, total)?;
        if let Some(leaves) = plain_leaves(self.types, &element) {
            let region = self.bytes_mut(ptr, total)?;
            // `size` is not 0: a plain value holds at least one scalar.
            for value in region.chunks_exact_mut(size) {
                for &(at, leaf) in &leaves {
                    put_leaf(leaf, src.word()?, &mut value[at..])?;
                }
            }
            return Ok((ptr as u32, len as u32));
        }
        if let Some(fields) = field_offsets(self.types, &element) {
            for index in 0..len {
                let at = ptr + index * size;
                for &(field_at, ty) in &fields {
                    self.mem(ty, src, at + field_at)?;
                }
            }
            return Ok((ptr as u32, len as u32));
        }
        for index in 0..len {
            self.mem(element, src, ptr + index * size)?;
        }
        Ok((ptr as u32, len as u32))
    }
}

/// Stores the tape word of the scalar `leaf` at the start of `out` (which
/// holds at least its size: the caller's value does).
#[inline]
fn put_leaf(leaf: Leaf, word: u64, out: &mut [u8]) -> wasmtime::Result<()> {
    fn put<const N: usize>(out: &mut [u8], bytes: [u8; N]) -> wasmtime::Result<()> {
        out.get_mut(..N)
            .ok_or_else(|| internal("a plain value's scalar past its end"))?
            .copy_from_slice(&bytes);
        Ok(())
    }
    match leaf {
        Leaf::Bool | Leaf::U8 | Leaf::S8 => put(out, [word as u8]),
        Leaf::U16 | Leaf::S16 => put(out, (word as u16).to_le_bytes()),
        Leaf::U32 | Leaf::S32 | Leaf::Char => put(out, (word as u32).to_le_bytes()),
        Leaf::W64 => put(out, word.to_le_bytes()),
    }
}

/// The payload type of case `case` of a variant-like type.
fn nth_case(
    mut cases: impl ExactSizeIterator<Item = Option<InterfaceType>>,
    case: u64,
) -> wasmtime::Result<Option<InterfaceType>> {
    let count = cases.len();
    usize::try_from(case)
        .ok()
        .and_then(|case| cases.nth(case))
        .ok_or_else(|| internal(format!("staged case {case} of a type with {count} cases")))
}

/// `len`, unless it overflowed or is over `max` bytes.
fn too_long(len: Option<usize>, max: usize) -> wasmtime::Result<usize> {
    len.filter(|len| *len <= max).ok_or_else(|| {
        wasmtime::format_err!("a value too large to copy into wasm (over {max} bytes)")
    })
}

fn unsupported(ty: InterfaceType) -> wasmtime::Error {
    wasmtime::format_err!("witbridge does not support passing {ty:?} values yet")
}
