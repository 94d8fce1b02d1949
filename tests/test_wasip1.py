"""wasm32-wasip1 core modules load as they are: witbridge applies WASI's preview 1 adapter.

`fixtures/wasm/wasi_lib.wasm` and `wasi_cli.wasm` are the core modules that
`cargo build --target wasm32-wasip1` wrote for the wasi_lib and wasi_cli
guests (the `.component.wasm` beside them were made with `wasm-tools
component new --adapt`); `fixtures/wat/wasip1-hello.wat` is a plain
command with no WIT at all.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import witbridge
from witbridge import _native

ROOT = Path(__file__).resolve().parents[1]
WASM = ROOT / "fixtures" / "wasm"
HELLO = ROOT / "fixtures" / "wat" / "wasip1-hello.wat"
ADAPTER = f"wasi_snapshot_preview1 {{}} adapter (wasmtime {_native.WASMTIME_VERSION})"


def captured(**config: object) -> witbridge.WasiConfig:
    return witbridge.WasiConfig(stdout="capture", stderr="capture", **config)  # type: ignore[arg-type]


def test_a_wasip1_library_module_loads_like_its_component(tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text("from the host")
    wasi = witbridge.WasiConfig(preopens={"/data": str(tmp_path)}, args=["a", "b"], env={"K": "v"})
    module = witbridge.load(WASM / "wasi_lib.wasm", wasi=wasi)
    component = witbridge.load(WASM / "wasi_lib.component.wasm", wasi=wasi)
    assert module.component.wit() == component.component.wit()
    for inst in (module, component):
        files = inst.files
        assert files.read_text("/data/note.txt") == "from the host"
        assert files.get_env("K") == "v"
        assert files.args() == ["main", "a", "b"]
        assert files.burn(1000) == component.files.burn(1000)


def test_a_wasip1_command_module_runs_like_its_component() -> None:
    runs = []
    for name in ("wasi_cli.wasm", "wasi_cli.component.wasm"):
        inst = witbridge.load(WASM / name, wasi=captured(args=["args", "echo", "x y"]))
        runs.append((inst.run(), inst.stdout, inst.stderr))
    assert runs[0] == runs[1]
    assert runs[0][:2] == (0, b"argv[0]=main\nargv[1]=args\nargv[2]=echo\nargv[3]=x y\nx y\n")


# proc_exit(3) comes out as 1: the preview 1 adapter maps every nonzero
# code to wasi:cli/exit's `err` (see the fixture).
@pytest.mark.parametrize(("args", "code"), [([], 0), (["anything"], 1)])
def test_a_plain_wasip1_command_without_wit_runs(args: list[str], code: int) -> None:
    inst = witbridge.load(HELLO, wasi=captured(args=args))
    assert inst.run() == code
    assert inst.stdout == b"hello from wasip1\n"


def test_witbridge_run_runs_a_plain_wasip1_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "witbridge", "run", str(HELLO), "--", "x"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, "hello from wasip1\n"), done.stderr


@pytest.mark.parametrize(
    ("path", "kind"),
    [(WASM / "wasi_lib.wasm", "reactor"), (WASM / "wasi_cli.wasm", "command"), (HELLO, "command")],
)
def test_inspect_names_the_adapter(path: Path, kind: str) -> None:
    assert _native._inspect(path.read_bytes())["adapter"] == ADAPTER.format(kind)


def test_inspect_of_other_inputs_names_no_adapter() -> None:
    for name in ("wasm_intro.wasm", "wasi_lib.component.wasm"):
        assert _native._inspect((WASM / name).read_bytes())["adapter"] is None


def test_a_wasip1_library_without_wit_still_asks_for_it() -> None:
    reactor = b'(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))))'
    with pytest.raises(witbridge.CompileError, match="without WIT type information"):
        witbridge.Component.from_bytes(reactor)
