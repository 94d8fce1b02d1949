"""Factories for the Python classes of WIT types, called by the native module.

Each record, variant, enum and flags type of a component becomes a class once,
when a namespace that uses it is first built; calls then only instantiate
them. Keeping the factories in Python means the classes are ordinary
dataclasses and enums that behave exactly as Python users expect.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Self

_MODULE = "witbridge.types"


def _finish(cls: type, wit_name: str, doc: str | None) -> type:
    cls.__module__ = _MODULE
    cls.__doc__ = doc or f"The WIT type `{wit_name}`."
    cls.__wit_name__ = wit_name  # type: ignore[attr-defined]
    return cls


def make_record(name: str, wit_name: str, fields: list[tuple[str, str]], doc: str | None) -> type:
    """A dataclass with one field per record field (snake_case names, in order)."""
    cls = dataclasses.make_dataclass(name, [py for py, _ in fields], eq=True, repr=True)
    cls.__wit_fields__ = dict(fields)  # type: ignore[attr-defined]
    # This __init__ only sets the fields, so while the class has it the native
    # side may make values without calling it (a subclass is not plain).
    cls.__wit_plain__ = cls.__init__  # type: ignore[attr-defined,misc]
    return _finish(cls, wit_name, doc)


def _case_repr(self: Any) -> str:
    if hasattr(self, "value"):
        return f"{type(self).__qualname__}({self.value!r})"
    return f"{type(self).__qualname__}()"


def make_variant(
    name: str,
    wit_name: str,
    cases: list[tuple[str, str, str, bool]],
    doc: str | None,
) -> tuple[type, list[type]]:
    """A base class and one dataclass per case, named ``<Variant><Case>``.

    ``cases`` holds (class name, attribute name on the base, WIT case name,
    has payload). A case with a payload keeps it in ``.value``.
    """
    base = _finish(type(name, (), {"__slots__": ()}), wit_name, doc)
    case_classes = []
    for class_name, attr, case_wit, has_payload in cases:
        field_list = ["value"] if has_payload else []
        case = dataclasses.make_dataclass(class_name, field_list, bases=(base,), eq=True)
        case.__repr__ = _case_repr  # type: ignore[method-assign, assignment]
        _finish(case, f"{wit_name}.{case_wit}", f"The case `{case_wit}` of the WIT variant `{wit_name}`.")
        setattr(base, attr, case)
        case_classes.append(case)
    return base, case_classes


def make_enum(name: str, wit_name: str, members: list[tuple[str, str]], doc: str | None) -> type:
    """An ``enum.Enum`` whose members are UPPER_SNAKE and whose values are the WIT names."""
    cls = enum.Enum(name, members, module=_MODULE)  # type: ignore[misc]
    return _finish(cls, wit_name, doc)


def make_flags(name: str, wit_name: str, members: list[str], doc: str | None) -> type:
    """An ``enum.Flag`` whose members are UPPER_SNAKE, the n-th flag being ``1 << n``."""
    cls = enum.Flag(name, [(member, 1 << i) for i, member in enumerate(members)], module=_MODULE)  # type: ignore[misc]
    return _finish(cls, wit_name, doc)


class Resource:
    """Base of every class of a resource that a guest exports.

    ``ns.Counter(5)`` calls the resource's constructor in the guest; methods
    and static functions are those of the WIT resource. ``obj.drop()`` or
    ``with ns.Counter(5) as c:`` ends the resource; an object that is
    garbage-collected is dropped as well. Passing the object as an ``own<...>``
    argument moves it into the guest; using it after a drop or a move raises
    ``witbridge.Error``.
    """

    __slots__ = ("__weakref__", "_handle")
    _handle: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The constructor ran in __new__ (see bind_resource); nothing is left to do.
        pass

    @classmethod
    def _wrap(cls, handle: Any) -> Resource:
        obj = object.__new__(cls)
        obj._handle = handle
        return obj

    def drop(self) -> None:
        """Drop the resource in the guest now; dropping twice does nothing."""
        self._handle.drop()

    @property
    def alive(self) -> bool:
        """Whether the resource can still be used (not dropped, not moved)."""
        return bool(self._handle.alive)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._handle.drop()

    def __repr__(self) -> str:
        state = "" if self._handle.alive else " (dropped)"
        return f"<{type(self).__qualname__} resource{state}>"


Resource.__module__ = "witbridge"


def make_resource(name: str, wit_name: str, doc: str | None) -> type:
    """The component-wide class of an exported resource (no methods yet)."""
    return _finish(type(name, (Resource,), {"__slots__": ()}), wit_name, doc)


def bind_resource(base: type, members: list[tuple[str, str, Any]]) -> type:
    """A subclass of ``base`` whose constructor and methods call one instance.

    ``members`` holds (kind, Python name, native function) for the
    constructor, the methods (native functions bind like Python functions)
    and the static functions.
    """
    namespace: dict[str, Any] = {"__slots__": (), "__doc__": base.__doc__, "__module__": base.__module__}
    constructor = None
    for kind, py_name, function in members:
        if kind == "constructor":
            constructor = function
        elif kind == "method":
            namespace[py_name] = function
        else:
            namespace[py_name] = staticmethod(function)

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        if constructor is None:
            raise TypeError(f"the WIT resource `{base.__wit_name__}` has no constructor")  # type: ignore[attr-defined]
        return constructor(*args, **kwargs)

    namespace["__new__"] = __new__
    bound = type(base.__name__, (base,), namespace)
    bound.__qualname__ = base.__qualname__
    bound.__wit_name__ = base.__wit_name__  # type: ignore[attr-defined]
    return bound
