"""``witbridge compile FILE -o FILE.cwasm``: precompile a component."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import witbridge

from ._common import EXIT_OK, HELP_FORMAT, UsageError, add_wit_options, fail, load_component


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "compile",
        help="precompile a component to a .cwasm artifact",
        description="Compile a component (or WAT text, or a core module with embedded WIT) to machine code "
        "for this machine, this witbridge and this wasmtime, and write it where "
        "witbridge.Component.deserialize() loads it without compiling. An artifact is code that runs in "
        "your process: load only artifacts you made.",
        epilog="example:\n"
        "  witbridge compile fixtures/wasm/wasm_intro.wasm -o intro.cwasm\n"
        '  python -c \'import witbridge; witbridge.Component.deserialize(open("intro.cwasm", "rb").read())\'',
        formatter_class=HELP_FORMAT,
    )
    parser.add_argument("file", help="the component (.wasm), WAT text, or a core module with embedded WIT")
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="where to write the artifact (default: FILE with the suffix .cwasm)"
    )
    add_wit_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Compiles and writes the artifact; exit code 0, or 2 for bad input."""
    output = Path(args.output) if args.output else Path(args.file).with_suffix(".cwasm")
    try:
        if output.exists() and output.resolve() == Path(args.file).resolve():
            raise UsageError(f"the output {output} is the input file: choose another with -o")
        artifact = load_component("compile", args.file, args.wit, args.world).serialize()
    except (UsageError, OSError, witbridge.CompileError) as e:
        return fail("compile", e)
    try:
        output.write_bytes(artifact)
    except OSError as e:
        return fail("compile", f"cannot write {output}: {e.strerror or e}")
    if not args.output:
        # A file appeared that the user never named: say which (stderr, so stdout stays empty).
        print(f"witbridge compile: wrote {output}", file=sys.stderr)
    return EXIT_OK
