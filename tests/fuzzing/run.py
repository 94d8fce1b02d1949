"""Runs the echo oracle under hypothesis for a given time, and reports.

    python -m tests.fuzzing.run --seconds 600 [--report fuzz/results/python_echo.md]

Hypothesis runs batches of examples, each batch from a fresh random seed,
until the time is up; the first failure stops the run, is printed shrunk
(with the ``@seed`` that reproduces it) and makes the exit code 1. The report
counts signatures, calls and executions, like the cargo fuzz targets' reports.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from .choices import DrawChoices
from .echo import STATS, exercise

BATCH = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def batch(batch_seed: int) -> None:
    @BATCH
    @seed(batch_seed)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        exercise(DrawChoices(data.draw))

    run()


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzzing.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to run (default 60)")
    parser.add_argument("--report", type=Path, help="write a markdown summary here")
    args = parser.parse_args(argv)

    started = time.monotonic()
    failure: str | None = None
    batches = 0
    while time.monotonic() - started < args.seconds:
        batch_seed = random.randrange(2**32)
        try:
            batch(batch_seed)
        except Exception as error:  # the oracle's AssertionError, or anything unexpected
            failure = f"batch seed {batch_seed}: {type(error).__name__}: {error}"
            print(failure, file=sys.stderr)
            break
        batches += 1
    elapsed = time.monotonic() - started

    calls = STATS.right_calls + STATS.wrong_arguments + STATS.wrong_returns
    lines = [
        "# python_echo: hypothesis through echo components",
        "",
        f"- date: {datetime.date.today().isoformat()}, commit {commit()}, Python {platform.python_version()}",
        f"- command: `python -m tests.fuzzing.run --seconds {args.seconds:g}`",
        f"- time: {elapsed:.0f} s, {batches} batches of up to {BATCH.max_examples} examples",
        f"- signatures generated and instantiated: {STATS.signatures}",
        f"- calls: {calls} ({STATS.right_calls} right, {STATS.wrong_arguments} wrong arguments, "
        f"{STATS.wrong_returns} wrong host answers), {calls / max(elapsed, 1e-9):.0f} per second",
        f"- failures: {'none' if failure is None else failure}",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(report)
    return 0 if failure is None else 1


if __name__ == "__main__":
    sys.exit(main())
