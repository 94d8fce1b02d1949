#!/usr/bin/env python3
"""Time nine calls into WebAssembly guests from four hosts, on the same fixtures, beside a floor.

Peers:

- ``witbridge``: this project (``witbridge.load(...)``).
- ``wasmtime.component``: wasmtime-py's component API on the ``*.component.wasm`` files.
- ``manual``: the seed article's approach, on wasmtime-py's core API and the core
  modules: mangled export names, ``cabi_realloc``, ``memory.read``/``write``,
  ``struct`` and ``cabi_post_*``, written as fast as that approach allows.
- ``native``: the same calls from Rust with wasmtime's ``TypedFunc`` (crate
  ``bench/native``), the limit that no Python host can beat.
- ``cpython``: no guest at all, for the cases where CPython's own work bounds
  what any Python host can reach (``echo_points``: making the 10,000 results).

Each peer's result is checked once before it is timed, so a broken peer cannot
post a fast number. Results go to ``<out>/calls.md`` and ``<out>/calls.json``.

Run it as ``python bench/bench_calls.py`` (``--help`` lists the options).
"""

from __future__ import annotations

import argparse
import array
import dataclasses
import datetime
import gc
import importlib
import importlib.metadata
import json
import os
import platform
import shlex
import struct
import subprocess
import sys
from collections.abc import Callable, Mapping
from itertools import repeat
from pathlib import Path
from time import perf_counter_ns
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "wasm"
NATIVE_CRATE = "witbridge-bench-native"
NATIVE_BIN = ROOT / "target" / "release" / NATIVE_CRATE

MACHINE_INTERFACE = "xyz:machine/machine-interface"
VALUES_INTERFACE = "witbridge:fixtures/values@0.1.0"

CASES = (
    "get_u32",
    "count_symbols",
    "run",
    "echo_string",
    "echo_bytes",
    "echo_u32s",
    "echo_f64s",
    "echo_points",
    "echo_points_numpy",
)
PEERS = ("witbridge", "wasmtime.component", "manual", "native", "cpython")
CASE_TITLES = {
    "get_u32": "get-u32() -> u32",
    "count_symbols": 'count-symbols("héllo wörld") -> u32',
    "run": "run(u64, point, point) -> run-result",
    "echo_string": "echo-string(1 MiB string)",
    "echo_bytes": "echo-bytes(1 MiB list<u8>)",
    "echo_u32s": "echo-u32s(256Ki list<u32>), array.array in and out",
    "echo_f64s": "echo-f64s(256Ki list<f64>), array.array in and out",
    "echo_points": "echo-points(10,000 list<point>)",
    "echo_points_numpy": "echo-points(10,000 list<point>), numpy structured array in and out",
}
# The native peer's case for each case that is only another form of one of
# its own (native Rust has no numpy: its `Vec<Point>` is the limit for both).
NATIVE_CASES = {"echo_points_numpy": "echo_points"}

SHORT_TEXT = "héllo wörld"
BIG = 1 << 20
BIG_TEXT = "a" * BIG
BIG_BYTES = bytes(range(256)) * (BIG // 256)
LIST_LEN = 1 << 18
U32S = array.array("I", range(LIST_LEN))
F64S = array.array("d", (i * 0.5 for i in range(LIST_LEN)))
POINTS = 10_000
# The payload of the bulk cases, counted once, for MB/s.
PAYLOAD = {
    "echo_string": BIG,
    "echo_bytes": BIG,
    "echo_u32s": 4 * LIST_LEN,
    "echo_f64s": 8 * LIST_LEN,
    "echo_points": 8 * POINTS,
    "echo_points_numpy": 8 * POINTS,
}
MACHINE_ID = 7
RUN_MESSAGE_PREFIX = f"machine {MACHINE_ID} run from"


class Call(NamedTuple):
    """One prepared call: ``func(*args)``, plus how to check what it returns."""

    func: Callable[..., Any]
    args: tuple[Any, ...]
    check: Callable[[Any], bool]


@dataclasses.dataclass
class Measurement:
    """The rounds of one case on one peer."""

    case: str
    peer: str
    calls_per_round: int
    round_ns_per_call: list[float]

    @property
    def median_ns(self) -> float:
        ordered = sorted(self.round_ns_per_call)
        mid = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[mid]
        return (ordered[mid - 1] + ordered[mid]) / 2

    @property
    def mb_per_s(self) -> float | None:
        """Payload throughput (10**6 bytes/s, the payload counted once) for the bulk cases."""
        payload = PAYLOAD.get(self.case)
        if payload is None:
            return None
        return payload / self.median_ns * 1e3


@dataclasses.dataclass
class Method:
    """How long to time each case."""

    rounds: int
    target_ns: int
    budget_ns: int
    min_rounds: int


# --- checks ---------------------------------------------------------------


def is_u32_123(value: Any) -> bool:
    return bool(value == 123)


def is_symbol_count(value: Any) -> bool:
    return bool(value == len(SHORT_TEXT))


def is_run_result(machine_id: Any, message: Any) -> bool:
    return machine_id == 1 and isinstance(message, str) and message.startswith(RUN_MESSAGE_PREFIX)


def is_big_text(value: Any) -> bool:
    return isinstance(value, str) and value == BIG_TEXT


def is_big_bytes(value: Any) -> bool:
    return isinstance(value, bytes | bytearray) and value == BIG_BYTES


def is_u32s(value: Any) -> bool:
    return (
        isinstance(value, array.array | list)
        and len(value) == LIST_LEN
        and list(value[:3]) == [0, 1, 2]
        and (value[-1] == LIST_LEN - 1)
    )


def is_f64s(value: Any) -> bool:
    return isinstance(value, array.array | list) and len(value) == LIST_LEN and value[-1] == (LIST_LEN - 1) * 0.5


def is_points(value: Any, x: Callable[[Any], int], y: Callable[[Any], int]) -> bool:
    return len(value) == POINTS and x(value[-1]) == POINTS - 1 and y(value[-1]) == 1 - POINTS


def is_point_array(value: Any) -> bool:
    import numpy as np

    return isinstance(value, np.ndarray) and is_points(value, lambda p: int(p["x"]), lambda p: int(p["y"]))


def point_array() -> Any:
    """The points of ``echo_points`` as a numpy structured array of ``point``'s layout."""
    import numpy as np

    points = np.zeros(POINTS, dtype=np.dtype([("x", "<i4"), ("y", "<i4")], align=True))
    points["x"] = np.arange(POINTS)
    points["y"] = -np.arange(POINTS)
    return points


# --- peers ----------------------------------------------------------------


def prepare_witbridge(fixtures: Path) -> dict[str, Call]:
    """witbridge's public API, used the way DESIGN.md shows it."""
    witbridge: Any = importlib.import_module("witbridge")
    mi = witbridge.load(str(fixtures / "wasm_intro.wasm")).machine_interface
    values = witbridge.load(str(fixtures / "values.wasm")).values
    # Numeric lists out as array.array: one object and one copy for the list.
    arrays = witbridge.load(str(fixtures / "values.wasm"), numeric_lists="array").values
    # Lists of records of numbers as numpy structured arrays, in and out.
    structured = witbridge.load(str(fixtures / "values.wasm"), numeric_lists="numpy").values
    points = [values.Point(x=i, y=-i) for i in range(POINTS)]
    return {
        "get_u32": Call(mi.get_u32, (), is_u32_123),
        "count_symbols": Call(mi.count_symbols, (SHORT_TEXT,), is_symbol_count),
        "run": Call(
            mi.run,
            (MACHINE_ID, mi.Point(x=1, y=2), mi.Point(x=3, y=4)),
            lambda r: is_run_result(r.machine_id, r.message),
        ),
        "echo_string": Call(values.echo_string, (BIG_TEXT,), is_big_text),
        "echo_bytes": Call(values.echo_bytes, (BIG_BYTES,), is_big_bytes),
        "echo_u32s": Call(arrays.echo_u32s, (U32S,), is_u32s),
        "echo_f64s": Call(arrays.echo_f64s, (F64S,), is_f64s),
        "echo_points": Call(values.echo_points, (points,), lambda r: is_points(r, lambda p: p.x, lambda p: p.y)),
        "echo_points_numpy": Call(structured.echo_points, (point_array(),), is_point_array),
    }


def prepare_wasmtime_component(fixtures: Path) -> dict[str, Call]:
    """wasmtime-py's component API: export indices looked up once, then ``func(store, *args)``.

    Records go in as any object with the fields as attributes (``Record``) and
    come back as ``Record`` with the WIT (kebab-case) names as attributes.
    wasmtime 48+ needs no ``post_return`` after a call.
    """
    import wasmtime
    import wasmtime.component as wc

    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)

    def functions(path: Path, interface: str, names: list[str]) -> dict[str, wc.Func]:
        component = wc.Component.from_file(engine, path)
        instance = wc.Linker(engine).instantiate(store, component)
        iface = component.get_export_index(interface)
        assert iface is not None, f"{path.name} does not export {interface}"
        found = {}
        for name in names:
            index = component.get_export_index(name, iface)
            func = instance.get_func(store, index) if index is not None else None
            assert func is not None, f"{path.name} has no {interface}#{name}"
            found[name] = func
        return found

    mi = functions(fixtures / "wasm_intro.component.wasm", MACHINE_INTERFACE, ["get-u32", "count-symbols", "run"])
    values = functions(
        fixtures / "values.component.wasm",
        VALUES_INTERFACE,
        ["echo-string", "echo-bytes", "echo-u32s", "echo-f64s", "echo-points"],
    )

    def point(x: int, y: int) -> wc.Record:
        record = wc.Record()
        record.x = x  # type: ignore[attr-defined]
        record.y = y  # type: ignore[attr-defined]
        return record

    echo_points = Call(
        values["echo-points"],
        (store, [point(i, -i) for i in range(POINTS)]),
        lambda r: is_points(r, lambda p: p.x, lambda p: p.y),
    )
    return {
        "get_u32": Call(mi["get-u32"], (store,), is_u32_123),
        "count_symbols": Call(mi["count-symbols"], (store, SHORT_TEXT), is_symbol_count),
        "run": Call(
            mi["run"],
            (store, MACHINE_ID, point(1, 2), point(3, 4)),
            lambda r: is_run_result(getattr(r, "machine-id"), r.message),
        ),
        "echo_string": Call(values["echo-string"], (store, BIG_TEXT), is_big_text),
        "echo_bytes": Call(values["echo-bytes"], (store, BIG_BYTES), is_big_bytes),
        # Its lists are Python lists, in and out.
        "echo_u32s": Call(values["echo-u32s"], (store, U32S.tolist()), is_u32s),
        "echo_f64s": Call(values["echo-f64s"], (store, F64S.tolist()), is_f64s),
        "echo_points": echo_points,
        # It has no arrays of records: the same call as for a list.
        "echo_points_numpy": echo_points,
    }


class ManualPoint(NamedTuple):
    """The caller's own point type for the manual peer."""

    x: int
    y: int


def prepare_manual(fixtures: Path) -> dict[str, Call]:
    """The seed article's approach, as fast as it goes.

    Each function binds what it needs to locals once; a call allocates guest
    memory with ``cabi_realloc``, copies whole buffers with ``memory.write`` /
    ``memory.read``, unpacks ``(ptr, len)`` with a precompiled ``struct``, and
    calls ``cabi_post_*`` after reading a returned buffer. Records are passed
    flattened, as the canonical ABI lays them out (``run`` takes
    ``i64, i32, i32, i32, i32`` and returns a pointer to ``{u64, ptr, len}``).
    A ``list<u8>`` comes back as the ``bytearray`` that ``memory.read`` makes.
    """
    import wasmtime

    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    u32 = 0xFFFF_FFFF
    ptr_len = struct.Struct("<II")
    run_result = struct.Struct("<QII")

    def exports(path: Path) -> Mapping[str, Any]:
        module = wasmtime.Module.from_file(engine, path)
        return wasmtime.Linker(engine).instantiate(store, module).exports(store)

    def memory_of(found: Mapping[str, Any]) -> wasmtime.Memory:
        memory = found["memory"]
        assert isinstance(memory, wasmtime.Memory)
        return memory

    def func_of(found: Mapping[str, Any], name: str) -> wasmtime.Func:
        func = found[name]
        assert isinstance(func, wasmtime.Func), f"no function {name}"
        return func

    mi = exports(fixtures / "wasm_intro.wasm")
    memory = memory_of(mi)
    realloc = func_of(mi, "cabi_realloc")
    get_u32_core = func_of(mi, f"{MACHINE_INTERFACE}#get-u32")
    count_symbols_core = func_of(mi, f"{MACHINE_INTERFACE}#count-symbols")
    run_core = func_of(mi, f"{MACHINE_INTERFACE}#run")
    run_post = func_of(mi, f"cabi_post_{MACHINE_INTERFACE}#run")

    def get_u32() -> int:
        return int(get_u32_core(store)) & u32

    def count_symbols(s: str) -> int:
        data = bytearray(s, "utf-8")
        n = len(data)
        ptr = realloc(store, 0, 0, 1, n)
        memory.write(store, data, ptr)
        return int(count_symbols_core(store, ptr, n)) & u32

    def run(machine: int, start: ManualPoint, destination: ManualPoint) -> tuple[int, str]:
        ret = run_core(store, machine, start.x, start.y, destination.x, destination.y)
        machine_id, ptr, n = run_result.unpack(memory.read(store, ret, ret + 16))
        message = memory.read(store, ptr, ptr + n).decode()
        run_post(store, ret)
        return machine_id, message

    values = exports(fixtures / "values.wasm")
    v_memory = memory_of(values)
    v_realloc = func_of(values, "cabi_realloc")
    echo_string_core = func_of(values, f"{VALUES_INTERFACE}#echo-string")
    echo_string_post = func_of(values, f"cabi_post_{VALUES_INTERFACE}#echo-string")
    echo_bytes_core = func_of(values, f"{VALUES_INTERFACE}#echo-bytes")
    echo_bytes_post = func_of(values, f"cabi_post_{VALUES_INTERFACE}#echo-bytes")

    def echo_string(s: str) -> str:
        data = bytearray(s, "utf-8")
        n = len(data)
        ptr = v_realloc(store, 0, 0, 1, n)
        v_memory.write(store, data, ptr)
        ret = echo_string_core(store, ptr, n)
        out_ptr, out_n = ptr_len.unpack(v_memory.read(store, ret, ret + 8))
        text = v_memory.read(store, out_ptr, out_ptr + out_n).decode()
        echo_string_post(store, ret)
        return text

    def echo_bytes(b: bytes) -> bytearray:
        n = len(b)
        ptr = v_realloc(store, 0, 0, 1, n)
        v_memory.write(store, b, ptr)
        ret = echo_bytes_core(store, ptr, n)
        out_ptr, out_n = ptr_len.unpack(v_memory.read(store, ret, ret + 8))
        data = v_memory.read(store, out_ptr, out_ptr + out_n)
        echo_bytes_post(store, ret)
        return data

    def array_echo(name: str, code: str) -> Callable[[array.array[Any]], array.array[Any]]:
        core = func_of(values, f"{VALUES_INTERFACE}#{name}")
        post = func_of(values, f"cabi_post_{VALUES_INTERFACE}#{name}")
        size = array.array(code).itemsize

        def echo(items: array.array[Any]) -> array.array[Any]:
            n = len(items)
            ptr = v_realloc(store, 0, 0, size, n * size)
            v_memory.write(store, items.tobytes(), ptr)
            ret = core(store, ptr, n)
            out_ptr, out_n = ptr_len.unpack(v_memory.read(store, ret, ret + 8))
            out = array.array(code)
            out.frombytes(v_memory.read(store, out_ptr, out_ptr + out_n * size))
            post(store, ret)
            return out

        return echo

    echo_points_core = func_of(values, f"{VALUES_INTERFACE}#echo-points")
    echo_points_post = func_of(values, f"cabi_post_{VALUES_INTERFACE}#echo-points")

    def echo_points(points: list[ManualPoint]) -> list[ManualPoint]:
        n = len(points)
        flat = [c for p in points for c in p]
        ptr = v_realloc(store, 0, 0, 4, 8 * n)
        v_memory.write(store, struct.pack(f"<{2 * n}i", *flat), ptr)
        ret = echo_points_core(store, ptr, n)
        out_ptr, out_n = ptr_len.unpack(v_memory.read(store, ret, ret + 8))
        coords = struct.unpack(f"<{2 * out_n}i", v_memory.read(store, out_ptr, out_ptr + 8 * out_n))
        echo_points_post(store, ret)
        return [ManualPoint(coords[i], coords[i + 1]) for i in range(0, 2 * out_n, 2)]

    def echo_point_array(points: Any) -> Any:
        import numpy as np

        n = len(points)
        ptr = v_realloc(store, 0, 0, 4, 8 * n)
        v_memory.write(store, points.tobytes(), ptr)
        ret = echo_points_core(store, ptr, n)
        out_ptr, out_n = ptr_len.unpack(v_memory.read(store, ret, ret + 8))
        out = np.frombuffer(v_memory.read(store, out_ptr, out_ptr + 8 * out_n), dtype=points.dtype)
        echo_points_post(store, ret)
        return out

    return {
        "get_u32": Call(get_u32, (), is_u32_123),
        "count_symbols": Call(count_symbols, (SHORT_TEXT,), is_symbol_count),
        "run": Call(
            run,
            (MACHINE_ID, ManualPoint(1, 2), ManualPoint(3, 4)),
            lambda r: is_run_result(r[0], r[1]),
        ),
        "echo_string": Call(echo_string, (BIG_TEXT,), is_big_text),
        "echo_bytes": Call(echo_bytes, (BIG_BYTES,), is_big_bytes),
        "echo_u32s": Call(array_echo("echo-u32s", "I"), (U32S,), is_u32s),
        "echo_f64s": Call(array_echo("echo-f64s", "d"), (F64S,), is_f64s),
        "echo_points": Call(
            echo_points,
            ([ManualPoint(i, -i) for i in range(POINTS)],),
            lambda r: is_points(r, lambda p: p.x, lambda p: p.y),
        ),
        "echo_points_numpy": Call(echo_point_array, (point_array(),), is_point_array),
    }


def prepare_cpython(fixtures: Path) -> dict[str, Call]:
    """CPython alone, with no guest: a floor under what any Python host can reach.

    ``echo_points`` must hand back 10,000 new Python objects holding 20,000 new
    ints (and free the last call's). Here CPython makes the cheapest such
    result, 10,000 two-int tuples (which come from a free list), from the
    points' bytes in one C loop, ``struct.iter_unpack``; reading the argument
    and running the guest are left out, so every real host takes longer.
    """
    del fixtures  # nothing is loaded
    point_bytes = struct.pack(f"<{2 * POINTS}i", *(v for i in range(POINTS) for v in (i, -i)))
    unpack = struct.Struct("<ii").iter_unpack

    def make_points(data: bytes) -> list[tuple[int, int]]:
        return list(unpack(data))

    return {
        "echo_points": Call(make_points, (point_bytes,), lambda r: is_points(r, lambda p: p[0], lambda p: p[1])),
    }


PYTHON_PEERS: dict[str, Callable[[Path], dict[str, Call]]] = {
    "witbridge": prepare_witbridge,
    "wasmtime.component": prepare_wasmtime_component,
    "manual": prepare_manual,
    "cpython": prepare_cpython,
}


# --- timing ---------------------------------------------------------------


def run_batch(call: Call, n: int) -> int:
    """Nanoseconds that ``n`` calls take."""
    func, args = call.func, call.args
    start = perf_counter_ns()
    for _ in repeat(None, n):
        func(*args)
    return perf_counter_ns() - start


def plan(call: Call, method: Method) -> tuple[int, int]:
    """Warm ``call`` up and choose (N, rounds): N calls make a round of about ``method.target_ns``."""
    # Warm-up, doubling the batch until it lasts a tenth of a round; then one
    # more batch of that size for the estimate of one call.
    batch = 1
    while run_batch(call, batch) < method.target_ns // 10 and batch < 1 << 24:
        batch *= 2
    per_call = run_batch(call, batch) / batch
    calls_per_round = max(1, round(method.target_ns / per_call))
    affordable = int(method.budget_ns / (per_call * calls_per_round))
    return calls_per_round, min(method.rounds, max(method.min_rounds, affordable))


def measure_side_by_side(case: str, calls: Mapping[str, Call], method: Method) -> list[Measurement]:
    """Times ``case`` on several peers, taking their rounds in turn.

    A shared VM has spells, seconds long, in which everything runs up to twice
    as slow. Timed one after the other, one peer could get a slow spell and the
    next a fast one, and their ratio would say more about the spells than about
    the peers. Taken in turn, every peer's rounds sample the same spells.
    """
    plans = {peer: plan(call, method) for peer, call in calls.items()}
    samples: dict[str, list[float]] = {peer: [] for peer in calls}
    gc.collect()
    gc.disable()
    try:
        for r in range(max(rounds for _, rounds in plans.values())):
            for peer, call in calls.items():
                calls_per_round, rounds = plans[peer]
                if r < rounds:
                    samples[peer].append(run_batch(call, calls_per_round) / calls_per_round)
    finally:
        gc.enable()
    return [Measurement(case, peer, plans[peer][0], samples[peer]) for peer in calls]


def measure(case: str, peer: str, call: Call, method: Method) -> Measurement:
    """Times ``case`` on one peer."""
    return measure_side_by_side(case, {peer: call}, method)[0]


def run_python_peers(
    peers: list[str], cases: list[str], method: Method, fixtures: Path, skipped: dict[str, str]
) -> list[Measurement]:
    """Times the Python peers, side by side, case after case."""
    prepared: dict[str, dict[str, Call]] = {}
    for peer in peers:
        try:
            prepared[peer] = PYTHON_PEERS[peer](fixtures)
        except ImportError as error:
            reason = f"cannot be imported ({type(error).__name__}: {error})"
            print(f"SKIPPED peer {peer}: {reason}", flush=True)
            skipped[peer] = reason
    # Run every case for a moment before timing any: the first case measured
    # in a fresh process otherwise pays for cold caches and a CPU still
    # clocking up (seen as 50% slower than in a run of that case alone).
    # A peer may have only some of the cases (the cpython floor).
    for calls in prepared.values():
        for case in (c for c in cases if c in calls):
            spin_until = perf_counter_ns() + 200_000_000
            while perf_counter_ns() < spin_until:
                run_batch(calls[case], 64)
    for peer, calls in prepared.items():
        for case in (c for c in cases if c in calls):
            call = calls[case]
            first = call.func(*call.args)
            if not call.check(first):
                shown = repr(first)[:120]
                raise SystemExit(f"peer {peer} returned a wrong result for {case}: {shown}")
    results = []
    for case in cases:
        side_by_side = {peer: calls[case] for peer, calls in prepared.items() if case in calls}
        for m in measure_side_by_side(case, side_by_side, method):
            print(f"  {case:<14} {m.peer:<19} {format_ns(m.median_ns):>10}", flush=True)
            results.append(m)
    return results


def run_native(
    cases: list[str], method: Method, fixtures: Path, skipped: dict[str, str], only: str | None
) -> list[Measurement]:
    """Build (if needed) and run the Rust peer; fold its JSON into measurements."""
    build = subprocess.run(
        ["cargo", "build", "--release", "--quiet", "-p", NATIVE_CRATE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if build.returncode != 0 or not NATIVE_BIN.exists():
        reason = f"cargo build -p {NATIVE_CRATE} failed: {build.stderr.strip()[-400:]}"
        print(f"SKIPPED peer native: {reason}", flush=True)
        skipped["native"] = reason
        return []
    command = [
        str(NATIVE_BIN),
        str(fixtures),
        "--rounds",
        str(method.rounds),
        "--min-rounds",
        str(method.min_rounds),
        "--target-ms",
        str(method.target_ns // 1_000_000),
        "--budget-s",
        str(method.budget_ns // 1_000_000_000),
    ]
    if only is not None:
        command += ["--only", NATIVE_CASES.get(only, only)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"peer native failed:\n{done.stderr}")
    report = json.loads(done.stdout)
    results = []
    for case in cases:
        entry = report["cases"][NATIVE_CASES.get(case, case)]
        m = Measurement(case, "native", int(entry["calls_per_round"]), list(entry["round_ns_per_call"]))
        print(f"  {case:<14} {'native':<19} {format_ns(m.median_ns):>10}", flush=True)
        results.append(m)
    return results


# --- reporting ------------------------------------------------------------


def format_ns(ns: float) -> str:
    if ns < 1_000:
        return f"{ns:.0f} ns"
    if ns < 1_000_000:
        return f"{ns / 1_000:.2f} µs"
    return f"{ns / 1_000_000:.2f} ms"


def format_ratio(r: float | None) -> str:
    if r is None:
        return "—"
    if r >= 100:
        return f"{r:.0f}x"
    return f"{r:.2f}x" if r >= 0.1 else f"{r:.2g}x"


def format_mb(mb_per_s: float) -> str:
    return f"{mb_per_s:,.0f}" if mb_per_s >= 100 else f"{mb_per_s:.3g}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def rust_wasmtime_version() -> str | None:
    """The wasmtime the Rust side (witbridge and native) links, from Cargo.lock."""
    try:
        lines = (ROOT / "Cargo.lock").read_text().splitlines()
    except OSError:
        return None
    for i, line in enumerate(lines[:-1]):
        if line == 'name = "wasmtime"' and lines[i + 1].startswith("version = "):
            return lines[i + 1].split('"')[1]
    return None


def environment(method: Method | None, load_before: float) -> dict[str, Any]:
    """The machine, versions and command of a run, for its results (and ``method``'s timing settings)."""
    witbridge_version = package_version("witbridge")
    if witbridge_version is None:
        try:
            witbridge_version = str(importlib.import_module("witbridge").__version__)
        except (ImportError, AttributeError):
            witbridge_version = None
    env: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "cpu_affinity": sorted(os.sched_getaffinity(0)),
            "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
        },
        "versions": {
            "python": platform.python_version(),
            "wasmtime-py": package_version("wasmtime"),
            "witbridge": witbridge_version,
            "wasmtime (Rust, witbridge and native)": rust_wasmtime_version(),
        },
        "command": shlex.join(sys.orig_argv),
    }
    if method is not None:
        env["method"] = {
            "rounds": method.rounds,
            "min_rounds": method.min_rounds,
            "target_round_ms": method.target_ns / 1e6,
            "budget_per_case_s": method.budget_ns / 1e9,
        }
    return env


def ratio(m: Measurement, base: dict[str, Measurement]) -> float | None:
    wb = base.get(m.case)
    return m.median_ns / wb.median_ns if wb is not None else None


def write_markdown(path: Path, env: dict[str, Any], results: list[Measurement], skipped: dict[str, str]) -> None:
    base = {m.case: m for m in results if m.peer == "witbridge"}
    versions = env["versions"]
    machine = env["machine"]
    load = machine["load_average_1min"]
    lines = [
        "# Call benchmark",
        "",
        f"- Date: {env['date']}",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores ({machine['platform']}); "
        f"1-minute load average {load['before']:.2f} before the run, {load['after']:.2f} after; "
        f"run on CPU {', '.join(map(str, machine['cpu_affinity']))}",
        f"- Python {versions['python']}, wasmtime-py {versions['wasmtime-py']}, "
        f"witbridge {versions['witbridge'] or '(not installed)'}, "
        f"wasmtime (Rust) {versions['wasmtime (Rust, witbridge and native)']}",
        f"- Command: `{env['command']}`",
        f"- Method: median over up to {env['method']['rounds']} rounds (at least "
        f"{env['method']['min_rounds']}) of N calls, N chosen so a round lasts about "
        f"{env['method']['target_round_ms']:.0f} ms; fewer rounds when a case would take more than "
        f"{env['method']['budget_per_case_s']:.0f} s. The Python peers take their rounds of a case in "
        "turn, so that a spell of slowness on the machine hits them alike; native runs afterwards, "
        "in its own process.",
        "- Ratio: the peer's median divided by witbridge's (above 1: witbridge is that many times faster).",
        "",
        "| case | peer | median per call | ratio to witbridge | MB/s | rounds x N |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for m in results:
        r = ratio(m, base)
        mbs = m.mb_per_s
        lines.append(
            f"| {CASE_TITLES[m.case]} | {m.peer} | {format_ns(m.median_ns)} | "
            f"{format_ratio(r)} | {'' if mbs is None else format_mb(mbs)} | "
            f"{len(m.round_ns_per_call)} x {m.calls_per_round} |"
        )
    if skipped:
        lines += ["", "Skipped peers:", ""]
        lines += [f"- {peer}: {reason}" for peer, reason in skipped.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_json(path: Path, env: dict[str, Any], results: list[Measurement], skipped: dict[str, str]) -> None:
    base = {m.case: m for m in results if m.peer == "witbridge"}
    rows = [
        {
            "case": m.case,
            "title": CASE_TITLES[m.case],
            "peer": m.peer,
            "median_ns": round(m.median_ns, 3),
            "ratio_to_witbridge": None if (r := ratio(m, base)) is None else round(r, 4),
            "mb_per_s": None if (mbs := m.mb_per_s) is None else round(mbs, 1),
            "rounds": len(m.round_ns_per_call),
            "calls_per_round": m.calls_per_round,
            "round_ns_per_call": [round(x, 3) for x in m.round_ns_per_call],
        }
        for m in results
    ]
    payload = {**env, "skipped": skipped, "results": rows}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 rounds of ~20 ms")
    parser.add_argument("--only", choices=CASES, help="time one case only")
    parser.add_argument("--peer", action="append", choices=PEERS, help="time this peer (repeatable)")
    parser.add_argument("--rounds", type=int, default=15, help="rounds per case and peer (default 15)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="results directory")
    parser.add_argument(
        "--pin", type=int, metavar="CPU", help="run on this CPU only (the native peer too): steadier figures"
    )
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="directory of the .wasm fixtures")
    args = parser.parse_args()

    if args.pin is not None:
        os.sched_setaffinity(0, {args.pin})
    if args.quick:
        method = Method(rounds=3, target_ns=20_000_000, budget_ns=3_000_000_000, min_rounds=3)
    else:
        method = Method(rounds=args.rounds, target_ns=75_000_000, budget_ns=30_000_000_000, min_rounds=5)
    cases = [args.only] if args.only else list(CASES)
    peers = [p for p in PEERS if not args.peer or p in args.peer]
    fixtures = args.fixtures.resolve()

    load_before = os.getloadavg()[0]
    skipped: dict[str, str] = {}
    results: list[Measurement] = []
    python_peers = [p for p in peers if p != "native"]
    if python_peers:
        print(f"{', '.join(python_peers)}, side by side:", flush=True)
        results += run_python_peers(python_peers, cases, method, fixtures, skipped)
    if "native" in peers:
        print("native:", flush=True)
        results += run_native(cases, method, fixtures, skipped, args.only)
    results.sort(key=lambda m: (CASES.index(m.case), PEERS.index(m.peer)))

    env = environment(method, load_before)
    args.out.mkdir(parents=True, exist_ok=True)
    write_markdown(args.out / "calls.md", env, results, skipped)
    write_json(args.out / "calls.json", env, results, skipped)
    print(f"wrote {args.out / 'calls.md'} and {args.out / 'calls.json'}")


if __name__ == "__main__":
    main()
