"""What the modules ``witbridge bindgen`` writes use at run time.

A generated module declares a real class for each record, variant, enum,
flags and exported resource type of its world, shaped exactly like the class
the runtime would make (``witbridge._classes``). :func:`bind` hands those
classes to a component before it makes its own, so that every value the
component's converters build is an instance of the generated class, and the
namespaces (``inst.machine_interface.Point``) hold the generated classes too.
Nothing else changes: calls still go straight to the runtime's functions.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from .. import Instance, Linker, _define_imports, _native
from .._classes import Resource
from .._errors import LinkError
from .model import TypeDef, typedef


class NumpyArray(Protocol):
    """A numpy array as a type checker sees it without numpy: what a list of a record of numbers (a structured
    array) and a list of lists of numbers (an array of several dimensions, as its rows) also take in the modes
    that don't import numpy (docs/types.md). Any array matches; witbridge checks its dtype and shape when it is
    called."""

    @property
    def dtype(self) -> object: ...

    @property
    def shape(self) -> tuple[int, ...]: ...


def bind(component: _native.Component, classes: Iterable[type]) -> _native.Component:
    """Makes ``component`` use ``classes`` for its WIT types; returns it.

    Each class names its type with ``__wit_key__`` (``interface#name``);
    classes of types the component doesn't have are left out. Bind before
    the component is instantiated: instantiating (and using an instance)
    makes the classes the component still lacks, and a type's class can't
    change once it exists. Binding the same classes again does nothing.

    Raises ``witbridge.LinkError`` when a class doesn't fit its type (the
    module was generated from other WIT) or when the component already made
    another class for one of the types.
    """
    classes = list(classes)
    keys = [str(getattr(cls, "__wit_key__", "")) for cls in classes]
    if _native._classes_bound(component, list(zip(keys, classes, strict=True))):
        return component  # bound (and checked) before: wrapping another instance costs next to nothing
    models = json.loads(_native._component_types(component, keys))
    found = [(cls, typedef(m)) for cls, m in zip(classes, models, strict=True) if m is not None]
    types = {d.key: d for _, d in found}
    misfits = [problem for cls, definition in found if (problem := _misfit(cls, definition))]
    if misfits:
        raise LinkError(
            "these bindings don't fit the component (regenerate them with `witbridge bindgen`):\n"
            + "\n".join(f"  {m}" for m in misfits)
        )
    entries = [
        (d.key, cls, [getattr(cls, case.py) for case in d.members] if d.kind == "variant" else []) for cls, d in found
    ]
    taken = _native._bind_classes(component, entries)
    if taken:
        names = ", ".join(types[key].name for key in taken)
        raise LinkError(
            f"the component already made its own classes for {names}: bind the generated classes before "
            "instantiating it (load it with the generated class's load() or compile())"
        )
    return component


def check_numeric_lists(instance: Instance, written_for: str) -> None:
    """Refuses to type ``instance`` with a module written for another ``numeric_lists`` mode: its annotations
    would say ``list[int]`` where the instance gives ``array.array``, or the other way round."""
    mode = instance._native._numeric_lists
    if mode != written_for:
        raise TypeError(
            f"these bindings were written for numeric_lists={written_for!r}, but the instance was made with "
            f"numeric_lists={mode!r}: instantiate it with numeric_lists={written_for!r}, or regenerate the "
            f"bindings with `witbridge bindgen --numeric-lists {mode}`"
        )


def define_imports(linker: Linker, component: _native.Component, imports: Mapping[str, object]) -> None:
    """``World.load(imports={...})`` with a plain mapping by import name: defined as ``witbridge.load`` defines
    it (names without versions, a function for a root import, names nothing imports refused)."""
    if not isinstance(imports, Mapping):
        raise TypeError(
            f"imports= takes the generated imports dataclass or a mapping by import name, not {type(imports).__name__}"
        )
    _define_imports(linker, component, imports)


def made_by_an_instance(cls: type, *args: Any, **kwargs: Any) -> Any:
    """The ``__new__`` of a generated resource class: only an instance can make a resource."""
    raise TypeError(
        f"{cls.__name__} objects are made by the guest: call the class on an instance's namespace "
        f"(`inst.<interface>.{cls.__name__}(...)`)"
    )


def case_repr(case: Any) -> str:
    """``ShapeCircle(1.0)``, ``ShapeEmpty()``: how the runtime's variant cases print."""
    if hasattr(case, "value"):
        return f"{type(case).__qualname__}({case.value!r})"
    return f"{type(case).__qualname__}()"


def _where(definition: TypeDef) -> str:
    return f"{definition.kind} `{definition.name}`" + (f" of {definition.owner}" if definition.owner else "")


def _field_names(cls: Any) -> list[str] | None:
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        return None
    return [f.name for f in dataclasses.fields(cls)]


def _misfit(cls: type, definition: TypeDef) -> str | None:
    """What keeps ``cls`` from being the class of ``definition``, if anything."""
    where = _where(definition)
    kind = definition.kind
    if kind == "record":
        expected = [f.py for f in definition.members]
        got = _field_names(cls)
        if got is None or issubclass(cls, enum.Enum):
            return f"{where}: {cls.__name__} is not a dataclass"
        if got != expected:
            return f"{where}: fields {', '.join(expected)} in the component, {', '.join(got)} here"
    elif kind == "enum":
        expected_members = [(c.py, c.name) for c in definition.members]
        if not issubclass(cls, enum.Enum) or issubclass(cls, enum.Flag):
            return f"{where}: {cls.__name__} is not an enum.Enum"
        got_members = [(m.name, m.value) for m in cls]
        if got_members != expected_members:
            return f"{where}: cases {', '.join(c.name for c in definition.members)} in the component"
    elif kind == "flags":
        expected_flags = [(f.py, 1 << i) for i, f in enumerate(definition.members)]
        if not issubclass(cls, enum.Flag):
            return f"{where}: {cls.__name__} is not an enum.Flag"
        if [(m.name, m.value) for m in cls] != expected_flags:
            return f"{where}: flags {', '.join(f.name for f in definition.members)} in the component, in this order"
    elif kind == "variant":
        for case in definition.members:
            case_cls = getattr(cls, case.py, None)
            fields = _field_names(case_cls)
            if fields is None or not issubclass(case_cls, cls):  # type: ignore[arg-type]
                return f"{where}: no case class {cls.__name__}.{case.py} for the case `{case.name}`"
            if fields != (["value"] if case.type is not None else []):
                payload = "a payload" if case.type is not None else "no payload"
                return f"{where}: the case `{case.name}` has {payload} in the component"
    elif kind == "resource" and not issubclass(cls, Resource):
        return f"{where}: {cls.__name__} is not a witbridge.Resource"
    return None
