"""witbridge's own canonical ABI (``witbridge_core::abi``), held against wasmtime's.

Every value crosses into and out of the guest through witbridge's ABI, and an
instance made with ``_reference_abi=True`` sends the same values through
wasmtime's ``Val`` API instead, the reference. The echo components of
``tests/fuzzing`` send each value through four crossings (export, Python
import, and back); here each signature and value goes through both ABIs and
must give the same values and the same errors. (``tests/fuzzing`` does the
same for generated signatures.)
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import witbridge
from witbridge import _native

from .same import same

ENGINE = witbridge.Engine(cache_dir=None)
ABIS = pytest.mark.parametrize("reference", [False, True], ids=["witbridge", "wasmtime"])

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
TEXTS = ["", "plain", "café", "héllo wörld ✓", "astral 😀 and \U0010ffff", "ÿ" * 300, "✓" * 5000]


def echo(
    func: str,
    host: Any = None,
    *,
    reference: bool = False,
    strings: str = "utf8",
    types: str = "",
    **instantiate: Any,
) -> Any:
    """An instance whose export ``f`` forwards to its import ``f``, implemented by
    ``host`` (by default, one that hands back its argument); ``types`` are WIT
    type definitions for the world."""
    wit = f"package test:abi; world echo {{ {types} import f: {func}; export f: {func}; }}"
    component = witbridge.Component.from_bytes(_native._echo_component(wit, "echo", strings), engine=ENGINE)
    linker = witbridge.Linker(ENGINE)
    linker.define("f", host if host is not None else (lambda *args: args[0] if args else None))
    return linker.instantiate(component, _reference_abi=reference, **instantiate)


@ABIS
@pytest.mark.parametrize("wit", EDGES)
def test_every_scalar_at_its_edges(wit: str, reference: bool) -> None:
    inst = echo(f"func(x: {wit}) -> {wit}", reference=reference)
    for value in EDGES[wit]:
        assert same(inst.f(value), value), value
        assert same(inst.f(x=value), value), value


@ABIS
@pytest.mark.parametrize("wit", EDGES)
def test_a_scalar_result_without_parameters(wit: str, reference: bool) -> None:
    answers = iter(EDGES[wit])
    inst = echo(f"func() -> {wit}", host=lambda: next(answers), reference=reference)
    for value in EDGES[wit]:
        assert same(inst.f(), value), value


@ABIS
@pytest.mark.parametrize("wit", EDGES)
def test_a_scalar_parameter_without_result(wit: str, reference: bool) -> None:
    seen: list[Any] = []
    inst = echo(f"func(x: {wit})", host=seen.append, reference=reference)
    for value in EDGES[wit]:
        assert inst.f(value) is None
    assert all(same(a, b) for a, b in zip(seen, EDGES[wit], strict=True))


@pytest.mark.parametrize("first", NUMBERS)
@pytest.mark.parametrize("second", NUMBERS)
def test_two_numbers(first: str, second: str) -> None:
    inst = echo(f"func(a: {first}, b: {second}) -> {second}", host=lambda a, b: b)
    for a in EDGES[first]:
        for b in EDGES[second]:
            assert same(inst.f(a, b), b), (a, b)
    assert same(inst.f(b=EDGES[second][-1], a=EDGES[first][0]), EDGES[second][-1])


SHAPES: list[tuple[str, str, Any]] = [
    # (WIT types, the type of `x`, a function of the instance giving values of it)
    ("", "string", lambda inst: TEXTS),
    ("", "list<string>", lambda inst: [TEXTS, []]),
    ("", "list<list<s16>>", lambda inst: [[[1, -2], [], [32767, -32768]]]),
    ("", "option<option<u8>>", lambda inst: [None, witbridge.Some(None), witbridge.Some(7)]),
    ("", "tuple<u8, string, f64>", lambda inst: [(1, "a", 2.5), (255, "", -0.0)]),
    ("", "list<result<u32, string>>", lambda inst: [[witbridge.Ok(1), witbridge.Err("e")]]),
    ("", "list<result>", lambda inst: [[witbridge.Ok(), witbridge.Err()]]),
    (
        "record p { x: s32, name: string, tags: list<string>, home: option<tuple<f32, f32>> }",
        "list<p>",
        lambda inst: [
            [inst.P(-1, "Ada", ["a", ""], (1.5, -2.0)), inst.P(2, "", [], None)],
            [],
        ],
    ),
    (
        "variant v { nothing, small(u8), big(u64), real(f32), text(string), pair(tuple<u8, string>) }",
        "list<v>",
        lambda inst: [
            [inst.V.Nothing(), inst.V.Small(3), inst.V.Big(2**64 - 1), inst.V.Real(1.5)],
            [inst.V.Text("t"), inst.V.Pair((1, "p"))],
        ],
    ),
    ("enum color { red, green, blue }", "list<color>", lambda inst: [[inst.Color.RED, inst.Color.BLUE], []]),
    ("flags perms { read, write, exec }", "perms", lambda inst: [inst.Perms(0), inst.Perms(5), inst.Perms(7)]),
    ("", "list<tuple<bool, char, f32>>", lambda inst: [[(True, "é", 0.5), (False, "😀", -math.inf)]]),
]


@pytest.mark.parametrize(("types", "ty", "values"), SHAPES, ids=[s[1] for s in SHAPES])
def test_both_abis_give_the_same_values_and_the_host_the_same_arguments(types: str, ty: str, values: Any) -> None:
    seen: dict[bool, list[Any]] = {False: [], True: []}
    results: dict[bool, list[Any]] = {False: [], True: []}
    for reference in (False, True):

        def host(x: Any, seen: list[Any] = seen[reference]) -> Any:
            seen.append(x)
            return x

        inst = echo(f"func(x: {ty}) -> {ty}", host, types=types, reference=reference)
        for value in values(inst):
            results[reference].append(inst.f(value))
    assert repr(results[False]) == repr(results[True])
    assert repr(seen[False]) == repr(seen[True]) == repr(results[False])


def test_more_parameters_than_flat_slots_spill_to_memory_alike() -> None:
    func = (
        "func(a: u8, b: s8, c: u16, d: s16, e: u32, f: s32, g: u64, h: s64, i: f32, j: f64, k: char, "
        "l: bool, m: string, n: list<u8>, o: list<u32>, p: option<u32>, q: string) -> tuple<string, list<u8>, u64>"
    )
    args = (1, -1, 2, -2, 3, -3, 4, -4, 0.5, 0.25, "z", True, "m", b"bytes", [1, 2], 9, "q" * 1000)
    got = []
    for reference in (False, True):
        seen: list[Any] = []
        inst = echo(func, lambda *a, seen=seen: (seen.append(a), (a[12], a[13], a[6]))[1], reference=reference)
        got.append((inst.f(*args), seen))
    assert got[0] == got[1] == (("m", b"bytes", 4), [args])


@pytest.mark.parametrize("strings", ["utf8", "utf16", "latin1+utf16"])
def test_strings_in_every_encoding_of_the_canonical_abi(strings: str) -> None:
    for reference in (False, True):
        inst = echo("func(s: list<string>) -> list<string>", strings=strings, reference=reference)
        assert inst.f(TEXTS) == TEXTS
        assert inst.f([]) == []
        seen: list[str] = []

        def reverse(s: str, seen: list[str] = seen) -> str:
            seen.append(s)
            return s[::-1]

        inst = echo("func(s: string) -> string", host=reverse, strings=strings, reference=reference)
        for text in TEXTS:
            assert inst.f(text) == text[::-1]
        assert seen == TEXTS


def test_wrong_arguments_are_refused_alike_by_both() -> None:
    ours = echo("func(x: u8, y: list<u32>) -> u8", host=lambda x, y: x)
    theirs = echo("func(x: u8, y: list<u32>) -> u8", host=lambda x, y: x, reference=True)
    for bad, error in [
        ((256, []), OverflowError),
        ((-1, []), OverflowError),
        (("1", []), TypeError),
        ((1.0, []), TypeError),
        ((1, [1, -1]), OverflowError),
        ((1, "abc"), TypeError),
        ((1, [1, None]), TypeError),
    ]:
        with pytest.raises(error) as on_ours:
            ours.f(*bad)
        with pytest.raises(error) as on_theirs:
            theirs.f(*bad)
        assert str(on_ours.value) == str(on_theirs.value)
    with pytest.raises(TypeError, match=r"f\(\) takes 2 positional arguments but 3 were given"):
        ours.f(1, [], 2)
    assert ours.f(7, [1]) == 7  # nothing reached the guest, which is still fine
    assert not ours.broken


def test_a_wrong_answer_from_the_import_fails_the_call() -> None:
    inst = echo("func(x: u32) -> u32", host=lambda x: -1)
    with pytest.raises(OverflowError, match=r"host function f\(\): "):
        inst.f(1)


def test_a_trap_breaks_the_instance() -> None:
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
    with pytest.raises(witbridge.Trap, match="unreachable"):
        inst.boom()
    with pytest.raises(witbridge.Error, match="no longer usable"):
        inst.boom()


def test_a_refused_argument_leaves_no_host_resource_behind() -> None:
    # An `own<file>` staged before a refused argument must not enter the
    # instance's table of host resources (it used to, and leaked there).
    wit = """package test:abi;
        interface files { resource file { constructor(); } }
        world echo {
          use files.{file};
          import files;
          import give: func(a: own<file>, b: u32) -> u32;
          export give: func(a: own<file>, b: u32) -> u32;
        }"""
    # (No `borrow<file>` here: an echo guest can't drop a borrow it was
    # lent before it returns, as the canonical ABI requires.)

    class File:
        drops = 0

        def drop(self) -> None:
            File.drops += 1

    received: list[Any] = []
    linker = witbridge.Linker(ENGINE)
    linker.define_resource("test:abi/files", "file", File)
    linker.define("give", lambda a, b: (received.append(a), b)[1])
    component = witbridge.Component.from_bytes(_native._echo_component(wit, "echo"), engine=ENGINE)
    inst = linker.instantiate(component)
    table = inst._native
    with pytest.raises(TypeError, match=r"^give\(\): b: expected u32"):
        inst.give(File(), "not a number")
    assert table._host_resource_count == 0
    assert received == []
    one = File()
    assert inst.give(one, 1) == 1  # moved to the guest and on to the import: Python's again
    assert received == [one]
    assert table._host_resource_count == 0
    assert File.drops == 0


WAT = Path(__file__).resolve().parents[1] / "fixtures" / "wat"


@pytest.mark.parametrize("encoding", ["utf16", "latin1"])
def test_hand_written_guests_of_other_string_encodings(encoding: str) -> None:
    for reference in (False, True):
        inst = witbridge.Linker(ENGINE).instantiate(
            witbridge.Component.from_file(WAT / f"strings-{encoding}.wat", engine=ENGINE), _reference_abi=reference
        )
        ns = inst.exports["witbridge:strings/echo"]
        for text in TEXTS:
            assert ns.echo(text) == text
        units = len("héllo ✓ 😀".encode("utf-16-le")) // 2
        if encoding == "utf16":
            assert ns.utf16_len("héllo ✓ 😀") == units
            assert ns.make(0) == "héllo, wörld ✓"
            assert ns.make(1) == "😀 grin"
        else:  # latin-1 when every character fits, else UTF-16 with the top bit of the length set
            assert ns.utf16_len("café") == 4
            assert ns.utf16_len("héllo ✓ 😀") == units | (1 << 31)
            assert ns.make(0) == "héllo, wörld"
            assert ns.make(1) == "héllo, wörld ✓"
        # A lone surrogate in the guest's UTF-16 is the guest breaking the ABI.
        with pytest.raises(witbridge.Trap) as raised:
            ns.make(2)
        assert raised.value.code is None
        assert "utf-16" in str(raised.value).lower() or "surrogate" in str(raised.value)
        assert inst.broken
