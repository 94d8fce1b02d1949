"""Run the code blocks of a Markdown page, so that documentation can't drift from the code.

A page's fenced blocks run in order, from the repository root:

- ```` ```python ```` blocks run with ``exec`` in one namespace per page, so a
  later block sees what an earlier one defined;
- ```` ```sh ```` blocks run with ``bash -e -o pipefail``, where ``witbridge``
  is ``python -m witbridge`` and ``python`` is the interpreter running the
  tests; the block must exit with status 0;
- blocks in other languages (``wit``, ``text``, ...) are only shown.

An HTML comment right before a block's opening fence (blank lines between
are fine) changes that; Markdown renderers hide it:

- ``<!-- not run -->``: shown, never run (installation commands, files the
  reader supplies, interactive behaviour);
- ``<!-- requires MODULE -->``: runs only where ``MODULE`` can be imported;
  the page's test is reported as skipped, naming the blocks left out, when
  it can't;
- ``<!-- exit N -->`` (``sh`` only): the block must exit with status N;
- ``<!-- timeout SECONDS -->`` (``sh`` only): the block may run that long
  (else 300 seconds), for installs and builds;
- ``<!-- output -->`` before a ``text`` block: that block is exactly what the
  block before it wrote to stdout (``print`` for Python, everything the
  process wrote for ``sh``; a guest's inherited stdout goes around
  ``print`` and is not part of a Python block's output);
- ``<!-- file PATH -->`` (any language): the block is the whole text of the
  file PATH (relative to the repository root), which later blocks use; it
  is checked against the file, never run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_FENCE = re.compile(r"^```([\w-]*)\s*$")
_DIRECTIVE = re.compile(r"^<!--\s*(.*?)\s*-->$")
_RUN = {"python", "sh"}
# Shell functions that stand in for the installed commands.
_SH_PRELUDE = 'witbridge() { "$PYTHON" -m witbridge "$@"; }\npython() { "$PYTHON" "$@"; }\n'


@dataclass
class Block:
    """One fenced code block of a page."""

    lang: str
    code: str
    line: int  # the line of the block's first line of code, counting from 1
    directives: list[str] = field(default_factory=list)

    @property
    def runs(self) -> bool:
        return self.lang in _RUN and "not run" not in self.directives and self.file is None

    @property
    def file(self) -> str | None:
        for d in self.directives:
            if d.startswith("file "):
                return d.split(maxsplit=1)[1]
        return None

    @property
    def requires(self) -> list[str]:
        return [d.split()[1] for d in self.directives if d.startswith("requires ")]

    @property
    def expected_exit(self) -> int:
        for d in self.directives:
            if d.startswith("exit "):
                return int(d.split()[1])
        return 0

    @property
    def timeout(self) -> float:
        for d in self.directives:
            if d.startswith("timeout "):
                return float(d.split()[1])
        return 300

    @property
    def is_output(self) -> bool:
        return "output" in self.directives


def code_blocks(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file (fences at the start of a line), with their directives."""
    blocks: list[Block] = []
    pending: list[str] = []
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        directive = _DIRECTIVE.match(line.strip())
        if fence:
            end = i + 1
            while end < len(lines) and lines[end].rstrip() != "```":
                end += 1
            if end == len(lines):
                raise ValueError(f"{path}:{i + 1}: code block never closed")
            code = "".join(f"{text}\n" for text in lines[i + 1 : end])
            blocks.append(Block(fence.group(1), code, i + 2, pending))
            pending = []
            i = end + 1
            continue
        if directive:
            pending = [*pending, directive.group(1)]
        elif line.strip():
            pending = []  # a directive applies only to the block right after it
        i += 1
    return blocks


def run_python(block: Block, namespace: dict[str, object], filename: str) -> str:
    """Runs a Python block in ``namespace``; returns what it printed."""
    # Blank lines in front make tracebacks point at the page's own line numbers.
    source = "\n" * (block.line - 1) + block.code
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, filename, "exec"), namespace)
    return out.getvalue()


def run_sh(block: Block, where: str) -> str:
    """Runs a shell block from the repository root; returns its stdout."""
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", _SH_PRELUDE + block.code],
        cwd=ROOT,
        # The tools installed with the test extras (componentize-py, wasm-tools) are on PATH, as in an
        # activated virtual environment.
        env={
            **os.environ,
            "PYTHON": sys.executable,
            "PATH": os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")]),
        },
        capture_output=True,
        text=True,
        timeout=block.timeout,
        check=False,
    )
    if done.returncode != block.expected_exit:
        raise AssertionError(
            f"{where}: exited with {done.returncode}, expected {block.expected_exit}\n"
            f"--- stdout\n{done.stdout}--- stderr\n{done.stderr}"
        )
    return done.stdout


def run_page(path: Path) -> list[str]:
    """Runs every block of a page in order; returns the places of blocks left out for missing modules.

    Raises on the first block that fails, naming its place in the page.
    """
    # As in a script a reader runs (dataclasses, for one, look their module up by this name).
    namespace: dict[str, object] = {"__name__": "__main__"}
    skipped: list[str] = []
    previous_output: str | None = None
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for block in code_blocks(path):
            where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{block.line}"
            if block.is_output:
                if previous_output is not None and block.code != previous_output:
                    raise AssertionError(
                        f"{where}: the output shown differs from what the block before printed\n"
                        f"--- shown\n{block.code}--- printed\n{previous_output}"
                    )
                previous_output = None
                continue
            previous_output = None
            if block.file is not None:
                shown = ROOT / block.file
                if not shown.is_file():
                    raise AssertionError(f"{where}: the block shows {block.file}, which does not exist")
                if block.code != shown.read_text():
                    raise AssertionError(f"{where}: the block differs from {block.file}")
                continue
            if not block.runs:
                continue
            missing = [m for m in block.requires if importlib.util.find_spec(m) is None]
            if missing:
                skipped.append(f"{where} (needs {', '.join(missing)})")
                continue
            if block.lang == "python":
                previous_output = run_python(block, namespace, str(path))
            else:
                previous_output = run_sh(block, where)
    finally:
        os.chdir(cwd)
    return skipped
