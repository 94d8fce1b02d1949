"""Soak: many resource lifetimes leave no guest objects, no host objects and no memory behind."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

import witbridge

from .test_resources import DictStore, File, Logger, host_user_linker

WASM = Path(__file__).resolve().parents[1] / "fixtures" / "wasm"
CYCLES = 100_000


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def host_user() -> Any:
    linker = host_user_linker(Logger(), DictStore())
    return linker.instantiate(witbridge.Component.from_file(WASM / "host_user.wasm"))


@pytest.mark.slow
def test_resource_soak() -> None:
    File.journal = []
    inst = host_user()
    counters, app = inst.counters, inst.app

    def cycles(n: int) -> None:
        for i in range(n):
            explicit = counters.Counter(i)  # exported: create, call, drop
            assert explicit.add(1) == i + 1
            explicit.drop()
            assert counters.Counter(i).get() == i  # exported: dropped by garbage collection
            if i % 10 == 0:
                assert app.write_file("f", [b"x"]) == 1  # imported: guest creates, calls, drops
                File.journal.clear()

    cycles(5_000)  # warm-up: classes, caches and allocator pools settle
    gc.collect()
    before = rss_bytes()
    cycles(CYCLES)
    gc.collect()
    growth = rss_bytes() - before
    print(f"\nRSS growth over {CYCLES} resource cycles: {growth / 2**20:.2f} MiB")
    assert counters.live_count() == 0
    assert inst._native._host_resource_count == 0
    assert growth < 8 * 2**20, f"RSS grew by {growth / 2**20:.1f} MiB"


MILLION = 1_000_000


def _shapes() -> dict[str, Any]:
    """One call per signature shape, each returning whether its answer was right."""
    intro = witbridge.load(WASM / "wasm_intro.wasm").machine_interface
    values = witbridge.load(WASM / "values.wasm").values
    pings = 0

    def ping() -> None:
        nonlocal pings
        pings += 1

    hostile = witbridge.load(WASM.parent / "wat" / "hostile.wat", imports={"ping": ping})
    start, destination = intro.Point(x=1, y=2), intro.Point(x=3, y=4)
    numbers = list(range(16))
    return {
        "scalars": lambda: values.echo_u32(7) == 7,
        "strings": lambda: intro.count_symbols("héllo") == 5,
        "records": lambda: intro.run(7, start, destination).machine_id == 1,
        "lists": lambda: values.echo_u32s(numbers) == numbers,
        # A million host calls per call of this one: counted, not called a million times.
        "host imports": lambda: hostile.ping_many(1000) is None,
    }


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["scalars", "strings", "records", "lists", "host imports"])
def test_a_million_calls_leak_nothing(shape: str) -> None:
    call = _shapes()[shape]
    calls = MILLION if shape != "host imports" else MILLION // 1000
    for _ in range(10_000 if calls == MILLION else 10):  # warm-up
        assert call()
    gc.collect()
    before = rss_bytes()
    for _ in range(calls):
        if not call():
            pytest.fail(f"a {shape} call answered wrong")
    gc.collect()
    growth = rss_bytes() - before
    print(f"\nRSS growth over a million {shape} calls: {growth / 2**20:.2f} MiB")
    assert growth < 5 * 2**20, f"RSS grew by {growth / 2**20:.1f} MiB"
