"""``Instance.close()`` and ``with``: the store goes at once, and nothing can reach it after."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest

import witbridge

from .test_resources import DictStore, Logger, host_user_linker

ROOT = Path(__file__).resolve().parents[1]
WASM = ROOT / "fixtures" / "wasm"
BUSY = ROOT / "fixtures" / "wat" / "busy.wat"
HOST_USER = WASM / "host_user.component.wasm"

# A guest that keeps a host resource: `keep()` makes an `r` named "kept"
# through the host's constructor and holds its handle in a global.
KEEPS_A_HOST_RESOURCE = """
(component
  (import "test:keep/files" (instance $files
    (export "r" (type $r (sub resource)))
    (export "[constructor]r" (func (param "name" string) (result (own $r))))))
  (alias export $files "r" (type $r))
  (alias export $files "[constructor]r" (func $new))
  (core module $mem (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 64)))
  (core instance $mem (instantiate $mem))
  (alias core export $mem "memory" (core memory $memory))
  (alias core export $mem "realloc" (core func $realloc))
  (core func $new_core (canon lower (func $new) (memory $memory) (realloc $realloc)))
  (core module $m
    (import "host" "new" (func $new (param i32 i32) (result i32)))
    (import "host" "memory" (memory 1))
    (data (i32.const 0) "kept")
    (global $h (mut i32) (i32.const 0))
    (func (export "keep") (global.set $h (call $new (i32.const 0) (i32.const 4)))))
  (core instance $host (export "new" (func $new_core)) (export "memory" (memory $memory)))
  (core instance $i (instantiate $m (with "host" (instance $host))))
  (func (export "keep") (canon lift (core func $i "keep"))))
"""


class Named:
    """The host resource `r`: records its life."""

    journal: list[tuple[str, str]]

    def __init__(self, name: str) -> None:
        self.name = name
        self.journal.append(("new", name))

    def drop(self) -> None:
        self.journal.append(("drop", self.name))


def test_a_closed_instance_refuses_calls() -> None:
    inst = witbridge.load(WASM / "values.component.wasm")
    assert inst.values.echo_string("x") == "x"
    assert not inst.closed
    assert not inst.broken
    inst.close()
    assert inst.closed
    assert inst.broken
    with pytest.raises(witbridge.Error, match=r"cannot call .*: the instance was closed"):
        inst.values.echo_string("x")
    inst.close()  # twice: nothing happens


def test_with_closes_at_the_end_of_the_block() -> None:
    with witbridge.load(WASM / "wasm_intro.wasm") as inst:
        assert inst.machine_interface.get_u32() == 123
    assert inst.closed
    with pytest.raises(witbridge.Error, match="closed"):
        inst.machine_interface.get_u32()


def test_host_resources_the_guest_held_are_ended() -> None:
    journal: list[tuple[str, str]] = []
    resource = type("R", (Named,), {"journal": journal})
    inst = witbridge.load(KEEPS_A_HOST_RESOURCE.encode(), imports={"test:keep/files": {"r": resource}})
    inst.keep()
    assert journal == [("new", "kept")]
    assert inst._native._host_resource_count == 1
    inst.close()
    assert journal == [("new", "kept"), ("drop", "kept")]
    assert inst._native._host_resource_count == 0


def test_guest_resources_left_in_python_are_dead() -> None:
    inst = host_user_linker(Logger(), DictStore()).instantiate(witbridge.Component.from_file(HOST_USER))
    counter = inst.counters.Counter(5)
    other = inst.counters.Counter(6)
    inst.close()
    with pytest.raises(witbridge.Error, match="closed"):
        counter.get()
    with pytest.raises(witbridge.Error, match="closed"):
        counter.drop()
    # Collected after the close: nothing to drop it in, and nothing breaks.
    del other
    gc.collect()
    assert inst.closed


def test_close_waits_for_a_call_in_another_thread() -> None:
    inst = witbridge.load(BUSY)
    expected = witbridge.load(BUSY).burn(3_000_000)
    results: list[int | witbridge.Error] = []
    started = threading.Event()

    def call() -> None:
        started.set()
        try:
            results.append(inst.burn(3_000_000))
        except witbridge.Error as refused:
            results.append(refused)

    thread = threading.Thread(target=call)
    thread.start()
    started.wait()
    inst.close()
    thread.join()
    # Either the call ran to its end before the store went, or it found the
    # instance closed; never a half-run call on a freed store.
    [result] = results
    assert result == expected or "the instance was closed" in str(result)
    assert inst.closed
