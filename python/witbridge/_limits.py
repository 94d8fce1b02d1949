"""Sandbox limits for an instance (DESIGN.md §1)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

DEFAULT_MAX_TRANSFER = 1 << 30
"""``Limits.max_transfer`` unless given: 1 GiB."""


@dataclass(frozen=True, kw_only=True)
class Limits:
    """What an instance may use: ``linker.instantiate(comp, limits=Limits(...))``.

    - ``fuel``: an instruction budget for the instance's whole life; running
      out raises ``Trap`` with code ``out_of_fuel``. ``inst.fuel`` is what is left.
    - ``timeout``: seconds (or a ``datetime.timedelta``) each call (and the
      instantiation) may run; then ``Trap`` with code ``timeout``. Checked
      every 10 ms. Kept as seconds, a ``float``.
    - ``max_memory``: bytes of linear memory, all memories together; growing
      past it raises ``Trap`` with code ``memory_limit``.
    - ``max_table_elements``: elements per table (code ``table_limit``).
    - ``max_instances``, ``max_tables``, ``max_memories``: how many the
      store may create (instantiation fails beyond them).
    - ``max_transfer``: the most bytes of strings and lists a guest may hand
      the host in one crossing (an export's result, an import's arguments),
      counting each list element as at least one byte; over it raises
      ``Trap`` with code ``transfer_limit``. 1 GiB unless given: it guards
      against a guest making the host build far more than its memory
      holds (the same bytes handed over many times).

    ``None`` means no limit of that kind (wasmtime's defaults for counts).
    Every field is keyword-only: ``Limits(1.0)`` would say nothing of what
    the number bounds.
    """

    fuel: int | None = None
    timeout: float | datetime.timedelta | None = None
    max_memory: int | None = None
    max_table_elements: int | None = None
    max_instances: int | None = None
    max_tables: int | None = None
    max_memories: int | None = None
    max_transfer: int | None = DEFAULT_MAX_TRANSFER

    def __post_init__(self) -> None:
        for name in (
            "fuel",
            "max_memory",
            "max_table_elements",
            "max_instances",
            "max_tables",
            "max_memories",
            "max_transfer",
        ):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Limits({name}=...): expected an int, got {type(value).__name__}: {value!r}")
            if value < 0:
                raise ValueError(f"Limits({name}=...): must not be negative, got {value}")
            if value >= 1 << 64:
                raise ValueError(f"Limits({name}=...): {value} is too large")
        if isinstance(self.timeout, datetime.timedelta):
            object.__setattr__(self, "timeout", self.timeout.total_seconds())
        if self.timeout is not None:
            if isinstance(self.timeout, bool) or not isinstance(self.timeout, int | float):
                raise TypeError(f"Limits(timeout=...): expected seconds as a number, got {self.timeout!r}")
            if not self.timeout > 0 or self.timeout == float("inf"):
                raise ValueError(
                    f"Limits(timeout=...): expected a positive, finite number of seconds, got {self.timeout}"
                )
