//! `list<T>` <-> `list`, for a `T` that is not a scalar (see `bytes.rs` and
//! `numbers.rs` for those). Any sequence is accepted (a `str` is not,
//! although Python calls it one), and so is an array of one dimension or
//! more, as its rows; iterators and generators are not, because a call
//! must not consume what the caller may still need.

use pyo3::prelude::*;
use pyo3::types::{PyList, PySequence, PyString, PyTuple};
use witbridge_core::abi::TapeReader;

use super::buffer::array_rows;
use super::error::{ConvError, sequence_item};
use super::{Converter, Fault, ListMode, Mat, NumericRecord, Prep};

pub struct ListConverter {
    pub item: Box<Converter>,
    /// `list<point> (a list or other sequence)`, for refusals.
    pub expected: String,
    /// When the items are records of numbers: their memory image, which
    /// the tape holds the list as (see `structured.rs`).
    pub numeric: Option<NumericRecord>,
}

impl ListConverter {
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        let (Some(image), Converter::Record(record)) = (&self.numeric, &*self.item) else {
            return self.each_item(
                obj,
                cx,
                |cx, len| cx.tape.push_word(len as u64),
                |cx, _, item| self.item.prepare(item, cx),
            );
        };
        if !obj.is_instance_of::<PyList>()
            && !obj.is_instance_of::<PyTuple>()
            && let Some(staged) = image.prepare_array(record, obj, cx, &self.expected)
        {
            return staged;
        }
        // The image made at once (zeros where the padding is), each record
        // then written in its place; past a first 16 MiB it grows as the
        // records come, so that a sequence whose `len()` lies is refused at
        // its first missing item rather than by running out of memory.
        const AT_ONCE: usize = 16 << 20;
        let start = cx.tape.arena().len();
        let size = image.size();
        self.each_item(
            obj,
            cx,
            |cx, len| {
                cx.tape
                    .arena()
                    .resize(start + len.min(AT_ONCE / size) * size, 0)
            },
            |cx, i, item| {
                let at = start + i * size;
                let arena = cx.tape.arena();
                if arena.len() < at + size {
                    arena.resize(at + size, 0);
                }
                image.write(record, item, &mut arena[at..at + size])
            },
        )?;
        cx.tape.push_arena_run(start, None);
        Ok(())
    }

    /// Calls `begin` with the length of the sequence `obj`, then `item` on
    /// each of its items, with its index; an error names the index.
    fn each_item<'py>(
        &self,
        obj: &Bound<'py, PyAny>,
        cx: &mut Prep<'_>,
        begin: impl FnOnce(&mut Prep<'_>, usize),
        item: impl FnMut(&mut Prep<'_>, usize, &Bound<'py, PyAny>) -> Result<(), ConvError>,
    ) -> Result<(), ConvError> {
        if let Ok(list) = obj.downcast::<PyList>() {
            // Counted as staged, not as first seen: a property of an item
            // could change the list meanwhile. By index rather than with
            // the list's iterator, which asks for the length at every step
            // and costs as much as the rest of reading a small record.
            let len = list.len();
            let items = (0..len).map_while(|i| list.get_item(i).ok());
            return self.items(len, items, cx, begin, item);
        }
        if let Ok(tuple) = obj.downcast::<PyTuple>() {
            return self.items(tuple.len(), tuple.iter(), cx, begin, item);
        }
        if obj.is_instance_of::<PyString>() {
            return Err(ConvError::wrong_type(&self.expected, obj));
        }
        let Ok(seq) = obj.downcast::<PySequence>() else {
            if let Some(rows) = array_rows(obj) {
                let rows = rows?;
                return self.items(rows.len(), rows.into_iter(), cx, begin, item);
            }
            return Err(ConvError::wrong_type(&self.expected, obj));
        };
        let len = seq.len()?;
        let mut item = item;
        begin(cx, len);
        for i in 0..len {
            let got = sequence_item(seq, i, &self.expected)?;
            item(cx, i, &got).map_err(|e| e.at_index(i))?;
        }
        Ok(())
    }

    fn items<'py>(
        &self,
        len: usize,
        items: impl Iterator<Item = Bound<'py, PyAny>>,
        cx: &mut Prep<'_>,
        begin: impl FnOnce(&mut Prep<'_>, usize),
        mut item: impl FnMut(&mut Prep<'_>, usize, &Bound<'py, PyAny>) -> Result<(), ConvError>,
    ) -> Result<(), ConvError> {
        begin(cx, len);
        let mut staged = 0;
        for (i, got) in items.take(len).enumerate() {
            item(cx, i, &got).map_err(|e| e.at_index(i))?;
            staged += 1;
        }
        if staged != len {
            return Err(ConvError::new(
                super::error::Refusal::Value,
                format!(
                    "expected {}, got one that shrank while it was read",
                    self.expected
                ),
            ));
        }
        Ok(())
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        if let (Some(image), Converter::Record(record)) = (&self.numeric, &*self.item) {
            let bytes = src.elements()?;
            if cx.lists == ListMode::Numpy {
                return image.array(py, record, bytes);
            }
            let _paused = (image.count(bytes)? >= GcPause::FROM).then(GcPause::start);
            return image.objects(py, record, bytes, cx);
        }
        let len = usize::try_from(src.word()?).map_err(wasmtime::Error::from)?;
        let _paused = (len >= GcPause::FROM).then(GcPause::start);
        let mut items = Vec::with_capacity(len.min(1 << 20));
        for _ in 0..len {
            items.push(self.item.materialize(py, src, cx)?);
        }
        Ok(PyList::new(py, items)?.into_any())
    }
}

/// Python's cyclic garbage collector, held off while a long list is made.
///
/// Every 700 new container objects (records, tuples, lists) start a
/// collection, which walks them all again, and promotes them to older
/// generations, whose collections walk them once more: while 10,000 records
/// are made, a quarter of the time went there. None of the new objects can
/// be garbage (the list being made holds them all), so there is nothing for
/// those collections to find; the collector counts the allocations anyway
/// and runs once when it is back on.
struct GcPause {
    /// Whether the collector was on (a nested pause, or a user's
    /// `gc.disable()`, leaves it as it found it).
    was_on: bool,
}

impl GcPause {
    /// Lists shorter than this are made with the collector as it is.
    const FROM: usize = 256;

    fn start() -> Self {
        // SAFETY: called with the GIL held (materializing needs it).
        GcPause {
            was_on: unsafe { pyo3::ffi::PyGC_Disable() } == 1,
        }
    }
}

impl Drop for GcPause {
    fn drop(&mut self) {
        if self.was_on {
            // SAFETY: the GIL is still held (the pause lives inside one
            // `materialize`).
            unsafe { pyo3::ffi::PyGC_Enable() };
        }
    }
}
