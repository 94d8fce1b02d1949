"""The ``witbridge`` command line (DESIGN.md §7).

Exit codes: 0 ok, 1 the guest failed (a trap, or ``Err``), 2 bad usage or
input; ``witbridge run`` exits with the guest's own exit code. Each verb is a
module here (``wit``, ``wat``, ``inspect``, ``call``, ``run``, ``bindgen``,
``compile``) with an ``add_parser`` that registers it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import witbridge
import witbridge._native

from . import bindgen, call, run, wat, wit
from . import compile as compile_
from . import inspect as inspect_

EXIT_OK = 0
EXIT_GUEST_FAILED = 1
EXIT_USAGE = 2


def parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    top = argparse.ArgumentParser(prog="witbridge", description="Run and inspect WebAssembly components.")
    top.add_argument(
        "--version",
        action="version",
        version=f"witbridge {witbridge.__version__} (wasmtime {witbridge._native.WASMTIME_VERSION})",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (wit, wat, inspect_, call, run, bindgen, compile_):
        command.add_parser(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after `--` belongs to the guest, verbatim (argparse would
    # still read options there once a subcommand is involved).
    tail: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, tail = argv[:split], argv[split + 1 :]
    args = parser().parse_args(argv)
    args.args = [*getattr(args, "args", []), *tail]
    return int(args.handler(args))


def console_main() -> None:
    """Entry point of the ``witbridge`` console script."""
    sys.exit(main())
