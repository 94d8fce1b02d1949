#!/usr/bin/env python3
"""Bulk data through a guest and back, from 1 KiB to 256 MiB: time, MB/s and memory.

For each size, a fresh Python process loads the ``values`` guest and echoes a
``bytes`` of that size through ``echo-bytes``: the first call is the one that
grows the guest's memory, and its peak RSS, over the RSS of the process with
the input already built, is what the call cost in memory; then the call is
timed (median of rounds, as ``bench_calls.py`` does). The same is done for a
numpy ``float64`` array through ``echo-f64s`` with ``numeric_lists="numpy"``.
The native peer (``bench/native``, wasmtime's ``TypedFunc`` from Rust) times
``echo-bytes`` at the same sizes.

Usage: python bench/bench_bulk.py [--quick] [--out DIR]
Results: bench/results/bulk.md and bulk.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench_calls import FIXTURES, NATIVE_BIN, NATIVE_CRATE, ROOT, environment, format_ns

SIZES = [1 << 10, 16 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 256 << 20]

# Runs in a fresh process per size, so that one size's memory doesn't hide the next's.
CHILD = r"""
import json, resource, sys, time
import witbridge

kind, size, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fixtures = sys.argv[4]

def peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

if kind == "bytes":
    inst = witbridge.load(f"{fixtures}/values.wasm")
    echo = inst.values.echo_bytes
    data = bytes(range(256)) * (size // 256)
    small = b"x"
    same = lambda got: got == data
else:
    import numpy as np
    inst = witbridge.load(f"{fixtures}/values.wasm", numeric_lists="numpy")
    echo = inst.values.echo_f64s
    data = np.arange(size // 8, dtype=np.float64) * 0.5
    small = np.zeros(1)
    same = lambda got: bool(np.array_equal(got, data))
echo(small)
before = peak()
got = echo(data)
assert same(got), "the guest changed the data"
grown = peak() - before
del got
times = []
for _ in range(rounds):
    start = time.perf_counter_ns()
    echo(data)
    times.append(time.perf_counter_ns() - start)
times.sort()
print(json.dumps({"rss_growth": grown, "median_ns": times[len(times) // 2], "rounds": rounds}))
"""


def rounds_for(size: int, quick: bool) -> int:
    if quick:
        return 3
    return max(5, min(200, (512 << 20) // size))


def child(kind: str, size: int, rounds: int, fixtures: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(size), str(rounds), str(fixtures)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} at {size} bytes failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def native(fixtures: Path, quick: bool) -> dict[int, float]:
    build = subprocess.run(["cargo", "build", "--release", "--quiet", "-p", NATIVE_CRATE], cwd=ROOT, check=False)
    if build.returncode != 0:
        print("native peer: build failed, left out", flush=True)
        return {}
    command = [str(NATIVE_BIN), str(fixtures), "--only", "echo_bytes_sizes"]
    command += ["--rounds", "3", "--min-rounds", "3", "--target-ms", "20"] if quick else ["--rounds", "9"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    cases = json.loads(done.stdout)["cases"]
    return {size: float(cases[f"echo_bytes_{label(size).replace(' ', '')}"]["median_ns"]) for size in SIZES}


def label(size: int) -> str:
    return f"{size >> 20} MiB" if size >= 1 << 20 else f"{size >> 10} KiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="3 rounds per size (a smoke run)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="where results go")
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="directory of the .wasm fixtures")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    fixtures = args.fixtures.resolve()

    rows: list[dict[str, Any]] = []
    for kind in ("bytes", "numpy"):
        for size in SIZES:
            result = child(kind, size, rounds_for(size, args.quick), fixtures)
            rows.append({"kind": kind, "size": size, **result})
            print(
                f"  {kind:<6} {label(size):>8}  {format_ns(result['median_ns']):>10}  "
                f"{size / result['median_ns'] * 1e3:>8,.0f} MB/s  RSS +{result['rss_growth'] / size:.2f}x",
                flush=True,
            )
    natives = native(fixtures, args.quick)
    for row in rows:
        if row["kind"] == "bytes" and row["size"] in natives:
            row["native_ns"] = natives[row["size"]]

    env = environment(None, load_before)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bulk.json").write_text(json.dumps({**env, "results": rows}, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Bulk data benchmark",
        "",
        f"- Date: {env['date']}",
        f"- Machine: {env['machine']['cpu']}, {env['machine']['cores']} cores; 1-minute load average "
        f"{load_before:.2f} before the run",
        f"- Command: `{env['command']}`",
        "- Each row: a fresh process echoes a value of that size through the `values` guest. Time: the median "
        "of rounds after the first call; MB/s counts the payload once. RSS: how much the first call (which "
        "grows the guest's memory) raised the process's peak RSS, as a multiple of the payload: the guest's "
        "copy, the result's and anything else the call made. Native: wasmtime's `TypedFunc` from Rust, same "
        "guest, same sizes.",
        "",
        "| value | size | witbridge | MB/s | native | witbridge / native | peak RSS growth |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        value = "`bytes`, `echo-bytes`" if row["kind"] == "bytes" else "numpy float64, `echo-f64s`"
        native_ns = row.get("native_ns")
        native_cells = (
            f"{format_ns(native_ns)} | {row['median_ns'] / native_ns:.2f}x" if native_ns is not None else "— | —"
        )
        lines.append(
            f"| {value} | {label(row['size'])} | {format_ns(row['median_ns'])} | "
            f"{row['size'] / row['median_ns'] * 1e3:,.0f} | {native_cells} | "
            f"{row['rss_growth'] / 2**20:.1f} MiB ({row['rss_growth'] / row['size']:.2f}x) |"
        )
    (args.out / "bulk.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out / 'bulk.md'} and {args.out / 'bulk.json'}")


if __name__ == "__main__":
    main()
