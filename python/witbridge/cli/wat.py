"""``witbridge wat FILE``: the text format of a component or core module."""

from __future__ import annotations

import argparse
from typing import Any

import witbridge
from witbridge import _native

from ._common import EXIT_OK, HELP_FORMAT, UsageError, fail, read_input, write_stdout


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "wat",
        help="print a component or core module as WAT text",
        description="Print the WebAssembly text format (WAT) of a component or core module, as wasm2wat or "
        "`wasm-tools print` would. WAT input is printed again in the canonical layout.",
        epilog="example:\n  witbridge wat fixtures/wasm/wasm_intro.wasm | less",
        formatter_class=HELP_FORMAT,
    )
    parser.add_argument("file", help="a component or core module (.wasm), or WAT text")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Prints the WAT; exit code 0, or 2 for input that isn't wasm."""
    try:
        text = _native._wat_text(read_input(args.file))
    except (UsageError, witbridge.CompileError) as e:
        return fail("wat", e)
    write_stdout(text)
    return EXIT_OK
