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
