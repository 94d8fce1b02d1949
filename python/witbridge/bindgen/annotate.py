"""Python annotations for WIT types, as the runtime's converters shape values (DESIGN.md §3).

Which annotation fits depends on the direction a value travels. What Python
*receives* (an export's result, an import's argument, a record field) is
exactly what the converters make: ``list[T]``, ``bytes``. What Python *hands
over* (an export's argument, an import's result) may be anything the
converters accept, so it is typed as broadly as they are honest about:
``Sequence[T]`` for a list, ``bytes | bytearray | memoryview`` for
``list<u8>``. Records, enums and flags are always their classes (the
converters also take dicts, strings and sets; the typed layer doesn't offer
them).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from .model import TypeRef, World

_PRIMITIVES = {
    "bool": "bool",
    "u8": "int",
    "u16": "int",
    "u32": "int",
    "u64": "int",
    "s8": "int",
    "s16": "int",
    "s32": "int",
    "s64": "int",
    "f32": "float",
    "f64": "float",
    "char": "str",
    "string": "str",
}


class Direction(enum.Enum):
    """Which way a value crosses the boundary, seen from Python."""

    RECEIVED = "received"
    GIVEN = "given"


@dataclass(frozen=True)
class Result:
    """What a function call returns to its caller, and what it raises as ``witbridge.Err``."""

    returns: str
    error: str | None
    """The annotation of ``Err.value``, when the WIT result is a ``result``."""


class Annotator:
    """Renders type references of one world with the module's names for its types."""

    def __init__(self, world: World, names: Mapping[str, str]) -> None:
        self._world = world
        self._names = names
        self.uses: set[str] = set()
        """What the annotations need imported: ``Sequence``, ``witbridge``."""
        self.resources: dict[str, str] = {}
        """Annotations that stand for resources (by key) in place of their names, alias or not: the type variables
        of a Protocol generic over the host's resource classes, or ``Self``."""

    def __call__(self, ref: TypeRef, direction: Direction) -> str:
        """The annotation of a value of type ``ref`` travelling in ``direction``."""
        if isinstance(ref, str):
            return _PRIMITIVES[ref]
        ((kind, inner),) = ref.items()
        if kind in ("ref", "own", "borrow"):
            resource = self._world.resource_of(ref)
            if resource in self.resources:
                self.uses.add(self.resources[resource])  # `Self` needs importing; a type variable is harmless here
                return self.resources[resource]
            return self._names.get(inner, "object")
        if kind == "list":
            if self._world.unalias(inner) == "u8":
                return "bytes" if direction is Direction.RECEIVED else "bytes | bytearray | memoryview"
            item = self(inner, direction)
            if direction is Direction.RECEIVED:
                return f"list[{item}]"
            self.uses.add("Sequence")
            return f"Sequence[{item}]"
        if kind == "tuple":
            items = [self(t, direction) for t in inner]
            return f"tuple[{', '.join(items)}]" if items else "tuple[()]"
        if kind == "option":
            if self._is_option(inner):
                self.uses.add("witbridge")
                return f"witbridge.Some[{self(inner, direction)}] | None"
            return f"{self(inner, direction)} | None"
        if kind == "result":
            self.uses.add("witbridge")
            ok = self(inner["ok"], direction) if inner["ok"] is not None else "None"
            err = self(inner["err"], direction) if inner["err"] is not None else "None"
            return f"witbridge.Ok[{ok}] | witbridge.Err[{err}]"
        # future, stream, error-context, maps, fixed-length lists: witbridge can't convert them yet.
        return "object"

    def result(self, ref: TypeRef | None, direction: Direction) -> Result:
        """A function's result as its caller sees it: a ``result<T, E>`` returns ``T`` and raises ``Err(E)``."""
        if ref is None:
            return Result("None", None)
        target = self._world.unalias(ref)
        if isinstance(target, dict) and "result" in target:
            ok, err = target["result"]["ok"], target["result"]["err"]
            returns = self(ok, direction) if ok is not None else "None"
            error = self(err, direction) if err is not None else "None"
            return Result(returns, error)
        return Result(self(ref, direction), None)

    def _is_option(self, ref: TypeRef) -> bool:
        target = self._world.unalias(ref)
        return isinstance(target, dict) and "option" in target
