"""Where the generators' decisions come from: hypothesis draws, or raw bytes.

A generator asks a :class:`Choices` for integers, floats and text and never
sees where they come from. :class:`DrawChoices` takes them from hypothesis, so
failures shrink; :class:`ByteChoices` reads them from a byte string, so that
libFuzzer (or atheris) can steer generation with its coverage feedback. Both
lean towards the edges of each range, where conversions go wrong.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")

# Characters to build text from: ASCII, the rest of the BMP outside the
# surrogates, and the astral planes (4 bytes in UTF-8).
CHAR_RANGES = ((0x00, 0x7F), (0x80, 0xD7FF), (0xE000, 0xFFFF), (0x10000, 0x10FFFF))


class Choices(Protocol):
    """A source of decisions for the generators."""

    def integer(self, lo: int, hi: int) -> int:
        """An integer in ``lo..=hi``."""
        ...

    def float64(self) -> float:
        """Any f64, NaN, infinities and -0.0 included."""
        ...

    def float32(self) -> float:
        """Any f32 (as a Python float), NaN, infinities and -0.0 included."""
        ...

    def text(self, max_size: int) -> str:
        """A string of up to ``max_size`` characters, without lone surrogates."""
        ...

    def raw(self, max_size: int) -> bytes:
        """Up to ``max_size`` arbitrary bytes."""
        ...


def boolean(ch: Choices) -> bool:
    return ch.integer(0, 1) == 1


def pick(ch: Choices, options: Sequence[T]) -> T:
    return options[ch.integer(0, len(options) - 1)]


def char(ch: Choices) -> str:
    lo, hi = pick(ch, CHAR_RANGES)
    return chr(ch.integer(lo, hi))


class DrawChoices:
    """Decisions drawn from hypothesis (``st.data().draw``), which shrinks them."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self._draw = draw

    def integer(self, lo: int, hi: int) -> int:
        value: int = self._draw(st.integers(lo, hi))
        return value

    def float64(self) -> float:
        value: float = self._draw(st.floats())
        return value

    def float32(self) -> float:
        value: float = self._draw(st.floats(width=32))
        return value

    def text(self, max_size: int) -> str:
        value: str = self._draw(st.text(st.characters(codec="utf-8"), max_size=max_size))  # no surrogates
        return value

    def raw(self, max_size: int) -> bytes:
        value: bytes = self._draw(st.binary(max_size=max_size))
        return value


class ByteChoices:
    """Decisions read from a byte string, front to back.

    Once the bytes run out every answer is the smallest one, so any input
    makes a finite, valid generation. An integer's first byte may ask for an
    edge of the range (either end, or 0 when it is inside); otherwise the
    value is read from as many bytes as the range needs.
    """

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    @property
    def exhausted(self) -> bool:
        return self._pos >= len(self._data)

    def _take(self, n: int) -> bytes:
        chunk = self._data[self._pos : self._pos + n]
        self._pos += n
        return chunk.ljust(n, b"\0")

    def integer(self, lo: int, hi: int) -> int:
        if lo == hi or self.exhausted:
            return lo
        span = hi - lo
        if span > 3:
            edge = self._take(1)[0]
            if edge < 16:  # one time in 16: an edge
                return (lo, hi, min(max(0, lo), hi), hi - 1)[edge % 4]
        raw = int.from_bytes(self._take((span.bit_length() + 7) // 8), "little")
        return lo + raw % (span + 1)

    def float64(self) -> float:
        value: float = struct.unpack("<d", self._take(8))[0]
        return value

    def float32(self) -> float:
        value: float = struct.unpack("<f", self._take(4))[0]
        return value

    def text(self, max_size: int) -> str:
        return "".join(char(self) for _ in range(self.integer(0, max_size)))

    def raw(self, max_size: int) -> bytes:
        return self._take(self.integer(0, max_size))
