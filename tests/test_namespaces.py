"""Exports as Python namespaces, and introspection (DESIGN.md §2, issue items 4 and 8)."""

from __future__ import annotations

import inspect
import pydoc
from pathlib import Path

import pytest

import witbridge

ROOT = Path(__file__).resolve().parents[1]
WASM = ROOT / "fixtures" / "wasm"
WAT = ROOT / "fixtures" / "wat"
VALUES = "witbridge:fixtures/values@0.1.0"


@pytest.fixture(scope="module")
def app() -> witbridge.Instance:
    return witbridge.load(WASM / "values.component.wasm")


def test_interfaces_are_attributes_and_mapping_entries(app: witbridge.Instance) -> None:
    assert isinstance(app.values, witbridge.Namespace)
    assert app.exports[VALUES] is app.values
    assert set(app.exports) == {VALUES, "add", "greet"}
    assert len(app.exports) == 3


def test_root_functions_are_methods_of_the_instance(app: witbridge.Instance) -> None:
    assert app.add(2, 40) == 42
    assert app.greet("Ada") == "Hello, Ada!"
    assert app.exports["greet"]("Bob") == "Hello, Bob!"


def test_functions_by_wit_name(app: witbridge.Instance) -> None:
    ns = app.values
    assert ns["check-even"] is ns.check_even
    assert ns["type"](21) == 42
    with pytest.raises(KeyError, match="no function 'nope'"):
        ns["nope"]


def test_keyword_names_get_a_trailing_underscore(app: witbridge.Instance) -> None:
    assert app.values.type_(4) == 8
    assert [f.name for f in __import__("dataclasses").fields(app.values.Keywords)] == [
        "type_",
        "class_",
        "from_",
        "lambda_",
    ]


def test_signature_in_doc_and_repr(app: witbridge.Instance) -> None:
    run = witbridge.load(WASM / "wasm_intro.wasm").machine_interface.run
    assert run.__doc__ == "run: func(machine: machine-id, start: point, destination: point) -> run-result"
    assert repr(run) == (
        "<witbridge function xyz:machine/machine-interface#run: "
        "func(machine: machine-id, start: point, destination: point) -> run-result>"
    )
    assert run.__name__ == "run"
    assert run.wit_name == "xyz:machine/machine-interface#run"
    assert app.add.wit == "add: func(a: u32, b: u32) -> u32"


def test_functions_have_real_signatures(app: witbridge.Instance) -> None:
    run = witbridge.load(WASM / "wasm_intro.wasm").machine_interface.run
    signature = inspect.signature(run)
    assert str(signature) == "(machine: 'machine-id', start: 'point', destination: 'point') -> 'run-result'"
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in signature.parameters.values())
    assert str(inspect.signature(app.add)) == "(a: 'u32', b: 'u32') -> 'u32'"
    assert "add(a: 'u32', b: 'u32') -> 'u32'" in pydoc.render_doc(app.add, renderer=pydoc.plaintext)
    assert str(inspect.signature(app.values.maybe_fail)) == "(fail: 'bool') -> 'result'"


def test_help_of_a_namespace_lists_its_functions_and_types() -> None:
    mi = witbridge.load(WASM / "wasm_intro.wasm").machine_interface
    text = pydoc.render_doc(mi, renderer=pydoc.plaintext)
    # Each function: its Python name and parameters with their WIT types, then its WIT signature.
    assert "run(machine: machine-id, start: point, destination: point) -> run-result" in text
    assert "run: func(machine: machine-id, start: point, destination: point) -> run-result" in text
    assert "count_symbols(s: string) -> u32" in text
    assert "count-symbols: func(s: string) -> u32" in text
    assert "get_u32() -> u32" in text
    assert "Types (help(ns.NAME) describes one): Point, RunResult" in text
    assert text.index("get_u32()") < text.index("count_symbols(")  # in the interface's order
    assert "xyz:machine/machine-interface" in mi.__doc__
    # The class keeps its own docstring; a namespace's is its interface's.
    assert witbridge.Namespace.__doc__ is not None
    assert "An exported interface" in witbridge.Namespace.__doc__
    with pytest.raises(AttributeError, match="made from its interface"):
        mi.__doc__ = "x"


def test_help_prints_the_namespace(capsys: pytest.CaptureFixture[str]) -> None:
    app = witbridge.load(WASM / "values.component.wasm")
    help(app.values)
    out = capsys.readouterr().out
    assert "echo_person(x: person) -> person" in out
    assert "check_even(x: u32) -> result<u32, string>" in out
    assert "Person" in out
    assert "ShapeCircle" in out


def test_dir_lists_functions_and_types(app: witbridge.Instance) -> None:
    names = dir(app.values)
    for expected in (
        "echo_string",
        "check_even",
        "type_",
        "Point",
        "Person",
        "Shape",
        "ShapeCircle",
        "Color",
    ):
        assert expected in names
    assert not [n for n in names if n.startswith("_")]
    assert {"values", "add", "greet", "exports", "component"} <= set(dir(app))


def test_types_on_every_namespace_that_uses_them(app: witbridge.Instance) -> None:
    mi = witbridge.load(WASM / "wasm_intro.wasm").machine_interface
    assert mi.Point.__name__ == "Point"
    assert mi.RunResult.__name__ == "RunResult"
    # `values` uses its types from the `types` interface.
    assert app.values.Person(name="a", age=1, tags=[], home=None).age == 1


def test_classes_are_shared_by_instances_of_one_component() -> None:
    component = witbridge.Component.from_file(WASM / "wasm_intro.wasm")
    first = witbridge.Linker().instantiate(component).machine_interface
    second = witbridge.Linker().instantiate(component).machine_interface
    assert first.Point is second.Point
    assert first.run(1, first.Point(0, 0), first.Point(1, 1)) == second.run(1, second.Point(0, 0), second.Point(1, 1))


def test_unknown_attribute_names_what_exists(app: witbridge.Instance) -> None:
    with pytest.raises(AttributeError, match=r"no export named 'nope' \(exports: add, greet, witbridge"):
        _ = app.nope
    with pytest.raises(AttributeError, match="has no function or type 'nope'"):
        _ = app.values.nope


def test_shared_short_names_only_by_full_name(tmp_path: Path) -> None:
    wat = """
    (component
      (core module $m (func (export "f") (result i32) i32.const 1) (func (export "g") (result i32) i32.const 2))
      (core instance $i (instantiate $m))
      (func $f (result u32) (canon lift (core func $i "f")))
      (func $g (result u32) (canon lift (core func $i "g")))
      (instance $a (export "get" (func $f)))
      (instance $b (export "get" (func $g)))
      (export "one:pkg/api" (instance $a))
      (export "two:pkg/api" (instance $b)))
    """
    inst = witbridge.Linker().instantiate(witbridge.Component.from_wat(wat))
    assert inst.exports["one:pkg/api"].get() == 1
    assert inst.exports["two:pkg/api"].get() == 2
    with pytest.raises(AttributeError):
        _ = inst.api


def test_component_wit_prints_the_world() -> None:
    text = witbridge.Component.from_file(WASM / "wasm_intro.wasm").wit()
    assert "export xyz:machine/machine-interface;" in text
    assert "record run-result {" in text
    assert "run: func(machine: machine-id, start: point, destination: point) -> run-result;" in text


def test_component_world_lists_imports_and_exports() -> None:
    world = witbridge.Component.from_file(WASM / "values.wasm").world
    assert isinstance(world, witbridge.World)
    values = world.exports[VALUES]
    assert isinstance(values, witbridge.InterfaceType)
    check = values.functions["check-even"]
    assert check.params == [("x", "u32")]
    assert check.result == "result<u32, string>"
    assert str(check) == "check-even: func(x: u32) -> result<u32, string>"
    add = world.exports["add"]
    assert isinstance(add, witbridge.FunctionType)
    assert add.wit == "add: func(a: u32, b: u32) -> u32"
    types = world.imports["witbridge:fixtures/types@0.1.0"]
    assert isinstance(types, witbridge.InterfaceType)
    assert "person" in types.types
    assert types.functions == {}


def test_world_of_a_component_with_imports() -> None:
    world = witbridge.Component.from_file(WAT / "needs-imports.wat").world
    log = world.imports["xyz:host/log@0.1.0"]
    assert isinstance(log, witbridge.InterfaceType)
    assert [str(f) for f in log.functions.values()] == ["debug: func(msg: string)", "level: func() -> u8"]
    assert str(world.imports["tick"]) == "tick: func(n: u32)"


def test_values_of_the_same_wit_type_from_another_load() -> None:
    """Loading one WIT twice makes two sets of classes; their values are interchangeable."""
    first = witbridge.load(WASM / "values.wasm").values
    second = witbridge.load(WASM / "values.component.wasm").values
    assert first.Color is not second.Color
    assert first.echo_color(second.Color.LIGHT_YELLOW) is first.Color.LIGHT_YELLOW
    assert first.echo_perms(second.Perms.READ | second.Perms.EXEC) == first.Perms.READ | first.Perms.EXEC
    assert first.echo_shape(second.ShapeRect(second.Point(1, 2))) == first.ShapeRect(first.Point(1, 2))
    with pytest.raises(TypeError, match="expected enum color"):
        first.echo_color(second.Perms.READ)
