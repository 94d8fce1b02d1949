"""The README's Python examples run as written (from the repository root)."""

from __future__ import annotations

import re

import pytest

import witbridge

from .markdown_examples import ROOT, Block, code_blocks, run_python

README = ROOT / "README.md"


def python_blocks() -> list[Block]:
    blocks = [b for b in code_blocks(README) if b.lang == "python" and b.runs]
    # Blocks that name files a reader supplies (core.wasm, wit/) only show the API shape.
    return [b for b in blocks if "core.wasm" not in b.code]


def test_readme_examples_run_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks()
    assert len(blocks) >= 3
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    printed = "".join(run_python(block, namespace, str(README)) for block in blocks)
    assert "package xyz:machine" in printed, "the tour prints the component's WIT"
    assert "DEBUG hello" in printed
    assert "closed notes.txt" in printed
    # kv.remove of a missing key is the guest's error, not an exception that would end the instance.
    assert "no such key: nope" in printed
    inst = namespace["inst"]
    assert isinstance(inst, witbridge.Instance)
    assert not inst.broken


def test_the_repository_stands_on_its_own() -> None:
    """Nothing a reader is sent to lies outside the repository (such as ../shared)."""
    texts = [README, ROOT / "examples" / "article.py", *sorted((ROOT / "docs").glob("*.md"))]
    for path in texts:
        assert "../shared" not in path.read_text(), path
        assert "shared/seed" not in path.read_text(), path
    for link in re.findall(r"\]\(([^)\s]+)\)", README.read_text()):
        if "://" not in link:
            assert (ROOT / link.partition("#")[0]).exists(), f"README links to {link}, which does not exist"
