"""Shared fixtures: where the built guests are, and instances of them.

Each guest gets a module-scoped instance (compiling and instantiating once per
test module) plus, through :func:`new_instance`, fresh ones for tests that
break or need a store of their own.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Compiled components go to a cache of this session's own, not the user's.
os.environ.setdefault("WITBRIDGE_CACHE_DIR", tempfile.mkdtemp(prefix="witbridge-test-cache-"))

import witbridge

ROOT = Path(__file__).resolve().parents[1]
WASM_DIR = ROOT / "fixtures" / "wasm"

# The `values` guest (fixtures/guests/values): every WIT value type.
VALUES_WASM = WASM_DIR / "values.wasm"
VALUES_INTERFACE = "witbridge:fixtures/values@0.1.0"

# The first call of a function compiles its converters, so no per-example deadline.
settings.register_profile("witbridge", deadline=None)
settings.load_profile("witbridge")

InstanceFactory = Callable[..., witbridge.Instance]


@pytest.fixture(scope="session")
def wasm_dir() -> Path:
    """fixtures/wasm of this checkout."""
    return WASM_DIR


@pytest.fixture
def new_instance() -> InstanceFactory:
    """``new_instance(name="values.wasm", **load_kwargs)``: a fresh instance of a built guest."""

    def make(name: str = VALUES_WASM.name, **kwargs: object) -> witbridge.Instance:
        return witbridge.load(WASM_DIR / name, **kwargs)  # type: ignore[arg-type]

    return make


# --- the values guest --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def values_instance() -> witbridge.Instance:
    """One instance of the values guest, shared by a test module."""
    return witbridge.load(VALUES_WASM)


@pytest.fixture(scope="module")
def values(values_instance: witbridge.Instance) -> witbridge.Namespace:
    """The interface ``witbridge:fixtures/values`` of :func:`values_instance`."""
    ns = values_instance.values
    assert isinstance(ns, witbridge.Namespace)
    return ns


@pytest.fixture
def python_sigint_handler() -> Iterator[None]:
    """Python's own SIGINT handler, even where the test runner ignores SIGINT
    (a shell's background job does), so that os.kill(SIGINT) raises."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
