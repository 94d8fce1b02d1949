"""Ranges of the WIT number types, shared by the value and property tests."""

from __future__ import annotations

import struct

# Inclusive (min, max) of each WIT integer type.
INT_RANGES = {
    "u8": (0, 2**8 - 1),
    "u16": (0, 2**16 - 1),
    "u32": (0, 2**32 - 1),
    "u64": (0, 2**64 - 1),
    "s8": (-(2**7), 2**7 - 1),
    "s16": (-(2**15), 2**15 - 1),
    "s32": (-(2**31), 2**31 - 1),
    "s64": (-(2**63), 2**63 - 1),
}

# The largest finite f32.
F32_MAX: float = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]
