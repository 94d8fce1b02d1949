//! Whether a Python implementation can be called the way its import will be.
//!
//! The guest calls every host function positionally, with exactly as many
//! arguments as its WIT function has parameters. An implementation that
//! can't take them (`"tick": 5`, a `log` of one parameter where the WIT has
//! two) would fail only at its first call, deep inside some export call, and
//! leave the instance unusable; so the linker judges each one before
//! anything is instantiated, and lists every misfit in its `LinkError`.
//!
//! The judgement is `inspect.signature`'s, where it can be read: a callable
//! fits when a call with that many positional arguments would bind (defaults
//! and `*args` welcome, a keyword-only parameter without a default not). A
//! callable whose signature Python can't tell (many builtins: `max`,
//! `dict.pop`) is given the benefit of the doubt.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyType};

use crate::convert::error::describe;

/// The positional arguments a signature takes, and what it needs by keyword.
struct Arity {
    /// Positional parameters without a default.
    required: usize,
    /// All positional parameters; `None` with `*args`.
    most: Option<usize>,
    /// Keyword-only parameters without a default: a positional call can't
    /// fill them.
    keywords: Vec<String>,
    /// `(level, message)`, as `str(inspect.signature(...))` writes it.
    text: String,
}

impl Arity {
    /// The arity of `callable`, or `None` when Python can't tell it.
    fn of(callable: &Bound<'_, PyAny>) -> PyResult<Option<Arity>> {
        let py = callable.py();
        let inspect = py.import("inspect")?;
        let signature = match inspect.call_method1("signature", (callable,)) {
            Ok(signature) => signature,
            // What inspect raises for what it can't read (see its docs).
            Err(e)
                if e.is_instance_of::<PyValueError>(py) || e.is_instance_of::<PyTypeError>(py) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let parameter = inspect.getattr("Parameter")?;
        let empty = parameter.getattr("empty")?;
        let var_positional = parameter.getattr("VAR_POSITIONAL")?;
        let keyword_only = parameter.getattr("KEYWORD_ONLY")?;
        let var_keyword = parameter.getattr("VAR_KEYWORD")?;
        let parameters: Vec<Bound<'_, PyAny>> = signature
            .getattr("parameters")?
            .call_method0("values")?
            .try_iter()?
            .collect::<PyResult<_>>()?;
        let mut arity = Arity {
            required: 0,
            most: Some(0),
            keywords: Vec::new(),
            text: bare(&signature, &parameters, &empty)?,
        };
        for param in parameters {
            let kind = param.getattr("kind")?;
            let has_default = !param.getattr("default")?.is(&empty);
            if kind.eq(&var_positional)? {
                arity.most = None;
            } else if kind.eq(&keyword_only)? {
                if !has_default {
                    arity.keywords.push(param.getattr("name")?.extract()?);
                }
            } else if !kind.eq(&var_keyword)? {
                // Positional-only or positional-or-keyword.
                arity.most = arity.most.map(|n| n + 1);
                if !has_default {
                    arity.required += 1;
                }
            }
        }
        Ok(Some(arity))
    }

    /// Why a call with `given` positional arguments after `bound` ones
    /// already bound (`self`) would not bind; `None` if it would.
    fn refuses(&self, name: &str, given: &[String], bound: usize) -> Option<String> {
        let head = format!("{name}{}", self.text);
        if !self.keywords.is_empty() {
            let quoted: Vec<String> = self.keywords.iter().map(|k| format!("'{k}'")).collect();
            return Some(format!(
                "{head} needs {} by keyword, but the guest passes every argument by position",
                quoted.join(", ")
            ));
        }
        let count = given.len() + bound;
        if count >= self.required && self.most.is_none_or(|most| count <= most) {
            return None;
        }
        let required = self.required.saturating_sub(bound);
        let takes = match self.most.map(|most| most.saturating_sub(bound)) {
            Some(0) => "no positional arguments".to_owned(),
            Some(most) if most == required => format!("{most} positional argument{}", plural(most)),
            Some(most) => format!("{required} to {most} positional arguments"),
            None => format!(
                "at least {required} positional argument{}",
                plural(required)
            ),
        };
        let besides = if bound > 0 { " besides self" } else { "" };
        let passed = if given.is_empty() {
            "none".to_owned()
        } else {
            format!("{} ({})", given.len(), given.join(", "))
        };
        Some(format!(
            "{head} takes {takes}{besides}, but the guest passes {passed}"
        ))
    }
}

/// `(key, value=None, /)`: the signature without its annotations, which
/// say nothing about whether it fits and are often long strings.
fn bare(
    signature: &Bound<'_, PyAny>,
    parameters: &[Bound<'_, PyAny>],
    empty: &Bound<'_, PyAny>,
) -> PyResult<String> {
    let py = signature.py();
    let unannotated = parameters
        .iter()
        .map(|p| {
            let kwargs = PyDict::new(py);
            kwargs.set_item("annotation", empty)?;
            p.call_method("replace", (), Some(&kwargs))
        })
        .collect::<PyResult<Vec<_>>>()?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("parameters", unannotated)?;
    kwargs.set_item("return_annotation", empty)?;
    Ok(signature
        .call_method("replace", (), Some(&kwargs))?
        .str()?
        .to_string())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// How a callable is named in a misfit: `Store.get`, `<lambda>`, `File`;
/// an object without a name of its own by its type (`partial object `).
fn name_of(callable: &Bound<'_, PyAny>) -> String {
    let py = callable.py();
    let named = |attr: &Bound<'_, PyString>| {
        callable
            .getattr(attr)
            .ok()
            .and_then(|n| n.extract::<String>().ok())
    };
    let qualname =
        named(pyo3::intern!(py, "__qualname__")).or_else(|| named(pyo3::intern!(py, "__name__")));
    match qualname {
        // What a function defined in a function is called where it was defined.
        Some(name) => match name.rsplit_once("<locals>.") {
            Some((_, local)) => local.to_owned(),
            None => name,
        },
        None => {
            let type_name = callable
                .get_type()
                .qualname()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "callable".to_owned());
            format!("{type_name} object ")
        }
    }
}

/// Why `callable(*given)` can't be called (`given`: the Python names of the
/// arguments the guest passes); `None` if it can, or if Python can't tell.
pub fn misfit(callable: &Bound<'_, PyAny>, given: &[String]) -> PyResult<Option<String>> {
    judge(callable, given, 0)
}

fn judge(callable: &Bound<'_, PyAny>, given: &[String], bound: usize) -> PyResult<Option<String>> {
    if !callable.is_callable() {
        return Ok(Some(format!("{} is not callable", describe(callable))));
    }
    Ok(Arity::of(callable)?.and_then(|arity| arity.refuses(&name_of(callable), given, bound)))
}

/// Why `obj.attr(*given)` can't be called on an object of `class`; `None`
/// if it can, or if Python can't tell. The attribute is judged as found on
/// the class, the way an object's method lookup will bind it.
pub fn method_misfit(
    class: &Bound<'_, PyAny>,
    attr: &str,
    given: &[String],
) -> PyResult<Option<String>> {
    let py = class.py();
    let raw = py
        .import("inspect")?
        .call_method1("getattr_static", (class, attr))?;
    let builtins = py.import("builtins")?;
    let is = |name: &str| -> PyResult<bool> {
        let kind = builtins.getattr(name)?;
        raw.is_instance(kind.downcast::<PyType>()?)
    };
    // A static or class method binds nothing the guest passes.
    if is("staticmethod")? || is("classmethod")? {
        return misfit(&class.getattr(attr)?, given);
    }
    let binds = raw.get_type().hasattr(pyo3::intern!(py, "__get__"))?;
    match (binds, raw.is_callable()) {
        // A function (or a builtin method): the object becomes its `self`.
        (true, true) => judge(&raw, given, 1),
        // A plain callable kept on the class (a `partial`, a class) is
        // called as it is.
        (false, _) => misfit(&raw, given),
        // A property or another descriptor: what it gives only shows on an
        // object.
        (true, false) => Ok(None),
    }
}
