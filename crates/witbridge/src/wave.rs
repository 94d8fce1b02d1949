//! WAVE values <-> Python values, for `witbridge call`.
//!
//! The command line calls exports through the ordinary Python API, so that
//! WASI, imports and limits work exactly as for a Python program. This file
//! turns the WAVE arguments that `witbridge_core::wave` parsed into the
//! Python values that API accepts (DESIGN.md §3), and renders what a call
//! returned back as WAVE.

use std::borrow::Cow;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PySet, PyString, PyTuple};
use witbridge_core::names;
use witbridge_core::wasm_wave::value::{Type as WaveType, Value};
use witbridge_core::wasm_wave::wasm::{WasmFunc, WasmType, WasmTypeKind, WasmValue};
use witbridge_core::wave;
use witbridge_core::wit_parser::{Type, TypeDefKind};

use crate::classes::TypeClass;
use crate::component::Component;
use crate::pyclasses;

fn value_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}

/// Resolves a call such as `add(1, 2)` against the component's exports and
/// returns (interface full name or None, function WIT name, Python
/// arguments). Raises ValueError, with a one-sentence message, for a name
/// the component doesn't export and for arguments that aren't WAVE of the
/// parameters' types.
#[pyfunction]
fn _wave_call<'py>(
    py: Python<'py>,
    component: &Bound<'py, Component>,
    call: &str,
) -> PyResult<(Option<String>, String, Bound<'py, PyList>)> {
    let comp = component.get();
    let parsed = wave::parse_call(&comp.desc, call).map_err(|e| value_error(e.0))?;
    let args = PyList::empty(py);
    for (param, value) in parsed.function.params.iter().zip(&parsed.params) {
        args.append(to_python(py, comp, &param.ty, value)?)?;
    }
    Ok((parsed.interface, parsed.function.name.clone(), args))
}

/// What an exported function returned, as WAVE; None for a function without
/// a result. For a function returning `result<T, E>`, `value` is the `T`
/// the Python API returned, or with `failed=True` the `E` it raised in
/// `witbridge.Err`, and the text is `ok(...)` or `err(...)`.
#[pyfunction]
#[pyo3(signature = (component, interface, name, value, failed = false))]
fn _wave_result(
    component: &Bound<'_, Component>,
    interface: Option<&str>,
    name: &str,
    value: &Bound<'_, PyAny>,
    failed: bool,
) -> PyResult<Option<String>> {
    let comp = component.get();
    let function = comp.exported_function(interface, name).ok_or_else(|| {
        value_error(format!(
            "the component exports no function {}",
            names::qualified(interface, name)
        ))
    })?;
    let types = wave::func_type(&comp.desc, function).map_err(|e| value_error(e.0))?;
    let Some(ty) = types.results().next() else {
        return Ok(None);
    };
    let value = if ty.kind() == WasmTypeKind::Result {
        // The Python API returns T and raises Err(E): put the layer back.
        let (ok, err) = ty.result_types().unwrap_or((None, None));
        let payload = |t: Option<WaveType>| t.map(|t| from_python(&t, value)).transpose();
        let result = if failed {
            Err(payload(err)?)
        } else {
            Ok(payload(ok)?)
        };
        Value::make_result(&ty, result).map_err(|e| value_error(e.to_string()))?
    } else {
        from_python(&ty, value)?
    };
    Ok(Some(wave::render(&value)))
}

/// A WAVE value as the Python value the function's converters accept.
fn to_python<'py>(
    py: Python<'py>,
    comp: &Component,
    ty: &Type,
    val: &Value,
) -> PyResult<Bound<'py, PyAny>> {
    let desc = &comp.desc;
    let ty = desc.unalias(*ty);
    Ok(match ty {
        Type::Bool => val.unwrap_bool().into_pyobject(py)?.to_owned().into_any(),
        Type::U8 => val.unwrap_u8().into_pyobject(py)?.into_any(),
        Type::U16 => val.unwrap_u16().into_pyobject(py)?.into_any(),
        Type::U32 => val.unwrap_u32().into_pyobject(py)?.into_any(),
        Type::U64 => val.unwrap_u64().into_pyobject(py)?.into_any(),
        Type::S8 => val.unwrap_s8().into_pyobject(py)?.into_any(),
        Type::S16 => val.unwrap_s16().into_pyobject(py)?.into_any(),
        Type::S32 => val.unwrap_s32().into_pyobject(py)?.into_any(),
        Type::S64 => val.unwrap_s64().into_pyobject(py)?.into_any(),
        Type::F32 => val.unwrap_f32().into_pyobject(py)?.into_any(),
        Type::F64 => val.unwrap_f64().into_pyobject(py)?.into_any(),
        Type::Char => val.unwrap_char().into_pyobject(py)?.into_any(),
        Type::String => PyString::new(py, &val.unwrap_string()).into_any(),
        Type::ErrorContext => return Err(value_error("error-context has no WAVE syntax")),
        Type::Id(id) => match &desc.resolve.types[id].kind {
            TypeDefKind::List(elem) if desc.unalias(*elem) == Type::U8 => {
                let bytes: Vec<u8> = val.unwrap_list().map(|v| v.unwrap_u8()).collect();
                PyBytes::new(py, &bytes).into_any()
            }
            TypeDefKind::List(elem) => {
                let list = PyList::empty(py);
                for item in val.unwrap_list() {
                    list.append(to_python(py, comp, elem, &item)?)?;
                }
                list.into_any()
            }
            TypeDefKind::Tuple(tuple) => {
                let items = tuple
                    .types
                    .iter()
                    .zip(val.unwrap_tuple())
                    .map(|(t, v)| to_python(py, comp, t, &v))
                    .collect::<PyResult<Vec<_>>>()?;
                PyTuple::new(py, items)?.into_any()
            }
            TypeDefKind::Record(record) => {
                let dict = PyDict::new(py);
                for (field, (_, value)) in record.fields.iter().zip(val.unwrap_record()) {
                    dict.set_item(
                        names::snake(&field.name),
                        to_python(py, comp, &field.ty, &value)?,
                    )?;
                }
                dict.into_any()
            }
            TypeDefKind::Variant(variant) => {
                let (case_name, payload) = val.unwrap_variant();
                let index = variant
                    .cases
                    .iter()
                    .position(|c| c.name == case_name)
                    .ok_or_else(|| value_error(format!("no variant case {case_name}")))?;
                let Some(TypeClass::Variant(_, classes)) = comp.classes.get(py, desc, id)? else {
                    return Err(value_error("the variant has no Python classes"));
                };
                let class = classes[index].bind(py);
                match (&variant.cases[index].ty, payload) {
                    (Some(t), Some(v)) => class.call1((to_python(py, comp, t, &v)?,))?,
                    _ => class.call0()?,
                }
            }
            TypeDefKind::Enum(_) => PyString::new(py, &val.unwrap_enum()).into_any(),
            TypeDefKind::Flags(_) => {
                let names: Vec<String> = val.unwrap_flags().map(Cow::into_owned).collect();
                PySet::new(py, names)?.into_any()
            }
            TypeDefKind::Option(inner) => match val.unwrap_option() {
                None => py.None().into_bound(py),
                // `Some(x)` is accepted for every option, and keeps
                // `some(none)` apart from `none` for nested ones.
                Some(v) => pyclasses::some(py)?.call1((to_python(py, comp, inner, &v)?,))?,
            },
            TypeDefKind::Result(result) => {
                let (class, ty, payload) = match val.unwrap_result() {
                    Ok(v) => (pyclasses::ok(py)?, &result.ok, v),
                    Err(v) => (pyclasses::err(py)?, &result.err, v),
                };
                match (ty, payload) {
                    (Some(t), Some(v)) => class.call1((to_python(py, comp, t, &v)?,))?,
                    _ => class.call0()?,
                }
            }
            TypeDefKind::Type(t) => to_python(py, comp, t, val)?,
            other => {
                return Err(value_error(format!(
                    "WAVE has no syntax for a {}",
                    other.as_str()
                )));
            }
        },
    })
}

/// A Python value that an export returned (DESIGN.md §3) as a WAVE value of
/// type `ty`.
fn from_python(ty: &WaveType, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let made = |r: Result<Value, _>| {
        r.map_err(|e: witbridge_core::wasm_wave::wasm::WasmValueError| value_error(e.to_string()))
    };
    Ok(match ty.kind() {
        WasmTypeKind::Bool => Value::make_bool(obj.extract()?),
        WasmTypeKind::S8 => Value::make_s8(obj.extract()?),
        WasmTypeKind::S16 => Value::make_s16(obj.extract()?),
        WasmTypeKind::S32 => Value::make_s32(obj.extract()?),
        WasmTypeKind::S64 => Value::make_s64(obj.extract()?),
        WasmTypeKind::U8 => Value::make_u8(obj.extract()?),
        WasmTypeKind::U16 => Value::make_u16(obj.extract()?),
        WasmTypeKind::U32 => Value::make_u32(obj.extract()?),
        WasmTypeKind::U64 => Value::make_u64(obj.extract()?),
        WasmTypeKind::F32 => Value::make_f32(obj.extract()?),
        WasmTypeKind::F64 => Value::make_f64(obj.extract()?),
        WasmTypeKind::Char => Value::make_char(obj.extract()?),
        WasmTypeKind::String => Value::make_string(Cow::Owned(obj.extract()?)),
        WasmTypeKind::List => {
            let elem = ty
                .list_element_type()
                .expect("a list type has an element type");
            let items = if let Ok(bytes) = obj.downcast::<PyBytes>() {
                bytes
                    .as_bytes()
                    .iter()
                    .map(|b| Value::make_u8(*b))
                    .collect()
            } else {
                obj.try_iter()?
                    .map(|item| from_python(&elem, &item?))
                    .collect::<PyResult<Vec<_>>>()?
            };
            made(Value::make_list(ty, items))?
        }
        WasmTypeKind::Tuple => {
            let items = ty
                .tuple_element_types()
                .zip(obj.try_iter()?)
                .map(|(t, item)| from_python(&t, &item?))
                .collect::<PyResult<Vec<_>>>()?;
            made(Value::make_tuple(ty, items))?
        }
        WasmTypeKind::Record => {
            let fields = ty
                .record_fields()
                .map(|(name, t)| {
                    let field = obj.getattr(names::snake(&name).as_str())?;
                    Ok((name, from_python(&t, &field)?))
                })
                .collect::<PyResult<Vec<_>>>()?;
            made(Value::make_record(
                ty,
                fields.iter().map(|(n, v)| (n.as_ref(), v.clone())),
            ))?
        }
        WasmTypeKind::Variant => {
            // Case classes are named `<variant>.<case>` in WIT.
            let wit_name: String = obj.get_type().getattr("__wit_name__")?.extract()?;
            let case = wit_name.rsplit('.').next().unwrap_or_default();
            let payload_type = ty
                .variant_cases()
                .find(|(name, _)| name == case)
                .ok_or_else(|| value_error(format!("no variant case {case}")))?
                .1;
            let payload = payload_type
                .map(|t| from_python(&t, &obj.getattr("value")?))
                .transpose()?;
            made(Value::make_variant(ty, case, payload))?
        }
        WasmTypeKind::Enum => {
            let name: String = obj.getattr("value")?.extract()?;
            made(Value::make_enum(ty, &name))?
        }
        WasmTypeKind::Flags => {
            let bits: u64 = obj.getattr("value")?.extract()?;
            let names: Vec<Cow<'_, str>> = ty
                .flags_names()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, n)| n)
                .collect();
            made(Value::make_flags(ty, names.iter().map(|n| n.as_ref())))?
        }
        WasmTypeKind::Option => {
            let inner = ty.option_some_type().expect("an option type has a payload");
            let payload = if obj.is_none() {
                None
            } else if obj.get_type().is(pyclasses::some(obj.py())?) {
                Some(from_python(&inner, &obj.getattr("value")?)?)
            } else {
                Some(from_python(&inner, obj)?)
            };
            made(Value::make_option(ty, payload))?
        }
        WasmTypeKind::Result => {
            let (ok, err) = ty.result_types().unwrap_or((None, None));
            let failed = obj.is_instance(pyclasses::err(obj.py())?)?;
            let payload = |t: Option<WaveType>| {
                t.map(|t| from_python(&t, &obj.getattr("value")?))
                    .transpose()
            };
            let result = if failed {
                Err(payload(err)?)
            } else {
                Ok(payload(ok)?)
            };
            made(Value::make_result(ty, result))?
        }
        other => return Err(value_error(format!("WAVE has no syntax for a {other}"))),
    })
}

/// Adds this file's functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_wave_call, m)?)?;
    m.add_function(wrap_pyfunction!(_wave_result, m)?)?;
    Ok(())
}
