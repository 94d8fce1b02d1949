"""Hostile guests: each way of breaking the rules in fixtures/wat/hostile.wat ends
in an exception that says what happened, and nothing else is harmed."""

from __future__ import annotations

from pathlib import Path

import pytest

import witbridge

WAT = Path(__file__).resolve().parents[1] / "fixtures" / "wat"
HOSTILE = WAT / "hostile.wat"


def hostile(limits: witbridge.Limits | None = None, ping: object = lambda: None) -> witbridge.Instance:
    return witbridge.load(HOSTILE, imports={"ping": ping}, limits=limits)


@pytest.mark.parametrize(
    ("export", "args", "limits", "code", "message"),
    [
        ("bad_string_ptr", (), None, None, "string pointer/length out of bounds of memory"),
        ("bad_utf8", (), None, None, "invalid utf-8"),
        ("huge_list", (), None, None, "list pointer/length out of bounds of memory"),
        ("take_string", ("hello",), None, None, "realloc return: beyond end of memory"),
        ("recurse", (), None, "stack_overflow", "call stack exhausted"),
        ("grow_bomb", (), witbridge.Limits(max_memory=16 << 20), "memory_limit", "max_memory of 16777216 bytes"),
        ("spin", (), witbridge.Limits(timeout=0.05), "timeout", "timeout of 50ms"),
    ],
)
def test_each_abuse_is_a_trap_and_harms_nothing_else(
    export: str, args: tuple[object, ...], limits: witbridge.Limits | None, code: str | None, message: str
) -> None:
    bystander = witbridge.load(WAT / "adder.wat")
    inst = hostile(limits)
    with pytest.raises(witbridge.Trap) as raised:
        getattr(inst, export)(*args)
    assert raised.value.code == code
    assert message in str(raised.value)
    assert export.replace("_", "-") in str(raised.value)  # says where
    with pytest.raises(witbridge.Error, match="no longer usable"):
        inst.spin()
    assert bystander.add(2, 3) == 5
    assert hostile().grow_bomb() > 1  # a fresh instance of the same component is fine


def test_unbounded_growth_without_a_limit_is_refused_by_wasm_itself() -> None:
    # 65536 pages is the 32-bit memory's 4 GiB: memory.grow then returns -1, as wasm says.
    assert hostile().grow_bomb() == 65536


def test_a_million_host_calls_in_one_call() -> None:
    calls = 0

    def ping() -> None:
        nonlocal calls
        calls += 1

    inst = hostile(ping=ping)
    inst.ping_many(1_000_000)
    assert calls == 1_000_000
    inst.ping_many(3)
    assert calls == 1_000_003


def test_a_host_function_raising_midway_stops_the_loop() -> None:
    calls = 0

    def ping() -> None:
        nonlocal calls
        calls += 1
        if calls == 500:
            raise RuntimeError("enough")

    inst = hostile(ping=ping)
    with pytest.raises(RuntimeError, match="enough"):
        inst.ping_many(1_000_000)
    assert calls == 500
