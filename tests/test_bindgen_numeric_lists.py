"""``witbridge bindgen --numeric-lists``: typed modules for instances that give lists of numbers back as
``array.array``s or numpy arrays (issue 12, item 2's opt-in in the typed layer).

A module is written for one mode: its ``load`` instantiates in that mode, its annotations say what that mode
makes (``array.array[int]``, ``NDArray[np.float64]``), and its world class refuses an instance of another mode.
Every mode takes buffers for lists of numbers (``Sequence[int] | Buffer``). One ``mypy --strict`` run checks
the modules and a program that uses them; the program then runs against the real guests.
"""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parents[1]
WASM = ROOT / "fixtures" / "wasm"
PROVIDER_WIT = ROOT / "fixtures" / "guests" / "provider" / "wit"

# (module name, source, world, mode)
MODULES = [
    ("nl_values_list", WASM / "values.wasm", None, "list"),
    ("nl_values_array", WASM / "values.wasm", None, "array"),
    ("nl_values_numpy", WASM / "values.wasm", None, "numpy"),
    ("nl_consumer_numpy", PROVIDER_WIT, "consumer", "numpy"),
]

# Type-checked with the modules (so a wrong annotation fails mypy), then run (so the annotations are true).
PROGRAM = """
    from __future__ import annotations

    import array
    from pathlib import Path

    import numpy as np
    import numpy.typing as npt

    from nl_consumer_numpy import Consumer, ConsumerImports, Stats
    from nl_values_array import Point as ArrayPoint, Values as ArrayValues
    from nl_values_list import Point as ListPoint, Values as ListValues
    from nl_values_numpy import Point, Values as NumpyValues


    class Math:
        def __init__(self) -> None:
            self.seen: list[npt.NDArray[np.float64]] = []

        def add(self, a: int, b: int, /) -> int:
            return a + b

        def describe(self, xs: npt.NDArray[np.float64], /) -> Stats:
            self.seen.append(xs)
            return Stats(count=len(xs), mean=float(xs.mean()))

        def shout(self, s: str, /) -> str:
            return s.upper()


    def main(wasm: Path) -> None:
        listed = ListValues.load(wasm / "values.wasm").values
        # Lists of numbers take buffers in every mode; numpy's stubs make an array a buffer only from Python
        # 3.12, so on 3.11 its `.data` (a memoryview) is what a type checker accepts.
        same: list[int] = listed.echo_s32s(np.array([1, -2], dtype=np.int32).data)
        assert same == [1, -2]
        assert listed.echo_u16s(array.array("H", [7, 8])) == [7, 8]
        # A structured array is a list of records of numbers in every mode, numpy or not.
        xy = np.dtype([("x", "<i4"), ("y", "<i4")], align=True)
        assert listed.sum_points(np.array([(1, 2), (3, 4)], dtype=xy)) == ListPoint(x=4, y=6)
        # So is an array of several dimensions a list of lists of numbers, as its rows.
        assert listed.echo_nested_lists(np.arange(4, dtype=np.int16).reshape(2, 2)) == [[0, 1], [2, 3]]

        arrays = ArrayValues.load(wasm / "values.wasm").values
        u32s: array.array[int] = arrays.echo_u32s(array.array("I", [1, 2, 3]))
        assert u32s.typecode == "I" and u32s.tolist() == [1, 2, 3]
        f64s: array.array[float] = arrays.echo_f64s([0.5, 1.5])
        assert f64s.typecode == "d" and f64s.tolist() == [0.5, 1.5]
        assert arrays.echo_bools([True, False]) == [True, False]  # not a number: a list in every mode
        # Records are objects in every mode but numpy's.
        assert arrays.echo_points([ArrayPoint(x=1, y=2)]) == [ArrayPoint(x=1, y=2)]
        assert arrays.echo_points(np.array([(5, 6)], dtype=xy)) == [ArrayPoint(x=5, y=6)]

        numpy = NumpyValues.load(wasm / "values.wasm").values
        floats: npt.NDArray[np.float64] = numpy.echo_f64s(np.arange(4.0))
        assert floats.dtype == np.float64 and float(floats.sum()) == 6.0
        ints: npt.NDArray[np.int64] = numpy.echo_s64s(np.array([-(2**63), 2**63 - 1], dtype=np.int64))
        assert ints.tolist() == [-(2**63), 2**63 - 1]
        bools: npt.NDArray[np.bool_] = numpy.echo_bools(np.array([True, False]))
        assert bools.dtype == np.bool_ and bools.tolist() == [True, False]
        points: npt.NDArray[np.void] = numpy.echo_points([Point(x=1, y=2), Point(x=3, y=4)])
        assert points["y"].tolist() == [2, 4]
        assert numpy.sum_points(points) == Point(x=4, y=6)
        nested = numpy.echo_nested_lists([[1, 2], [3]])
        assert [a.tolist() for a in nested] == [[1, 2], [3]]
        rows = numpy.echo_nested_lists(np.ones((2, 3), dtype=np.int16))
        assert [a.tolist() for a in rows] == [[1, 1, 1], [1, 1, 1]]

        math = Math()
        consumer = Consumer.load(wasm / "consumer.component.wasm", imports=ConsumerImports(math=math))
        assert consumer.run([1.0, 2.0]) == "2 items, mean 1.50, 5 OK"
        assert [type(xs) for xs in math.seen] == [np.ndarray]
"""


def run_tool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The modules and the program, importable while the tests run."""
    out = tmp_path_factory.mktemp("numeric_lists")
    for name, source, world, mode in MODULES:
        (out / f"{name}.py").write_text(bindgen.generate(source, world=world, numeric_lists=mode))
    (out / "nl_program.py").write_text(textwrap.dedent(PROGRAM))
    sys.path.insert(0, str(out))
    yield out
    sys.path.remove(str(out))


def test_modules_and_their_use_pass_mypy_strict(generated: Path) -> None:
    files = sorted(p.name for p in generated.glob("*.py"))
    done = run_tool("mypy", "--strict", "--python-version", "3.11", "--cache-dir", ".mypy_cache", *files, cwd=generated)
    assert done.returncode == 0, done.stdout + done.stderr


def test_modules_pass_ruff(generated: Path) -> None:
    files = [f"{name}.py" for name, *_ in MODULES]
    select = ["--select", "E,F,W,I,B,UP,RUF,SIM,PT", "--line-length", "120", "--target-version", "py311"]
    checked = run_tool("ruff", "check", "--isolated", "--no-cache", *select, *files, cwd=generated)
    assert checked.returncode == 0, checked.stdout
    formatted = run_tool("ruff", "format", "--isolated", "--no-cache", "--check", *files, cwd=generated)
    assert formatted.returncode == 0, formatted.stdout


def test_the_program_runs(generated: Path) -> None:
    importlib.import_module("nl_program").main(WASM)


@pytest.mark.parametrize(
    ("module", "mode", "annotation"),
    [
        ("nl_values_list", "list", "def echo_u32s(self, x: Sequence[int] | _Buffer) -> list[int]:"),
        ("nl_values_array", "array", "def echo_u32s(self, x: Sequence[int] | _Buffer) -> _array.array[int]:"),
        ("nl_values_numpy", "numpy", "x: Sequence[int] | _Buffer | _npt.NDArray[_np.uint32],"),
        # A list of a record of numbers takes a structured array in every mode.
        ("nl_values_list", "list", "(self, points: Sequence[Point] | _runtime.NumpyArray) -> Point:"),
        ("nl_values_array", "array", "(self, x: Sequence[Point] | _runtime.NumpyArray) -> list[Point]:"),
        ("nl_values_numpy", "numpy", "(self, points: Sequence[Point] | _npt.NDArray[_np.void]) -> Point:"),
        # A list of lists of numbers takes an array of several dimensions.
        ("nl_values_list", "list", "x: Sequence[Sequence[int] | _Buffer] | _runtime.NumpyArray,"),
        (
            "nl_values_numpy",
            "numpy",
            # Too long for a line: split at the union, as ruff would.
            "x: Sequence[Sequence[int] | _Buffer | _npt.NDArray[_np.int16]]\n        | _npt.NDArray[_np.int16],",
        ),
    ],
)
def test_annotations_and_load_follow_the_mode(generated: Path, module: str, mode: str, annotation: str) -> None:
    text = (generated / f"{module}.py").read_text()
    assert annotation in text
    assert f'_runtime.check_numeric_lists(instance, "{mode}")' in text
    instance = importlib.import_module(module).Values.load(WASM / "values.wasm").instance
    assert instance._native._numeric_lists == mode


@pytest.mark.parametrize(("module", "made_with"), [("nl_values_array", "numpy"), ("nl_values_list", "array")])
def test_an_instance_of_another_mode_is_refused(generated: Path, module: str, made_with: str) -> None:
    world = importlib.import_module(module).Values
    component = world.compile(WASM / "values.wasm")
    instance = witbridge.Linker(component.engine).instantiate(component, numeric_lists=made_with)
    written_for = module.removeprefix("nl_values_")
    with pytest.raises(
        TypeError,
        match=rf"written for numeric_lists='{written_for}', but the instance was made "
        rf"with numeric_lists='{made_with}'.*--numeric-lists {made_with}",
    ):
        world(instance)


def test_a_world_without_lists_of_numbers_takes_an_instance_of_any_mode(tmp_path: Path) -> None:
    """wasm_intro has a list<u8> only, which is `bytes` in every mode: nothing to check."""
    text = bindgen.generate(WASM / "wasm_intro.wasm", numeric_lists="numpy")
    assert "check_numeric_lists" not in text
    assert "numpy" not in text.replace('numeric_lists="numpy"', "")
    (tmp_path / "nl_intro.py").write_text(text)
    sys.path.insert(0, str(tmp_path))
    try:
        intro = importlib.import_module("nl_intro")
        assert intro.WasmIntro(witbridge.load(WASM / "wasm_intro.wasm")).machine_interface.get_u32() == 123
    finally:
        sys.path.remove(str(tmp_path))


def test_cli_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "values.py"
    assert main(["bindgen", str(WASM / "values.wasm"), "--numeric-lists", "array", "-o", str(out)]) == 0
    assert out.read_text() == bindgen.generate(WASM / "values.wasm", numeric_lists="array")
    with pytest.raises(SystemExit) as exited:
        main(["bindgen", str(WASM / "values.wasm"), "--numeric-lists", "tuple", "-o", str(out)])
    assert exited.value.code == 2
    assert "--numeric-lists: invalid choice: 'tuple' (choose from 'list', 'array', 'numpy')" in capsys.readouterr().err


def test_generate_refuses_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match=r"numeric_lists: expected one of list, array, numpy, got 'tuple'"):
        bindgen.generate(WASM / "values.wasm", numeric_lists="tuple")
