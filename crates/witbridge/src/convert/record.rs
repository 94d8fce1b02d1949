//! `record` <-> a generated dataclass.
//!
//! Accepts the generated class, any object with attributes of the field
//! names (another dataclass, a namedtuple), or a dict keyed by the snake_case
//! or the WIT field names.

use pyo3::exceptions::PyAttributeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use witbridge_core::abi::TapeReader;

use super::error::ConvError;
use super::{Converter, Fault, Mat, Prep};

pub struct Field {
    /// The Python attribute, `machine_id`.
    pub py_name: Py<PyString>,
    /// The WIT name, `machine-id`, for messages and as a dict key.
    pub wit_name: String,
    pub wit_key: Py<PyString>,
    pub conv: Converter,
}

pub struct RecordConverter {
    pub class: Py<PyType>,
    /// The `__init__` that `class` was made with, when it is a plain
    /// dataclass of witbridge's own making (its `__wit_plain__`), which
    /// only sets the fields: while `class` still has it, a value is made
    /// without running it, which costs a third as much.
    pub plain_init: Option<Py<PyAny>>,
    pub fields: Vec<Field>,
    /// Where each field's slot is in an instance of `class`, and how one
    /// is allocated (see [`Slots::of`]), when its instances are plain
    /// blocks of slots.
    pub slots: Option<Slots>,
    /// `record point (Point, a dict or an object with attributes x, y)`.
    pub expected: String,
}

/// What is done with each field's value while a record is read: staged on
/// a tape, or written into a list's memory image (see `structured.rs`).
pub type FieldSink<'s> = dyn FnMut(usize, &Field, &Bound<'_, PyAny>) -> Result<(), ConvError> + 's;

impl RecordConverter {
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        self.read(obj, &mut |_, field, value| field.conv.prepare(value, cx))
    }

    /// Hands `sink` the value of each field of `obj`, in order, with its
    /// index; an error names the field.
    pub fn read(&self, obj: &Bound<'_, PyAny>, sink: &mut FieldSink<'_>) -> Result<(), ConvError> {
        if let Ok(dict) = obj.downcast::<PyDict>() {
            return self.read_dict(dict, sink);
        }
        if let Some(slots) = self.own_slots(obj) {
            // The class's own instance (not a subclass's, which may have
            // properties): its fields are read where they are.
            for (index, (field, &at)) in self.fields.iter().zip(slots).enumerate() {
                match read_slot(obj, at) {
                    Some(value) => self.read_field(index, field, &value, sink)?,
                    // A deleted field: the attribute lookups say which. (What
                    // was staged meanwhile goes with the refused call.)
                    None => return self.read_attributes(obj, sink),
                }
            }
            return Ok(());
        }
        self.read_attributes(obj, sink)
    }

    /// Where `obj`'s fields are, if it is an instance of the class itself
    /// (not a subclass's, which may have properties) and the class's
    /// instances are plain blocks of slots.
    #[inline]
    pub fn own_slots(&self, obj: &Bound<'_, PyAny>) -> Option<&[usize]> {
        let slots = self.slots.as_ref()?;
        // SAFETY: comparing type pointers.
        let own = unsafe { ffi::Py_TYPE(obj.as_ptr()) == self.class.as_ptr().cast() };
        own.then_some(&slots.offsets)
    }

    /// Reads the fields of any object with attributes of their names.
    fn read_attributes(
        &self,
        obj: &Bound<'_, PyAny>,
        sink: &mut FieldSink<'_>,
    ) -> Result<(), ConvError> {
        let py = obj.py();
        for (index, field) in self.fields.iter().enumerate() {
            let name = field.py_name.bind(py);
            let value = match obj.getattr(name) {
                Ok(value) => value,
                Err(err) if err.is_instance_of::<PyAttributeError>(py) => {
                    // An object with some of the fields is probably a typo;
                    // say which one is missing.
                    let partial = self
                        .fields
                        .iter()
                        .any(|f| obj.hasattr(f.py_name.bind(py)).unwrap_or(false));
                    let expected = if partial {
                        format!("{} (it has no attribute {name})", self.expected)
                    } else {
                        self.expected.clone()
                    };
                    return Err(ConvError::wrong_type(&expected, obj));
                }
                Err(err) => return Err(err.into()),
            };
            self.read_field(index, field, &value, sink)?;
        }
        Ok(())
    }

    fn read_field(
        &self,
        index: usize,
        field: &Field,
        value: &Bound<'_, PyAny>,
        sink: &mut FieldSink<'_>,
    ) -> Result<(), ConvError> {
        sink(index, field, value).map_err(|e| {
            e.in_field(
                field
                    .py_name
                    .bind(value.py())
                    .to_str()
                    .unwrap_or(&field.wit_name),
            )
        })
    }

    fn read_dict(
        &self,
        dict: &Bound<'_, PyDict>,
        sink: &mut FieldSink<'_>,
    ) -> Result<(), ConvError> {
        let py = dict.py();
        for (index, field) in self.fields.iter().enumerate() {
            let value = match dict.get_item(field.py_name.bind(py))? {
                Some(v) => v,
                None => dict.get_item(field.wit_key.bind(py))?.ok_or_else(|| {
                    ConvError::wrong_type(
                        &format!(
                            "{} (the dict has no key '{}')",
                            self.expected,
                            field.py_name.bind(py)
                        ),
                        dict.as_any(),
                    )
                })?,
            };
            self.read_field(index, field, &value, sink)?;
        }
        if dict.len() > self.fields.len() {
            for key in dict.keys() {
                let known = self.fields.iter().any(|f| {
                    key.eq(f.py_name.bind(py)).unwrap_or(false)
                        || key.eq(f.wit_key.bind(py)).unwrap_or(false)
                });
                if !known {
                    return Err(ConvError::new(
                        super::error::Refusal::Type,
                        format!("unknown field {} for {}", key.repr()?, self.expected),
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        let plain = self.is_plain(py, cx)?;
        self.make(py, plain, |_, field| field.conv.materialize(py, src, cx))
    }

    /// Whether values can be made without running `__init__` (see
    /// [`RecordConverter::plain_init`]): asked once per call.
    pub fn is_plain(&self, py: Python<'_>, cx: &mut Mat<'_>) -> Result<bool, Fault> {
        match &self.plain_init {
            Some(init) => Ok(cx.plain(self as *const Self as usize, || {
                Ok(self
                    .class
                    .bind(py)
                    .getattr(pyo3::intern!(py, "__init__"))?
                    .is(init))
            })?),
            None => Ok(false),
        }
    }

    /// A value of the class, with `value(index, field)` for each field, in
    /// order; `plain` is [`RecordConverter::is_plain`]'s answer. Inlined
    /// into each caller, which makes one record per element of a list.
    #[inline]
    pub fn make<'py>(
        &self,
        py: Python<'py>,
        plain: bool,
        mut value: impl FnMut(usize, &Field) -> Result<Bound<'py, PyAny>, Fault>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        let class = self.class.bind(py);
        if plain {
            let Some(slots) = &self.slots else {
                let obj = new_object(class)?;
                for (index, field) in self.fields.iter().enumerate() {
                    obj.setattr(field.py_name.bind(py), value(index, field)?)?;
                }
                return Ok(obj);
            };
            let obj = slots.new_object(class)?;
            for (index, (field, &at)) in self.fields.iter().zip(&slots.offsets).enumerate() {
                let value = value(index, field)?;
                // SAFETY: `at` is where `class`'s instances keep this field
                // (`Slots::of` found it), and `obj` is a new instance of
                // `class` itself.
                unsafe { fill_slot(&obj, at, value) };
            }
            return Ok(obj);
        }
        let args = self
            .fields
            .iter()
            .enumerate()
            .map(|(index, field)| value(index, field))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(class.call1(PyTuple::new(py, args)?)?)
    }
}

/// `object.__new__(class)`: an instance whose `__init__` has not run.
fn new_object<'py>(class: &Bound<'py, PyType>) -> PyResult<Bound<'py, PyAny>> {
    let py = class.py();
    static NO_ARGS: pyo3::sync::PyOnceLock<Py<PyTuple>> = pyo3::sync::PyOnceLock::new();
    let no_args = NO_ARGS.get_or_init(py, || PyTuple::empty(py).unbind());
    // SAFETY: `object`'s `tp_new` slot is a `newfunc`, called with a type
    // that derives from `object`, an empty tuple and no keywords; it returns
    // a new reference or NULL with an exception set.
    unsafe {
        let base = &raw mut pyo3::ffi::PyBaseObject_Type;
        let slot = pyo3::ffi::PyType_GetSlot(base, pyo3::ffi::Py_tp_new);
        let new: pyo3::ffi::newfunc = std::mem::transmute(slot);
        let raw = new(class.as_type_ptr(), no_args.as_ptr(), std::ptr::null_mut());
        Bound::from_owned_ptr_or_err(py, raw)
    }
}

/// How a class whose instances are plain blocks of slots keeps its fields.
pub struct Slots {
    /// Where each field's slot is in an instance, by field.
    pub offsets: Box<[usize]>,
    /// The class's `tp_alloc`, which `object.__new__` would call.
    alloc: ffi::allocfunc,
}

impl Slots {
    /// Where `class`'s instances keep each field, when they are plain
    /// blocks of slots (a slotted dataclass, as `_classes.make_record`
    /// makes): found by setting each field of one instance to an object of
    /// its own and looking for it. `None` (so attributes are used) when the
    /// class has a `__dict__` or any field isn't found exactly once.
    pub fn of(class: &Bound<'_, PyType>, fields: &[Field]) -> PyResult<Option<Self>> {
        let Some(offsets) = slot_offsets(class, fields)? else {
            return Ok(None);
        };
        // SAFETY: a type's `tp_alloc` slot holds an `allocfunc`; every
        // class has one (`object`'s, inherited, for a plain class).
        let alloc = unsafe {
            let slot = ffi::PyType_GetSlot(class.as_type_ptr(), ffi::Py_tp_alloc);
            if slot.is_null() {
                return Ok(None);
            }
            std::mem::transmute::<*mut std::ffi::c_void, ffi::allocfunc>(slot)
        };
        Ok(Some(Slots { offsets, alloc }))
    }

    /// A new instance of `class` (the class these are of), every slot
    /// empty: what `object.__new__(class)` makes, without looking up
    /// `object`'s `tp_new` and checking its (absent) arguments, which cost
    /// as much again as the allocation for a small record.
    #[inline]
    fn new_object<'py>(&self, class: &Bound<'py, PyType>) -> PyResult<Bound<'py, PyAny>> {
        // SAFETY: `alloc` is `class`'s own `tp_alloc`; it returns a new
        // reference to a zeroed instance, or NULL with an exception set.
        unsafe { Bound::from_owned_ptr_or_err(class.py(), (self.alloc)(class.as_type_ptr(), 0)) }
    }
}

/// The object pointer `at` bytes into `obj`'s struct.
fn slot(obj: &Bound<'_, PyAny>, at: usize) -> *mut *mut ffi::PyObject {
    // SAFETY (of the callers' dereferences): `slot_offsets` only gives
    // offsets inside an instance's `__basicsize__`, pointer-aligned.
    obj.as_ptr().cast::<u8>().wrapping_add(at).cast()
}

/// The value in the slot `at` of `obj`, an instance of the class whose
/// offsets these are; `None` if the field was deleted.
fn read_slot<'py>(obj: &Bound<'py, PyAny>, at: usize) -> Option<Bound<'py, PyAny>> {
    // SAFETY: see `slot`; a slot holds NULL or a strong reference, and the
    // new reference made here keeps the value alive whatever later
    // conversions do to `obj`.
    unsafe {
        let value = *slot(obj, at);
        (!value.is_null()).then(|| Bound::from_borrowed_ptr(obj.py(), value))
    }
}

/// Puts `value` in the slot `at` of `obj`, a new instance of the class whose
/// offsets these are.
///
/// # Safety
/// `at` must be one of [`slot_offsets`]'s offsets for `obj`'s exact class.
unsafe fn fill_slot(obj: &Bound<'_, PyAny>, at: usize, value: Bound<'_, PyAny>) {
    // SAFETY: the caller's promise; the slot's old value, if any, is ours to
    // release (a new instance's slots are NULL).
    unsafe {
        let place = slot(obj, at);
        let old = std::mem::replace(&mut *place, value.into_ptr());
        if !old.is_null() {
            ffi::Py_DECREF(old);
        }
    }
}

/// The offsets for [`Slots::of`].
fn slot_offsets(class: &Bound<'_, PyType>, fields: &[Field]) -> PyResult<Option<Box<[usize]>>> {
    let py = class.py();
    if class.getattr("__dictoffset__")?.extract::<isize>()? != 0 {
        return Ok(None);
    }
    let size: usize = class.getattr("__basicsize__")?.extract()?;
    let obj = new_object(class)?;
    let object = py.get_type::<pyo3::types::PyAny>();
    let marks = fields
        .iter()
        .map(|field| {
            let mark = object.call0()?;
            obj.setattr(field.py_name.bind(py), &mark)?;
            Ok(mark)
        })
        .collect::<PyResult<Vec<_>>>()?;
    let word = std::mem::size_of::<*mut ffi::PyObject>();
    let mut offsets = Vec::with_capacity(fields.len());
    for mark in &marks {
        let mut found = (std::mem::size_of::<ffi::PyObject>()..size)
            .step_by(word)
            // SAFETY: inside the instance's struct, pointer-aligned.
            .filter(|&at| unsafe { *slot(&obj, at) } == mark.as_ptr());
        match (found.next(), found.next()) {
            (Some(at), None) => offsets.push(at),
            _ => return Ok(None),
        }
    }
    Ok(Some(offsets.into()))
}

/// The value in the slot `at` of `obj`, borrowed, or `None` if the field
/// was deleted.
///
/// # Safety
/// `at` must be one of [`RecordConverter::own_slots`]'s offsets for `obj`,
/// and the value must not be used past anything that can run Python code
/// (which could replace it in the slot).
#[inline]
pub unsafe fn borrow_slot<'a, 'py>(
    obj: &'a Bound<'py, PyAny>,
    at: usize,
) -> Option<Borrowed<'a, 'py, PyAny>> {
    // SAFETY: the caller's promise; a slot holds NULL or a strong reference.
    unsafe {
        let value = *slot(obj, at);
        (!value.is_null()).then(|| Borrowed::from_ptr(obj.py(), value))
    }
}
