"""``witbridge wit FILE|WITDIR``: the world of a component, or a WIT package, as WIT text."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import witbridge
from witbridge import _native
from witbridge.bindgen.model import is_wit

from ._common import EXIT_OK, HELP_FORMAT, UsageError, fail, read_input, write_stdout


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "wit",
        help="print the world of a component, or a WIT package, as WIT",
        description="Print the WIT world of a component, of a component in WAT text, or of a core module "
        "that carries its WIT (wit-bindgen's component-type section). Given WIT itself (a .wit file or a "
        "directory, as `witbridge bindgen` takes it), print its package as WIT parses it, with the packages "
        "of its deps/ nested in it: a check that the WIT is valid. Nothing is compiled.",
        epilog="examples:\n"
        "  witbridge wit fixtures/wasm/wasm_intro.wasm\n"
        "  witbridge wit fixtures/guests/host_user/wit",
        formatter_class=HELP_FORMAT,
    )
    parser.add_argument(
        "file", metavar="FILE|WITDIR", help="a component (.wasm), WAT text, a core module with embedded WIT, or WIT"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Prints the world or the package; exit code 0, or 2 for input that has none."""
    path = Path(args.file)
    try:
        if path.is_dir() and not any(path.glob("*.wit")):
            raise UsageError(f"{path} is a directory without .wit files, so neither WebAssembly nor WIT")
        # bindgen's test: a directory or a `.wit` file is WIT, anything else wasm or WAT.
        text = _native._wit_source_text(path) if is_wit(path) else _native._wit_text(read_input(args.file))
    except OSError as e:
        return fail("wit", f"{args.file}: {e.strerror or e}" if e.strerror else e)
    except (UsageError, witbridge.CompileError) as e:
        return fail("wit", e)
    write_stdout(text)
    return EXIT_OK
