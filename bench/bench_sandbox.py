"""Benchmark: the sandbox's costs (issue 4) against wasmtime-py in the same run.

- load: the componentize-py guest (about 18 MB, a whole CPython) compiled
  from scratch vs loaded from witbridge's compile cache, and from a
  serialized artifact; wasmtime-py's `wasmtime.component` compiling and
  deserializing the same component. Target: cached load >= 20x faster than
  the first load.
- threads: throughput of CPU-bound guest calls (`burn` in
  fixtures/wat/busy.wat, ~4 ms each) from 1 thread vs 2 threads, each on
  its own instance. Target: >= 1.7x with 2 threads on 2 cores.
- interruption: what the limits cost a guest that never hits them: the same
  `burn` on an engine without epoch checks, the default engine, with a
  timeout, and with fuel metering.

Usage: python bench/bench_sandbox.py [--quick] [--out DIR]
Results: bench/results/sandbox.md and sandbox.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_calls import environment

ROOT = Path(__file__).resolve().parent.parent
PY_GUEST = ROOT / "fixtures" / "guests" / "target" / "py_guest.component.wasm"
BUSY = ROOT / "fixtures" / "wat" / "busy.wat"
BURN = 2_000_000  # rounds per call: about 4 ms


def seconds(fn: Callable[[], object], rounds: int) -> list[float]:
    """Wall time of each of ``rounds`` calls of ``fn``."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


# --- load ------------------------------------------------------------------------------------------


def bench_load(rounds: int) -> dict[str, list[float]]:
    import wasmtime
    import wasmtime.component as wc

    import witbridge

    subprocess.run([ROOT / "scripts" / "build-py-guest", PY_GUEST], check=True)
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        first = []
        for i in range(max(1, rounds // 3)):
            engine = witbridge.Engine(cache_dir=Path(tmp) / f"cold{i}")
            first += seconds(lambda engine=engine: witbridge.Component.from_file(PY_GUEST, engine=engine), 1)
        results["witbridge: first load (compile, fill the cache)"] = first
        warm = Path(tmp) / "cold0"

        def cached() -> None:
            witbridge.Component.from_file(PY_GUEST, engine=witbridge.Engine(cache_dir=warm))

        results["witbridge: cached load (new Engine each time)"] = seconds(cached, rounds)
        artifact = witbridge.Component.from_file(PY_GUEST, engine=witbridge.Engine(cache_dir=warm)).serialize()
        results["witbridge: Component.deserialize"] = seconds(lambda: witbridge.Component.deserialize(artifact), rounds)

    engine = wasmtime.Engine()
    results["wasmtime-py: Component.from_file (compile)"] = seconds(
        lambda: wc.Component.from_file(engine, str(PY_GUEST)), max(1, rounds // 3)
    )
    serialized = wc.Component.from_file(engine, str(PY_GUEST)).serialize()
    results["wasmtime-py: Component.deserialize"] = seconds(
        lambda: wc.Component.deserialize(engine, serialized), rounds
    )
    return results


# --- threads ---------------------------------------------------------------------------------------


def throughput(make_call: Callable[[], Callable[[], object]], threads: int, calls: int) -> float:
    """Calls per second with ``threads`` threads, each making ``calls`` calls on its own instance."""
    callers = [make_call() for _ in range(threads)]
    for call in callers:
        call()  # warm up
    barrier = threading.Barrier(threads + 1)

    def work(call: Callable[[], object]) -> None:
        barrier.wait()
        for _ in range(calls):
            call()

    workers = [threading.Thread(target=work, args=(c,)) for c in callers]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    for w in workers:
        w.join()
    return threads * calls / (time.perf_counter() - start)


def witbridge_burn() -> Callable[[], object]:
    import witbridge

    burn = witbridge.load(BUSY).burn
    return lambda: burn(BURN)


def wasmtime_burn() -> Callable[[], object]:
    import wasmtime
    import wasmtime.component as wc

    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    component = wc.Component(engine, BUSY.read_text())
    instance = wc.Linker(engine).instantiate(store, component)
    index = component.get_export_index("burn")
    assert index is not None
    func = instance.get_func(store, index)
    assert func is not None
    return lambda: func(store, BURN)


def bench_threads(rounds: int, calls: int) -> dict[str, dict[str, list[float]]]:
    results: dict[str, dict[str, list[float]]] = {}
    for peer, make in [("witbridge", witbridge_burn), ("wasmtime-py", wasmtime_burn)]:
        one, two = [], []
        for _ in range(rounds):
            one.append(throughput(make, 1, calls))
            two.append(throughput(make, 2, calls))
        results[peer] = {"1 thread": one, "2 threads": two}
    return results


# --- interruption ------------------------------------------------------------------------------------


def bench_interruption(rounds: int) -> dict[str, list[float]]:
    import witbridge

    component = witbridge.Component.from_file(BUSY)
    bare_engine = witbridge.Engine(epoch_interruption=False, fuel=False, cache_dir=None)
    bare = witbridge.Linker(bare_engine).instantiate(witbridge.Component.from_file(BUSY, engine=bare_engine))
    linker = witbridge.Linker()
    cases = {
        "no epoch checks (Engine(epoch_interruption=False))": bare,
        "default engine (Ctrl-C can interrupt)": linker.instantiate(component),
        "Limits(timeout=60)": linker.instantiate(component, limits=witbridge.Limits(timeout=60)),
        "Limits(fuel=10**15)": linker.instantiate(component, limits=witbridge.Limits(fuel=10**15)),
    }
    results = {}
    for name, inst in cases.items():
        inst.burn(BURN)
        results[name] = seconds(lambda inst=inst: inst.burn(10 * BURN), rounds)
    return results


# --- report ------------------------------------------------------------------------------------------


def med(values: list[float]) -> float:
    return statistics.median(values)


def write(
    out: Path,
    env: dict[str, Any],
    load: dict[str, list[float]],
    threads: dict[str, Any],
    interrupt: dict[str, list[float]],
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "sandbox.json").write_text(
        json.dumps(
            {"environment": env, "load_s": load, "threads_calls_per_s": threads, "interruption_s": interrupt}, indent=2
        )
        + "\n"
    )
    first = med(load["witbridge: first load (compile, fill the cache)"])
    cached = med(load["witbridge: cached load (new Engine each time)"])
    lines = [
        "# Sandbox benchmark",
        "",
        f"{env['date']} · {env['machine']['cpu']} · {env['machine']['cores']} cores · "
        f"load {env['machine']['load_average_1min']['before']:.2f} before, "
        f"{env['machine']['load_average_1min']['after']:.2f} after",
        f"Python {env['versions']['python']} · witbridge {env['versions']['witbridge']} · "
        f"wasmtime {env['versions']['wasmtime (Rust, witbridge and native)']} · "
        f"wasmtime-py {env['versions']['wasmtime-py']}",
        f"`{env['command']}`",
        "",
        f"## Load: the componentize-py guest ({PY_GUEST.stat().st_size / 1e6:.1f} MB)",
        "",
        "| how | median | runs |",
        "|---|---|---|",
    ]
    for name, times in load.items():
        lines.append(f"| {name} | {med(times) * 1e3:,.1f} ms | {', '.join(f'{t * 1e3:,.0f}' for t in times)} |")
    lines += ["", f"Cached load is **{first / cached:.1f}x** faster than the first load (target: 20x).", ""]
    lines += [
        f"## Threads: CPU-bound calls (`burn({BURN:,})`, one instance per thread)",
        "",
        "| peer | 1 thread (calls/s) | 2 threads (calls/s) | speed-up |",
        "|---|---|---|---|",
    ]
    for peer, t in threads.items():
        one, two = med(t["1 thread"]), med(t["2 threads"])
        lines.append(f"| {peer} | {one:,.0f} | {two:,.0f} | {two / one:.2f}x |")
    lines += ["", "Target for witbridge: at least 1.7x on 2 cores.", ""]
    base = med(next(iter(interrupt.values())))
    lines += [
        f"## What limits cost a guest that never hits them (`burn({10 * BURN:,})`)",
        "",
        "| engine / limits | median | vs no epoch checks |",
        "|---|---|---|",
    ]
    for name, times in interrupt.items():
        lines.append(f"| {name} | {med(times) * 1e3:,.1f} ms | {med(times) / base:.2f}x |")
    (out / "sandbox.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke test)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    rounds = 3 if args.quick else 9
    load_before = os.getloadavg()[0]
    load = bench_load(rounds)
    threads = bench_threads(rounds if args.quick else 5, 20 if args.quick else 100)
    interrupt = bench_interruption(rounds)
    write(args.out, environment(None, load_before), load, threads, interrupt)
    print((args.out / "sandbox.md").read_text())


if __name__ == "__main__":
    main()
