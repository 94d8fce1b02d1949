"""``witbridge call FILE 'NAME(ARGS)'``: call an exported function, in WAVE."""

from __future__ import annotations

import argparse
from typing import Any

import witbridge
from witbridge import _native

from ._common import (
    EXIT_GUEST_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    HELP_FORMAT,
    UsageError,
    add_sandbox_options,
    add_wit_options,
    fail,
    load_component,
    sandbox,
    trapped,
)

EPILOG = """\
NAME is the function's WIT name, as in `wasmtime run --invoke`:
  add(1, 2)                                       a function at the root of the world (or of the one
                                                  exported interface that has a function of that name)
  machine-interface.count-symbols("héllo")        a function of an exported interface, by its short name
  xyz:machine/machine-interface.count-symbols(…)  the same in full (a version goes last: `….count-symbols@1.0.0(…)`)
  xyz:machine/machine-interface#count-symbols(…)  the full WIT name

ARGS are WAVE values: 7, -1.5, 'c', "text", [1, 2], (1, "a"), {x: 1, y: 2} (a record),
{read, write} (flags), red (an enum case), circle(2.0) (a variant case), some(1), none,
ok(1), err("no"); trailing option arguments may be left out. The result is printed in
WAVE; a function whose result is an `err(...)` exits with 1.

example:
  witbridge call fixtures/wasm/wasm_intro.wasm 'machine-interface.run(7, {x: 1, y: 2}, {x: 3, y: 4})'
"""


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "call",
        help="call an exported function, with arguments and result in WAVE",
        description="Call one exported function of a component with arguments written in WAVE, the value "
        "syntax of `wasmtime run --invoke`, and print its result in WAVE. A component that imports WASI "
        "gets a sandbox: no files and no environment but what --dir and --env give it.",
        epilog=EPILOG,
        formatter_class=HELP_FORMAT,
    )
    parser.add_argument("file", help="the component (.wasm), WAT text, or a core module with embedded WIT")
    parser.add_argument("call", metavar="CALL", help="NAME(ARGS), quoted for the shell: see below")
    add_sandbox_options(parser)
    add_wit_options(parser)
    parser.set_defaults(handler=call)


def call(args: argparse.Namespace) -> int:
    """Calls the function and prints its result; exit code 0, 1 (trap or ``err``) or 2 (bad input)."""
    try:
        wasi, limits = sandbox(args)
        component = load_component("call", args.file, args.wit, args.world)
        interface, name, values = _native._wave_call(component, args.call)
        linker = witbridge.Linker(component.engine)
        linker.wasi(wasi)
        instance = linker.instantiate(component, limits=limits)
        function = _function(instance, interface, name)
    except (UsageError, OSError, ValueError, TypeError, witbridge.CompileError, witbridge.LinkError) as e:
        return fail("call", e)
    except witbridge.Trap as e:  # the guest trapped while starting
        return trapped("call", e)
    except witbridge.Error as e:
        return fail("call", e, EXIT_GUEST_FAILED)
    try:
        result = function(*values)
    except witbridge.Err as e:
        return _show(component, interface, name, e.value, failed=True)
    except witbridge.Trap as e:
        return trapped("call", e)
    except witbridge.Error as e:
        return fail("call", e, EXIT_GUEST_FAILED)
    except (ValueError, TypeError, OverflowError) as e:
        return fail("call", e)
    except KeyboardInterrupt:
        return fail("call", "interrupted", EXIT_INTERRUPTED)
    return _show(component, interface, name, result, failed=False)


def _function(instance: witbridge.Instance, interface: str | None, name: str) -> witbridge.Function:
    if interface is None:
        function = instance.exports[name]
    else:
        namespace = instance.exports[interface]
        assert isinstance(namespace, witbridge.Namespace)
        function = namespace[name]
    assert isinstance(function, witbridge.Function)
    return function


def _show(component: witbridge.Component, interface: str | None, name: str, value: object, failed: bool) -> int:
    """Prints what the call returned (or, ``failed``, the error it returned) as WAVE."""
    try:
        text = _native._wave_result(component, interface, name, value, failed=failed)
    except (ValueError, TypeError) as e:
        return fail("call", f"cannot show the result in WAVE: {e}", EXIT_GUEST_FAILED)
    if text is not None:
        print(text, flush=True)
    return EXIT_GUEST_FAILED if failed else EXIT_OK
