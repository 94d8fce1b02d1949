//! Converters between Python values and tapes, one per WIT type kind.
//!
//! A function's signature is compiled once into a tree of these (see
//! [`build`]); a call only walks the tree. `prepare` checks a Python value
//! and stages it on a [`Tape`](witbridge_core::abi::Tape) for the guest,
//! `materialize` makes the Python value of what a guest put on a tape.
//! Moving tapes in and out of guest memory is witbridge's canonical ABI
//! (`witbridge_core::abi`), which knows nothing of Python; each kind here
//! knows nothing of the others but the [`Converter`]s it holds.

mod bool;
mod buffer;
pub mod build;
mod bytes;
mod char;
mod cx;
mod enum_;
pub mod error;
mod flags;
mod float;
mod host_resource;
mod int;
mod list;
mod numbers;
mod option;
mod record;
mod resource;
mod result;
mod string;
mod structured;
mod tuple;
mod variant;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use witbridge_core::abi::TapeReader;

pub use self::bool::BoolConverter;
pub use self::bytes::BytesConverter;
pub use self::char::CharConverter;
pub use self::cx::{ListMode, Mat, Prep};
pub use self::enum_::EnumConverter;
pub use self::error::ConvError;
pub use self::flags::FlagsConverter;
pub use self::float::FloatConverter;
pub use self::host_resource::HostResourceConverter;
pub use self::int::{IntConverter, IntKind};
pub use self::list::ListConverter;
pub use self::numbers::{NumbersConverter, Scalar};
pub use self::option::OptionConverter;
pub use self::record::{Field, RecordConverter};
pub use self::resource::GuestResourceConverter;
pub use self::result::ResultConverter;
pub use self::string::StringConverter;
pub use self::structured::NumericRecord;
pub use self::tuple::TupleConverter;
pub use self::variant::{Case, VariantConverter};

/// The converter of one WIT type; see the module docs.
pub enum Converter {
    Bool(BoolConverter),
    Int(IntConverter),
    Float(FloatConverter),
    Char(CharConverter),
    String(StringConverter),
    Bytes(BytesConverter),
    Numbers(NumbersConverter),
    List(ListConverter),
    Tuple(TupleConverter),
    Record(RecordConverter),
    Variant(VariantConverter),
    Enum(EnumConverter),
    Flags(FlagsConverter),
    Option(OptionConverter),
    Result(ResultConverter),
    GuestResource(GuestResourceConverter),
    HostResource(HostResourceConverter),
}

macro_rules! dispatch {
    ($self:ident, $c:ident => $body:expr) => {
        match $self {
            Converter::Bool($c) => $body,
            Converter::Int($c) => $body,
            Converter::Float($c) => $body,
            Converter::Char($c) => $body,
            Converter::String($c) => $body,
            Converter::Bytes($c) => $body,
            Converter::Numbers($c) => $body,
            Converter::List($c) => $body,
            Converter::Tuple($c) => $body,
            Converter::Record($c) => $body,
            Converter::Variant($c) => $body,
            Converter::Enum($c) => $body,
            Converter::Flags($c) => $body,
            Converter::Option($c) => $body,
            Converter::Result($c) => $body,
            Converter::GuestResource($c) => $body,
            Converter::HostResource($c) => $body,
        }
    };
}

impl Converter {
    /// Python value -> tape, or a refusal that names the path to the
    /// offending part. Nothing reaches the guest or a resource table until
    /// the whole call's values were accepted ([`Prep::commit`]).
    #[inline]
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        dispatch!(self, c => c.prepare(obj, cx))
    }

    /// Tape -> Python value.
    #[inline]
    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        dispatch!(self, c => c.materialize(py, src, cx))
    }

    /// Whether values of this type can hold resource handles, which can't
    /// pass from one guest's store to another's.
    pub fn has_handles(&self) -> bool {
        match self {
            Converter::GuestResource(_) | Converter::HostResource(_) => true,
            Converter::List(c) => c.item.has_handles(),
            Converter::Tuple(c) => c.items.iter().any(Converter::has_handles),
            Converter::Record(c) => c.fields.iter().any(|f| f.conv.has_handles()),
            Converter::Variant(c) => c
                .cases
                .iter()
                .any(|case| case.payload.as_ref().is_some_and(Converter::has_handles)),
            Converter::Option(c) => c.inner.has_handles(),
            Converter::Result(c) => {
                c.ok.as_ref().is_some_and(|t| t.has_handles())
                    || c.err.as_ref().is_some_and(|t| t.has_handles())
            }
            _ => false,
        }
    }
}

/// Why a value could not be made from a tape.
pub enum Fault {
    /// Python raised (out of memory, a failing class factory, no numpy).
    Python(PyErr),
    /// The guest broke the canonical ABI (a string that is not UTF-8), or
    /// witbridge's own bookkeeping is wrong.
    Guest(wasmtime::Error),
}

impl From<PyErr> for Fault {
    fn from(err: PyErr) -> Self {
        Fault::Python(err)
    }
}

impl From<wasmtime::Error> for Fault {
    fn from(err: wasmtime::Error) -> Self {
        Fault::Guest(err)
    }
}

impl Fault {
    /// As a Python exception, where no guest call can carry it.
    pub fn into_pyerr(self) -> PyErr {
        match self {
            Fault::Python(err) => err,
            Fault::Guest(err) => {
                crate::pyclasses::new_err(crate::pyclasses::error, format!("{err:#}"))
            }
        }
    }
}

/// Whether `obj` is a value of a class witbridge generated for the WIT type
/// `wit_name` (possibly for another component: the same WIT, loaded twice,
/// makes two classes, and their values should be interchangeable).
pub(crate) fn same_wit_type(obj: &Bound<'_, PyAny>, wit_name: &str) -> bool {
    obj.get_type()
        .getattr(pyo3::intern!(obj.py(), "__wit_name__"))
        .and_then(|n| n.extract::<String>())
        .is_ok_and(|n| n == wit_name)
}

/// A state witbridge's own bookkeeping should never reach; still an
/// exception rather than a crash.
#[cold]
pub(crate) fn internal(what: &str) -> PyErr {
    PyRuntimeError::new_err(format!("witbridge internal error: {what}"))
}
