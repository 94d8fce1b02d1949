"""WIT types as small trees: their WIT text, and Python values that fit or don't.

Each node answers three questions about its type, following the mapping in
``docs/types.md``:

- :meth:`WitType.value`: a value of the type exactly as witbridge returns it
  (bytes for ``list<u8>``, generated classes for records and variants, ...);
- :meth:`WitType.spell`: another way of writing that value that witbridge must
  accept as an argument (a dict for a record, a WIT name for an enum case, a
  bytearray for bytes, ...), so that the accepted forms are exercised too;
- :meth:`WitType.wrong`: an argument witbridge must refuse with a
  ``TypeError``, ``ValueError`` or ``OverflowError``, either at this node or
  somewhere inside it.

Generated classes belong to a component, so the value methods take ``cls``:
the instance, on which a world's classes are attributes.
"""

from __future__ import annotations

import decimal
import fractions
import functools
import math
import operator
import types
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from witbridge import Err, Ok, Some, _native

from ..wit_limits import INT_RANGES
from .choices import Choices, boolean, char, pick

Classes = Any  # a witbridge Instance: the world's generated classes are its attributes

MAX_DEPTH = 4

# Names for fields, cases and flags: plain ones, multi-word ones, and ones
# that are Python keywords, builtins or attributes the generated classes use.
MEMBER_NAMES = (
    "a", "b", "x", "y-z", "long-name", "type", "class", "from", "in", "is", "self",
    "value", "none", "some", "ok", "err", "list", "string", "name", "mro", "def",
)  # fmt: skip


def pascal(wit_name: str) -> str:
    return "".join(word.capitalize() for word in wit_name.split("-"))


class IndexOnly:
    """An integer that is not an ``int``, but has ``__index__``."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value

    def __repr__(self) -> str:
        return f"IndexOnly({self.value})"


class WitType(ABC):
    """A WIT type; see the module docs."""

    children: tuple[WitType, ...] = ()

    @abstractmethod
    def wit(self) -> str:
        """The type as a WIT type expression."""

    @abstractmethod
    def value(self, ch: Choices, cls: Classes) -> object:
        """A value of this type, as witbridge returns it."""

    def spell(self, ch: Choices, value: Any, cls: Classes) -> object:
        """Another way to write ``value`` that witbridge must accept."""
        return value

    @abstractmethod
    def wrong(self, ch: Choices, cls: Classes) -> object:
        """An argument witbridge must refuse."""

    def definitions(self) -> Iterator[Named]:
        """The named types this one uses, itself included, each once per use."""
        for child in self.children:
            yield from child.definitions()

    @property
    def target(self) -> WitType:
        """The type an alias names (the type itself for anything else)."""
        return self


@dataclass(eq=False)
class Bool(WitType):
    def wit(self) -> str:
        return "bool"

    def value(self, ch: Choices, cls: Classes) -> object:
        return boolean(ch)

    def wrong(self, ch: Choices, cls: Classes) -> object:
        return pick(ch, (1, 0, None, "True"))


@dataclass(eq=False)
class Int(WitType):
    kind: str  # u8 .. s64

    def wit(self) -> str:
        return self.kind

    def value(self, ch: Choices, cls: Classes) -> object:
        return ch.integer(*INT_RANGES[self.kind])

    def spell(self, ch: Choices, value: Any, cls: Classes) -> object:
        return IndexOnly(value) if ch.integer(0, 3) == 0 else value

    def wrong(self, ch: Choices, cls: Classes) -> object:
        lo, hi = INT_RANGES[self.kind]
        return pick(ch, (hi + 1, lo - 1, hi + 2**64, 1.0, "1", None, True))


@dataclass(eq=False)
class Float(WitType):
    bits: int  # 32 or 64

    def wit(self) -> str:
        return f"f{self.bits}"

    def value(self, ch: Choices, cls: Classes) -> object:
        return ch.float32() if self.bits == 32 else ch.float64()

    def spell(self, ch: Choices, value: Any, cls: Classes) -> object:
        # An integer (an int, or by __index__) and any numbers.Real are accepted
        # for a float. Each spelling must be exact: -0.0 has no int nor Fraction,
        # NaN and the infinities have neither.
        if not math.isfinite(value) or (value == 0 and math.copysign(1.0, value) < 0):
            return value
        integral = value == int(value)
        spelling = ch.integer(0, 3)
        if spelling == 1 and integral:
            return int(value)
        if spelling == 2 and integral:
            return IndexOnly(int(value))
        if spelling == 3:
            return fractions.Fraction(value)
        return value

    def wrong(self, ch: Choices, cls: Classes) -> object:
        if self.bits == 32:
            too_big: tuple[object, ...] = (1e300, 2**128, fractions.Fraction(2**128))
        else:
            too_big = (10**400, fractions.Fraction(10**400))
        return pick(ch, ("1.0", None, True, 1j, decimal.Decimal("1.5"), *too_big))


@dataclass(eq=False)
class Char(WitType):
    def wit(self) -> str:
        return "char"

    def value(self, ch: Choices, cls: Classes) -> object:
        return char(ch)

    def wrong(self, ch: Choices, cls: Classes) -> object:
        return pick(ch, ("", "ab", "\ud800", "\udfff", 65, None, b"a"))


@dataclass(eq=False)
class String(WitType):
    def wit(self) -> str:
        return "string"

    def value(self, ch: Choices, cls: Classes) -> object:
        return ch.text(pick(ch, (8, 8, 8, 300)))

    def wrong(self, ch: Choices, cls: Classes) -> object:
        return pick(ch, (b"text", None, 5, "lone \ud800 surrogate", ["a"]))


@dataclass(eq=False)
class List(WitType):
    element: WitType

    def __post_init__(self) -> None:
        self.children = (self.element,)

    @property
    def is_bytes(self) -> bool:
        element = self.element.target
        return isinstance(element, Int) and element.kind == "u8"

    def wit(self) -> str:
        return f"list<{self.element.wit()}>"

    def value(self, ch: Choices, cls: Classes) -> object:
        if self.is_bytes:
            return ch.raw(pick(ch, (16, 16, 16, 5000)))
        return [self.element.value(ch, cls) for _ in range(ch.integer(0, pick(ch, (3, 3, 3, 40))))]

    def spell(self, ch: Choices, value: Any, cls: Classes) -> object:
        if self.is_bytes:
            return pick(ch, (bytes, bytearray, memoryview, list, tuple))(value)
        items = [self.element.spell(ch, item, cls) for item in value]
        return tuple(items) if boolean(ch) else items

    def wrong(self, ch: Choices, cls: Classes) -> object:
        if self.is_bytes:
            return pick(ch, ([256], [1, -1], [True], [1.5], "bytes", None, iter(b"ab")))
        items = [self.element.spell(ch, self.element.value(ch, cls), cls) for _ in range(ch.integer(0, 3))]
        if boolean(ch):
            items.insert(ch.integer(0, len(items)), self.element.wrong(ch, cls))
            return items
        return pick(ch, ("text", None, 5, iter(items)))


@dataclass(eq=False)
class Tuple(WitType):
    items: tuple[WitType, ...]

    def __post_init__(self) -> None:
        self.children = self.items

    def wit(self) -> str:
        return f"tuple<{', '.join(item.wit() for item in self.items)}>"

    def value(self, ch: Choices, cls: Classes) -> object:
        return tuple(item.value(ch, cls) for item in self.items)

    def spell(self, ch: Choices, value: Any, cls: Classes) -> object:
        items = [item.spell(ch, v, cls) for item, v in zip(self.items, value, strict=True)]
        return tuple(items) if boolean(ch) else items

    def wrong(self, ch: Choices, cls: Classes) -> object:
        items: list[object] = [item.spell(ch, item.value(ch, cls), cls) for item in self.items]
        match ch.integer(0, 3):
            case 0:
                return tuple(items[:-1])
            case 1:
                return (*items, 0)
            case 2:
                return None
        at = ch.integer(0, len(items) - 1)
        items[at] = self.items[at].wrong(ch, cls)
        return tuple(items)


@dataclass(eq=False)
class Option(WitType):
    inner: WitType

    def __post_init__(self) -> None:
        self.children = (self.inner,)

    @property
    def nested(self) -> bool:
        return isinstance(self.inner.target, Option)

    def wit(self) -> str:
        return f"option<{self.inner.wit()}>"

    def value(self, ch: Choices, cls: Classes) -> object:
        if ch.integer(0, 3) == 0:
            return None
        value = self.inner.value(ch, cls)
        return Some(value) if self.nested else value

    def spell(self, ch: Choices, value: Any, cls: Classes) -> object:
        if value is None:
            return None
        if self.nested:
            return Some(self.inner.spell(ch, value.value, cls))
        inner = self.inner.spell(ch, value, cls)
        return Some(inner) if ch.integer(0, 3) == 0 else inner

    def wrong(self, ch: Choices, cls: Classes) -> object:
        # `Some(...)`, because a wrong inner value may be `None`, which fits.
        return Some(self.inner.wrong(ch, cls))


@dataclass(eq=False)
class Result(WitType):
    ok: WitType | None
    err: WitType | None

    def __post_init__(self) -> None:
        self.children = tuple(t for t in (self.ok, self.err) if t is not None)

    def wit(self) -> str:
        ok = self.ok.wit() if self.ok else "_"
        if self.err is None:
            return "result" if self.ok is None else f"result<{ok}>"
        return f"result<{ok}, {self.err.wit()}>"

    def value(self, ch: Choices, cls: Classes) -> object:
        case, payload = (Ok, self.ok) if boolean(ch) else (Err, self.err)
        return case(payload.value(ch, cls) if payload else None)

    def spell(self, ch: Choices, value: Any, cls: Classes) -> object:
        payload = self.ok if isinstance(value, Ok) else self.err
        if payload is None:
            return type(value)()
        return type(value)(payload.spell(ch, value.value, cls))

    def wrong(self, ch: Choices, cls: Classes) -> object:
        case, payload = (Ok, self.ok) if boolean(ch) else (Err, self.err)
        if boolean(ch):
            return pick(ch, (None, 5, "ok"))
        return case(payload.wrong(ch, cls) if payload else 1)


@dataclass(eq=False)
class Named(WitType):
    """A type defined by name in the WIT (record, variant, enum, flags, alias)."""

    name: str

    def wit(self) -> str:
        return f"%{self.name}"

    @abstractmethod
    def definition(self) -> str:
        """The WIT that defines the type."""

    def definitions(self) -> Iterator[Named]:
        yield from super().definitions()
        yield self

    def cls(self, cls: Classes) -> Any:
        return getattr(cls, pascal(self.name))


@dataclass(eq=False)
class Alias(Named):
    aliased: WitType

    def __post_init__(self) -> None:
        self.children = (self.aliased,)

    @property
    def target(self) -> WitType:
        return self.aliased.target

    def definition(self) -> str:
        return f"type %{self.name} = {self.aliased.wit()};"

    def value(self, ch: Choices, cls: Classes) -> object:
        return self.aliased.value(ch, cls)

    def spell(self, ch: Choices, value: Any, cls: Classes) -> object:
        return self.aliased.spell(ch, value, cls)

    def wrong(self, ch: Choices, cls: Classes) -> object:
        return self.aliased.wrong(ch, cls)


@dataclass(eq=False)
class Record(Named):
    fields: tuple[tuple[str, WitType], ...] = field(default=())

    def __post_init__(self) -> None:
        self.children = tuple(t for _, t in self.fields)

    def definition(self) -> str:
        body = ", ".join(f"%{name}: {t.wit()}" for name, t in self.fields)
        return f"record %{self.name} {{ {body} }}"

    def value(self, ch: Choices, cls: Classes) -> object:
        return self.cls(cls)(*(t.value(ch, cls) for _, t in self.fields))

    def spell(self, ch: Choices, value: Any, cls: Classes) -> object:
        spelled = {name: t.spell(ch, getattr(value, _native.snake_name(name)), cls) for name, t in self.fields}
        python_names = {_native.snake_name(name): v for name, v in spelled.items()}
        match ch.integer(0, 3):
            case 0:
                return self.cls(cls)(**python_names)
            case 1:
                return spelled  # a dict keyed by WIT names
            case 2:
                return python_names  # ... or by Python names
        return types.SimpleNamespace(**python_names)  # any object with the attributes

    def wrong(self, ch: Choices, cls: Classes) -> object:
        spelled = {name: t.spell(ch, t.value(ch, cls), cls) for name, t in self.fields}
        match ch.integer(0, 3):
            case 0:
                del spelled[pick(ch, [name for name, _ in self.fields])]
                return spelled
            case 1:
                return {**spelled, "no-such-field": 1}
            case 2:
                return pick(ch, (None, 5, "record", list(spelled.values())))
        name, t = pick(ch, self.fields)
        spelled[name] = t.wrong(ch, cls)
        return spelled


@dataclass(eq=False)
class Variant(Named):
    cases: tuple[tuple[str, WitType | None], ...] = field(default=())

    def __post_init__(self) -> None:
        self.children = tuple(t for _, t in self.cases if t is not None)

    def definition(self) -> str:
        body = ", ".join(f"%{name}({t.wit()})" if t else f"%{name}" for name, t in self.cases)
        return f"variant %{self.name} {{ {body} }}"

    def case_class(self, cls: Classes, case: str) -> Any:
        wanted = f"{self.name}.{case}"
        return next(c for c in self.cls(cls).__subclasses__() if c.__wit_name__ == wanted)

    def value(self, ch: Choices, cls: Classes) -> object:
        case, payload = pick(ch, self.cases)
        case_class = self.case_class(cls, case)
        return case_class(payload.value(ch, cls)) if payload else case_class()

    def spell(self, ch: Choices, value: Any, cls: Classes) -> object:
        _, payload = next(c for c in self.cases if self.case_class(cls, c[0]) is type(value))
        return type(value)(payload.spell(ch, value.value, cls)) if payload else type(value)()

    def wrong(self, ch: Choices, cls: Classes) -> object:
        with_payload = [(case, t) for case, t in self.cases if t is not None]
        if with_payload and boolean(ch):
            case, payload = pick(ch, with_payload)
            assert payload is not None
            return self.case_class(cls, case)(payload.wrong(ch, cls))
        return pick(ch, (None, 0, self.cls(cls), self.cases[0][0]))


@dataclass(eq=False)
class Enum(Named):
    cases: tuple[str, ...] = ()

    def definition(self) -> str:
        return f"enum %{self.name} {{ {', '.join('%' + c for c in self.cases)} }}"

    def value(self, ch: Choices, cls: Classes) -> object:
        return list(self.cls(cls))[ch.integer(0, len(self.cases) - 1)]

    def spell(self, ch: Choices, value: Any, cls: Classes) -> object:
        return value.value if boolean(ch) else value  # the WIT name, or the member

    def wrong(self, ch: Choices, cls: Classes) -> object:
        return pick(ch, ("no-such-case", self.cases[0].upper() + "!", 0, None))


@dataclass(eq=False)
class Flags(Named):
    flags: tuple[str, ...] = ()

    def definition(self) -> str:
        return f"flags %{self.name} {{ {', '.join('%' + f for f in self.flags)} }}"

    def value(self, ch: Choices, cls: Classes) -> object:
        flag_class = self.cls(cls)
        chosen = [member for member in flag_class if boolean(ch)]
        return functools.reduce(operator.or_, chosen, flag_class(0))

    def spell(self, ch: Choices, value: Any, cls: Classes) -> object:
        if boolean(ch):
            return value
        names = [wit for wit, member in zip(self.flags, self.cls(cls), strict=True) if member in value]
        return set(names) if boolean(ch) else frozenset(names)

    def wrong(self, ch: Choices, cls: Classes) -> object:
        return pick(ch, ({"no-such-flag"}, {self.flags[0], 5}, 5, None, "text"))


LEAVES: tuple[WitType, ...] = (
    Bool(), Char(), String(), Float(32), Float(64), *(Int(kind) for kind in INT_RANGES),
)  # fmt: skip


@dataclass
class TypeGenerator:
    """Draws random WIT types; named ones get fresh names ``t0``, ``t1``, ..."""

    ch: Choices
    count: int = 0

    def fresh(self) -> str:
        self.count += 1
        return f"t{self.count - 1}"

    def names(self, pool: tuple[str, ...], most: int) -> tuple[str, ...]:
        pool_left = list(pool)
        return tuple(pool_left.pop(self.ch.integer(0, len(pool_left) - 1)) for _ in range(self.ch.integer(1, most)))

    def any(self, depth: int = 0) -> WitType:
        if depth >= MAX_DEPTH or self.ch.integer(0, 2) == 0:
            return pick(self.ch, LEAVES)
        ch, deeper = self.ch, depth + 1
        match ch.integer(0, 9):
            case 0:
                return List(self.any(deeper))
            case 1:
                return List(Int("u8"))
            case 2:
                return Option(self.any(deeper))
            case 3:
                ok = self.any(deeper) if boolean(ch) else None
                err = self.any(deeper) if boolean(ch) else None
                return Result(ok, err)
            case 4:
                return Tuple(tuple(self.any(deeper) for _ in range(ch.integer(1, 4))))
            case 5:
                fields = tuple((name, self.any(deeper)) for name in self.names(MEMBER_NAMES, 5))
                return Record(self.fresh(), fields)
            case 6:
                cases = tuple((name, self.any(deeper) if boolean(ch) else None) for name in self.names(MEMBER_NAMES, 5))
                return Variant(self.fresh(), cases)
            case 7:
                return Enum(self.fresh(), self.names(MEMBER_NAMES, 6))
            case 8:
                names = (*MEMBER_NAMES, *(f"f{i}" for i in range(32)))
                return Flags(self.fresh(), self.names(names, pick(ch, (4, 4, 32))))
        return Alias(self.fresh(), self.any(deeper))
