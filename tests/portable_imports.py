"""Import implementations that other processes can import, for tests of ``PortableFunction``.

They serve fixtures/wat/host-calls.wat: ``quad(x)`` calls the imported
``xyz:host/math#double`` twice, ``ping()`` calls the root import ``callback``.
"""

from __future__ import annotations

import os

calls = 0


def double(x: int) -> int:
    return 2 * x


def callback() -> None:
    global calls
    calls += 1


def pid() -> int:
    return os.getpid()


class Math:
    """An interface implementation as an instance of a module-level class (pickled by value)."""

    def __init__(self, factor: int) -> None:
        self.factor = factor

    def double(self, x: int) -> int:
        return self.factor * x
