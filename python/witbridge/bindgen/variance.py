"""Which way each host resource's type variable varies in a generated Protocol.

The Protocols of what a host implements are generic over the host's own
resource classes (``FileClass[MemFile]``, ``Files[MemFile]``), so that an
implementation can name its own class where the guest hands back one of its
objects. mypy insists that a Protocol's type variable be declared with the
variance its members give it: one that only appears in arguments must be
contravariant, one that only appears in results covariant, one that appears
in both (or inside an invariant generic such as ``list``) invariant. This
module works that out from the WIT types, following the shapes
:mod:`.annotate` gives them: what the host receives is exact (``list[T]``,
invariant), what it returns broad (``Sequence[T]``, covariant); ``T | None``
and ``tuple[...]`` keep the variance, ``witbridge.Ok``, ``Err`` and ``Some``
(invariant generics) make it invariant.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator

from .annotate import Direction
from .model import Function, TypeRef, World


class Variance(enum.Enum):
    """How a type variable may be declared."""

    COVARIANT = "_co"
    CONTRAVARIANT = "_contra"
    INVARIANT = ""

    @property
    def suffix(self) -> str:
        """The name suffix mypy's convention gives such a variable (``_T_co``)."""
        return self.value


def _occurrences(
    world: World, ref: TypeRef, sign: int, direction: Direction, keys: set[str]
) -> Iterator[tuple[str, int]]:
    """(resource key, +1 covariant / -1 contravariant / 0 invariant) for each mention of one of ``keys`` in ``ref``,
    found in a position of polarity ``sign``."""
    ref = world.unalias(ref)
    if isinstance(ref, str):
        return
    ((kind, inner),) = ref.items()
    if kind in ("ref", "own", "borrow"):
        key = world.resource_of(ref)
        if key is not None and key in keys:
            yield key, sign
        return
    if kind == "list":
        # Received as `list[T]` (invariant), returned as `Sequence[T]` (covariant).
        yield from _occurrences(world, inner, sign if direction is Direction.GIVEN else 0, direction, keys)
    elif kind == "option":
        nested = isinstance(world.unalias(inner), dict) and "option" in world.unalias(inner)
        yield from _occurrences(world, inner, 0 if nested else sign, direction, keys)  # `Some[T]` is invariant
    elif kind == "tuple":
        for item in inner:
            yield from _occurrences(world, item, sign, direction, keys)
    elif kind == "result":
        for case in (inner["ok"], inner["err"]):
            if case is not None:
                yield from _occurrences(world, case, 0, direction, keys)


def host_function(world: World, f: Function, keys: set[str]) -> Iterator[tuple[str, int]]:
    """The mentions of ``keys`` in a function the host implements: its arguments are received (-1), its result
    given (+1); a ``result<T, E>`` result returns ``T`` and raises ``E``, which no annotation shows."""
    params = f.params[1:] if f.kind == "method" else f.params
    for p in params:
        yield from _occurrences(world, p.type, -1, Direction.RECEIVED, keys)
    if f.result is not None:
        result = world.unalias(f.result)
        if isinstance(result, dict) and "result" in result:
            ok = result["result"]["ok"]
            if ok is not None:
                yield from _occurrences(world, ok, +1, Direction.GIVEN, keys)
        else:
            yield from _occurrences(world, f.result, +1, Direction.GIVEN, keys)


def variances(found: Iterable[tuple[str, int]]) -> dict[str, Variance]:
    """The variance of each resource's variable from its mentions, in the order they were first found."""
    signs: dict[str, set[int]] = {}
    for key, sign in found:
        signs.setdefault(key, set()).add(sign)
    result = {}
    for key, seen in signs.items():
        if seen == {1}:
            result[key] = Variance.COVARIANT
        elif seen == {-1}:
            result[key] = Variance.CONTRAVARIANT
        else:
            result[key] = Variance.INVARIANT
    return result
