"""`timeout` holds while the guest waits on the host.

Epoch ticks stop guest code; these are the waits outside it: WASI's
blocking calls (a sleep, which is a `poll`; a read of stdin, in
test_cli_run.py) end at the call's deadline, and a Python import that
returns after the deadline ends the call with the same `timeout` trap.
The bounds are generous: each wait would last seconds longer than allowed.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import witbridge
from tests.conftest import InstanceFactory

LIB = "wasi_lib.component.wasm"
HOST_CALLS = Path(__file__).resolve().parents[1] / "fixtures" / "wat" / "host-calls.wat"


def test_a_wasi_sleep_ends_at_the_timeout(new_instance: InstanceFactory) -> None:
    lib = new_instance(LIB, limits=witbridge.Limits(timeout=0.5))
    started = time.monotonic()
    with pytest.raises(witbridge.Trap) as info:
        lib.files.sleep(5_000)
    assert time.monotonic() - started < 3
    assert info.value.code == "timeout"
    assert info.value.message == (
        "witbridge:wasi-lib/files@0.1.0#sleep: the call ran longer than its timeout of 500ms, "
        "while the guest waited in wasi:io/poll's poll"
    )
    assert lib.broken


def test_waits_within_the_timeout_or_without_one_are_whole(new_instance: InstanceFactory) -> None:
    for limits in [witbridge.Limits(timeout=30), None]:
        lib = new_instance(LIB, limits=limits, wasi=witbridge.WasiConfig(stdout="capture"))
        started = time.monotonic()
        lib.files.sleep(200)
        assert time.monotonic() - started >= 0.2
        lib.files.print("written")  # blocking-write-and-flush, replaced too
        assert lib.stdout == b"written\n"
        assert not lib.broken


def host_calls(callback: object, timeout: float) -> witbridge.Instance:
    return witbridge.load(
        HOST_CALLS,
        imports={"xyz:host/math": {"double": lambda x: 2 * x}, "callback": callback},
        limits=witbridge.Limits(timeout=timeout),
    )


def test_an_import_returning_after_the_deadline_ends_the_call() -> None:
    inst = host_calls(lambda: time.sleep(1.0), timeout=0.2)
    with pytest.raises(witbridge.Trap) as info:
        inst.ping()  # calls `callback` and returns: no guest code left for a tick to stop
    assert info.value.code == "timeout"
    assert info.value.message == (
        "ping: the call ran longer than its timeout of 200ms, in the host function implementing "
        "callback, which returned after the deadline (Python code can't be interrupted)"
    )
    assert inst.broken


def test_an_import_within_the_deadline_is_no_failure() -> None:
    inst = host_calls(lambda: None, timeout=30)
    inst.ping()
    assert inst.quad(3) == 12
    assert not inst.broken


def test_an_exception_after_the_deadline_stays_the_exception() -> None:
    def late() -> None:
        time.sleep(0.5)
        raise LookupError("from the import")

    inst = host_calls(late, timeout=0.1)
    with pytest.raises(LookupError, match="from the import"):
        inst.ping()
