"""`timeout` holds while the guest waits on the host.

Epoch ticks stop guest code; these are the waits outside it: WASI's
blocking calls (a sleep, which is a `poll`; a read of stdin, in
test_cli_run.py) end at the call's deadline.
The bounds are generous: each wait would last seconds longer than allowed.
"""

from __future__ import annotations

import time

import pytest

import witbridge
from tests.conftest import InstanceFactory

LIB = "wasi_lib.component.wasm"


def test_a_wasi_sleep_ends_at_the_timeout(new_instance: InstanceFactory) -> None:
    lib = new_instance(LIB, limits=witbridge.Limits(timeout=0.5))
    started = time.monotonic()
    with pytest.raises(witbridge.Trap) as info:
        lib.files.sleep(5_000)
    assert time.monotonic() - started < 3
    assert info.value.code == "timeout"
    assert info.value.message == (
        "witbridge:wasi-lib/files@0.1.0#sleep: the call ran longer than its timeout of 500ms, "
        "while the guest waited in wasi:io/poll's poll"
    )
    assert lib.broken


def test_waits_within_the_timeout_or_without_one_are_whole(new_instance: InstanceFactory) -> None:
    for limits in [witbridge.Limits(timeout=30), None]:
        lib = new_instance(LIB, limits=limits, wasi=witbridge.WasiConfig(stdout="capture"))
        started = time.monotonic()
        lib.files.sleep(200)
        assert time.monotonic() - started >= 0.2
        lib.files.print("written")  # blocking-write-and-flush, replaced too
        assert lib.stdout == b"written\n"
        assert not lib.broken
