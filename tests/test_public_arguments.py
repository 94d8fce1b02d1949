"""Random values of every Python type at every public argument: only ``Exception`` comes out.

A panic in the Rust code reaches Python as ``pyo3_runtime.PanicException``,
a ``BaseException`` that ``except Exception`` doesn't catch; so does anything
else that escapes an argument check by way of ``SystemExit`` or
``KeyboardInterrupt``. Each test throws hypothesis's values (huge and
negative integers, NaN and infinite floats, odd strings and paths, nested
containers, arbitrary objects) at one argument, with the others sensible,
and accepts any outcome but a ``BaseException`` that is not an ``Exception``.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import pathlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import witbridge

from .conftest import WASM_DIR

ARGUMENTS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

_scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(1 << 200), max_value=1 << 200),
    st.sampled_from([0, -1, 1 << 63, 1 << 64, (1 << 64) - 1, -(1 << 63) - 1, 10**400]),
    st.floats(),
    st.sampled_from([1e19, 1e300, -1e300, float("inf"), float("-inf"), float("nan"), 5e-324, -0.0]),
    st.text(max_size=20),
    st.sampled_from(["", "\x00", "\ud800", "..", "/", "inherit", "capture", "list", "numpy", "a" * 5000]),
    st.binary(max_size=40),
    st.sampled_from([b"\x00asm", b"\x00asm\x0d\x00\x01\x00", bytearray(b"xx"), memoryview(b"yy")]),
    st.sampled_from([..., object(), type, len, NotImplemented, 1j, pathlib.Path("/nonexistent/x")]),
    st.timedeltas(),
    st.just(datetime.timedelta.max),
)
ANYTHING: st.SearchStrategy[Any] = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=4),
        st.frozensets(st.integers(), max_size=3),
    ),
    max_leaves=8,
)


def only_exceptions(call: Callable[[], object]) -> None:
    """Run ``call``; an ``Exception`` is a fine answer to a bad argument, anything else is a bug."""
    with contextlib.suppress(Exception):
        call()


@pytest.fixture(autouse=True)
def _scratch_directory(tmp_path: pathlib.Path) -> Iterator[None]:
    """Relative paths drawn at random land in a scratch directory, not the repository."""
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def values_bytes() -> bytes:
    return (WASM_DIR / "values.component.wasm").read_bytes()


@pytest.mark.parametrize("field", [f.name for f in witbridge.Limits.__dataclass_fields__.values()])
@given(value=ANYTHING)
@ARGUMENTS
def test_limits(field: str, value: Any) -> None:
    only_exceptions(lambda: witbridge.Limits(**{field: value}))


@given(value=ANYTHING)
@ARGUMENTS
def test_limits_positional(value: Any) -> None:
    only_exceptions(lambda: witbridge.Limits(value))


@pytest.mark.parametrize("field", ["fuel", "epoch_interruption", "cache_dir"])
@given(value=ANYTHING)
@ARGUMENTS
def test_engine(field: str, value: Any) -> None:
    only_exceptions(lambda: witbridge.Engine(**{field: value}))


@pytest.mark.parametrize("field", [f.name for f in witbridge.WasiConfig.__dataclass_fields__.values()])
@given(value=ANYTHING)
@ARGUMENTS
def test_wasi_config(field: str, value: Any) -> None:
    def make_and_use() -> None:
        config = witbridge.WasiConfig(**{field: value})
        witbridge.Linker().wasi(config)

    only_exceptions(make_and_use)


@given(value=ANYTHING)
@ARGUMENTS
def test_preopen(value: Any) -> None:
    only_exceptions(lambda: witbridge.Linker().wasi(witbridge.WasiConfig(preopens={"/d": value})))


@pytest.mark.parametrize("constructor", ["from_bytes", "from_file", "from_wat", "deserialize"])
@given(value=ANYTHING)
@ARGUMENTS
def test_component_source(constructor: str, value: Any) -> None:
    only_exceptions(lambda: getattr(witbridge.Component, constructor)(value))


@pytest.mark.parametrize("field", ["engine", "wit", "world"])
@given(value=ANYTHING)
@ARGUMENTS
def test_component_options(values_bytes: bytes, field: str, value: Any) -> None:
    only_exceptions(lambda: witbridge.Component.from_bytes(values_bytes, **{field: value}))


@pytest.mark.parametrize("method", ["define", "define_func"])
@given(name=ANYTHING, implementation=ANYTHING)
@ARGUMENTS
def test_linker_define(method: str, name: Any, implementation: Any) -> None:
    only_exceptions(lambda: getattr(witbridge.Linker(), method)(name, implementation))


@given(interface=ANYTHING, name=ANYTHING, cls=ANYTHING)
@ARGUMENTS
def test_linker_define_resource(interface: Any, name: Any, cls: Any) -> None:
    only_exceptions(lambda: witbridge.Linker().define_resource(interface, name, cls))


@pytest.mark.parametrize("field", ["component", "limits", "numeric_lists"])
@given(value=ANYTHING)
@ARGUMENTS
def test_linker_instantiate(values_bytes: bytes, field: str, value: Any) -> None:
    component = witbridge.Component.from_bytes(values_bytes)
    arguments: dict[str, Any] = {"component": component, field: value}
    only_exceptions(lambda: witbridge.Linker().instantiate(**arguments))


@pytest.mark.parametrize("field", ["engine", "wit", "world", "imports", "wasi", "limits", "numeric_lists"])
@given(value=ANYTHING)
@ARGUMENTS
def test_load(values_bytes: bytes, field: str, value: Any) -> None:
    only_exceptions(lambda: witbridge.load(values_bytes, **{field: value}))


UNENCODABLE_PATH = "\ud800"  # a lone surrogate: no file-system encoding can write it


def test_unencodable_paths_are_a_unicode_error(values_bytes: bytes) -> None:
    # Found by the tests above: pyo3's own path conversion panicked on these.
    attempts: list[Callable[[], object]] = [
        lambda: witbridge.Engine(cache_dir=UNENCODABLE_PATH),
        lambda: witbridge.Component.from_file(UNENCODABLE_PATH),
        lambda: witbridge.Component.from_bytes(values_bytes, wit=UNENCODABLE_PATH),
    ]
    for attempt in attempts:
        with pytest.raises(UnicodeEncodeError):
            attempt()


def test_a_path_with_nul_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="NUL"):
        witbridge.Component.from_file("fixtures\x00.wasm")


@pytest.mark.parametrize("imports", [NotImplemented, [("tick", print)], 5])
def test_load_imports_must_be_a_mapping(values_bytes: bytes, imports: Any) -> None:
    with pytest.raises(TypeError, match=r"load\(imports=\.\.\.\) takes a mapping"):
        witbridge.load(values_bytes, imports=imports)
