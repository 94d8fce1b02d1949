"""Resources the guest exports (issue 3, item 3) and ones Python implements (item 4)."""

from __future__ import annotations

import gc
import inspect
from pathlib import Path
from typing import Any, ClassVar

import pytest

import witbridge

WASM = Path(__file__).resolve().parents[1] / "fixtures" / "wasm"


class Logger:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def log(self, level: Any, message: str) -> None:
        self.lines.append((level.name, message))


class DictStore:
    """The kv interface over a Python dict."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    def set(self, key: str, value: bytes) -> None:
        self.data[key] = value

    def remove(self, key: str) -> bytes:
        if key not in self.data:
            raise witbridge.Err(f"no such key: {key}")
        return self.data.pop(key)

    def entries(self) -> list[dict[str, Any]]:
        return [{"key": k, "value": v} for k, v in self.data.items()]


class Events:
    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    def emit(self, source: str, event: Any) -> None:
        self.seen.append((source, event))


class File:
    """The host resource `file`: records its life in a shared journal."""

    journal: ClassVar[list[tuple[str, str]]] = []

    def __init__(self, name: str) -> None:
        self._name = name
        self.data = b""
        File.journal.append(("new", name))

    def name(self) -> str:
        return self._name

    def write(self, data: bytes) -> int:
        self.data += data
        return len(self.data)

    def size(self) -> int:
        return len(self.data)

    @staticmethod
    def sibling(of: File, name: str) -> File:
        return File(name)

    def drop(self) -> None:
        File.journal.append(("drop", self._name))


def total_size(files: list[File]) -> int:
    return sum(f.size() for f in files)


def host_user_linker(logger: Logger, kv: DictStore, files: str = "witbridge:host/files", name: str = "file") -> Any:
    """A linker providing every import of `host_user`; the resource defined as `name` in `files`."""
    linker = witbridge.Linker()
    linker.define("witbridge:host/logger", logger)
    linker.define("witbridge:host/kv", kv)
    linker.define("witbridge:host/events", Events())
    linker.define_resource(files, name, File)
    linker.define("witbridge:host/files", {"total_size": total_size})
    linker.define_func("tick", lambda n: n)
    return linker


@pytest.fixture
def host_user() -> tuple[witbridge.Instance, Logger, DictStore]:
    File.journal = []
    logger, kv = Logger(), DictStore()
    linker = host_user_linker(logger, kv)
    return linker.instantiate(witbridge.Component.from_file(WASM / "host_user.wasm")), logger, kv


@pytest.fixture
def counters(host_user: tuple[witbridge.Instance, Logger, DictStore]) -> witbridge.Namespace:
    ns = host_user[0].counters
    assert isinstance(ns, witbridge.Namespace)
    return ns


# -- exported resources ---------------------------------------------------------------


def test_constructor_methods_and_static_functions(counters: Any) -> None:
    c = counters.Counter(5)
    assert isinstance(c, counters.Counter)
    assert isinstance(c, witbridge.Resource)
    assert c.get() == 5
    assert c.add(3) == 8
    merged = counters.Counter.merge(c, counters.Counter(10))
    assert merged.get() == 18
    assert c.get() == 8, "borrowed arguments stay usable"
    assert repr(c) == "<Counter resource>"


def test_drop_with_and_garbage_collection_reach_the_guest(counters: Any) -> None:
    assert counters.live_count() == 0
    a, b = counters.Counter(1), counters.Counter(2)
    assert counters.live_count() == 2
    a.drop()
    assert counters.live_count() == 1
    a.drop()  # dropping twice does nothing
    with counters.Counter(3) as c:
        assert c.get() == 3
        assert counters.live_count() == 2
    assert counters.live_count() == 1
    assert not c.alive
    del b
    gc.collect()
    assert counters.live_count() == 0


def test_use_after_drop_is_an_error(counters: Any) -> None:
    c = counters.Counter(1)
    c.drop()
    with pytest.raises(witbridge.Error, match=r"get\(\): self: this counter was already dropped"):
        c.get()
    with pytest.raises(witbridge.Error, match=r"read_labeled\(\): l: this counter was already dropped"):
        counters.read_labeled(c)


def test_own_arguments_move_the_handle(counters: Any) -> None:
    c = counters.Counter(7)
    assert counters.consume(c) == 7
    assert not c.alive
    assert counters.live_count() == 0
    with pytest.raises(witbridge.Error, match="moved into a call that took ownership"):
        c.get()


def test_a_refused_call_moves_nothing(counters: Any) -> None:
    c = counters.Counter(4)
    with pytest.raises(TypeError):
        counters.sum_holder(counters.HolderMany([c, "not a counter"]))
    assert c.alive
    assert c.get() == 4
    assert counters.sum_holder(counters.HolderMany([c, counters.Counter(1)])) == 5
    assert not c.alive


def test_resources_inside_aggregates(counters: Any) -> None:
    labeled = counters.make_labeled("x", 7)
    assert labeled.label == "x"
    assert isinstance(labeled.counter, counters.Counter)
    assert counters.read_labeled(labeled.counter) == 7
    assert counters.sum_holder(counters.HolderNone()) == 0
    assert counters.sum_holder(counters.HolderOne(counters.Counter(3))) == 3
    assert counters.maybe_counter(None) is None
    assert counters.maybe_counter(4).get() == 4
    assert counters.try_counter(3).get() == 3
    with pytest.raises(witbridge.Err) as info:
        counters.try_counter(-1)
    assert info.value.value == "negative"


def test_wrong_objects_are_refused(counters: Any) -> None:
    with pytest.raises(TypeError, match=r"consume\(\): c: expected counter \(a Counter object\), got 5"):
        counters.consume(5)


def test_handles_belong_to_their_instance(host_user: Any) -> None:
    inst = host_user[0]
    second = host_user_linker(Logger(), DictStore()).instantiate(inst.component)
    c = inst.counters.Counter(1)
    with pytest.raises(witbridge.Error, match="belongs to another instance"):
        second.counters.read_labeled(c)
    assert isinstance(c, inst.counters.Counter)
    assert not isinstance(c, second.counters.Counter)


def test_resource_classes_show_their_wit(counters: Any) -> None:
    assert counters.Counter.__wit_name__ == "counter"
    assert "get: func(self: borrow<counter>) -> s64" in counters.Counter.get.__doc__
    assert "counter" in dir(counters) or "Counter" in dir(counters)


# -- imported resources and functions ---------------------------------------------------


def test_logger_and_dict_store(host_user: Any) -> None:
    inst, logger, kv = host_user
    assert inst.app.log_all("hi") == 4
    assert logger.lines == [("DEBUG", "hi"), ("INFO", "hi"), ("WARN", "hi"), ("ERROR", "hi")]
    assert inst.app.store_and_load("k", b"v1") == b"v1"
    assert kv.data == {"k": b"v1"}
    entries = inst.app.dump()
    assert [(e.key, e.value) for e in entries] == [("k", b"v1")]
    assert inst.app.remove_key("k") == b"v1"
    with pytest.raises(witbridge.Err) as info:
        inst.app.remove_key("k")
    assert info.value.value == "no such key: k"


def test_records_reach_host_functions_as_dataclasses() -> None:
    events = Events()
    inst = witbridge.load(
        WASM / "host_user.component.wasm",
        imports={
            "witbridge:host/logger": Logger(),
            "witbridge:host/kv": DictStore(),
            "witbridge:host/events": events,
            "witbridge:host/files": {"file": File, "total_size": total_size},
            "tick": lambda n: n,
        },
    )
    assert inst.app.emit_many(3) == 3
    assert [source for source, _ in events.seen] == ["bench"] * 3
    event = events.seen[2][1]
    assert type(event).__name__ == "Event"
    assert (event.kind, event.x, event.y) == ("move", 2, -2)


def test_host_static_functions_and_lists_of_borrowed_host_resources(host_user: Any) -> None:
    inst = host_user[0]
    # file.sibling (a static function of the class) and total-size(list<borrow<file>>)
    assert inst.app.sizes_with_sibling("a.txt", b"hello") == 6
    assert File.journal == [("new", "a.txt"), ("new", "sibling"), ("drop", "sibling"), ("drop", "a.txt")]
    assert inst._native._host_resource_count == 0


def test_host_resource_lives_as_long_as_the_guest_holds_it(host_user: Any) -> None:
    inst = host_user[0]
    assert inst.app.write_file("notes.txt", [b"ab", b"cde"]) == 5
    assert File.journal == [("new", "notes.txt"), ("drop", "notes.txt")]
    assert inst._native._host_resource_count == 0


def test_host_table_is_empty_after_the_guest_drops_everything(host_user: Any) -> None:
    inst = host_user[0]
    assert inst.app.churn_files(50) == sum(len(f"f{i}") for i in range(50))
    assert inst._native._host_resource_count == 0
    assert [kind for kind, _ in File.journal].count("drop") == 50


def test_missing_resource_and_methods_are_listed() -> None:
    class Incomplete:
        def __init__(self, name: str) -> None:
            pass

    linker = witbridge.Linker()
    linker.define("witbridge:host/logger", Logger())
    linker.define_resource("witbridge:host/files", "file", Incomplete)
    with pytest.raises(witbridge.LinkError) as info:
        linker.instantiate(witbridge.Component.from_file(WASM / "host_user.wasm"))
    message = str(info.value)
    assert "interface witbridge:host/kv@0.1.0:" in message
    assert "Incomplete.name() of resource file: name: func(self: borrow<file>) -> string" in message
    assert "Incomplete.write() of resource file" in message
    assert "function tick: func(n: u32) -> u32" in message


def test_resource_defined_by_pascal_name_too() -> None:
    linker = host_user_linker(Logger(), DictStore(), files="witbridge:host/files@0.1.0", name="File")
    inst = linker.instantiate(witbridge.Component.from_file(WASM / "host_user.wasm"))
    assert inst.app.write_file("x", [b"1"]) == 1


def test_readme_example(tmp_path: Path) -> None:
    """The dozen lines of the README: a logger, a dict store and a file class."""
    store: dict[str, bytes] = {}
    lines: list[str] = []
    inst = witbridge.load(
        WASM / "host_user.wasm",
        imports={
            "witbridge:host/logger": {"log": lambda level, msg: lines.append(f"{level.name}: {msg}")},
            "witbridge:host/kv": DictStore(),
            "witbridge:host/events": Events(),
            "witbridge:host/files": {"file": File, "total_size": total_size},
            "tick": lambda n: n,
        },
    )
    assert inst.app.log_all("hello") == 4
    assert lines[0] == "DEBUG: hello"
    assert inst.app.write_file("a", [b"xy"]) == 2
    del store


def test_a_destructor_enters_the_guest_as_a_call_does() -> None:
    # Drops used to run outside the guest-entry path, with the last call's
    # deadline still set: a drop 0.2 s after a call of a 50 ms timeout raised
    # "the call ran longer than its timeout" and broke the instance.
    import time

    limits = witbridge.Limits(timeout=0.05)
    inst = host_user_linker(Logger(), DictStore()).instantiate(
        witbridge.Component.from_file(WASM / "host_user.wasm"), limits=limits
    )
    counters = inst.counters
    kept, collected = counters.Counter(1), counters.Counter(2)
    assert counters.live_count() == 2
    time.sleep(0.2)
    kept.drop()  # its own entry into the guest, with a fresh deadline
    del collected
    gc.collect()
    time.sleep(0.2)
    assert counters.live_count() == 0  # the collected one was dropped on this entry
    assert not inst.broken


def test_resource_methods_have_signatures_without_self(counters: Any) -> None:
    counter = counters.Counter(1)
    assert str(inspect.signature(counter.get)) == "() -> 's64'"
    assert str(inspect.signature(counters.Counter.get)) == "(self: 'borrow<counter>') -> 's64'"
