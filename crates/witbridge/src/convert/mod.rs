//! Converters between Python values and WIT values, one per WIT type kind.
//!
//! A function's signature is compiled once into a tree of these (see
//! [`build`]); a call only walks the tree: `lower` turns Python arguments
//! into wasmtime values, `lift` turns results back. Each kind lives in its
//! own file and knows nothing of the others but the [`Converter`] it holds,
//! so a later backend that reads and writes the guest's memory directly can
//! replace one kind at a time.

mod bool;
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
mod option;
mod record;
mod resource;
mod result;
mod string;
mod tuple;
mod variant;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use wasmtime::component::Val;

pub use self::bool::BoolConverter;
pub use self::bytes::BytesConverter;
pub use self::char::CharConverter;
pub use self::cx::{Cx, Owner};
pub use self::enum_::EnumConverter;
pub use self::error::ConvError;
pub use self::flags::FlagsConverter;
pub use self::float::FloatConverter;
pub use self::host_resource::HostResourceConverter;
pub use self::int::{IntConverter, IntKind};
pub use self::list::ListConverter;
pub use self::option::OptionConverter;
pub use self::record::{Field, RecordConverter};
pub use self::resource::GuestResourceConverter;
pub use self::result::ResultConverter;
pub use self::string::StringConverter;
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
    /// Python value -> WIT value, or a refusal that names the path to the
    /// offending part.
    #[inline]
    pub fn lower(&self, obj: &Bound<'_, PyAny>, cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        dispatch!(self, c => c.lower(obj, cx))
    }

    /// WIT value -> Python value.
    #[inline]
    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        dispatch!(self, c => c.lift(py, val, cx))
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

/// wasmtime handed back a value of another type than the signature says.
/// wasmtime type-checks every value it lifts, so this is a bug in witbridge;
/// it still becomes an exception rather than a crash.
#[cold]
pub(crate) fn unexpected(expected: &str, got: &Val) -> PyErr {
    PyRuntimeError::new_err(format!(
        "witbridge internal error: expected a {expected} from the guest, got {got:?}"
    ))
}
