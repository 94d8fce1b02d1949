"""Sandbox limits (fuel, timeout, memory, tables), Ctrl-C, and threads.

The guest is fixtures/wat/busy.wat: `spin` loops forever, `burn(n)` runs n
rounds of xorshift64, `grow`/`grow-table` grow its memory and table.
"""

from __future__ import annotations

import datetime
import os
import signal
import threading
import time
from pathlib import Path

import pytest

import witbridge

BUSY = Path(__file__).resolve().parents[1] / "fixtures" / "wat" / "busy.wat"
PAGE = 65536


def busy(limits: witbridge.Limits | None = None, engine: witbridge.Engine | None = None) -> witbridge.Instance:
    return witbridge.load(BUSY, limits=limits, engine=engine)


def xorshift(n: int) -> int:
    """What busy.wat's burn(n) returns."""
    x, mask = 1, (1 << 64) - 1
    for _ in range(n):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
    return x


def test_burn_matches_its_definition() -> None:
    assert busy().burn(1000) == xorshift(1000)


# --- timeout -------------------------------------------------------------------------------------


def test_timeout_stops_an_endless_loop() -> None:
    inst = busy(witbridge.Limits(timeout=0.05))
    with pytest.raises(witbridge.Trap) as raised:
        inst.spin()
    assert raised.value.code == "timeout"
    assert "timeout of 50ms" in str(raised.value)
    assert "spin" in str(raised.value)
    assert inst.broken
    with pytest.raises(witbridge.Error, match="no longer usable"):
        inst.pages()


def test_timeout_is_per_call() -> None:
    inst = busy(witbridge.Limits(timeout=0.5))
    # Many short calls add up to more than the timeout; none is stopped.
    deadline = time.monotonic() + 0.8
    calls = 0
    while time.monotonic() < deadline:
        inst.burn(10_000)
        calls += 1
    assert calls > 1
    assert not inst.broken


def test_timeout_needs_epoch_interruption() -> None:
    engine = witbridge.Engine(epoch_interruption=False, cache_dir=None)
    with pytest.raises(witbridge.Error, match="epoch_interruption=False"):
        busy(witbridge.Limits(timeout=1.0), engine=engine)
    assert busy(engine=engine).burn(5) == xorshift(5)


# --- fuel -------------------------------------------------------------------------------------------


def test_fuel_is_a_budget_for_the_instance() -> None:
    inst = busy(witbridge.Limits(fuel=100_000))
    assert inst.fuel == 100_000
    inst.burn(100)
    left = inst.fuel
    assert left is not None
    assert 0 < left < 100_000
    inst.burn(100)
    after = inst.fuel
    assert after is not None
    assert after < left
    with pytest.raises(witbridge.Trap) as raised:
        inst.burn(10**9)
    assert raised.value.code == "out_of_fuel"
    assert inst.broken


def test_instances_without_fuel_have_none() -> None:
    assert busy().fuel is None


def test_fuel_on_an_engine_that_never_meters() -> None:
    engine = witbridge.Engine(fuel=False, cache_dir=None)
    with pytest.raises(witbridge.Error, match="fuel=False"):
        busy(witbridge.Limits(fuel=10), engine=engine)


def test_an_engine_that_always_meters() -> None:
    engine = witbridge.Engine(fuel=True, cache_dir=None)
    unlimited = busy(engine=engine)
    assert unlimited.burn(1000) == xorshift(1000)
    limited = busy(witbridge.Limits(fuel=50), engine=engine)
    with pytest.raises(witbridge.Trap, match="fuel"):
        limited.burn(1000)


def test_fuel_and_plain_instances_of_one_component() -> None:
    component = witbridge.Component.from_file(BUSY)
    linker = witbridge.Linker()
    plain = linker.instantiate(component)
    metered = linker.instantiate(component, limits=witbridge.Limits(fuel=1_000_000))
    assert plain.burn(500) == metered.burn(500) == xorshift(500)
    assert plain.fuel is None
    assert metered.fuel is not None


# --- memory and tables -----------------------------------------------------------------------------


def test_memory_grows_up_to_max_memory() -> None:
    inst = busy(witbridge.Limits(max_memory=4 * PAGE))
    assert inst.grow(3) == 1
    assert inst.pages() == 4
    with pytest.raises(witbridge.Trap) as raised:
        inst.grow(1)
    assert raised.value.code == "memory_limit"
    assert f"max_memory of {4 * PAGE} bytes" in str(raised.value)


def test_memory_below_the_initial_size_fails_instantiation() -> None:
    with pytest.raises(witbridge.Trap, match="max_memory"):
        busy(witbridge.Limits(max_memory=PAGE // 2))


def test_table_limit() -> None:
    inst = busy(witbridge.Limits(max_table_elements=10))
    assert inst.grow_table(5) == 1
    with pytest.raises(witbridge.Trap) as raised:
        inst.grow_table(5)
    assert raised.value.code == "table_limit"


def test_without_limits_growth_follows_wasm() -> None:
    inst = busy()
    assert inst.grow(1) == 1
    assert inst.grow(70_000) == -1  # past 4 GiB: memory.grow fails, no trap
    assert not inst.broken


def test_instance_count_limit() -> None:
    with pytest.raises(witbridge.Error, match="instance"):
        busy(witbridge.Limits(max_instances=0))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"fuel": -1}, ValueError),
        ({"fuel": 1.5}, TypeError),
        ({"fuel": True}, TypeError),
        ({"timeout": 0}, ValueError),
        ({"timeout": float("inf")}, ValueError),
        ({"timeout": "1"}, TypeError),
        ({"max_memory": 1 << 64}, ValueError),
    ],
)
def test_bad_limits_are_refused(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        witbridge.Limits(**kwargs)  # type: ignore[arg-type]


def test_limits_must_be_limits() -> None:
    with pytest.raises(TypeError, match="Limits"):
        witbridge.Linker().instantiate(witbridge.Component.from_file(BUSY), limits={"fuel": 1})  # type: ignore[arg-type]


# --- Ctrl-C ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("python_sigint_handler")
def test_sigint_interrupts_a_guest_call() -> None:
    inst = busy(witbridge.Limits(timeout=60))  # a failure must not hang the suite
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            inst.spin()
    finally:
        timer.cancel()
    # Interrupted within a few ticks, not at some later, unrelated point.
    assert time.monotonic() - started < 5
    with pytest.raises(witbridge.Error, match="KeyboardInterrupt interrupted an earlier call to spin"):
        inst.pages()


def test_custom_signal_handlers_run_during_guest_calls() -> None:
    seen: list[int] = []

    def handler(signum: int, frame: object) -> None:
        seen.append(signum)
        raise TimeoutError("from the handler")

    previous = signal.signal(signal.SIGUSR1, handler)
    try:
        timer = threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGUSR1))
        timer.start()
        with pytest.raises(TimeoutError, match="from the handler"):
            busy(witbridge.Limits(timeout=60)).spin()
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert seen == [signal.SIGUSR1]


# --- threads -----------------------------------------------------------------------------------------


def test_other_threads_run_while_a_guest_runs() -> None:
    """The GIL is released in guest code: the main thread works on while another thread spins."""
    spinning = busy(witbridge.Limits(timeout=3.0))
    outcome: list[BaseException] = []

    def spin() -> None:
        try:
            spinning.spin()
        except witbridge.Trap as e:
            outcome.append(e)

    worker = threading.Thread(target=spin)
    worker.start()
    time.sleep(0.05)
    other = busy()
    for n in range(50):  # all done while the worker is still inside spin()
        assert other.burn(n) == xorshift(n)
    assert worker.is_alive()
    worker.join()
    assert isinstance(outcome[0], witbridge.Trap)
    assert outcome[0].code == "timeout"


def test_one_instance_from_many_threads() -> None:
    """Calls from several threads into one instance take turns; none is refused or lost."""
    inst = busy()
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                results.append(inst.burn(1000))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [xorshift(1000)] * 800


def test_host_function_calling_back_is_still_refused() -> None:
    wat = """
    (component
      (import "cb" (func $cb))
      (core func $cb_core (canon lower (func $cb)))
      (core module $m
        (import "host" "cb" (func $cb))
        (func (export "call-host") (call $cb)))
      (core instance $host (export "cb" (func $cb_core)))
      (core instance $i (instantiate $m (with "host" (instance $host))))
      (func (export "call-host") (canon lift (core func $i "call-host"))))
    """
    component = witbridge.Component.from_wat(wat)
    linker = witbridge.Linker()
    holder: list[witbridge.Instance] = []
    linker.define_func("cb", lambda: holder[0].call_host())
    inst = linker.instantiate(component)
    holder.append(inst)
    with pytest.raises(witbridge.Error, match="already running a call"):
        inst.call_host()


def test_huge_timeouts_are_no_panic() -> None:
    # These once raised pyo3's PanicException (a BaseException): the first
    # overflowed when added to the clock, the second is not a Duration.
    busy = witbridge.load(BUSY, limits=witbridge.Limits(timeout=1e19))
    assert busy.burn(10) >= 0
    with pytest.raises(ValueError, match="not a duration"):
        witbridge.load(BUSY, limits=witbridge.Limits(timeout=1e300))


def test_limits_fields_are_keyword_only() -> None:
    with pytest.raises(TypeError, match="positional"):
        witbridge.Limits(1.0)  # type: ignore[misc]


def test_a_timeout_may_be_a_timedelta() -> None:
    limits = witbridge.Limits(timeout=datetime.timedelta(milliseconds=50))
    assert limits.timeout == 0.05
    busy = witbridge.load(BUSY, limits=limits)
    with pytest.raises(witbridge.Trap) as trap:
        busy.spin()
    assert trap.value.code == "timeout"
