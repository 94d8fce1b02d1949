"""Deep equality for WIT values as witbridge returns them, strict about types.

``==`` is not enough to tell that a value survived a trip through a guest:
NaN is not equal to itself, ``0.0 == -0.0``, ``1 == 1.0`` and ``[1] == (1,)``.
"""

from __future__ import annotations

import dataclasses
import math

from witbridge import Err, Ok, Some


def same(a: object, b: object) -> bool:
    """Deep equality that also tells NaN and the sign of zero apart, and checks types."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        assert isinstance(b, float)
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, list | tuple):
        assert isinstance(b, list | tuple)
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Ok | Some | Err):
        return same(a.value, b.value)  # type: ignore[attr-defined, unused-ignore]
    if dataclasses.is_dataclass(a):
        return all(
            same(getattr(a, f.name), getattr(b, f.name))
            for f in dataclasses.fields(a)  # type: ignore[arg-type, unused-ignore]
        )
    return a == b
