"""The README's Python examples run as written (from the repository root)."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    # Blocks that name files a reader supplies (core.wasm, wit/) only show the API shape.
    return [b for b in blocks if "core.wasm" not in b]


def test_readme_examples_run_in_order() -> None:
    blocks = python_blocks()
    assert len(blocks) >= 3
    namespace: dict[str, object] = {}
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out):
            for block in blocks:
                exec(compile(block, "README.md", "exec"), namespace)
    finally:
        os.chdir(cwd)
    printed = out.getvalue()
    assert "package xyz:machine" in printed, "the tour prints the component's WIT"
    assert "DEBUG hello" in printed
    assert "closed notes.txt" in printed
