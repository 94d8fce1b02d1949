//! `option<T>` <-> `None` or the value. Where `T` is itself an option the
//! outer layer is `witbridge.Some(value)`, so that `Some(None)` and `None`
//! stay apart.

use pyo3::prelude::*;
use wasmtime::component::Val;

use super::Cx;

use super::error::ConvError;
use super::{Converter, unexpected};
use crate::pyclasses;

pub struct OptionConverter {
    pub inner: Box<Converter>,
    /// Whether `T` is an option, so the outer layer needs `Some`.
    pub nested: bool,
    pub wit: String,
}

impl OptionConverter {
    pub fn lower(&self, obj: &Bound<'_, PyAny>, cx: &mut Cx<'_>) -> Result<Val, ConvError> {
        if obj.is_none() {
            return Ok(Val::Option(None));
        }
        // `Some(x)` is accepted for any option; for a nested one it is how
        // `Some(None)` is told apart from `None`.
        let some = pyclasses::some(obj.py())?;
        let val = if obj.get_type().is(some) {
            let inner = obj.getattr(pyo3::intern!(obj.py(), "value"))?;
            self.inner
                .lower(&inner, cx)
                .map_err(|e| e.in_field("value"))?
        } else {
            self.inner.lower(obj, cx)?
        };
        Ok(Val::Option(Some(Box::new(val))))
    }

    pub fn lift<'py>(
        &self,
        py: Python<'py>,
        val: Val,
        cx: &mut Cx<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match val {
            Val::Option(None) => Ok(py.None().into_bound(py)),
            Val::Option(Some(v)) => {
                let inner = self.inner.lift(py, *v, cx)?;
                if self.nested {
                    pyclasses::some(py)?.call1((inner,))
                } else {
                    Ok(inner)
                }
            }
            other => Err(unexpected(&self.wit, &other)),
        }
    }
}
