"""witbridge in a process forked from one that used it.

``os.fork`` (and ``multiprocessing``'s default start method on Linux before
Python 3.14) leaves the child with one thread. Before witbridge gave each
process its own helper threads (witbridge-core/src/fork.rs), a child of a
process that had used them hung: a timeout never fired, a compile never
ended, a WASI read never returned. Each test here first makes the parent
start the helper, then checks the child under a watchdog, so a hang fails
the test instead of stalling the suite.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import witbridge

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WASM = FIXTURES / "wasm"
BUSY = FIXTURES / "wat" / "busy.wat"
# Long enough for a loaded CI machine to compile a component, short enough
# that a hang shows up within a minute.
CHILD_SECONDS = 60.0


def in_child(work: Callable[[], Any]) -> Any:
    """Runs ``work`` in a forked child; its result, or its exception raised here."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            os.close(read_end)
            try:
                outcome: tuple[str, Any] = ("ok", work())
            except BaseException as exc:  # everything goes back to the parent
                outcome = ("raised", f"{type(exc).__name__}: {exc}")
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(outcome, out)
        finally:
            os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + CHILD_SECONDS
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_end)
            pytest.fail(f"the forked process hung for {CHILD_SECONDS:.0f} s")
        time.sleep(0.01)
    with os.fdopen(read_end, "rb") as got:
        data = got.read()
    assert os.waitstatus_to_exitcode(status) == 0, f"the child ended with status {status}"
    kind, value = pickle.loads(data)
    if kind == "raised":
        raise AssertionError(f"in the forked process: {value}")
    return value


def test_calls_of_the_parents_instances_work_in_the_child() -> None:
    app = witbridge.load(WASM / "wasm_intro.wasm")
    mi = app.machine_interface
    assert mi.count_symbols("héllo") == 5
    assert in_child(lambda: (mi.count_symbols("héllo wörld"), mi.get_u32())) == (11, 123)
    assert mi.get_u32() == 123, "the parent's instance is untouched"


def test_a_timeout_fires_in_the_child() -> None:
    engine = witbridge.Engine(cache_dir=None)
    limits = witbridge.Limits(timeout=0.2)
    busy = witbridge.load(BUSY, engine=engine, limits=limits)
    # A long enough call starts the engine's epoch ticker in the parent.
    with pytest.raises(witbridge.Trap) as caught:
        busy.spin()
    assert caught.value.code == "timeout"

    def spin_in_child() -> tuple[str | None, float]:
        fresh = witbridge.load(BUSY, engine=engine, limits=limits)
        started = time.monotonic()
        try:
            fresh.spin()
        except witbridge.Trap as trap:
            return trap.code, time.monotonic() - started
        return None, time.monotonic() - started

    code, took = in_child(spin_in_child)
    assert code == "timeout"
    assert took < 10, f"the timeout of 0.2 s took {took:.1f} s"


def test_the_child_compiles_components() -> None:
    # No cache, so that the parent really compiles and starts the compile pool.
    engine = witbridge.Engine(cache_dir=None)
    witbridge.load(WASM / "wasm_intro.wasm", engine=engine)

    def compile_in_child() -> int:
        inst = witbridge.load(BUSY, engine=engine)
        return int(inst.burn(3))

    got = in_child(compile_in_child)
    assert got == witbridge.load(BUSY, engine=engine).burn(3)


def test_wasi_works_in_the_child(tmp_path: Path) -> None:
    def files() -> Any:
        wasi = witbridge.WasiConfig(preopens={"/data": witbridge.Preopen(tmp_path)})
        return witbridge.load(WASM / "wasi_lib.component.wasm", wasi=wasi).files

    parents = files()
    parents.write_text("/data/a.txt", "from the parent")
    parents.sleep(1)  # the parent's WASI runtime is up

    def use_wasi_in_child() -> tuple[str, str]:
        started = files()
        started.write_text("/data/b.txt", "from the child")
        parents.sleep(1)
        return parents.read_text("/data/a.txt"), started.read_text("/data/b.txt")

    assert in_child(use_wasi_in_child) == ("from the parent", "from the child")
    assert (tmp_path / "b.txt").read_text() == "from the child"


def test_an_instance_busy_in_another_thread_at_the_fork_is_refused_not_waited_for() -> None:
    busy = witbridge.load(BUSY, limits=witbridge.Limits(timeout=1))
    started = threading.Event()

    def spin() -> None:
        started.set()
        with pytest.raises(witbridge.Trap):
            busy.spin()

    thread = threading.Thread(target=spin)
    thread.start()
    started.wait()
    time.sleep(0.2)  # the call is in the guest, with the instance locked

    def call_in_child() -> str:
        try:
            busy.burn(1)
        except witbridge.Error as err:
            return str(err)
        return "the call ran"

    try:
        message = in_child(call_in_child)
    finally:
        thread.join()
    assert "this process was forked while another thread was in a call of this instance" in message
    assert message.startswith("cannot call burn:")


def count(text: str) -> int:
    """A multiprocessing worker: the module-level instance, inherited by fork."""
    return int(POOL_APP.machine_interface.count_symbols(text))


POOL_APP = witbridge.load(WASM / "wasm_intro.wasm")


@pytest.mark.skipif(sys.platform != "linux", reason="the fork start method is Linux's default")
def test_a_fork_pool_maps_a_guest_function() -> None:
    assert count("warm") == 4  # the parent used it first
    with multiprocessing.get_context("fork").Pool(2) as pool:
        result = pool.map_async(count, ["a", "héllo", "wörld!"])
        assert result.get(timeout=CHILD_SECONDS) == [1, 5, 6]
