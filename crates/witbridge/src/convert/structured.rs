//! `list<R>`, for a record `R` whose fields are all integers and floats,
//! as the memory image the guest keeps it in.
//!
//! Such a list is one run of bytes on the tape, the elements as the guest
//! stores them (`witbridge_core::abi::numeric_record`), which goes in and
//! out of the guest with one copy. Here it is made from, and made into, one
//! of two Python forms:
//!
//! - a list of records (any sequence of what a record accepts, in): each
//!   field is checked and written where it lies in the element, and read
//!   from there, with no tape word per field;
//! - a one-dimensional numpy *structured* array of the record's dtype
//!   ([`NumericRecord::dtype`]), taken as it is in, and made with one copy
//!   under `numeric_lists="numpy"`: its names are the record's snake_case
//!   fields, little-endian, at the canonical ABI's offsets, which is numpy's
//!   `align=True` layout.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList};

use super::error::{ConvError, Refusal};
use super::{Converter, Fault, Mat, Prep, RecordConverter, internal};

/// One field of the record in its memory image.
struct Leaf {
    offset: usize,
    width: usize,
    /// Whether its tape word is sign-extended from `width` bytes.
    signed: bool,
}

impl Leaf {
    /// The field's word (its value, or a float's bits) in `element`.
    #[inline(always)]
    fn get(&self, element: &[u8]) -> u64 {
        super::numbers::word_at(&element[self.offset..], self.width, self.signed)
    }

    /// Puts the field's `word` in `element`.
    #[inline(always)]
    fn put(&self, element: &mut [u8], word: u64) {
        let at = &mut element[self.offset..];
        match self.width {
            1 => at[0] = word as u8,
            2 => at[..2].copy_from_slice(&(word as u16).to_le_bytes()),
            4 => at[..4].copy_from_slice(&(word as u32).to_le_bytes()),
            _ => at[..8].copy_from_slice(&word.to_le_bytes()),
        }
    }
}

pub struct NumericRecord {
    leaves: Vec<Leaf>,
    /// The record's size in the guest's memory: an element of the run, and
    /// the array's itemsize.
    size: usize,
    /// The numpy formats of the fields, for the dtype.
    formats: Vec<String>,
    /// `numpy.dtype` of the record, made on first use.
    dtype: PyOnceLock<Py<PyAny>>,
}

impl NumericRecord {
    /// The layout of `record`, if every field is an integer or a float:
    /// each at its natural alignment, as the canonical ABI lays records out
    /// (the core's `numeric_record` decides alike, from wasmtime's types).
    pub fn of(record: &RecordConverter) -> Option<Self> {
        let mut leaves = Vec::with_capacity(record.fields.len());
        let mut formats = Vec::with_capacity(record.fields.len());
        let (mut end, mut align) = (0usize, 1usize);
        for field in &record.fields {
            let (width, signed, kind) = match &field.conv {
                Converter::Int(int) if int.signed() => (int.width(), true, 'i'),
                Converter::Int(int) => (int.width(), false, 'u'),
                Converter::Float(float) => (float.width(), false, 'f'),
                _ => return None,
            };
            // numpy's name of the field's type, little-endian: `<i4`.
            formats.push(format!("<{kind}{width}"));
            let offset = end.next_multiple_of(width);
            leaves.push(Leaf {
                offset,
                width,
                signed,
            });
            end = offset + width;
            align = align.max(width);
        }
        if leaves.is_empty() {
            return None;
        }
        Some(NumericRecord {
            leaves,
            size: end.next_multiple_of(align),
            formats,
            dtype: PyOnceLock::new(),
        })
    }

    /// The size of one record in the image.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many records `bytes` holds.
    pub fn count(&self, bytes: &[u8]) -> Result<usize, Fault> {
        if !bytes.len().is_multiple_of(self.size) {
            return Err(internal("a list of records with a partial element").into());
        }
        Ok(bytes.len() / self.size)
    }

    /// The record's numpy dtype; raises if numpy is not installed.
    fn dtype<'py>(
        &self,
        py: Python<'py>,
        record: &RecordConverter,
    ) -> PyResult<&Bound<'py, PyAny>> {
        let dtype = self.dtype.get_or_try_init(py, || {
            let spec = PyDict::new(py);
            let names: Vec<&Py<pyo3::types::PyString>> =
                record.fields.iter().map(|f| &f.py_name).collect();
            spec.set_item("names", names)?;
            spec.set_item("formats", &self.formats)?;
            let offsets: Vec<usize> = self.leaves.iter().map(|l| l.offset).collect();
            spec.set_item("offsets", offsets)?;
            spec.set_item("itemsize", self.size)?;
            super::numbers::import_numpy(py)?
                .getattr(pyo3::intern!(py, "dtype"))?
                .call1((spec,))
                .map(Bound::unbind)
        })?;
        Ok(dtype.bind(py))
    }

    /// Stages `obj` if it is a numpy array with a structured dtype: `None`
    /// for anything else. An array of another structured dtype, or of more
    /// than one dimension, is refused.
    pub fn prepare_array(
        &self,
        record: &RecordConverter,
        obj: &Bound<'_, PyAny>,
        cx: &mut Prep<'_>,
        expected: &str,
    ) -> Option<Result<(), ConvError>> {
        let py = obj.py();
        let theirs = obj.getattr(pyo3::intern!(py, "dtype")).ok()?;
        if theirs.getattr("names").ok()?.is_none() {
            return None; // a plain numeric array: its items are refused one by one
        }
        Some(self.stage_array(record, obj, &theirs, cx, expected))
    }

    fn stage_array(
        &self,
        record: &RecordConverter,
        obj: &Bound<'_, PyAny>,
        theirs: &Bound<'_, PyAny>,
        cx: &mut Prep<'_>,
        expected: &str,
    ) -> Result<(), ConvError> {
        let py = obj.py();
        let ours = self.dtype(py, record)?;
        if !theirs.eq(ours)? {
            return Err(ConvError::new(
                Refusal::Type,
                format!(
                    "expected {expected}, got a numpy array of dtype {}; \
                     the array must have dtype {}",
                    theirs.repr()?,
                    ours.repr()?
                ),
            ));
        }
        let ndim: usize = obj.getattr("ndim")?.extract()?;
        if ndim != 1 {
            return Err(ConvError::new(
                Refusal::Type,
                format!("expected {expected}, got a numpy array of {ndim} dimensions"),
            ));
        }
        // Its elements in order, whatever its strides: the image itself.
        let bytes = obj.call_method0(pyo3::intern!(py, "tobytes"))?;
        let bytes = bytes.downcast_into::<PyBytes>().map_err(PyErr::from)?;
        let owner = bytes.clone().unbind();
        cx.stage(|| Box::new(owner), bytes.as_bytes(), None);
        Ok(())
    }

    /// Writes the image of one record, `obj`, into `element` (`size` bytes).
    #[inline]
    pub fn write(
        &self,
        record: &RecordConverter,
        obj: &Bound<'_, PyAny>,
        element: &mut [u8],
    ) -> Result<(), ConvError> {
        if self.write_own(record, obj, element) {
            return Ok(());
        }
        // Anything else (a dict, another class, an int subclass, a value
        // out of range): field by field, with the refusals' messages.
        record.read(obj, &mut |index, field, value| {
            let word = match &field.conv {
                Converter::Int(int) => int.word(value)?,
                Converter::Float(float) => float.word(value)?,
                _ => return Err(internal("a numeric record with another field").into()),
            };
            self.leaves[index].put(element, word);
            Ok(())
        })
    }

    /// [`NumericRecord::write`] for an instance of the record's own class
    /// whose fields are `int`s and `float`s themselves, in range: read
    /// where they lie, with no reference counted and nothing that runs
    /// Python code, which is most of the cost of the general path. False
    /// (with `element` partly written) for anything else.
    #[inline(always)]
    fn write_own(
        &self,
        record: &RecordConverter,
        obj: &Bound<'_, PyAny>,
        element: &mut [u8],
    ) -> bool {
        let Some(slots) = record.own_slots(obj) else {
            return false;
        };
        for ((leaf, field), &at) in self.leaves.iter().zip(&record.fields).zip(slots) {
            // SAFETY: `at` is one of `own_slots`' offsets for `obj`, and
            // nothing below runs Python code while the value is borrowed.
            let Some(value) = (unsafe { super::record::borrow_slot(obj, at) }) else {
                return false;
            };
            let word = match &field.conv {
                Converter::Int(int) => int.exact_word(&value),
                Converter::Float(float) => float.exact_word(&value),
                _ => None,
            };
            match word {
                Some(word) => leaf.put(element, word),
                None => return false,
            }
        }
        true
    }

    /// The list of records in `bytes`.
    pub fn objects<'py>(
        &self,
        py: Python<'py>,
        record: &RecordConverter,
        bytes: &[u8],
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        let plain = record.is_plain(py, cx)?;
        let mut items = Vec::with_capacity(self.count(bytes)?);
        for element in bytes.chunks_exact(self.size) {
            items.push(record.make(py, plain, |index, field| {
                let word = self.leaves[index].get(element);
                match &field.conv {
                    Converter::Int(int) => Ok(int.object(py, word)),
                    Converter::Float(float) => Ok(float.object(py, word)),
                    _ => Err(internal("a numeric record with another field").into()),
                }
            })?);
        }
        Ok(PyList::new(py, items)?.into_any())
    }

    /// The numpy array of the records in `bytes`, a copy.
    pub fn array<'py>(
        &self,
        py: Python<'py>,
        record: &RecordConverter,
        bytes: &[u8],
    ) -> Result<Bound<'py, PyAny>, Fault> {
        self.count(bytes)?;
        let dtype = self.dtype(py, record)?;
        let frombuffer =
            super::numbers::import_numpy(py)?.getattr(pyo3::intern!(py, "frombuffer"))?;
        Ok(super::numbers::with_view(py, bytes, |view| {
            frombuffer
                .call1((view, dtype))?
                .call_method0(pyo3::intern!(py, "copy"))
        })?)
    }
}
