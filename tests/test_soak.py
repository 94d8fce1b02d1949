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
