"""Types renamed by ``use``: ``use iface.{t as u}`` and ``use pkg:iface.{t as u}`` (issue 15, defect a).

A rename is how WIT keeps two types of the same name apart in one interface,
so the Python names must follow the interface's names: ``ops.OtherPoint`` is
the ``point`` of ``types``, ``ops.Point`` the interface's own ``point``. The
component is a core module (WAT) given the WIT below, componentized as
``witbridge.load`` does; the same checks run on loading and calling, on
``witbridge inspect`` and on ``witbridge bindgen``.
"""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import witbridge
from witbridge import bindgen
from witbridge.cli import main

SHAPES_WIT = """
package demo:shapes@0.1.0;

interface geometry {
  record point { x: u32, y: u32 }
  variant shape { dot(point), blank }
}
"""

REN_WIT = """
package demo:ren@0.1.0;

interface types {
  record point { x: u32, y: u32 }
  enum color { red, green, blue }
}

interface ops {
  use types.{point as other-point, color as colour};
  record point { a: u32 }
  both: func(p: point, q: other-point) -> u32;
  pick: func(c: colour) -> colour;
}

interface full {
  use demo:shapes/geometry@0.1.0.{point as spot, shape as form};
  area: func(s: spot) -> u32;
  kind: func(f: form) -> u32;
}

interface host {
  use types.{point as place};
  take: func(p: place) -> u32;
}

world ren {
  use types.{color as hue};
  import host;
  export ops;
  export full;
  export root-pick: func(h: hue) -> hue;
}
"""

# both(p, q) = p.a * 100 + host.take(q); pick(c) = c + 1; area(s) = x * y; kind(dot(p)) = p.x, kind(blank) = 10;
# root-pick(h) = blue.
REN_WAT = """
(module
  (import "demo:ren/host@0.1.0" "take" (func $take (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "demo:ren/ops@0.1.0#both") (param i32 i32 i32) (result i32)
    local.get 0 i32.const 100 i32.mul local.get 1 local.get 2 call $take i32.add)
  (func (export "demo:ren/ops@0.1.0#pick") (param i32) (result i32)
    local.get 0 i32.const 1 i32.add)
  (func (export "demo:ren/full@0.1.0#area") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.mul)
  (func (export "demo:ren/full@0.1.0#kind") (param i32 i32 i32) (result i32)
    local.get 0 (if (result i32) (then i32.const 10) (else local.get 1)))
  (func (export "root-pick") (param i32) (result i32)
    i32.const 2))
"""


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(the WIT directory, the component built from it), in a directory that is importable while the tests run."""
    root = tmp_path_factory.mktemp("renames")
    wit = root / "wit"
    (wit / "deps" / "shapes").mkdir(parents=True)
    (wit / "deps" / "shapes" / "shapes.wit").write_text(SHAPES_WIT)
    (wit / "ren.wit").write_text(REN_WIT)
    (root / "ren.wat").write_text(REN_WAT)
    component = witbridge.Component.from_file(root / "ren.wat", wit=wit, world="ren")
    wasm = component._wasm()
    assert wasm is not None
    (root / "ren.wasm").write_bytes(wasm)
    sys.path.insert(0, str(root))
    yield wit, root / "ren.wasm"
    sys.path.remove(str(root))


def load(component: Path, taken: list[object]) -> witbridge.Instance:
    def take(place: object) -> int:
        taken.append(place)
        return 7

    return witbridge.load(component, imports={"demo:ren/host": {"take": take}})


def fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def test_renamed_types_are_named_as_the_interface_names_them(sources: tuple[Path, Path]) -> None:
    inst = load(sources[1], [])
    ops = inst.ops
    # The interface's own `point`, and the `point` of `types` that it calls `other-point`: both reachable.
    assert fields(ops.Point) == ["a"]
    assert fields(ops.OtherPoint) == ["x", "y"]
    assert ops.Colour is ops.Color  # the renamed enum, also under its own name, which nothing else took
    assert inst.full.Spot is inst.full.Point
    assert inst.full.Form is inst.full.Shape
    assert inst.full.ShapeDot is inst.full.Form.Dot
    assert inst.Hue is inst.Color  # a world-level `use ... as`
    assert sorted(n for n in dir(ops) if n[0].isupper()) == ["Color", "Colour", "OtherPoint", "Point"]


def test_calls_with_renamed_types(sources: tuple[Path, Path]) -> None:
    taken: list[object] = []
    inst = load(sources[1], taken)
    ops = inst.ops
    assert ops.both(ops.Point(a=3), ops.OtherPoint(x=1, y=2)) == 307
    assert ops.both({"a": 1}, {"x": 5, "y": 6}) == 107
    # The host receives the class of `types`' point, whatever the guest's interface calls it.
    assert taken == [ops.OtherPoint(x=1, y=2), ops.OtherPoint(x=5, y=6)]
    assert ops.pick(ops.Colour.RED) is ops.Colour.GREEN
    assert inst.full.area(inst.full.Spot(x=3, y=4)) == 12
    assert inst.full.kind(inst.full.Form.Dot(inst.full.Spot(x=5, y=0))) == 5
    assert inst.full.kind(inst.full.ShapeBlank()) == 10
    assert inst.root_pick(inst.Hue.RED) is inst.Hue.BLUE
    assert ops.both.wit == "both: func(p: point, q: other-point) -> u32"


def test_inspect_shows_the_renamed_signatures(sources: tuple[Path, Path], capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(sources[1])]) == 0
    out = capfd.readouterr().out
    assert "    both: func(p: point, q: other-point) -> u32\n" in out
    assert "    kind: func(f: form) -> u32\n" in out
    assert "  root-pick: func(h: hue) -> hue\n" in out
    assert main(["inspect", "--json", str(sources[1])]) == 0
    assert '"signature": "area: func(s: spot) -> u32"' in capfd.readouterr().out
    assert main(["wit", str(sources[1])]) == 0
    assert "use types.{point as other-point, color as colour};" in capfd.readouterr().out


USE_REN = """
    from __future__ import annotations

    from pathlib import Path

    from {module} import Color, Colour, Form, GeometryPoint, OpsPoint, OtherPoint, Point, RenImports, Shape, Spot
    from {module} import ShapeDot, Ren


    class Host:
        def take(self, p: Point) -> int:
            return p.x + p.y


    def main(component: Path) -> None:
        app = Ren.load(component, imports=RenImports(host=Host()))
        ops = app.ops
        assert ops.OtherPoint is OtherPoint is Point and ops.Point is OpsPoint
        assert ops.both(OpsPoint(a=2), OtherPoint(x=1, y=2)) == 203
        colour: Colour = ops.pick(Color.RED)
        assert colour is Color.GREEN
        assert app.full.Spot is GeometryPoint and app.full.Form is Shape
        assert app.full.area(Spot(x=2, y=5)) == 10
        form: Form = ShapeDot(GeometryPoint(x=4, y=0))
        assert app.full.kind(form) == 4
        assert app.root_pick(Color.GREEN) is Color.BLUE
"""


@pytest.mark.parametrize("kind", ["wit", "component"])
def test_bindgen_names_renamed_types_as_the_runtime_does(kind: str, sources: tuple[Path, Path], tmp_path: Path) -> None:
    wit, component = sources
    module = f"ren_{kind}"
    root = component.parent
    (root / f"{module}.py").write_text(bindgen.generate(wit if kind == "wit" else component))
    program = f"use_{module}"
    (root / f"{program}.py").write_text(textwrap.dedent(USE_REN.format(module=module)))
    importlib.invalidate_caches()
    text = (root / f"{module}.py").read_text()
    # The interface's names first, as the runtime's namespace has them; `Color` also, under its own name.
    types = ["OtherPoint: type[Point]", "Colour: type[Color]", "Point: type[OpsPoint]", "Color: type[Color]"]
    assert "class _OpsTypes(Protocol):\n" + "".join(f"    {t}\n" for t in types) in text
    mypy = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "mypy")]
    checked = subprocess.run(
        [*mypy, f"{module}.py", f"{program}.py"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    importlib.import_module(program).main(component)
