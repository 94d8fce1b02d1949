"""``witbridge run``: a command component from the shell, with its exit code."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from witbridge.cli import main

CLI = Path(__file__).resolve().parents[1] / "fixtures" / "wasm" / "wasi_cli.component.wasm"


def witbridge_run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """``witbridge run`` in a child process, as a shell would run it."""
    return subprocess.run(
        [sys.executable, "-m", "witbridge", "run", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


def test_runs_with_a_directory_and_an_environment_variable(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("data from the host\n")
    done = witbridge_run(
        str(CLI), "--dir", f"{tmp_path}::/data", "--env", "GREETING=hello", "--",
        "env", "GREETING", "cat", "/data/in.txt", "write", "/data/out.txt", "written", "exit", "7",
    )  # fmt: skip
    assert done.stdout == "GREETING=hello\ndata from the host\n"
    assert done.returncode == 7
    assert (tmp_path / "out.txt").read_text() == "written"


def test_arguments_after_the_double_dash_are_the_guests(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(CLI), "--", "args", "echo", "--dir"]) == 0
    out, _ = capfd.readouterr()
    assert out == "argv[0]=wasi_cli.component.wasm\nargv[1]=args\nargv[2]=echo\nargv[3]=--dir\n--dir\n"


def test_same_path_directory_and_read_only(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "f").write_text("x")
    assert main(["run", str(CLI), "--dir-ro", str(tmp_path), "--", "ls", str(tmp_path)]) == 0
    assert capfd.readouterr().out == "f\n"
    assert main(["run", str(CLI), "--dir-ro", str(tmp_path), "--", "write", f"{tmp_path}/g", "no"]) == 1
    assert not (tmp_path / "g").exists()


def test_the_guest_sees_no_host_environment(monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WITBRIDGE_SECRET", "s3cret")
    assert main(["run", str(CLI), "--", "env", "WITBRIDGE_SECRET"]) == 0
    assert capfd.readouterr().out == "WITBRIDGE_SECRET unset\n"
    assert main(["run", str(CLI), "--inherit-env", "--", "env", "WITBRIDGE_SECRET"]) == 0
    assert capfd.readouterr().out == "WITBRIDGE_SECRET=s3cret\n"


def test_stdin_is_passed_on() -> None:
    done = witbridge_run(str(CLI), "--", "stdin", input="typed in\n")
    assert (done.returncode, done.stdout) == (0, "typed in\n")


def test_timeout_is_a_guest_failure(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(CLI), "--timeout", "0.1", "--", "spin"]) == 1
    assert "timeout of 100ms" in capfd.readouterr().err


def test_timeout_ends_a_wait_for_stdin() -> None:
    # A pipe nobody writes to and nobody closes: a terminal nobody types into.
    child = subprocess.Popen(
        [sys.executable, "-m", "witbridge", "run", "--timeout", "0.5", str(CLI), "--", "stdin"],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = time.monotonic()
        code = child.wait(timeout=30)
        assert time.monotonic() - started < 5
        assert child.stderr is not None
        err = child.stderr.read()
    finally:
        child.kill()
        child.wait()
    assert code == 1
    assert "timeout of 500ms, while the guest waited in wasi:io/streams' input-stream.blocking-read" in err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_ends_a_wait_for_stdin() -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "witbridge", "run", str(CLI), "--", "echo", "started", "stdin"],
        stdin=subprocess.PIPE,  # nobody writes to it and nobody closes it
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as from a terminal
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "started\n"  # the guest reads stdin next
        time.sleep(0.2)
        sent = time.monotonic()
        os.kill(child.pid, signal.SIGINT)
        code = child.wait(timeout=30)
        assert time.monotonic() - sent < 5
        assert child.stderr is not None
        err = child.stderr.read()
    finally:
        child.kill()
        child.wait()
    assert code == 130
    assert "witbridge run: interrupted" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "missing.wasm"], "No such file"),
        (["run", str(CLI), "--env", "NOEQUALS"], "NAME=VALUE"),
        (["run", str(CLI), "--dir", "/no/such/dir"], "not a directory"),
        (["run", str(Path(__file__))], "not"),
    ],
)
def test_bad_input_exits_2(argv: list[str], message: str, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert message in capfd.readouterr().err


# A command whose `run` reaches `unreachable`.
TRAPPING_COMMAND = """
(component
  (core module $m
    (func (export "run") (result i32) unreachable))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $inst (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $inst)))
"""


def test_a_trap_prints_its_backtrace_as_call_does(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    command = tmp_path / "trap.wat"
    command.write_text(TRAPPING_COMMAND)
    assert main(["run", str(command)]) == 1
    assert capfd.readouterr().err.splitlines() == [
        "witbridge run: the guest trapped: wasi:cli/run@0.2.0#run: wasm trap: wasm `unreachable` instruction executed",
        "error while executing at wasm backtrace:",
        "    0:     0x2a - m!<wasm function 0>",
    ]


def test_a_component_that_is_no_command(capfd: pytest.CaptureFixture[str]) -> None:
    lib = CLI.with_name("wasi_lib.component.wasm")
    assert main(["run", str(lib)]) == 2
    assert "is not a command (it doesn't export wasi:cli/run)" in capfd.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_a_spinning_guest() -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "witbridge", "run", str(CLI), "--timeout", "60", "--", "echo", "started", "spin"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: a shell's background job (a CI runner, say)
        # would pass SIGINT on ignored, and then Python ignores Ctrl-C too.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "started\n"  # the guest is in its loop now
        time.sleep(0.1)
        sent = time.monotonic()
        os.kill(child.pid, signal.SIGINT)
        code = child.wait(timeout=30)
        assert time.monotonic() - sent < 10
    finally:
        child.kill()
        child.wait()
    assert code == 130
