"""witbridge's PEP 517 build backend: maturin's, after a check that Rust is there.

Building witbridge compiles its engine, which is Rust, so every hook that
builds (or asks cargo for metadata) first makes sure that ``cargo`` is on
``PATH`` and is at least the version the engine needs. Without it, maturin
would fail deep in a build or try to install Rust by itself; this says what
is missing in one line instead. Everything else is maturin's own
(``pyproject.toml`` names this module with ``backend-path``).
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from collections.abc import Mapping
from typing import Any

# crates' rust-version in Cargo.toml (wasmtime 48 needs it).
RUST_VERSION = (1, 95)
_WANTED = ".".join(map(str, RUST_VERSION))
_INSTALL = "install Rust from https://rustup.rs, or put cargo's directory (~/.cargo/bin) on PATH"


def check_rust() -> None:
    """Exits with a one-line message unless a cargo of ``RUST_VERSION`` or newer is on PATH."""
    cargo = shutil.which("cargo")
    if cargo is None:
        raise SystemExit(
            f"error: building witbridge needs Rust {_WANTED} or newer, and cargo is not on PATH: {_INSTALL}"
        )
    try:
        found = subprocess.run([cargo, "--version"], capture_output=True, text=True, check=False, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        found = ""
    # "cargo 1.95.0 (f2d3ce0bd 2026-03-21)"; anything else is left to maturin to judge.
    match = re.match(r"cargo (\d+)\.(\d+)\S*", found)
    if match and (int(match[1]), int(match[2])) < RUST_VERSION:
        raise SystemExit(
            f"error: building witbridge needs Rust {_WANTED} or newer, and {cargo} is {match[0]}: "
            "run `rustup update`, or put a newer cargo first on PATH"
        )


ConfigSettings = Mapping[str, Any] | None


def _maturin() -> Any:
    """maturin's backend, once Rust is known to be there (imported late: the check needs nothing)."""
    check_rust()
    return importlib.import_module("maturin")


def get_requires_for_build_wheel(config_settings: ConfigSettings = None) -> list[str]:
    return list(_maturin().get_requires_for_build_wheel(config_settings))


def get_requires_for_build_editable(config_settings: ConfigSettings = None) -> list[str]:
    return list(_maturin().get_requires_for_build_editable(config_settings))


def get_requires_for_build_sdist(config_settings: ConfigSettings = None) -> list[str]:
    return list(_maturin().get_requires_for_build_sdist(config_settings))


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: ConfigSettings = None) -> str:
    return str(_maturin().prepare_metadata_for_build_wheel(metadata_directory, config_settings))


def build_wheel(
    wheel_directory: str, config_settings: ConfigSettings = None, metadata_directory: str | None = None
) -> str:
    return str(_maturin().build_wheel(wheel_directory, config_settings, metadata_directory))


def build_editable(
    wheel_directory: str, config_settings: ConfigSettings = None, metadata_directory: str | None = None
) -> str:
    return str(_maturin().build_editable(wheel_directory, config_settings, metadata_directory))


def build_sdist(sdist_directory: str, config_settings: ConfigSettings = None) -> str:
    return str(_maturin().build_sdist(sdist_directory, config_settings))


def prepare_metadata_for_build_editable(metadata_directory: str, config_settings: ConfigSettings = None) -> str:
    return str(_maturin().prepare_metadata_for_build_editable(metadata_directory, config_settings))
