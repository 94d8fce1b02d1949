"""What the subcommands share: reading the input file, one-line errors, compiling with a note."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import witbridge

EXIT_OK = 0
EXIT_GUEST_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

# A compile that takes longer than this (seconds) says so on stderr.
SLOW_COMPILE = 1.0

HELP_FORMAT = argparse.RawDescriptionHelpFormatter


class UsageError(Exception):
    """A problem with the command line or its input, reported in one sentence (exit 2)."""


def read_input(path: str) -> bytes:
    """The bytes of the file ``path``, or a :class:`UsageError` that says why not."""
    file = Path(path)
    if file.is_dir():
        raise UsageError(f"{path} is a directory, not a WebAssembly file")
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from None


_WAT_LOCATION = re.compile(r"\n\s*--> [^\n]*?:(\d+):(\d+)\n.*", re.DOTALL)


def one_line(message: str) -> str:
    """``message`` on one line.

    WAT errors keep their first line and the position (line and column) of
    their source excerpt; other multi-line messages (a list of missing
    imports, say) have their lines joined.
    """
    message = _WAT_LOCATION.sub(r" (at line \1, column \2)", message)
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    joined = ""
    for line in lines:
        if joined:
            joined += " " if joined.endswith(":") else "; "
        joined += line
    return joined


def fail(verb: str, message: object, code: int = EXIT_USAGE) -> int:
    """Prints ``witbridge VERB: MESSAGE`` on one line to stderr; returns ``code``."""
    sys.stdout.flush()
    print(f"witbridge {verb}: {one_line(str(message))}", file=sys.stderr)
    return code


# Where a Trap's message starts repeating what the guest wrote to its stderr
# during the call (the heading of witbridge's section; the lines under it are
# indented, so a guest's own text can't look like it).
_STDERR_SECTION = re.compile(r"\n(?:the last \d+ bytes )?the guest wrote to stderr during the call:\n")


def trapped(verb: str, trap: witbridge.Trap) -> int:
    """Reports a trap on stderr, ``witbridge VERB: the guest trapped: MESSAGE`` and then the guest's
    backtrace one frame a line, as wasmtime prints it; returns :data:`EXIT_GUEST_FAILED`.

    Not :func:`fail`'s one line: a backtrace joined into one line is unreadable. The guest's
    stderr is the terminal's here, so what it wrote there during the call (a Rust guest's panic
    message) was shown already, and the message leaves it out rather than print it twice.
    """
    message = trap.message
    section = _STDERR_SECTION.search(message) if trap.stderr else None
    if section is not None:
        message = message[: section.start()]
    backtrace = f"\n{trap.backtrace}" if trap.backtrace else ""
    sys.stdout.flush()
    print(f"witbridge {verb}: the guest trapped: {message}{backtrace}", file=sys.stderr)
    return EXIT_GUEST_FAILED


def add_sandbox_options(parser: argparse.ArgumentParser) -> None:
    """What the guest may see and use: ``--dir``, ``--dir-ro``, ``--env``,
    ``--inherit-env``, and the limits ``--timeout``, ``--fuel``, ``--max-memory``."""
    parser.add_argument(
        "--dir",
        action="append",
        default=[],
        metavar="HOST[::GUEST]",
        help="give the guest a host directory, as GUEST (default: the same path); repeatable",
    )
    parser.add_argument("--dir-ro", action="append", default=[], metavar="HOST[::GUEST]", help="like --dir, read-only")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="set an environment variable; repeatable"
    )
    parser.add_argument("--inherit-env", action="store_true", help="pass on this process's environment")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="stop the guest after this long")
    parser.add_argument("--fuel", type=int, metavar="N", help="stop the guest after N units of fuel")
    parser.add_argument(
        "--max-memory",
        type=byte_size,
        metavar="SIZE",
        help="the most linear memory the guest may use: bytes, or with a unit (64MiB, 1.5GiB, 512KB)",
    )


# Binary units (KiB = 1024) and decimal ones (KB = 1000), as ls and df read them.
_UNITS = {
    "": 1,
    "b": 1,
    "k": 1 << 10,
    "kib": 1 << 10,
    "m": 1 << 20,
    "mib": 1 << 20,
    "g": 1 << 30,
    "gib": 1 << 30,
    "t": 1 << 40,
    "tib": 1 << 40,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
}


def byte_size(text: str) -> int:
    """``"64MiB"`` -> 67108864: a size in bytes, with an optional unit (argparse ``type=``)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text)
    unit = match and _UNITS.get(match.group(2).lower())
    if match is None or unit is None:
        units = "B, KiB, MiB, GiB, TiB (or K, M, G, T) and KB, MB, GB, TB"
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a size: expected a number of bytes, or one with a unit: {units}"
        )
    return int(float(match.group(1)) * unit) if "." in match.group(1) else int(match.group(1)) * unit


def _preopens(specs: list[str], read_only: bool) -> dict[str, witbridge.Preopen]:
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
            raise UsageError(f"--env {spec!r}: expected NAME=VALUE")
        env[name] = value
    return env


def sandbox(options: argparse.Namespace, **wasi: Any) -> tuple[witbridge.WasiConfig, witbridge.Limits]:
    """The WASI configuration and limits that :func:`add_sandbox_options` asked for.

    ``wasi`` adds to the configuration (``args=``, ``stdin=``); the program
    name is the file's name. Bad values raise ``UsageError``, ``ValueError``,
    ``TypeError`` or ``OSError``, all the user's to fix.
    """
    config = witbridge.WasiConfig(
        env=_env(options.env),
        inherit_env=options.inherit_env,
        preopens={**_preopens(options.dir, False), **_preopens(options.dir_ro, True)},
        program=os.path.basename(options.file),
        **wasi,
    )
    limits = witbridge.Limits(fuel=options.fuel, timeout=options.timeout, max_memory=options.max_memory)
    return config, limits


def add_wit_options(parser: argparse.ArgumentParser) -> None:
    """``--wit`` and ``--world``, for a core module that carries no WIT of its own."""
    parser.add_argument(
        "--wit", metavar="PATH", help="the WIT (a .wit file or directory) of a core module that carries none"
    )
    parser.add_argument("--world", metavar="NAME", help="the world in --wit that the core module implements")


def load_component(verb: str, path: str, wit: str | None = None, world: str | None = None) -> witbridge.Component:
    """Compiles the file at ``path`` (with ``--wit``/``--world``) with the default engine.

    A compile that takes over :data:`SLOW_COMPILE` seconds prints a note to
    stderr, since the user is left waiting with no output otherwise.
    """
    if world is not None and wit is None:
        raise UsageError("--world names a world in the WIT that --wit gives: pass --wit too")
    data = read_input(path)
    start = time.perf_counter()
    try:
        component = witbridge.Component.from_bytes(data, wit=wit, world=world)
    except witbridge.CompileError as e:
        # The native message gives the Python API's advice; say it in options.
        raise UsageError(str(e).replace("Pass wit= ", "Pass --wit ").replace(" and world= ", " and --world ")) from None
    took = time.perf_counter() - start
    if took > SLOW_COMPILE:
        cache = component.engine.cache_dir
        later = (
            f"the result is cached in {cache}, so next time it loads at once"
            if cache is not None
            else "the compile cache is off, so it takes as long next time"
        )
        print(f"witbridge {verb}: compiling {path} took {took:.1f} s; {later}", file=sys.stderr)
    return component


def write_stdout(text: str) -> None:
    """Writes ``text`` (and a final newline if it lacks one) to stdout.

    A reader that goes away early (``witbridge wat x.wasm | head``) is not an
    error: the rest of the output is dropped quietly.
    """
    try:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes stdout again at exit: point it somewhere harmless.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
