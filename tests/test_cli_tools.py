"""``witbridge wit``, ``wat``, ``inspect``, ``call`` and ``compile`` on the fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import witbridge
from witbridge.cli import _common, main

ROOT = Path(__file__).resolve().parents[1]
WASM = ROOT / "fixtures" / "wasm"
WAT = ROOT / "fixtures" / "wat"
INTRO_CORE = str(WASM / "wasm_intro.wasm")
INTRO = str(WASM / "wasm_intro.component.wasm")
VALUES = str(WASM / "values.component.wasm")
ADDER = str(WAT / "adder.wat")

RUN = "machine-interface.run(7, {x: 1, y: 2}, {x: 3, y: 4})"
RUN_RESULT = '{machine-id: 1, message: "machine 7 run from Point { x: 1, y: 2 } to Point { x: 3, y: 4 }"}'

Capture = pytest.CaptureFixture[str]


def cli(capfd: Capture, *args: str) -> tuple[int, str, str]:
    """``witbridge ARGS`` in this process: (exit code, stdout, stderr)."""
    code = main(list(args))
    out, err = capfd.readouterr()
    return code, out, err


def assert_user_error(code: int, out: str, err: str, *fragments: str) -> None:
    """Exit 2, nothing on stdout, one line on stderr that names the problem."""
    assert code == 2, err
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("witbridge "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


@pytest.fixture
def plain_core(tmp_path: Path) -> str:
    """A core module without WIT, as WAT text."""
    path = tmp_path / "plain.wat"
    path.write_text('(module (memory (export "memory") 1 2) (func (export "f") (param i32) (result i32) local.get 0))')
    return str(path)


@pytest.fixture
def garbage(tmp_path: Path) -> str:
    path = tmp_path / "garbage.wasm"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00 not wasm at all")
    return str(path)


# --- every verb --------------------------------------------------------------------------------

VERBS = [["wit"], ["wat"], ["inspect"], ["inspect", "--json"], ["call", "@", "add(1, 2)"], ["compile", "@"]]


def with_file(verb: list[str], file: str) -> list[str]:
    return [file if a == "@" else a for a in verb] if "@" in verb else [*verb, file]


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_garbage_missing_files_and_directories_are_one_line_errors(
    verb: list[str], garbage: str, tmp_path: Path, capfd: Capture
) -> None:
    assert_user_error(*cli(capfd, *with_file(verb, garbage)), "not a WebAssembly binary or WAT text", "7f 45 4c 46")
    assert_user_error(*cli(capfd, *with_file(verb, str(tmp_path / "missing.wasm"))), "no such file")
    assert_user_error(*cli(capfd, *with_file(verb, str(tmp_path))), "is a directory")


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_bad_wat_says_where(verb: list[str], tmp_path: Path, capfd: Capture) -> None:
    bad = tmp_path / "bad.wat"
    bad.write_text("(component\n  (core module (func (foo))))")
    assert_user_error(*cli(capfd, *with_file(verb, str(bad))), "invalid WAT text", "(at line 2, column")


@pytest.mark.parametrize("verb", ["wit", "wat", "inspect", "call", "compile"])
def test_help_has_an_example(verb: str, capfd: Capture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([verb, "--help"])
    assert exit_.value.code == 0
    out = capfd.readouterr().out
    assert "example" in out
    assert f"witbridge {verb} fixtures/" in out


def test_usage_errors_exit_2(capfd: Capture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["call", INTRO])  # no CALL
    assert exit_.value.code == 2
    assert "CALL" in capfd.readouterr().err


# --- wit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("file", [INTRO_CORE, INTRO, VALUES, ADDER])
def test_wit_prints_what_the_component_says(file: str, capfd: Capture) -> None:
    code, out, _ = cli(capfd, "wit", file)
    assert code == 0
    assert out == witbridge.Component.from_file(file).wit().rstrip("\n") + "\n"


def test_wit_of_the_article_module(capfd: Capture) -> None:
    code, out, err = cli(capfd, "wit", INTRO_CORE)
    assert (code, err) == (0, "")
    assert "package xyz:machine" in out
    assert "count-symbols: func(s: string) -> u32;" in out


def test_wit_of_a_core_module_without_wit(plain_core: str, capfd: Capture) -> None:
    assert_user_error(*cli(capfd, "wit", plain_core), "carries no WIT", "component-type")


# --- wat ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "package"),
    [
        (ROOT / "fixtures" / "guests" / "host_user" / "wit", "witbridge:host@0.1.0"),
        (ROOT / "fixtures" / "guests" / "values" / "wit" / "values.wit", "witbridge:fixtures@0.1.0"),
    ],
)
def test_wit_of_wit_prints_the_package(source: Path, package: str, tmp_path: Path, capfd: Capture) -> None:
    """A WIT file or directory, as bindgen takes it: its package as WIT parses it, which parses again the same."""
    code, out, err = cli(capfd, "wit", str(source))
    assert (code, err) == (0, "")
    assert out.startswith(f"package {package};\n")
    again = tmp_path / "again.wit"
    again.write_text(out)
    assert cli(capfd, "wit", str(again)) == (0, out, "")


def test_wit_of_a_wit_directory_with_deps_nests_them(tmp_path: Path, capfd: Capture) -> None:
    (tmp_path / "deps" / "shapes").mkdir(parents=True)
    shapes = tmp_path / "deps" / "shapes" / "shapes.wit"
    shapes.write_text("package demo:shapes;\ninterface g { record p { x: u32 } }\n")
    (tmp_path / "main.wit").write_text("package demo:app;\nworld w { use demo:shapes/g.{p}; export f: func(x: p); }\n")
    code, out, _ = cli(capfd, "wit", str(tmp_path))
    assert code == 0
    assert out.startswith("package demo:app;\n")
    assert "package demo:shapes {" in out
    assert "export f: func(x: p);" in out


def test_bad_wit_is_a_one_line_error(tmp_path: Path, capfd: Capture) -> None:
    (tmp_path / "bad.wit").write_text("package demo:bad;\ninterface i { f: func(x: nope); }\n")
    assert_user_error(*cli(capfd, "wit", str(tmp_path / "bad.wit")), "invalid WIT in", "nope")
    assert_user_error(*cli(capfd, "wit", str(tmp_path / "missing.wit")), "missing.wit: no such WIT file or directory")


def test_wat_of_a_component_loads_again(capfd: Capture) -> None:
    code, out, _ = cli(capfd, "wat", ADDER)
    assert code == 0
    assert out.startswith("(component")
    assert witbridge.Linker().instantiate(witbridge.Component.from_wat(out)).add(2, 3) == 5


@pytest.mark.parametrize("file", [INTRO_CORE, INTRO, str(WASM / "wasi_cli.component.wasm")])
def test_wat_of_binaries(file: str, capfd: Capture) -> None:
    code, out, _ = cli(capfd, "wat", file)
    assert code == 0
    assert out.startswith("(module" if file == INTRO_CORE else "(component")
    assert '"xyz:machine/machine-interface#count-symbols"' in out or "wasi:cli/run" in out


def test_wat_of_a_plain_core_module(plain_core: str, capfd: Capture) -> None:
    code, out, _ = cli(capfd, "wat", plain_core)
    assert code == 0
    assert '(export "f" (func 0))' in out
    assert "(memory (;0;) 1 2)" in out


# --- inspect -----------------------------------------------------------------------------------

TOP_KEYS = [
    "file",
    "kind",
    "text",
    "size",
    "world",
    "imports",
    "exports",
    "modules",
    "memories",
    "producers",
    "adapter",
]


def inspect_json(capfd: Capture, file: str) -> dict[str, object]:
    code, out, err = cli(capfd, "inspect", "--json", file)
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert isinstance(document, dict)
    assert list(document) == TOP_KEYS
    return document


def test_inspect_json_of_a_component(capfd: Capture) -> None:
    doc = inspect_json(capfd, str(WASM / "host_user.component.wasm"))
    assert doc["file"].endswith("host_user.component.wasm")  # type: ignore[attr-defined]
    assert (doc["kind"], doc["text"], doc["size"]) == (
        "component",
        False,
        (WASM / "host_user.component.wasm").stat().st_size,
    )
    imports = {e["name"]: e for e in doc["imports"]}  # type: ignore[attr-defined]
    assert imports["tick"] == {
        "name": "tick",
        "kind": "function",
        "signature": "tick: func(n: u32) -> u32",
        "functions": [],
    }
    kv = imports["witbridge:host/kv@0.1.0"]
    assert kv["kind"] == "interface"
    assert kv["signature"] is None
    assert {"name": "get", "resource": None, "signature": "get: func(key: string) -> option<list<u8>>"} in kv[
        "functions"
    ]
    counters = next(e for e in doc["exports"] if e["name"] == "witbridge:host/counters@0.1.0")  # type: ignore[attr-defined]
    assert {
        "name": "[method]counter.add",
        "resource": "counter",
        "signature": "add: func(self: borrow<counter>, delta: s64) -> s64",
    } in counters["functions"]
    modules = doc["modules"]
    assert isinstance(modules, list)
    assert modules
    assert all(list(m) == ["index", "size", "imports", "exports"] for m in modules)
    assert [m["index"] for m in modules] == list(range(len(modules)))
    memories = doc["memories"]
    assert isinstance(memories, list)
    assert memories
    assert list(memories[0]) == ["module", "imported", "initial", "maximum", "memory64", "shared", "page_size"]
    assert any(not m["imported"] and not m["memory64"] and m["page_size"] == 65536 for m in memories)
    producers = doc["producers"]
    assert isinstance(producers, list)
    assert producers
    assert all(list(p) == ["module", "fields"] for p in producers)
    processed_by = [v["name"] for p in producers for v in p["fields"].get("processed-by", [])]
    assert "wit-component" in processed_by


def test_inspect_json_of_the_article_module(capfd: Capture) -> None:
    doc = inspect_json(capfd, INTRO_CORE)
    assert (doc["kind"], doc["text"]) == ("core-module-with-wit", False)
    assert doc["world"] is not None
    assert [e["name"] for e in doc["exports"]] == ["xyz:machine/machine-interface"]  # type: ignore[attr-defined]
    assert doc["modules"] == [{"index": 0, "size": Path(INTRO_CORE).stat().st_size, "imports": 0, "exports": 13}]


def test_inspect_json_of_wat_and_a_plain_core_module(plain_core: str, capfd: Capture) -> None:
    doc = inspect_json(capfd, ADDER)
    assert (doc["kind"], doc["text"], doc["memories"], doc["producers"]) == ("component", True, [], [])
    assert doc["exports"] == [
        {"name": "add", "kind": "function", "signature": "add: func(a: u32, b: u32) -> u32", "functions": []}
    ]
    doc = inspect_json(capfd, plain_core)
    assert (doc["kind"], doc["world"], doc["imports"]) == ("core-module", None, [])
    assert doc["exports"] == [
        {"name": "memory", "kind": "core-memory", "signature": "(memory 1 2)", "functions": []},
        {"name": "f", "kind": "core-func", "signature": "(func (param i32) (result i32))", "functions": []},
    ]
    assert doc["memories"] == [
        {
            "module": 0,
            "imported": False,
            "initial": 1,
            "maximum": 2,
            "memory64": False,
            "shared": False,
            "page_size": 65536,
        }
    ]


def test_inspect_for_humans(capfd: Capture) -> None:
    code, out, _ = cli(capfd, "inspect", str(WASM / "wasi_cli.component.wasm"))
    assert code == 0
    assert "kind:     component\n" in out
    assert "  interface wasi:cli/run@0.2.12\n    run: func() -> result\n" in out
    assert "  module 0: " in out
    assert "core modules:" in out
    assert "(defined, 32-bit)" in out
    assert "processed-by" in out
    assert "language Rust" in out
    code, out, _ = cli(capfd, "inspect", str(WASM / "host_user.component.wasm"))
    assert "    counter.add: func(self: borrow<counter>, delta: s64) -> s64\n" in out
    code, out, _ = cli(capfd, "inspect", ADDER)
    assert "kind:     component, as WAT text\n" in out
    assert "memories:  none\n" in out


def test_inspect_of_an_artifact_says_what_it_is(tmp_path: Path, capfd: Capture) -> None:
    artifact = tmp_path / "adder.cwasm"
    artifact.write_bytes(witbridge.Component.from_file(ADDER).serialize())
    assert_user_error(*cli(capfd, "inspect", str(artifact)), "precompiled witbridge artifact")


# --- call --------------------------------------------------------------------------------------


@pytest.mark.parametrize("file", [INTRO_CORE, INTRO])
def test_call_prints_the_result_in_wave(file: str, capfd: Capture) -> None:
    assert cli(capfd, "call", file, RUN) == (0, RUN_RESULT + "\n", "")


@pytest.mark.parametrize(
    "name",
    [
        "machine-interface.count-symbols",
        "machine_interface.count_symbols",
        "count-symbols",
        "xyz:machine/machine-interface.count-symbols",
        "xyz:machine/machine-interface#count-symbols",
    ],
)
def test_call_names(name: str, capfd: Capture) -> None:
    assert cli(capfd, "call", INTRO_CORE, f'{name}("héllo")') == (0, "5\n", "")


@pytest.mark.parametrize(
    ("call", "result"),
    [
        ("add(1, 2)", "3"),
        ('greet("Bob")', '"Hello, Bob!"'),
        ("values.echo-bool(true)", "true"),
        ("values.echo-s8(-5)", "-5"),
        ("values.echo-u64(18446744073709551615)", "18446744073709551615"),
        ("values.echo-f32(1.5)", "1.5"),
        ("values.echo-f64(-inf)", "-inf"),
        ("values.echo-char('🦀')", "'🦀'"),
        (r'values.echo-string("a\nb\"c")', r'"a\nb\"c"'),
        ("values.echo-bytes([1, 2, 255])", "[1, 2, 255]"),
        ("values.echo-u32s([])", "[]"),
        ("values.echo-nested-lists([[1], [], [2, 3]])", "[[1], [], [2, 3]]"),
        ('values.echo-tuple((1, "a", 2.5))', '(1, "a", 2.5)'),
        ('values.echo-person({name: "Ann", age: 30, tags: ["x"]})', '{name: "Ann", age: 30, tags: ["x"]}'),
        (
            'values.echo-person({name: "A", age: 3, tags: [], home: some({x: 1, y: 2})})',
            '{name: "A", age: 3, tags: [], home: some({x: 1, y: 2})}',
        ),
        ("values.echo-color(light-yellow)", "light-yellow"),
        ("values.echo-perms({read, exec})", "{read, exec}"),
        ("values.echo-many({f0, f31})", "{f0, f31}"),
        ("values.echo-shape(rect({x: 1, y: -2}))", "rect({x: 1, y: -2})"),
        ("values.echo-shape(empty)", "empty"),
        ("values.echo-mixed(maybe(some(3)))", "maybe(some(3))"),
        ('values.echo-mixed(pair((1, "x")))', 'pair((1, "x"))'),
        ("values.echo-option()", "none"),
        ("values.echo-nested-option(some(none))", "some(none)"),
        ('values.echo-nested-option(some(some("x")))', 'some(some("x"))'),
        ('values.echo-results([ok(1), err("no")])', '[ok(1), err("no")]'),
        ("values.echo-empty-results([ok, err])", "[ok, err]"),
        (
            'values.echo-keywords({type: 1, class: "c", from: true, lambda: [1]})',
            '{type: 1, class: "c", from: true, lambda: [1]}',
        ),
        ("values.check-even(4)", "ok(4)"),
        ("values.maybe-fail(false)", "ok"),
        ("values.type(3)", "6"),
        ("values.divmod(7, 2)", "(3, 1)"),
    ],
)
def test_call_values_round_trip(call: str, result: str, capfd: Capture) -> None:
    assert cli(capfd, "call", VALUES, call) == (0, result + "\n", "")


def test_a_function_without_a_result_prints_nothing(capfd: Capture) -> None:
    assert cli(capfd, "call", VALUES, "values.noop()") == (0, "", "")


@pytest.mark.parametrize(
    ("call", "printed"),
    [
        ("values.check-even(3)", 'err("3 is odd")'),
        ("values.maybe-fail(true)", "err"),
        ("values.fail-with(red)", "err(red)"),
    ],
)
def test_an_err_result_is_printed_and_exits_1(call: str, printed: str, capfd: Capture) -> None:
    assert cli(capfd, "call", VALUES, call) == (1, printed + "\n", "")


def test_a_trap_exits_1(capfd: Capture) -> None:
    code, out, err = cli(capfd, "call", VALUES, 'values.trap("boom")')
    assert (code, out) == (1, "")
    assert err.startswith("witbridge call: the guest trapped: ")
    assert "unreachable" in err
    code, _, err = cli(capfd, "call", str(WAT / "echo.wat"), "boom()")
    assert code == 1
    assert "trapped" in err


def test_a_trap_prints_the_backtrace_one_frame_a_line(capfd: Capture) -> None:
    code, out, err = cli(capfd, "call", str(WAT / "echo.wat"), "boom()")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "witbridge call: the guest trapped: boom: wasm trap: wasm `unreachable` instruction executed",
        "error while executing at wasm backtrace:",
        "    0:     0x95 - m!<wasm function 2>",
    ]


def test_a_panic_message_is_printed_once(capfd: Capture) -> None:
    # The guest's stderr is the terminal's: the panic message is there, and
    # the trap's report doesn't repeat it.
    code, out, err = cli(capfd, "call", str(WASM / "wasi_lib.component.wasm"), 'panic("boom at noon")')
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines.count("boom at noon") == 1
    report = lines.index(
        "witbridge call: the guest trapped: witbridge:wasi-lib/files@0.1.0#panic: "
        "wasm trap: wasm `unreachable` instruction executed"
    )
    assert lines.index("boom at noon") < report
    assert lines[report + 1] == "error while executing at wasm backtrace:"
    assert "wrote to stderr" not in err


def test_a_timeout_exits_1(capfd: Capture) -> None:
    code, _, err = cli(capfd, "call", str(WAT / "busy.wat"), "spin()", "--timeout", "0.1")
    assert code == 1
    assert "trapped" in err


@pytest.mark.parametrize(
    ("call", "fragments"),
    [
        (f"{RUN[:-13]}{{x: 3, y: }})", ["bad WAVE at column 50 (at `}`): unexpected token", "run: func(machine:"]),
        ('values.echo-string("unterminated)', ["bad WAVE at column 20", "invalid token"]),
        ("add(1, 2) x", ["column 11 (at `x`)", "trailing characters"]),
        ("add(1)", ["column 6", "missing required param"]),
        ("add(1, 2, 3)", ["column 11 (at `3`)", "more param(s) than expected"]),
        ("add()", ["no params provided, but 2 required", "`add: func(a: u32, b: u32) -> u32`"]),
        ("values.echo-u8(256)", ["column 16 (at `256`)", "invalid value", "echo-u8: func(x: u8) -> u8"]),
        ("values.echo-u8(-1)", ["(at `-1`)", "invalid value"]),
        ('values.echo-u8("x")', ['(at `"x"`)', "invalid value type"]),
        ("values.echo-color(purple)", ['unknown case "purple"']),
        ('values.echo-person({name: "x"})', ['missing field "age"']),
        ("values.echo-shape(circle)", ['missing payload for "circle"']),
    ],
)
def test_bad_wave_exits_2_with_its_position(call: str, fragments: list[str], capfd: Capture) -> None:
    file = INTRO_CORE if call.startswith("machine") else VALUES
    assert_user_error(*cli(capfd, "call", file, call), *fragments)


@pytest.mark.parametrize(
    ("call", "fragments"),
    [
        ("nope(1)", ["exports no function `nope`", "root functions: add, greet", "values"]),
        ("values.nope()", ["interface `witbridge:fixtures/values@0.1.0` has no function `nope`", "echo-bool"]),
        ("nope.add(1, 2)", ["exports no interface `nope`", "witbridge:fixtures/values@0.1.0"]),
        ("add", ["expected a function call such as `add(1, 2)`"]),
        ("(1, 2)", ["names no function"]),
    ],
)
def test_unknown_functions_exit_2(call: str, fragments: list[str], capfd: Capture) -> None:
    assert_user_error(*cli(capfd, "call", VALUES, call), *fragments)


def test_functions_with_resources_cannot_be_called(capfd: Capture) -> None:
    assert_user_error(
        *cli(capfd, "call", str(WASM / "host_user.component.wasm"), "counters.consume(1)"),
        "cannot be called from the command line",
        "consume: func(c: counter) -> s64",
    )


def test_missing_imports_exit_2(capfd: Capture) -> None:
    assert_user_error(
        *cli(capfd, "call", str(WAT / "needs-imports.wat"), "run()"),
        "2 imports that nothing provides",
        "tick: func(n: u32)",
    )


def test_a_core_module_without_wit_takes_wit_and_world(tmp_path: Path, capfd: Capture) -> None:
    module = tmp_path / "double.wat"
    module.write_text(
        '(module (memory (export "memory") 1)'
        ' (func (export "t:demo/math#double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul))'
    )
    wit = tmp_path / "demo.wit"
    wit.write_text("package t:demo;\ninterface math { double: func(x: u32) -> u32; }\nworld demo { export math; }\n")
    assert cli(capfd, "call", str(module), "math.double(21)", "--wit", str(wit), "--world", "demo") == (0, "42\n", "")
    assert_user_error(*cli(capfd, "call", str(module), "math.double(21)"), "Pass --wit", "and --world")
    assert_user_error(*cli(capfd, "call", str(module), "math.double(21)", "--world", "demo"), "pass --wit too")
    out = tmp_path / "double.cwasm"
    assert cli(capfd, "compile", str(module), "--wit", str(wit), "-o", str(out)) == (0, "", "")
    assert (
        witbridge.Component.deserialize(out.read_bytes()).wit() == witbridge.Component.from_file(module, wit=wit).wit()
    )


def test_wasi_directories_and_environment(tmp_path: Path, capfd: Capture) -> None:
    lib = str(WASM / "wasi_lib.component.wasm")
    (tmp_path / "in.txt").write_text("from the host")
    data = f"{tmp_path}::/data"
    assert cli(capfd, "call", lib, 'files.read-text("/data/in.txt")', "--dir", data) == (0, 'ok("from the host")\n', "")
    code, out, _ = cli(capfd, "call", lib, 'files.read-text("/data/in.txt")')
    assert code == 1
    assert out.startswith("err(")
    code, out, _ = cli(capfd, "call", lib, 'files.write-text("/data/out.txt", "x")', "--dir-ro", data)
    assert code == 1
    assert out.startswith("err(")
    assert cli(capfd, "call", lib, 'files.get-env("NAME")', "--env", "NAME=value") == (0, 'some("value")\n', "")
    assert cli(capfd, "call", lib, 'files.get-env("NAME")') == (0, "none\n", "")
    assert_user_error(*cli(capfd, "call", lib, "files.args()", "--env", "NOEQUALS"), "expected NAME=VALUE")


def test_the_guests_stdout_comes_before_the_result(capfd: Capture) -> None:
    code, out, _ = cli(capfd, "call", str(WASM / "wasi_lib.component.wasm"), 'files.print("hello")')
    assert (code, out) == (0, "hello\n")


# --- compile -----------------------------------------------------------------------------------


def test_compile_writes_an_artifact_that_deserializes(tmp_path: Path, capfd: Capture) -> None:
    out = tmp_path / "intro.cwasm"
    assert cli(capfd, "compile", INTRO_CORE, "-o", str(out)) == (0, "", "")
    component = witbridge.Component.deserialize(out.read_bytes())
    instance = witbridge.Linker(component.engine).instantiate(component)
    assert instance.machine_interface.count_symbols("héllo") == 5
    with pytest.raises(witbridge.CompileError, match="deserialize"):
        witbridge.Component.from_file(out)


def test_compile_defaults_to_a_cwasm_beside_the_input(tmp_path: Path, capfd: Capture) -> None:
    source = tmp_path / "adder.wat"
    source.write_text(Path(ADDER).read_text())
    # A file the user didn't name appears: stderr says which (stdout stays empty).
    assert cli(capfd, "compile", str(source)) == (0, "", f"witbridge compile: wrote {tmp_path / 'adder.cwasm'}\n")
    assert witbridge.Component.deserialize((tmp_path / "adder.cwasm").read_bytes())
    # Where -o names it, nothing needs saying.
    assert cli(capfd, "compile", str(source), "-o", str(tmp_path / "named.cwasm")) == (0, "", "")


def test_compile_refuses_bad_outputs(tmp_path: Path, capfd: Capture) -> None:
    source = tmp_path / "adder.cwasm"
    source.write_text(Path(ADDER).read_text())
    assert_user_error(*cli(capfd, "compile", str(source)), "is the input file")
    assert_user_error(*cli(capfd, "compile", ADDER, "-o", str(tmp_path / "no" / "such" / "dir.cwasm")), "cannot write")


def test_a_slow_compile_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: Capture) -> None:
    monkeypatch.setattr(_common, "SLOW_COMPILE", -1.0)
    code, _, err = cli(capfd, "compile", ADDER, "-o", str(tmp_path / "a.cwasm"))
    assert code == 0
    assert err.startswith("witbridge compile: compiling ")
    assert " s; " in err
    assert "next time" in err


# --- python -m witbridge -----------------------------------------------------------------------


def test_python_m_witbridge_call() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "witbridge", "call", "fixtures/wasm/wasm_intro.wasm", RUN],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, RUN_RESULT + "\n", "")


def test_version_names_witbridge_and_wasmtime(capfd: Capture) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    out = capfd.readouterr().out
    assert out == f"witbridge {witbridge.__version__} (wasmtime {witbridge._native.WASMTIME_VERSION})\n"


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("4096", 4096),
        ("64MiB", 64 << 20),
        ("64M", 64 << 20),
        ("1.5GiB", 3 << 29),
        ("512kb", 512_000),
        ("2 GB", 2 * 10**9),
    ],
)
def test_sizes_take_units(text: str, size: int) -> None:
    assert _common.byte_size(text) == size


@pytest.mark.parametrize("text", ["", "MiB", "-5", "12 parsecs", "1e6"])
def test_bad_sizes_say_what_a_size_is(text: str) -> None:
    with pytest.raises(Exception, match="not a size: expected a number of bytes, or one with a unit"):
        _common.byte_size(text)


def test_max_memory_with_a_unit_limits_the_guest(capfd: Capture) -> None:
    # wasm_intro starts with 17 pages (1.06 MiB): 1MiB is too little, 2MiB enough.
    code, _, err = cli(capfd, "call", "--max-memory", "1MiB", INTRO, "machine-interface.get-u32()")
    assert code != 0
    assert "memory" in err
    assert cli(capfd, "call", "--max-memory", "2MiB", INTRO, "machine-interface.get-u32()")[:2] == (0, "123\n")


def test_inspect_says_which_adapter_loading_applies(capfd: Capture) -> None:
    code, out, _ = cli(capfd, "inspect", str(WASM / "wasi_lib.wasm"))
    assert code == 0
    adapter = f"wasi_snapshot_preview1 reactor adapter (wasmtime {witbridge._native.WASMTIME_VERSION})"
    assert f"adapter:  {adapter}, applied when witbridge loads it\n" in out
