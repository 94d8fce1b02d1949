"""WASI configuration: what a guest may see of the host (DESIGN.md §1).

A component that imports WASI and is given no :class:`WasiConfig` runs in
the sandbox: no files, no environment, no arguments but a program name,
stdin empty, stdout and stderr inherited, real clocks and random, no network.
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import IO, Any, Literal

Output = Literal["inherit", "capture"] | IO[str] | IO[bytes] | None
"""Where a guest's stdout/stderr goes: inherited from the process, captured
(``inst.stdout`` / ``inst.stderr``), a Python file object (text or binary), or
``None`` to discard it."""


@dataclass(frozen=True)
class Preopen:
    """A host directory given to the guest; ``read_only=True`` forbids writes."""

    host_path: str | os.PathLike[str]
    read_only: bool = False


@dataclass(frozen=True)
class WasiConfig:
    """What a WASI guest gets: ``Linker.wasi(WasiConfig(...))`` or ``load(..., wasi=...)``.

    ``args`` are the guest's arguments after its program name (``program``).
    ``env`` is its environment; ``inherit_env=True`` adds the host's first.
    ``preopens`` maps guest paths to host directories (a path, or a
    :class:`Preopen` for read-only access). ``stdin`` is ``None`` (empty),
    bytes, or ``"inherit"``.
    """

    args: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    inherit_env: bool = False
    preopens: Mapping[str, str | os.PathLike[str] | Preopen] = field(default_factory=dict)
    stdin: bytes | Literal["inherit"] | None = None
    stdout: Output = "inherit"
    stderr: Output = "inherit"
    program: str = "main"

    def __post_init__(self) -> None:
        if isinstance(self.args, str):
            raise TypeError("WasiConfig(args=...) takes a list of strings, not one string")
        for arg in self.args:
            if not isinstance(arg, str):
                raise TypeError(f"WasiConfig(args=...): expected str, got {type(arg).__name__}: {arg!r}")
        for key, value in self.env.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"WasiConfig(env=...): names and values must be str, got {key!r}: {value!r}")
            if "=" in key or not key:
                raise ValueError(f"WasiConfig(env=...): {key!r} is not a valid variable name")
        if not (self.stdin is None or isinstance(self.stdin, bytes) or self.stdin == "inherit"):
            raise TypeError(f"WasiConfig(stdin=...): expected bytes, 'inherit' or None, got {self.stdin!r}")
        preopens = []
        for guest, spec in self.preopens.items():
            opened = spec if isinstance(spec, Preopen) else Preopen(spec)
            host = os.fspath(opened.host_path)
            if not os.path.isdir(host):
                raise FileNotFoundError(
                    f"WasiConfig(preopens=...): {host!r} (for the guest's {guest!r}) is not a directory"
                )
            preopens.append((guest, host, opened.read_only))
        object.__setattr__(self, "_preopens", preopens)
        object.__setattr__(self, "_argv", [self.program, *self.args])
        object.__setattr__(self, "_env", list(self.env.items()))
        object.__setattr__(self, "_stdout", _sink("stdout", self.stdout))
        object.__setattr__(self, "_stderr", _sink("stderr", self.stderr))

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its fields where it is unpickled, so that the checks
        # run there (a preopened directory must exist on that machine).
        return (WasiConfig, tuple(getattr(self, f.name) for f in fields(self)))


def _sink(name: str, output: Any) -> str | Callable[[bytes], None]:
    """What the native side writes to: a mode, or a callable taking bytes."""
    if output is None:
        return "discard"
    if output in ("inherit", "capture"):
        return str(output)
    if isinstance(output, str):
        raise ValueError(
            f"WasiConfig({name}=...): expected 'inherit', 'capture', None or a file object, got {output!r}"
        )
    write = getattr(output, "write", None)
    if not callable(write):
        raise TypeError(f"WasiConfig({name}=...): {type(output).__name__} has no write() method")
    if isinstance(output, io.TextIOBase):
        # The guest writes bytes, possibly splitting a UTF-8 character.
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

        def write_text(data: bytes) -> None:
            write(decoder.decode(data))

        return write_text
    return write  # type: ignore[no-any-return]
