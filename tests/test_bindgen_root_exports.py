"""``witbridge bindgen`` for a world that exports functions at its root, not in an interface (issue 15, defect b).

The world has types of its own (a record and an enum declared in the world),
and root exports named like members of the generated world class
(``instance``, ``load``). The module, generated from the WIT and from the
component, must type-check under ``mypy --strict`` with a program that calls
every export, and the program must run: values come back as the module's
classes.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import witbridge
from witbridge import bindgen

ROOTED_WIT = """
package demo:rooted;

world rooted {
  record pt { x: u32, y: u32 }
  enum mode { fast, slow }
  export dist: func(p: pt, m: mode) -> u32;
  export flip: func(m: mode) -> mode;
  export instance: func() -> u32;
  export load: func() -> u32;
}
"""

ROOTED_WAT = """
(module
  (memory (export "memory") 1)
  (func (export "dist") (param i32 i32 i32) (result i32) local.get 0 local.get 1 i32.add local.get 2 i32.add)
  (func (export "flip") (param i32) (result i32) i32.const 1 local.get 0 i32.sub)
  (func (export "instance") (result i32) i32.const 7)
  (func (export "load") (result i32) i32.const 8))
"""

PROGRAM = """
    from __future__ import annotations

    from pathlib import Path

    from {module} import Mode, Pt, {cls}


    def main(component: Path) -> None:
        app = {cls}.load(component)
        distance: int = app.dist(Pt(1, 2), Mode.SLOW)
        assert distance == 4
        flipped: Mode = app.flip(Mode.FAST)
        assert flipped is Mode.SLOW
        # Exports named like the class's own members get a trailing underscore; the originals stay.
        assert (app.instance_(), app.load_()) == (7, 8)
        assert app.instance.Pt is Pt
"""


@pytest.mark.parametrize("kind", ["wit", "component"])
def test_root_exports_are_typed_and_work(kind: str, tmp_path: Path) -> None:
    (tmp_path / "rooted.wit").write_text(ROOTED_WIT)
    (tmp_path / "rooted.wat").write_text(ROOTED_WAT)
    wasm = witbridge.Component.from_file(tmp_path / "rooted.wat", wit=tmp_path / "rooted.wit", world="rooted")._wasm()
    assert wasm is not None
    component = tmp_path / "rooted.wasm"
    component.write_bytes(wasm)
    module, cls = (f"rooted_{kind}", "Rooted" if kind == "wit" else "Root")
    source = tmp_path / "rooted.wit" if kind == "wit" else component
    (tmp_path / f"{module}.py").write_text(bindgen.generate(source, name=cls))
    (tmp_path / f"use_{module}.py").write_text(textwrap.dedent(PROGRAM.format(module=module, cls=cls)))
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "mypy"),
            f"{module}.py",
            f"use_{module}.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        importlib.invalidate_caches()
        importlib.import_module(f"use_{module}").main(component)
    finally:
        sys.path.remove(str(tmp_path))
