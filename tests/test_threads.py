"""Many Python threads calling guests at once (issue 5, item 3): no error, no crash,
and every answer right."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import witbridge

INTRO = Path(__file__).resolve().parents[1] / "fixtures" / "wasm" / "wasm_intro.wasm"
THREADS = 8

pytestmark = pytest.mark.slow


def run_threads(work: Callable[[int], None]) -> list[BaseException]:
    """Runs ``work(i)`` in THREADS threads at once; returns what they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def body(i: int) -> None:
        try:
            start.wait()
            work(i)
        except BaseException as e:  # collected and asserted on below
            errors.append(e)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_eight_threads_each_with_its_own_instance() -> None:
    component = witbridge.Component.from_file(INTRO)
    instances = [witbridge.Linker().instantiate(component) for _ in range(THREADS)]
    counts = [0] * THREADS

    def work(i: int) -> None:
        mi = instances[i].machine_interface
        text = "héllo" * (i + 1)
        for _ in range(100_000):
            assert mi.count_symbols(text) == 5 * (i + 1)
            counts[i] += 1

    assert run_threads(work) == []
    assert counts == [100_000] * THREADS


def test_eight_threads_sharing_one_instance_take_turns() -> None:
    mi = witbridge.load(INTRO).machine_interface
    results: list[list[object]] = [[] for _ in range(THREADS)]

    def work(i: int) -> None:
        start, destination = mi.Point(x=i, y=0), mi.Point(x=0, y=i)
        for _ in range(10_000):
            results[i].append(mi.run(i, start, destination).message)

    assert run_threads(work) == []
    for i, messages in enumerate(results):
        expected = f"machine {i} run from Point {{ x: {i}, y: 0 }} to Point {{ x: 0, y: {i} }}"
        assert messages == [expected] * 10_000


# One import and two exports: `run` calls the import, `inner` answers 7.
CALLS_OUT = """
(component
  (import "out" (func $out))
  (core func $out_core (canon lower (func $out)))
  (core module $m
    (import "host" "out" (func $out))
    (func (export "run") (call $out))
    (func (export "inner") (result i32) (i32.const 7)))
  (core instance $host (export "out" (func $out_core)))
  (core instance $i (instantiate $m (with "host" (instance $host))))
  (func (export "run") (canon lift (core func $i "run")))
  (func (export "inner") (result u32) (canon lift (core func $i "inner"))))
"""


def test_instances_calling_into_each_other_from_two_threads_raise_not_hang() -> None:
    # Thread 1 runs a, whose import calls into b; thread 2 runs b, whose
    # import calls into a. Each holds its own instance and waits for the
    # other's: without detection, both would wait forever.
    component = witbridge.Component.from_wat(CALLS_OUT)
    both_inside = threading.Barrier(2, timeout=10)
    instances: dict[str, witbridge.Instance] = {}

    def calling(other: str) -> Callable[[], None]:
        def out() -> None:
            both_inside.wait()
            assert instances[other].inner() == 7

        return out

    for name, other in (("a", "b"), ("b", "a")):
        linker = witbridge.Linker()
        linker.define_func("out", calling(other))
        instances[name] = linker.instantiate(component)
    outcomes: dict[str, BaseException | None] = {}

    def run(name: str) -> None:
        try:
            instances[name].run()
            outcomes[name] = None
        except BaseException as raised:  # reported below
            outcomes[name] = raised

    threads = [threading.Thread(target=run, args=(name,), daemon=True) for name in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not any(thread.is_alive() for thread in threads), "the two calls deadlocked"
    # One thread found the cycle and raised in its host function; that broke
    # the instance it was running (a host function raised), so the other
    # thread, which was waiting for that instance, is refused it, and its
    # host function raises in turn.
    errors = sorted(str(outcomes[name]) for name in "ab")
    assert all(isinstance(outcomes[name], witbridge.Error) for name in "ab"), outcomes
    deadlock, refused = errors
    assert deadlock.startswith("cannot call inner: its instance is running a call in another thread")
    assert "would deadlock" in deadlock
    assert "no longer usable because a host function raised Error during an earlier call to run" in refused
