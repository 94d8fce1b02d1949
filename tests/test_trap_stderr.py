"""What a guest wrote to its WASI stderr during a failed call is in the Trap.

A Rust guest's panic message goes to stderr, and the trap that follows says
only `unreachable`; `Trap.stderr` and the end of `Trap.message` keep it,
whatever the instance's stderr is (inherited, captured, discarded, a file
object). The guest is fixtures/guests/wasi_lib (`panic(message)` panics
with that message, `eprint(text)` writes a line to stderr).
"""

from __future__ import annotations

import io

import pytest

import witbridge
from tests.conftest import InstanceFactory

LIB = "wasi_lib.component.wasm"
TAIL_BYTES = 4096


def panic_trap(inst: witbridge.Instance, message: str) -> witbridge.Trap:
    with pytest.raises(witbridge.Trap) as info:
        inst.files.panic(message)
    return info.value


@pytest.mark.parametrize("stderr", ["inherit", "capture", None, "file object"])
def test_the_panic_message_is_in_the_trap(new_instance: InstanceFactory, stderr: object) -> None:
    sink = io.BytesIO()
    inst = new_instance(LIB, wasi=witbridge.WasiConfig(stderr=sink if stderr == "file object" else stderr))
    trap = panic_trap(inst, "boom")
    assert trap.code == "unreachable_code_reached"
    assert "panicked at src/lib.rs:" in trap.stderr
    assert "\nboom\n" in trap.stderr
    first, heading, *lines = trap.message.split("\n")
    assert first == "witbridge:wasi-lib/files@0.1.0#panic: wasm trap: wasm `unreachable` instruction executed"
    assert heading == "the guest wrote to stderr during the call:"
    assert "    boom" in lines, "the guest's lines, indented"
    assert lines[0].startswith("    thread '<unnamed>' (1) panicked at src/lib.rs:")
    assert trap.backtrace is not None
    assert trap.backtrace not in trap.message
    if stderr == "file object":
        assert b"\nboom\n" in sink.getvalue(), "the stream still gets everything"


def test_inherited_stderr_still_reaches_the_terminal(
    new_instance: InstanceFactory, capfd: pytest.CaptureFixture[str]
) -> None:
    inst = new_instance(LIB)  # the sandbox: stderr inherited
    capfd.readouterr()
    trap = panic_trap(inst, "boom")
    assert "\nboom\n" in capfd.readouterr().err
    assert "\nboom\n" in trap.stderr


def test_captured_stderr_keeps_it_too(new_instance: InstanceFactory) -> None:
    inst = new_instance(LIB, wasi=witbridge.WasiConfig(stderr="capture"))
    trap = panic_trap(inst, "boom")
    assert inst.stderr is not None
    assert trap.stderr == inst.stderr.decode()


def test_only_the_failed_calls_output(new_instance: InstanceFactory) -> None:
    inst = new_instance(LIB, wasi=witbridge.WasiConfig(stderr="capture"))
    inst.files.eprint("from an earlier call")
    trap = panic_trap(inst, "boom")
    assert "earlier" not in trap.stderr
    assert "earlier" not in trap.message
    assert inst.stderr is not None
    assert inst.stderr.startswith(b"from an earlier call\n")


def test_a_long_stderr_keeps_its_last_4_kib(new_instance: InstanceFactory) -> None:
    inst = new_instance(LIB, wasi=witbridge.WasiConfig(stderr=None))
    # A two-byte character, so the cut may fall inside one: it is dropped, never replaced.
    trap = panic_trap(inst, "start " + "é" * 5000 + " end")
    assert len(trap.stderr.encode()) <= TAIL_BYTES
    assert len(trap.stderr.encode()) >= TAIL_BYTES - 3
    assert "\ufffd" not in trap.stderr
    assert trap.stderr.startswith("é")
    assert "start" not in trap.stderr
    assert " end\nnote: run with `RUST_BACKTRACE=1`" in trap.stderr
    assert f"\nthe last {TAIL_BYTES} bytes the guest wrote to stderr during the call:\n" in trap.message


def test_no_stderr_no_section(new_instance: InstanceFactory) -> None:
    values = new_instance("values.wasm")  # no WASI at all: the panic message is lost
    with pytest.raises(witbridge.Trap) as info:
        values.values.trap("boom")
    assert info.value.stderr == ""
    assert "boom" not in info.value.message
    assert "stderr" not in info.value.message
    lib = new_instance(LIB, limits=witbridge.Limits(fuel=10_000_000))
    with pytest.raises(witbridge.Trap) as info:
        lib.files.burn(10**9)  # a WASI guest that wrote nothing during the call
    assert info.value.code == "out_of_fuel"
    assert info.value.stderr == ""
    assert info.value.message == "witbridge:wasi-lib/files@0.1.0#burn: wasm trap: all fuel consumed by WebAssembly"


def test_a_trap_made_in_python_has_no_stderr() -> None:
    assert witbridge.Trap("made here").stderr == ""
    assert witbridge.Trap("made here", "timeout", None, "said").stderr == "said"
