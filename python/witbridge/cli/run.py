"""``witbridge run FILE [--dir HOST::GUEST] [--env K=V] -- ARGS``: run a command component."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import witbridge

EXIT_GUEST_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "run",
        help="run a wasi:cli/run command component",
        description="Run a command component (one exporting wasi:cli/run) with WASI; exit with its exit code. "
        "stdin, stdout and stderr are the terminal's; the guest sees no files and no environment but what "
        "--dir and --env give it.",
    )
    parser.add_argument("file", help="the component (.wasm), or WAT text")
    parser.add_argument(
        "--dir",
        action="append",
        default=[],
        metavar="HOST[::GUEST]",
        help="give the guest a host directory, as GUEST (default: the same path); repeatable",
    )
    parser.add_argument(
        "--dir-ro",
        action="append",
        default=[],
        metavar="HOST[::GUEST]",
        help="like --dir, read-only",
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="set an environment variable; repeatable"
    )
    parser.add_argument("--inherit-env", action="store_true", help="pass on this process's environment")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="stop the guest after this long")
    parser.add_argument("--fuel", type=int, metavar="N", help="stop the guest after N units of fuel")
    parser.add_argument("--max-memory", type=int, metavar="BYTES", help="the most linear memory the guest may use")
    parser.add_argument("args", nargs="*", help="the guest's arguments (after --)")
    parser.set_defaults(handler=run)


def _dirs(specs: list[str], read_only: bool) -> dict[str, witbridge.Preopen]:
    opened = {}
    for spec in specs:
        host, _, guest = spec.partition("::")
        opened[guest or host] = witbridge.Preopen(host, read_only=read_only)
    return opened


def _env(specs: list[str]) -> dict[str, str]:
    env = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not sep or not name:
            raise ValueError(f"--env {spec!r}: expected NAME=VALUE")
        env[name] = value
    return env


def run(args: argparse.Namespace) -> int:
    """Runs the command; returns the guest's exit code (or 1, 2, 130: see the module)."""
    try:
        wasi = witbridge.WasiConfig(
            args=args.args,
            env=_env(args.env),
            inherit_env=args.inherit_env,
            preopens={**_dirs(args.dir, False), **_dirs(args.dir_ro, True)},
            stdin="inherit",
            program=os.path.basename(args.file),
        )
        limits = witbridge.Limits(fuel=args.fuel, timeout=args.timeout, max_memory=args.max_memory)
        component = witbridge.Component.from_file(args.file)
        linker = witbridge.Linker(component.engine)
        linker.wasi(wasi)
        instance = linker.instantiate(component, limits=limits)
    except (OSError, ValueError, TypeError, witbridge.CompileError, witbridge.LinkError) as e:
        print(f"witbridge run: {e}", file=sys.stderr)
        return EXIT_USAGE
    except witbridge.Error as e:
        print(f"witbridge run: {e}", file=sys.stderr)
        return EXIT_GUEST_FAILED
    try:
        return instance.run()
    except KeyboardInterrupt:
        print("witbridge run: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except witbridge.Error as e:
        sys.stdout.flush()
        print(f"witbridge run: {e}", file=sys.stderr)
        return EXIT_GUEST_FAILED
