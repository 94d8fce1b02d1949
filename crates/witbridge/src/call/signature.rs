//! A function's signature, compiled once per component into converters.

use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use witbridge_core::abi::TapeReader;
use witbridge_core::abi::typecheck::WitTypes;
use witbridge_core::describe::Description;
use witbridge_core::names;
use witbridge_core::wit_parser::{Function as WitFunction, Type, TypeDefKind};
use witbridge_core::wit_text;

use crate::classes::TypeClasses;
use crate::convert::build::Builder;
use crate::convert::{ConvError, Converter, Fault, Mat, Prep, ResultConverter};
use crate::pyclasses;

/// One parameter: its Python name and converter.
pub struct Param {
    pub name: String,
    pub key: Py<PyString>,
    pub conv: Converter,
    /// Its WIT type as written, `list<point>`: the annotation of
    /// `inspect.signature`.
    pub wit_type: String,
}

/// What a function gives back to Python.
pub enum Returns {
    /// No result: the call returns `None`.
    Nothing,
    /// A plain value.
    Value(Converter),
    /// A `result<T, E>`: `T` is returned, `E` is raised as `witbridge.Err`.
    Fallible(Option<Box<Converter>>, Option<Box<Converter>>),
}

/// What a call made of the guest's result.
pub enum Outcome {
    /// The value to return.
    Value(Py<PyAny>),
    /// The `E` of a `result<T, E>` the function returned, to raise as
    /// `witbridge.Err`.
    Error(Py<PyAny>),
}

impl Outcome {
    /// The call's Python result: the value, or `witbridge.Err` raised,
    /// with a note (PEP 678) naming `what` returned it, so that an uncaught
    /// one says which call failed.
    pub fn into_result(self, py: Python<'_>, what: &str) -> PyResult<Py<PyAny>> {
        match self {
            Outcome::Value(value) => Ok(value),
            Outcome::Error(value) => {
                let error = pyclasses::err(py)?.call1((value,))?;
                error.call_method1(
                    pyo3::intern!(py, "add_note"),
                    (format!("returned as the error of {what}'s result"),),
                )?;
                Err(PyErr::from_value(error))
            }
        }
    }
}

/// A function's signature compiled into converters, once per component.
pub struct Signature {
    /// The Python name, used in messages: `count_symbols`.
    pub name: String,
    /// `xyz:machine/machine-interface#count-symbols`.
    pub qualified: String,
    /// `count-symbols: func(s: string) -> u32`.
    pub wit: String,
    /// The result's WIT type, `u32`, if there is one.
    pub result_wit: Option<String>,
    /// The types with named types spelled out, to tell whether two
    /// components' functions can exchange values directly.
    pub structure: String,
    pub doc: Option<String>,
    pub params: Vec<Param>,
    pub returns: Returns,
    /// The WIT types, for wasmtime's typecheck and the reference path.
    pub types: Arc<WitTypes>,
    /// Whether a value of the signature can hold a resource handle.
    pub has_handles: bool,
}

impl Signature {
    /// Compiles `func` of `interface` (None at the root) of the world
    /// `desc` describes, whose named types are the classes `classes`.
    pub fn compile(
        py: Python<'_>,
        desc: &Arc<Description>,
        classes: &TypeClasses,
        interface: Option<&str>,
        func: &WitFunction,
    ) -> PyResult<Self> {
        let builder = Builder {
            py,
            desc: desc.as_ref(),
            classes,
        };
        let params = func
            .params
            .iter()
            .map(|p| {
                let name = names::snake(&p.name);
                Ok(Param {
                    key: PyString::intern(py, &name).unbind(),
                    name,
                    conv: builder.build(&p.ty)?,
                    wit_type: wit_text::type_expr(&desc.resolve, &p.ty),
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let returns = match func.result.map(|t| desc.unalias(t)) {
            None => Returns::Nothing,
            Some(Type::Id(id)) => match &desc.resolve.types[id].kind {
                TypeDefKind::Result(r) => Returns::Fallible(
                    r.ok.as_ref()
                        .map(|t| builder.build(t).map(Box::new))
                        .transpose()?,
                    r.err
                        .as_ref()
                        .map(|t| builder.build(t).map(Box::new))
                        .transpose()?,
                ),
                _ => Returns::Value(builder.build(&Type::Id(id))?),
            },
            Some(ty) => Returns::Value(builder.build(&ty)?),
        };
        let has_handles = params.iter().any(|p| p.conv.has_handles())
            || match &returns {
                Returns::Nothing => false,
                Returns::Value(conv) => conv.has_handles(),
                Returns::Fallible(ok, err) => {
                    ok.as_ref().is_some_and(|c| c.has_handles())
                        || err.as_ref().is_some_and(|c| c.has_handles())
                }
            };
        Ok(Signature {
            name: names::snake(func.item_name()),
            qualified: names::qualified(interface, &func.name),
            wit: wit_text::signature(&desc.resolve, func),
            result_wit: func
                .result
                .map(|ty| wit_text::type_expr(&desc.resolve, &ty)),
            structure: wit_text::func_structure(&desc.resolve, func),
            doc: func.docs.contents.clone(),
            types: Arc::new(WitTypes::of(desc.clone(), func)),
            has_handles,
            params,
            returns,
        })
    }

    /// Stages positional and keyword arguments, with Python's own rules and
    /// messages for counts and names.
    pub fn prepare_args(
        &self,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
        cx: &mut Prep<'_>,
    ) -> PyResult<()> {
        let expected = self.params.len();
        let given = args.len();
        let prepare = |param: &Param, obj: &Bound<'_, PyAny>, cx: &mut Prep<'_>| {
            param
                .conv
                .prepare(obj, cx)
                .map_err(|e| e.into_pyerr(&self.name, &param.name))
        };
        if kwargs.is_none_or(|k| k.is_empty()) && given == expected {
            for (param, obj) in self.params.iter().zip(args.iter()) {
                prepare(param, &obj, cx)?;
            }
            return Ok(());
        }
        if given > expected {
            return Err(PyTypeError::new_err(format!(
                "{}() takes {expected} positional argument{} but {given} {} given",
                self.name,
                if expected == 1 { "" } else { "s" },
                if given == 1 { "was" } else { "were" },
            )));
        }
        // Every argument is found before any is staged, so that a missing
        // or misspelled one is reported as Python reports it.
        let mut found = Vec::with_capacity(expected);
        let mut used_kwargs = 0;
        let mut missing = Vec::new();
        for (i, param) in self.params.iter().enumerate() {
            let keyword = match kwargs {
                Some(k) => k.get_item(param.key.bind(args.py()))?,
                None => None,
            };
            match (args.get_item(i).ok(), keyword) {
                (Some(_), Some(_)) => {
                    return Err(PyTypeError::new_err(format!(
                        "{}() got multiple values for argument '{}'",
                        self.name, param.name
                    )));
                }
                (Some(obj), None) => found.push(obj),
                (None, Some(obj)) => {
                    used_kwargs += 1;
                    found.push(obj);
                }
                (None, None) => missing.push(format!("'{}'", param.name)),
            }
        }
        if let Some(kwargs) = kwargs.filter(|k| k.len() > used_kwargs) {
            for key in kwargs.keys() {
                if !self
                    .params
                    .iter()
                    .any(|p| key.eq(p.key.bind(args.py())).unwrap_or(false))
                {
                    return Err(PyTypeError::new_err(format!(
                        "{}() got an unexpected keyword argument {}",
                        self.name,
                        key.repr()?
                    )));
                }
            }
        }
        if !missing.is_empty() {
            return Err(PyTypeError::new_err(format!(
                "{}() missing {} required positional argument{}: {}",
                self.name,
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
                python_list(&missing)
            )));
        }
        for (param, obj) in self.params.iter().zip(&found) {
            prepare(param, obj, cx)?;
        }
        Ok(())
    }

    /// The Python arguments a host function gets.
    pub fn materialize_args<'py>(
        &self,
        py: Python<'py>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Vec<Bound<'py, PyAny>>, Fault> {
        let args = self
            .params
            .iter()
            .map(|param| param.conv.materialize(py, src, cx))
            .collect::<Result<Vec<_>, _>>()?;
        src.finish()?;
        Ok(args)
    }

    /// What the guest's result means for the Python caller.
    pub fn materialize_result(
        &self,
        py: Python<'_>,
        src: &mut TapeReader<'_>,
        cx: &mut Mat<'_>,
    ) -> Result<Outcome, Fault> {
        let outcome = match &self.returns {
            Returns::Nothing => Outcome::Value(py.None()),
            Returns::Value(conv) => Outcome::Value(conv.materialize(py, src, cx)?.unbind()),
            Returns::Fallible(ok, err) => {
                if src.word()? == 0 {
                    let value = ResultConverter::materialize_payload(py, ok, src, cx)?;
                    Outcome::Value(value.unbind())
                } else {
                    let value = ResultConverter::materialize_payload(py, err, src, cx)?;
                    Outcome::Error(value.unbind())
                }
            }
        };
        src.finish()?;
        Ok(outcome)
    }

    /// Stages what a host function returned (or, for a `result`, raised as
    /// `witbridge.Err`); a wrong value is refused naming the import.
    pub fn prepare_result(
        &self,
        py: Python<'_>,
        returned: PyResult<Bound<'_, PyAny>>,
        cx: &mut Prep<'_>,
    ) -> PyResult<()> {
        let host = || format!("host function {}", self.qualified);
        let bad_return = |e: ConvError| e.into_pyerr(&host(), "return value");
        // `raise witbridge.Err(...)` returns the error case of a `result`;
        // anywhere else it would pass for the guest's own error.
        let not_fallible = |raised: PyErr| -> PyResult<PyErr> {
            if !raised.is_instance(py, pyclasses::err(py)?) {
                return Ok(raised);
            }
            let returns = match &self.result_wit {
                Some(ty) => format!("returns {ty}"),
                None => "returns nothing".to_owned(),
            };
            let refused = pyo3::exceptions::PyTypeError::new_err(format!(
                "{}: raised witbridge.Err, but its WIT function {returns}, not a result: only \
                 a function whose result is result<...> has an error case to return (raise \
                 another exception to fail the call)",
                host()
            ));
            refused.set_cause(py, Some(raised));
            Ok(refused)
        };
        match &self.returns {
            Returns::Nothing => returned.map(drop).or_else(|e| Err(not_fallible(e)?)),
            Returns::Value(conv) => {
                let value = returned.or_else(|e| Err(not_fallible(e)?))?;
                conv.prepare(&value, cx).map_err(bad_return)
            }
            Returns::Fallible(ok, err) => {
                let (is_ok, conv, value) = match returned {
                    Ok(value) => (true, ok, value),
                    // `raise witbridge.Err(e)` is how a host function returns the error case.
                    Err(raised) if raised.is_instance(py, pyclasses::err(py)?) => (
                        false,
                        err,
                        raised.value(py).getattr(pyo3::intern!(py, "value"))?,
                    ),
                    Err(raised) => return Err(raised),
                };
                cx.tape.push_word(u64::from(!is_ok));
                let what = if is_ok { "return value" } else { "error value" };
                ResultConverter::prepare_payload(conv, &value, cx)
                    .map_err(|e| e.into_pyerr(&host(), what))
            }
        }
    }

    /// The docstring: the WIT signature, then the WIT doc comment.
    pub fn docstring(&self) -> String {
        match &self.doc {
            Some(doc) => format!("{}\n\n{}", self.wit, doc),
            None => self.wit.clone(),
        }
    }
}

/// `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`: how Python lists missing arguments.
fn python_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
    }
}
