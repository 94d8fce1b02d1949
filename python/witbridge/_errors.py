"""The exceptions witbridge raises (DESIGN.md §5).

Everything derives from :class:`Error`, so ``except witbridge.Error`` catches
every failure that comes from the guest or from witbridge itself, while wrong
arguments stay ordinary ``TypeError`` / ``ValueError`` / ``OverflowError``.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

E = TypeVar("E")


class Error(Exception):
    """Base class of every witbridge error."""


class CompileError(Error):
    """The input is not a usable component: bad bytes, bad WAT, bad WIT."""


class LinkError(Error):
    """A component cannot be instantiated: its message lists every missing import."""


class CacheWarning(UserWarning):
    """The compile cache was not used: its directory or an entry belongs to,
    or can be written by, another user (see docs/wasi-and-limits.md)."""


class Trap(Error):
    """The guest trapped (or hit a limit).

    ``message`` says what happened, ``code`` names the trap kind
    (``"unreachable_code_reached"``, ``"out_of_fuel"``, ... or ``None`` when
    the guest broke the canonical ABI rather than trapping), and ``str()``
    includes the wasm backtrace. ``stderr`` is what the guest wrote to its
    WASI stderr during the failed call (its last 4 KiB, decoded as UTF-8),
    where a Rust guest's panic message is; ``message`` ends with it too.
    It is ``""`` when the guest wrote nothing there or has no WASI. The
    instance that trapped cannot be used again.
    """

    def __init__(
        self,
        message: str,
        code: str | None = None,
        backtrace: str | None = None,
        stderr: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.backtrace = backtrace
        self.stderr = stderr

    def __str__(self) -> str:
        if self.backtrace:
            return f"{self.message}\n{self.backtrace}"
        return self.message

    def __repr__(self) -> str:
        return f"Trap({self.message!r}, code={self.code!r})"


class Err(Error, Generic[E]):
    """The error case of a WIT ``result``.

    Raised when an exported function's ``result<T, E>`` is an error (the
    payload is ``.value``), and used as a plain value wherever a ``result``
    appears inside another type: ``[Ok(1), Err("bad")]``.
    """

    value: E

    def __init__(self, value: E = None):  # type: ignore[assignment]
        super().__init__(value)
        self.value = value

    def __repr__(self) -> str:
        return f"Err({self.value!r})"

    def __str__(self) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self.value == other.value)

    def __hash__(self) -> int:
        return hash((Err, self.value))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.value,))


# Show the public module in tracebacks and reprs: `witbridge.Trap`, not `witbridge._errors.Trap`.
for _cls in (Error, CompileError, LinkError, Trap, Err):
    _cls.__module__ = "witbridge"
