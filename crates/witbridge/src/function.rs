//! Exported functions: their compiled signatures and the callable objects.

use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use wasmtime::component::{Func, Val};
use witbridge_core::gil_policy::GilPolicy;
use witbridge_core::names;
use witbridge_core::wit_parser::{Function as WitFunction, Type, TypeDefKind};
use witbridge_core::wit_text;

use crate::component::{Component, qualified};
use crate::convert::build::Builder;
use crate::convert::{Converter, Cx, ResultConverter};
use crate::instance::Instance;
use crate::pyclasses;
use crate::typed_call::GuestCall;

/// One parameter: its Python name and converter.
pub struct Param {
    pub name: String,
    pub key: Py<PyString>,
    pub conv: Converter,
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

/// A function's signature compiled into converters, once per component.
pub struct Signature {
    /// The Python name, used in messages: `count_symbols`.
    pub name: String,
    /// `xyz:machine/machine-interface#count-symbols`.
    pub qualified: String,
    /// `count-symbols: func(s: string) -> u32`.
    pub wit: String,
    /// The types with named types spelled out, to tell whether two
    /// components' functions can exchange values directly.
    pub structure: String,
    pub doc: Option<String>,
    pub params: Vec<Param>,
    pub returns: Returns,
}

impl Signature {
    pub fn compile(
        py: Python<'_>,
        component: &Component,
        interface: Option<&str>,
        func: &WitFunction,
    ) -> PyResult<Self> {
        let builder = Builder {
            py,
            desc: &component.desc,
            classes: &component.classes,
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
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let returns = match func.result.map(|t| component.desc.unalias(t)) {
            None => Returns::Nothing,
            Some(Type::Id(id)) => match &component.desc.resolve.types[id].kind {
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
        Ok(Signature {
            name: names::snake(func.item_name()),
            qualified: qualified(interface, &func.name),
            wit: wit_text::signature(&component.desc.resolve, func),
            structure: wit_text::func_structure(&component.desc.resolve, func),
            doc: func.docs.contents.clone(),
            params,
            returns,
        })
    }

    /// Lowers positional and keyword arguments, with Python's own rules and
    /// messages for counts and names.
    pub fn lower_args(
        &self,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
        cx: &mut Cx<'_>,
    ) -> PyResult<Vec<Val>> {
        let expected = self.params.len();
        let given = args.len();
        let mut vals = Vec::with_capacity(expected);
        let mut lower = |param: &Param, obj: &Bound<'_, PyAny>| {
            param
                .conv
                .lower(obj, cx)
                .map_err(|e| e.into_pyerr(&self.name, &param.name))
        };
        if kwargs.is_none_or(|k| k.is_empty()) && given == expected {
            for (param, obj) in self.params.iter().zip(args.iter()) {
                vals.push(lower(param, &obj)?);
            }
            return Ok(vals);
        }
        if given > expected {
            return Err(PyTypeError::new_err(format!(
                "{}() takes {expected} positional argument{} but {given} {} given",
                self.name,
                if expected == 1 { "" } else { "s" },
                if given == 1 { "was" } else { "were" },
            )));
        }
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
                (Some(obj), None) => vals.push(lower(param, &obj)?),
                (None, Some(obj)) => {
                    used_kwargs += 1;
                    vals.push(lower(param, &obj)?);
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
        Ok(vals)
    }

    pub fn result_count(&self) -> usize {
        match self.returns {
            Returns::Nothing => 0,
            _ => 1,
        }
    }

    pub fn lift_result(
        &self,
        py: Python<'_>,
        result: Option<Val>,
        cx: &mut Cx<'_>,
    ) -> PyResult<Py<PyAny>> {
        match (&self.returns, result) {
            (Returns::Nothing, _) | (_, None) => Ok(py.None()),
            (Returns::Value(conv), Some(val)) => Ok(conv.lift(py, val, cx)?.unbind()),
            (Returns::Fallible(ok, err), Some(val)) => match val {
                Val::Result(Ok(payload)) => {
                    Ok(ResultConverter::lift_payload(py, ok, payload, cx)?.unbind())
                }
                Val::Result(Err(payload)) => {
                    let value = ResultConverter::lift_payload(py, err, payload, cx)?;
                    let error = pyclasses::err(py)?.call1((value,))?;
                    Err(PyErr::from_value(error))
                }
                other => Err(crate::convert::unexpected("result", &other)),
            },
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

// An exported function of one instance, called with plain Python values.
// (No `///` doc here on purpose: a class docstring would shadow the
// per-function `__doc__` getter below.)
#[pyclass(frozen, module = "witbridge._native")]
pub struct Function {
    pub instance: Py<Instance>,
    pub func: Func,
    /// `func` as a `TypedFunc`, when its signature is small enough for one.
    pub typed: Option<Box<dyn GuestCall>>,
    pub sig: Arc<Signature>,
    /// Whether its calls keep the GIL, learned from the calls so far.
    pub gil: GilPolicy,
}

impl Function {
    /// How to cross into the guest: typed if possible, else dynamic.
    pub fn guest_call(&self) -> &dyn GuestCall {
        match &self.typed {
            Some(typed) => typed.as_ref(),
            None => &self.func,
        }
    }
}

#[pymethods]
impl Function {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        Instance::invoke(&self.instance, py, self, args, kwargs)
    }

    /// Functions are descriptors, so that a resource method stored on its
    /// class binds to the object it is looked up on (`counter.get()`).
    fn __get__(
        slf: &Bound<'_, Self>,
        obj: Option<&Bound<'_, PyAny>>,
        _owner: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        match obj {
            None => Ok(slf.clone().into_any().unbind()),
            Some(obj) => {
                static METHOD_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
                let method_type = METHOD_TYPE.import(slf.py(), "types", "MethodType")?;
                Ok(method_type.call1((slf, obj))?.unbind())
            }
        }
    }

    /// The Python name of the function.
    #[getter]
    fn __name__(&self) -> &str {
        &self.sig.name
    }

    /// The WIT signature followed by the WIT documentation.
    #[getter]
    fn __doc__(&self) -> String {
        self.sig.docstring()
    }

    /// The WIT signature, `count-symbols: func(s: string) -> u32`.
    #[getter]
    fn wit(&self) -> &str {
        &self.sig.wit
    }

    /// Whether calls go through a wasmtime `TypedFunc` (see `typed_call.rs`);
    /// private, for tests.
    #[getter]
    fn _typed(&self) -> bool {
        self.typed.is_some()
    }

    /// Whether calls keep the GIL now (see `witbridge_core::gil_policy`);
    /// private, for tests.
    #[getter]
    fn _keeps_gil(&self) -> bool {
        self.gil.keeps()
    }

    /// The full WIT name, `xyz:machine/machine-interface#count-symbols`.
    #[getter]
    fn wit_name(&self) -> &str {
        &self.sig.qualified
    }

    fn __repr__(&self) -> String {
        let qualified = &self.sig.qualified;
        match qualified.split_once('#') {
            Some((iface, _)) => format!("<witbridge function {iface}#{}>", self.sig.wit),
            None => format!("<witbridge function {}>", self.sig.wit),
        }
    }
}
