"""Factories for the Python classes of WIT types, called by the native module.

Each record, variant, enum and flags type of a component becomes a class once,
when a namespace that uses it is first built; calls then only instantiate
them. Keeping the factories in Python means the classes are ordinary
dataclasses and enums that behave exactly as Python users expect.

Their values pickle by the structure of their WIT type, since the classes
belong to a component and no module can import them: unpickled, a value is
an instance of the first class this process made for the same structure
(so results that come back from another process compare equal to values
of a component loaded here), or, where there is none, of a class rebuilt
from the structure, with the same name, fields and behaviour.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import threading
import weakref
from typing import Any, Self

_MODULE = "witbridge.types"

# (kind, class name, WIT name, parts): what a factory needs to make the class again.
Structure = tuple[str, str, str, tuple[Any, ...]]

_lock = threading.Lock()
# The first class made for each structure, while it is alive.
_by_structure: weakref.WeakValueDictionary[Structure, type] = weakref.WeakValueDictionary()


def _register(cls: type, structure: Structure) -> None:
    cls.__wit_structure__ = structure  # type: ignore[attr-defined]
    with _lock:
        _by_structure.setdefault(structure, cls)


def _class_of(structure: Structure) -> type:
    """The class for values unpickled with ``structure``: one made already, or a new one."""
    with _lock:
        found = _by_structure.get(structure)
    if found is not None:
        return found
    kind, name, wit_name, parts = structure
    if kind == "record":
        return make_record(name, wit_name, list(parts), None)
    if kind == "variant":
        return make_variant(name, wit_name, list(parts), None)[0]
    if kind == "enum":
        return make_enum(name, wit_name, list(parts), None)
    return make_flags(name, wit_name, list(parts), None)


def _generated(value: object) -> bool:
    """Whether ``value``'s class is one a factory made (not a user's subclass of one)."""
    return "__wit_structure__" in type(value).__dict__


def _record(structure: Structure, values: tuple[Any, ...]) -> Any:
    return _class_of(structure)(*values)


def _reduce_record(self: Any, protocol: int) -> Any:
    if not _generated(self):
        return object.__reduce_ex__(self, protocol)
    fields = tuple(getattr(self, f.name) for f in dataclasses.fields(self))
    return (_record, (type(self).__wit_structure__, fields))


def _case(structure: Structure, index: int, *payload: Any) -> Any:
    return _class_of(structure).__wit_cases__[index](*payload)  # type: ignore[attr-defined]


def _reduce_case(self: Any, protocol: int) -> Any:
    cls = type(self)
    if not _generated(self):
        return object.__reduce_ex__(self, protocol)
    payload = (self.value,) if hasattr(self, "value") else ()
    return (_case, (cls.__wit_structure__, cls.__wit_case__, *payload))


def _state(self: Any) -> dict[str, Any]:
    """The attributes of a value: its fields, and whatever a user's subclass added."""
    fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
    return {**fields, **getattr(self, "__dict__", {})}


def _copy(self: Any) -> Any:
    # copy and deepcopy keep the very class (pickling finds one by structure).
    made = object.__new__(type(self))
    for name, value in _state(self).items():
        object.__setattr__(made, name, value)
    return made


def _deepcopy(self: Any, memo: dict[int, Any]) -> Any:
    made = object.__new__(type(self))
    memo[id(self)] = made
    for name, value in copy.deepcopy(_state(self), memo).items():
        object.__setattr__(made, name, value)
    return made


def _member(structure: Structure, value: Any) -> Any:
    return _class_of(structure)(value)


def _reduce_member(self: Any, protocol: int) -> Any:
    return (_member, (type(self).__wit_structure__, self.value))


def _finish(cls: type, wit_name: str, doc: str | None) -> type:
    cls.__module__ = _MODULE
    cls.__doc__ = doc or f"The WIT type `{wit_name}`."
    cls.__wit_name__ = wit_name  # type: ignore[attr-defined]
    return cls


def make_record(name: str, wit_name: str, fields: list[tuple[str, str]], doc: str | None) -> type:
    """A dataclass with one field per record field (snake_case names, in order)."""
    # Slotted: a value is a fixed block of fields, not a dict, which halves
    # what making one costs (the native side fills the slots directly).
    cls = dataclasses.make_dataclass(name, [py for py, _ in fields], eq=True, repr=True, slots=True)
    cls.__wit_fields__ = dict(fields)  # type: ignore[attr-defined]
    # This __init__ only sets the fields, so while the class has it the native
    # side may make values without calling it (a subclass is not plain).
    cls.__wit_plain__ = cls.__init__  # type: ignore[attr-defined,misc]
    cls.__reduce_ex__ = _reduce_record  # type: ignore[assignment,method-assign]
    cls.__copy__, cls.__deepcopy__ = _copy, _deepcopy  # type: ignore[attr-defined]
    _register(cls, ("record", name, wit_name, tuple(fields)))
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
    structure: Structure = ("variant", name, wit_name, tuple(cases))
    case_classes = []
    for index, (class_name, attr, case_wit, has_payload) in enumerate(cases):
        field_list = ["value"] if has_payload else []
        case = dataclasses.make_dataclass(class_name, field_list, bases=(base,), eq=True)
        case.__repr__ = _case_repr  # type: ignore[method-assign, assignment]
        case.__reduce_ex__ = _reduce_case  # type: ignore[assignment,method-assign]
        case.__copy__, case.__deepcopy__ = _copy, _deepcopy  # type: ignore[attr-defined]
        case.__wit_structure__ = structure  # type: ignore[attr-defined]
        case.__wit_case__ = index  # type: ignore[attr-defined]
        _finish(case, f"{wit_name}.{case_wit}", f"The case `{case_wit}` of the WIT variant `{wit_name}`.")
        setattr(base, attr, case)
        case_classes.append(case)
    base.__wit_cases__ = tuple(case_classes)  # type: ignore[attr-defined]
    _register(base, structure)
    return base, case_classes


def make_enum(name: str, wit_name: str, members: list[tuple[str, str]], doc: str | None) -> type:
    """An ``enum.Enum`` whose members are UPPER_SNAKE and whose values are the WIT names."""
    cls = enum.Enum(name, members, module=_MODULE)  # type: ignore[misc]
    cls.__reduce_ex__ = _reduce_member  # type: ignore[assignment,method-assign]
    _register(cls, ("enum", name, wit_name, tuple(members)))
    return _finish(cls, wit_name, doc)


def make_flags(name: str, wit_name: str, members: list[str], doc: str | None) -> type:
    """An ``enum.Flag`` whose members are UPPER_SNAKE, the n-th flag being ``1 << n``."""
    cls = enum.Flag(name, [(member, 1 << i) for i, member in enumerate(members)], module=_MODULE)  # type: ignore[misc]
    cls.__reduce_ex__ = _reduce_member  # type: ignore[assignment,method-assign]
    _register(cls, ("flags", name, wit_name, tuple(members)))
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

    def __reduce_ex__(self, protocol: object) -> Any:
        raise TypeError(
            f"cannot pickle a {type(self).__qualname__}: a resource is a handle into the guest "
            "instance that made it, and lives in this process only"
        )


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
