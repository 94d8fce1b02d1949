"""Python functions implementing a component's imports (issue 3, items 1, 2 and 6)."""

from __future__ import annotations

import traceback
from pathlib import Path
from types import SimpleNamespace

import pytest

import witbridge

WAT = Path(__file__).resolve().parents[1] / "fixtures" / "wat"
HOST_CALLS = WAT / "host-calls.wat"


def doubler(log: list[int]) -> SimpleNamespace:
    def double(x: int) -> int:
        log.append(x)
        return 2 * x

    return SimpleNamespace(double=double)


def test_object_dict_and_module_like_implementations() -> None:
    seen: list[int] = []
    for implementation in (doubler(seen), {"double": lambda x: 2 * x}, {"double": lambda x: x * 2}):
        inst = witbridge.load(HOST_CALLS, imports={"xyz:host/math": implementation, "callback": lambda: None})
        assert inst.quad(5) == 20
    assert seen == [5, 10]


def test_linker_define_and_define_func() -> None:
    called: list[str] = []
    linker = witbridge.Linker()
    linker.define("xyz:host/math@0.2.1", doubler([]))
    linker.define_func("callback", lambda: called.append("ping"))
    inst = linker.instantiate(witbridge.Component.from_file(HOST_CALLS))
    inst.ping()
    inst.ping()
    assert called == ["ping", "ping"]
    assert inst.quad(1) == 4


def test_define_func_needs_a_callable() -> None:
    with pytest.raises(TypeError, match="expected a callable"):
        witbridge.Linker().define_func("callback", 42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "matches"),
    [
        ("xyz:host/math", True),
        ("xyz:host/math@0.2.1", True),
        ("xyz:host/math@0.2.0", True),
        ("xyz:host/math@0.3.0", False),
        ("xyz:host/other", False),
    ],
)
def test_versioned_and_unversioned_names(name: str, matches: bool) -> None:
    component = witbridge.Component.from_file(HOST_CALLS)
    linker = witbridge.Linker()
    linker.define(name, doubler([]))
    linker.define_func("callback", lambda: None)
    if matches:
        assert linker.instantiate(component).quad(3) == 12
    else:
        with pytest.raises(witbridge.LinkError, match=r"interface xyz:host/math@0\.2\.1"):
            linker.instantiate(component)


def test_missing_methods_and_imports_are_all_listed() -> None:
    with pytest.raises(witbridge.LinkError) as info:
        witbridge.load(HOST_CALLS, imports={"xyz:host/math": SimpleNamespace(triple=print)})
    assert str(info.value) == (
        "the component has 2 imports that nothing provides:\n"
        "  double() in the implementation of xyz:host/math@0.2.1 (SimpleNamespace): double: func(x: u32) -> u32\n"
        "  function callback: func()"
    )


def test_a_later_definition_wins() -> None:
    linker = witbridge.Linker()
    linker.define("xyz:host/math", {"double": lambda x: 0})
    linker.define("xyz:host/math", {"double": lambda x: x + x})
    linker.define_func("callback", lambda: None)
    assert linker.instantiate(witbridge.Component.from_file(HOST_CALLS)).quad(2) == 8


class Boom(Exception):
    pass


def test_exception_from_a_host_function_propagates_unchanged() -> None:
    def double(x: int) -> int:
        raise Boom(f"no doubling {x}")

    inst = witbridge.load(HOST_CALLS, imports={"xyz:host/math": {"double": double}, "callback": print})
    with pytest.raises(Boom, match="no doubling 7") as info:
        inst.quad(7)
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert "double" in frames, "the host function's own frame is in the traceback"
    with pytest.raises(witbridge.Error, match="a host function raised Boom during an earlier call to quad"):
        inst.quad(1)


def test_wrong_return_value_names_the_host_function() -> None:
    inst = witbridge.load(HOST_CALLS, imports={"xyz:host/math": {"double": lambda x: -1}, "callback": print})
    with pytest.raises(OverflowError) as info:
        inst.quad(1)
    assert str(info.value) == (
        "host function xyz:host/math@0.2.1#double(): return value: expected u32 (0..4294967295), got -1"
    )


def test_calling_back_into_the_calling_instance_is_refused() -> None:
    inst: witbridge.Instance

    def callback() -> None:
        inst.quad(1)

    inst = witbridge.load(HOST_CALLS, imports={"xyz:host/math": doubler([]), "callback": callback})
    with pytest.raises(witbridge.Error, match="already running a call"):
        inst.ping()


def test_calling_another_instance_from_a_host_function_works() -> None:
    other = witbridge.load(WAT / "adder.wat")
    results: list[int] = []
    inst = witbridge.load(
        HOST_CALLS,
        imports={
            "xyz:host/math": {"double": lambda x: other.add(x, x)},
            "callback": lambda: results.append(1),
        },
    )
    assert inst.quad(3) == 12
    inst.ping()
    assert results == [1]


def test_import_called_many_times() -> None:
    count = 0

    def double(x: int) -> int:
        nonlocal count
        count += 1
        return (2 * x) & 0xFFFF_FFFF

    inst = witbridge.load(HOST_CALLS, imports={"xyz:host/math": {"double": double}, "callback": print})
    for i in range(10_000):
        assert inst.quad(i) == (4 * i) & 0xFFFF_FFFF
    assert count == 20_000
