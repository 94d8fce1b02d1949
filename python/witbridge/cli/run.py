"""``witbridge run FILE [--dir HOST::GUEST] [--env K=V] -- ARGS``: run a command component."""

from __future__ import annotations

import argparse
from typing import Any

import witbridge

from ._common import EXIT_GUEST_FAILED, EXIT_INTERRUPTED, UsageError, add_sandbox_options, fail, sandbox, trapped


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "run",
        help="run a wasi:cli/run command component",
        description="Run a command component (one exporting wasi:cli/run) with WASI; exit with its exit code. "
        "stdin, stdout and stderr are the terminal's; the guest sees no files and no environment but what "
        "--dir and --env give it.",
        epilog="example:\n  witbridge run fixtures/wasm/wasi_cli.component.wasm --dir data::/data -- cat /data/in.txt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", help="the component (.wasm), or WAT text")
    add_sandbox_options(parser)
    parser.add_argument("args", nargs="*", help="the guest's arguments (after --)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Runs the command; returns the guest's exit code (or 1, 2, 130: see the module)."""
    try:
        wasi, limits = sandbox(args, args=args.args, stdin="inherit")
        component = witbridge.Component.from_file(args.file)
        if not any(name.startswith("wasi:cli/run@") for name in component.world.exports):
            raise UsageError(
                f"{args.file} is not a command (it doesn't export wasi:cli/run): "
                "call its exports with `witbridge call` instead"
            )
        linker = witbridge.Linker(component.engine)
        linker.wasi(wasi)
        instance = linker.instantiate(component, limits=limits)
    except (UsageError, OSError, ValueError, TypeError, witbridge.CompileError, witbridge.LinkError) as e:
        return fail("run", e)
    except witbridge.Trap as e:  # the guest trapped while starting
        return trapped("run", e)
    except witbridge.Error as e:
        return fail("run", e, EXIT_GUEST_FAILED)
    try:
        return instance.run()
    except KeyboardInterrupt:
        return fail("run", "interrupted", EXIT_INTERRUPTED)
    except witbridge.Trap as e:
        return trapped("run", e)
    except witbridge.Error as e:
        return fail("run", e, EXIT_GUEST_FAILED)
