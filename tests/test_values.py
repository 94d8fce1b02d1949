"""Every WIT value type through the values guest and back (DESIGN.md §3).

Each `echo-*` export of fixtures/guests/values returns its argument, so a
value that comes back equal (and of the documented Python type) went through
lowering and lifting intact; the other exports compute something the tests
predict exactly.
"""

from __future__ import annotations

import array
import copy
import dataclasses
import decimal
import fractions
import gc
import math
import struct
from collections import namedtuple
from typing import Any

import pytest

import witbridge
from witbridge import Err, Ok, Some

from .wit_limits import F32_MAX, INT_RANGES

Ns = Any  # a witbridge.Namespace: its functions and types are dynamic attributes


def f32(x: float) -> float:
    """``x`` rounded to the nearest f32, as a Python float."""
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


class Index:
    """A numpy-like integer: not an ``int``, but has ``__index__``."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


# --- bool ----------------------------------------------------------------------------------------


def test_bool(values: Ns) -> None:
    assert values.echo_bool(True) is True
    assert values.echo_bool(False) is False


@pytest.mark.parametrize("bad", [0, 1, None, "true", 1.0])
def test_bool_refuses_non_bools(values: Ns, bad: object) -> None:
    with pytest.raises(TypeError, match=r"^echo_bool\(\): x: expected bool, got "):
        values.echo_bool(bad)


# --- integers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", INT_RANGES)
def test_integer_bounds_roundtrip(values: Ns, kind: str) -> None:
    lo, hi = INT_RANGES[kind]
    echo = getattr(values, f"echo_{kind}")
    for x in (lo, hi, 0, lo + 1, hi - 1, hi // 2):
        out = echo(x)
        assert out == x
        assert type(out) is int


@pytest.mark.parametrize("kind", INT_RANGES)
def test_integer_one_past_each_bound_overflows(values: Ns, kind: str) -> None:
    lo, hi = INT_RANGES[kind]
    echo = getattr(values, f"echo_{kind}")
    for x in (lo - 1, hi + 1):
        with pytest.raises(OverflowError) as info:
            echo(x)
        assert str(info.value) == f"echo_{kind}(): x: expected {kind} ({lo}..{hi}), got {x}"


@pytest.mark.parametrize("kind", INT_RANGES)
@pytest.mark.parametrize("bad", [True, False, 1.0, 0.5, "1", None, b"\x01"])
def test_integer_refuses_bool_float_str(values: Ns, kind: str, bad: object) -> None:
    with pytest.raises(TypeError, match=rf"^echo_{kind}\(\): x: expected {kind} \("):
        getattr(values, f"echo_{kind}")(bad)


@pytest.mark.parametrize("kind", INT_RANGES)
def test_integer_accepts_index_objects(values: Ns, kind: str) -> None:
    lo, hi = INT_RANGES[kind]
    echo = getattr(values, f"echo_{kind}")
    assert echo(Index(hi)) == hi
    assert echo(Index(lo)) == lo
    with pytest.raises(OverflowError, match=rf"got {hi + 1}$"):
        echo(Index(hi + 1))


def test_integer_subclasses_are_ints(values: Ns) -> None:
    import enum

    class Level(enum.IntEnum):
        HIGH = 200

    assert values.echo_u8(Level.HIGH) == 200
    assert type(values.echo_u8(Level.HIGH)) is int


def test_id_alias_is_u64(values: Ns) -> None:
    assert values.echo_id(2**64 - 1) == 2**64 - 1
    assert values.echo_id(0) == 0
    with pytest.raises(OverflowError, match=r"expected u64 \(0\.\.18446744073709551615\), got -1$"):
        values.echo_id(-1)


# --- floats --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["f32", "f64"])
def test_float_specials(values: Ns, kind: str) -> None:
    echo = getattr(values, f"echo_{kind}")
    assert math.isnan(echo(math.nan))
    assert echo(math.inf) == math.inf
    assert echo(-math.inf) == -math.inf
    zero = echo(-0.0)
    assert zero == 0.0
    assert math.copysign(1.0, zero) == -1.0
    assert math.copysign(1.0, echo(0.0)) == 1.0
    assert type(echo(1.5)) is float


def test_f64_is_exact(values: Ns) -> None:
    for x in (0.1, -1e308, 5e-324, 1.7976931348623157e308, math.pi):
        assert values.echo_f64(x) == x


def test_f32_rounds_to_nearest_f32(values: Ns) -> None:
    assert values.echo_f32(0.1) == f32(0.1) == 0.10000000149011612
    assert values.echo_f32(0.1) != 0.1
    assert values.echo_f32(1 / 3) == f32(1 / 3)
    assert values.echo_f32(1.5) == 1.5
    assert values.echo_f32(F32_MAX) == F32_MAX
    assert values.echo_f32(-F32_MAX) == -F32_MAX
    # Finite and past f32's largest value, but rounding back down to it.
    assert values.echo_f32(3.4028235e38) == F32_MAX
    # Below the smallest subnormal: rounds to zero, keeping the sign.
    assert values.echo_f32(1e-50) == 0.0
    assert math.copysign(1.0, values.echo_f32(-1e-50)) == -1.0
    assert values.echo_f32(1.401298464324817e-45) == 1.401298464324817e-45


@pytest.mark.parametrize("big", [3.5e38, -3.5e38, 1e300, 3.4028235677973366e38, 2**200])
def test_f32_refuses_finite_values_too_big(values: Ns, big: float) -> None:
    with pytest.raises(OverflowError, match=r"^echo_f32\(\): x: expected f32 \(at most 3\.4028235e38"):
        values.echo_f32(big)


@pytest.mark.parametrize("kind", ["f32", "f64"])
def test_float_accepts_ints(values: Ns, kind: str) -> None:
    echo = getattr(values, f"echo_{kind}")
    assert echo(3) == 3.0
    assert type(echo(3)) is float
    assert echo(-(2**24)) == -16777216.0


def test_f32_rounds_ints(values: Ns) -> None:
    assert values.echo_f32(2**24 + 1) == 2.0**24
    assert values.echo_f32(2**24 + 3) == 2.0**24 + 4
    assert values.echo_f64(2**53 + 1) == 2.0**53
    # Rounded once, to the nearest f32: through f64 it would be rounded twice,
    # first to 2**60 + 2**36 (a tie for f32) and then down to 2**60.
    assert values.echo_f32(2**60 + 2**36 + 1) == 2.0**60 + 2.0**37
    assert values.echo_f32(-(2**60 + 2**36 + 1)) == -(2.0**60 + 2.0**37)
    # Just below the tie between f32's largest value and infinity: rounds down.
    assert values.echo_f32(2**128 - 2**103 - 1) == F32_MAX
    with pytest.raises(OverflowError, match=r"expected f32 \(at most 3\.4028235e38 in magnitude\)"):
        values.echo_f32(2**128 - 2**103)


def test_float_refuses_ints_too_big_for_any_float(values: Ns) -> None:
    f64_message = r"^echo_f64\(\): x: expected f64, got \d+\.\.\. \(too large for a float\)$"
    with pytest.raises(OverflowError, match=f64_message):
        values.echo_f64(2**1024)
    f32_message = r"^echo_f32\(\): x: expected f32 \(at most 3\.4028235e38 in magnitude\), got -\d+\.\.\.$"
    with pytest.raises(OverflowError, match=f32_message):
        values.echo_f32(-(2**1024))


@pytest.mark.parametrize("kind", ["f32", "f64"])
def test_float_accepts_integers_and_reals(values: Ns, kind: str) -> None:
    echo = getattr(values, f"echo_{kind}")
    # An integer by `__index__`, as the integer types take it, rounded once.
    assert echo(Index(3)) == 3.0
    assert type(echo(Index(3))) is float
    # Any other `numbers.Real`, as `float()` reads it.
    assert echo(fractions.Fraction(1, 4)) == 0.25
    third = echo(fractions.Fraction(1, 3))
    assert third == (f32(1 / 3) if kind == "f32" else 1 / 3)


def test_f32_rounds_index_integers_once(values: Ns) -> None:
    assert values.echo_f32(Index(2**60 + 2**36 + 1)) == 2.0**60 + 2.0**37


def test_float_refuses_reals_too_big(values: Ns) -> None:
    huge = fractions.Fraction(10**400, 3)
    too_large = r"^echo_f64\(\): x: expected f64, got Fraction.* \(too large for a float\)$"
    with pytest.raises(OverflowError, match=too_large):
        values.echo_f64(huge)
    with pytest.raises(OverflowError, match=r"^echo_f32\(\): x: expected f32 \(at most 3\.4028235e38 in magnitude\)"):
        values.echo_f32(fractions.Fraction(10**39))


class FloatLike:
    """Has ``__float__`` but is no ``numbers.Real``."""

    def __float__(self) -> float:
        return 1.0


@pytest.mark.parametrize("kind", ["f32", "f64"])
@pytest.mark.parametrize("bad", [True, False, "1.0", None, decimal.Decimal("1.5"), FloatLike(), 1j])
def test_float_refuses_bool_and_others(values: Ns, kind: str, bad: object) -> None:
    with pytest.raises(TypeError, match=rf"^echo_{kind}\(\): x: expected {kind} \(a float\), got "):
        getattr(values, f"echo_{kind}")(bad)


# --- char ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("c", ["a", "\0", "é", "€", "中", "😀", "\U0010ffff", "\ud7ff", "\ue000"])
def test_char_roundtrip(values: Ns, c: str) -> None:
    out = values.echo_char(c)
    assert out == c
    assert type(out) is str


@pytest.mark.parametrize("bad", ["", "ab", "😀😀", "\ud800", chr(0xDFFF)])
def test_char_refuses_other_strings(values: Ns, bad: str) -> None:
    with pytest.raises(ValueError, match=r"^echo_char\(\): x: expected char \("):
        values.echo_char(bad)


@pytest.mark.parametrize("bad", [65, b"a", None, ["a"]])
def test_char_refuses_non_str(values: Ns, bad: object) -> None:
    with pytest.raises(TypeError, match=r"^echo_char\(\): x: expected char \(a str of length 1\)"):
        values.echo_char(bad)


# --- string --------------------------------------------------------------------------------------


@pytest.mark.parametrize("s", ["", "hello", "héllo wörld", "日本語", "😀 astral 𝄞", "nul\0inside\0", "\0", "a" * 1000])
def test_string_roundtrip(values: Ns, s: str) -> None:
    out = values.echo_string(s)
    assert out == s
    assert type(out) is str


def test_string_huge(values: Ns) -> None:
    s = "0123456789abcdé" * (4 * 2**20 // 16)  # 4 MiB of UTF-8
    assert len(s.encode()) == 4 * 2**20
    assert values.echo_string(s) == s
    assert values.measure(s) == (4 * 2**20, len(s))


def test_string_measured_by_the_guest(values: Ns) -> None:
    assert values.measure("") == (0, 0)
    assert values.measure("héllo") == (6, 5)
    assert values.measure("😀\0") == (5, 2)


def test_string_made_by_the_guest(values: Ns) -> None:
    assert values.make_string(0) == ""
    assert values.make_string(5) == "aaaaa"
    assert values.make_string(2**20) == "a" * 2**20


@pytest.mark.parametrize("bad", [b"x", 1, None, ["a"]])
def test_string_refuses_non_str(values: Ns, bad: object) -> None:
    with pytest.raises(TypeError, match=r"^echo_string\(\): x: expected string \(a str\), got "):
        values.echo_string(bad)


def test_string_refuses_lone_surrogate(values: Ns) -> None:
    with pytest.raises(ValueError, match=r"^echo_string\(\): x: expected string, got .*lone surrogate"):
        values.echo_string("ok\ud800")


# --- list<u8> ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\xff",
        bytearray(b"\x00\x01\xff"),
        memoryview(b"\x00\x01\xff"),
        [0, 1, 255],
        (0, 1, 255),
        array.array("B", [0, 1, 255]),
        memoryview(b"\x00_\x01_\xff")[::2],
        [Index(0), 1, Index(255)],
    ],
    ids=["bytes", "bytearray", "memoryview", "list", "tuple", "array", "strided", "index"],
)
def test_bytes_accepted_forms(values: Ns, data: object) -> None:
    out = values.echo_bytes(data)
    assert out == b"\x00\x01\xff"
    assert type(out) is bytes


def test_bytes_empty_and_large(values: Ns) -> None:
    assert values.echo_bytes(b"") == b""
    assert type(values.echo_bytes([])) is bytes
    big = bytes(range(256)) * 4096  # 1 MiB
    assert values.echo_bytes(big) == big
    assert values.echo_bytes(bytearray(big)) == big


def test_bytes_made_by_the_guest(values: Ns) -> None:
    assert values.make_bytes(0) == b""
    assert values.make_bytes(300) == bytes(i % 256 for i in range(300))
    assert type(values.make_bytes(3)) is bytes


def test_bytes_refuses_bad_items_and_str(values: Ns) -> None:
    with pytest.raises(OverflowError, match=r"^echo_bytes\(\): x\[1\]: expected u8 \(0\.\.255\), got 256$"):
        values.echo_bytes([0, 256])
    with pytest.raises(OverflowError, match=r"x\[0\]: expected u8 \(0\.\.255\), got -1$"):
        values.echo_bytes((-1,))
    with pytest.raises(TypeError, match=r"x\[0\]: expected u8 \(0\.\.255\), got True$"):
        values.echo_bytes([True])
    with pytest.raises(TypeError, match=r"^echo_bytes\(\): x: expected list<u8> "):
        values.echo_bytes("abc")
    with pytest.raises(TypeError, match=r"^echo_bytes\(\): x: expected list<u8> "):
        values.echo_bytes(i for i in range(3))


# --- lists ---------------------------------------------------------------------------------------


def test_list_of_u32(values: Ns) -> None:
    assert values.echo_u32s([]) == []
    assert values.echo_u32s([0, 1, 2**32 - 1]) == [0, 1, 2**32 - 1]
    assert values.echo_u32s((5, 6)) == [5, 6]
    assert values.echo_u32s(range(4)) == [0, 1, 2, 3]
    big = list(range(0, 2**32, 2**32 // 100_000))
    out = values.echo_u32s(big)
    assert type(out) is list
    assert out == big


def test_list_of_strings(values: Ns) -> None:
    words = ["", "a", "héllo", "😀", "x\0y"]
    assert values.echo_strings(words) == words
    assert values.echo_strings(tuple(words)) == words
    assert values.echo_strings([]) == []
    many = [str(i) * (i % 7) for i in range(10_000)]
    assert values.echo_strings(many) == many


def test_list_of_lists(values: Ns) -> None:
    nested = [[], [-(2**15), 0, 2**15 - 1], [1], []]
    assert values.echo_nested_lists(nested) == nested
    assert values.echo_nested_lists(((1, 2), [3])) == [[1, 2], [3]]
    assert values.echo_nested_lists([]) == []


def test_a_list_that_shrinks_while_it_is_read_is_refused(values: Ns) -> None:
    """Reading an item may run Python code (a property) that changes the list: what was read is refused whole,
    never passed on short, and nothing is read past the end."""
    people: list[Any] = []

    class Shrinking:
        name, tags, home = "ann", [], None

        @property
        def age(self) -> int:
            people.clear()
            return 30

    bob = values.Person(name="bob", age=40, tags=[], home=None)
    people.extend([Shrinking(), bob])
    with pytest.raises(ValueError, match=r"^echo_people\(\): x: expected list<person> .*, got one that shrank while"):
        values.echo_people(people)
    assert values.echo_people([bob]) == [bob]


def test_list_refuses_generators_sets_and_str(values: Ns) -> None:
    with pytest.raises(TypeError, match=r"^echo_u32s\(\): x: expected list<u32> \(a list or other sequence\)"):
        values.echo_u32s(x for x in [1, 2])
    with pytest.raises(TypeError, match=r"expected list<u32>"):
        values.echo_u32s({1, 2})
    with pytest.raises(TypeError, match=r"^echo_strings\(\): x: expected list<string> .*, got str 'ab'$"):
        values.echo_strings("ab")
    with pytest.raises(TypeError, match=r"^echo_nested_lists\(\): x\[1\]: expected list<s16>"):
        values.echo_nested_lists([[1], iter([2])])


# --- tuples --------------------------------------------------------------------------------------


def test_tuple_roundtrip(values: Ns) -> None:
    out = values.echo_tuple((255, "é", -1.5))
    assert out == (255, "é", -1.5)
    assert type(out) is tuple
    assert values.echo_tuple([0, "", 2]) == (0, "", 2.0)


@pytest.mark.parametrize("bad", [(1, "a"), (1, "a", 1.0, 2), [], [1, "a", 1.0, None]])
def test_tuple_refuses_wrong_length(values: Ns, bad: object) -> None:
    n = len(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^echo_tuple\(\): x: expected tuple<") as info:
        values.echo_tuple(bad)
    assert str(info.value) == f"echo_tuple(): x: expected tuple<u8, string, f64> (3 items), got {n} items"


def test_tuple_refuses_other_types(values: Ns) -> None:
    with pytest.raises(TypeError, match=r"^echo_tuple\(\): x: expected tuple<u8, string, f64> \(a tuple\)"):
        values.echo_tuple({1, "a", 2.0})
    with pytest.raises(TypeError, match=r"^echo_tuple\(\): x\[2\]: expected f64 \(a float\), got str 'b'$"):
        values.echo_tuple((1, "a", "b"))


def test_divmod_returns_a_tuple(values: Ns) -> None:
    assert values.divmod(7, 2) == (3, 1)
    assert type(values.divmod(7, 2)) is tuple
    assert values.divmod(2**32 - 1, 10) == divmod(2**32 - 1, 10)


# --- records -------------------------------------------------------------------------------------


def test_record_class(values: Ns) -> None:
    p = values.Point(1, -2)
    assert dataclasses.is_dataclass(p)
    assert [f.name for f in dataclasses.fields(p)] == ["x", "y"]
    assert p == values.Point(x=1, y=-2)
    assert p != values.Point(1, 2)
    assert repr(p) == "Point(x=1, y=-2)"
    assert values.Point.__match_args__ == ("x", "y")
    match p:
        case values.Point(a, b):
            assert (a, b) == (1, -2)
        case _:
            pytest.fail("a Point did not match its own class pattern")


def test_record_roundtrip_from_every_form(values: Ns) -> None:
    @dataclasses.dataclass
    class OtherPoint:
        x: int
        y: int

    class Attrs:
        def __init__(self) -> None:
            self.x = 5
            self.y = 6

    Pair = namedtuple("Pair", "x y")
    assert values.echo_point(values.Point(1, 2)) == values.Point(1, 2)
    assert values.echo_point({"x": 3, "y": -4}) == values.Point(3, -4)
    assert values.echo_point(OtherPoint(7, 8)) == values.Point(7, 8)
    assert values.echo_point(Attrs()) == values.Point(5, 6)
    assert values.echo_point(Pair(9, 10)) == values.Point(9, 10)
    out = values.echo_point({"x": 2**31 - 1, "y": -(2**31)})
    assert type(out) is values.Point
    assert (out.x, out.y) == (2**31 - 1, -(2**31))


def test_record_with_nested_types(values: Ns) -> None:
    p = values.Person(name="Ada", age=36, tags=["math", "engines"], home=values.Point(1, 2))
    assert values.echo_person(p) == p
    as_dict = {"name": "Bob", "age": 255, "tags": [], "home": {"x": -1, "y": 0}}
    out = values.echo_person(as_dict)
    assert out == values.Person("Bob", 255, [], values.Point(-1, 0))
    assert type(out.home) is values.Point
    assert values.echo_person({"name": "", "age": 0, "tags": ("a",), "home": None}).home is None


def test_record_refuses_extra_and_missing_fields(values: Ns) -> None:
    with pytest.raises(TypeError, match=r"^echo_point\(\): x: unknown field 'z' for record point"):
        values.echo_point({"x": 1, "y": 2, "z": 3})
    with pytest.raises(TypeError, match=r"^echo_point\(\): x: expected record point .*no key 'y'"):
        values.echo_point({"x": 1})
    with pytest.raises(TypeError, match=r"^echo_person\(\): x: expected record person .*no key 'home'"):
        values.echo_person({"name": "a", "age": 1, "tags": []})

    class HalfPoint:
        x = 1

    with pytest.raises(TypeError, match=r"^echo_point\(\): x: expected record point .*no attribute y"):
        values.echo_point(HalfPoint())
    with pytest.raises(TypeError, match=r"^echo_point\(\): x: expected record point"):
        values.echo_point((1, 2))
    with pytest.raises(TypeError, match=r"^echo_point\(\): x: expected record point"):
        values.echo_point(None)


def test_record_values_are_slotted_and_read_where_they_are(values: Ns) -> None:
    # Records are slotted dataclasses, which the native side reads and fills
    # slot by slot; these are the cases where it must not.
    p = values.Point(1, 2)
    assert not hasattr(p, "__dict__")
    with pytest.raises(AttributeError):
        p.z = 3  # type: ignore[attr-defined]
    del p.y
    with pytest.raises(TypeError, match=r"^echo_point\(\): x: expected record point .*no attribute y"):
        values.echo_point(p)

    class Shifted(values.Point):  # type: ignore[name-defined,misc]
        @property  # type: ignore[misc]
        def x(self) -> int:
            return 100

    shifted = Shifted.__new__(Shifted)
    values.Point.__dict__["x"].__set__(shifted, 1)  # the slot under the property
    shifted.y = 7
    # A subclass's property is the value, not what the slot underneath holds.
    assert values.echo_point(shifted) == values.Point(100, 7)
    copied = copy.deepcopy([values.Point(5, 6)] * 2)
    assert copied == [values.Point(5, 6)] * 2
    assert copied[0] is copied[1]
    assert copy.copy(values.Point(8, 9)) == values.Point(8, 9)


def test_a_long_list_leaves_the_collector_as_it_found_it(values: Ns) -> None:
    # Making a long list holds Python's cyclic collector off, and no longer.
    points = [values.Point(i, i) for i in range(1000)]
    assert gc.isenabled()
    assert values.echo_points(points) == points
    assert gc.isenabled()
    gc.disable()
    try:
        assert values.echo_points(points) == points
        assert not gc.isenabled()
    finally:
        gc.enable()
    # Nested long lists pause it once and turn it back on once.
    assert values.echo_people([values.Person("p", 1, ["t"] * 300, None)] * 300)[299].tags == ["t"] * 300
    assert gc.isenabled()


def test_record_with_keyword_field_names(values: Ns) -> None:
    k = values.Keywords(type_=1, class_="c", from_=True, lambda_=b"\x00\xff")
    assert values.echo_keywords(k) == k
    assert [f.name for f in dataclasses.fields(values.Keywords)] == ["type_", "class_", "from_", "lambda_"]
    by_wit_name = {"type": 2**32 - 1, "class": "é", "from": False, "lambda": [1, 2]}
    assert values.echo_keywords(by_wit_name) == values.Keywords(2**32 - 1, "é", False, b"\x01\x02")
    by_py_name = {"type_": 0, "class_": "", "from_": True, "lambda_": bytearray()}
    out = values.echo_keywords(by_py_name)
    assert out == values.Keywords(0, "", True, b"")
    assert type(out.lambda_) is bytes
    match out:
        case values.Keywords(type_=0, from_=True):
            pass
        case _:
            pytest.fail("keyword pattern did not match")


def test_lists_of_records(values: Ns) -> None:
    points = [values.Point(i, -i) for i in range(1000)]
    assert values.echo_points(points) == points
    assert values.echo_points([]) == []
    assert values.echo_points([{"x": 1, "y": 2}, values.Point(3, 4)]) == [
        values.Point(1, 2),
        values.Point(3, 4),
    ]
    people = [
        values.Person("a", 1, ["x"], None),
        values.Person("b", 2, [], values.Point(0, 0)),
        {"name": "ç", "age": 3, "tags": ["p", "q"], "home": {"x": 5, "y": 6}},
    ]
    out = values.echo_people(people)
    assert out == [people[0], people[1], values.Person("ç", 3, ["p", "q"], values.Point(5, 6))]
    assert all(type(p) is values.Person for p in out)


def test_sum_points(values: Ns) -> None:
    assert values.sum_points([]) == values.Point(0, 0)
    assert values.sum_points([values.Point(1, 2), {"x": 3, "y": -7}]) == values.Point(4, -5)
    # The guest adds with wrapping s32 arithmetic.
    assert values.sum_points([values.Point(2**31 - 1, 0), values.Point(1, 0)]) == values.Point(-(2**31), 0)


# --- variants ------------------------------------------------------------------------------------


def test_shape_every_case(values: Ns) -> None:
    cases = [
        values.ShapeCircle(2.5),
        values.ShapeRect(values.Point(1, 2)),
        values.ShapeNamed("hexagon"),
        values.ShapeEmpty(),
    ]
    for case in cases:
        out = values.echo_shape(case)
        assert out == case
        assert type(out) is type(case)
    assert values.echo_shape(values.ShapeRect({"x": 3, "y": 4})) == values.ShapeRect(values.Point(3, 4))
    assert values.echo_shape(values.ShapeCircle(1)).value == 1.0


def test_variant_classes(values: Ns) -> None:
    assert values.Shape.Circle is values.ShapeCircle
    assert values.Shape.Empty is values.ShapeEmpty
    for case in (values.ShapeCircle, values.ShapeRect, values.ShapeNamed, values.ShapeEmpty):
        assert issubclass(case, values.Shape)
    assert isinstance(values.ShapeCircle(1.0), values.Shape)
    assert not issubclass(values.MixedNothing, values.Shape)
    assert values.ShapeCircle(1.0) == values.ShapeCircle(1.0)
    assert values.ShapeCircle(1.0) != values.ShapeCircle(2.0)
    assert values.ShapeEmpty() == values.ShapeEmpty()
    assert repr(values.ShapeNamed("x")) == "ShapeNamed('x')"
    assert repr(values.ShapeEmpty()) == "ShapeEmpty()"
    match values.echo_shape(values.ShapeRect(values.Point(5, 6))):
        case values.ShapeRect(values.Point(x, y)):
            assert (x, y) == (5, 6)
        case _:
            pytest.fail("variant pattern did not match")


def test_mixed_every_case(values: Ns) -> None:
    cases = [
        values.MixedNothing(),
        values.MixedSmall(255),
        values.MixedBig(2**64 - 1),
        values.MixedReal(1.5),
        values.MixedText("tëxt"),
        values.MixedPoints([values.Point(1, 2), values.Point(-3, 4)]),
        values.MixedPoints([]),
        values.MixedMaybe(None),
        values.MixedMaybe(2**32 - 1),
        values.MixedPair((7, "seven")),
    ]
    for case in cases:
        out = values.echo_mixed(case)
        assert out == case
        assert type(out) is type(case)
    assert values.echo_mixed(values.MixedReal(0.1)) == values.MixedReal(f32(0.1))
    assert math.isnan(values.echo_mixed(values.MixedReal(math.nan)).value)
    assert values.echo_mixed(values.MixedPair([1, "x"])) == values.MixedPair((1, "x"))


def test_variant_refuses_other_classes(values: Ns) -> None:
    with pytest.raises(TypeError, match=r"^echo_shape\(\): x: expected variant shape \(one of ShapeCircle, "):
        values.echo_shape(values.MixedNothing())
    with pytest.raises(TypeError, match=r"expected variant shape"):
        values.echo_shape(values.Shape())
    with pytest.raises(TypeError, match=r"expected variant shape"):
        values.echo_shape("circle")
    with pytest.raises(TypeError, match=r"^echo_shape\(\): x.value: expected f64 \(a float\), got True$"):
        values.echo_shape(values.ShapeCircle(True))


# --- enums ---------------------------------------------------------------------------------------


def test_enum(values: Ns) -> None:
    import enum

    assert issubclass(values.Color, enum.Enum)
    assert [m.name for m in values.Color] == ["RED", "GREEN", "BLUE", "LIGHT_YELLOW"]
    for member in values.Color:
        assert values.echo_color(member) is member
    assert values.echo_color("light-yellow") is values.Color.LIGHT_YELLOW
    assert values.echo_color("red") is values.Color.RED
    assert values.Color.LIGHT_YELLOW.value == "light-yellow"


def test_enum_refuses_bad_names_and_types(values: Ns) -> None:
    with pytest.raises(ValueError, match=r"^echo_color\(\): x: expected enum color \(Color or one of 'red', "):
        values.echo_color("purple")
    with pytest.raises(ValueError, match=r"got str 'LIGHT_YELLOW'$"):
        values.echo_color("LIGHT_YELLOW")
    with pytest.raises(ValueError, match=r"got str 'light_yellow'$"):
        values.echo_color("light_yellow")
    with pytest.raises(TypeError, match=r"^echo_color\(\): x: expected enum color"):
        values.echo_color(0)
    with pytest.raises(TypeError, match=r"^echo_color\(\): x: expected enum color"):
        values.echo_color(values.Perms.READ)


# --- flags ---------------------------------------------------------------------------------------


def test_flags(values: Ns) -> None:
    import enum

    Perms = values.Perms
    assert issubclass(Perms, enum.Flag)
    assert [m.name for m in Perms] == ["READ", "WRITE", "EXEC"]
    assert (Perms.READ.value, Perms.WRITE.value, Perms.EXEC.value) == (1, 2, 4)
    assert values.echo_perms(Perms(0)) == Perms(0)
    assert values.echo_perms(Perms.WRITE) is Perms.WRITE
    assert values.echo_perms(Perms.READ | Perms.EXEC) == Perms.READ | Perms.EXEC
    assert values.echo_perms(Perms.READ | Perms.WRITE | Perms.EXEC).value == 7
    assert values.echo_perms(set()) == Perms(0)
    assert values.echo_perms({"read", "exec"}) == Perms.READ | Perms.EXEC
    assert values.echo_perms(frozenset({"write"})) == Perms.WRITE
    assert type(values.echo_perms({"write"})) is Perms


def test_flags_32(values: Ns) -> None:
    Many = values.Many
    every = Many(2**32 - 1)
    assert values.echo_many(every) == every
    assert values.echo_many({f"f{i}" for i in range(32)}).value == 2**32 - 1
    assert values.echo_many(Many.F31).value == 2**31
    assert values.echo_many(Many.F0 | Many.F31 | Many.F16).value == 1 | 2**16 | 2**31
    assert values.echo_many(set()).value == 0
    for i in range(32):
        assert values.echo_many({f"f{i}"}).value == 1 << i


def test_flags_refuse_unknown_names_and_other_types(values: Ns) -> None:
    with pytest.raises(ValueError, match=r"^echo_perms\(\): x: expected flags perms .*unknown flag 'READ'$"):
        values.echo_perms({"READ"})
    with pytest.raises(ValueError, match=r"unknown flag 'f32'$"):
        values.echo_many({"f32"})
    with pytest.raises(TypeError, match=r"^echo_perms\(\): x: expected flags perms"):
        values.echo_perms("read")
    with pytest.raises(TypeError, match=r"^echo_perms\(\): x: expected flags perms"):
        values.echo_perms(3)
    with pytest.raises(TypeError, match=r"^echo_perms\(\): x: expected flags perms"):
        values.echo_perms(values.Many.F0)


# --- options -------------------------------------------------------------------------------------


def test_option(values: Ns) -> None:
    assert values.echo_option(None) is None
    assert values.echo_option(0) == 0
    assert values.echo_option(2**32 - 1) == 2**32 - 1
    assert values.echo_option(Some(5)) == 5


def test_nested_option(values: Ns) -> None:
    assert values.echo_nested_option(None) is None
    out = values.echo_nested_option(Some(None))
    assert out == Some(None)
    assert type(out) is Some
    assert values.echo_nested_option(Some("x")) == Some("x")
    assert values.echo_nested_option(Some("")) == Some("")
    # Without the marker, a value can only mean the innermost layer.
    assert values.echo_nested_option("y") == Some("y")
    assert Some(None) != Some("")
    assert Some(None) is not None


def test_some_wrapper(values: Ns) -> None:
    assert repr(Some(None)) == "Some(None)"
    assert Some(1) == Some(1)
    assert Some(1) != Some(2)
    assert hash(Some("a")) == hash(Some("a"))
    match values.echo_nested_option(Some("z")):
        case Some(inner):
            assert inner == "z"
        case _:
            pytest.fail("Some pattern did not match")


# --- results -------------------------------------------------------------------------------------


def test_results_as_values(values: Ns) -> None:
    items = [Ok(1), Err("bad"), Ok(0), Err(""), Ok(2**32 - 1)]
    out = values.echo_results(items)
    assert out == items
    assert [type(r) for r in out] == [Ok, Err, Ok, Err, Ok]
    assert out[1].value == "bad"
    assert values.echo_results([]) == []


def test_empty_results_as_values(values: Ns) -> None:
    out = values.echo_empty_results([Ok(), Err(), Ok(None), Err(None)])
    assert out == [Ok(), Err(), Ok(), Err()]
    assert [type(r) for r in out] == [Ok, Err, Ok, Err]
    assert all(r.value is None for r in out)


def test_result_wrappers(values: Ns) -> None:
    assert repr(Ok(1)) == "Ok(1)"
    assert repr(Err("x")) == "Err('x')"
    assert Ok(1) != Err(1)
    assert Err(1) == Err(1)
    assert Err(1) != Err(2)
    assert isinstance(Err("x"), witbridge.Error)


def test_results_refuse_other_values(values: Ns) -> None:
    with pytest.raises(TypeError, match=r"^echo_results\(\): x\[0\]: expected result<u32, string> \("):
        values.echo_results([1])
    with pytest.raises(TypeError, match=r"^echo_results\(\): x\[1\]\.value: expected string \(a str\), got 2$"):
        values.echo_results([Ok(1), Err(2)])
    with pytest.raises(ValueError, match=r"^echo_empty_results\(\): x\[0\]: .*ok case carries no value"):
        values.echo_empty_results([Ok(1)])
    with pytest.raises(ValueError, match=r"error case carries no value"):
        values.echo_empty_results([Err("x")])


def test_result_as_function_result(values: Ns) -> None:
    assert values.check_even(4) == 4
    assert values.check_even(0) == 0
    with pytest.raises(Err) as info:
        values.check_even(7)
    assert info.value.value == "7 is odd"
    assert isinstance(info.value, witbridge.Error)
    # An uncaught one says which call returned it (PEP 678 note).
    assert info.value.__notes__ == ["returned as the error of witbridge:fixtures/values@0.1.0#check-even's result"]


def test_empty_result_as_function_result(values: Ns) -> None:
    assert values.maybe_fail(False) is None
    with pytest.raises(Err) as info:
        values.maybe_fail(True)
    assert info.value.value is None


@pytest.mark.parametrize("color", ["red", "green", "blue", "light-yellow"])
def test_result_error_is_an_enum_member(values: Ns, color: str) -> None:
    with pytest.raises(Err) as info:
        values.fail_with(color)
    assert info.value.value is values.Color(color)
    with pytest.raises(Err) as info:
        values.fail_with(values.Color(color))
    assert info.value.value is values.Color(color)


# --- functions: parameters and names -------------------------------------------------------------


def test_many_params_spill_to_memory(values: Ns) -> None:
    out = values.many_params(
        255,
        -128,
        65535,
        -32768,
        2**32 - 1,
        -(2**31),
        2**64 - 1,
        -(2**63),
        0.1,
        -2.5,
        "😀",
        True,
        "héllo wörld",
        b"\x00\x0f\xff",
        values.Point(-1, 2),
        None,
        "light-yellow",
    )
    assert out == (
        "255|-128|65535|-32768|4294967295|-2147483648|18446744073709551615|-9223372036854775808"
        "|0.1|-2.5|😀|true|héllo wörld|000fff|-1,2|none|light-yellow"
    )


def test_many_params_by_keyword(values: Ns) -> None:
    kwargs = dict(
        a=0, b=0, c=0, d=0, e=0, f=0, g=0, h=0, i=1.5, j=0.25, k="k", l=False, m="",
        n=[], o={"x": 0, "y": -7}, p=7, q=values.Color.BLUE,
    )  # fmt: skip
    assert values.many_params(**kwargs) == "0|0|0|0|0|0|0|0|1.5|0.25|k|false|||0,-7|7|blue"
    assert values.many_params(1, 2, 3, 4, 5, 6, 7, 8, **{k: v for k, v in kwargs.items() if k > "h"}) == (
        "1|2|3|4|5|6|7|8|1.5|0.25|k|false|||0,-7|7|blue"
    )


def test_keyword_function_name(values: Ns) -> None:
    assert values.type_(21) == 42
    assert values.type_(class_=5) == 10
    assert values.type_(2**31 + 1) == 2  # the guest multiplies with wrapping
    assert values["type"] is values.type_


def test_keyword_arguments(values: Ns) -> None:
    assert values.divmod(a=7, b=2) == (3, 1)
    assert values.divmod(b=2, a=7) == (3, 1)
    assert values.divmod(7, b=2) == (3, 1)


def test_root_level_functions(values_instance: witbridge.Instance) -> None:
    assert values_instance.add(1, 2) == 3
    assert values_instance.add(2**32 - 1, 2) == 1  # wrapping
    assert values_instance.greet(name="Ada") == "Hello, Ada!"


def test_noop(values: Ns) -> None:
    assert values.noop() is None


def _python_divmod(a: int, b: int) -> None:
    """A Python function of divmod's shape, for the messages Python itself gives."""


_python_divmod.__qualname__ = "divmod"


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((7, 2, 3), {}),
        ((7,), {"c": 2}),
        ((7, 2), {"c": 2}),
        ((7,), {"a": 2}),
        ((), {"a": 1, "b": 2, "x": 3}),
    ],
)
def test_wrong_arguments_raise_type_error_like_python(
    values: Ns, args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    with pytest.raises(TypeError) as py_info:
        _python_divmod(*args, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(TypeError) as info:
        values.divmod(*args, **kwargs)
    assert str(info.value) == str(py_info.value)


@pytest.mark.parametrize(
    ("args", "kwargs", "missing"),
    [((), {}, ["'a'", "'b'"]), ((7,), {}, ["'b'"]), ((), {"b": 1}, ["'a'"])],
)
def test_missing_arguments_raise_type_error(
    values: Ns, args: tuple[object, ...], kwargs: dict[str, object], missing: list[str]
) -> None:
    with pytest.raises(TypeError) as info:
        values.divmod(*args, **kwargs)
    message = str(info.value)
    assert message.startswith(f"divmod() missing {len(missing)} required ")
    assert message.endswith(", ".join(missing)) or message.endswith(" and ".join(missing))


def test_no_argument_functions_refuse_arguments(values: Ns) -> None:
    with pytest.raises(TypeError, match=r"^noop\(\) takes 0 positional arguments but 1 was given$"):
        values.noop(1)
    with pytest.raises(TypeError, match=r"^noop\(\) got an unexpected keyword argument 'x'$"):
        values.noop(x=1)


def test_the_component_form_gives_the_same_values(new_instance: Any) -> None:
    v = new_instance("values.component.wasm").values
    assert v.echo_person({"name": "a", "age": 3, "tags": ["x"], "home": v.Point(1, 2)}) == v.Person(
        "a", 3, ["x"], v.Point(1, 2)
    )
    assert v.echo_shape(v.ShapeRect(v.Point(1, 2))) == v.ShapeRect(v.Point(1, 2))
    assert v.echo_nested_option(Some(None)) == Some(None)
    assert v.echo_results([Ok(1), Err("x")]) == [Ok(1), Err("x")]
    assert v.echo_f32(0.1) == f32(0.1)
    assert v.echo_many({"f31"}).value == 2**31
