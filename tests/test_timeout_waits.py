"""`timeout` and Ctrl-C hold while the guest waits on the host.

Epoch ticks stop guest code; these are the waits outside it: WASI's
blocking calls (a sleep, which is a `poll`; a read of stdin, in
test_cli_run.py) end at the call's deadline or at Ctrl-C, and a Python
import that returns after the deadline ends the call with the same
`timeout` trap.
The bounds are generous: each wait would last seconds longer than allowed.
"""

from __future__ import annotations

import os
import signal
import threading
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


@pytest.mark.usefixtures("python_sigint_handler")
@pytest.mark.parametrize("limits", [witbridge.Limits(timeout=60), None], ids=["timeout", "no-timeout"])
def test_ctrl_c_ends_a_wasi_wait(new_instance: InstanceFactory, limits: witbridge.Limits | None) -> None:
    lib = new_instance(LIB, limits=limits)
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            lib.files.sleep(5_000)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 3
    with pytest.raises(witbridge.Error, match=r"KeyboardInterrupt interrupted an earlier call to .*#sleep"):
        lib.files.sleep(0)


@pytest.mark.usefixtures("python_sigint_handler")
def test_ctrl_c_leaves_a_wait_in_another_thread_alone(new_instance: InstanceFactory) -> None:
    # Python runs signal handlers on its main thread only: there Ctrl-C
    # raises, and a guest sleeping in another thread sleeps on.
    lib = new_instance(LIB)
    slept: list[float] = []
    done = threading.Event()

    def sleep() -> None:
        started = time.monotonic()
        try:
            lib.files.sleep(600)
            slept.append(time.monotonic() - started)
        finally:
            done.set()

    worker = threading.Thread(target=sleep)
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    worker.start()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            wait_for(done)
    finally:
        timer.cancel()
        done.wait(10)
    assert len(slept) == 1
    assert slept[0] >= 0.6
    assert not lib.broken


def wait_for(event: threading.Event) -> None:
    """Waits in Python code, which Ctrl-C interrupts (a join it interrupts
    can be left broken, returning early ever after)."""
    while not event.is_set():
        time.sleep(0.01)


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
