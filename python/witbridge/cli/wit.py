"""``witbridge wit FILE``: the world of a component, as WIT text."""

from __future__ import annotations

import argparse
from typing import Any

import witbridge
from witbridge import _native

from ._common import EXIT_OK, HELP_FORMAT, UsageError, fail, read_input, write_stdout


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "wit",
        help="print the world of a component as WIT",
        description="Print the WIT world of a component, of a component in WAT text, or of a core module "
        "that carries its WIT (wit-bindgen's component-type section). Nothing is compiled.",
        epilog="example:\n  witbridge wit fixtures/wasm/wasm_intro.wasm",
        formatter_class=HELP_FORMAT,
    )
    parser.add_argument("file", help="a component (.wasm), WAT text, or a core module with embedded WIT")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Prints the world; exit code 0, or 2 for input that has none."""
    try:
        text = _native._wit_text(read_input(args.file))
    except (UsageError, witbridge.CompileError) as e:
        return fail("wit", e)
    write_stdout(text)
    return EXIT_OK
