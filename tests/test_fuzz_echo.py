"""Generated WIT signatures, right and wrong values, through echo components.

The oracle is in ``tests/fuzzing/echo.py``; here hypothesis drives it, so a
failure shrinks to a small signature and value. ``python -m tests.fuzzing.run``
runs the same for as long as you like, and ``scripts/fuzz`` runs it beside the
``cargo fuzz`` targets. The regression tests below are what the fuzzers found.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import witbridge
from witbridge import _native

from .fuzzing.choices import ByteChoices, DrawChoices
from .fuzzing.echo import ENGINE, Echo, Host, Signature, exercise, signature
from .fuzzing.wit_types import Int, List

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(st.data())
def test_generated_signatures_round_trip(data: st.DataObject) -> None:
    stats = exercise(DrawChoices(data.draw))
    assert stats.signatures == 1


def test_random_bytes_drive_the_same_oracle() -> None:
    # What the cargo fuzz target does with libFuzzer's inputs, on fixed seeds.
    for seed in range(40):
        rng = random.Random(seed)
        exercise(ByteChoices(rng.randbytes(rng.randint(0, 2000))))


def test_byte_choices_are_deterministic_and_total() -> None:
    def draw(data: bytes) -> list[object]:
        ch = ByteChoices(data)
        return [ch.integer(-5, 300), ch.float64(), ch.text(10), ch.raw(4), ch.integer(0, 2**64)]

    data = random.Random(7).randbytes(64)
    assert draw(data) == draw(data)
    assert draw(b"") == [-5, 0.0, "", b"", 0]  # exhausted: the smallest answers
    ch = ByteChoices(random.Random(8).randbytes(4096))
    assert all(3 <= ch.integer(3, 9) <= 9 for _ in range(500))


def test_a_signature_renders_as_valid_wit() -> None:
    sig = signature(ByteChoices(random.Random(1).randbytes(500)))
    component = witbridge.Component.from_bytes(_native._echo_component(sig.wit(), "echo"), engine=ENGINE)
    assert "export f: func(" in component.wit()


def echo_of(wit_types: str, func: str) -> Any:
    wit = f"""package fuzz:echo;
        interface types {{ {wit_types} }}
        world echo {{ use types.{{t}}; import f: {func}; export f: {func}; }}"""
    component = witbridge.Component.from_bytes(_native._echo_component(wit, "echo"), engine=ENGINE)
    linker = witbridge.Linker(ENGINE)
    linker.define("f", lambda x: x)
    return linker.instantiate(component)


def test_record_field_named_mro() -> None:
    # Found by the fuzzer: a dataclass field `mro` took `type.mro` as its
    # default, and the record's class could not be made.
    inst = echo_of("record t { a: u8, mro: u8 }", "func(x: t) -> t")
    assert inst.f({"a": 1, "mro": 2}) == inst.T(1, 2)
    assert inst.T(a=1, mro_=2).mro_ == 2


def test_list_of_an_alias_of_u8_is_bytes() -> None:
    # Found by the fuzzer: `list<byte>` with `type byte = u8` came back as a
    # list of ints, though an alias is the type it names.
    inst = echo_of("type t = u8;", "func(x: list<t>) -> list<t>")
    assert inst.f(b"\x00\xff") == b"\x00\xff"
    assert inst.f([1, 2]) == b"\x01\x02"


class LyingHost(Host):
    """An import that adds an item to the list it was told to return."""

    def __call__(self, *args: Any) -> Any:
        return [*super().__call__(*args), 0]


def test_the_oracle_can_fail() -> None:
    sig = Signature(params=(), result=List(Int("u32")))
    Echo(sig).right(ByteChoices(b""))  # the honest import passes ...
    with pytest.raises(AssertionError, match=r"returned \[0\], expected \[\]"):
        Echo(sig, LyingHost(), LyingHost()).right(ByteChoices(b""))  # ... a lying one is caught
    # And where only one ABI's side goes wrong, the two disagree.
    with pytest.raises(AssertionError, match=r"witbridge: \[0\]\nwasmtime: \[\]"):
        Echo(sig, LyingHost()).right(ByteChoices(b""))
