"""WASI preview 2: every WasiConfig knob, the default sandbox, commands and run().

The guests are fixtures/guests/wasi_cli (a command driven by its arguments)
and fixtures/guests/wasi_lib (a library whose exports use the filesystem,
environment and stdio); fixtures/README.md says exactly what each does.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import witbridge
from tests.conftest import InstanceFactory

CLI = "wasi_cli.component.wasm"
LIB = "wasi_lib.component.wasm"


def run_cli(new_instance: InstanceFactory, *args: str, **config: object) -> tuple[int, bytes, bytes]:
    """Runs wasi_cli with ``args`` and captured output: (exit code, stdout, stderr)."""
    wasi = witbridge.WasiConfig(args=args, stdout="capture", stderr="capture", **config)  # type: ignore[arg-type]
    inst = new_instance(CLI, wasi=wasi)
    code = inst.run()
    assert inst.stdout is not None
    assert inst.stderr is not None
    return code, inst.stdout, inst.stderr


# --- arguments and environment ---------------------------------------------------------------


def test_args_follow_the_program_name(new_instance: InstanceFactory) -> None:
    code, out, _ = run_cli(new_instance, "args", "echo", "x y", program="tool")
    assert code == 0
    assert out == b"argv[0]=tool\nargv[1]=args\nargv[2]=echo\nargv[3]=x y\nx y\n"


def test_env_is_exactly_what_was_given(new_instance: InstanceFactory) -> None:
    code, out, _ = run_cli(new_instance, "envall", env={"B": "2", "A": "é"})
    assert code == 0
    assert out.decode() == "B=2\nA=é\nenv count 2\n"


def test_inherit_env_adds_the_hosts(new_instance: InstanceFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WITBRIDGE_TEST_VAR", "from-host")
    _, out, _ = run_cli(new_instance, "env", "WITBRIDGE_TEST_VAR", inherit_env=True)
    assert out == b"WITBRIDGE_TEST_VAR=from-host\n"
    _, out, _ = run_cli(new_instance, "env", "WITBRIDGE_TEST_VAR")
    assert out == b"WITBRIDGE_TEST_VAR unset\n"


def test_given_env_overrides_the_inherited(new_instance: InstanceFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WITBRIDGE_TEST_VAR", "from-host")
    _, out, _ = run_cli(new_instance, "envall", inherit_env=True, env={"WITBRIDGE_TEST_VAR": "given"})
    lines = out.decode().splitlines()
    assert [line for line in lines if line.startswith("WITBRIDGE_TEST_VAR=")] == ["WITBRIDGE_TEST_VAR=given"]


def test_library_sees_args_and_env(new_instance: InstanceFactory) -> None:
    inst = new_instance(LIB, wasi=witbridge.WasiConfig(args=["a", "b"], env={"K": "v"}))
    assert inst.files.args() == ["main", "a", "b"]
    assert inst.files.get_env("K") == "v"
    assert inst.files.get_env("HOME") is None


# --- the default sandbox -------------------------------------------------------------------------


def test_sandbox_has_no_files(new_instance: InstanceFactory) -> None:
    lib = new_instance(LIB)  # no WasiConfig at all
    with pytest.raises(witbridge.Err) as raised:
        lib.files.read_text("/etc/passwd")
    assert "os error" in str(raised.value.value)
    with pytest.raises(witbridge.Err):
        lib.files.list_dir("/")
    with pytest.raises(witbridge.Err):
        lib.files.write_text("/tmp/witbridge-escape", "x")
    assert not Path("/tmp/witbridge-escape").exists()


def test_sandbox_has_no_environment_and_only_a_program_name(
    new_instance: InstanceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WITBRIDGE_SECRET", "s3cret")
    lib = new_instance(LIB)
    assert lib.files.get_env("WITBRIDGE_SECRET") is None
    assert lib.files.get_env("PATH") is None
    assert lib.files.args() == ["main"]


def test_sandbox_inherits_stdout_and_stderr(new_instance: InstanceFactory, capfd: pytest.CaptureFixture[str]) -> None:
    lib = new_instance(LIB)
    lib.files.print("to stdout")
    lib.files.eprint("to stderr")
    out, err = capfd.readouterr()
    assert out == "to stdout\n"
    assert err == "to stderr\n"
    assert lib.stdout is None
    assert lib.stderr is None


def test_sandbox_stdin_is_empty(new_instance: InstanceFactory) -> None:
    code, out, _ = run_cli(new_instance, "stdin", "echo", "done")
    assert (code, out) == (0, b"done\n")


# --- files ----------------------------------------------------------------------------------------


def test_preopen_reads_and_writes(new_instance: InstanceFactory, tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("hello from the host\n")
    code, out, _ = run_cli(
        new_instance,
        "cat",
        "/data/in.txt",
        "write",
        "/data/out.txt",
        "from the guest",
        "ls",
        "/data",
        preopens={"/data": tmp_path},
    )
    assert code == 0
    assert out == b"hello from the host\nin.txt\nout.txt\n"
    assert (tmp_path / "out.txt").read_text() == "from the guest"


def test_read_only_preopen_refuses_writes(new_instance: InstanceFactory, tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("kept")
    inst = new_instance(LIB, wasi=witbridge.WasiConfig(preopens={"/ro": witbridge.Preopen(tmp_path, read_only=True)}))
    assert inst.files.read_text("/ro/in.txt") == "kept"
    with pytest.raises(witbridge.Err):
        inst.files.write_text("/ro/in.txt", "changed")
    with pytest.raises(witbridge.Err):
        inst.files.write_text("/ro/new.txt", "x")
    assert (tmp_path / "in.txt").read_text() == "kept"
    assert not (tmp_path / "new.txt").exists()


def test_paths_outside_preopens_are_unreachable(new_instance: InstanceFactory, tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "secret.txt").write_text("no")
    inst = new_instance(LIB, wasi=witbridge.WasiConfig(preopens={"/data": inner}))
    for path in ["/data/../secret.txt", "/secret.txt", str(tmp_path / "secret.txt")]:
        with pytest.raises(witbridge.Err):
            inst.files.read_text(path)


def test_missing_preopen_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope"):
        witbridge.WasiConfig(preopens={"/data": tmp_path / "nope"})


# --- stdio ----------------------------------------------------------------------------------------


def test_stdin_bytes(new_instance: InstanceFactory) -> None:
    code, out, _ = run_cli(new_instance, "stdin", stdin=b"line 1\nline 2\n")
    assert (code, out) == (0, b"line 1\nline 2\n")


def test_captured_streams_are_separate(new_instance: InstanceFactory) -> None:
    code, out, err = run_cli(new_instance, "echo", "out", "eecho", "err", "echo", "more")
    assert code == 0
    assert (out, err) == (b"out\nmore\n", b"err\n")


def test_captured_output_grows_call_by_call(new_instance: InstanceFactory) -> None:
    inst = new_instance(LIB, wasi=witbridge.WasiConfig(stdout="capture"))
    assert inst.stdout == b""
    inst.files.print("one")
    assert inst.stdout == b"one\n"
    inst.files.print("two")
    assert inst.stdout == b"one\ntwo\n"


def test_output_to_python_file_objects(new_instance: InstanceFactory) -> None:
    text, binary = io.StringIO(), io.BytesIO()
    inst = new_instance(LIB, wasi=witbridge.WasiConfig(stdout=text, stderr=binary))
    inst.files.print("héllo")
    inst.files.eprint("wörld")
    assert text.getvalue() == "héllo\n"
    assert binary.getvalue() == "wörld\n".encode()


def test_discarded_output(new_instance: InstanceFactory, capfd: pytest.CaptureFixture[str]) -> None:
    inst = new_instance(LIB, wasi=witbridge.WasiConfig(stdout=None, stderr=None))
    inst.files.print("gone")
    inst.files.eprint("gone too")
    assert capfd.readouterr() == ("", "")


def test_a_failing_python_stream_traps_the_call(new_instance: InstanceFactory) -> None:
    closed = io.StringIO()
    closed.close()
    inst = new_instance(LIB, wasi=witbridge.WasiConfig(stdout=closed))
    with pytest.raises(witbridge.Error):
        inst.files.print("nowhere to go")


@pytest.mark.parametrize(
    ("config", "error", "match"),
    [
        ({"args": "one string"}, TypeError, "list of strings"),
        ({"args": [1]}, TypeError, "expected str"),
        ({"env": {"A=B": "x"}}, ValueError, "variable name"),
        ({"stdin": "text"}, TypeError, "stdin"),
        ({"stdout": "file.txt"}, ValueError, "stdout"),
        ({"stderr": 3}, TypeError, "write"),
    ],
)
def test_bad_configs_are_refused(config: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        witbridge.WasiConfig(**config)  # type: ignore[arg-type]


# --- commands ---------------------------------------------------------------------------------------


def test_run_returns_the_exit_code(new_instance: InstanceFactory) -> None:
    assert run_cli(new_instance, "echo", "hi")[0] == 0
    code, out, _ = run_cli(new_instance, "echo", "hi", "exit", "3", "echo", "never")
    assert code == 3
    assert out == b"hi\n"


def test_run_reports_guest_errors(new_instance: InstanceFactory) -> None:
    code, _, err = run_cli(new_instance, "cat", "/nope")
    assert code == 1
    assert err.startswith(b"cat /nope: ")
    code, _, err = run_cli(new_instance)
    assert code == 2
    assert b"usage" in err


def test_a_command_runs_once(new_instance: InstanceFactory) -> None:
    inst = new_instance(CLI, wasi=witbridge.WasiConfig(args=["exit", "0"], stdout="capture"))
    assert inst.run() == 0
    with pytest.raises(witbridge.Error, match="exited with code 0"):
        inst.run()


def test_run_needs_a_command(new_instance: InstanceFactory) -> None:
    with pytest.raises(witbridge.Error, match=r"wasi:cli/run"):
        new_instance(LIB).run()


# --- linking ----------------------------------------------------------------------------------------

NEEDS_HTTP = """
(component
  (import "wasi:http/types@0.2.0" (instance))
  (import "wasi:io/streams@0.2.0" (instance))
  (import "wasi:cli/environment@0.3.0" (instance)))
"""


def test_wasi_interfaces_the_host_lacks_are_listed() -> None:
    component = witbridge.Component.from_wat(NEEDS_HTTP)
    with pytest.raises(witbridge.LinkError) as raised:
        witbridge.Linker().instantiate(component)
    message = str(raised.value)
    assert "2 imports" in message
    assert "wasi:http/types@0.2.0" in message
    assert "wasi:cli/environment@0.3.0" in message
    assert "wasi:io/streams" not in message  # that one WASI provides


def test_user_definitions_replace_wasi_interfaces(wasm_dir: Path) -> None:
    linker = witbridge.Linker()
    component = witbridge.Component.from_file(wasm_dir / LIB)
    calls: list[str] = []

    class Environment:
        def get_environment(self) -> list[tuple[str, str]]:
            calls.append("get-environment")
            return [("K", "defined by Python")]

        def get_arguments(self) -> list[str]:
            return ["py"]

        def initial_cwd(self) -> None:
            return None

    linker.define("wasi:cli/environment@0.2.12", Environment())
    inst = linker.instantiate(component)
    assert inst.files.get_env("K") == "defined by Python"
    assert inst.files.args() == ["py"]
    assert calls
