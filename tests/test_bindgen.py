"""``witbridge bindgen``: typed modules for every fixture, type-checked, linted and used (issue 6, part 2).

Every built guest (components and core modules) and every guest's WIT gets a
module, written once per session into a temporary directory together with a
few programs that use them (``USAGE`` below). One ``mypy --strict`` run checks
all of it, so a module that doesn't type-check, or a Protocol a correct host
implementation doesn't satisfy, fails here; the programs then run against the
real guests, so the types are also true at run time.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import os
import subprocess
import sys
import textwrap
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import witbridge
from witbridge import bindgen
from witbridge.bindgen.names import Scope
from witbridge.cli import main

ROOT = Path(__file__).resolve().parents[1]
WASM = ROOT / "fixtures" / "wasm"
GUESTS = ROOT / "fixtures" / "guests"

# (module name, source, world): every built guest, and every guest's WIT.
SOURCES: list[tuple[str, Path, str | None]] = [
    ("bg_" + p.name.replace(".component.wasm", "_component").replace(".wasm", "_core"), p, None)
    for p in sorted(WASM.glob("*.wasm"))
] + [
    ("bg_wit_machine", GUESTS / "wasm_intro" / "wit", None),
    ("bg_wit_values", GUESTS / "values" / "wit", None),
    ("bg_wit_host_user", GUESTS / "host_user" / "wit", None),
    ("bg_wit_provider", GUESTS / "provider" / "wit", "provider"),
    ("bg_wit_consumer", GUESTS / "provider" / "wit", "consumer"),
    ("bg_wit_wasi_cli", GUESTS / "wasi_cli" / "wit", None),
    ("bg_wit_wasi_lib", GUESTS / "wasi_lib" / "wit", None),
    ("bg_wit_py_guest", GUESTS / "py_guest" / "wit", None),
]
IDS = [name for name, _, _ in SOURCES]

# WIT that no guest implements, full of what keeps names apart: Python keywords and builtins, names linters
# flag, the same type name in two interfaces, a type named like its interface, world-level types, inline
# interfaces, resources on both sides, methods named like witbridge.Resource's, nested options.
EDGE_WIT = """
package test:edge@1.2.3;

interface a {
  /// An error code of a.
  enum error-code { i, o, none, l }
  record l { l: u32, o: string }
  variant none { none, %true(u8), i }
  flags one { x }
  resource counter { constructor(); drop: func(); alive: func() -> bool; }
  type maybe = option<u32>;
  type nested = option<maybe>;
  type byte = u8;
  record meta { mro: byte }
  raw: func(m: meta, b: list<byte>) -> list<byte>;
  f: func(l: l, x: nested, y: option<option<option<string>>>) -> result<_, error-code>;
  g: func() -> result;
  %self: func(%self: u32) -> tuple<>;
}

interface b {
  enum error-code { other }
  record sequence { protocol: u32 }
  resource b { constructor(x: u32); get: func() -> u32; }
  use a.{error-code as a-error, l};
  h: func(e: error-code, f: a-error, s: sequence, m: l) -> list<tuple<u8, list<u8>>>;
}

interface host {
  resource thing {
    constructor();
    name: func() -> string;
    clone: static func(t: borrow<thing>) -> thing;
    merge: func(other: borrow<thing>) -> thing;
  }
  enum error-code { bad }
  make: func(n: u32) -> result<thing, error-code>;
  take: func(t: thing, u: borrow<thing>) -> option<option<u8>>;
}

interface b2 {
  use host.{thing};
  keep: func(t: borrow<thing>) -> u32;
}

// Two types whose names a `use` swaps: each name is the other's class on the namespace.
interface swapped {
  use a.{l as meta, meta as l};
  s: func(x: l, y: meta) -> l;
}

// Host resources only received (contravariant), only returned (covariant), and renamed.
interface sink {
  use host.{thing};
  put: func(t: borrow<thing>, more: tuple<borrow<thing>, u8>);
}

interface source {
  use host.{thing as item};
  get: func() -> option<item>;
  all: func() -> list<item>;
  pair: func() -> tuple<item, u8>;
}

world edge {
  record point { x: s32 }
  import host;
  import sink;
  import source;
  import log: func(msg: string, p: point) -> result<u32, string>;
  import inline-imp: interface { ping: func() -> string; }
  export a;
  export b;
  export b2;
  export swapped;
  export inline-exp: interface { record r { v: u8 } pong: func(r: r) -> r; }
  export root-f: func(p: point) -> point;
  export load: func();
}
"""

# Programs written against the generated modules: type-checked with them, then run.
USAGE = {
    "use_machine": """
        from pathlib import Path

        from bg_wasm_intro_core import MachineInterface, Point, RunResult, WasmIntro
        from bg_wit_machine import Machine


        def main(wasm: Path) -> None:
            app = WasmIntro.load(wasm / "wasm_intro.wasm")
            mi: MachineInterface = app.machine_interface
            result = mi.run(7, Point(x=1, y=2), mi.Point(x=3, y=4))
            assert isinstance(result, RunResult)
            assert result == RunResult(1, "machine 7 run from Point { x: 1, y: 2 } to Point { x: 3, y: 4 }")
            match result:
                case RunResult(machine_id=machine_id, message=message):
                    assert (machine_id, message[:9]) == (1, "machine 7")
            assert mi.get_u32() == 123
            assert mi.get_str() == "simple string to return"
            assert mi.get_vec() == bytes([5, 4, 3, 2, 1, 10])
            assert mi.count_symbols("héllo") == 5
            # The same WIT, generated from its source: the same shapes.
            other = Machine.load(wasm / "wasm_intro.component.wasm")
            ns = other.machine_interface
            assert ns.run(1, ns.Point(0, 0), ns.Point(1, 1)).machine_id == 1
    """,
    "use_values": """
        from pathlib import Path

        import witbridge
        from bg_wit_values import (
            Color,
            Keywords,
            Many,
            MixedMaybe,
            MixedNothing,
            MixedPair,
            MixedPoints,
            Perms,
            Person,
            Point,
            Shape,
            ShapeCircle,
            ShapeEmpty,
            ShapeRect,
            ValuesWorld,
        )


        def area(shape: Shape) -> float:
            match shape:
                case ShapeCircle(r):
                    return 3.0 * r * r
                case ShapeRect(Point(x, y)):
                    return float(x * y)
            return 0.0


        def main(wasm: Path) -> None:
            app = ValuesWorld.load(wasm / "values.component.wasm")
            v = app.values
            assert v.echo_u64(2**64 - 1) == 2**64 - 1
            assert v.echo_f32(1.5) == 1.5
            assert v.echo_char("é") == "é"
            assert v.echo_bytes(bytearray(b"ab")) == b"ab"
            assert v.echo_u32s((1, 2, 3)) == [1, 2, 3]
            assert v.echo_nested_lists([[1], []]) == [[1], []]
            assert v.echo_tuple((1, "a", 2.5)) == (1, "a", 2.5)
            point = v.echo_point(Point(1, -2))
            assert isinstance(point, Point) and point == Point(x=1, y=-2)
            person = v.echo_person(Person("ann", 7, ["x"], None))
            assert person.home is None and person.tags == ["x"]
            assert v.echo_people([Person("bo", 1, [], Point(0, 0))])[0].home == Point(0, 0)
            assert v.echo_color(Color.LIGHT_YELLOW) is Color.LIGHT_YELLOW
            assert v.echo_perms(Perms.READ | Perms.EXEC) == Perms.READ | Perms.EXEC
            assert v.echo_many(Many.F0 | Many.F31) == Many.F0 | Many.F31
            assert area(v.echo_shape(ShapeCircle(1.0))) == 3.0
            assert area(v.echo_shape(Shape.Rect(Point(2, 3)))) == 6.0
            assert v.echo_shape(ShapeEmpty()) == ShapeEmpty()
            assert repr(v.echo_shape(ShapeEmpty())) == "ShapeEmpty()"
            assert v.echo_mixed(MixedPoints([Point(1, 1)])) == MixedPoints([Point(1, 1)])
            assert v.echo_mixed(MixedMaybe(None)) == MixedMaybe(None)
            assert v.echo_mixed(MixedPair((1, "x"))) == MixedPair((1, "x"))
            assert isinstance(v.echo_mixed(MixedNothing()), MixedNothing)
            assert v.echo_option(None) is None and v.echo_option(4) == 4
            assert v.echo_nested_option(witbridge.Some(None)) == witbridge.Some(None)
            assert v.echo_nested_option(witbridge.Some("x")) == witbridge.Some("x")
            results = v.echo_results([witbridge.Ok(1), witbridge.Err("bad")])
            assert results == [witbridge.Ok(1), witbridge.Err("bad")]
            assert v.echo_id(5) == 5
            keywords = v.echo_keywords(Keywords(type_=1, class_="c", from_=True, lambda_=b"l"))
            assert keywords == Keywords(1, "c", True, b"l")
            assert v.check_even(4) == 4
            try:
                v.check_even(3)
            except witbridge.Err as e:
                assert isinstance(e.value, str) and e.value
            else:
                raise AssertionError("check_even(3) returned")
            v.maybe_fail(False)
            assert v.type_(class_=3) == v.type_(3)
            assert v.divmod(7, 2) == (3, 1)
            assert v.sum_points([Point(1, 2), Point(3, 4)]) == Point(4, 6)
            assert app.add(2, 3) == 5
            assert app.greet("wit").endswith("wit!")
            assert v.Point is Point and v.ShapeCircle is ShapeCircle
    """,
    "use_host_user": """
        from pathlib import Path

        import witbridge
        from bg_wit_host_user import (
            Counter,
            Entry,
            Event,
            File,
            FileClass,
            Files,
            HolderMany,
            HolderNone,
            HostUser,
            HostUserImports,
            Kv,
            Labeled,
            Level,
            Logger,
        )


        class Log:
            def __init__(self) -> None:
                self.lines: list[str] = []

            def log(self, level: Level, message: str) -> None:
                self.lines.append(f"{level.name} {message}")


        class Store:
            def __init__(self) -> None:
                self.data: dict[str, bytes] = {}

            def get(self, key: str) -> bytes | None:
                return self.data.get(key)

            def set(self, key: str, value: bytes) -> None:
                self.data[key] = value

            def remove(self, key: str) -> bytes:
                if key not in self.data:
                    raise witbridge.Err(f"no key {key}")
                return self.data.pop(key)

            def entries(self) -> list[Entry]:
                return [Entry(key, value) for key, value in sorted(self.data.items())]


        class Events:
            def __init__(self) -> None:
                self.seen: list[Event] = []

            def emit(self, source: str, e: Event) -> None:
                self.seen.append(e)


        class PyFile:
            closed: list[str] = []

            def __init__(self, name: str) -> None:
                self.path, self.data = name, b""

            def name(self) -> str:
                return self.path

            def write(self, data: bytes) -> int:
                self.data += data
                return len(self.data)

            def size(self) -> int:
                return len(self.data)

            # The host's own class where the guest hands back one of its objects: the Protocols are generic
            # over it (issue 15, item 16), so no cast is needed.
            @staticmethod
            def sibling(of: PyFile, name: str) -> PyFile:
                return PyFile(name + of.path[:0])

            def drop(self) -> None:
                PyFile.closed.append(self.path)


        class Sizes:
            def total_size(self, files: list[PyFile]) -> int:
                return sum(len(f.data) for f in files)


        def any_file(f: File) -> int:  # the `File` Protocol still types any file object
            return f.size()


        def main(wasm: Path) -> None:
            log, store, events = Log(), Store(), Events()
            # Checked against the Protocols by mypy: a wrong signature fails the type check.
            logger: Logger = log
            kv: Kv = store
            files: Files[PyFile] = Sizes()
            file: FileClass[PyFile] = PyFile
            imports = HostUserImports(logger=logger, kv=kv, events=events, files=files, file=file, tick=lambda n: n)
            inferred: HostUserImports[PyFile] = HostUserImports(
                logger=log, kv=store, events=events, files=Sizes(), file=PyFile, tick=lambda n: n
            )
            assert any_file(PyFile("x")) == 0
            # A plain dict by import name, as witbridge.load takes it (untyped).
            plain: dict[str, object] = {
                "witbridge:host/logger": log,
                "witbridge:host/kv": store,
                "witbridge:host/events": events,
                "witbridge:host/files": {"file": PyFile, "total_size": Sizes().total_size},
                "tick": lambda n: n,
            }
            cases: list[tuple[str, HostUserImports[PyFile] | dict[str, object]]] = [
                ("host_user.wasm", imports),
                ("host_user.component.wasm", inferred),
                ("host_user.component.wasm", plain),
            ]
            for name, given in cases:
                app = HostUser.load(wasm / name, imports=given)
                assert app.app.log_all("hi") == 4
                assert log.lines[:2] == ["DEBUG hi", "INFO hi"]
                assert app.app.store_and_load("k", b"v") == b"v"
                dumped = app.app.dump()
                assert dumped == [Entry("k", b"v")] and isinstance(dumped[0], Entry)
                try:
                    app.app.remove_key("nope")
                except witbridge.Err as e:
                    assert e.value == "no key nope"
                assert app.app.remove_key("k") == b"v"
                assert app.app.emit_many(2) == 2 and events.seen[-1] == Event("move", 1, -1)
                assert app.app.write_file("notes.txt", [b"ab", b"c"]) == 3
                assert "notes.txt" in PyFile.closed
                assert app.app.sizes_with_sibling("a", b"xyz") == 4
                counters = app.counters
                c = counters.Counter(5)
                assert isinstance(c, Counter) and c.add(3) == 8
                merged = counters.Counter.merge(c, counters.Counter(1))
                assert merged.get() == 9
                labeled = counters.make_labeled("x", 2)
                assert isinstance(labeled, Labeled) and labeled.counter.get() == 2
                assert counters.read_labeled(labeled.counter) == 2
                assert counters.sum_holder(HolderMany([counters.Counter(1), counters.Counter(2)])) == 3
                assert counters.sum_holder(HolderNone()) == 0
                maybe = counters.maybe_counter(4)
                assert maybe is not None and maybe.get() == 4
                assert counters.try_counter(6).get() == 6
                with counters.Counter(1) as scoped:
                    assert scoped.get() == 1
                assert not scoped.alive
    """,
    # The host's own resource class in every position a host resource takes: no casts (issue 15, item 16).
    "use_edge_host": """
        from pathlib import Path

        import witbridge
        from bg_edge import EdgeImports, ErrorCode, Host, Sink, Source, Thing, ThingClass


        class MyThing:
            def __init__(self) -> None:
                self.label = "mine"

            def name(self) -> str:
                return self.label

            @staticmethod
            def clone(t: MyThing) -> MyThing:
                return MyThing()

            def merge(self, other: MyThing) -> MyThing:  # `Self` in the `Thing` Protocol
                return MyThing()


        class MyHost:
            def make(self, n: int) -> MyThing:
                if n < 0:
                    raise witbridge.Err(ErrorCode.BAD)
                return MyThing()

            def take(self, t: MyThing, u: MyThing) -> witbridge.Some[int | None] | None:
                return witbridge.Some(len(t.label + u.label))


        class MySink:
            def put(self, t: MyThing, more: tuple[MyThing, int]) -> None:
                pass


        class MySource:
            def get(self) -> MyThing | None:
                return None

            def all(self) -> list[MyThing]:
                return [MyThing()]

            def pair(self) -> tuple[MyThing, int]:
                return MyThing(), 1


        def imports() -> EdgeImports[MyThing]:
            host: Host[MyThing] = MyHost()
            sink: Sink[MyThing] = MySink()
            source: Source[MyThing] = MySource()
            cls: ThingClass[MyThing] = MyThing
            thing: Thing = MyThing()  # the object Protocol types any implementation
            assert thing.name() == "mine"
            return EdgeImports(
                host=host,
                sink=sink,
                source=source,
                thing=cls,
                log=lambda msg, p: 0,
                inline_imp=InlineImp(),
            )


        class InlineImp:
            def ping(self) -> str:
                return "pong"


        def main(wasm: Path) -> None:
            assert imports().host.make(1).name() == "mine"  # no guest implements this world: types only
    """,
    "use_pair": """
        from pathlib import Path
        from typing import cast

        from bg_provider_component import Provider, Stats
        from bg_wit_consumer import Consumer, ConsumerImports, Math


        def main(wasm: Path) -> None:
            provider = Provider.load(wasm / "provider.component.wasm")
            stats = provider.math.describe([1.0, 2.0])
            assert isinstance(stats, Stats) and stats == Stats(count=2, mean=1.5)
            # One guest's export implements the other's import (witbridge forwards the calls).
            consumer = Consumer.load(
                wasm / "consumer.component.wasm", imports=ConsumerImports(math=cast(Math, provider.math))
            )
            assert consumer.run([1.0, 2.0]) == "2 items, mean 1.50, 5 OK!"
    """,
    "use_wasi": """
        import tempfile
        from pathlib import Path

        import witbridge
        from bg_wasi_cli_component import WasiCli
        from bg_wit_wasi_lib import FilesWorld


        def main(wasm: Path) -> None:
            data = tempfile.mkdtemp()
            lib = FilesWorld.load(
                wasm / "wasi_lib.component.wasm",
                wasi=witbridge.WasiConfig(preopens={"/data": data}, stdout="capture"),
            )
            lib.files.write_text("/data/n.txt", "hi")
            assert lib.files.read_text("/data/n.txt") == "hi"
            assert lib.files.list_dir("/data") == ["n.txt"]
            try:
                lib.files.read_text("/data/missing")
            except witbridge.Err as e:
                assert "No such file" in str(e.value)
            lib.files.print("out")
            assert lib.instance.stdout == b"out\\n"
            assert lib.files.burn(1) == 15860402102123842989
            cli = WasiCli.load(
                wasm / "wasi_cli.component.wasm",
                wasi=witbridge.WasiConfig(args=["echo", "hi"], stdout="capture"),
            )
            assert cli.instance.run() == 0
            assert cli.instance.stdout == b"hi\\n"
    """,
}


def run_tool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A directory with a module per source and the usage programs; importable while the session runs."""
    out = tmp_path_factory.mktemp("bindgen")
    for name, source, world in SOURCES:
        (out / f"{name}.py").write_text(bindgen.generate(source, world=world))
    edge = tmp_path_factory.mktemp("edge")
    (edge / "edge.wit").write_text(EDGE_WIT)
    (out / "bg_edge.py").write_text(bindgen.generate(edge))
    for name, program in USAGE.items():
        (out / f"{name}.py").write_text("from __future__ import annotations\n" + textwrap.dedent(program))
    sys.path.insert(0, str(out))
    yield out
    sys.path.remove(str(out))


@pytest.fixture(scope="session")
def mypy_report(generated: Path) -> dict[str, list[str]]:
    """``mypy --strict`` over every module and program, once: the error lines by file name."""
    files = sorted(p.name for p in generated.glob("*.py"))
    done = run_tool("mypy", "--strict", "--python-version", "3.11", "--cache-dir", ".mypy_cache", *files, cwd=generated)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    errors: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        if ": error:" in line:
            errors.setdefault(line.split(":", 1)[0], []).append(line)
    assert "Success" in done.stdout or errors, done.stdout + done.stderr
    return errors


def use(name: str) -> ModuleType:
    return importlib.import_module(name)


# --- every fixture -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*IDS, "bg_edge"])
def test_module_passes_mypy_strict(name: str, mypy_report: dict[str, list[str]]) -> None:
    assert mypy_report.get(f"{name}.py", []) == []


@pytest.mark.parametrize("program", sorted(USAGE))
def test_programs_using_the_modules_pass_mypy_strict(program: str, mypy_report: dict[str, list[str]]) -> None:
    assert mypy_report.get(f"{program}.py", []) == []


def test_modules_pass_ruff(generated: Path) -> None:
    files = [f"{name}.py" for name in [*IDS, "bg_edge"]]
    # ruff's own defaults, then the project's rules.
    default = run_tool("ruff", "check", "--isolated", "--no-cache", *files, cwd=generated)
    assert default.returncode == 0, default.stdout
    select = ["--select", "E,F,W,I,B,UP,RUF,SIM,PT", "--line-length", "120", "--target-version", "py311"]
    strict = run_tool("ruff", "check", "--isolated", "--no-cache", *select, *files, cwd=generated)
    assert strict.returncode == 0, strict.stdout
    formatted = run_tool("ruff", "format", "--isolated", "--no-cache", "--check", *files, cwd=generated)
    assert formatted.returncode == 0, formatted.stdout


@pytest.mark.parametrize(("name", "source", "world"), SOURCES, ids=IDS)
def test_output_is_deterministic(name: str, source: Path, world: str | None, generated: Path) -> None:
    assert bindgen.generate(source, world=world) == (generated / f"{name}.py").read_text()


def test_output_is_the_same_in_another_process(generated: Path) -> None:
    """No set or dict order of one process leaks into the module."""
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-m", "witbridge", "bindgen", str(GUESTS / "host_user" / "wit"), "-o", "-"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
        assert done.stdout == (generated / "bg_wit_host_user.py").read_text()


@pytest.mark.parametrize("name", [n for n in IDS if "py_guest" not in n])
def test_module_binds_to_its_guest(name: str, generated: Path) -> None:
    """Each module's world class loads its own guest (or, for WIT, the guest built from it)."""
    module = use(name)
    stem = name.removeprefix("bg_").removesuffix("_component").removesuffix("_core")
    guest = {
        "wit_machine": "wasm_intro",
        "wit_provider": "provider",
        "wit_consumer": "consumer",
    }.get(stem, stem.removeprefix("wit_"))
    world_class = next(
        value
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == name and hasattr(value, "load") and hasattr(value, "bind")
    )
    component = world_class.compile(WASM / f"{guest}.component.wasm")
    assert isinstance(component, witbridge.Component)
    assert world_class.bind(component) is component, "binding twice is harmless"


# --- at run time ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("program", sorted(USAGE))
def test_programs_run(program: str, generated: Path, wasm_dir: Path) -> None:
    use(program).main(wasm_dir)


def test_namespaces_hold_the_generated_classes(generated: Path) -> None:
    values = use("bg_wit_values")
    app = values.ValuesWorld.load(WASM / "values.wasm")
    ns = app.instance.exports["witbridge:fixtures/values@0.1.0"]
    assert app.values is ns, "the typed attribute is the runtime's own namespace"
    assert ns.Point is values.Point
    assert ns.Color is values.Color
    assert ns.Shape is values.Shape
    assert ns.Shape.Circle is values.ShapeCircle
    assert ns.ShapeCircle is values.ShapeCircle
    # Untyped calls on the same instance get the same classes too.
    assert type(ns["echo-point"]({"x": 1, "y": 2})) is values.Point
    assert app.values.echo_color("red") is values.Color.RED


def test_resources_are_subclasses_of_the_generated_class(generated: Path) -> None:
    module = use("bg_host_user_component")
    imports = use("use_host_user")
    app = module.HostUser.load(
        WASM / "host_user.component.wasm",
        imports=module.HostUserImports(
            logger=imports.Log(),
            kv=imports.Store(),
            events=imports.Events(),
            files=imports.Sizes(),
            file=imports.PyFile,
            tick=abs,
        ),
    )
    counter = app.counters.Counter(2)
    assert isinstance(counter, module.Counter)
    assert isinstance(counter, witbridge.Resource)
    assert app.counters.Counter is not module.Counter, "the instance's own subclass carries its methods"
    with pytest.raises(TypeError):
        module.Counter(2)  # no instance to make it in


def test_unfit_imports_are_refused_when_the_typed_module_links(generated: Path) -> None:
    """HostUserImports.define() uses Linker.define, define_func and define_resource: judged as they are (issue 15)."""
    module = use("bg_wit_host_user")
    imports = use("use_host_user")

    class NoName(imports.PyFile):  # type: ignore[misc,name-defined]
        def name(self, extra: int) -> str:  # type: ignore[override]
            return ""

    fitting = {"logger": imports.Log(), "kv": imports.Store(), "events": imports.Events(), "files": imports.Sizes()}
    unfit = module.HostUserImports(**fitting, file=NoName, tick=lambda: 0)
    with pytest.raises(witbridge.LinkError) as raised:
        module.HostUser.load(WASM / "host_user.wasm", imports=unfit)
    assert str(raised.value).splitlines()[1:] == [
        "  NoName.name() of resource file: NoName.name(self, extra) takes 1 positional argument besides "
        "self, but the guest passes none; expected name: func(self: borrow<file>) -> string",
        "  function tick: <lambda>() takes no positional arguments, but the guest passes 1 (n); "
        "expected tick: func(n: u32) -> u32",
    ]


def test_wrapping_an_instance_of_an_unbound_component(generated: Path) -> None:
    machine = use("bg_wasm_intro_core")
    # Nothing made a class yet: wrapping binds on the spot.
    app = machine.WasmIntro(witbridge.load(WASM / "wasm_intro.wasm"))
    assert isinstance(app.machine_interface.run(1, machine.Point(0, 0), machine.Point(1, 1)), machine.RunResult)
    # Once the component made its own classes, they can't be replaced.
    used = witbridge.load(WASM / "wasm_intro.wasm")
    assert used.machine_interface.Point is not machine.Point
    with pytest.raises(witbridge.LinkError, match=r"already made its own classes for point, run-result: bind"):
        machine.WasmIntro(used)


def test_bindings_for_other_wit_are_refused(tmp_path: Path) -> None:
    wit = (GUESTS / "wasm_intro" / "wit" / "machine.wit").read_text()
    (tmp_path / "machine.wit").write_text(wit.replace("y: u32,", "y: u32,\n        z: u32,", 1))
    (tmp_path / "stale_machine.py").write_text(bindgen.generate(tmp_path))
    sys.path.insert(0, str(tmp_path))
    try:
        stale = importlib.import_module("stale_machine")
    finally:
        sys.path.remove(str(tmp_path))
    component = witbridge.Component.from_file(WASM / "wasm_intro.wasm")
    with pytest.raises(witbridge.LinkError) as raised:
        stale.Machine.bind(component)
    assert str(raised.value) == (
        "these bindings don't fit the component (regenerate them with `witbridge bindgen`):\n"
        "  record `point` of xyz:machine/machine-interface: fields x, y in the component, x, y, z here"
    )
    # Nothing was bound: the component still makes its own classes.
    instance = witbridge.Linker().instantiate(component)
    assert instance.machine_interface.Point is not stale.Point


# --- what the module says ---------------------------------------------------------------------------


def test_wit_doc_comments_become_docstrings(generated: Path) -> None:
    values = use("bg_wit_values")
    assert values.Point.__doc__ == "A point on a grid."
    assert values.Many.__doc__ == "Thirty-two flags: the most the component model allows."
    assert inspect.getdoc(values.Values.check_even) == (
        "check-even: func(x: u32) -> result<u32, string>\n\n"
        "Returns `x` when it is even, else an error message.\n\n"
        "An error result raises `witbridge.Err` with `.value` of type `str`."
    )
    host = use("bg_wit_host_user")
    assert "A logger the host implements." in (inspect.getdoc(host.Logger) or "")
    sibling = inspect.getdoc(host.FileClass.sibling) or ""
    assert sibling.endswith("Opens the file `name` in the same store as this one.")
    wasi_lib = use("bg_wit_wasi_lib")
    burn = inspect.getdoc(wasi_lib.Files.burn) or ""
    assert "x ^= x << 13;  x ^= x >> 7;  x ^= x << 17;" in burn, "indented code stays as written"


def test_names_follow_the_runtime(generated: Path) -> None:
    values = use("bg_wit_values")
    assert [f.name for f in values.Keywords.__dataclass_fields__.values()] == ["type_", "class_", "from_", "lambda_"]
    assert values.Color.LIGHT_YELLOW.value == "light-yellow"
    assert values.Perms.EXEC.value == 4
    assert values.Mixed.Points is values.MixedPoints
    assert values.Values.type_ is not None
    # Type aliases are there for annotations.
    assert values.Id is int
    assert use("bg_wit_machine").MachineId is int


def test_names_are_kept_apart(generated: Path) -> None:
    edge = use("bg_edge")
    # The same WIT name in two interfaces: two classes, each named as the runtime names it.
    assert edge.ErrorCode.__wit_key__ == "test:edge/host@1.2.3#error-code"
    assert edge.AErrorCode.__name__ == "ErrorCode"
    assert edge.BErrorCode.__name__ == "ErrorCode"
    # `none` can't be a Python name: the class is ANone, and its case `none` is reached as the runtime has it.
    assert edge.ANone.__name__ == "None"
    assert getattr(edge.ANone, "None") is edge.NoneNone
    assert edge.AErrorCode.I.value == "i"
    assert edge.L(l=1, o="x").l == 1
    assert edge.BSequence.__name__ == "Sequence", "typing names stay the generated module's own"
    # An interface named like one of its types, a root export named like a method of the world class.
    assert hasattr(edge, "BInterface")
    assert "load_" in edge.Edge.__annotations__
    assert edge.Nested == witbridge.Some[edge.Maybe] | None
    assert [f.name for f in dataclasses.fields(edge.EdgeImports)] == [
        "host",
        "thing",
        "sink",
        "source",
        "inline_imp",
        "log",
    ]
    # `mro` is escaped like a keyword, and a list of an alias of u8 is bytes, as the runtime has them.
    assert [f.name for f in dataclasses.fields(edge.Meta)] == ["mro_"]
    raw = typing.get_type_hints(edge.A.raw)
    assert (raw["b"], raw["return"]) == (bytes | bytearray | memoryview, bytes)


def test_wasi_imports_need_no_implementation(generated: Path) -> None:
    text = (generated / "bg_wasi_lib_component.py").read_text()
    assert "Imports" not in text
    assert "wasi:io" not in text
    assert "class WasiLib:" in text


def test_model_of_a_world() -> None:
    world = bindgen.read(WASM / "host_user.wasm")
    assert [i.name for i in world.imports] == [
        "witbridge:host/logger@0.1.0",
        "witbridge:host/kv@0.1.0",
        "witbridge:host/events@0.1.0",
        "witbridge:host/files@0.1.0",
        "tick",
    ]
    assert world.types["witbridge:host/counters@0.1.0#counter"].exported
    assert not world.types["witbridge:host/files@0.1.0#file"].exported
    holder = world.types["witbridge:host/counters@0.1.0#holder"]
    assert [(c.name, c.py, c.cls) for c in holder.members][:2] == [
        ("none", "None", "HolderNone"),
        ("one", "One", "HolderOne"),
    ]
    assert json.loads(witbridge._native._world_model((WASM / "values.wasm").read_bytes()))["name"] == "root"


# --- the command line --------------------------------------------------------------------------------


def test_cli_writes_the_module(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "machine.py"
    assert main(["bindgen", str(WASM / "wasm_intro.wasm"), "-o", str(out)]) == 0
    assert out.read_text() == bindgen.generate(WASM / "wasm_intro.wasm")
    assert main(["bindgen", str(GUESTS / "provider" / "wit"), "--world", "consumer", "--name", "App", "-o", "-"]) == 0
    printed = capsys.readouterr().out
    assert "class App:" in printed
    assert "class AppImports:" in printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.wasm"], "witbridge bindgen: missing.wasm: No such file or directory"),
        (
            [str(GUESTS / "provider" / "wit")],
            f"witbridge bindgen: {GUESTS / 'provider' / 'wit'} has several worlds (provider, consumer): "
            "choose one with --world",
        ),
        ([str(ROOT / "README.md")], "witbridge bindgen: not a WebAssembly binary or WAT text"),
        ([str(WASM / "values.wasm"), "--world", "x"], "--world selects a world of WIT files"),
        ([str(WASM / "values.wasm"), "--name", "class"], "--name 'class' is not a Python identifier"),
    ],
)
def test_cli_user_errors(args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bindgen", *args, "-o", str(tmp_path / "out.py")]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1, err
    assert not (tmp_path / "out.py").exists()


@pytest.mark.parametrize(
    ("output", "suggestion"),
    [
        ("machine", "machine.py"),  # `import machine` finds no module in a file without `.py`
        ("machine.pyi", "machine.py"),
        ("my-machine.py", "my_machine.py"),
        ("class.py", "class_.py"),
        ("1st.py", "_1st.py"),
    ],
)
def test_cli_refuses_an_output_import_cannot_find(
    output: str, suggestion: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bindgen", str(WASM / "wasm_intro.wasm"), "-o", str(tmp_path / output)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"witbridge bindgen: -o {tmp_path / output}: "), err
    assert err.endswith(f"did you mean -o {tmp_path / suggestion}?\n"), err
    assert err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


# --- a real-world guest --------------------------------------------------------------------------------


@pytest.mark.slow
def test_componentize_py_guest(generated: Path, tmp_path: Path) -> None:
    """The Python guest: all of WASI imported (left to witbridge), componentize-py's own export, a resource."""
    out = GUESTS / "target" / "py_guest.component.wasm"
    subprocess.run([ROOT / "scripts" / "build-py-guest", out], check=True, timeout=1800)
    (tmp_path / "bg_py_guest_component.py").write_text(bindgen.generate(out))
    checked = run_tool("mypy", "--strict", "--cache-dir", ".mypy_cache", "bg_py_guest_component.py", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module("bg_py_guest_component")
    finally:
        sys.path.remove(str(tmp_path))
    app = module.PyGuest.load(out)
    summary = app.api.stats([1.0, 2.0, 4.5])
    assert isinstance(summary, module.Summary)
    assert summary == module.Summary(3, 2.5)
    total = app.api.Accumulator(1)
    total.add(2)
    assert total.total() == 3


def test_a_name_that_cannot_become_python_is_an_error_not_a_hang() -> None:
    scope = Scope({"x", "x_"})
    assert scope.claim("x", "x_") == "x__"
    with pytest.raises(ValueError, match="no Python name can be made of '9-lives'"):
        Scope().claim("9-lives")
