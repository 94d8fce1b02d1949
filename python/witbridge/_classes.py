"""Factories for the Python classes of WIT types, called by the native module.

Each record, variant, enum and flags type of a component becomes a class once,
when a namespace that uses it is first built; calls then only instantiate
them. Keeping the factories in Python means the classes are ordinary
dataclasses and enums that behave exactly as Python users expect.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

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
