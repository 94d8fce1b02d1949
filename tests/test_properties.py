"""Property tests: random values of every WIT type survive a trip through the guest.

Each strategy draws only values the WIT type can hold, so every `echo-*` must
hand back an equal value of the documented Python type. Floats are compared
by bits-that-matter (NaN is NaN, -0.0 is not 0.0) with :func:`same`.
"""

from __future__ import annotations

import dataclasses
import math
import struct
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import witbridge
from witbridge import Err, Ok, Some

from .same import same
from .wit_limits import F32_MAX, INT_RANGES

Ns = Any  # a witbridge.Namespace: its functions and types are dynamic attributes

PROPERTY = settings(max_examples=200)


def to_f32(x: float) -> float:
    """``x`` rounded to the nearest f32 (raises OverflowError where that is infinite but x is not)."""
    if isinstance(x, int):
        return _int_to_f32(x)
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


def _int_to_f32(n: int) -> float:
    """The f32 nearest to ``n`` (ties to even), computed exactly: no detour through f64."""
    magnitude = abs(n)
    shift = max(magnitude.bit_length() - 24, 0)
    q, r = divmod(magnitude, 1 << shift)
    half = (1 << shift) >> 1
    if shift and (r > half or (r == half and q & 1)):
        q += 1
    result = float(q << shift)  # at most 25 significant bits: exact in a float
    if result > F32_MAX:
        raise OverflowError("too large for f32")
    return -result if n < 0 else result


def test_int_to_f32_reference() -> None:
    assert _int_to_f32(0) == 0.0
    assert _int_to_f32(2**24 + 1) == 2.0**24
    assert _int_to_f32(2**24 + 3) == 2.0**24 + 4
    assert _int_to_f32(-(2**60 + 2**36 + 1)) == -(2.0**60 + 2.0**37)
    assert _int_to_f32(2**128 - 2**103 - 1) == F32_MAX
    with pytest.raises(OverflowError):
        _int_to_f32(2**128 - 2**103)
    for n in (1, 3, 2**24 - 1, 12345678, -(2**53) - 1):
        assert _int_to_f32(n) == to_f32(float(n))


def test_same_is_strict() -> None:
    assert same(math.nan, math.nan)
    assert not same(0.0, -0.0)
    assert not same(1, 1.0)
    assert not same([1], (1,))
    assert not same(b"a", bytearray(b"a"))
    assert not same(Ok(1), Err(1))
    assert not same(Some(math.nan), Some(1.0))
    assert same([Ok(math.nan), Err("x")], [Ok(math.nan), Err("x")])


# --- strategies ----------------------------------------------------------------------------------

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=50)
chars = st.characters(exclude_categories=("Cs",))
u8s, u32s, u64s = (st.integers(*INT_RANGES[k]) for k in ("u8", "u32", "u64"))
s16s, s32s = (st.integers(*INT_RANGES[k]) for k in ("s16", "s32"))
f64s = st.floats(allow_nan=True, allow_infinity=True)
# Exactly representable as f32: these must come back unchanged.
f32s = st.floats(width=32, allow_nan=True, allow_infinity=True)


def points(v: Ns) -> st.SearchStrategy[Any]:
    return st.builds(v.Point, s32s, s32s)


def people(v: Ns) -> st.SearchStrategy[Any]:
    return st.builds(
        v.Person,
        name=text,
        age=u8s,
        tags=st.lists(text, max_size=5),
        home=st.none() | points(v),
    )


def shapes(v: Ns) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(v.ShapeCircle, f64s),
        st.builds(v.ShapeRect, points(v)),
        st.builds(v.ShapeNamed, text),
        st.builds(v.ShapeEmpty),
    )


def mixeds(v: Ns) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(v.MixedNothing),
        st.builds(v.MixedSmall, u8s),
        st.builds(v.MixedBig, u64s),
        st.builds(v.MixedReal, f32s),
        st.builds(v.MixedText, text),
        st.builds(v.MixedPoints, st.lists(points(v), max_size=10)),
        st.builds(v.MixedMaybe, st.none() | u32s),
        st.builds(v.MixedPair, st.tuples(u8s, text)),
    )


def record_forms(record: Any) -> st.SearchStrategy[Any]:
    """``record`` itself, or the same fields as a dict keyed by snake_case or WIT names."""
    fields = dataclasses.fields(record)
    as_dict = {f.name: getattr(record, f.name) for f in fields}
    wit_names = record.__wit_fields__
    as_wit_dict = {wit_names[f.name]: getattr(record, f.name) for f in fields}
    return st.sampled_from([record, as_dict, as_wit_dict])


# --- scalars -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", INT_RANGES)
def test_integers_roundtrip(values: Ns, kind: str) -> None:
    echo = getattr(values, f"echo_{kind}")

    @PROPERTY
    @given(st.integers(*INT_RANGES[kind]))
    def check(x: int) -> None:
        assert same(echo(x), x)

    check()


@pytest.mark.parametrize("kind", INT_RANGES)
def test_integers_out_of_range_overflow(values: Ns, kind: str) -> None:
    lo, hi = INT_RANGES[kind]
    echo = getattr(values, f"echo_{kind}")

    @settings(max_examples=50)
    @given(st.integers(max_value=lo - 1) | st.integers(min_value=hi + 1))
    def check(x: int) -> None:
        with pytest.raises(OverflowError, match=rf"^echo_{kind}\(\): x: expected {kind} "):
            echo(x)

    check()


@PROPERTY
@given(x=st.booleans())
def test_bool_roundtrip(values: Ns, x: bool) -> None:
    assert values.echo_bool(x) is x


@PROPERTY
@given(x=f64s)
def test_f64_roundtrip(values: Ns, x: float) -> None:
    assert same(values.echo_f64(x), x)


@PROPERTY
@given(x=f32s)
def test_f32_exact_values_roundtrip(values: Ns, x: float) -> None:
    assert same(values.echo_f32(x), x)


@PROPERTY
@given(
    x=st.floats(allow_nan=False)
    | st.integers(-(2**130), 2**130)
    | st.integers(-(2**64), 2**64)
    | st.sampled_from([2**128 - 2**103, 2**128 - 2**103 - 1, 2**60 + 2**36 + 1, 2**24 + 1])
    # Past i128 on the negative side, and the negative edge of f32.
    | st.sampled_from([-(2**127) - 1, -(2**128 - 2**103), -(2**128 - 2**103 - 1), -(2**128)])
)
@example(x=-(2**127) - 1)  # past i128, yet a finite f32: was refused as an overflow
def test_f32_rounds_like_struct(values: Ns, x: float) -> None:
    try:
        expected = to_f32(x)
    except OverflowError:
        with pytest.raises(OverflowError, match=r"^echo_f32\(\): x: expected f32 "):
            values.echo_f32(x)
    else:
        assert same(values.echo_f32(x), expected)


@PROPERTY
@given(x=chars)
def test_char_roundtrip(values: Ns, x: str) -> None:
    assert same(values.echo_char(x), x)


@PROPERTY
@given(x=st.text(st.characters(exclude_categories=("Cs",))))
def test_string_roundtrip(values: Ns, x: str) -> None:
    assert same(values.echo_string(x), x)
    assert values.measure(x) == (len(x.encode()), len(x))


@PROPERTY
@given(x=u64s)
def test_id_roundtrip(values: Ns, x: int) -> None:
    assert same(values.echo_id(x), x)


# --- lists and tuples ----------------------------------------------------------------------------


@PROPERTY
@given(x=st.binary(max_size=2000), form=st.sampled_from([bytes, bytearray, memoryview, list, tuple]))
def test_bytes_roundtrip(values: Ns, x: bytes, form: type) -> None:
    assert same(values.echo_bytes(form(x)), x)


@PROPERTY
@given(x=st.lists(u32s, max_size=200))
def test_u32_list_roundtrip(values: Ns, x: list[int]) -> None:
    assert same(values.echo_u32s(x), x)
    assert same(values.echo_u32s(tuple(x)), x)


@PROPERTY
@given(x=st.lists(text, max_size=20))
def test_string_list_roundtrip(values: Ns, x: list[str]) -> None:
    assert same(values.echo_strings(x), x)


@PROPERTY
@given(x=st.lists(st.lists(s16s, max_size=10), max_size=10))
def test_nested_list_roundtrip(values: Ns, x: list[list[int]]) -> None:
    assert same(values.echo_nested_lists(x), x)


@PROPERTY
@given(x=st.tuples(u8s, text, f64s), as_list=st.booleans())
def test_tuple_roundtrip(values: Ns, x: tuple[int, str, float], as_list: bool) -> None:
    assert same(values.echo_tuple(list(x) if as_list else x), x)


# --- records, variants, enums, flags -------------------------------------------------------------


@PROPERTY
@given(data=st.data())
def test_point_roundtrip(values: Ns, data: st.DataObject) -> None:
    point = data.draw(points(values))
    assert same(values.echo_point(data.draw(record_forms(point))), point)


@PROPERTY
@given(data=st.data())
def test_person_roundtrip(values: Ns, data: st.DataObject) -> None:
    person = data.draw(people(values))
    assert same(values.echo_person(data.draw(record_forms(person))), person)


@PROPERTY
@given(data=st.data())
def test_lists_of_records_roundtrip(values: Ns, data: st.DataObject) -> None:
    crowd = data.draw(st.lists(people(values), max_size=8))
    assert same(values.echo_people(crowd), crowd)
    grid = data.draw(st.lists(points(values), max_size=50))
    assert same(values.echo_points(grid), grid)
    total = values.sum_points(grid)
    wrap = lambda n: (n + 2**31) % 2**32 - 2**31  # noqa: E731
    assert total == values.Point(wrap(sum(p.x for p in grid)), wrap(sum(p.y for p in grid)))


@PROPERTY
@given(data=st.data())
def test_keywords_roundtrip(values: Ns, data: st.DataObject) -> None:
    record = data.draw(st.builds(values.Keywords, u32s, text, st.booleans(), st.binary(max_size=20)))
    assert same(values.echo_keywords(data.draw(record_forms(record))), record)


@PROPERTY
@given(data=st.data())
def test_shape_roundtrip(values: Ns, data: st.DataObject) -> None:
    shape = data.draw(shapes(values))
    assert same(values.echo_shape(shape), shape)


@PROPERTY
@given(data=st.data())
def test_mixed_roundtrip(values: Ns, data: st.DataObject) -> None:
    mixed = data.draw(mixeds(values))
    assert same(values.echo_mixed(mixed), mixed)


@PROPERTY
@given(data=st.data())
def test_enum_roundtrip(values: Ns, data: st.DataObject) -> None:
    member = data.draw(st.sampled_from(list(values.Color)))
    assert values.echo_color(member) is member
    assert values.echo_color(member.value) is member


@PROPERTY
@given(data=st.data())
def test_flags_roundtrip(values: Ns, data: st.DataObject) -> None:
    for flags_class, echo in ((values.Perms, values.echo_perms), (values.Many, values.echo_many)):
        members = list(flags_class)
        chosen = data.draw(st.sets(st.sampled_from(members)))
        expected = flags_class(sum(m.value for m in chosen))
        out = echo(expected)
        assert type(out) is flags_class
        assert out == expected
        assert echo({_wit_name(m) for m in chosen}) == expected


def _wit_name(member: Any) -> str:
    """The WIT name of a flag: ``READ`` -> ``read``, ``F7`` -> ``f7``."""
    return str(member.name).lower().replace("_", "-")


# --- options and results -------------------------------------------------------------------------


@PROPERTY
@given(x=st.none() | u32s, wrap=st.booleans())
def test_option_roundtrip(values: Ns, x: int | None, wrap: bool) -> None:
    arg = Some(x) if wrap and x is not None else x
    assert same(values.echo_option(arg), x)


@PROPERTY
@given(x=st.none() | st.builds(Some, st.none() | text))
def test_nested_option_roundtrip(values: Ns, x: Some[str | None] | None) -> None:
    assert same(values.echo_nested_option(x), x)


@PROPERTY
@given(x=st.lists(st.builds(Ok, u32s) | st.builds(Err, text), max_size=20))
def test_results_roundtrip(values: Ns, x: list[Ok[int] | Err[str]]) -> None:
    assert same(values.echo_results(x), x)


@PROPERTY
@given(x=st.lists(st.sampled_from([Ok(), Err()]), max_size=20))
def test_empty_results_roundtrip(values: Ns, x: list[Ok[None] | Err[None]]) -> None:
    assert same(values.echo_empty_results(x), x)


@PROPERTY
@given(x=u32s)
def test_check_even(values: Ns, x: int) -> None:
    if x % 2 == 0:
        assert values.check_even(x) == x
    else:
        with pytest.raises(Err) as info:
            values.check_even(x)
        assert info.value.value == f"{x} is odd"


# --- functions that compute ----------------------------------------------------------------------


@PROPERTY
@given(a=u32s, b=st.integers(1, 2**32 - 1), by_keyword=st.booleans())
def test_divmod(values: Ns, a: int, b: int, by_keyword: bool) -> None:
    out = values.divmod(a=a, b=b) if by_keyword else values.divmod(a, b)
    assert same(out, divmod(a, b))


@PROPERTY
@given(a=u32s, b=u32s)
def test_add_and_type(values_instance: witbridge.Instance, a: int, b: int) -> None:
    assert values_instance.add(a, b) == (a + b) % 2**32
    assert values_instance.values.type_(class_=a) == (2 * a) % 2**32


@PROPERTY
@given(n=st.integers(0, 5000))
def test_made_by_the_guest(values: Ns, n: int) -> None:
    assert same(values.make_bytes(n), bytes(i % 256 for i in range(n)))
    assert same(values.make_string(n), "a" * n)


def _rust_float(x: float) -> str:
    """How Rust's ``Display`` writes the quarter-integers drawn below."""
    if x == int(x):
        return ("-" if math.copysign(1.0, x) < 0 else "") + str(abs(int(x)))
    return repr(x)


@PROPERTY
@given(data=st.data())
def test_many_params(values: Ns, data: st.DataObject) -> None:
    kinds = ("u8", "s8", "u16", "s16", "u32", "s32", "u64", "s64")
    ints = [data.draw(st.integers(*INT_RANGES[kind])) for kind in kinds]
    # Quarter-integers: exact in f32 and f64, so Rust and Python agree on their digits.
    i, j = (data.draw(st.integers(-4000, 4000)) / 4 for _ in range(2))
    k, flag, m = data.draw(chars), data.draw(st.booleans()), data.draw(text)
    n, o = data.draw(st.binary(max_size=20)), data.draw(points(values))
    p, q = data.draw(st.none() | u32s), data.draw(st.sampled_from(list(values.Color)))
    out = values.many_params(*ints, i, j, k, flag, m, n, o, p, q)
    expected = [
        *map(str, ints),
        _rust_float(i),
        _rust_float(j),
        k,
        str(flag).lower(),
        m,
        n.hex(),
        f"{o.x},{o.y}",
        "none" if p is None else str(p),
        q.value,
    ]
    assert out == "|".join(expected)
