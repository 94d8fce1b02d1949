//! `option<T>` <-> `None` or the value. Where `T` is itself an option the
//! outer layer is `witbridge.Some(value)`, so that `Some(None)` and `None`
//! stay apart.

use pyo3::prelude::*;
use witbridge_core::abi::TapeReader;

use super::error::ConvError;
use super::{Converter, Fault, Mat, Prep};
use crate::pyclasses;

pub struct OptionConverter {
    pub inner: Box<Converter>,
    /// Whether `T` is an option, so the outer layer needs `Some`.
    pub nested: bool,
    pub wit: String,
}

impl OptionConverter {
    pub fn prepare(&self, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>) -> Result<(), ConvError> {
        if obj.is_none() {
            cx.tape.push_word(0);
            return Ok(());
        }
        cx.tape.push_word(1);
        // `Some(x)` is accepted for any option; for a nested one it is how
        // `Some(None)` is told apart from `None`.
        let some = pyclasses::some(obj.py())?;
        if obj.get_type().is(some) {
            let inner = obj.getattr(pyo3::intern!(obj.py(), "value"))?;
            self.inner
                .prepare(&inner, cx)
                .map_err(|e| e.in_field("value"))
        } else {
            self.inner.prepare(obj, cx)
        }
    }

    pub fn materialize<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Bound<'py, PyAny>, Fault> {
        if src.word()? == 0 {
            return Ok(py.None().into_bound(py));
        }
        let inner = self.inner.materialize(py, src, cx)?;
        if self.nested {
            Ok(pyclasses::some(py)?.call1((inner,))?)
        } else {
            Ok(inner)
        }
    }
}
