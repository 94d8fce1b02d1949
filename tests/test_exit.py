"""A program that exits while a daemon thread is in a guest call.

The thread's call comes back to Python after the interpreter began to
finalize, or after it is gone. Before crates/witbridge/src/attach.rs, PyO3
then panicked: a backtrace on stderr as the program exited, in 13 runs of 40
(and stopping that panic alone let CPython end the thread with
``pthread_exit``, which aborted the process). Now such a thread waits, and
the program exits as it would without witbridge: status 0, nothing on
stderr (100 runs of 100). The program runs several times, since the race it
used to lose is a matter of timing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

pytestmark = pytest.mark.slow

RUNS = 8

# The daemon thread makes calls back to back, each long enough to release
# the GIL; the main thread exits while one is under way. (A thread whose
# calls keep the GIL and call Python imports can still be ended by CPython
# inside the import's Python code, before Python 3.14; see
# crates/witbridge/src/attach.rs and docs/reliability.md.)
PROGRAM = f"""
import threading, time, witbridge
busy = witbridge.load({str(FIXTURES / "wat" / "busy.wat")!r})
def calls():
    while True:
        busy.burn(100_000)
threading.Thread(target=calls, daemon=True).start()
time.sleep(0.2)
"""


def test_a_daemon_thread_in_a_guest_call_lets_the_program_exit_cleanly() -> None:
    for run in range(RUNS):
        done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60, check=False)
        assert (done.returncode, done.stderr) == (0, ""), f"run {run + 1} of {RUNS}"
