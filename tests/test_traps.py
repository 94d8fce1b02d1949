"""Traps: a clear `witbridge.Trap`, an unusable instance, a healthy interpreter."""

from __future__ import annotations

from pathlib import Path

import pytest

import witbridge

ROOT = Path(__file__).resolve().parents[1]
WASM = ROOT / "fixtures" / "wasm"
WAT = ROOT / "fixtures" / "wat"


def test_panic_in_a_rust_guest_is_a_trap_with_backtrace() -> None:
    inst = witbridge.load(WASM / "values.wasm")
    with pytest.raises(witbridge.Trap) as info:
        inst.values.trap("boom")
    trap = info.value
    assert trap.code == "unreachable_code_reached"
    assert trap.message.startswith("witbridge:fixtures/values@0.1.0#trap: wasm trap: ")
    assert "unreachable" in trap.message
    assert trap.backtrace is not None
    assert "wasm backtrace" in str(trap)
    assert "panic" in str(trap), "the backtrace names the guest's functions"
    assert repr(trap) == f"Trap({trap.message!r}, code='unreachable_code_reached')"


def test_division_by_zero_in_the_guest() -> None:
    values = witbridge.load(WASM / "values.wasm").values
    assert values.divmod(7, 2) == (3, 1)
    with pytest.raises(witbridge.Trap):
        values.divmod(1, 0)


def test_instance_is_unusable_after_a_trap() -> None:
    inst = witbridge.load(WAT / "echo.wat")
    assert inst.echo("before") == "before"
    with pytest.raises(witbridge.Trap) as info:
        inst.boom()
    assert info.value.code == "unreachable_code_reached"
    for call in (lambda: inst.echo("after"), inst.boom, lambda: inst.spin(1)):
        with pytest.raises(witbridge.Error) as later:
            call()
        assert not isinstance(later.value, witbridge.Trap)
        assert "no longer usable because an earlier call failed (boom: wasm trap" in str(later.value)
    assert inst._native.broken


def test_other_instances_and_the_interpreter_are_fine() -> None:
    component = witbridge.Component.from_file(WAT / "echo.wat")
    broken = witbridge.Linker().instantiate(component)
    healthy = witbridge.Linker().instantiate(component)
    for _ in range(50):
        fresh = witbridge.Linker().instantiate(component)
        with pytest.raises(witbridge.Trap):
            fresh.boom()
    with pytest.raises(witbridge.Trap):
        broken.boom()
    assert healthy.echo("ok") == "ok"
    assert healthy.spin(10_000) == 10_000


def test_guest_allocator_running_out_of_memory_is_reported() -> None:
    # The WAT guest's bump allocator never frees and has one 64 KiB page:
    # a big enough string makes realloc return memory the guest doesn't have.
    inst = witbridge.load(WAT / "echo.wat")
    with pytest.raises(witbridge.Trap) as info:
        inst.echo("x" * 100_000)
    assert info.value.code is None  # the guest broke the canonical ABI; it did not trap
    assert "echo:" in info.value.message
    with pytest.raises(witbridge.Error, match="no longer usable"):
        inst.echo("x")


def test_trap_while_instantiating(tmp_path: Path) -> None:
    wat = """
    (component
      (core module $m (func $start unreachable) (start $start))
      (core instance $i (instantiate $m)))
    """
    with pytest.raises(witbridge.Trap, match="instantiating the component") as info:
        witbridge.Linker().instantiate(witbridge.Component.from_wat(wat))
    assert info.value.code == "unreachable_code_reached"
