//! `Linker`: provides a component's imports and instantiates it.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyType};
use wasmtime::Store;
use wasmtime::component::ResourceType;
use witbridge_core::describe::Item;
use witbridge_core::gil_policy::Gil;
use witbridge_core::wit_parser::{
    Function as WitFunction, FunctionKind, Resolve, TypeDefKind, TypeId, WorldItem, WorldKey,
};
use witbridge_core::wit_text;
use witbridge_core::{names, wasi};

use crate::call::host::{self, HostFunction};
use crate::call::reference;
use crate::call::signature::Signature;
use crate::component::Component;
use crate::convert::ListMode;
use crate::engine::{Engine, engine_or_default};
use crate::fit;
use crate::host_resources::{HostType, finalize, lock, next_payload};
use crate::instance::{Instance, Settings};
use crate::pyclasses;
use crate::state::State;
use crate::store::{Host, StoreLimits, in_guest, on_epoch};
use crate::trap::call_failure;
use crate::wasi::WasiSpec;
use witbridge_core::abi::LoadOptions;

/// Provides imports and instantiates components.
///
/// ``define(name, impl)`` implements an imported interface with an object,
/// module or dict whose attributes (snake_case) are its functions;
/// ``define_func(name, fn)`` implements a root-level imported function.
/// ``instantiate`` checks every import first and lists everything missing in
/// one ``LinkError``.
#[pyclass(frozen, subclass, module = "witbridge._native")]
pub struct Linker {
    engine: Py<Engine>,
    /// (name as given, implementation), latest definition last.
    definitions: Mutex<Vec<(String, Py<PyAny>)>>,
    /// (interface, resource name, class), latest definition last.
    resources: Mutex<Vec<(String, String, Py<PyAny>)>>,
    /// The WASI configuration from `wasi()`; the sandbox when never called.
    wasi: Mutex<Option<Arc<WasiSpec>>>,
    /// While [`Linker::_unused_definitions`] plans: which definitions some
    /// import found.
    found: Mutex<Option<Vec<bool>>>,
}

/// How an imported function is implemented.
enum Target {
    /// A Python callable (a function, a class for a constructor, a static
    /// method looked up on the class).
    Call(Py<PyAny>),
    /// A resource method, called on the object behind `self`.
    Method(String),
}

/// A function import resolved to its Python implementation.
struct Resolved<'a> {
    /// The import's full name as the component spells it; `None` at the root.
    interface: Option<String>,
    func: &'a WitFunction,
    target: Target,
}

/// A host resource type to register with wasmtime.
struct ResolvedResource {
    /// `None` for a resource declared at the root of the world.
    interface: Option<String>,
    name: String,
    id: TypeId,
    /// What implements it: the values the host gives the guest must be its
    /// objects.
    class: Py<PyAny>,
}

/// Everything an instantiation needs from the linker's definitions.
#[derive(Default)]
struct Plan<'a> {
    functions: Vec<Resolved<'a>>,
    resources: Vec<ResolvedResource>,
    missing: Vec<String>,
    /// Implementations that can't be called as their imports will be (see
    /// [`fit`]).
    unfit: Vec<String>,
    /// Whether some import is left to WASI.
    uses_wasi: bool,
}

impl Linker {
    fn definition(&self, py: Python<'_>, import: &str) -> Option<Py<PyAny>> {
        let definitions = self.definitions.lock().unwrap_or_else(|p| p.into_inner());
        // The most recent matching definition wins, as in a Python dict.
        let index = definitions
            .iter()
            .rposition(|(name, _)| names::import_matches(name, import))?;
        if let Some(found) = self
            .found
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            found[index] = true;
        }
        Some(definitions[index].1.clone_ref(py))
    }

    /// The class implementing resource `resource` of the imported interface
    /// `import` (`None` for a resource declared at the root of the world):
    /// given to `define_resource`, or found on the interface's
    /// implementation (a dict entry or attribute). Every name is accepted in
    /// the spellings of [`spellings`]: `the-thing`, `the_thing`, `TheThing`.
    fn resource_definition(
        &self,
        py: Python<'_>,
        import: Option<&str>,
        resource: &str,
    ) -> PyResult<Option<Py<PyAny>>> {
        let spelled = spellings(resource);
        let interface = import.unwrap_or("");
        let defined = {
            let resources = self.resources.lock().unwrap_or_else(|p| p.into_inner());
            resources
                .iter()
                .rev()
                .find(|(iface, name, _)| {
                    names::import_matches(iface, interface) && spelled.contains(name)
                })
                .map(|(_, _, class)| class.clone_ref(py))
        };
        if defined.is_some() {
            return Ok(defined);
        }
        let Some(import) = import else {
            // At the root, `imports={"the-thing": Class}` defines it by name.
            for name in &spelled {
                if let Some(class) = self.definition(py, name)
                    && class.bind(py).is_callable()
                {
                    return Ok(Some(class));
                }
            }
            return Ok(None);
        };
        let Some(implementation) = self.definition(py, import) else {
            return Ok(None);
        };
        let implementation = implementation.bind(py);
        for key in &spelled {
            let found = match implementation.downcast::<PyDict>() {
                Ok(dict) => dict.get_item(key)?,
                Err(_) => implementation.getattr(key.as_str()).ok(),
            };
            if let Some(class) = found.filter(|c| c.is_callable()) {
                return Ok(Some(class.unbind()));
            }
        }
        Ok(None)
    }

    /// Looks up the class of every resource among `types` (those of an
    /// imported interface, or the world's own root-level imports when
    /// `import` is `None`), and notes each that nothing implements.
    fn resource_classes<'t>(
        &self,
        py: Python<'_>,
        resolve: &Resolve,
        import: Option<&str>,
        types: impl Iterator<Item = (&'t str, TypeId)>,
        plan: &mut Plan<'_>,
    ) -> PyResult<Vec<(TypeId, Py<PyAny>)>> {
        let mut classes = Vec::new();
        for (resource, ty) in types {
            if !matches!(resolve.types[ty].kind, TypeDefKind::Resource) {
                continue;
            }
            match self.resource_definition(py, import, resource)? {
                Some(class) => {
                    plan.resources.push(ResolvedResource {
                        interface: import.map(str::to_owned),
                        name: resource.to_owned(),
                        id: ty,
                        class: class.clone_ref(py),
                    });
                    classes.push((ty, class));
                }
                None => plan.missing.push(missing_resource(import, resource)),
            }
        }
        Ok(classes)
    }

    /// Finds an implementation for every import of `comp`, or lists all that
    /// are missing in one `LinkError`.
    fn plan<'a>(&self, py: Python<'_>, comp: &'a Component) -> PyResult<Plan<'a>> {
        let desc = &comp.desc;
        let resolve = &desc.resolve;
        let mut plan = Plan::default();
        // Resources declared at the root of the world (`world w { resource
        // r; ... }`): their classes implement the root-level functions of
        // the resource (`[constructor]r`, `[method]r.get`, ...).
        let root_types = desc
            .world()
            .imports
            .iter()
            .filter_map(|(key, item)| match (key, item) {
                (WorldKey::Name(name), WorldItem::Type { id, .. }) => Some((name.as_str(), *id)),
                _ => None,
            });
        let root_classes = self.resource_classes(py, resolve, None, root_types, &mut plan)?;
        for (name, item) in desc.imports() {
            let id = match item {
                Item::Function(f) if matches!(f.kind, FunctionKind::Freestanding) => {
                    match self.definition(py, &name) {
                        Some(callable) => {
                            if let Some(problem) = fit::misfit(callable.bind(py), &arguments(f))? {
                                plan.unfit.push(format!(
                                    "  function {name}: {problem}; expected {}",
                                    wit_text::signature(resolve, f)
                                ));
                            }
                            plan.functions.push(Resolved {
                                interface: None,
                                func: f,
                                target: Target::Call(callable),
                            });
                        }
                        None => plan
                            .missing
                            .push(format!("  function {}", wit_text::signature(resolve, f))),
                    }
                    continue;
                }
                Item::Function(f) => {
                    if let Some(target) = resource_target(py, resolve, &root_classes, f, &mut plan)?
                    {
                        plan.functions.push(Resolved {
                            interface: None,
                            func: f,
                            target,
                        });
                    }
                    continue;
                }
                Item::Interface { id, .. } => id,
            };
            // WASI provides what the user didn't define themselves.
            if wasi::is_wasi(&name) && self.definition(py, &name).is_none() {
                if wasi::is_provided(&name) {
                    plan.uses_wasi = true;
                } else {
                    plan.missing.push(format!(
                        "  interface {name}: witbridge's WASI (preview 2, wasi:*@0.2) doesn't \
                         provide it; implement it with Linker.define({name:?}, ...)"
                    ));
                }
                continue;
            }
            let iface = &resolve.interfaces[id];
            // Resources first: their classes implement their functions.
            let types = iface.types.iter().map(|(n, ty)| (n.as_str(), *ty));
            let classes = self.resource_classes(py, resolve, Some(&name), types, &mut plan)?;
            let free: Vec<&WitFunction> = iface
                .functions
                .values()
                .filter(|f| matches!(f.kind, FunctionKind::Freestanding))
                .collect();
            // An interface of types only needs no implementation object.
            let implementation = if free.is_empty() {
                None
            } else {
                self.definition(py, &name)
            };
            if !free.is_empty() && implementation.is_none() {
                let mut text = format!("  interface {name}:");
                for f in &free {
                    text.push_str(&format!("\n      {}", wit_text::signature(resolve, f)));
                }
                plan.missing.push(text);
            }
            for f in iface.functions.values() {
                let target = match f.kind {
                    FunctionKind::Freestanding => {
                        let Some(implementation) = &implementation else {
                            continue;
                        };
                        match member(implementation.bind(py), &f.name)? {
                            Some(callable) => {
                                let found = fit::misfit(callable.bind(py), &arguments(f))?;
                                if let Some(problem) = found {
                                    plan.unfit.push(format!(
                                        "  {}() in the implementation of {name} ({}): {problem}; \
                                         expected {}",
                                        names::snake(&f.name),
                                        implementation.bind(py).get_type().name()?,
                                        wit_text::signature(resolve, f)
                                    ));
                                }
                                Target::Call(callable)
                            }
                            None => {
                                plan.missing.push(format!(
                                    "  {}() in the implementation of {name} ({}): {}",
                                    names::snake(&f.name),
                                    implementation.bind(py).get_type().name()?,
                                    wit_text::signature(resolve, f)
                                ));
                                continue;
                            }
                        }
                    }
                    _ => match resource_target(py, resolve, &classes, f, &mut plan)? {
                        Some(target) => target,
                        None => continue,
                    },
                };
                plan.functions.push(Resolved {
                    interface: Some(name.clone()),
                    func: f,
                    target,
                });
            }
        }
        if plan.missing.is_empty() && plan.unfit.is_empty() {
            return Ok(plan);
        }
        Err(pyclasses::new_err(
            pyclasses::link_error,
            link_report(&plan.missing, &plan.unfit),
        ))
    }
}

/// The `LinkError` text: every import nothing provides, then every
/// implementation that doesn't fit its import, so that one attempt shows
/// all there is to fix.
fn link_report(missing: &[String], unfit: &[String]) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut text = String::new();
    if !missing.is_empty() {
        text = format!(
            "the component has {} import{} that nothing provides:\n{}",
            missing.len(),
            plural(missing.len()),
            missing.join("\n")
        );
    }
    if !unfit.is_empty() {
        let whose = if unfit.len() == 1 {
            "whose implementation doesn't fit its WIT signature"
        } else {
            "whose implementations don't fit their WIT signatures"
        };
        let head = if missing.is_empty() {
            "the component has"
        } else {
            "\nand"
        };
        text.push_str(&format!(
            "{head} {} import{} {whose}:\n{}",
            unfit.len(),
            plural(unfit.len()),
            unfit.join("\n")
        ));
    }
    text
}

/// The Python names of the arguments the guest passes to `f`'s
/// implementation (a method's `self` is the object it is called on).
fn arguments(f: &WitFunction) -> Vec<String> {
    let skip = usize::from(matches!(f.kind, FunctionKind::Method(_)));
    f.params
        .iter()
        .skip(skip)
        .map(|p| names::snake(&p.name))
        .collect()
}

/// The names a resource `the-thing` may be given by: its WIT name, the
/// snake_case name functions are looked up by, and the class-style name.
fn spellings(resource: &str) -> Vec<String> {
    let mut all = vec![
        resource.to_owned(),
        names::snake(resource),
        names::pascal(resource),
    ];
    all.dedup();
    all
}

/// What the LinkError says of a resource that nothing implements.
fn missing_resource(import: Option<&str>, resource: &str) -> String {
    let spelled = spellings(resource);
    let others: Vec<String> = spelled[1..].iter().map(|s| format!("{s:?}")).collect();
    let also = if others.is_empty() {
        String::new()
    } else {
        format!(" (or spelled {})", others.join(" or "))
    };
    match import {
        Some(name) => format!(
            "  resource {resource} of {name}: define_resource({name:?}, {resource:?}, SomeClass), \
             or a class under the key or attribute {resource:?}{also} of {name}'s implementation"
        ),
        None => format!(
            "  resource {resource} (at the root of the world): imports={{{resource:?}: SomeClass}} \
             or define_resource(\"\", {resource:?}, SomeClass){also}"
        ),
    }
}

/// How the constructor, method or static function `f` of an imported
/// resource is implemented by the resource's class in `classes`; `None`
/// (noted in `plan.missing` when the class lacks it) when there is nothing
/// to call.
fn resource_target(
    py: Python<'_>,
    resolve: &Resolve,
    classes: &[(TypeId, Py<PyAny>)],
    f: &WitFunction,
    plan: &mut Plan<'_>,
) -> PyResult<Option<Target>> {
    let (FunctionKind::Constructor(r) | FunctionKind::Method(r) | FunctionKind::Static(r)) = f.kind
    else {
        return Ok(None);
    };
    // A resource nobody implements is reported once, as a resource.
    let Some((_, class)) = classes.iter().find(|(id, _)| *id == r) else {
        return Ok(None);
    };
    let class = class.bind(py);
    let attr = names::snake(f.item_name());
    let resource = resolve.types[r].name.as_deref().unwrap_or("?");
    let where_ = |what: &str| format!("  {what} of resource {resource}");
    let given = arguments(f);
    let (target, misfit, what) = match f.kind {
        FunctionKind::Constructor(_) => (
            Target::Call(class.clone().unbind()),
            fit::misfit(class, &given)?,
            format!("the constructor ({})", class.getattr("__name__")?),
        ),
        _ if !class.hasattr(attr.as_str())? => {
            plan.missing.push(format!(
                "{}: {}",
                where_(&format!("{}.{attr}()", class.getattr("__name__")?)),
                wit_text::signature(resolve, f)
            ));
            return Ok(None);
        }
        FunctionKind::Method(_) => (
            Target::Method(attr.clone()),
            fit::method_misfit(class, &attr, &given)?,
            format!("{}.{attr}()", class.getattr("__name__")?),
        ),
        _ => {
            let function = class.getattr(attr.as_str())?;
            let misfit = fit::misfit(&function, &given)?;
            (
                Target::Call(function.unbind()),
                misfit,
                format!("{}.{attr}()", class.getattr("__name__")?),
            )
        }
    };
    if let Some(problem) = misfit {
        plan.unfit.push(format!(
            "{}: {problem}; expected {}",
            where_(&what),
            wit_text::signature(resolve, f)
        ));
    }
    Ok(Some(target))
}

/// What implements WIT function `wit_name` on `implementation`: a dict
/// entry (by snake_case or WIT name) or an attribute. It may not be
/// callable: [`fit`] says so, which is clearer than calling it missing.
fn member(implementation: &Bound<'_, PyAny>, wit_name: &str) -> PyResult<Option<Py<PyAny>>> {
    let snake = names::snake(wit_name);
    let found = if let Ok(dict) = implementation.downcast::<PyDict>() {
        match dict.get_item(&snake)? {
            Some(v) => Some(v),
            None => dict.get_item(wit_name)?,
        }
    } else {
        implementation.getattr(snake.as_str()).ok()
    };
    Ok(found.map(Bound::unbind))
}

#[pymethods]
impl Linker {
    #[new]
    #[pyo3(signature = (engine = None))]
    fn new(py: Python<'_>, engine: Option<Py<Engine>>) -> PyResult<Self> {
        Ok(Linker {
            engine: engine_or_default(py, engine)?,
            definitions: Mutex::default(),
            found: Mutex::default(),
            resources: Mutex::default(),
            wasi: Mutex::default(),
        })
    }

    /// The engine components must be compiled with to be linked here.
    #[getter]
    fn engine(&self, py: Python<'_>) -> Py<Engine> {
        self.engine.clone_ref(py)
    }

    /// Implements the imported interface `name` (``"xyz:host/log"``, with or
    /// without a version) with the functions of `implementation`: an object,
    /// module or dict whose attributes are named in snake_case.
    fn define(&self, name: String, implementation: Py<PyAny>) {
        self.definitions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((name, implementation));
    }

    /// Implements the root-level imported function `name` with `func`.
    fn define_func(&self, py: Python<'_>, name: String, func: Py<PyAny>) -> PyResult<()> {
        if !func.bind(py).is_callable() {
            return Err(PyTypeError::new_err(format!(
                "define_func({name:?}, ...): expected a callable"
            )));
        }
        self.define(name, func);
        Ok(())
    }

    /// Implements the resource `name` of the imported interface `interface`
    /// with the class `cls`: the guest's constructor calls `cls(...)`, its
    /// method calls reach the object, its static functions the class, and
    /// when the guest drops a handle the object's `drop()` (or `__exit__`)
    /// runs.
    fn define_resource(
        &self,
        py: Python<'_>,
        interface: String,
        name: String,
        cls: Py<PyAny>,
    ) -> PyResult<()> {
        if !cls.bind(py).is_callable() {
            return Err(PyTypeError::new_err(format!(
                "define_resource({interface:?}, {name:?}, ...): expected a class"
            )));
        }
        self.resources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((interface, name, cls));
        Ok(())
    }

    /// Gives instances that import WASI this configuration (a
    /// ``witbridge.WasiConfig``) instead of the default sandbox.
    fn _wasi(&self, config: &Bound<'_, PyAny>) -> PyResult<()> {
        let spec = WasiSpec::from_config(config)?;
        *self.wasi.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(spec));
        Ok(())
    }

    /// Instantiates `component` in a store of its own, within `limits` (a
    /// ``witbridge.Limits``). ``numeric_lists`` says how lists of numbers
    /// come out of the guest: ``"list"`` (a Python list), ``"array"`` (an
    /// ``array.array``) or ``"numpy"`` (a numpy array). ``_reference_abi``
    /// (for tests) passes every value through wasmtime's own ``Val`` API.
    #[pyo3(signature = (component, limits = None, *, numeric_lists = "list", _reference_abi = false))]
    fn instantiate(
        &self,
        py: Python<'_>,
        component: Py<Component>,
        limits: Option<&Bound<'_, PyAny>>,
        numeric_lists: &str,
        _reference_abi: bool,
    ) -> PyResult<Instance> {
        let lists = ListMode::parse(numeric_lists).ok_or_else(|| {
            PyValueError::new_err(format!(
                "numeric_lists must be 'list', 'array' or 'numpy', not {numeric_lists:?}"
            ))
        })?;
        let comp = component.get();
        let engine = self.engine.get();
        if !self.engine.is(&comp.engine) {
            return Err(pyclasses::new_err(
                pyclasses::link_error,
                "the component was compiled with another engine than this linker's",
            ));
        }
        let limits = StoreLimits::from_py(limits)?;
        if limits.timeout.is_some() && !engine.epoch_interruption() {
            return Err(pyclasses::new_err(
                pyclasses::error,
                "Limits(timeout=...) needs an engine with epoch interruption; this one was made \
                 with Engine(epoch_interruption=False)",
            ));
        }
        let variant = engine.variant(limits.fuel.is_some())?.clone();
        let compiled = comp.for_variant(py, &variant)?;
        let plan = self.plan(py, comp)?;
        let mut linker = wasmtime::component::Linker::<Host>::new(&variant.engine);
        // The user's definitions may replace parts of WASI.
        linker.allow_shadowing(true);
        let link_error =
            |e: wasmtime::Error| pyclasses::new_err(pyclasses::link_error, format!("{e:#}"));
        let mut host = Host::default();
        let mut captured = crate::wasi::Captured::default();
        if plan.uses_wasi {
            wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(link_error)?;
            // Its waits, made to end at a call's deadline (before the
            // user's definitions, which may replace them too).
            crate::wasi_deadline::add_to_linker(&mut linker).map_err(link_error)?;
            let spec = self.wasi.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let (ctx, streams, stderr_tail) = match spec {
                Some(spec) => spec.build(py)?,
                None => WasiSpec::sandbox().build(py)?,
            };
            host.wasi = Some(ctx);
            host.stderr_tail = Some(stderr_tail);
            captured = streams;
        }
        let mut host_payloads = Vec::with_capacity(plan.resources.len());
        for resource in &plan.resources {
            let payload = next_payload();
            host_payloads.push(payload);
            let class = resource.class.bind(py).downcast::<PyType>().ok();
            lock(&host.resources).types.insert(
                resource.id,
                HostType {
                    payload,
                    class: class.map(|c| c.clone().unbind()),
                },
            );
            let destructor = |mut store: wasmtime::StoreContextMut<'_, Host>,
                              rep: u32|
             -> wasmtime::Result<()> {
                let Some(obj) = lock(&store.data().resources).remove(rep) else {
                    return Ok(());
                };
                crate::attach::attach(|py| match finalize(py, obj) {
                    Ok(()) => Ok(()),
                    Err(raised) => {
                        store.data_mut().pending = Some(raised);
                        Err(wasmtime::Error::msg("a host resource's drop() raised"))
                    }
                })
            };
            let mut instance = match &resource.interface {
                Some(iface) => linker.instance(iface).map_err(link_error)?,
                None => linker.root(),
            };
            instance
                .resource(
                    &resource.name,
                    ResourceType::host_dynamic(payload),
                    destructor,
                )
                .map_err(link_error)?;
        }
        for import in plan.functions {
            let sig = Arc::new(Signature::compile(
                py,
                &comp.desc,
                &comp.classes,
                import.interface.as_deref(),
                import.func,
            )?);
            let target = match import.target {
                Target::Call(callable) => host::Target::Call(callable),
                Target::Method(name) => host::Target::Method(PyString::intern(py, &name).unbind()),
            };
            let host_fn = Arc::new(HostFunction::new(
                py,
                sig.clone(),
                target,
                host.resources.clone(),
                lists,
            ));
            let mut instance = match &import.interface {
                Some(iface) => linker.instance(iface).map_err(link_error)?,
                None => linker.root(),
            };
            let defined = if _reference_abi {
                reference::define(&mut instance, &import.func.name, host_fn)
            } else {
                witbridge_core::abi::host::define(
                    &mut instance,
                    &import.func.name,
                    sig.types.clone(),
                    move |store, call| host_fn.body(store, &call.tape),
                )
            };
            defined.map_err(link_error)?;
        }
        host.limiter = limits.limiter;
        host.timeout = limits.timeout;
        let load = LoadOptions {
            max_transfer: limits.max_transfer,
            host_payloads,
        };
        let mut store = Store::new(&variant.engine, host);
        store.limiter(|host| &mut host.limiter);
        if variant.fuel {
            // Without a budget of its own, an instance may run as long as it likes.
            store
                .set_fuel(limits.fuel.unwrap_or(u64::MAX))
                .map_err(|e| pyclasses::new_err(pyclasses::error, format!("{e:#}")))?;
        }
        if variant.ticker.is_some() {
            store.epoch_deadline_callback(on_epoch);
        }
        // Instantiating runs the guest's start code: like any call, without
        // the GIL and within the limits.
        let instantiated = in_guest(
            py,
            &mut store,
            variant.ticker.as_ref(),
            Gil::Release,
            // The guest's start code may call its imports.
            |store| {
                witbridge_core::abi::load::with_options(&load, || {
                    linker.instantiate(store, &compiled)
                })
            },
        );
        let instance = instantiated.map_err(|e| match store.data_mut().pending.take() {
            Some(raised) => raised,
            None => call_failure(py, e, "instantiating the component", store.data()).error,
        })?;
        Ok(Instance::new(
            component,
            variant,
            compiled,
            State {
                store,
                instance,
                broken: None,
            },
            captured,
            Settings {
                load,
                lists,
                reference: _reference_abi,
            },
        ))
    }

    /// The names given to `define` that no import of `component` uses
    /// (misspelled, most likely), in definition order, and the `LinkError`
    /// that instantiating would raise for what is missing (`None` if
    /// nothing is). Instantiates nothing.
    fn _unused_definitions(
        &self,
        py: Python<'_>,
        component: &Component,
    ) -> PyResult<(Vec<String>, Option<PyErr>)> {
        let count = self
            .definitions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len();
        *self.found.lock().unwrap_or_else(|p| p.into_inner()) = Some(vec![false; count]);
        let planned = self.plan(py, component).map(drop);
        let found = self
            .found
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_default();
        let missing = match planned {
            Ok(()) => None,
            Err(err) if err.is_instance(py, pyclasses::link_error(py)?) => Some(err),
            Err(err) => return Err(err),
        };
        let definitions = self.definitions.lock().unwrap_or_else(|p| p.into_inner());
        let unused = definitions
            .iter()
            .zip(found)
            .filter(|(_, found)| !found)
            .map(|((name, _), _)| name.clone())
            .collect();
        Ok((unused, missing))
    }

    fn __repr__(&self) -> String {
        let definitions = self.definitions.lock().unwrap_or_else(|p| p.into_inner());
        let names: Vec<&str> = definitions.iter().map(|(n, _)| n.as_str()).collect();
        format!("<witbridge.Linker defines=[{}]>", names.join(", "))
    }
}
