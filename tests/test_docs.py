"""The pages under docs/ run as written: every example is executed (see markdown_examples.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .markdown_examples import ROOT, code_blocks, run_page

DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
# Pages whose commands build guests with real toolchains: minutes on a first run.
SLOW_PAGES = {"writing-a-guest.md"}
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_there_are_pages() -> None:
    assert {"README.md", "getting-started.md", "types.md"} <= {p.name for p in PAGES}
    assert {p.name for p in PAGES} >= SLOW_PAGES


def test_a_shown_file_must_match(tmp_path: Path) -> None:
    shown = tmp_path / "shown.txt"
    shown.write_text("one\n")
    page = tmp_path / "page.md"
    page.write_text(f"<!-- file {shown} -->\n```text\none\n```\n")
    assert run_page(page) == []
    shown.write_text("two\n")
    with pytest.raises(AssertionError, match="differs from"):
        run_page(page)


@pytest.mark.parametrize(
    "page",
    [pytest.param(p, marks=[pytest.mark.slow] if p.name in SLOW_PAGES else []) for p in PAGES],
    ids=[p.name for p in PAGES],
)
def test_examples_run(page: Path) -> None:
    skipped = run_page(page)
    if skipped:
        pytest.skip(f"ran every other block; left out: {'; '.join(skipped)}")


def anchors(page: Path) -> set[str]:
    """The anchors GitHub makes of a page's headings."""
    text = page.read_text()
    for block in code_blocks(page):
        text = text.replace(block.code, "")
    headings = re.findall(r"^#+\s+(.*?)\s*$", text, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_local_links_resolve(page: Path) -> None:
    text = page.read_text()
    for block in code_blocks(page):  # links inside code blocks are code, not links
        text = text.replace(block.code, "")
    for link in _LINK.findall(text):
        if "://" in link:
            continue
        target, _, anchor = link.partition("#")
        path = page.parent / target if target else page
        assert path.exists(), f"{page.name} links to {target}, which does not exist"
        if anchor and path.suffix == ".md":
            assert anchor in anchors(path), f"{page.name} links to {link}: no such heading"
