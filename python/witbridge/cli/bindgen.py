"""``witbridge bindgen FILE|WITDIR [--world W] -o OUT``: a typed Python module for a world."""

from __future__ import annotations

import argparse
import keyword
import re
from pathlib import Path
from typing import Any

import witbridge
from witbridge import bindgen as generator
from witbridge.bindgen.annotate import NUMERIC_LISTS

from ._common import EXIT_OK, HELP_FORMAT, fail, write_stdout

_SEVERAL_WORLDS = re.compile(r"multiple worlds.*\(worlds in this package: ([^)]*)\)", re.DOTALL)


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "bindgen",
        help="write a typed Python module (dataclasses, enums, Protocols) for a world",
        description="Write a typed Python module for the world of a component, WAT file or core module with "
        "embedded WIT, or of a WIT file or directory: a dataclass per record, an enum per enum and flags type, a "
        "class per variant case and per resource, Protocols for the exports and for what the host implements "
        "of the imports, and a class named after the world that loads a component. Its classes are the ones the "
        "runtime uses, and it passes mypy --strict.",
        epilog="examples:\n"
        "  witbridge bindgen fixtures/wasm/wasm_intro.wasm -o machine.py\n"
        "  witbridge bindgen fixtures/guests/provider/wit --world consumer -o consumer.py\n"
        "  witbridge bindgen fixtures/wasm/values.wasm --numeric-lists numpy -o values.py",
        formatter_class=HELP_FORMAT,
    )
    parser.add_argument("source", metavar="FILE|WITDIR", help="a component, WAT text, core module, or WIT")
    parser.add_argument("--world", metavar="W", help="the world of a WIT package that has several")
    parser.add_argument("--name", metavar="CLASS", help="the name of the module's main class (default: the world's)")
    parser.add_argument(
        "--numeric-lists",
        choices=NUMERIC_LISTS,
        default="list",
        help="how the module's instances give lists of numbers back: a list, an array.array or a numpy array "
        "(Linker.instantiate's numeric_lists=; default: list)",
    )
    parser.add_argument("-o", "--output", metavar="OUT", required=True, help="the module to write (- for stdout)")
    parser.set_defaults(handler=run)


def _unimportable(output: str) -> str | None:
    """Why ``import`` could not find the module written to ``output``, if it couldn't: a module's file is
    ``NAME.py``, NAME an identifier (``-o machine`` or ``-o my-machine.py`` would be written, never imported)."""
    path = Path(output)
    stem = path.stem
    fixed = re.sub(r"\W", "_", stem)
    if keyword.iskeyword(fixed):
        fixed += "_"  # as witbridge names a keyword: `class` -> `class_`
    elif not fixed or fixed[0].isdigit():
        fixed = f"_{fixed}"
    suggestion = path.with_name(f"{fixed}.py")
    if path.suffix != ".py":
        return f"-o {output}: a Python module is a .py file; did you mean -o {suggestion}?"
    if not stem.isidentifier() or keyword.iskeyword(stem):
        return f"-o {output}: {stem!r} is not a name `import` accepts; did you mean -o {suggestion}?"
    return None


def run(args: argparse.Namespace) -> int:
    """Writes the module; exit code 0, or 2 for input that isn't usable."""
    if args.name is not None and (not args.name.isidentifier() or keyword.iskeyword(args.name)):
        return fail("bindgen", f"--name {args.name!r} is not a Python identifier")
    if args.output != "-" and (problem := _unimportable(args.output)):
        return fail("bindgen", problem)
    try:
        text = generator.generate(args.source, world=args.world, name=args.name, numeric_lists=args.numeric_lists)
    except OSError as e:
        return fail("bindgen", f"{e.filename or args.source}: {e.strerror or e}")
    except (ValueError, witbridge.CompileError) as e:
        several = _SEVERAL_WORLDS.search(str(e))
        if several:
            return fail("bindgen", f"{args.source} has several worlds ({several.group(1)}): choose one with --world")
        return fail("bindgen", e)
    if args.output == "-":
        write_stdout(text)
        return EXIT_OK
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as e:
        return fail("bindgen", f"cannot write {args.output}: {e.strerror or e}")
    return EXIT_OK
