"""Benchmark: calls from a guest into Python, and resource method calls.

The two shapes of issue 3 that `bench_calls.py` doesn't cover, measured on
the `host_user` fixture for witbridge and for wasmtime-py's
`wasmtime.component` in the same run:

- `emit` (guest -> host): the guest calls the imported
  `events.emit(source: string, e: event)` 1,000 times per export call; the
  figure is the time per import call, the Python implementation being a
  function that does nothing.
- `counter.get` (resource method): a method call on a resource the guest
  exports, from Python.

Usage: python bench/bench_imports.py [--quick] [--out DIR]
Results: bench/results/imports.md and imports.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from bench_calls import Call, Measurement, Method, environment, format_ns, format_ratio, measure_side_by_side

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "wasm" / "host_user.component.wasm"
EMITS_PER_CALL = 1_000
CASES = {
    "emit": "guest -> Python import `emit(string, record)`, per import call",
    "counter_get": "exported resource method `counter.get()`",
}


def noop(*args: Any) -> None:
    return None


def prepare_witbridge() -> dict[str, Call]:
    import witbridge

    class File:
        def __init__(self, name: str) -> None:
            self._name = name

        def name(self) -> str:
            return self._name

        def write(self, data: bytes) -> int:
            return len(data)

        def size(self) -> int:
            return 0

        @staticmethod
        def sibling(of: File, name: str) -> File:
            return File(name)

    inst = witbridge.load(
        FIXTURE,
        imports={
            "witbridge:host/logger": {"log": noop},
            "witbridge:host/kv": {"get": noop, "set": noop, "remove": noop, "entries": list},
            "witbridge:host/events": {"emit": noop},
            "witbridge:host/files": {"file": File, "total_size": lambda files: 0},
            "tick": lambda n: n,
        },
    )
    counter = inst.counters.Counter(42)
    return {
        "emit": Call(inst.app.emit_many, (EMITS_PER_CALL,), lambda r: r == EMITS_PER_CALL),
        "counter_get": Call(counter.get, (), lambda r: r == 42),
    }


def prepare_wasmtime_component() -> dict[str, Call]:
    from wasmtime import Engine, Store
    from wasmtime.component import Component, Linker, ResourceHost, ResourceType

    engine = Engine()
    store = Store(engine)
    linker = Linker(engine)
    file_type = 1
    with linker.root() as root:
        root.add_func("tick", lambda st, n: n)
        with root.add_instance("witbridge:host/logger@0.1.0") as i:
            i.add_func("log", lambda st, level, message: None)
        with root.add_instance("witbridge:host/kv@0.1.0") as i:
            i.add_func("get", lambda st, key: None)
            i.add_func("set", lambda st, key, value: None)
            i.add_func("remove", lambda st, key: "missing")
            i.add_func("entries", lambda st: [])
        with root.add_instance("witbridge:host/events@0.1.0") as i:
            i.add_func("emit", lambda st, source, event: None)
        with root.add_instance("witbridge:host/files@0.1.0") as i:
            i.add_resource("file", ResourceType.host(file_type), lambda st, rep: None)
            i.add_func("[constructor]file", lambda st, name: ResourceHost.own(1, file_type))
            for method in ("name", "write", "size"):
                i.add_func(f"[method]file.{method}", lambda st, *args: 0)
            i.add_func("[static]file.sibling", lambda st, of, name: ResourceHost.own(2, file_type))
            i.add_func("total-size", lambda st, files: 0)
    instance = linker.instantiate(store, Component.from_file(engine, str(FIXTURE)))

    def func(interface: str, name: str) -> Any:
        index = instance.get_export_index(store, name, instance.get_export_index(store, interface))
        if index is None:
            raise SystemExit(f"the fixture exports no {interface}#{name}")
        return instance.get_func(store, index)

    emit_many = func("witbridge:host/app@0.1.0", "emit-many")
    constructor = func("witbridge:host/counters@0.1.0", "[constructor]counter")
    get = func("witbridge:host/counters@0.1.0", "[method]counter.get")
    counter = constructor(store, 42)
    constructor.post_return(store)

    def call_emit(n: int) -> Any:
        result = emit_many(store, n)
        emit_many.post_return(store)
        return result

    def call_get() -> Any:
        result = get(store, counter)
        get.post_return(store)
        return result

    return {
        "emit": Call(call_emit, (EMITS_PER_CALL,), lambda r: r == EMITS_PER_CALL),
        "counter_get": Call(call_get, (), lambda r: r == 42),
    }


PEERS = {"witbridge": prepare_witbridge, "wasmtime.component": prepare_wasmtime_component}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few short rounds (a smoke run)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="where results go")
    args = parser.parse_args()
    method = Method(rounds=5, target_ns=20_000_000, budget_ns=2_000_000_000, min_rounds=3)
    if not args.quick:
        method = Method(rounds=15, target_ns=75_000_000, budget_ns=30_000_000_000, min_rounds=5)
    load_before = os.getloadavg()[0]
    results: list[Measurement] = []
    prepared = {peer: prepare() for peer, prepare in PEERS.items()}
    for peer, calls in prepared.items():
        for case, call in calls.items():
            got = call.func(*call.args)
            if not call.check(got):
                print(f"{peer} {case}: wrong result {got!r}; not timed", file=sys.stderr)
                return 1
    for case in CASES:
        # The peers take their rounds in turn (see bench_calls.measure_side_by_side).
        for measurement in measure_side_by_side(case, {peer: calls[case] for peer, calls in prepared.items()}, method):
            if case == "emit":  # one export call makes EMITS_PER_CALL import calls
                measurement.round_ns_per_call = [ns / EMITS_PER_CALL for ns in measurement.round_ns_per_call]
            results.append(measurement)
            print(f"{case:12} {measurement.peer:20} {format_ns(measurement.median_ns)}", flush=True)
    env = environment(method, load_before)
    base = {m.case: m for m in results if m.peer == "witbridge"}
    lines = [
        "# Import and resource benchmark",
        "",
        f"- Date: {env['date']}; machine: {env['machine']['cpu']}, {env['machine']['cores']} cores; "
        f"load average {env['machine']['load_average_1min']['before']:.2f} before, "
        f"{env['machine']['load_average_1min']['after']:.2f} after",
        f"- Python {env['versions']['python']}, wasmtime-py {env['versions']['wasmtime-py']}, "
        f"witbridge {env['versions']['witbridge']}",
        f"- Command: `{env['command']}`",
        "- Median over rounds, the peers' rounds taken in turn; ratio: the peer's median divided by witbridge's.",
        "",
        "| case | peer | median | ratio to witbridge |",
        "|---|---|---:|---:|",
    ]
    for m in results:
        lines.append(
            f"| {CASES[m.case]} | {m.peer} | {format_ns(m.median_ns)} | "
            f"{format_ratio(m.median_ns / base[m.case].median_ns)} |"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "imports.md").write_text("\n".join(lines) + "\n")
    data = {
        "environment": env,
        "results": [
            {"case": m.case, "peer": m.peer, "median_ns": m.median_ns, "rounds_ns": m.round_ns_per_call}
            for m in results
        ],
    }
    (args.out / "imports.json").write_text(json.dumps(data, indent=2) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
