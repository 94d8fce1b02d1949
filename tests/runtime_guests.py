"""The guests of wit-bindgen's ported runtime worlds, one per toolchain, for the tests to load.

Every world `NAME` has a Rust guest, `rt_NAME`, and a C one, `c_NAME`, both
committed in fixtures/wasm. Where componentize-py can build the world, it also
has a Python guest, `py_NAME` (fixtures/guests/py/NAME/): that one is built on
demand by scripts/build-py-guest (not committed, see fixtures/README.md),
compiled once a session, and its test cases are marked slow.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

import witbridge

ROOT = Path(__file__).resolve().parents[1]
WASM = ROOT / "fixtures" / "wasm"
PY_GUESTS = ROOT / "fixtures" / "guests" / "py"
PY_TARGET = ROOT / "fixtures" / "guests" / "target"


def py(name: str) -> Any:
    """`name` as a parameter of the slow tests (a Python guest embeds CPython)."""
    return pytest.param(name, marks=pytest.mark.slow)


def has_py_guest(world: str) -> bool:
    """Whether `world` has a Python port: the worlds componentize-py can't build have none."""
    return (PY_GUESTS / world / "app.py").is_file()


def guest_names(world: str) -> list[Any]:
    """`rt_WORLD`, `c_WORLD` and, when it has one, `py_WORLD` (slow), as test parameters."""
    names: list[Any] = [f"rt_{world}", f"c_{world}"]
    if has_py_guest(world):
        names.append(py(f"py_{world}"))
    return names


def guests(world: str) -> pytest.MarkDecorator:
    """Run a test once per toolchain's guest of `world` (see :func:`guest_names`)."""
    return pytest.mark.parametrize("guest", guest_names(world))


def releases_dropped_exports(guest: str) -> bool:
    """Whether the guest lets go of an exported resource's state when the host drops its handle.

    componentize-py 0.25.1's guests don't: the destructor it gives every
    exported resource does nothing (`resource_dtor` in its runtime/src/lib.rs,
    "there's nothing to do here"), and the object, the resource's rep, keeps
    the reference taken when it was handed out. So what the object holds, an
    imported resource say, is never dropped; witbridge still calls the
    destructor, as for the other guests.
    """
    return not guest.startswith("py_")


# Two at most: a compiled Python guest holds about 90 MB, and a world's tests
# run one after another. One compiled again later is a hit in the session's
# compile cache (tests/conftest.py), read back from disk, not recompiled.
@lru_cache(maxsize=2)
def py_component(name: str) -> witbridge.Component:
    """A componentize-py guest, built if need be and compiled once a session."""
    out = PY_TARGET / f"{name}.component.wasm"
    subprocess.run([ROOT / "scripts" / "build-py-guest", name, out], check=True, timeout=1800)
    return witbridge.Component.from_file(out)


def component(name: str) -> witbridge.Component:
    """The compiled component of guest `name`."""
    if name.startswith("py_"):
        return py_component(name)
    return witbridge.Component.from_file(WASM / f"{name}.component.wasm")


def load(
    name: str,
    *,
    imports: Mapping[str, object] | None = None,
    wasi: witbridge.WasiConfig | None = None,
    limits: witbridge.Limits | None = None,
) -> witbridge.Instance:
    """A new instance of guest `name`, with `witbridge.load`'s keyword arguments.

    A Python guest is instantiated from its component compiled once a session,
    not loaded from its file each time (which would compile its CPython
    again), with the same imports, WASI and limits that `witbridge.load`
    would give it.
    """
    if not name.startswith("py_"):
        return witbridge.load(WASM / f"{name}.component.wasm", imports=imports, wasi=wasi, limits=limits)
    comp = py_component(name)
    linker = witbridge.Linker(comp.engine)
    for key, implementation in (imports or {}).items():
        linker.define(key, implementation)
    if wasi is not None:
        linker.wasi(wasi)
    return linker.instantiate(comp, limits=limits)
