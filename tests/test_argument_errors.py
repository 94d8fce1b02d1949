"""Refused arguments: the exception class, the message, and a guest left untouched.

DESIGN.md §3: every wrong value is a TypeError (wrong Python type), a
ValueError (right type, value not allowed) or an OverflowError (number out of
range), whose message names the function, the path into the value and the WIT
type; and nothing is half written into the guest when a value is refused.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import witbridge
from witbridge import Err, Ok, Some

Ns = Any  # a witbridge.Namespace: its functions and types are dynamic attributes

S32 = "s32 (-2147483648..2147483647)"
U8 = "u8 (0..255)"
U32 = "u32 (0..4294967295)"


def message_of(exc_type: type[BaseException], call: Callable[[], object]) -> str:
    """Calls ``call``, which must raise exactly ``exc_type``; returns the message."""
    with pytest.raises(exc_type) as info:
        call()
    assert type(info.value) is exc_type
    return str(info.value)


# --- the messages: function, path, WIT type --------------------------------------------------


def test_design_example(values: Ns) -> None:
    assert message_of(OverflowError, lambda: values.echo_point({"x": 1, "y": -(2**40)})) == (
        f"echo_point(): x.y: expected {S32}, got -1099511627776"
    )


@pytest.mark.parametrize(
    ("call", "exc_type", "message"),
    [
        # paths into lists and records
        (
            lambda v: v.echo_points([v.Point(0, 0), {"x": 1, "y": 2}, {"x": 3, "y": 2**31}]),
            OverflowError,
            f"echo_points(): x[2].y: expected {S32}, got 2147483648",
        ),
        (
            lambda v: v.echo_points([v.Point(0, 0), v.Point(1, 1), {"x": "3", "y": 0}]),
            TypeError,
            f"echo_points(): x[2].x: expected {S32}, got str '3'",
        ),
        (
            lambda v: v.echo_person({"name": "a", "age": 1, "tags": [], "home": {"x": 1, "y": 2.0}}),
            TypeError,
            f"echo_person(): x.home.y: expected {S32}, got 2.0",
        ),
        (
            lambda v: v.echo_person(v.Person("a", 256, [], None)),
            OverflowError,
            f"echo_person(): x.age: expected {U8}, got 256",
        ),
        (
            lambda v: v.echo_people([v.Person("a", 1, [], None), v.Person("b", 2, ["ok", 3], None)]),
            TypeError,
            "echo_people(): x[1].tags[1]: expected string (a str), got 3",
        ),
        (
            lambda v: v.echo_people([{"name": "a", "age": 1, "tags": [], "home": v.Point(1, -(2**31) - 1)}]),
            OverflowError,
            f"echo_people(): x[0].home.y: expected {S32}, got -2147483649",
        ),
        (
            lambda v: v.echo_nested_lists([[1], [2, 32768]]),
            OverflowError,
            "echo_nested_lists(): x[1][1]: expected s16 (-32768..32767), got 32768",
        ),
        (
            lambda v: v.echo_tuple((1, 2, 3.0)),
            TypeError,
            "echo_tuple(): x[1]: expected string (a str), got 2",
        ),
        (
            lambda v: v.echo_tuple((-1, "a", 3.0)),
            OverflowError,
            f"echo_tuple(): x[0]: expected {U8}, got -1",
        ),
        # paths into variant payloads, results and options
        (
            lambda v: v.echo_shape(v.ShapeRect({"x": 1, "y": -(2**40)})),
            OverflowError,
            f"echo_shape(): x.value.y: expected {S32}, got -1099511627776",
        ),
        (
            lambda v: v.echo_shape(v.ShapeNamed(b"bytes")),
            TypeError,
            "echo_shape(): x.value: expected string (a str), got bytes b'bytes'",
        ),
        (
            lambda v: v.echo_mixed(v.MixedPoints([v.Point(1, 2), v.Point(1, 2), {"x": 0, "y": 2**31}])),
            OverflowError,
            f"echo_mixed(): x.value[2].y: expected {S32}, got 2147483648",
        ),
        (
            lambda v: v.echo_mixed(v.MixedPair((1, 2))),
            TypeError,
            "echo_mixed(): x.value[1]: expected string (a str), got 2",
        ),
        (
            lambda v: v.echo_mixed(v.MixedMaybe(-1)),
            OverflowError,
            f"echo_mixed(): x.value: expected {U32}, got -1",
        ),
        (
            lambda v: v.echo_mixed(v.MixedReal(1e39)),
            OverflowError,
            "echo_mixed(): x.value: expected f32 (at most 3.4028235e38 in magnitude), got 1e+39",
        ),
        (
            lambda v: v.echo_results([Ok(1), Ok(2), Err(3)]),
            TypeError,
            "echo_results(): x[2].value: expected string (a str), got 3",
        ),
        (
            lambda v: v.echo_results([Ok(2**32)]),
            OverflowError,
            f"echo_results(): x[0].value: expected {U32}, got 4294967296",
        ),
        (
            lambda v: v.echo_option(Some(-1)),
            OverflowError,
            f"echo_option(): x.value: expected {U32}, got -1",
        ),
        (
            lambda v: v.echo_option(2**32),
            OverflowError,
            f"echo_option(): x: expected {U32}, got 4294967296",
        ),
        (
            lambda v: v.echo_nested_option(Some(3)),
            TypeError,
            "echo_nested_option(): x.value: expected string (a str), got 3",
        ),
        # the parameter's own name, keyword names
        (
            lambda v: v.divmod(7, b=-1),
            OverflowError,
            f"divmod(): b: expected {U32}, got -1",
        ),
        (
            lambda v: v.type_(class_=None),
            TypeError,
            f"type_(): class_: expected {U32}, got None",
        ),
        (
            lambda v: v.echo_keywords({"type": 1, "class": "c", "from": 1, "lambda": b""}),
            TypeError,
            "echo_keywords(): x.from_: expected bool, got 1",
        ),
        (
            lambda v: v.echo_keywords(v.Keywords(1, "c", True, [0, 300])),
            OverflowError,
            f"echo_keywords(): x.lambda_[1]: expected {U8}, got 300",
        ),
    ],
)
def test_paths_in_messages(values: Ns, call: Callable[[Ns], object], exc_type: type[Exception], message: str) -> None:
    assert message_of(exc_type, lambda: call(values)) == message


def test_many_params_names_the_parameter(values: Ns) -> None:
    ints: list[object] = [0] * 8
    args = [*ints, 0.0, 0.0, "k", True, "m", b"", values.Point(0, 0), None, "red"]
    for index, bad, exc_type, message in [
        (14, {"x": 0, "y": 2**31}, OverflowError, f"many_params(): o.y: expected {S32}, got 2147483648"),
        (16, "purple", ValueError, "many_params(): q: expected enum color (Color or one of 'red', 'green', "
         "'blue', 'light-yellow'), got str 'purple'"),
        (15, Some(2**32), OverflowError, f"many_params(): p.value: expected {U32}, got 4294967296"),
        (10, "kk", ValueError, "many_params(): k: expected char (a str of length 1), got str 'kk'"),
        (1, 128, OverflowError, "many_params(): b: expected s8 (-128..127), got 128"),
    ]:  # fmt: skip
        call_args = [*args[:index], bad, *args[index + 1 :]]
        assert message_of(exc_type, lambda a=call_args: values.many_params(*a)) == message  # type: ignore[misc]


def test_root_level_function_messages(values_instance: witbridge.Instance) -> None:
    assert message_of(OverflowError, lambda: values_instance.add(1, 2**32)) == (
        f"add(): b: expected {U32}, got 4294967296"
    )
    assert message_of(TypeError, lambda: values_instance.greet(name=None)) == (
        "greet(): name: expected string (a str), got None"
    )


# --- which exception ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda v: v.echo_u32("1"),
        lambda v: v.echo_u32(1.0),
        lambda v: v.echo_u32(True),
        lambda v: v.echo_f64("1.0"),
        lambda v: v.echo_f32(False),
        lambda v: v.echo_bool(1),
        lambda v: v.echo_char(97),
        lambda v: v.echo_string(b"x"),
        lambda v: v.echo_bytes("x"),
        lambda v: v.echo_u32s(iter([1])),
        lambda v: v.echo_strings("ab"),
        lambda v: v.echo_tuple({1, "a", 2.0}),
        lambda v: v.echo_point([1, 2]),
        lambda v: v.echo_point({"x": 1, "y": 2, "z": 3}),
        lambda v: v.echo_point({"x": 1}),
        lambda v: v.echo_shape(v.MixedSmall(1)),
        lambda v: v.echo_color(1),
        lambda v: v.echo_perms("read"),
        lambda v: v.echo_perms({"read", 2}),
        lambda v: v.echo_results([1]),
        lambda v: v.echo_option("1"),
    ],
)
def test_wrong_python_type_is_type_error(values: Ns, call: Callable[[Ns], object]) -> None:
    assert message_of(TypeError, lambda: call(values)).startswith("echo_")


@pytest.mark.parametrize(
    "call",
    [
        lambda v: v.echo_char(""),
        lambda v: v.echo_char("ab"),
        lambda v: v.echo_char("\ud800"),
        lambda v: v.echo_string("\udfff"),
        lambda v: v.echo_strings(["ok", "\ud800"]),
        lambda v: v.echo_tuple((1, "a")),
        lambda v: v.echo_color("purple"),
        lambda v: v.echo_perms({"execute"}),
        lambda v: v.echo_empty_results([Ok("payload")]),
    ],
)
def test_right_type_wrong_value_is_value_error(values: Ns, call: Callable[[Ns], object]) -> None:
    assert message_of(ValueError, lambda: call(values)).startswith("echo_")


@pytest.mark.parametrize(
    "call",
    [
        lambda v: v.echo_u8(256),
        lambda v: v.echo_s8(-129),
        lambda v: v.echo_u64(2**64),
        lambda v: v.echo_s64(-(2**63) - 1),
        lambda v: v.echo_f32(1e39),
        lambda v: v.echo_f64(2**1024),
        lambda v: v.echo_bytes([0, 256]),
    ],
)
def test_out_of_range_is_overflow_error(values: Ns, call: Callable[[Ns], object]) -> None:
    assert message_of(OverflowError, lambda: call(values)).startswith("echo_")


def test_refusals_are_not_witbridge_errors(values: Ns) -> None:
    with pytest.raises(OverflowError) as info:
        values.echo_u8(-1)
    assert not isinstance(info.value, witbridge.Error)


# --- messages stay readable --------------------------------------------------------------------


def test_long_values_are_cut_short_in_messages(values: Ns) -> None:
    message = message_of(ValueError, lambda: values.echo_char("x" * 1_000_000))
    assert message.startswith("echo_char(): x: expected char (a str of length 1), got str 'xxxx")
    assert message.endswith("...")
    assert len(message) < 200


def test_a_repr_of_several_lines_is_one_line_in_messages(values: Ns) -> None:
    class Grid:
        def __repr__(self) -> str:
            return "Grid([[1, 2],\n      [3, 4]])\n"

    message = message_of(TypeError, lambda: values.echo_u32(Grid()))
    assert message.endswith("got Grid Grid([[1, 2], [3, 4]])")
    assert "\n" not in message_of(TypeError, lambda: values.echo_u32(np.zeros((3, 3))))


def test_huge_ints_in_messages(values: Ns, monkeypatch: pytest.MonkeyPatch) -> None:
    # Past Python's int-to-str digit limit, an int can't even be printed;
    # the refusal must still be clean, with nothing sent to sys.unraisablehook.
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    for call in (lambda: values.echo_u8(10**5000), lambda: values.echo_f64(10**5000)):
        message = message_of(OverflowError, call)
        assert len(message) < 200
    assert message_of(OverflowError, lambda: values.echo_u64(10**100)).endswith("...")
    assert unraisable == []


def test_exceptions_from_the_callers_objects_propagate(values: Ns) -> None:
    class Lazy:
        x = 1

        @property
        def y(self) -> int:
            raise KeyError("computed y failed")

    class BadIndex:
        def __index__(self) -> int:
            raise ZeroDivisionError("no index")

    with pytest.raises(KeyError, match="computed y failed"):
        values.echo_point(Lazy())
    with pytest.raises(ZeroDivisionError, match="no index"):
        values.echo_u32s([1, BadIndex()])


# --- nothing reaches the guest -----------------------------------------------------------------

# A guest that counts its calls and whose allocator only ever moves forward, so
# a test can see whether a call entered it and whether any argument was
# written into its memory.
PROBE_WAT = """
(component
  (core module $m
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 1024))
    (global $calls (mut i32) (i32.const 0))
    (func (export "realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
      (local $ptr i32)
      (local.set $ptr
        (i32.and
          (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get $align))))
      (global.set $next (i32.add (local.get $ptr) (local.get $size)))
      (local.get $ptr))
    (func (export "take") (param $ptr i32) (param $len i32) (param $n i32) (result i32)
      (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
      (i32.add (local.get $len) (local.get $n)))
    (func (export "calls") (result i32) (global.get $calls))
    (func (export "used") (result i32) (global.get $next)))
  (core instance $i (instantiate $m))
  (func (export "take") (param "items" (list string)) (param "n" u8) (result u32)
    (canon lift (core func $i "take") (memory (core memory $i "memory")) (realloc (core func $i "realloc"))))
  (func (export "calls") (result u32) (canon lift (core func $i "calls")))
  (func (export "used") (result u32) (canon lift (core func $i "used"))))
"""


@pytest.fixture
def probe() -> Any:
    return witbridge.Linker().instantiate(witbridge.Component.from_wat(PROBE_WAT))


def test_probe_sees_calls_and_writes(probe: Any) -> None:
    assert (probe.calls(), probe.used()) == (0, 1024)
    assert probe.take(["ab", "c"], 1) == 3
    # one call; 16 bytes of list, then 2 + 1 bytes of strings
    assert (probe.calls(), probe.used()) == (1, 1043)


@pytest.mark.parametrize(
    ("args", "exc_type", "message"),
    [
        ((["a", "b", 3], 1), TypeError, "take(): items[2]: expected string (a str), got 3"),
        ((["a", "b", "\ud800"], 1), ValueError, "take(): items[2]: expected string, got str '\\ud800' "),
        ((["a", "b", "c"], 256), OverflowError, f"take(): n: expected {U8}, got 256"),
        ((("a", "b", None), 0), TypeError, "take(): items[2]: expected string (a str), got None"),
        ((["x" * 10_000] * 5 + [b"y"], 0), TypeError, "take(): items[5]: expected string (a str), got bytes"),
    ],
)
def test_refused_arguments_never_reach_the_guest(
    probe: Any, args: tuple[object, ...], exc_type: type[Exception], message: str
) -> None:
    assert probe.take(["warm", "up"], 0) == 2
    before = (probe.calls(), probe.used())
    for _ in range(3):
        assert message_of(exc_type, lambda: probe.take(*args)).startswith(message)
    assert (probe.calls(), probe.used()) == before, "a refused call entered the guest or wrote to it"
    assert probe.take(["a", "b", "c"], 4) == 7
    assert probe.calls() == before[0] + 1


def test_refused_arguments_that_would_trap_leave_the_instance_working(new_instance: Any) -> None:
    inst = new_instance()
    values = inst.values
    # If any of these reached the guest it would trap (panic, or divide by
    # zero after truncation) and the instance would be unusable.
    for call, exc_type in [
        (lambda: values.trap(None), TypeError),
        (lambda: values.trap("boom\ud800"), ValueError),
        (lambda: values.trap(msg=b"boom"), TypeError),
        (lambda: values.trap("boom", "extra"), TypeError),
        (lambda: values.divmod(7, 2**32), OverflowError),
        (lambda: values.divmod(7, 0.0), TypeError),
        (lambda: values.divmod(7, False), TypeError),
    ]:
        message_of(exc_type, call)
    assert not inst._native.broken
    assert values.divmod(7, 2) == (3, 1)
    # The control: the same probes do break it when they reach the guest.
    with pytest.raises(witbridge.Trap):
        values.divmod(7, 0)
    assert inst._native.broken


def test_instance_works_after_many_refusals(values: Ns) -> None:
    points = [values.Point(i, i) for i in range(100)]
    for _ in range(200):
        message_of(OverflowError, lambda: values.sum_points([*points, {"x": 0, "y": 2**31}]))
        message_of(TypeError, lambda: values.echo_people([{"name": "a", "age": 1, "tags": [1], "home": None}]))
    assert values.sum_points(points) == values.Point(4950, 4950)
    assert values.echo_points(points) == points
    assert values.echo_string("still fine") == "still fine"
