"""Components and exported functions that travel to other processes (DESIGN.md §7).

A :class:`Component` pickles as its component binary and its engine's
settings, never as machine code: the process that unpickles it compiles it
once, or loads it from its own compile cache, and later unpickles of the same
bytes reuse that compiled component while it is alive.

A :class:`PortableFunction` is one exported function of a component together
with what an instance of it needs (imports, WASI, limits). It pickles, so
``multiprocessing``, ``concurrent.futures`` and Dask can send it to other
processes; called there, it instantiates the component once per process and
thread, keeps the instance, and calls the export. An :class:`Instance`
itself never pickles: it is a running guest whose memory lives in one process.
"""

from __future__ import annotations

import collections
import difflib
import os
import pickle
import threading
import types
import uuid
import weakref
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from ._limits import Limits
from ._native import Component, Engine, snake_name
from ._wasi import WasiConfig

if TYPE_CHECKING:
    from ._instance import Instance
    from ._native import Function

_NumericLists = Literal["list", "array", "numpy"]

# --- Component ---------------------------------------------------------------------------------

# (fuel, epoch_interruption, cache_dir): cache_dir ``...`` is "the receiving
# process's own default", a path is that path, None is no cache.
_EngineSettings = tuple[bool | None, bool, "str | types.EllipsisType | None"]
_DEFAULT_SETTINGS: _EngineSettings = (None, True, ...)

_lock = threading.Lock()
_engines: dict[_EngineSettings, Engine] = {}
# Components unpickled so far, by engine settings and bytes, while something holds them.
_components: weakref.WeakValueDictionary[tuple[_EngineSettings, bytes], Component] = weakref.WeakValueDictionary()


def _engine_settings(engine: Engine) -> _EngineSettings:
    cache = engine.cache_dir
    if cache is None:
        where: str | types.EllipsisType | None = None
    elif cache == Engine.default().cache_dir:
        where = ...  # the default: on another machine, that machine's own
    else:
        where = os.fspath(cache)
    return (engine.fuel, engine.epoch_interruption, where)


def _reduce_component(component: Component) -> tuple[Any, ...]:
    """``Component.__reduce__``: its bytes and engine settings."""
    wasm = component._wasm()
    if wasm is None:
        raise TypeError(
            "cannot pickle this witbridge.Component: it was deserialized from a precompiled artifact, "
            "which is machine code, and a pickle carries only wasm; load it from its .wasm file to pickle it"
        )
    return (_restore_component, (wasm, _engine_settings(component.engine)))


def _engine(settings: _EngineSettings) -> Engine:
    if settings == _DEFAULT_SETTINGS:
        return Engine.default()
    with _lock:
        engine = _engines.get(settings)
        if engine is None:
            fuel, epoch_interruption, cache_dir = settings
            engine = _engines[settings] = Engine(fuel=fuel, epoch_interruption=epoch_interruption, cache_dir=cache_dir)
        return engine


def _restore_component(wasm: bytes, settings: _EngineSettings) -> Component:
    """Unpickles a component: compiled once per process (or loaded from the compile cache)."""
    key = (settings, wasm)
    with _lock:
        found = _components.get(key)
    if found is not None:
        return found
    # Compiled without the lock, so that other components unpickle meanwhile;
    # should two threads race here, the first one's component is kept.
    component = Component.from_bytes(wasm, engine=_engine(settings))
    with _lock:
        return _components.setdefault(key, component)


# --- PortableFunction --------------------------------------------------------------------------

_MAX_CACHED = 32
"""Instances each thread keeps, the most recently used first."""


class _Cache(threading.local):
    def __init__(self) -> None:
        # handle key -> (native instance, its export); the instance keeps the store alive.
        self.entries: collections.OrderedDict[str, tuple[Instance, Function]] = collections.OrderedDict()


_cache = _Cache()


class PortableFunction:
    """An exported function that can be sent to other processes, such as Dask workers.

    ``PortableFunction(component, "values.sum-f64s", imports=..., wasi=...,
    limits=..., numeric_lists=...)`` names one export of ``component`` (a
    :class:`Component`, or a path or bytes to load one from, as
    :func:`witbridge.load` takes them) and says how to instantiate it, with
    the options of :func:`witbridge.load`. The export is spelled as
    ``witbridge call`` spells it, without arguments: ``"add"`` (a root-level
    function, or the one exported interface that has it), ``"values.sum-f64s"``
    (an interface by its short name), ``"witbridge:fixtures/values#sum-f64s"``
    (the full WIT name, with or without the version); snake_case names
    (``"values.sum_f64s"``) work too.

    Calling it calls the export in an instance of its own: made on first use
    in each process and thread, then kept (up to 32 per thread) and reused,
    so state the guest keeps lives on between calls in that thread, and a
    ``Limits(fuel=...)`` budget is that instance's whole life. A call that
    traps raises as usual and the broken instance is replaced on the next
    call. :meth:`map` and :meth:`starmap` call it over many arguments in one
    go: one task, one crossing of the process boundary.

    It pickles as the component's bytes (never machine code), the export's
    name and the options: ``imports=`` must then be things another process
    can import, such as modules, module-level functions and classes, or
    instances of module-level classes (pickled by value), and pickling
    names any import that isn't. ``wasi=`` and ``limits=`` pickle; a
    ``WasiConfig``'s preopened directories must exist where it is unpickled.
    Every copy of a handle shares its instances in a thread, made from the
    first copy that is called there.
    """

    component: Component
    interface: str | None
    function: str

    def __init__(
        self,
        component: Component | str | os.PathLike[str] | bytes,
        export: str,
        *,
        imports: Mapping[str, object] | None = None,
        wasi: WasiConfig | None = None,
        limits: Limits | None = None,
        numeric_lists: _NumericLists = "list",
    ) -> None:
        if not isinstance(component, Component):
            if isinstance(component, bytes | bytearray | memoryview):
                component = Component.from_bytes(bytes(component))
            else:
                component = Component.from_file(component)
        if not isinstance(export, str):
            raise TypeError(f"PortableFunction(export=...): expected the export's name as a str, got {export!r}")
        if wasi is not None and not isinstance(wasi, WasiConfig):
            raise TypeError(f"PortableFunction(wasi=...): expected a witbridge.WasiConfig, got {type(wasi).__name__}")
        if limits is not None and not isinstance(limits, Limits):
            raise TypeError(f"PortableFunction(limits=...): expected a witbridge.Limits, got {type(limits).__name__}")
        if numeric_lists not in ("list", "array", "numpy"):
            raise ValueError(
                f"PortableFunction(numeric_lists=...): expected 'list', 'array' or 'numpy', got {numeric_lists!r}"
            )
        self.component = component
        self.interface, self.function = _resolve(component, export)
        # Made now, so that values coming back from other processes unpickle
        # as instances of this component's classes (see witbridge._classes).
        for name, _, kind in component._exports():
            if kind == "interface":
                component._types(name)
        component._types(None)
        self.imports: dict[str, object] = dict(imports or {})
        self.wasi = wasi
        self.limits = limits
        self.numeric_lists: _NumericLists = numeric_lists
        # Identifies the handle and its copies in other processes: the key of their instances.
        self._key = uuid.uuid4().hex

    @property
    def __name__(self) -> str:
        """The function's snake_case name (Dask names tasks after it)."""
        return snake_name(self.function)

    @property
    def wit_name(self) -> str:
        """The export's full WIT name: ``interface#function``, or the function's name at the root."""
        return self.function if self.interface is None else f"{self.interface}#{self.function}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Calls the export in this thread's instance (made on first use)."""
        instance, function = self._instance()
        try:
            return function(*args, **kwargs)
        except BaseException:
            self._forget_if_broken(instance)
            raise

    def map(self, values: Iterable[Any]) -> list[Any]:
        """``[self(v) for v in values]``, for a function of one parameter: one task for many calls."""
        instance, function = self._instance()
        results = []
        for i, value in enumerate(values):
            try:
                results.append(function(value))
            except BaseException as failed:
                self._forget_if_broken(instance)
                failed.add_note(f"in {self.__name__}.map(), at item {i}")
                raise
        return results

    def starmap(self, rows: Iterable[tuple[Any, ...]]) -> list[Any]:
        """``[self(*row) for row in rows]``: the batch form, each row a tuple of arguments."""
        instance, function = self._instance()
        results = []
        for i, row in enumerate(rows):
            if not isinstance(row, tuple):
                raise TypeError(
                    f"{self.__name__}.starmap(): each row is a tuple of arguments, got {type(row).__name__} "
                    f"at row {i} (use .map() for one argument per item)"
                )
            try:
                results.append(function(*row))
            except BaseException as failed:
                self._forget_if_broken(instance)
                failed.add_note(f"in {self.__name__}.starmap(), at row {i}")
                raise
        return results

    def _instance(self) -> tuple[Instance, Function]:
        entries = _cache.entries
        found = entries.get(self._key)
        if found is not None:
            entries.move_to_end(self._key, last=False)
            return found
        from . import Linker  # the package imports this module first

        linker = Linker(self.component.engine)
        for name, implementation in self.imports.items():
            linker.define(name, implementation)
        if self.wasi is not None:
            linker.wasi(self.wasi)
        instance = linker.instantiate(self.component, limits=self.limits, numeric_lists=self.numeric_lists)
        made = (instance, instance._native._function(self.interface, self.function))
        entries[self._key] = made
        entries.move_to_end(self._key, last=False)
        while len(entries) > _MAX_CACHED:
            entries.popitem()
        return made

    def _forget_if_broken(self, instance: Instance) -> None:
        entries = _cache.entries
        found = entries.get(self._key)
        if found is not None and found[0] is instance and instance.broken:
            del entries[self._key]

    def __reduce__(self) -> tuple[Any, ...]:
        imports = {name: _portable_import(f"imports[{name!r}]", impl) for name, impl in self.imports.items()}
        for what, value in (("wasi", self.wasi), ("limits", self.limits)):
            _check_picklable(f"{what}=", value)
        state = (self.interface, self.function, imports, self.wasi, self.limits, self.numeric_lists, self._key)
        return (_restore_function, (self.component, *state))

    def __dask_tokenize__(self) -> object:
        # Dask names tasks by a token of their function: the handle's key says it all.
        return ("witbridge.PortableFunction", self._key)

    def __repr__(self) -> str:
        return f"<witbridge.PortableFunction {self.wit_name}>"


def _restore_function(
    component: Component,
    interface: str | None,
    function: str,
    imports: dict[str, object],
    wasi: WasiConfig | None,
    limits: Limits | None,
    numeric_lists: _NumericLists,
    key: str,
) -> PortableFunction:
    handle = object.__new__(PortableFunction)
    handle.component = component
    handle.interface, handle.function = interface, function
    handle.imports = imports
    handle.wasi, handle.limits, handle.numeric_lists = wasi, limits, numeric_lists
    handle._key = key
    return handle


class _ModuleRef:
    """Pickles as ``importlib.import_module(name)``: a module travels by its name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __reduce__(self) -> tuple[Any, ...]:
        import importlib

        return (importlib.import_module, (self.name,))


def _portable_import(where: str, impl: object) -> object:
    """``impl`` as it pickles: modules by name; anything else must pickle as it is."""
    if isinstance(impl, types.ModuleType):
        return _ModuleRef(impl.__name__)
    if isinstance(impl, dict):
        return {key: _portable_import(f"{where}[{key!r}]", value) for key, value in impl.items()}
    _check_picklable(where, impl)
    return impl


def _check_picklable(where: str, value: object) -> None:
    try:
        pickle.dumps(value)
    except Exception as failed:
        raise pickle.PicklingError(
            f"cannot pickle the witbridge.PortableFunction: its {where} is {_describe(value)}, which another "
            f"process could not rebuild ({failed}); give it something importable instead: a module, a "
            f"function or class defined at the top level of a module, or an instance of such a class"
        ) from failed


def _describe(value: object) -> str:
    if isinstance(value, types.FunctionType) and value.__name__ == "<lambda>":
        return f"a lambda (from {value.__module__})"
    if isinstance(value, types.FunctionType | type):
        kind = "class" if isinstance(value, type) else "function"
        return f"the {kind} {_where(value)}"
    return f"an instance of {_where(type(value))}"


def _where(obj: types.FunctionType | type) -> str:
    if "<locals>" in obj.__qualname__:
        return f"{obj.__qualname__} (defined inside a function)"
    return f"{obj.__module__}.{obj.__qualname__}"


# --- export names ------------------------------------------------------------------------------


def _resolve(component: Component, export: str) -> tuple[str | None, str]:
    """(interface's full WIT name or None, function's WIT name) of an export spelled as ``witbridge call`` takes it."""
    exports = component._exports()
    interfaces = [name for name, _, kind in exports if kind == "interface"]
    attrs = {name: attr for name, attr, _ in exports}
    spelled = [f"{_short(i)}.{wit}" for i in interfaces for _, wit in component._functions(i)] + [
        name for name, _, kind in exports if kind == "function"
    ]

    def unknown(what: str) -> ValueError:
        close = difflib.get_close_matches(export, spelled, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; it exports {', '.join(spelled) or 'no functions'}"
        return ValueError(f"PortableFunction: {what}{hint}")

    def function_in(interface: str, name: str) -> str | None:
        for py, wit in component._functions(interface):
            if name in (py, wit):
                return wit
        return None

    separator = "#" if "#" in export else "."
    if separator in export:
        wanted, _, name = export.rpartition(separator)
        matches = [i for i in interfaces if wanted in (i, i.partition("@")[0], _short(i), attrs[i])]
        if not matches:
            raise unknown(f"the component exports no interface {wanted!r}")
        if len(matches) > 1:
            raise ValueError(
                f"PortableFunction: {wanted!r} could be any of {', '.join(matches)}; give the full name, "
                f"such as {matches[0]}#{name}"
            )
        wit = function_in(matches[0], name)
        if wit is None:
            raise unknown(f"the interface {matches[0]} has no function {name!r}")
        return matches[0], wit
    for name, attr, kind in exports:
        if kind == "function" and export in (name, attr):
            return None, name
    found = [(i, wit) for i in interfaces if (wit := function_in(i, export)) is not None]
    if len(found) == 1:
        return found[0]
    if found:
        raise ValueError(
            f"PortableFunction: several exported interfaces have a function {export!r} "
            f"({', '.join(i for i, _ in found)}); name the interface, such as {_short(found[0][0])}.{export}"
        )
    raise unknown(f"the component exports no function {export!r}")


def _short(interface: str) -> str:
    """``witbridge:fixtures/values@0.1.0`` -> ``values``."""
    return interface.rpartition("/")[2].partition("@")[0]
