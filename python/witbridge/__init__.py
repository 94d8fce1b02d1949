"""Run WebAssembly components from Python with plain Python values.

>>> import witbridge
>>> app = witbridge.load("fixtures/wasm/wasm_intro.wasm")   # doctest: +SKIP
>>> app.machine_interface.count_symbols("héllo")            # doctest: +SKIP
5

See DESIGN.md for the contract: loading (:func:`load`, :class:`Component`),
calling exports through namespaces, the WIT <-> Python type table, and the
errors raised.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Literal

from . import _native
from ._classes import Resource
from ._errors import CacheWarning, CompileError, Err, Error, LinkError, Trap
from ._instance import Exports, Instance, Namespace
from ._limits import Limits
from ._native import Component, Engine, Function
from ._portable import PortableFunction
from ._values import Ok, Some
from ._wasi import Preopen, WasiConfig
from ._world import FunctionType, InterfaceType, World

try:
    __version__ = version("witbridge")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "CacheWarning",
    "CompileError",
    "Component",
    "Engine",
    "Err",
    "Error",
    "Exports",
    "Function",
    "FunctionType",
    "Instance",
    "InterfaceType",
    "Limits",
    "LinkError",
    "Linker",
    "Namespace",
    "NumericLists",
    "Ok",
    "PortableFunction",
    "Preopen",
    "Resource",
    "Some",
    "Trap",
    "WasiConfig",
    "World",
    "load",
]


NumericLists = Literal["list", "array", "numpy"]
"""How lists of numbers come out of a guest: see :meth:`Linker.instantiate`."""


class Linker(_native.Linker):
    """Provides a component's imports and instantiates it.

    ``Linker(engine=None)`` uses the default engine unless given one; the
    component must be compiled with the same engine.
    """

    def wasi(self, config: WasiConfig | None = None) -> None:
        """Gives instances that import WASI ``config`` instead of the default sandbox.

        Without a call to ``wasi()``, a component importing WASI still gets
        it, sandboxed (see :class:`WasiConfig`). WASI interfaces defined with
        :meth:`define` replace witbridge's own.
        """
        self._wasi(config if config is not None else WasiConfig())

    def instantiate(  # type: ignore[override]
        self,
        component: Component,
        *,
        limits: Limits | None = None,
        numeric_lists: NumericLists = "list",
        _reference_abi: bool = False,
    ) -> Instance:
        """A new instance of ``component``, with a store of its own, within ``limits``.

        ``numeric_lists`` is how the instance gives back a ``list<T>`` of
        numbers (``T`` one of ``u16``..``u64``, ``s8``..``s64``, ``f32``,
        ``f64``), from its exports and to Python imports: ``"list"`` (the
        default) a ``list`` of ``int`` or ``float``, ``"array"`` an
        ``array.array`` of the matching type code, ``"numpy"`` a numpy
        array of the matching dtype (numpy must be installed). The last two
        are one object and one copy for the whole list. Under ``"numpy"``,
        a ``list<R>`` of a record ``R`` whose fields are all numbers comes
        back as a numpy structured array of ``R``'s layout too (see
        docs/types.md). ``list<u8>`` is always ``bytes``. (``_reference_abi`` is for witbridge's own tests:
        values then cross through wasmtime's slower ``Val`` API.)
        """
        if limits is not None and not isinstance(limits, Limits):
            raise TypeError(f"limits= takes a witbridge.Limits, got {type(limits).__name__}")
        if numeric_lists == "numpy":
            try:
                import numpy  # noqa: F401
            except ImportError as missing:
                needs = "numeric_lists='numpy' needs numpy, which is not installed (pip install numpy)"
                raise Error(needs) from missing
        native = super().instantiate(component, limits, numeric_lists=numeric_lists, _reference_abi=_reference_abi)
        return Instance(native)


def load(
    source: str | os.PathLike[str] | bytes,
    *,
    engine: Engine | None = None,
    wit: str | os.PathLike[str] | None = None,
    world: str | None = None,
    imports: Mapping[str, object] | None = None,
    wasi: WasiConfig | None = None,
    limits: Limits | None = None,
    numeric_lists: NumericLists = "list",
) -> Instance:
    """Compile and instantiate a component in one step.

    ``source`` is a path (a component, WAT text, or a wit-bindgen core module)
    or the bytes of one. A core module without embedded WIT needs ``wit=``
    (a .wit file or directory) and, if its package has several worlds,
    ``world=``. ``imports`` maps import names to their implementations, as
    :meth:`Linker.define` takes them (a function for a root-level import).
    ``wasi`` configures WASI (default: the sandbox), ``limits`` bounds the
    instance (see :class:`Limits`), and ``numeric_lists`` says how lists of
    numbers come back (see :meth:`Linker.instantiate`).
    """
    if isinstance(source, bytes | bytearray | memoryview):
        component = Component.from_bytes(bytes(source), engine=engine, wit=wit, world=world)
    else:
        component = Component.from_file(source, engine=engine, wit=wit, world=world)
    linker = Linker(component.engine)
    _define_imports(linker, component, {} if imports is None else imports)
    if wasi is not None:
        linker.wasi(wasi)
    return linker.instantiate(component, limits=limits, numeric_lists=numeric_lists)


def _define_imports(linker: Linker, component: Component, imports: Mapping[str, object]) -> None:
    """``load(imports=...)``: defines each implementation by its import name, and refuses names the component
    doesn't import."""
    if not isinstance(imports, Mapping):
        raise TypeError(
            f"load(imports=...) takes a mapping of import names to implementations, got {type(imports).__name__}"
        )
    for name, implementation in imports.items():
        linker.define(name, implementation)
    _refuse_unused_imports(linker, component)


def _refuse_unused_imports(linker: Linker, component: Component) -> None:
    """A key of ``load(imports=...)`` that no import uses is a mistake (a misspelling, most often): say so."""
    unused, missing = linker._unused_definitions(component)
    if not unused:
        if missing is not None:
            raise missing
        return
    imported = list(component.world.imports)
    # Interfaces may be named without their version, root functions in snake_case.
    spellings = {name: name for name in imported}
    spellings.update({name.split("@")[0]: name for name in imported})
    spellings.update({_native.snake_name(name): name for name in imported if ":" not in name})
    problems = []
    for key in unused:
        close = difflib.get_close_matches(key, list(spellings), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"it imports {', '.join(imported) or 'nothing'}"
        problems.append(f"{key!r}: no import of the component has this name; {hint}")
    message = "load(imports=...) has names the component doesn't import:\n  " + "\n  ".join(problems)
    if missing is not None:
        message += f"\nand so: {missing}"
    raise LinkError(message)
