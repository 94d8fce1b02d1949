"""Pickling (DESIGN.md §7): components, portable functions and WIT values in other processes.

Every "other process" here is a fresh interpreter (multiprocessing's spawn),
so nothing it uses was inherited: it gets the pickle and nothing else.
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import witbridge

from . import portable_imports
from .test_loading import CORE_WAT, DEMO_WIT
from .test_resources import DictStore, Logger, host_user_linker

ROOT = Path(__file__).resolve().parents[1]
VALUES = ROOT / "fixtures" / "wasm" / "values.component.wasm"
HOST_CALLS = ROOT / "fixtures" / "wat" / "host-calls.wat"
BUSY = ROOT / "fixtures" / "wat" / "busy.wat"


@pytest.fixture(scope="module")
def child() -> Iterator[ProcessPoolExecutor]:
    """Another Python process, started fresh (spawn), that runs the functions below."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def in_child(pool: ProcessPoolExecutor, fn: Any, *args: Any) -> Any:
    return pool.submit(fn, *args).result(timeout=120)


# --- what the other process runs (module-level, so that it can import them) --------------------


def use_component(component: witbridge.Component) -> tuple[int, str, list[str]]:
    inst = witbridge.Linker(component.engine).instantiate(component)
    return inst.add(40, 2), inst.greet("x"), list(inst.exports)


def double_in(component: witbridge.Component) -> int:
    return int(witbridge.Linker(component.engine).instantiate(component).math.double(21))


def engine_of(component: witbridge.Component) -> tuple[bool | None, bool, str | None, bool]:
    engine = component.engine
    cache = None if engine.cache_dir is None else str(engine.cache_dir)
    return engine.fuel, engine.epoch_interruption, cache, engine is witbridge.Engine.default()


def unpickle_twice(data: bytes) -> bool:
    return pickle.loads(data) is pickle.loads(data)


def call(handle: witbridge.PortableFunction, *args: Any) -> Any:
    return handle(*args)


def call_twice_and_pid(handle: witbridge.PortableFunction, *args: Any) -> tuple[Any, Any, int]:
    return handle(*args), pickle.loads(pickle.dumps(handle))(*args), os.getpid()


def guest_values() -> list[Any]:
    """Records, variants, enums and flags, made by a guest in this process."""
    v = witbridge.load(VALUES).values
    person = v.echo_person(v.Person(name="Ada", age=36, tags=["a", "b"], home=v.Point(x=1, y=-2)))
    return [
        person,
        v.echo_points([v.Point(x=i, y=-i) for i in range(3)]),
        v.echo_shape(v.Shape.Rect(v.Point(x=3, y=4))),
        v.echo_shape(v.Shape.Empty()),
        v.echo_mixed(v.Mixed.Points([v.Point(x=5, y=6)])),
        v.echo_color(v.Color.LIGHT_YELLOW),
        v.echo_perms(v.Perms.READ | v.Perms.EXEC),
        v.echo_keywords(v.Keywords(type_=1, class_="c", from_=True, lambda_=b"\x00")),
        witbridge.Ok(v.Point(x=7, y=8)),
    ]


def compare_with_own_load(sent: bytes) -> list[tuple[bool, bool]]:
    """In a process that has loaded the component, values received are of its classes."""
    mine = guest_values()
    received = pickle.loads(sent)
    return [(type(a) is type(b), a == b) for a, b in zip(received, mine, strict=True)]


def describe(values: list[Any]) -> list[str]:
    return [repr(v) for v in values]


# --- Component ---------------------------------------------------------------------------------


def test_component_pickles_to_another_process(child: ProcessPoolExecutor) -> None:
    component = witbridge.Component.from_file(VALUES)
    added, greeting, exports = in_child(child, use_component, component)
    assert added == 42
    assert greeting == witbridge.Linker().instantiate(component).greet("x")
    assert exports == list(witbridge.Linker().instantiate(component).exports)


def test_core_module_needs_no_wit_on_the_other_side(child: ProcessPoolExecutor, tmp_path: Path) -> None:
    wit = tmp_path / "demo.wit"
    wit.write_text(DEMO_WIT)
    component = witbridge.Component.from_wat(CORE_WAT, wit=wit, world="demo")
    wit.unlink()  # what travels is the component witbridge made, which carries its WIT
    assert in_child(child, double_in, component) == 42


def test_engine_settings_travel_and_the_default_cache_is_the_receivers(
    child: ProcessPoolExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = witbridge.Component.from_file(VALUES)
    assert default.__reduce__()[1][1] == (None, True, ...)
    assert in_child(child, engine_of, default)[::3] == (None, True)
    # The default cache directory is the receiver's own (here: another $WITBRIDGE_CACHE_DIR).
    monkeypatch.setenv("WITBRIDGE_CACHE_DIR", str(tmp_path / "theirs"))
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as other:
        assert in_child(other, engine_of, default) == (None, True, str(tmp_path / "theirs"), True)

    custom = witbridge.Component.from_file(
        VALUES, engine=witbridge.Engine(fuel=True, epoch_interruption=False, cache_dir=tmp_path)
    )
    assert in_child(child, engine_of, custom) == (True, False, str(tmp_path), False)
    uncached = witbridge.Component.from_file(VALUES, engine=witbridge.Engine(cache_dir=None))
    assert in_child(child, engine_of, uncached) == (None, True, None, False)


def test_receiver_compiles_once_then_hits_its_cache(child: ProcessPoolExecutor, tmp_path: Path) -> None:
    component = witbridge.Component.from_file(VALUES, engine=witbridge.Engine(cache_dir=tmp_path))
    for entry in tmp_path.glob("*.cwasm"):
        entry.unlink()
    data = pickle.dumps(component)
    assert in_child(child, unpickle_twice, data), "one process compiles the same bytes once"
    [entry] = tmp_path.glob("*.cwasm")
    stamp = entry.stat().st_mtime_ns
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as other:
        assert in_child(other, engine_of, component)[2] == str(tmp_path)
    assert [e.stat().st_mtime_ns for e in tmp_path.glob("*.cwasm")] == [stamp], "a new process reads the cache"


def test_pickle_carries_the_wasm_not_machine_code() -> None:
    component = witbridge.Component.from_file(VALUES)
    data = pickle.dumps(component)
    assert VALUES.read_bytes() in data
    assert len(data) < len(VALUES.read_bytes()) + 1000


def test_deserialized_component_refuses_to_pickle() -> None:
    artifact = witbridge.Component.from_file(VALUES).serialize()
    component = witbridge.Component.deserialize(artifact)
    with pytest.raises(TypeError, match=r"deserialized from a precompiled artifact.*load it from its \.wasm file"):
        pickle.dumps(component)


def test_instance_and_namespace_refuse_to_pickle() -> None:
    inst = witbridge.load(VALUES)
    for obj, what in ((inst, "witbridge.Instance"), (inst.values, "interface namespace")):
        with pytest.raises(TypeError, match=f"cannot pickle a {what}.*running guest.*PortableFunction"):
            pickle.dumps(obj)


def test_resource_refuses_to_pickle() -> None:
    inst = host_user_linker(Logger(), DictStore()).instantiate(
        witbridge.Component.from_file(ROOT / "fixtures" / "wasm" / "host_user.wasm")
    )
    with pytest.raises(TypeError, match="cannot pickle a Counter: a resource is a handle into the guest"):
        pickle.dumps(inst.counters.Counter(1))


# --- PortableFunction --------------------------------------------------------------------------


def test_portable_function_calls_locally_and_in_another_process(child: ProcessPoolExecutor) -> None:
    total = witbridge.PortableFunction(VALUES, "values.sum-f64s")
    assert total([1.0, 2.5]) == 3.5
    assert in_child(child, call, total, [1.0, 2.5]) == 3.5
    first, second, pid = in_child(child, call_twice_and_pid, total, [4.0])
    assert (first, second) == (4.0, 4.0)
    assert pid != os.getpid()


def test_export_spellings() -> None:
    component = witbridge.Component.from_file(VALUES)
    full = "witbridge:fixtures/values@0.1.0"
    for spelling in (
        "values.sum-f64s",
        "values.sum_f64s",
        "sum-f64s",
        "witbridge:fixtures/values@0.1.0#sum-f64s",
        "witbridge:fixtures/values#sum-f64s",
        "witbridge:fixtures/values.sum-f64s",
    ):
        f = witbridge.PortableFunction(component, spelling)
        assert (f.interface, f.function, f.wit_name) == (full, "sum-f64s", f"{full}#sum-f64s"), spelling
        assert f.__name__ == "sum_f64s"
    root = witbridge.PortableFunction(component, "add")
    assert (root.interface, root.function, root(2, 3)) == (None, "add", 5)
    assert repr(root) == "<witbridge.PortableFunction add>"
    with pytest.raises(ValueError, match=r"exports no function 'sum-f46s'; did you mean 'values.sum-f64s'\?"):
        witbridge.PortableFunction(component, "sum-f46s")
    with pytest.raises(ValueError, match=r"exports no interface 'valeus'"):
        witbridge.PortableFunction(component, "valeus.noop")
    with pytest.raises(ValueError, match=r"interface witbridge:fixtures/values@0.1.0 has no function 'nope'"):
        witbridge.PortableFunction(component, "values.nope")


def test_options_are_checked_where_the_handle_is_made() -> None:
    with pytest.raises(TypeError, match=r"limits=...\): expected a witbridge.Limits, got dict"):
        witbridge.PortableFunction(VALUES, "add", limits={"fuel": 1})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"numeric_lists=...\): expected 'list', 'array' or 'numpy'"):
        witbridge.PortableFunction(VALUES, "add", numeric_lists="tuple")  # type: ignore[arg-type]


def test_map_and_starmap_are_the_batch_forms(child: ProcessPoolExecutor) -> None:
    add = witbridge.PortableFunction(VALUES, "add")
    rows = [(i, 2 * i) for i in range(1000)]
    assert add.starmap(rows) == [3 * i for i in range(1000)]
    assert in_child(child, add.starmap, rows) == [3 * i for i in range(1000)]
    total = witbridge.PortableFunction(VALUES, "values.sum-f64s")
    assert in_child(child, total.map, [[1.0], [1.0, 2.0], []]) == [1.0, 3.0, -0.0]
    with pytest.raises(TypeError, match=r"add.starmap\(\): each row is a tuple of arguments, got list at row 1"):
        add.starmap([(1, 2), [3, 4]])  # type: ignore[list-item]


def test_one_instance_per_thread_kept_and_shared_by_copies() -> None:
    grow = witbridge.PortableFunction(BUSY, "grow")
    assert grow(1) == 1  # memory.grow returns the old size: one page, then two
    assert grow(1) == 2, "the second call runs in the same instance"
    copy_of = pickle.loads(pickle.dumps(grow))
    assert copy_of(0) == 3, "a copy of the handle uses the same instance in this thread"
    other = witbridge.PortableFunction(BUSY, "grow")
    assert other(0) == 1, "another handle has its own"

    import threading

    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(grow(0)))
    thread.start()
    thread.join()
    assert seen == [1], "another thread has its own instance"


def test_a_trap_replaces_the_instance_on_the_next_call() -> None:
    trap = witbridge.PortableFunction(VALUES, "values.trap")
    noop = witbridge.PortableFunction(trap.component, "values.noop")
    with pytest.raises(witbridge.Trap) as raised:
        trap("boom")
    assert raised.value.code == "unreachable_code_reached"
    with pytest.raises(witbridge.Trap):
        trap("again")  # a new instance traps anew: not "no longer usable"
    noop()
    total = witbridge.PortableFunction(VALUES, "values.sum-f64s")
    with pytest.raises(TypeError) as bad:
        total.map([[1.0], ["x"]])
    assert bad.value.__notes__ == ["in sum_f64s.map(), at item 1"]
    assert total.map([[2.0]]) == [2.0], "a refused argument leaves the instance usable"


def test_limits_hold_in_the_other_process(child: ProcessPoolExecutor) -> None:
    spin = witbridge.PortableFunction(BUSY, "spin", limits=witbridge.Limits(timeout=0.05))
    with pytest.raises(witbridge.Trap) as raised:
        in_child(child, call, spin)
    assert raised.value.code == "timeout"
    burn = witbridge.PortableFunction(BUSY, "burn", limits=witbridge.Limits(fuel=10_000))
    with pytest.raises(witbridge.Trap) as raised:
        in_child(child, call, burn, 1_000_000)
    assert raised.value.code == "out_of_fuel"
    grow = witbridge.PortableFunction(BUSY, "grow", limits=witbridge.Limits(max_memory=4 * 65536))
    with pytest.raises(witbridge.Trap) as raised:
        in_child(child, call, grow, 10)
    assert raised.value.code == "memory_limit"


def test_imports_travel_as_modules_functions_and_objects(child: ProcessPoolExecutor) -> None:
    for math, factor in (
        (portable_imports, 2),
        ({"double": portable_imports.double}, 2),
        (portable_imports.Math(3), 3),
    ):
        quad = witbridge.PortableFunction(
            HOST_CALLS, "quad", imports={"xyz:host/math": math, "callback": portable_imports.callback}
        )
        assert quad(5) == 5 * factor * factor
        assert in_child(child, call, quad, 5) == 5 * factor * factor


def test_an_import_that_cannot_travel_is_named() -> None:
    def local_double(x: int) -> int:
        return 2 * x

    class LocalMath:
        def double(self, x: int) -> int:
            return 2 * x

    cases: list[tuple[object, str]] = [
        ({"double": lambda x: 2 * x}, r"imports\['xyz:host/math'\]\['double'\] is a lambda"),
        ({"double": local_double}, r"imports\['xyz:host/math'\]\['double'\] is the function .*local_double"),
        (LocalMath(), r"imports\['xyz:host/math'\] is an instance of .*LocalMath \(defined inside a function\)"),
    ]
    for math, message in cases:
        quad = witbridge.PortableFunction(
            HOST_CALLS, "quad", imports={"xyz:host/math": math, "callback": portable_imports.callback}
        )
        assert quad(1) == 4, "it works in this process"
        with pytest.raises(pickle.PicklingError, match=message):
            pickle.dumps(quad)


def test_wasi_config_and_limits_pickle(tmp_path: Path) -> None:
    limits = witbridge.Limits(fuel=10, timeout=1.5, max_memory=1 << 20)
    assert pickle.loads(pickle.dumps(limits)) == limits
    wasi = witbridge.WasiConfig(
        args=["a"], env={"K": "v"}, preopens={"/data": witbridge.Preopen(tmp_path, read_only=True)}, stdout="capture"
    )
    back = pickle.loads(pickle.dumps(wasi))
    assert back == wasi
    assert back._preopens == wasi._preopens  # type: ignore[attr-defined]
    data = pickle.dumps(wasi)
    tmp_path.rmdir()
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        pickle.loads(data)  # checked again where it is unpickled


# --- WIT values --------------------------------------------------------------------------------


def test_guest_values_come_back_from_another_process(child: ProcessPoolExecutor) -> None:
    received = in_child(child, guest_values)
    assert [repr(v) for v in received] == [repr(v) for v in guest_values()]
    person = received[0]
    assert (person.name, person.tags, person.home.x) == ("Ada", ["a", "b"], 1)
    assert type(received[2]).__name__ == "ShapeRect"
    assert received[3] == copy.deepcopy(received[3])


def test_values_unpickle_as_the_receivers_own_classes(child: ProcessPoolExecutor) -> None:
    sent = pickle.dumps(guest_values())
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as fresh:
        assert in_child(fresh, compare_with_own_load, sent) == [(True, True)] * 9


def test_values_unpickle_where_no_component_made_their_classes(child: ProcessPoolExecutor) -> None:
    # The child's repr of values it got before loading anything: classes rebuilt from the structure.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as fresh:
        assert in_child(fresh, describe, guest_values()) == [repr(v) for v in guest_values()]


def test_copies_keep_the_class() -> None:
    a = witbridge.load(VALUES).values
    b = witbridge.load(VALUES).values
    point = b.Point(x=1, y=2)
    assert type(copy.deepcopy(point)) is b.Point
    assert type(copy.copy(b.Shape.Rect(point))) is b.Shape.Rect
    assert a.Point is not b.Point


def test_a_trap_pickles_with_its_code() -> None:
    with pytest.raises(witbridge.Trap) as raised:
        witbridge.load(VALUES).values.trap("boom")
    back = pickle.loads(pickle.dumps(raised.value))
    assert (back.message, back.code, str(back)) == (raised.value.message, raised.value.code, str(raised.value))


def test_witbridge_never_imports_dask() -> None:
    code = (
        "import sys, witbridge\n"
        "witbridge.PortableFunction(sys.argv[1], 'add')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed', 'pandas', 'cloudpickle'}))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(VALUES)], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
