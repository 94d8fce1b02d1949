"""Small functions of scalars are called through wasmtime's ``TypedFunc``.

``crates/witbridge/src/typed_call.rs`` picks a ``TypedFunc`` for exports with
at most one scalar result and either at most one scalar parameter or two
32/64-bit numbers; every other export keeps wasmtime's dynamic call. Both
paths must give the same values and the same errors. The echo components of
``tests/fuzzing`` send each value through four conversions (export, Python
import, and back), which makes every edge value a check of the typed path.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

import witbridge
from witbridge import _native

from .same import same

ENGINE = witbridge.Engine(cache_dir=None)

EDGES: dict[str, list[Any]] = {
    "bool": [False, True],
    "u8": [0, 1, 127, 128, 255],
    "s8": [-128, -1, 0, 1, 127],
    "u16": [0, 0x7FFF, 0x8000, 0xFFFF],
    "s16": [-0x8000, -1, 0, 0x7FFF],
    "u32": [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF],
    "s32": [-(2**31), -1, 0, 2**31 - 1],
    "u64": [0, 2**63 - 1, 2**63, 2**64 - 1],
    "s64": [-(2**63), -1, 0, 2**63 - 1],
    "f32": [0.0, -0.0, 1.5, -3.25, math.inf, -math.inf, math.nan, 3.4028234663852886e38],
    "f64": [0.0, -0.0, 5e-324, -1.7976931348623157e308, math.inf, math.nan],
    "char": ["a", "\0", "é", "\ud7ff", "\ue000", "\U0010ffff"],
}
NUMBERS = ["u32", "s32", "u64", "s64", "f32", "f64"]


def echo(func: str, host: Any = None) -> witbridge.Instance:
    """An instance whose export ``f`` forwards to its import ``f``, implemented by ``host``."""
    wit = f"package test:typed; world echo {{ import f: {func}; export f: {func}; }}"
    component = witbridge.Component.from_bytes(_native._echo_component(wit, "echo"), engine=ENGINE)
    linker = witbridge.Linker(ENGINE)
    linker.define("f", host if host is not None else (lambda *args: args[0] if args else None))
    return linker.instantiate(component)


@pytest.mark.parametrize("wit", EDGES)
def test_one_scalar_in_and_out(wit: str) -> None:
    inst = echo(f"func(x: {wit}) -> {wit}")
    assert inst.f._typed
    for value in EDGES[wit]:
        assert same(inst.f(value), value), value
        assert same(inst.f(x=value), value), value


@pytest.mark.parametrize("wit", EDGES)
def test_a_scalar_result_without_parameters(wit: str) -> None:
    answers = iter(EDGES[wit])
    inst = echo(f"func() -> {wit}", host=lambda: next(answers))
    assert inst.f._typed
    for value in EDGES[wit]:
        assert same(inst.f(), value), value


@pytest.mark.parametrize("wit", EDGES)
def test_a_scalar_parameter_without_result(wit: str) -> None:
    seen: list[Any] = []
    inst = echo(f"func(x: {wit})", host=seen.append)
    assert inst.f._typed
    for value in EDGES[wit]:
        assert inst.f(value) is None
    assert all(same(a, b) for a, b in zip(seen, EDGES[wit], strict=True))


@pytest.mark.parametrize("first", NUMBERS)
@pytest.mark.parametrize("second", NUMBERS)
def test_two_numbers(first: str, second: str) -> None:
    inst = echo(f"func(a: {first}, b: {second}) -> {second}", host=lambda a, b: b)
    assert inst.f._typed
    for a in EDGES[first]:
        for b in EDGES[second]:
            assert same(inst.f(a, b), b), (a, b)
    assert same(inst.f(b=EDGES[second][-1], a=EDGES[first][0]), EDGES[second][-1])


def test_nothing_in_nothing_out() -> None:
    calls: list[None] = []
    inst = echo("func()", host=lambda: calls.append(None))
    assert inst.f._typed
    assert inst.f() is None
    assert calls == [None]


@pytest.mark.parametrize(
    "func",
    [
        "func(s: string) -> u32",
        "func() -> string",
        "func(a: u8, b: u8) -> u8",  # two parameters that aren't both 32/64-bit numbers
        "func(a: u32, b: bool) -> u32",
        "func(a: u32, b: u32, c: u32) -> u32",
        "func() -> tuple<u32, u32>",
        "func() -> option<u32>",
        "func() -> result<u32>",
        "func(x: list<u8>) -> u32",
    ],
)
def test_other_signatures_keep_the_dynamic_call(func: str) -> None:
    inst = echo(func, host=lambda *args: None)
    assert not inst.f._typed


def test_wrong_arguments_are_refused_as_on_the_dynamic_path() -> None:
    typed = echo("func(x: u8) -> u8")
    dynamic = echo("func(x: u8, y: u8) -> u8", host=lambda x, y: x)
    assert typed.f._typed
    assert not dynamic.f._typed
    for bad, error in [(256, OverflowError), (-1, OverflowError), ("1", TypeError), (1.0, TypeError)]:
        with pytest.raises(error) as on_typed:
            typed.f(bad)
        with pytest.raises(error) as on_dynamic:
            dynamic.f(bad, 0)
        assert str(on_typed.value) == str(on_dynamic.value)
    with pytest.raises(TypeError, match=r"f\(\) takes 1 positional argument but 2 were given"):
        typed.f(1, 2)
    assert typed.f(7) == 7  # nothing reached the guest, which is still fine


def test_a_wrong_answer_from_the_import_fails_the_call() -> None:
    inst = echo("func(x: u32) -> u32", host=lambda x: -1)
    assert inst.f._typed
    with pytest.raises(OverflowError, match=r"host function f\(\): "):
        inst.f(1)


def test_a_trap_in_a_typed_call_breaks_the_instance() -> None:
    component = witbridge.Component.from_wat(
        """
        (component
          (core module $m (func (export "boom") (result i32) unreachable))
          (core instance $i (instantiate $m))
          (func (export "boom") (result u32) (canon lift (core func $i "boom"))))
        """,
        engine=ENGINE,
    )
    inst = witbridge.Linker(ENGINE).instantiate(component)
    assert inst.boom._typed
    with pytest.raises(witbridge.Trap, match="unreachable"):
        inst.boom()
    with pytest.raises(witbridge.Error, match="no longer usable"):
        inst.boom()
