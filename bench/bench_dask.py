"""Benchmark: guest functions on a Dask cluster (issue 14), on local worker processes.

- scaling: a fixed CPU-bound workload, `burn` of fixtures/wat/busy.wat
  (xorshift rounds, all in wasm), in batches of calls (`PortableFunction.map`),
  on a `LocalCluster` of 1 worker process and of 2 (one thread each).
  Target: >= 1.7x with 2 workers on 2 cores.
- overhead: what one task costs against a local call: `add(u32, u32)` of
  fixtures/wasm/values.component.wasm called in this process, as one Dask
  task per call (the handle sent with each task, or scattered to the workers
  once), the same tasks with Python's `operator.add` (Dask's own cost), and
  one task of 1,000 calls (`starmap`).
- first result: the time from `submit` to the result of the first task on a
  worker process that has just started, with an empty compile cache (the
  worker compiles the component), with a warm one (it loads the compiled
  component), and the next task on the same worker (instance kept; the
  handle, component bytes included, sent with the task or scattered to the
  worker once), for
  values.component.wasm and, when it has been built, the 18 MB
  componentize-py guest.

Usage: python bench/bench_dask.py [--quick] [--out DIR]
Results: bench/results/dask.md and dask.json.
"""

from __future__ import annotations

import argparse
import json
import operator
import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench_calls import environment

ROOT = Path(__file__).resolve().parent.parent
BUSY = ROOT / "fixtures" / "wat" / "busy.wat"
VALUES = ROOT / "fixtures" / "wasm" / "values.component.wasm"
PY_GUEST = ROOT / "fixtures" / "guests" / "target" / "py_guest.component.wasm"
BURN = 2_000_000  # rounds per call: about 4 ms
BATCH = 10  # calls per task: about 40 ms
TASKS = 96  # tasks in the scaling workload: about 4 s on one core


@contextmanager
def cluster(workers: int, cache_dir: Path | None = None) -> Iterator[Any]:
    """A client of a fresh LocalCluster of ``workers`` processes, one thread each."""
    from distributed import Client, LocalCluster

    saved = os.environ.get("WITBRIDGE_CACHE_DIR")
    if cache_dir is not None:
        # Worker processes inherit the environment: this is their default cache.
        os.environ["WITBRIDGE_CACHE_DIR"] = str(cache_dir)
    try:
        with (
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as c,
            Client(c) as client,
        ):
            client.wait_for_workers(workers)
            yield client
    finally:
        if saved is None:
            os.environ.pop("WITBRIDGE_CACHE_DIR", None)
        else:
            os.environ["WITBRIDGE_CACHE_DIR"] = saved


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --- scaling -----------------------------------------------------------------------------------


def bench_scaling(rounds: int) -> dict[str, Any]:
    import witbridge

    burn = witbridge.PortableFunction(BUSY, "burn")
    batches = [[BURN + i * BATCH + j for j in range(BATCH)] for i in range(TASKS)]
    local = witbridge.load(BUSY)
    expected = [[local.burn(n) for n in batch] for batch in batches]
    results: dict[str, Any] = {
        "workload": f"{TASKS} tasks x {BATCH} calls of burn(~{BURN:,})",
        "in this process, no Dask (s)": [timed(lambda: [burn.map(b) for b in batches]) for _ in range(rounds)],
    }
    for workers in (1, 2):
        with cluster(workers) as client:
            client.gather(client.map(burn.map, batches[: 2 * workers], pure=False))  # compile, instantiate

            def run(client: Any = client) -> None:
                assert client.gather(client.map(burn.map, batches, pure=False)) == expected

            results[f"{workers} worker{'s' if workers > 1 else ''} (s)"] = [timed(run) for _ in range(rounds)]
    return results


# --- per-task overhead -------------------------------------------------------------------------


def bench_overhead(rounds: int, tasks: int) -> dict[str, list[float]]:
    """Seconds per call, each way."""
    import witbridge

    add = witbridge.PortableFunction(VALUES, "add")
    xs = list(range(tasks))
    expected = [2 * x for x in xs]
    add(1, 1)
    instance = witbridge.load(VALUES)
    results: dict[str, list[float]] = {
        "local call, Instance": [timed(lambda: [instance.add(x, x) for x in xs]) / tasks for _ in range(rounds)],
        "local call, PortableFunction": [timed(lambda: [add(x, x) for x in xs]) / tasks for _ in range(rounds)],
    }
    with cluster(2) as client:
        [scattered] = client.scatter([add], broadcast=True)
        client.gather(client.map(add, xs[:4], xs[:4], pure=False))
        client.gather(client.map(operator.call, [scattered] * 4, xs[:4], xs[:4], pure=False))
        cases: dict[str, Callable[[], list[Any]]] = {
            "Dask, one task per call, handle in each task": lambda: client.map(add, xs, xs, pure=False),
            "Dask, one task per call, handle scattered once": lambda: client.map(
                operator.call, [scattered] * tasks, xs, xs, pure=False
            ),
            "Dask, one task per call of operator.add (Dask alone)": lambda: client.map(
                operator.add, xs, xs, pure=False
            ),
            f"Dask, one task of {tasks:,} calls (starmap)": lambda: [
                client.submit(add.starmap, list(zip(xs, xs, strict=True)), pure=False)
            ],
        }
        for name in cases:
            results[name] = []
        for _ in range(rounds):  # the cases take turns, so that slow spells hit them alike
            for name, submit in cases.items():

                def run(submit: Callable[[], list[Any]] = submit) -> None:
                    got = client.gather(submit())
                    flat = got[0] if len(got) == 1 else got
                    assert flat == expected

                results[name].append(timed(run) / tasks)
    return results


# --- first result on a fresh worker ------------------------------------------------------------


def first_results(component: Path, export: str, args: tuple[Any, ...], rounds: int) -> dict[str, list[float]]:
    import witbridge

    function = witbridge.PortableFunction(component, export)
    expected = function(*args)
    times: dict[str, list[float]] = {
        "fresh worker, empty compile cache (compiles)": [],
        "fresh worker, warm compile cache (loads it)": [],
        "same worker, next task (instance kept)": [],
        "same worker, next task, handle scattered once": [],
        "fresh worker, a plain Python task (Dask alone)": [],
    }
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            for case in ("fresh worker, empty compile cache (compiles)", "fresh worker, warm compile cache (loads it)"):
                with cluster(1, cache_dir=Path(tmp)) as client:
                    start = time.perf_counter()
                    assert client.submit(function, *args, pure=False).result() == expected
                    times[case].append(time.perf_counter() - start)
                    start = time.perf_counter()
                    assert client.submit(function, *args, pure=False).result() == expected
                    times["same worker, next task (instance kept)"].append(time.perf_counter() - start)
                    [scattered] = client.scatter([function], broadcast=True)
                    assert client.submit(operator.call, scattered, *args, pure=False).result() == expected
                    start = time.perf_counter()
                    assert client.submit(operator.call, scattered, *args, pure=False).result() == expected
                    times["same worker, next task, handle scattered once"].append(time.perf_counter() - start)
            with cluster(1, cache_dir=Path(tmp)) as client:
                start = time.perf_counter()
                assert client.submit(operator.add, 1, 2, pure=False).result() == 3
                times["fresh worker, a plain Python task (Dask alone)"].append(time.perf_counter() - start)
    return times


def bench_first_result(rounds: int) -> dict[str, dict[str, list[float]]]:
    results = {
        f"values.component.wasm ({VALUES.stat().st_size // 1024} KiB), add(1, 2)": first_results(
            VALUES, "add", (1, 2), rounds
        )
    }
    if PY_GUEST.exists():
        name = f"py_guest.component.wasm ({PY_GUEST.stat().st_size / 1e6:.1f} MB, componentize-py), api.parse-int"
        results[name] = first_results(PY_GUEST, "api.parse-int", ("42",), max(1, rounds // 3))
    return results


# --- report ------------------------------------------------------------------------------------


def med(values: list[float]) -> float:
    return statistics.median(values)


def write(
    out: Path, env: dict[str, Any], scaling: dict[str, Any], overhead: dict[str, list[float]], first: Any
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "dask.json").write_text(
        json.dumps(
            {"environment": env, "scaling": scaling, "overhead_s_per_call": overhead, "first_result_s": first},
            indent=2,
        )
        + "\n"
    )
    import dask

    m = env["machine"]
    lines = [
        "# Dask benchmark",
        "",
        f"{env['date']} · {m['cpu']} · {m['cores']} cores · "
        f"load {m['load_average_1min']['before']:.2f} before, {m['load_average_1min']['after']:.2f} after",
        f"Python {env['versions']['python']} · witbridge {env['versions']['witbridge']} · "
        f"wasmtime {env['versions']['wasmtime (Rust, witbridge and native)']} · dask {dask.__version__}",
        f"`{env['command']}`",
        "",
        "Every cluster is a `distributed.LocalCluster` of worker processes with one thread each, on this machine; "
        "the scheduler and the client share its cores with the workers.",
        "",
    ]
    # The 1-minute average decays slowly: a process that just ended still
    # counts for about one. Past three quarters of the cores, the scaling
    # figure is suspect.
    if m["load_average_1min"]["before"] >= (os.cpu_count() or 2) * 0.75:
        lines += [
            f"**The machine was busy: load {m['load_average_1min']['before']:.2f} before the run.** Other processes "
            "held its cores, which the scaling figure shows more than anything of witbridge: run it again on an "
            "idle machine.",
            "",
        ]
    lines += [
        f"## Scaling: {scaling['workload']}",
        "",
        "| where | median | runs |",
        "|---|---|---|",
    ]
    timings = {k: v for k, v in scaling.items() if k != "workload"}
    for name, times in timings.items():
        lines.append(f"| {name.removesuffix(' (s)')} | {med(times):.2f} s | {', '.join(f'{t:.2f}' for t in times)} |")
    speedup = med(scaling["1 worker (s)"]) / med(scaling["2 workers (s)"])
    lines += ["", f"2 workers are **{speedup:.2f}x** as fast as 1 (target: 1.7x on 2 cores).", ""]
    local = med(overhead["local call, PortableFunction"])
    lines += [
        "## Per-task overhead: `add(u32, u32)`",
        "",
        "| how | per call | vs a local call |",
        "|---|---|---|",
    ]
    for name, times in overhead.items():
        t = med(times)
        lines.append(f"| {name} | {t * 1e6:,.1f} µs | {t / local:,.1f}x |")
    lines += [
        "",
        "A task costs Dask milliseconds whatever it runs (`operator.add` takes as long): give each task many calls "
        "(`PortableFunction.map` / `starmap`, a bag's or dataframe's partition).",
        "",
        "## Time to the first result on a fresh worker",
        "",
    ]
    for component, cases in first.items():
        lines += [f"### {component}", "", "| case | median | runs |", "|---|---|---|"]
        for name, times in cases.items():
            lines.append(f"| {name} | {med(times) * 1e3:,.0f} ms | {', '.join(f'{t * 1e3:,.0f}' for t in times)} |")
        lines.append("")
    (out / "dask.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke test)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", module="distributed")
    rounds = 2 if args.quick else 5
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as cache:
        os.environ["WITBRIDGE_CACHE_DIR"] = cache  # this process's, and the workers' unless said otherwise
        scaling = bench_scaling(rounds)
        overhead = bench_overhead(rounds, 300 if args.quick else 1000)
        first = bench_first_result(rounds)
    write(args.out, environment(None, load_before), scaling, overhead, first)
    print((args.out / "dask.md").read_text())


if __name__ == "__main__":
    main()
