"""Wrappers for WIT values that have no natural Python form (DESIGN.md §3).

``Ok`` and :class:`witbridge.Err` are the two cases of a ``result`` used as a
value; ``Some`` marks the outer layer of a nested ``option<option<T>>``, where
``None`` alone would be ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Ok(Generic[T]):
    """The success case of a WIT ``result`` used as a value."""

    value: T = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Ok({self.value!r})"


@dataclass(frozen=True, slots=True)
class Some(Generic[T]):
    """A present value of an ``option`` whose payload is itself an ``option``.

    ``option<option<u32>>`` has three shapes: ``None``, ``Some(None)`` and
    ``Some(5)``.
    """

    value: T

    def __repr__(self) -> str:
        return f"Some({self.value!r})"


for _cls in (Ok, Some):
    _cls.__module__ = "witbridge"
