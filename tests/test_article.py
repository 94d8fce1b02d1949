"""The article's program, reproduced line by line through witbridge.

The seed article decodes `wasm_intro.wasm` by hand; every value it prints must
come out of witbridge the same, from the core module as the article used it and
from the same guest made a component.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import witbridge

ROOT = Path(__file__).resolve().parents[1]
WASM = ROOT / "fixtures" / "wasm"


@pytest.fixture(params=["wasm_intro.wasm", "wasm_intro.component.wasm"], scope="module")
def mi(request: pytest.FixtureRequest) -> witbridge.Namespace:
    ns = witbridge.load(WASM / request.param).machine_interface
    assert isinstance(ns, witbridge.Namespace)
    return ns


def test_get_u32(mi: witbridge.Namespace) -> None:
    assert mi.get_u32() == 123


def test_get_str(mi: witbridge.Namespace) -> None:
    assert mi.get_str() == "simple string to return"


def test_get_vec(mi: witbridge.Namespace) -> None:
    vec = mi.get_vec()
    assert type(vec) is bytes
    assert list(vec) == [5, 4, 3, 2, 1, 10]


def test_count_symbols(mi: witbridge.Namespace) -> None:
    assert mi.count_symbols("string with symbols (~25)") == 25
    assert mi.count_symbols("héllo") == 5
    assert mi.count_symbols("") == 0


def test_run_with_records(mi: witbridge.Namespace) -> None:
    result = mi.run(7, mi.Point(x=1, y=2), {"x": 3, "y": 4})
    assert result == mi.RunResult(
        machine_id=1, message="machine 7 run from Point { x: 1, y: 2 } to Point { x: 3, y: 4 }"
    )
    assert (result.machine_id, result.message) == (
        1,
        "machine 7 run from Point { x: 1, y: 2 } to Point { x: 3, y: 4 }",
    )


def test_design_example_verbatim() -> None:
    """The five lines at the top of DESIGN.md, as a user would type them."""
    app = witbridge.load(WASM / "wasm_intro.wasm")
    mi = app.machine_interface
    assert mi.get_u32() == 123
    assert mi.get_str() == "simple string to return"
    assert mi.get_vec() == b"\x05\x04\x03\x02\x01\n"
    r = mi.run(7, mi.Point(x=1, y=2), {"x": 3, "y": 4})
    assert (r.machine_id, r.message[:27]) == (1, "machine 7 run from Point { ")
    assert mi.count_symbols("héllo") == 5
    assert "count-symbols: func(s: string) -> u32;" in app.component.wit()


def test_example_script_prints_the_articles_results() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "article.py")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert out == [
        "123",
        "simple string to return",
        "[5, 4, 3, 2, 1, 10]",
        "25",
        "1 machine 7 run from Point { x: 1, y: 2 } to Point { x: 3, y: 4 }",
    ]
