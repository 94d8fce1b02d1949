"""build_backend/witbridge_build.py: without a usable cargo, building witbridge fails with one line saying why."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .markdown_examples import ROOT

BACKEND = ROOT / "build_backend"
NO_CARGO = (
    "error: building witbridge needs Rust 1.95 or newer, and cargo is not on PATH: "
    "install Rust from https://rustup.rs, or put cargo's directory (~/.cargo/bin) on PATH"
)
HOOKS = {
    "get_requires_for_build_wheel": "()",
    "get_requires_for_build_editable": "()",
    "get_requires_for_build_sdist": "()",
    "prepare_metadata_for_build_wheel": "(OUT)",
    "prepare_metadata_for_build_editable": "(OUT)",
    "build_wheel": "(OUT)",
    "build_editable": "(OUT)",
    "build_sdist": "(OUT)",
}


def path_without_cargo(*first: Path) -> str:
    """This process's PATH without the directories that hold a cargo, after ``first``."""
    kept = [d for d in os.environ["PATH"].split(os.pathsep) if d and not (Path(d) / "cargo").exists()]
    return os.pathsep.join([*map(str, first), *kept])


def call_hook(hook: str, path: str, out: Path) -> subprocess.CompletedProcess[str]:
    """Calls one hook of the backend, as a build frontend would, in a process with ``path`` as PATH."""
    code = f"import witbridge_build\nOUT = {str(out)!r}\nprint(witbridge_build.{hook}{HOOKS[hook]})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PATH": path, "PYTHONPATH": str(BACKEND)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("hook", list(HOOKS))
def test_every_hook_says_in_one_line_that_cargo_is_missing(hook: str, tmp_path: Path) -> None:
    done = call_hook(hook, path_without_cargo(), tmp_path)
    assert done.returncode == 1
    assert done.stderr == NO_CARGO + "\n"
    assert list(tmp_path.iterdir()) == []


def test_a_cargo_older_than_1_95_is_named(tmp_path: Path) -> None:
    old = tmp_path / "bin"
    old.mkdir()
    (old / "cargo").write_text("#!/bin/sh\necho 'cargo 1.80.1 (376290515 2024-07-16)'\n")
    (old / "cargo").chmod(0o755)
    done = call_hook("build_wheel", path_without_cargo(old), tmp_path)
    assert done.returncode == 1
    assert done.stderr == (
        f"error: building witbridge needs Rust 1.95 or newer, and {old / 'cargo'} is cargo 1.80.1: "
        "run `rustup update`, or put a newer cargo first on PATH\n"
    )


def test_with_cargo_the_hooks_are_maturins(tmp_path: Path) -> None:
    # This machine builds witbridge, so it has a cargo; maturin asks for nothing more then.
    done = call_hook("get_requires_for_build_wheel", os.environ["PATH"], tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "[]\n", "")


def test_pip_install_without_cargo_fails_with_that_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index", "--dry-run", "."],
        cwd=ROOT,
        env={**os.environ, "PATH": path_without_cargo(), "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0
    assert NO_CARGO in done.stdout + done.stderr


def test_pyproject_uses_the_backend_and_still_requires_maturin() -> None:
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]
    assert build["build-backend"] == "witbridge_build"
    assert build["backend-path"] == ["build_backend"]
    assert any(r.startswith("maturin") for r in build["requires"])  # build isolation installs it
