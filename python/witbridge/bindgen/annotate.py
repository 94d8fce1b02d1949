"""Python annotations for WIT types, as the runtime's converters shape values (DESIGN.md §3).

Which annotation fits depends on the direction a value travels. What Python
*receives* (an export's result, an import's argument, a record field) is
exactly what the converters make: ``list[T]``, ``bytes``. What Python *hands
over* (an export's argument, an import's result) may be anything the
converters accept, so it is typed as broadly as they are honest about:
``Sequence[T]`` for a list, ``bytes | bytearray | memoryview`` for
``list<u8>``, and a list of numbers also as any buffer (``array.array``, a
numpy array: the converters copy a buffer of the list's own item type in
one piece); a list of a record of numbers also takes a numpy structured
array, and a list of lists of numbers an array of several dimensions.
Records, enums and flags are always their classes (the converters also
take dicts, strings and sets; the typed layer doesn't offer them).

Lists of numbers are the one place where what Python receives depends on
the instance, not only on the WIT: its ``numeric_lists`` mode makes them a
``list``, an ``array.array`` or a numpy array (docs/types.md). A module is
written for one mode (``witbridge bindgen --numeric-lists``), and its
annotations say what that mode makes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from .model import TypeRef, World

NUMERIC_LISTS = ("list", "array", "numpy")
"""The modes of ``Linker.instantiate(numeric_lists=...)`` a module can be written for."""

# numpy's scalar type for each WIT number (and `bool`), as numeric_lists="numpy" makes its lists.
_NUMPY_TYPES = {
    "u8": "uint8",
    "u16": "uint16",
    "u32": "uint32",
    "u64": "uint64",
    "s8": "int8",
    "s16": "int16",
    "s32": "int32",
    "s64": "int64",
    "f32": "float32",
    "f64": "float64",
    "bool": "bool_",
}

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

    def __init__(self, world: World, names: Mapping[str, str], numeric_lists: str = "list") -> None:
        if numeric_lists not in NUMERIC_LISTS:
            raise ValueError(f"numeric_lists: expected one of {', '.join(NUMERIC_LISTS)}, got {numeric_lists!r}")
        self._world = world
        self._names = names
        self.numeric_lists = numeric_lists
        self.uses: set[str] = set()
        """What the annotations need imported: ``Sequence``, ``witbridge``, ``array``, ``numpy``, ``Buffer``."""
        self.mode_dependent = False
        """Whether an annotation of a received value depends on the ``numeric_lists`` mode."""
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
            return self._list(inner, direction)
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

    def _list(self, inner: TypeRef, direction: Direction) -> str:
        item_type = self._world.unalias(inner)
        if item_type == "u8":
            return "bytes" if direction is Direction.RECEIVED else "bytes | bytearray | memoryview"
        item = self(inner, direction)
        numpy_type = self._numpy_type(item_type)
        if direction is Direction.RECEIVED:
            if numpy_type is not None:
                self.mode_dependent = True
                if self.numeric_lists == "numpy":
                    self.uses.add("numpy")
                    return f"_npt.NDArray[_np.{numpy_type}]"
                if self.numeric_lists == "array" and item in ("int", "float"):
                    self.uses.add("array")
                    return f"_array.array[{item}]"
            return f"list[{item}]"
        self.uses.add("Sequence")
        given = [f"Sequence[{item}]"]
        if _is_number(item_type):
            self.uses.add("Buffer")
            given.append("_Buffer")
        if numpy_type is not None and self.numeric_lists == "numpy":
            # Said apart from `Buffer`: numpy's stubs make an array one only for Python 3.12 and later. A
            # module for another mode leaves numpy out, which may not be installed where it is checked.
            self.uses.add("numpy")
            given.append(f"_npt.NDArray[_np.{numpy_type}]")
        elif numpy_type == "void":
            # A structured array is taken in every mode; the modes without numpy say so with a Protocol.
            given.append("_runtime.NumpyArray")
        nested = self._nested_number(item_type)
        if nested is not None:
            # A list of lists of numbers takes an array of several dimensions, as its rows.
            if self.numeric_lists == "numpy":
                self.uses.add("numpy")
                given.append(f"_npt.NDArray[_np.{_NUMPY_TYPES[nested]}]")
            else:
                given.append("_runtime.NumpyArray")
        return " | ".join(given)

    def _nested_number(self, item_type: TypeRef) -> str | None:
        """The number at the bottom of ``item_type`` when it is a list (of lists) of numbers, else None."""
        if not (isinstance(item_type, dict) and "list" in item_type):
            return None
        while isinstance(item_type, dict) and "list" in item_type:
            item_type = self._world.unalias(item_type["list"])
        return item_type if isinstance(item_type, str) and _is_number(item_type) else None

    def _numpy_type(self, item_type: TypeRef) -> str | None:
        """The numpy scalar type of a list of ``item_type`` under numeric_lists="numpy" (``void``, a structured
        array, for a record of numbers), or None when it stays a ``list`` there."""
        if isinstance(item_type, str):
            return _NUMPY_TYPES.get(item_type)
        definition = self._world.types.get(item_type.get("ref", ""))
        if definition is None or definition.kind != "record" or not definition.members:
            return None
        numbers = all(_is_number(self._world.unalias(f.type)) for f in definition.members if f.type is not None)
        return "void" if numbers else None

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


def _is_number(ref: TypeRef) -> bool:
    """Whether ``ref`` (unaliased) is an integer or a float type."""
    return isinstance(ref, str) and ref in _NUMPY_TYPES and ref != "bool"
