//! Conversion errors that learn where they happened on the way out.
//!
//! A failing leaf converter returns a [`ConvError`] with an empty path; each
//! container that passes it on pushes its own segment (a field name, an
//! index). The path is stored innermost-first so that a push is cheap, and
//! nothing at all is paid on the happy path. The function call that started
//! the conversion adds the function and parameter name, giving messages like
//! `run(): start.x: expected u32 (0..4294967295), got -1`.

use pyo3::exceptions::{PyNotImplementedError, PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt, PyMemoryView, PySequence};

/// One step into a value.
#[derive(Debug)]
pub enum PathSegment {
    /// A record field, or the `value` of a variant case / result / `Some`.
    Field(String),
    /// A list or tuple element.
    Index(usize),
}

/// Which Python exception a refusal becomes.
#[derive(Debug, Clone, Copy)]
pub enum Refusal {
    /// The value has the wrong Python type.
    Type,
    /// The type is right but the value is not allowed (a bad enum name, a
    /// string of the wrong length for a `char`).
    Value,
    /// An integer or float out of the WIT type's range.
    Overflow,
    /// A resource handle that can't be used (dropped, moved, or of another
    /// instance): a `witbridge.Error`.
    Error,
}

#[derive(Debug)]
enum Cause {
    Refused(Refusal, String),
    /// Python code we called (a property, `__index__`, ...) raised: keep its exception.
    Python(PyErr),
}

/// A value that could not be lowered, with the path to it.
#[derive(Debug)]
pub struct ConvError {
    /// Innermost segment first.
    reversed_path: Vec<PathSegment>,
    cause: Cause,
}

impl ConvError {
    /// A refusal with a complete message such as `expected u8 (0..255), got 300`.
    pub fn new(refusal: Refusal, message: String) -> Self {
        ConvError {
            reversed_path: Vec::new(),
            cause: Cause::Refused(refusal, message),
        }
    }

    /// `expected {expected}, got {obj}` as a `TypeError`.
    pub fn wrong_type(expected: &str, obj: &Bound<'_, PyAny>) -> Self {
        Self::new(
            Refusal::Type,
            format!("expected {expected}, got {}", describe(obj)),
        )
    }

    /// A buffer with no dimensions (a numpy scalar's) where a list is
    /// expected: one number is not a list of one.
    pub fn scalar_buffer(expected: &str, obj: &Bound<'_, PyAny>) -> Self {
        Self::new(
            Refusal::Type,
            format!(
                "expected {expected}, got {} (a buffer with no dimensions: one number)",
                describe(obj)
            ),
        )
    }

    /// Adds a field name in front of the path.
    pub fn in_field(mut self, name: &str) -> Self {
        self.reversed_path.push(PathSegment::Field(name.to_owned()));
        self
    }

    /// Adds an index in front of the path.
    pub fn at_index(mut self, index: usize) -> Self {
        self.reversed_path.push(PathSegment::Index(index));
        self
    }

    /// The Python exception for this error inside `function`'s argument `param`.
    pub fn into_pyerr(self, function: &str, param: &str) -> PyErr {
        let (refusal, message) = match self.cause {
            Cause::Python(err) => return err,
            Cause::Refused(refusal, message) => (refusal, message),
        };
        let mut path = param.to_owned();
        for segment in self.reversed_path.iter().rev() {
            match segment {
                PathSegment::Field(name) => {
                    path.push('.');
                    path.push_str(name);
                }
                PathSegment::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        let text = format!("{function}(): {path}: {message}");
        match refusal {
            Refusal::Type => PyTypeError::new_err(text),
            Refusal::Value => PyValueError::new_err(text),
            Refusal::Overflow => PyOverflowError::new_err(text),
            Refusal::Error => crate::pyclasses::new_err(crate::pyclasses::error, text),
        }
    }
}

impl From<PyErr> for ConvError {
    fn from(err: PyErr) -> Self {
        ConvError {
            reversed_path: Vec::new(),
            cause: Cause::Python(err),
        }
    }
}

/// Item `i` of a sequence that a list is read from. A memoryview that
/// Python can't index (one of several dimensions, or of a struct's format)
/// raises `NotImplementedError`; that is a value of the wrong type here,
/// refused with where it was, not an error of witbridge's.
pub fn sequence_item<'py>(
    seq: &Bound<'py, PySequence>,
    i: usize,
    expected: &str,
) -> Result<Bound<'py, PyAny>, ConvError> {
    seq.get_item(i).map_err(|err| {
        let py = seq.py();
        if err.is_instance_of::<PyNotImplementedError>(py) && seq.is_instance_of::<PyMemoryView>()
        {
            ConvError::new(
                Refusal::Type,
                format!(
                    "expected {expected}, got a memoryview that Python can't read item by item ({})",
                    err.value(py)
                ),
            )
        } else {
            err.into()
        }
    })
}

/// How a value is shown after "got": numbers as themselves, anything else
/// with its type, reprs cut short so that a 1 MiB string doesn't flood the
/// message.
pub fn describe(obj: &Bound<'_, PyAny>) -> String {
    const LIMIT: usize = 60;
    let repr = obj
        .repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| "<unprintable>".to_owned());
    // A repr of several lines (a 2-D numpy array's) goes on one: a message
    // is one line in a log. A `str`'s repr has no newline to lose.
    let repr = if repr.contains('\n') {
        let lines = repr
            .split('\n')
            .map(str::trim)
            .filter(|line| !line.is_empty());
        lines.collect::<Vec<_>>().join(" ")
    } else {
        repr
    };
    let repr = if repr.chars().count() > LIMIT {
        let cut: String = repr.chars().take(LIMIT).collect();
        format!("{cut}...")
    } else {
        repr
    };
    // Numbers and None read clearly alone; `<generator object ...>`-style
    // reprs already name their type; anything else gets its type in front.
    let plain = obj.is_none()
        || obj.is_instance_of::<PyInt>()
        || obj.is_instance_of::<PyFloat>()
        || repr.starts_with('<');
    if plain {
        return repr;
    }
    let type_name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned());
    format!("{type_name} {repr}")
}
