"""Loading: every accepted input shape, and a clear error for every bad one."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

import witbridge

ROOT = Path(__file__).resolve().parents[1]
WASM = ROOT / "fixtures" / "wasm"
WAT = ROOT / "fixtures" / "wat"

# A core module with no embedded WIT: the `math` interface of `DEMO_WIT`, by hand.
CORE_WAT = """
(module
  (memory (export "memory") 1)
  (func (export "t:demo/math#double") (param i32) (result i32)
    local.get 0
    i32.const 2
    i32.mul))
"""
DEMO_WIT = """
package t:demo;

interface math {
    /// Twice `x`.
    double: func(x: u32) -> u32;
}

world demo {
    export math;
}

world other {
    import math;
}
"""


@pytest.fixture
def demo_wit(tmp_path: Path) -> Path:
    path = tmp_path / "demo.wit"
    path.write_text(DEMO_WIT)
    return path


def test_component_binary_from_file_and_bytes() -> None:
    path = WASM / "wasm_intro.component.wasm"
    for component in (
        witbridge.Component.from_file(path),
        witbridge.Component.from_file(str(path)),
        witbridge.Component.from_bytes(path.read_bytes()),
        witbridge.Component.from_bytes(bytearray(path.read_bytes())),
    ):
        inst = witbridge.Linker().instantiate(component)
        assert inst.machine_interface.get_u32() == 123


def test_load_accepts_paths_and_bytes() -> None:
    path = WASM / "wasm_intro.wasm"
    assert witbridge.load(path).machine_interface.get_u32() == 123
    assert witbridge.load(str(path)).machine_interface.get_u32() == 123
    assert witbridge.load(path.read_bytes()).machine_interface.get_u32() == 123


def test_wat_component_from_text_and_file() -> None:
    text = (WAT / "adder.wat").read_text()
    assert witbridge.Linker().instantiate(witbridge.Component.from_wat(text)).add(40, 2) == 42
    assert witbridge.load(WAT / "adder.wat").add(1, 2) == 3
    assert witbridge.load(text.encode()).add(2, 2) == 4


def test_core_module_with_wit_file(demo_wit: Path) -> None:
    component = witbridge.Component.from_wat(CORE_WAT, wit=demo_wit, world="demo")
    inst = witbridge.Linker().instantiate(component)
    assert inst.math.double(21) == 42
    assert "Twice `x`." in inst.math.double.__doc__


def test_core_module_with_wit_directory(demo_wit: Path) -> None:
    inst = witbridge.load(CORE_WAT.encode(), wit=demo_wit.parent, world="demo")
    assert inst.math.double(5) == 10


def test_core_module_with_wit_section_is_componentized() -> None:
    component = witbridge.Component.from_file(WASM / "values.wasm")
    assert "witbridge:fixtures/values@0.1.0" in component.world.exports


def test_garbage_bytes() -> None:
    with pytest.raises(witbridge.CompileError, match=r"not a WebAssembly binary or WAT text.*01 02 03"):
        witbridge.Component.from_bytes(b"\x01\x02\x03 garbage")


def test_empty_input() -> None:
    with pytest.raises(witbridge.CompileError, match="empty"):
        witbridge.Component.from_bytes(b"")


@pytest.mark.parametrize("name", ["wasm_intro.wasm", "wasm_intro.component.wasm"])
def test_truncated_binary(name: str) -> None:
    data = (WASM / name).read_bytes()
    with pytest.raises(witbridge.CompileError) as info:
        witbridge.Component.from_bytes(data[: len(data) // 2])
    message = str(info.value)
    assert "not a valid core WebAssembly module" in message or "invalid WebAssembly component" in message
    assert "wit=" not in message, "a truncated module must not be mistaken for one without WIT"


def test_truncated_header() -> None:
    with pytest.raises(witbridge.CompileError, match="header is incomplete"):
        witbridge.Component.from_bytes(b"\0asm\x01")


# Components that `wasm-tools validate --features all` accepts and witbridge
# can't run yet: they use component-model async, which its wasmtime is built
# without (an `async` export, and a `stream` parameter).
ASYNC_EXPORT_WAT = """
(component
  (core module $m
    (func (export "f") (result i32) i32.const 0)
    (func (export "cb") (param i32 i32 i32) (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (type $t (func async (result u32)))
  (func (export "f") (type $t)
    (canon lift (core func $i "f") async (callback (core func $i "cb")))))
"""
STREAM_PARAM_WAT = """
(component
  (type $s (stream u8))
  (core module $m (func (export "f") (param i32)))
  (core instance $i (instantiate $m))
  (func (export "f") (param "x" $s) (canon lift (core func $i "f"))))
"""


@pytest.mark.parametrize(
    ("wat", "what"),
    [(ASYNC_EXPORT_WAT, "async component functions require"), (STREAM_PARAM_WAT, "`stream` requires")],
    ids=["async-export", "stream-param"],
)
def test_async_component_is_said_to_be_unsupported(wat: str, what: str) -> None:
    with pytest.raises(witbridge.CompileError) as info:
        witbridge.Component.from_wat(wat)
    message = str(info.value)
    assert message.startswith(
        "this component uses the component model's async proposal, which witbridge can't run yet: "
    ), message
    assert f"{what} the component model async feature (at offset 0x" in message
    assert "invalid" not in message


def test_core_module_without_wit_asks_for_wit() -> None:
    with pytest.raises(witbridge.CompileError, match=r"Pass wit= .* and world="):
        witbridge.Component.from_wat(CORE_WAT)


def test_unknown_world_names_the_known_ones(demo_wit: Path) -> None:
    with pytest.raises(witbridge.CompileError, match=r"world `nope`.*worlds in this package: demo, other"):
        witbridge.Component.from_wat(CORE_WAT, wit=demo_wit, world="nope")


def test_ambiguous_world_needs_world(demo_wit: Path) -> None:
    with pytest.raises(witbridge.CompileError, match="worlds in this package"):
        witbridge.Component.from_wat(CORE_WAT, wit=demo_wit)


def test_bad_wit(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wit"
    bad.write_text("package t:x;\ninterface i { f: func( }\n")
    with pytest.raises(witbridge.CompileError, match="invalid WIT"):
        witbridge.Component.from_wat(CORE_WAT, wit=bad)


def test_module_not_matching_its_wit(tmp_path: Path) -> None:
    wit = tmp_path / "w.wit"
    wit.write_text("package t:demo;\ninterface math { triple: func(x: u32) -> u32; }\nworld demo { export math; }\n")
    with pytest.raises(witbridge.CompileError, match="cannot make this core module a component"):
        witbridge.Component.from_wat(CORE_WAT, wit=wit)


def test_missing_file() -> None:
    missing = WASM / "no-such-file.wasm"
    with pytest.raises(FileNotFoundError) as info:
        witbridge.load(missing)
    assert info.value.errno == errno.ENOENT
    assert info.value.filename == str(missing)


def test_missing_wit_path() -> None:
    with pytest.raises(FileNotFoundError, match="no such WIT"):
        witbridge.Component.from_wat(CORE_WAT, wit="/no/such/wit", world="demo")


def test_world_without_wit() -> None:
    with pytest.raises(witbridge.CompileError, match="pass wit= too"):
        witbridge.Component.from_wat(CORE_WAT, world="demo")


def test_wit_with_a_component(demo_wit: Path) -> None:
    with pytest.raises(witbridge.CompileError, match="already a component"):
        witbridge.Component.from_file(WAT / "adder.wat", wit=demo_wit)


def test_bad_wat_points_at_the_line() -> None:
    with pytest.raises(witbridge.CompileError, match=r"invalid WAT text(.|\n)*<anon>:1:"):
        witbridge.Component.from_wat('(component (func (export "f") (canon lift (core func 7))')


def test_invalid_component_is_reported_by_the_compiler() -> None:
    with pytest.raises(witbridge.CompileError, match=r"invalid WebAssembly component: .*function index out of bounds"):
        witbridge.Component.from_wat('(component (func (export "f") (canon lift (core func 7))))')


def test_from_wat_refuses_a_path() -> None:
    with pytest.raises(witbridge.CompileError, match="use from_file"):
        witbridge.Component.from_wat(str(WAT / "adder.wat"))


def test_errors_form_one_hierarchy() -> None:
    for cls in (witbridge.CompileError, witbridge.LinkError, witbridge.Trap, witbridge.Err):
        assert issubclass(cls, witbridge.Error)
    assert witbridge.CompileError.__module__ == "witbridge"


def test_engine_is_shared_by_default_and_can_be_explicit() -> None:
    default = witbridge.Component.from_file(WAT / "adder.wat")
    engine = witbridge.Engine()
    own = witbridge.Component.from_file(WAT / "adder.wat", engine=engine)
    assert own.engine is engine
    assert default.engine is witbridge.Component.from_file(WAT / "adder.wat").engine
    assert witbridge.Linker(engine).instantiate(own).add(1, 1) == 2
    with pytest.raises(witbridge.LinkError, match="another engine"):
        witbridge.Linker().instantiate(own)


def test_one_component_many_independent_instances() -> None:
    component = witbridge.Component.from_file(WAT / "echo.wat")
    first = witbridge.Linker().instantiate(component)
    second = witbridge.Linker().instantiate(component)
    with pytest.raises(witbridge.Trap):
        first.boom()
    assert second.echo("still fine") == "still fine"
