"""Short calls keep the GIL, long ones release it.

Each exported function learns from its own calls whether releasing the GIL
is worth its cost (``crates/witbridge-core/src/gil_policy.rs``): after a
streak of short calls it keeps it, and a call that then runs long hands it
to other threads at every epoch tick and sends the function back to
releasing. These tests hold the behaviour a Python user sees: other threads
and Ctrl-C are never shut out for longer than a tick.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import pytest

import witbridge
from witbridge import _native

from .conftest import WASM_DIR
from .fuzzing.choices import ByteChoices
from .fuzzing.echo import Echo, signature
from .test_limits import busy, xorshift

SHORT_STREAK = 16  # witbridge_core::gil_policy::SHORT_STREAK
# A call that a busy machine happens to slow down restarts the streak.
LEARNING_CALLS = 10 * SHORT_STREAK
ENDLESS = 2**62  # burn(ENDLESS) runs until its timeout


def learn_short(inst: witbridge.Instance) -> None:
    """Short calls of burn() until it keeps the GIL."""
    for n in range(LEARNING_CALLS):
        assert inst.burn(n % 50) == xorshift(n % 50)
        if inst.burn._keeps_gil:
            assert n + 1 >= SHORT_STREAK
            return
    pytest.fail(f"burn() still releases the GIL after {LEARNING_CALLS} short calls")


def test_a_function_starts_out_releasing_the_gil() -> None:
    assert not busy().burn._keeps_gil


def test_short_calls_learn_to_keep_it() -> None:
    learn_short(busy())


def test_a_long_call_sends_the_function_back_to_releasing() -> None:
    inst = busy()
    expected = busy().burn(40_000_000)
    learn_short(inst)
    # ~0.1 s: epoch ticks (every 10 ms) find it running.
    assert inst.burn(40_000_000) == expected
    assert not inst.burn._keeps_gil
    learn_short(inst)  # and it learns again


def test_other_threads_run_while_a_call_that_kept_the_gil_runs_long() -> None:
    inst = busy(witbridge.Limits(timeout=2.0))  # a failure must not hang the suite
    learn_short(inst)
    outcome: list[BaseException] = []

    def endless() -> None:
        try:
            inst.burn(ENDLESS)
        except witbridge.Trap as e:
            outcome.append(e)

    worker = threading.Thread(target=endless)
    worker.start()
    time.sleep(0.05)  # the worker is inside burn(), holding the GIL
    other = busy()
    for n in range(50):
        assert other.burn(n) == xorshift(n)
    assert worker.is_alive()  # all done while the worker's call went on
    worker.join()
    assert isinstance(outcome[0], witbridge.Trap)
    assert outcome[0].code == "timeout"
    assert not inst.burn._keeps_gil


@pytest.mark.usefixtures("python_sigint_handler")
def test_ctrl_c_interrupts_a_call_that_kept_the_gil() -> None:
    inst = busy(witbridge.Limits(timeout=60))
    learn_short(inst)
    # The timer's thread needs the GIL to send the signal: it gets it at a tick.
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            inst.burn(ENDLESS)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 5


def test_imports_implemented_in_python_run_in_calls_that_keep_it() -> None:
    wit = "package test:gil; world echo { import f: func(x: u32) -> u32; export f: func(x: u32) -> u32; }"
    component = witbridge.Component.from_bytes(_native._echo_component(wit, "echo"))
    seen: list[int] = []

    def f(x: int) -> int:
        seen.append(x)
        if x == 999:
            raise LookupError("from the import")
        return x + 1

    linker = witbridge.Linker()
    linker.define("f", f)
    inst = linker.instantiate(component)
    for n in range(LEARNING_CALLS):
        assert inst.f(n) == n + 1
    assert inst.f._keeps_gil
    with pytest.raises(LookupError, match="from the import"):
        inst.f(999)
    assert seen == [*range(LEARNING_CALLS), 999]


def test_the_fuzzing_oracle_holds_in_calls_that_keep_it() -> None:
    # tests/fuzzing makes a few calls per instance, all releasing the GIL;
    # here each generated signature is first called until it keeps it.
    kept = 0
    for seed in range(40):
        ch = ByteChoices(random.Random(seed).randbytes(4000))
        echo = Echo(signature(ch))
        for _ in range(4 * SHORT_STREAK):
            echo.right(ch)
            if echo.inst.f._keeps_gil:
                break
        else:
            continue  # values too big for short calls (about a third of them)
        kept += 1
        for _ in range(8):
            echo.right(ch)
            echo.wrong_argument(ch)
        echo.wrong_return(ch)
    assert kept >= 5  # about 25; a slow machine has more calls over 10 µs


def test_instances_with_wasi_always_release_it() -> None:
    # A WASI call may block (a sleep, a read of stdin): never with the GIL held.
    inst = witbridge.load(WASM_DIR / "wasi_lib.component.wasm", wasi=witbridge.WasiConfig())
    for n in range(LEARNING_CALLS):
        inst.files.burn(n)
    assert not inst.files.burn._keeps_gil


def test_engines_without_epoch_interruption_always_release_it() -> None:
    # Without epoch ticks nothing would notice a long call holding the GIL.
    inst = busy(engine=witbridge.Engine(epoch_interruption=False, cache_dir=None))
    for n in range(LEARNING_CALLS):
        inst.burn(n)
    assert not inst.burn._keeps_gil
