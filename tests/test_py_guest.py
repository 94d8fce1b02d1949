"""A real-world component: a Python guest built with componentize-py.

The component (about 18 MB: a whole CPython) imports most of WASI, including
sockets and random, and exports functions, a record and a resource. It is
built on demand by scripts/build-py-guest (not committed: see that script).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

import witbridge

ROOT = Path(__file__).resolve().parents[1]
API = "witbridge:py-guest/api@0.1.0"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def py_guest() -> witbridge.Component:
    """The compiled Python guest (built first if need be)."""
    out = ROOT / "fixtures" / "guests" / "target" / "py_guest.component.wasm"
    subprocess.run([ROOT / "scripts" / "build-py-guest", out], check=True, timeout=1800)
    return witbridge.Component.from_file(out)


def load(component: witbridge.Component, wasi: witbridge.WasiConfig | None = None) -> witbridge.Instance:
    linker = witbridge.Linker(component.engine)
    if wasi is not None:
        linker.wasi(wasi)
    return linker.instantiate(component)


def test_functions_records_and_results(py_guest: witbridge.Component) -> None:
    api = load(py_guest).exports[API]
    assert isinstance(api, witbridge.Namespace)
    summary = api.stats([1.0, 2.0, 4.5])
    assert (summary.count, summary.mean) == (3, 2.5)
    assert api.parse_int("-42") == -42
    with pytest.raises(witbridge.Err) as raised:
        api.parse_int("forty-two")
    assert raised.value.value == "not an integer: forty-two"


def test_stdout_and_environment(py_guest: witbridge.Component) -> None:
    inst = load(py_guest, witbridge.WasiConfig(stdout="capture", env={"WHO": "witbridge"}))
    api = inst.exports[API]
    assert api.greet("héllo") == "Hello, héllo!"  # type: ignore[union-attr]
    assert inst.stdout == "greet: héllo\n".encode()
    assert api.get_env("WHO") == "witbridge"  # type: ignore[union-attr]
    assert api.get_env("HOME") is None  # type: ignore[union-attr]


def test_clock_is_real(py_guest: witbridge.Component) -> None:
    api = load(py_guest).exports[API]
    assert abs(api.now_seconds() - time.time()) < 60  # type: ignore[union-attr]


def test_resources_are_independent(py_guest: witbridge.Component) -> None:
    api = load(py_guest).exports[API]
    a = api.Accumulator(10)  # type: ignore[union-attr]
    b = api.Accumulator(-1)  # type: ignore[union-attr]
    for x in range(5):
        a.add(x)
    b.add(100)
    assert (a.total(), b.total()) == (20, 99)
    a.drop()
    with pytest.raises(witbridge.Error):
        a.total()
    assert b.total() == 99


def test_instances_share_nothing(py_guest: witbridge.Component) -> None:
    one, two = load(py_guest).exports[API], load(py_guest).exports[API]
    acc = one.Accumulator(1)  # type: ignore[union-attr]
    acc.add(1)
    assert two.Accumulator(5).total() == 5  # type: ignore[union-attr]
    assert acc.total() == 2


def test_limits_hold_for_a_large_guest(py_guest: witbridge.Component) -> None:
    linker = witbridge.Linker(py_guest.engine)
    inst = linker.instantiate(py_guest, limits=witbridge.Limits(timeout=5.0, max_memory=256 << 20))
    assert inst.exports[API].stats([0.5] * 10_000).count == 10_000  # type: ignore[union-attr]
    # CPython's pre-initialised heap alone is larger than a megabyte.
    with pytest.raises(witbridge.Trap) as raised:
        linker.instantiate(py_guest, limits=witbridge.Limits(max_memory=1 << 20))
    assert raised.value.code == "memory_limit"
